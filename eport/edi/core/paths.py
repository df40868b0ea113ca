"""Element paths in errors and problems, one form for the whole of eport.edi.

``/ceb:CEB621Message/ceb:Inventory[2]/ceb:InventoryList[3]/ceb:gnum``: fixed prefixes for the namespaces customs
messages mix (``ceb:``, ``dxp:``, ``ds:``) whatever prefixes the document uses, bare local names for any other
namespace, an index ``[n]`` (from 1) only where elements of the same name are siblings, ``@name`` for attributes.
Validation (``eport.edi.core.rules``) writes the same form, so decoding, encoding and validation problems line up.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

#: Namespace URI → the prefix used in paths.
PATH_PREFIXES: Mapping[str, str] = MappingProxyType(
    {
        "http://www.chinaport.gov.cn/ceb": "ceb",
        "http://www.chinaport.gov.cn/dxp": "dxp",
        "http://www.w3.org/2000/09/xmldsig#": "ds",
    }
)


def step(namespace: str | None, local: str, index: int | None = None) -> str:
    """One path step: ``ceb:Inventory``, ``ceb:InventoryList[3]``, ``DecHead``."""
    prefix = PATH_PREFIXES.get(namespace or "")
    text = f"{prefix}:{local}" if prefix else local
    return text if index is None else f"{text}[{index}]"


def clark_step(tag: str, index: int | None = None) -> str:
    """A path step from a Clark name (``{uri}local``)."""
    if tag.startswith("{"):
        namespace, _, local = tag[1:].partition("}")
        return step(namespace, local, index)
    return step(None, tag, index)


__all__ = ["PATH_PREFIXES", "clark_step", "step"]
