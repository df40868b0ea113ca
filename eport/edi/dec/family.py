"""The declaration family (报关单) as the engine sees it: its roots, rules and the declaration codec's rescue.

Declarations as other software writes them (an ``ImportMessage`` wrapper, empty elements, children without
namespace) do not follow the generic engine's reading; when the engine cannot decode a document that mentions
``DecMessage``, or reads one with problems, the declaration codec (:mod:`eport.edi.dec.codec`) gets a try.
"""

from __future__ import annotations

from typing import Any

from eport.edi.core.decoding import Decoded
from eport.edi.core.family import Family
from eport.errors import DecodeError, UnknownMessageError

#: The declaration namespace.
NS = "http://www.chinaport.gov.cn/dec"


def rescue(data: bytes, *, max_size: int, original: DecodeError) -> Any:
    """Decode with the declaration codec what the engine could not; raise the more telling error on failure."""
    from eport.edi.dec.codec import decode_declaration

    try:
        return decode_declaration(bytes(data), max_size=max_size)
    except DecodeError as exc:
        wrapped = isinstance(original, UnknownMessageError) and (exc.path or "").startswith("/DecMessage")
        if wrapped:  # an ImportMessage wrapper around a declaration: the declaration codec knows more
            raise exc from None
        raise original from None


def rescue_lenient(
    data: bytes, *, max_size: int, original: DecodeError | None, decoded: Decoded[Any] | None
) -> Decoded[Any] | None:
    """The declaration codec's lenient reading, when the engine failed (``original``) or read a declaration with
    problems (``decoded``) and the codec reads it with no more (a tie goes to the codec, which reads ``<SeqNo />``
    as ``None`` as :func:`~eport.edi.dec.codec.decode_declaration_lenient` does); ``None`` to keep the engine's
    result.

    Raises:
        DecodeError: ``original``, when the codec cannot read the document either.
    """
    from eport.edi.dec.codec import decode_declaration_lenient
    from eport.edi.dec.models import DecMessage

    if original is None and (decoded is None or not decoded.problems or not isinstance(decoded.message, DecMessage)):
        return None
    try:
        alternative = decode_declaration_lenient(bytes(data), max_size=max_size)
    except DecodeError:
        if original is not None:
            raise original from None
        return None
    if original is not None or decoded is None or len(alternative.problems) <= len(decoded.problems):
        return alternative
    return None


FAMILY = Family(
    name="dec",
    spec_families=frozenset({"dec", "dec-receipt"}),
    roots={
        (NS, "DecMessage"): "eport.edi.dec.models:DecMessage",
        (NS, "DecImportResponse"): "eport.edi.dec.receipts:DecImportResponse",
        (None, "DEC_RESULT"): "eport.edi.dec.receipts:DecResult",
        (None, "DEC_DATA"): "eport.edi.dec.receipts:DecData",
    },
    rules={"dec": "eport.edi.dec.rules", "dec-receipt": "eport.edi.dec.receipt_rules"},
    marker=b"DecMessage",
    rescue="eport.edi.dec.family:rescue",
    rescue_lenient="eport.edi.dec.family:rescue_lenient",
)

__all__ = ["FAMILY", "NS", "rescue", "rescue_lenient"]
