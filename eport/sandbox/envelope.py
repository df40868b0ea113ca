"""Reading submissions (DxpMsg envelopes or bare business messages) and writing receipt envelopes.

The sandbox parses everything it receives with a hardened lxml parser: no DTD, no entities, no network, size
limits. The receipt envelope follows ``dxp-terminal.xsd`` (202205 edition) and the eport convention of
``docs/exchange-protocol.md``: the CopMsgId of the answered submission is in ``AddInfo/BizKey/Key[@name=
"SourceCopMsgId"]``.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import attrs
from lxml import etree

from eport.edi import dxp
from eport.errors import DecodeError

logger = logging.getLogger(__name__)

DXP_NS = "http://www.chinaport.gov.cn/dxp"
CEB_NS = "http://www.chinaport.gov.cn/ceb"
DEC_NS = "http://www.chinaport.gov.cn/dec"
DS_NS = "http://www.w3.org/2000/09/xmldsig#"
MANIFEST_NS_PREFIX = "urn:Declaration:datamodel:standard:CN:"

SOURCE_KEY = "SourceCopMsgId"

_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False, remove_pis=True
)


def parse_xml(data: bytes) -> etree._Element:
    """Parse ``data`` safely: no DTD (a DOCTYPE is refused), no entity expansion, no network.

    Raises:
        DecodeError: if the bytes are not well-formed or carry a DOCTYPE.
    """
    try:
        tree = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        line, column = exc.position if exc.position else (None, None)
        raise DecodeError(f"not well-formed XML: {exc.msg}", line=line, column=column) from None
    docinfo: Any = tree.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise DecodeError("a DOCTYPE is not allowed in customs messages")
    return tree


@attrs.frozen(kw_only=True)
class Envelope:
    """A submission as the exchange sees it.

    Attributes:
        cop_msg_id: the sender's CopMsgId (idempotency key).
        sender_id: DXP id of the sender.
        receiver_ids: DXP ids of the receivers.
        msg_type: ``TransInfo/MsgType`` (may be empty).
        data: the business XML carried in ``Data``.
        business_root: local name of the business message root (``CEB621Message``, ``DecMessage``, ``Manifest``).
    """

    cop_msg_id: str
    sender_id: str
    receiver_ids: tuple[str, ...]
    msg_type: str
    data: bytes
    business_root: str


def _text(parent: etree._Element, path: str) -> str:
    node = parent.find(path)
    return (node.text or "").strip() if node is not None else ""


def root_name(data: bytes) -> str:
    """Local name of the root element of ``data`` ("Unknown" when it cannot be parsed)."""
    try:
        return etree.QName(parse_xml(data)).localname
    except DecodeError:
        return "Unknown"


def read_envelope(raw: bytes) -> Envelope:
    """Read a ``DxpMsg`` envelope (with :func:`eport.edi.dxp.decode_envelope`).

    Raises:
        DecodeError: if ``raw`` is not a readable DxpMsg (not XML, another root, missing CopMsgId, SenderId or Data,
            Data not base64).
    """
    model = dxp.decode_envelope(raw)
    if not isinstance(model, dxp.DxpMsg):
        raise DecodeError(f"expected a DxpMsg envelope, found {type(model).__name__}")
    info = model.trans_info
    if not info.cop_msg_id or not info.sender_id:
        raise DecodeError("CopMsgId and SenderId are required", path="/DxpMsg/TransInfo")
    if not model.data:
        raise DecodeError("DxpMsg without Data", path="/DxpMsg/Data")
    return Envelope(
        cop_msg_id=info.cop_msg_id,
        sender_id=info.sender_id,
        receiver_ids=tuple(info.receiver_ids),
        msg_type=info.msg_type or "",
        data=model.data,
        business_root=root_name(model.data),
    )


def wrap(
    data: bytes,
    *,
    cop_msg_id: str,
    sender_id: str,
    receiver_id: str,
    msg_type: str,
    created: dt.datetime,
    source_cop_msg_id: str | None = None,
    file_name: str | None = None,
) -> bytes:
    """Write a ``DxpMsg`` envelope carrying ``data`` (receipts, and bare OutBox files) with :mod:`eport.edi.dxp`.

    Args:
        data: the business XML.
        cop_msg_id: the envelope's own CopMsgId.
        sender_id: DXP id of the sender.
        receiver_id: DXP id of the receiver.
        msg_type: the business root name.
        created: creation time (timezone-aware).
        source_cop_msg_id: for receipts, the CopMsgId of the submission answered (``AddInfo/BizKey/Key``).
        file_name: optional original file name (``AddInfo/FileName``).

    Returns:
        The UTF-8 XML bytes of the envelope.
    """
    keys = () if source_cop_msg_id is None else (dxp.BizKey(value=source_cop_msg_id, name=SOURCE_KEY),)
    envelope = dxp.wrap(
        data,
        sender_id=sender_id,
        receiver_ids=receiver_id,
        msg_type=msg_type,
        cop_msg_id=cop_msg_id,
        created=created,
        file_name=file_name,
        biz_keys=keys,
    )
    return envelope.to_bytes()


def source_cop_msg_id(envelope_xml: bytes) -> str | None:
    """The ``SourceCopMsgId`` business key of a receipt envelope, if any."""
    root = parse_xml(envelope_xml)
    for key in root.iterfind(f"{{{DXP_NS}}}AddInfo/{{{DXP_NS}}}BizKey/{{{DXP_NS}}}Key"):
        if key.get("name") == SOURCE_KEY:
            return (key.text or "").strip() or None
    return None


__all__ = ["Envelope", "parse_xml", "read_envelope", "root_name", "source_cop_msg_id", "wrap"]
