"""``eport.edi.decode``/``decode_lenient``/``encode``: the generic engine plus the manifest family (舱单).

Manifests have their own codec (:mod:`eport.edi.manifest.codec`: the namespace follows the message type, and some
elements hold text and attributes). The engine's root table (:mod:`eport.edi.core.registry`) has no entry for them, so
these thin wrappers route them (and declarations as other software writes them, which the declaration codec
reads: an ``ImportMessage`` wrapper, empty elements, children without namespace):

* a document that carries a manifest namespace (``urn:Declaration:datamodel:standard:CN:MTxxxx:1``, a byte
  search) is read with :func:`eport.edi.manifest.decode_manifest` first, parsed once; if its root is not a
  manifest, and for every other document, the engine decodes it;
* encoding needs no routing here: :func:`eport.edi.core.encoding.encode` (re-exported with :func:`iter_encode` and
  :func:`encode_many`) hands a :class:`~eport.edi.manifest.Manifest` to the manifest codec itself, so a batch may
  mix families.

The manifest package is imported only when a manifest is met.
"""

from __future__ import annotations

import logging
import sys
from typing import Any, TypeVar, overload

from lxml import etree

from eport.edi.core import decoding
from eport.edi.core.encoding import encode, encode_many, iter_encode
from eport.edi.core.safexml import DEFAULT_MAX_SIZE
from eport.errors import DecodeError, UnknownMessageError

logger = logging.getLogger(__name__)

M = TypeVar("M")

#: Bytes every manifest document carries (its namespace, ``urn:Declaration:datamodel:standard:CN:MT2101:1``).
_MANIFEST_MARKER = b"urn:Declaration:datamodel:standard:CN:"


def _mentions_manifest(data: object) -> bool:
    """True when ``data`` carries a manifest namespace somewhere (a cheap byte search, no parsing)."""
    return isinstance(data, (bytes, bytearray)) and _MANIFEST_MARKER in data


def _manifest(data: bytes, max_size: int, *, strict: bool) -> Any:
    """The document read by the manifest codec, or ``None`` when its root is not a manifest.

    Raises:
        DecodeError: the document is a manifest that does not follow the models (strict), or is unsafe or not
            well-formed.
    """
    from eport.edi.manifest.codec import decode_manifest, decode_manifest_lenient

    try:
        return (
            decode_manifest(bytes(data), max_size=max_size)
            if strict
            else decode_manifest_lenient(bytes(data), max_size=max_size)
        )
    except UnknownMessageError:  # the namespace was mentioned, but the root is not a manifest
        return None


def _mentions_declaration(data: object) -> bool:
    return isinstance(data, (bytes, bytearray)) and b"DecMessage" in data


def _is_declaration(message: object) -> bool:
    module = sys.modules.get("eport.edi.dec.models")
    return module is not None and isinstance(message, module.DecMessage)


@overload
def _declaration_lenient(data: bytes, max_size: int, original: DecodeError) -> decoding.Decoded[Any]: ...
@overload
def _declaration_lenient(data: bytes, max_size: int, original: None) -> decoding.Decoded[Any] | None: ...
def _declaration_lenient(data: bytes, max_size: int, original: DecodeError | None) -> decoding.Decoded[Any] | None:
    """The declaration codec's lenient result; on failure re-raise ``original`` (or give ``None``)."""
    from eport.edi.dec.codec import decode_declaration_lenient

    try:
        return decode_declaration_lenient(bytes(data), max_size=max_size)
    except DecodeError:
        if original is not None:
            raise original from None
        return None


