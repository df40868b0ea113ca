"""Pure XML helpers for the services layer: a safe parser, the DXP envelope as bytes, and business keys.

Nothing here does I/O. Envelopes are built and read by :mod:`eport.edi.dxp`; business keys are read with a
light, safe lxml walk so the journal does not need a full model decode of every message.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Any

import attrs
from lxml import etree

from eport.edi import dxp
from eport.errors import ConfigurationError, DecodeError

DXP_NS = "http://www.chinaport.gov.cn/dxp"
CEB_NS = "http://www.chinaport.gov.cn/ceb"
DEC_NS = "http://www.chinaport.gov.cn/dec"
DS_NS = "http://www.w3.org/2000/09/xmldsig#"
SOURCE_COP_MSG_ID = "SourceCopMsgId"
"""``AddInfo/BizKey/Key/@name`` under which a receipt names the CopMsgId of the submission it answers."""

MAX_MESSAGE_BYTES = 20 * 1024 * 1024
"""Largest envelope or business message accepted (20 MiB); larger input raises :class:`DecodeError`."""

_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False, remove_pis=True
)


class Family(enum.Enum):
    """The business family of a message: decides the receiver, the file-exchange box and the key rules."""

    CEB = "ceb"
    """Cross-border e-commerce (跨境电商) CEB messages."""
    DEC = "dec"
    """Customs declarations (报关单 DecMessage)."""
    MANIFEST = "manifest"
    """Manifests (舱单 MTxxxx)."""


def parse(data: bytes) -> etree._Element:
    """Parse untrusted XML safely: no DTD, no entity expansion, no network, bounded size.

    Raises:
        eport.errors.DecodeError: the bytes are too large, contain a DTD, or are not well-formed XML.
    """
    if len(data) > MAX_MESSAGE_BYTES:
        raise DecodeError(f"message of {len(data)} bytes is larger than the {MAX_MESSAGE_BYTES} byte limit")
    try:
        tree = etree.fromstring(data, _PARSER).getroottree()
    except etree.XMLSyntaxError as exc:
        raise DecodeError(f"not well-formed XML: {exc.msg}", line=exc.lineno, column=exc.offset) from exc
    docinfo: Any = tree.docinfo
    if docinfo.doctype:
        raise DecodeError("XML with a document type declaration (DTD) is refused")
    return tree.getroot()


def local_name(element: etree._Element) -> str:
    """The local name of an element, without its namespace."""
    return etree.QName(element).localname


def child_text(element: etree._Element, name: str) -> str | None:
    """Text of the first child (any namespace) called ``name``, stripped; ``None`` when absent or empty."""
    for child in element:
        if isinstance(child.tag, str) and local_name(child) == name:
            text = (child.text or "").strip()
            return text or None
    return None


def find_first(element: etree._Element, name: str) -> etree._Element | None:
    """The first descendant (any namespace, document order) called ``name``."""
    for node in element.iter():
        if isinstance(node.tag, str) and local_name(node) == name:
            return node
    return None


def family_of(root_name: str) -> Family:
    """The family of a business message from its root element name.

    Raises:
        eport.errors.ConfigurationError: the root is not a CEB message, a DecMessage or a manifest.
    """
    if root_name.startswith("CEB") and root_name.endswith("Message"):
        return Family.CEB
    if root_name in ("DecMessage", "DecImportResponse", "DEC_RESULT", "DEC_DATA"):
        return Family.DEC
    if root_name == "Manifest" or (root_name.startswith("MT") and root_name[2:].isdigit()):
        return Family.MANIFEST
    raise ConfigurationError(f"{root_name!r} is not a CEB message, a DecMessage or a manifest")


def new_cop_msg_id() -> str:
    """A fresh CopMsgId: a random UUID (36 characters)."""
    return str(uuid.uuid4())


@attrs.frozen
class Envelope:
    """A decoded ``DxpMsg`` envelope.

    Attributes:
        cop_msg_id: ``TransInfo/CopMsgId``.
        sender_id: ``TransInfo/SenderId``.
        receiver_ids: ``TransInfo/ReceiverIds/ReceiverId``.
        msg_type: ``TransInfo/MsgType`` (may be empty).
        created: ``TransInfo/CreatTime`` as written.
        data: the decoded ``Data`` payload (the business XML).
        biz_keys: ``AddInfo/BizKey/Key`` as name → value.
        file_name: ``AddInfo/FileName``.
    """

    cop_msg_id: str
    sender_id: str
    receiver_ids: tuple[str, ...]
    msg_type: str
    created: str
    data: bytes
    biz_keys: dict[str, str] = attrs.field(factory=dict)
    file_name: str | None = None


def wrap(
    payload: bytes,
    *,
    cop_msg_id: str,
    sender_id: str,
    receiver_ids: tuple[str, ...],
    msg_type: str,
    created: dt.datetime,
    biz_keys: dict[str, str] | None = None,
    file_name: str | None = None,
) -> bytes:
    """Wrap a business message in a ``DxpMsg`` terminal-node envelope (202205 edition) with :mod:`eport.edi.dxp`.

    Args:
        payload: the signed business XML, carried base64-encoded in ``Data``.
        cop_msg_id: the submission's CopMsgId (the idempotency key).
        sender_id: the sender's DXP id.
        receiver_ids: one to five receiver DXP ids.
        msg_type: the business root name (``CEB621Message``, ``DecMessage`` …).
        created: creation time, timezone-aware.
        biz_keys: optional ``AddInfo/BizKey/Key`` entries (at most 5).
        file_name: optional ``AddInfo/FileName``.

    Returns:
        The UTF-8 envelope bytes.

    Raises:
        eport.errors.ConfigurationError: a value breaks the envelope's schema limits.
    """
    if not 1 <= len(cop_msg_id) <= 255:
        raise ConfigurationError("CopMsgId must have 1 to 255 characters")
    if created.tzinfo is None:
        raise ConfigurationError("CreatTime must be timezone-aware")
    keys = tuple(dxp.BizKey(name=name, value=value) for name, value in (biz_keys or {}).items())
    if len(keys) > 5:
        raise ConfigurationError("at most five AddInfo/BizKey/Key entries are allowed")
    message = dxp.wrap(
        payload,
        sender_id=sender_id,
        receiver_ids=receiver_ids,
        msg_type=msg_type,
        cop_msg_id=cop_msg_id,
        created=created,
        file_name=file_name,
        biz_keys=keys,
    )
    return message.to_bytes()


def unwrap(data: bytes) -> Envelope:
    """Decode a ``DxpMsg`` envelope (with :mod:`eport.edi.dxp`) and its base64 ``Data``.

    Raises:
        eport.errors.DecodeError: not a DxpMsg, a required field is missing, or ``Data`` is not base64.
    """
    message = dxp.DxpMsg.from_bytes(data)
    info = message.trans_info
    add = message.add_info
    return Envelope(
        cop_msg_id=info.cop_msg_id,
        sender_id=info.sender_id,
        receiver_ids=tuple(info.receiver_ids),
        msg_type=info.msg_type or "",
        created=info.creat_time.isoformat(),
        data=message.data,
        biz_keys={k.name: k.value for k in (add.biz_keys if add else ()) if k.name},
        file_name=add.file_name if add else None,
    )


# ----------------------------------------------------------------------------------------------- business keys
# Identity of one business document (a CEB entity head). Heads the specification gives duplicate rules for are keyed
# as it says (the receipts' duplicate codes): 订单 ebpCode + orderNo (-301010 已存在相同编号的订单), 支付单 payCode +
# payTransactionId (-401007), 运单 logisticsCode + logisticsNo (-504015), 清单 one per order, ebpCode + orderNo
# (-621004 清单已经申报过), and its 企业唯一编号 agentCode + copNo. Other heads: the first party code and the first
# number found.
SPEC_KEYS: dict[str, tuple[tuple[str, str], ...]] = {
    "OrderHead": (("ebpCode", "orderNo"),),
    "PaymentHead": (("payCode", "payTransactionId"),),
    "LogisticsHead": (("logisticsCode", "logisticsNo"),),
    "InventoryHead": (("ebpCode", "orderNo"), ("agentCode", "copNo")),
}
"""Business keys of the CEB heads with a duplicate rule in the specification: (party field, number field) pairs."""
_PARTY_FIELDS = ("ebpCode", "ebcCode", "payCode", "logisticsCode", "agentCode", "copCode")
_NUMBER_FIELDS = ("copNo", "payTransactionId", "logisticsNo", "orderNo", "invtNo", "billNo")


@attrs.frozen
class DocumentKey:
    """One business document inside a message, and how it is declared.

    Attributes:
        key: the identity used to refuse a second new declaration, e.g. ``"InventoryHead:copNo:1105910159:cop001"``.
        guid: the document's ``guid`` (CEB), ``None`` elsewhere.
        new: ``True`` for a new declaration (CEB appType 1; any DecMessage or manifest), ``False`` for a declared
            change (appType 2) or delete (appType 3).
    """

    key: str
    guid: str | None
    new: bool


@attrs.frozen(kw_only=True)
class BusinessInfo:
    """What the client needs to know about a business message before sending it.

    Attributes:
        root: the root element's local name (also the DXP MsgType).
        family: CEB, declaration or manifest.
        documents: the business documents the message carries.
        signed: whether a ``ds:Signature`` is present.
        client_seq_no: DecMessage ``DecSign/ClientSeqNo``.
        oper_type: DecMessage ``DecSign/OperType`` (``G`` 暂存 temporary save, ``C``/``D`` 申报 declare …).
        seq_no: DecMessage ``DecHead/SeqNo`` (统一编号), when already known.
        entry_id: DecMessage ``DecHead/EntryId`` (海关编号), when already known.
        message_id: manifest ``Head/MessageID``.
    """

    root: str
    family: Family
    documents: tuple[DocumentKey, ...]
    signed: bool
    client_seq_no: str | None = None
    oper_type: str | None = None
    seq_no: str | None = None
    entry_id: str | None = None
    message_id: str | None = None


def _head_keys(head: etree._Element, head_name: str) -> list[str]:
    """The duplicate keys of one CEB head (:data:`SPEC_KEYS`, else first party code + first number, else guid)."""
    pairs = SPEC_KEYS.get(head_name)
    if pairs is not None:
        keys = [
            f"{head_name}:{number_field}:{child_text(head, party_field) or ''}:{number}"
            for party_field, number_field in pairs
            if (number := child_text(head, number_field))
        ]
        if keys:
            return keys
    party = next((v for f in _PARTY_FIELDS if (v := child_text(head, f))), "")
    number = next((v for f in _NUMBER_FIELDS if (v := child_text(head, f))), "")
    if head_name == "LogisticsStatus":
        number = f"{number}:{child_text(head, 'logisticsStatus') or ''}"
    return [f"{head_name}:{party}:{number}" if number else f"{head_name}:guid:{child_text(head, 'guid')}"]


def business_info(payload: bytes) -> BusinessInfo:
    """Read the keys of a business message (CEB, DecMessage, manifest) without a full model decode.

    Raises:
        eport.errors.DecodeError: the bytes are not safe XML.
        eport.errors.ConfigurationError: the message is not of a family the clearance client sends, or lacks the
            key it needs (a DecMessage without ClientSeqNo).
    """
    root = parse(payload)
    name = local_name(root)
    family = family_of(name)
    signed = any(isinstance(c.tag, str) and etree.QName(c).namespace == DS_NS for c in root)
    if family is Family.CEB:
        docs: list[DocumentKey] = []
        for head in root.iter():
            if not isinstance(head.tag, str) or child_text(head, "guid") is None:
                continue
            if not any(isinstance(c.tag, str) and local_name(c) == "appType" for c in head):
                continue
            head_name = local_name(head)
            guid = child_text(head, "guid")
            new = child_text(head, "appType") not in ("2", "3")
            for key in _head_keys(head, head_name):
                docs.append(DocumentKey(key=key, guid=guid, new=new))
        unique = tuple({d.key: d for d in docs}.values())
        return BusinessInfo(root=name, family=family, documents=unique, signed=signed)
    if family is Family.DEC:
        sign = find_first(root, "DecSign")
        dec_head = find_first(root, "DecHead")
        seq = child_text(sign, "ClientSeqNo") if sign is not None else None
        if not seq:
            raise ConfigurationError("a DecMessage needs DecSign/ClientSeqNo (客户端编号) to be tracked")
        return BusinessInfo(
            root=name,
            family=family,
            documents=(DocumentKey(key=f"DecMessage:{seq}", guid=None, new=True),),
            signed=signed,
            client_seq_no=seq,
            oper_type=child_text(sign, "OperType") if sign is not None else None,
            seq_no=child_text(dec_head, "SeqNo") if dec_head is not None else None,
            entry_id=child_text(dec_head, "EntryId") if dec_head is not None else None,
        )
    mft_head = find_first(root, "Head")
    message_id = child_text(mft_head, "MessageID") if mft_head is not None else None
    msg_type = (child_text(mft_head, "MessageType") if mft_head is not None else None) or name
    mft_docs = (DocumentKey(key=f"{msg_type}:{message_id}", guid=None, new=True),) if message_id else ()
    return BusinessInfo(root=msg_type, family=family, documents=mft_docs, signed=signed, message_id=message_id)
