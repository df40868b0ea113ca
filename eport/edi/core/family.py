"""What a message family tells the engine about itself: its roots, rules and codec hooks.

Each family package (:mod:`eport.edi.ceb`, :mod:`eport.edi.dec`, :mod:`eport.edi.manifest`, :mod:`eport.edi.dxp`)
declares one :class:`Family` in its ``family`` module; :mod:`eport.edi.core.registry` lists those modules and
loads them on first use. Every hook is an import string, ``"module:attribute"``, resolved with :func:`load` when
the engine first needs it, so declaring a family imports none of its models.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import attrs

#: A root element: ``(namespace URI or None, local name)``.
RootKey = tuple[str | None, str]

_EMPTY: Mapping[Any, Any] = MappingProxyType({})


def _frozen(table: Mapping[Any, Any]) -> Mapping[Any, Any]:
    return MappingProxyType(dict(table))


def _frozen_editions(table: Mapping[str, Mapping[RootKey, str]]) -> Mapping[str, Mapping[RootKey, str]]:
    return MappingProxyType({edition: MappingProxyType(dict(roots)) for edition, roots in table.items()})


@functools.cache
def load(target: str) -> Any:
    """Import ``"module:attribute"`` (or a bare ``"module"``) and return it."""
    module_name, _, attr = target.partition(":")
    module = importlib.import_module(module_name)
    return getattr(module, attr) if attr else module


@attrs.frozen(kw_only=True)
class Family:
    """A message family as the engine sees it.

    Attributes:
        name: the family's name (``"ceb"``, ``"dec"``, ``"manifest"``, ``"dxp"``).
        spec_families: the :attr:`~eport.edi.core.spec.ModelSpec.family` values of its models.
        namespace: the family's own namespace, when its documents have one root namespace (DXP).
        inherits_namespace: its models have no namespace of their own: the encoder writes a model in the namespace
            of the element it is written in (manifests: the namespace of the message type).
        roots: root element → ``"module:Class"``, for the default edition.
        editions: edition name → the roots of that edition that differ from :attr:`roots`. A family that lists
            editions has, in an edition, only the roots that edition names (a 202205-only CEB message does not
            exist in 2018).
        rules: spec family → the module whose ``RULES`` validation runs on messages of that spec family.
        encoder: ``(message) -> bytes``, for families that write their own documents (manifests).
        to_edition: ``(message, edition) -> message``, for families with schema editions.
        marker: bytes a document of the family carries; :attr:`decoder`, :attr:`rescue`, :attr:`rescue_lenient`
            and :attr:`unwrap` are tried only on documents that contain them (an empty marker: never).
        decoder: ``(data, *, max_size, strict) -> model | Decoded | None``, tried before the engine on documents
            with the marker; ``None`` when the root is not the family's.
        rescue: ``(data, *, max_size, original) -> model``, tried when the engine cannot decode a document with
            the marker; raises ``original`` (or a more precise error) when it cannot either.
        rescue_lenient: ``(data, *, max_size, original, decoded) -> Decoded | None``, the lenient counterpart:
            ``original`` is the engine's error or ``None``, ``decoded`` the engine's result or ``None``.
        unwrap: ``(data) -> bytes``, for envelopes: the payload of a document with the marker.
        envelope: ``(data, *, max_bytes) -> model``, for envelopes: decode a document whose root is in
            :attr:`namespace`.
        payloads: ``(message) -> tuple[(path prefix, bytes), ...]``, for envelopes: the documents a message
            carries, validated with it.
        lookup: ``(namespace, local) -> class | None``, for roots that are not in a static table (every manifest
            root is ``Manifest``, in a namespace that names the message type).
        lookup_name: ``(name) -> class | None``, for message names that are not root names (``MT2101``).
        message_name: ``(namespace, local) -> str | None``, the name a root goes by on the wire (``MT2101``).
        drop_covered: ``(problems, message) -> problems``, drops schema problems its rules report with more
            meaning.
        clean_tree: ``(root, cls) -> bool``, True when the family's rules certainly report nothing on a document
            the schema accepts, checked on its tree; validation then skips decoding it into ``cls``. ``False``
            only means "decode and run the rules".
    """

    name: str
    spec_families: frozenset[str]
    namespace: str | None = None
    inherits_namespace: bool = False
    roots: Mapping[RootKey, str] = attrs.field(default=_EMPTY, converter=_frozen)
    editions: Mapping[str, Mapping[RootKey, str]] = attrs.field(default=_EMPTY, converter=_frozen_editions)
    rules: Mapping[str, str] = attrs.field(default=_EMPTY, converter=_frozen)
    encoder: str | None = None
    to_edition: str | None = None
    marker: bytes = b""
    decoder: str | None = None
    rescue: str | None = None
    rescue_lenient: str | None = None
    unwrap: str | None = None
    envelope: str | None = None
    payloads: str | None = None
    lookup: str | None = None
    lookup_name: str | None = None
    message_name: str | None = None
    drop_covered: str | None = None
    clean_tree: str | None = None

    def marked(self, data: object) -> bool:
        """True when ``data`` is bytes carrying the family's marker (a byte search, no parsing)."""
        return bool(self.marker) and isinstance(data, (bytes, bytearray)) and self.marker in data


__all__ = ["Family", "RootKey", "load"]