@overload
def decode(data: bytes, *, model: type[M], edition: str | None = ..., max_size: int = ...) -> M: ...
@overload
def decode(data: bytes, *, model: None = ..., edition: str | None = ..., max_size: int = ...) -> Any: ...
def decode(
    data: bytes, *, model: type[Any] | None = None, edition: str | None = None, max_size: int = DEFAULT_MAX_SIZE
) -> Any:
    """Decode a message strictly: CEB, declarations and their receipts, DXP-free documents, and manifests.

    Args:
        data: the XML document.
        model: decode as this class instead of looking the root up in :mod:`eport.edi.core.registry`.
        edition: CEB edition for the lookup, ``"202205"`` (default) or ``"2018"``.
        max_size: the largest accepted document in bytes (default 50 MiB).

    Returns:
        The message model, e.g. a ``CEB621Message``, a ``DecMessage`` or a manifest ``Manifest``.

    Raises:
        UnknownMessageError: the root element is not a known message.
        DecodeError: the bytes are unsafe, not well-formed, or do not follow the message's structure; ``path`` and
            ``line`` say where.
    """
    if model is None and _mentions_manifest(data):  # manifests first: the engine has no root for them
        message = _manifest(bytes(data), max_size, strict=True)
        if message is not None:
            return message
    try:
        return decoding.decode(data, model=model, edition=edition, max_size=max_size)
    except DecodeError as exc:
        if model is not None:
            raise
        if not _mentions_declaration(data):
            raise
        original = exc
    # Declarations as other software writes them: an ImportMessage wrapper, empty elements, no namespace.
    from eport.edi.dec.codec import decode_declaration

    try:
        return decode_declaration(bytes(data), max_size=max_size)
    except DecodeError as exc:
        wrapped = isinstance(original, UnknownMessageError) and (exc.path or "").startswith("/DecMessage")
        if wrapped:  # an ImportMessage wrapper around a declaration: the declaration codec knows more
            raise exc from None
        raise original from None


@overload
def decode_lenient(
    data: bytes, *, model: type[M], edition: str | None = ..., max_size: int = ...
) -> decoding.Decoded[M]: ...
@overload
def decode_lenient(
    data: bytes, *, model: None = ..., edition: str | None = ..., max_size: int = ...
) -> decoding.Decoded[Any]: ...
def decode_lenient(
    data: bytes, *, model: type[Any] | None = None, edition: str | None = None, max_size: int = DEFAULT_MAX_SIZE
) -> decoding.Decoded[Any]:
    """Decode a message, collecting problems instead of stopping at the first; manifests included.

    Args:
        data: the XML document.
        model: decode as this class instead of looking the root up.
        edition: CEB edition for the lookup, ``"202205"`` (default) or ``"2018"``.
        max_size: the largest accepted document in bytes (default 50 MiB).

    Returns:
        A :class:`~eport.edi.core.decoding.Decoded` with the message, the problems and the elements not placed.

    Raises:
        UnknownMessageError: the root element is not a known message.
        DecodeError: the bytes are unsafe or not well-formed XML.
    """
    return decode_lenient_parsed(data, None, model=model, edition=edition, max_size=max_size)


def decode_lenient_parsed(
    data: bytes,
    root: etree._Element | None,
    *,
    model: type[Any] | None = None,
    edition: str | None = None,
    max_size: int = DEFAULT_MAX_SIZE,
) -> decoding.Decoded[Any]:
    """:func:`decode_lenient`, reusing ``root`` when the caller already parsed ``data`` safely (validation does).

    ``root`` must be the root of ``data`` as :func:`eport.edi.core.safexml.parse` returned it, with ``max_size``
    applied; ``None`` parses here. Manifests and declarations written by other software are routed as in
    :func:`decode_lenient` (their codecs parse the bytes themselves).
    """
    if model is None and _mentions_manifest(data):  # manifests first: the engine has no root for them
        lenient: decoding.Decoded[Any] | None = _manifest(bytes(data), max_size, strict=False)
        if lenient is not None:
            return lenient
    try:
        if root is None:
            decoded = decoding.decode_lenient(data, model=model, edition=edition, max_size=max_size)
        else:
            decoded = decoding.decode_lenient_parsed(root, model=model, edition=edition)
    except UnknownMessageError as exc:
        if model is not None:
            raise
        if not _mentions_declaration(data):
            raise
        return _declaration_lenient(data, max_size, exc)
    if decoded.problems and model is None and _is_declaration(decoded.message):
        # The declaration codec reads empty elements as absent, as the Single Window client writes them.
        alternative = _declaration_lenient(data, max_size, None)
        if alternative is not None and len(alternative.problems) < len(decoded.problems):
            return alternative
    return decoded


__all__ = ["decode", "decode_lenient", "decode_lenient_parsed", "encode", "encode_many", "iter_encode"]
