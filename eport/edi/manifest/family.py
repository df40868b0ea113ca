"""The manifest family (舱单) as the engine sees it: roots named by namespace, its own codec, its rules.

Every manifest root is ``Manifest``, in a namespace that names the message type
(``urn:Declaration:datamodel:standard:CN:MT2101:1``), and manifests have a codec of their own
(:mod:`eport.edi.manifest.codec`): the namespace follows ``Head/MessageType`` and some elements hold text and
attributes. So the family has no static roots; its hooks find manifests, and documents that carry a manifest
namespace are read by the manifest codec first.
"""

from __future__ import annotations

from typing import Any

from eport.edi.core.family import Family
from eport.edi.manifest.names import MARKER, NAME_PATTERN, NS_PATTERN, NS_TEMPLATE, manifest_type
from eport.errors import UnknownMessageError


def lookup(namespace: str | None, local: str) -> type[Any] | None:
    """The ``Manifest`` class for a manifest root, else ``None``."""
    if manifest_type(namespace, local) is None:
        return None
    from eport.edi.manifest.message import Manifest

    return Manifest


def lookup_name(name: str) -> type[Any] | None:
    """The ``Manifest`` class for a known message type, bare or as a MessageID prefix (``MT2101``, ``CN_MT2101``,
    case-insensitive), else ``None``."""
    m = NAME_PATTERN.fullmatch(name.strip())
    if m is None:
        return None
    from eport.edi.manifest.message import MESSAGE_TYPES, Manifest

    return Manifest if m.group(1).upper() in MESSAGE_TYPES else None


def decoder(data: bytes, *, max_size: int, strict: bool) -> Any:
    """The document read by the manifest codec, or ``None`` when its root is not a manifest.

    Raises:
        DecodeError: the document is a manifest that does not follow the models (strict), or is unsafe or not
            well-formed.
    """
    from eport.edi.manifest.codec import decode_manifest, decode_manifest_lenient

    try:
        if strict:
            return decode_manifest(bytes(data), max_size=max_size)
        return decode_manifest_lenient(bytes(data), max_size=max_size)
    except UnknownMessageError:  # the namespace was mentioned, but the root is not a manifest
        return None


FAMILY = Family(
    name="manifest",
    spec_families=frozenset({"manifest"}),
    inherits_namespace=True,
    rules={"manifest": "eport.edi.manifest.rules"},
    encoder="eport.edi.manifest.codec:encode_manifest",
    marker=MARKER,
    decoder="eport.edi.manifest.family:decoder",
    lookup="eport.edi.manifest.family:lookup",
    lookup_name="eport.edi.manifest.family:lookup_name",
    message_name="eport.edi.manifest.family:manifest_type",
)

__all__ = [
    "FAMILY",
    "MARKER",
    "NS_PATTERN",
    "NS_TEMPLATE",
    "decoder",
    "lookup",
    "lookup_name",
    "manifest_type",
]
