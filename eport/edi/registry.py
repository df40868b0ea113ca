"""Which model class a document's root element stands for.

The table is static: ``(namespace, local name) -> "module:Class"``, imported lazily on first use, so looking up a
message does not import every family. Families add their roots to :data:`ROOTS` in this file (one line each);
there is no mutable, run-time registry.

CEB roots exist in two editions (``"202205"``, the default, and ``"2018"``) with the same names;
:data:`EDITIONS` overlays the table for the older edition.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from eport.edi._paths import step
from eport.errors import ConfigurationError, UnknownMessageError

logger = logging.getLogger(__name__)

CEB_NS = "http://www.chinaport.gov.cn/ceb"

#: The default CEB edition.
DEFAULT_EDITION = "202205"

_CEB_IMPORT = [
    "311",
    "312",
    "411",
    "412",
    "511",
    "512",
    "513",
    "514",
    "621",
    "622",
    "623",
    "624",
    "625",
    "626",
    "711",
    "712",
    "816",
    "818",
    "900",
]
_CEB_EXPORT_2018 = [
    "303",
    "304",
    "403",
    "404",
    "505",
    "506",
    "507",
    "508",
    "509",
    "510",
    "603",
    "604",
    "605",
    "606",
    "607",
    "608",
    "701",
    "702",
    "792",
]
_CEB_EXPORT = [*_CEB_EXPORT_2018, "213", "214", "215", "216"]


def _ceb(module: str, codes: list[str]) -> dict[tuple[str | None, str], str]:
    return {(CEB_NS, f"CEB{c}Message"): f"{module}:CEB{c}Message" for c in codes}


#: Root element ``(namespace, local name)`` → ``"module:Class"``, for the default edition.
ROOTS: Mapping[tuple[str | None, str], str] = MappingProxyType(
    {
        **_ceb("eport.edi.ceb.imports", _CEB_IMPORT),
        **_ceb("eport.edi.ceb.exports", _CEB_EXPORT),
        # Other families add their roots here, e.g.
        # ("http://www.chinaport.gov.cn/dec", "DecMessage"): "eport.edi.dec.models:DecMessage",
        ("http://www.chinaport.gov.cn/dec", "DecMessage"): "eport.edi.dec.models:DecMessage",
        ("http://www.chinaport.gov.cn/dec", "DecImportResponse"): "eport.edi.dec.receipts:DecImportResponse",
        (None, "DEC_RESULT"): "eport.edi.dec.receipts:DecResult",
        (None, "DEC_DATA"): "eport.edi.dec.receipts:DecData",
    }
)

#: Edition name → overrides of :data:`ROOTS` for that edition.
EDITIONS: Mapping[str, Mapping[tuple[str | None, str], str]] = MappingProxyType(
    {
        DEFAULT_EDITION: MappingProxyType({}),
        "2018": MappingProxyType(
            {
                **_ceb("eport.edi.ceb.imports2018", _CEB_IMPORT),
                **_ceb("eport.edi.ceb.exports2018", _CEB_EXPORT_2018),
            }
        ),
    }
)


def _load(target: str) -> type[Any]:
    module_name, _, attr = target.partition(":")
    cls: type[Any] = getattr(importlib.import_module(module_name), attr)
    return cls


def lookup(namespace: str | None, local: str, *, edition: str | None = None) -> type[Any] | None:
    """Return the model class registered for a root element, or ``None``.

    Args:
        namespace: the root's namespace URI (``None`` for no namespace).
        local: the root's local name.
        edition: CEB edition, ``"202205"`` (default) or ``"2018"``.

    Raises:
        ConfigurationError: for an unknown edition.
    """
    ed = edition or DEFAULT_EDITION
    if ed not in EDITIONS:
        raise ConfigurationError(f"unknown edition {ed!r}; known: {', '.join(sorted(EDITIONS))}")
    key = (namespace, local)
    target = EDITIONS[ed].get(key)
    if target is None:
        if ed != DEFAULT_EDITION and namespace == CEB_NS and key in ROOTS:
            return None  # a 202205-only CEB message does not exist in the older edition
        target = ROOTS.get(key)
    return None if target is None else _load(target)


def resolve(namespace: str | None, local: str, *, edition: str | None = None) -> type[Any]:
    """Return the model class for a root element.

    Raises:
        UnknownMessageError: no model is registered for the root (in that edition).
        ConfigurationError: for an unknown edition.
    """
    cls = lookup(namespace, local, edition=edition)
    if cls is None:
        where = f"{{{namespace}}}{local}" if namespace else local
        raise UnknownMessageError(f"unknown message root element {where}", path="/" + step(namespace, local))
    return cls


def message_types(*, edition: str | None = None) -> tuple[type[Any], ...]:
    """Return every registered message class (of the given CEB edition), in table order."""
    ed = edition or DEFAULT_EDITION
    out = []
    for ns, local in ROOTS:
        cls = lookup(ns, local, edition=ed)
        if cls is not None:
            out.append(cls)
    return tuple(out)


__all__ = ["CEB_NS", "DEFAULT_EDITION", "EDITIONS", "ROOTS", "lookup", "message_types", "resolve"]
