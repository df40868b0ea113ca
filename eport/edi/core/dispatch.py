"""``eport.edi.decode``/``decode_lenient``/``encode``: the generic engine plus the families' own codecs.

Some documents are not read by the generic engine (:mod:`eport.edi.core.decoding`) alone; their families say so
with hooks (:class:`~eport.edi.core.family.Family`), tried only on documents that carry the family's marker bytes
(a byte search, no parsing):

* a family's ``decoder`` reads its documents before the engine: manifests (舱单), whose namespace names the
  message type, are read by the manifest codec, parsed once; when the root is not the family's, the engine
  decodes the document;
* a family's ``rescue`` reads what the engine could not: declarations as other software writes them (an
  ``ImportMessage`` wrapper, empty elements, no namespace) go to the declaration codec;
* encoding needs no routing here: :func:`eport.edi.core.encoding.encode` (re-exported with :func:`iter_encode`
  and :func:`encode_many`) hands a model to its family's ``encoder`` when it has one, so a batch may mix
  families;
* :func:`unwrap` gives the payload of an envelope (DXP) through the envelope family's hook, so that a family
  reading its receipts need not import DXP.

A family's modules are imported only when a document of that family is met.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any, TypeVar, overload

from lxml import etree

from eport.edi.core import decoding
from eport.edi.core.encoding import encode, encode_many, iter_encode
from eport.edi.core.registry import hooks
from eport.edi.core.safexml import DEFAULT_MAX_SIZE
from eport.errors import DecodeError, UnknownMessageError

logger = logging.getLogger(__name__)

M = TypeVar("M")


def unwrap(data: bytes) -> bytes:
    """Return the payload of an envelope (a ``DxpMsg``/``DxpMsgSv``), or ``data`` itself for any other document.

    Raises:
        DecodeError: the document is an envelope that cannot be read.
    """
    for family, family_unwrap in hooks("unwrap"):
        if family.marked(data):
            # When the family's namespace is only mentioned in the content, the document itself is the message.
            with contextlib.suppress(UnknownMessageError):
                payload: bytes = family_unwrap(bytes(data))
                return payload
    return data


@overload
def decode(data: bytes, *, model: type[M], edition: str | None = ..., max_size: int = ...) -> M: ...
@overload
def decode(data: bytes, *, model: None = ..., edition: str | None = ..., max_size: int = ...) -> Any: ...
def decode(
    data: bytes, *, model: type[Any] | None = None, edition: str | None = None, max_size: int = DEFAULT_MAX_SIZE
) -> Any:
    """Decode a message strictly: CEB, declarations and their receipts, manifests, and DXP envelopes.

    Args:
        data: the XML document.
        model: decode as this class instead of looking the root up in :mod:`eport.edi.core.registry`.
        edition: CEB edition for the lookup, ``"202205"`` (default) or ``"2018"``.
        max_size: the largest accepted document in bytes (default 50 MiB).

    Returns:
        The message model, e.g. a ``CEB621Message``, a ``DecMessage``, a manifest ``Manifest`` or a ``DxpMsg``
        envelope (its payload stays bytes: decode ``envelope.data`` for the business message).

    Raises:
        UnknownMessageError: the root element is not a known message.
        DecodeError: the bytes are unsafe, not well-formed, or do not follow the message's structure; ``path`` and
            ``line`` say where.
    """
    # A plain document whose root is a registered message (so not a manifest, an envelope or a document a family
    # rescues: those roots are not registered) is read from its text first, without lxml.
    message = decoding.decode_plain(data, model, edition, max_size)
    if message is not None:
        return message
    if model is None:  # the families that read their documents first (manifests: the engine has no root for them)
        for family, decoder in hooks("decoder"):
            if family.marked(data):
                message = decoder(bytes(data), max_size=max_size, strict=True)
                if message is not None:
                    return message
    try:
        return decoding.decode_tree(data, model, edition, max_size)
    except DecodeError as exc:
        if model is not None:
            raise
        if isinstance(exc, UnknownMessageError):
            envelope = _envelope(data, max_size)
            if envelope is not None:
                return envelope
        for family, rescue in hooks("rescue"):  # declarations as other software writes them
            if family.marked(data):
                return rescue(bytes(data), max_size=max_size, original=exc)
        raise


def _envelope(data: bytes, max_size: int) -> Any:
    """The envelope model (``DxpMsg``, ``DxpMsgSv``, ``DxpRep``) when ``data`` is one, as validation reads it;
    ``None`` when no envelope family knows the root.

    Raises:
        DecodeError: the document is an envelope that does not follow its structure.
    """
    for family, envelope in hooks("envelope"):
        if family.marked(data):
            with contextlib.suppress(UnknownMessageError):  # the namespace only mentioned, or no envelope root
                return envelope(bytes(data), max_bytes=max_size)
    return None


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
    """Decode a message, collecting problems instead of stopping at the first; manifests and DXP envelopes
    included (an envelope is read strictly: a malformed one raises :class:`~eport.errors.DecodeError`).

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
    if model is None:  # the families that read their documents first (manifests: the engine has no root for them)
        for family, decoder in hooks("decoder"):
            if family.marked(data):
                lenient: decoding.Decoded[Any] | None = decoder(bytes(data), max_size=max_size, strict=False)
                if lenient is not None:
                    return lenient
    try:
        if root is None:
            decoded = decoding.decode_lenient(data, model=model, edition=edition, max_size=max_size)
        else:
            decoded = decoding.decode_lenient_parsed(root, model=model, edition=edition, source=data)
    except UnknownMessageError as exc:
        if model is not None:
            raise
        envelope = _envelope(data, max_size)  # envelopes are read strictly: they have no lenient reader
        if envelope is not None:
            return decoding.Decoded(envelope)
        for family, rescue in hooks("rescue_lenient"):
            if family.marked(data):
                rescued: decoding.Decoded[Any] = rescue(bytes(data), max_size=max_size, original=exc, decoded=None)
                return rescued
        raise
    if decoded.problems and model is None:
        # A family's codec may read its documents with fewer problems (empty elements as absent, as the Single
        # Window client writes declarations).
        for family, rescue in hooks("rescue_lenient"):
            if family.marked(data):
                alternative = rescue(bytes(data), max_size=max_size, original=None, decoded=decoded)
                if alternative is not None:
                    return alternative  # type: ignore[no-any-return]
    return decoded


__all__ = ["decode", "decode_lenient", "decode_lenient_parsed", "encode", "encode_many", "iter_encode", "unwrap"]
