"""The DXP family as the engine sees it: an envelope that carries another family's document as bytes.

The engine unwraps a document that carries the DXP namespace (:func:`eport.edi.core.dispatch.unwrap`), writes
envelopes with the envelope codec, and validates the payload of a ``DxpMsg``/``DxpMsgSv`` with the envelope
(:func:`payloads`). None of this imports the payload's family: the payload goes back through the registry.
"""

from __future__ import annotations

from typing import Any

from eport.edi.core.family import Family
from eport.errors import EncodeError

#: The DXP namespace.
NS = "http://www.chinaport.gov.cn/dxp"


def encode(message: Any) -> bytes:
    """Write an envelope (``DxpMsg``, ``DxpMsgSv``, ``DxpRep``) with the envelope codec.

    Raises:
        EncodeError: ``message`` is a part of an envelope, not an envelope.
    """
    from eport.edi.dxp import DxpMsg, DxpMsgSv, DxpRep, encode_envelope

    if not isinstance(message, DxpMsg | DxpMsgSv | DxpRep):
        raise EncodeError(f"{type(message).__name__} is part of a DXP envelope; encode the DxpMsg, DxpMsgSv or DxpRep")
    return encode_envelope(message)


def payloads(message: Any) -> tuple[tuple[str, bytes], ...]:
    """The document a ``DxpMsg``/``DxpMsgSv`` carries, with the path of its ``Data`` element; ``()`` for a
    ``DxpRep``. Every payload is returned, XML or not (with a byte-order mark, as official samples have): the
    validator reports one that is not XML rather than skipping it."""
    from eport.edi.dxp import DxpMsg, DxpMsgSv

    msg = message.msg if isinstance(message, DxpMsgSv) else message
    if not isinstance(msg, DxpMsg):
        return ()
    prefix = "/dxp:DxpMsgSv/dxp:DxpMsg/dxp:Data" if isinstance(message, DxpMsgSv) else "/dxp:DxpMsg/dxp:Data"
    return ((prefix, msg.data),)


FAMILY = Family(
    name="dxp",
    spec_families=frozenset({"dxp"}),
    namespace=NS,
    marker=NS.encode(),
    encoder="eport.edi.dxp.family:encode",
    envelope="eport.edi.dxp:decode_envelope",
    unwrap="eport.edi.dxp:unwrap",
    payloads="eport.edi.dxp.family:payloads",
    rules={"dxp": "eport.edi.dxp.rules"},
)

__all__ = ["FAMILY", "NS", "encode", "payloads"]
