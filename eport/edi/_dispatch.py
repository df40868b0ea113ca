"""``eport.edi.decode``/``decode_lenient``/``encode``: the generic engine plus the manifest family (舱单).

Manifests have their own codec (:mod:`eport.edi.manifest.codec`: the namespace follows the message type, and some
elements hold text and attributes). The engine's root table (:mod:`eport.edi.registry`) has no entry for them, so
these thin wrappers route them (and declarations as other software writes them, which the declaration codec
reads: an ``ImportMessage`` wrapper, empty elements, children without namespace):

* a document that carries a manifest namespace (``urn:Declaration:datamodel:standard:CN:MTxxxx:1``, a byte
  search) is read with :func:`eport.edi.manifest.decode_manifest` first, parsed once; if its root is not a
  manifest, and for every other document, the engine decodes it;
* encoding writes a :class:`~eport.edi.manifest.Manifest` with :func:`eport.edi.manifest.encode_manifest`, any
  other model with :func:`eport.edi.encoding.encode`; :func:`iter_encode` and :func:`encode_many` do the same for
  a batch that mixes families.

The manifest package is imported only when a manifest is met.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable, Iterator
from typing import IO, Any, TypeVar, overload

from eport.edi import decoding, encoding
from eport.edi._xml import DEFAULT_MAX_SIZE
from eport.errors import ConfigurationError, DecodeError, UnknownMessageError

logger = logging.getLogger(__name__)

M = TypeVar("M")

#: Bytes every manifest document carries (its namespace, ``urn:Declaration:datamodel:standard:CN:MT2101:1``).
_MANIFEST_MARKER = b"urn:Declaration:datamodel:standard:CN:"


def _is_manifest(message: object) -> bool:
    module = sys.modules.get("eport.edi.manifest.message")  # a Manifest instance implies its module is loaded
    return module is not None and isinstance(message, module.Manifest)


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
        model: decode as this class instead of looking the root up in :mod:`eport.edi.registry`.
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
        A :class:`~eport.edi.decoding.Decoded` with the message, the problems and the elements not placed.

    Raises:
        UnknownMessageError: the root element is not a known message.
        DecodeError: the bytes are unsafe or not well-formed XML.
    """
    if model is None and _mentions_manifest(data):  # manifests first: the engine has no root for them
        lenient: decoding.Decoded[Any] | None = _manifest(bytes(data), max_size, strict=False)
        if lenient is not None:
            return lenient
    try:
        decoded = decoding.decode_lenient(data, model=model, edition=edition, max_size=max_size)
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


def encode(message: Any, *, edition: str | None = None) -> bytes:
    """Encode a model as a UTF-8 XML document; manifests with their own codec.

    Args:
        message: any eport model instance, e.g. ``CEB621Message``, ``DecMessage`` or a manifest ``Manifest``.
        edition: for CEB messages, the schema edition to write (see :func:`eport.edi.encoding.encode`).

    Returns:
        The document, starting with an XML declaration.

    Raises:
        EncodeError: a value cannot be written; ``path`` names it.
        ConfigurationError: ``edition`` given for a message that has no editions, or an unknown edition.
        TypeError: ``message`` is not an eport model.
    """
    if _is_manifest(message):
        if edition is not None:
            raise ConfigurationError("manifests have no CEB edition; call encode without edition=")
        from eport.edi.manifest.codec import encode_manifest

        return encode_manifest(message)
    return encoding.encode(message, edition=edition)


def iter_encode(messages: Iterable[Any]) -> Iterator[bytes]:
    """Encode messages one at a time, lazily, each with its family's codec (manifests included).

    Memory stays flat however many there are.

    Args:
        messages: any mix of eport models (CEB messages, ``DecMessage``, manifest ``Manifest`` …).

    Returns:
        An iterator of documents, one per message, in order.

    Raises:
        EncodeError: as :func:`encode`, for the first message that cannot be written.
    """
    for message in messages:
        yield encode(message)


def encode_many(messages: Iterable[Any], file: IO[bytes], *, separator: bytes = b"\n") -> int:
    """Write each message as one document to a binary file, one after another; manifests with their own codec.

    Only one message is held in memory at a time. To write one file per message (the exchange folders want that)
    use :func:`iter_encode`.

    Args:
        messages: any mix of eport models.
        file: a binary file open for writing.
        separator: written between two documents (default a newline).

    Returns:
        How many documents were written.

    Raises:
        EncodeError: as :func:`encode`; the documents before the failing one are already written.
    """
    count = 0
    for data in iter_encode(messages):
        if count and separator:
            file.write(separator)
        file.write(data)
        count += 1
    return count


__all__ = ["decode", "decode_lenient", "encode", "encode_many", "iter_encode"]
