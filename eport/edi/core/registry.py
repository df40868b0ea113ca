"""Which model class a document's root element stands for, and which family handles what.

The families declare themselves (:class:`~eport.edi.core.family.Family`, in each family's ``family`` module);
:data:`FAMILIES` lists those declarations as import strings and :func:`families` loads them on first use. The
root table (``(namespace, local name) -> "module:Class"``) is built from them once; a model class is imported
only when a document asks for it, so looking up a message does not import every family. There is no mutable,
run-time registry: a new family is one line in :data:`FAMILIES`.

CEB roots exist in two editions (``"202205"``, the default, and ``"2018"``) with the same names; a family's
``editions`` overlay the table for the older edition.

Roots that no static table can list (every manifest root is ``Manifest``, in a namespace that names the message
type) are the families' ``lookup`` hooks: :func:`lookup_any` and :func:`lookup_name` know them, :func:`lookup`
(what the generic engine decodes) does not.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from eport.edi.core.family import Family, RootKey, load
from eport.edi.core.paths import step
from eport.errors import ConfigurationError, UnknownMessageError

logger = logging.getLogger(__name__)

#: The default schema edition.
DEFAULT_EDITION = "202205"

if TYPE_CHECKING:  # module constants built on first use by __getattr__
    ROOTS: Mapping[RootKey, str]
    EDITIONS: Mapping[str, Mapping[RootKey, str]]

#: The families, as ``"module:attribute"`` of their :class:`~eport.edi.core.family.Family` declaration.
FAMILIES: tuple[str, ...] = (
    "eport.edi.ceb.family:FAMILY",
    "eport.edi.dec.family:FAMILY",
    "eport.edi.manifest.family:FAMILY",
    "eport.edi.dxp.family:FAMILY",
)


@functools.cache
def families() -> tuple[Family, ...]:
    """Return every family's declaration, in :data:`FAMILIES` order (loaded once)."""
    found = tuple(load(target) for target in FAMILIES)
    for target, family in zip(FAMILIES, found, strict=True):
        if not isinstance(family, Family):
            raise ConfigurationError(f"{target} is not an eport.edi.core.family.Family")
    return found


@functools.cache
def family_of(spec_family: str) -> Family | None:
    """Return the family whose models carry ``spec_family`` (:attr:`ModelSpec.family`), or ``None``."""
    return next((f for f in families() if spec_family in f.spec_families), None)


@functools.cache
def hooks(name: str) -> tuple[tuple[Family, Callable[..., Any]], ...]:
    """Return ``(family, hook)`` for every family that declares the hook ``name`` (``"decoder"``, ``"unwrap"`` …).

    The hooks' modules are imported on the first call for that hook.
    """
    return tuple((f, load(getattr(f, name))) for f in families() if getattr(f, name) is not None)


def hook(spec_family: str, name: str) -> Callable[..., Any] | None:
    """Return the hook ``name`` of the family whose models carry ``spec_family``, or ``None``."""
    family = family_of(spec_family)
    target = None if family is None else getattr(family, name)
    return None if target is None else load(target)


@functools.cache
def _tables() -> tuple[Mapping[RootKey, str], Mapping[str, Mapping[RootKey, str]], frozenset[RootKey]]:
    """The root table, the per-edition overlays and the roots of families that have editions."""
    roots: dict[RootKey, str] = {}
    editions: dict[str, dict[RootKey, str]] = {DEFAULT_EDITION: {}}
    versioned: set[RootKey] = set()
    for family in families():
        roots.update(family.roots)
        if family.editions:
            versioned.update(family.roots)
        for edition, table in family.editions.items():
            editions.setdefault(edition, {}).update(table)
    overlays = MappingProxyType({ed: MappingProxyType(table) for ed, table in editions.items()})
    return MappingProxyType(roots), overlays, frozenset(versioned)


def roots() -> Mapping[RootKey, str]:
    """Root element ``(namespace, local name)`` → ``"module:Class"``, for the default edition."""
    return _tables()[0]


def editions() -> Mapping[str, Mapping[RootKey, str]]:
    """Edition name → the roots that differ from :func:`roots` in that edition."""
    return _tables()[1]


def __getattr__(name: str) -> Any:
    """``ROOTS`` and ``EDITIONS``, the tables as constants (built from the families on first use)."""
    if name == "ROOTS":
        return roots()
    if name == "EDITIONS":
        return editions()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _edition(edition: str | None) -> str:
    ed = edition or DEFAULT_EDITION
    if ed not in editions():
        raise ConfigurationError(f"unknown edition {ed!r}; known: {', '.join(sorted(editions()))}")
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
    table, overlays, versioned = _tables()
    key = (namespace, local)
    target = overlays[ed].get(key)
    if target is None:
        if ed != DEFAULT_EDITION and key in versioned:
            return None  # a 202205-only CEB message does not exist in the older edition
        target = table.get(key)
    if target is None:
        return None
    cls: type[Any] = load(target)
    return cls


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


def lookup_any(namespace: str | None, local: str, *, edition: str | None = None) -> type[Any] | None:
    """Like :func:`lookup`, and the families' own lookups (manifests): the model class for any root element eport
    can read, or ``None``.

    Args:
        namespace: the root's namespace URI (``None`` for no namespace).
        local: the root's local name.
        edition: CEB edition, ``"202205"`` (default) or ``"2018"``.

    Raises:
        ConfigurationError: for an unknown edition.
    """
    cls = lookup(namespace, local, edition=edition)
    if cls is None:
        for _, family_lookup in hooks("lookup"):
            cls = family_lookup(namespace, local)
            if cls is not None:
                break
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
    for _, family_lookup in hooks("lookup_name"):
        found: type[Any] | None = family_lookup(wanted)
        if found is not None:
            return found
    for namespace, local in roots():
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


def message_name(namespace: str | None, local: str) -> str:
    """Return the name a root element goes by on the wire: its local name, or what its family calls it
    (a manifest, ``Manifest`` in ``urn:Declaration:datamodel:standard:CN:MT2101:1``, is ``MT2101``)."""
    for _, name_of in hooks("message_name"):
        name: str | None = name_of(namespace, local)
        if name:
            return name
    return local


def message_types(*, edition: str | None = None) -> tuple[type[Any], ...]:
    """Return every registered message class (of the given CEB edition), in table order."""
    ed = edition or DEFAULT_EDITION
    out = []
    for ns, local in roots():
        cls = lookup(ns, local, edition=ed)
        if cls is not None:
            out.append(cls)
    return tuple(out)


__all__ = [
    "DEFAULT_EDITION",
    "FAMILIES",
    "editions",
    "families",
    "family_of",
    "hook",
    "hooks",
    "lookup",
    "lookup_any",
    "lookup_name",
    "message_name",
    "message_types",
    "resolve",
    "resolve_name",
    "roots",
]
