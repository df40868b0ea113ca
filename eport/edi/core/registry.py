"""Which model class a document's root element stands for.

The table is static: ``(namespace, local name) -> "module:Class"``, imported lazily on first use, so looking up a
message does not import every family. Families add their roots to :data:`ROOTS` in this file (one line each);
there is no mutable, run-time registry.

CEB roots exist in two editions (``"202205"``, the default, and ``"2018"``) with the same names;
:data:`EDITIONS` overlays the table for the older edition.

Manifests (舱单) are the exception: every manifest root is ``Manifest``, in a namespace that names the message type
(``urn:Declaration:datamodel:standard:CN:MT2101:1``), and they have a codec of their own
(:mod:`eport.edi.manifest.codec`, which :mod:`eport.edi.core.dispatch` routes to). They are not in :data:`ROOTS` (the
generic engine decodes what is there); :func:`lookup_any` and :func:`lookup_name` know them too.
"""

from __future__ import annotations

import importlib
import logging
import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from eport.edi.core.paths import step
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


def _edition(edition: str | None) -> str:
    ed = edition or DEFAULT_EDITION
    if ed not in EDITIONS:
        raise ConfigurationError(f"unknown edition {ed!r}; known: {', '.join(sorted(EDITIONS))}")
    return ed


def lookup(namespace: str | None, local: str, *, edition: str | None = None) -> type[Any] | None:
    """Return the model class registered for a root element, or ``None``.

    Args:
        namespace: the root's namespace URI (``None`` for no namespace).
        local: the root's local name.
        edition: CEB edition, ``"202205"`` (default) or ``"2018"``.

    Raises:
        ConfigurationError: for an unknown edition.
    """
    ed = _edition(edition)
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


#: Where the manifest model lives; one class, ``Manifest``, serves every manifest message type.
MANIFEST = "eport.edi.manifest.message:Manifest"
#: Namespace of a manifest message; ``{}`` is the message type (``MT2101``).
MANIFEST_NS_TEMPLATE = "urn:Declaration:datamodel:standard:CN:{}:1"
#: A manifest namespace; group 1 is the message type (match it whole, or search a text for one).
MANIFEST_NS_PATTERN = re.compile(r"urn:Declaration:datamodel:standard:CN:(MT[0-9A-Z]{4}):1")
_MANIFEST_NAME = re.compile(r"(?:CN_)?(MT[0-9A-Z]{4})", re.IGNORECASE)


def manifest_type(namespace: str | None, local: str) -> str | None:
    """Return the manifest message type of a root element (``MT2101``), or ``None`` for any other root.

    Args:
        namespace: the root's namespace URI, e.g. ``urn:Declaration:datamodel:standard:CN:MT2101:1``.
        local: the root's local name (``Manifest``).
    """
    if local != "Manifest":
        return None
    m = MANIFEST_NS_PATTERN.fullmatch(namespace or "")
    return m.group(1) if m else None


def lookup_any(namespace: str | None, local: str, *, edition: str | None = None) -> type[Any] | None:
    """Like :func:`lookup`, and manifests too: the model class for any root element eport can read, or ``None``.

    Args:
        namespace: the root's namespace URI (``None`` for no namespace).
        local: the root's local name.
        edition: CEB edition, ``"202205"`` (default) or ``"2018"``.

    Raises:
        ConfigurationError: for an unknown edition.
    """
    cls = lookup(namespace, local, edition=edition)
    if cls is None and manifest_type(namespace, local) is not None:
        return _load(MANIFEST)
    return cls


def lookup_name(name: str, *, edition: str | None = None) -> type[Any] | None:
    """Return the model class for a message name, or ``None``.

    Names are what people call messages: root names (``CEB621Message``, ``DecMessage``, ``DEC_RESULT``), CEB codes
    (``CEB621``), and manifest message types, bare or as MessageID prefixes write them (``MT2101``,
    ``CN_MT2101``, case-insensitive). Manifest types must be known (:data:`eport.edi.manifest.MESSAGE_TYPES`).

    Args:
        name: the message name.
        edition: CEB edition, ``"202205"`` (default) or ``"2018"``.

    Raises:
        ConfigurationError: for an unknown edition.
    """
    ed = _edition(edition)
    wanted = name.strip()
    m = _MANIFEST_NAME.fullmatch(wanted)
    if m:
        from eport.edi.manifest.message import MESSAGE_TYPES

        return _load(MANIFEST) if m.group(1).upper() in MESSAGE_TYPES else None
    for namespace, local in ROOTS:
        if wanted and wanted in (local, local.removesuffix("Message")):
            cls = lookup(namespace, local, edition=ed)
            if cls is not None:
                return cls
    return None


def resolve_name(name: str, *, edition: str | None = None) -> type[Any]:
    """Return the model class for a message name (see :func:`lookup_name`).

    Raises:
        UnknownMessageError: no message has that name (in that edition).
        ConfigurationError: for an unknown edition.
    """
    cls = lookup_name(name, edition=edition)
    if cls is None:
        raise UnknownMessageError(f"unknown message name {name!r}")
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


__all__ = [
    "CEB_NS",
    "DEFAULT_EDITION",
    "EDITIONS",
    "MANIFEST",
    "MANIFEST_NS_TEMPLATE",
    "ROOTS",
    "lookup",
    "lookup_any",
    "lookup_name",
    "manifest_type",
    "message_types",
    "resolve",
    "resolve_name",
]
