"""The DXP transport envelope (namespace ``http://www.chinaport.gov.cn/dxp``).

* :class:`DxpMsg` (终端节点报文, terminal node): a business message (CEB…, DecMessage, manifest) base64-encoded in
  ``Data``, with routing in ``TransInfo``, optional ``AddInfo`` and an optional enveloped ``ds:Signature`` slot.
* :class:`DxpMsgSv` (传输节点报文, transfer node): a ``DxpMsg`` under a ``SvNo`` routing head, written by
  third-party transfer platforms.
* :class:`DxpRep` (交换平台响应报文): the exchange platform's response, with four-digit codes of spec table 7-1.

:func:`wrap` builds an envelope around message bytes, :func:`unwrap` returns the payload of a ``DxpMsg`` or
``DxpMsgSv``. :func:`decode_envelope` parses any of the three roots; :func:`encode_envelope` writes them. The
envelope has its own small codec (:mod:`eport.edi.dxp.codec`: ``Key`` and ``IsText`` carry attributes next to
text, which the generic model spec does not describe); every model (:mod:`eport.edi.dxp.models`) still carries an
``__eport_spec__`` so validation, notebooks and DataFrames work on envelopes too.

The payload is bytes: the DXP family imports no other family; whoever unwraps dispatches the payload through the
registry (``eport.edi.decode``).

Base64 in ``Data`` may be broken across lines (as real AS3 captures are): whitespace is ignored when reading.
This module is pure: no I/O.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from eport._lazy import lazy_exports
from eport.edi.core.schema import MAX_DOCUMENT_BYTES
from eport.errors import DecodeError

if TYPE_CHECKING:  # what type checkers and IDEs see; at run time __getattr__ imports these on first use
    from eport.edi.dxp.models import (
        CHINA_TZ,
        DECLARED,
        AddInfo,
        BizKey,
        DxpMsg,
        DxpMsgSv,
        DxpRep,
        DxpResponse,
        DxpResult,
        Envelope,
        SvNo,
        TransInfo,
        declared_charset,
        message_type_of,
        text_charset,
        wrap,
    )

#: Public name → the module that defines it; imported on first use, so that the engine can load the family's
#: declaration (:mod:`eport.edi.dxp.family`) without the models and the codec.
_LAZY: dict[str, str] = dict.fromkeys(
    (
        "CHINA_TZ",
        "DECLARED",
        "AddInfo",
        "BizKey",
        "DxpMsg",
        "DxpMsgSv",
        "DxpRep",
        "DxpResponse",
        "DxpResult",
        "Envelope",
        "SvNo",
        "TransInfo",
        "declared_charset",
        "message_type_of",
        "text_charset",
        "wrap",
    ),
    "eport.edi.dxp.models",
)


__getattr__, __dir__ = lazy_exports(globals(), _LAZY)


def unwrap(envelope: bytes | DxpMsg | DxpMsgSv) -> bytes:
    """Return the payload bytes of a ``DxpMsg`` or ``DxpMsgSv`` (given as bytes or as a model).

    Raises:
        DecodeError: when the bytes are not a ``DxpMsg`` or ``DxpMsgSv`` (a ``DxpRep`` has no payload).
    """
    from eport.edi.dxp.models import DxpMsg, DxpMsgSv

    model = decode_envelope(envelope) if isinstance(envelope, bytes) else envelope
    if isinstance(model, DxpMsgSv):
        return model.msg.data
    if isinstance(model, DxpMsg):
        return model.data
    raise DecodeError(f"a {type(model).__name__} carries no payload")


def encode_envelope(envelope: Envelope, *, line_length: int | None = None, pretty: bool = False) -> bytes:
    """Write a DXP envelope as UTF-8 XML with the DXP namespace as default namespace.

    Args:
        envelope: a :class:`DxpMsg`, :class:`DxpMsgSv` or :class:`DxpRep`.
        line_length: break the base64 ``Data`` into lines of this length (76 like MIME); one line by default.
        pretty: indent the elements (whitespace between elements only; the content is unchanged).

    Returns:
        The document bytes, with an XML declaration.
    """
    from eport.edi.dxp import codec

    return codec.encode_envelope(envelope, line_length=line_length, pretty=pretty)


def decode_envelope(data: bytes, *, max_bytes: int = MAX_DOCUMENT_BYTES) -> Envelope:
    """Parse a ``DxpMsg``, ``DxpMsgSv`` or ``DxpRep`` document safely (no DTD, no entities, bounded size).

    Base64 in ``Data`` may be broken across lines; whitespace is ignored.

    Raises:
        UnknownMessageError: when the root is not a DXP envelope.
        DecodeError: when the document is not well-formed, misses required elements, has unknown ones, or
            ``Data`` is not base64.
    """
    from eport.edi.dxp import codec

    return codec.decode_envelope(data, max_bytes=max_bytes)


__all__ = [
    "CHINA_TZ",
    "DECLARED",
    "AddInfo",
    "BizKey",
    "DxpMsg",
    "DxpMsgSv",
    "DxpRep",
    "DxpResponse",
    "DxpResult",
    "Envelope",
    "SvNo",
    "TransInfo",
    "declared_charset",
    "decode_envelope",
    "encode_envelope",
    "message_type_of",
    "text_charset",
    "unwrap",
    "wrap",
]
