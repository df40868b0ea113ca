"""Receipts as typed status events: what customs said, in which stage the submission now is.

Pure functions: :func:`parse_receipt` turns the bytes of one receipt (a ``DxpMsg`` envelope or a bare business
receipt) into :class:`StatusEvent` values. The CEB ``returnStatus`` codes, the declaration ``CHANNEL`` codes and
the manifest ``StatementCode`` values all map onto one :class:`Stage` scale, so ``wait(until=Stage.RELEASED)``
works for every family.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging

import attrs
from lxml import etree

from eport.edi.return_codes import ErrorCode, error_code
from eport.errors import DecodeError, DuplicateError, RejectedError
from eport.services._xml import SOURCE_COP_MSG_ID, Family, child_text, find_first, local_name, parse, unwrap

logger = logging.getLogger(__name__)

_CN = dt.timezone(dt.timedelta(hours=8), "CST")

DUPLICATE_CODES = frozenset({"-301010", "-401007", "-301014", "-621004", "-625022", "-625033"})
"""Customs business codes meaning "already declared": -301010 已存在相同编号的订单, -401007 已存在相同编号的支付单,
-301014 旧报文数据不做处理, -621004 清单已经申报过, -625022 / -625033 退货申请单已经申报过."""


class Stage(enum.Enum):
    """Where a submission stands, on one scale for CEB, declarations and manifests.

    ``RELEASED``, ``CLOSED``, ``REJECTED`` and ``CANCELLED`` are explicit final-or-milestone states; see
    :attr:`final`.
    """

    WRITTEN = "written"
    """Recorded in the local journal, not yet handed to the transport (已记录)."""
    SENT = "sent"
    """Handed to the exchange (已发送)."""
    STORED = "stored"
    """Saved at E-Port / the client (暂存: CEB 1, DEC S0/0/1)."""
    DECLARING = "declaring"
    """Declaring (申报中: CEB 2/3, DEC 7, import response OK, manifest 0)."""
    ACCEPTED = "accepted"
    """Entered the customs database (海关入库: CEB 120, DEC L, manifest 01)."""
    MANUAL_REVIEW = "manual_review"
    """Manual review (人工审核: CEB 300, DEC H/M, manifest 02)."""
    INSPECTION = "inspection"
    """Inspection (查验: CEB 500, DEC C)."""
    CONCLUDED = "concluded"
    """Review concluded (审结: CEB 399, DEC J/G/W)."""
    RELEASED = "released"
    """Released (放行: CEB 800, DEC P/I/K/B/F/#, manifest 11)."""
    CLOSED = "closed"
    """Closed (结关: CEB 899, DEC R)."""
    REJECTED = "rejected"
    """Rejected (退单: CEB 100, negative codes, CEB900 format errors, DEC E/Z/Y/F1, manifest 03)."""
    CANCELLED = "cancelled"
    """Deleted by customs or withdrawn (DEC A/D)."""
    OTHER = "other"
    """A status that does not move the submission along the scale (detention, suspension, 退运 …)."""

    @property
    def rank(self) -> int:
        """Position on the progress scale; ``-1`` for states off the scale."""
        return _RANK.get(self, -1)

    @property
    def final(self) -> bool:
        """Whether no further receipt is expected (closed, rejected or cancelled)."""
        return self in (Stage.CLOSED, Stage.REJECTED, Stage.CANCELLED)


_RANK = {
    Stage.WRITTEN: 0,
    Stage.SENT: 1,
    Stage.STORED: 2,
    Stage.DECLARING: 3,
    Stage.ACCEPTED: 4,
    Stage.MANUAL_REVIEW: 5,
    Stage.INSPECTION: 5,
    Stage.CONCLUDED: 6,
    Stage.RELEASED: 7,
    Stage.CLOSED: 8,
    Stage.REJECTED: 9,
    Stage.CANCELLED: 9,
}

_CEB_STAGES = {
    "1": Stage.STORED,
    "2": Stage.DECLARING,
    "3": Stage.DECLARING,
    "4": Stage.REJECTED,
    "100": Stage.REJECTED,
    "120": Stage.ACCEPTED,
    "300": Stage.MANUAL_REVIEW,
    "399": Stage.CONCLUDED,
    "500": Stage.INSPECTION,
    "800": Stage.RELEASED,
    "899": Stage.CLOSED,
}

_DEC_STAGES = {
    "0": Stage.STORED,
    "1": Stage.STORED,
    "S0": Stage.STORED,
    "7": Stage.DECLARING,
    "E0": Stage.DECLARING,
    "E1": Stage.DECLARING,
    "L": Stage.ACCEPTED,
    "H": Stage.MANUAL_REVIEW,
    "M": Stage.MANUAL_REVIEW,
    "C": Stage.INSPECTION,
    "J": Stage.CONCLUDED,
    "G": Stage.CONCLUDED,
    "W": Stage.CONCLUDED,
    "P": Stage.RELEASED,
    "I": Stage.RELEASED,
    "K": Stage.RELEASED,
    "B": Stage.RELEASED,
    "F": Stage.RELEASED,
    "#": Stage.RELEASED,
    "R": Stage.CLOSED,
    "E": Stage.REJECTED,
    "Z": Stage.REJECTED,
    "Y": Stage.REJECTED,
    "F1": Stage.REJECTED,
    "f0": Stage.REJECTED,
    "A": Stage.CANCELLED,
    "D": Stage.CANCELLED,
}

_MANIFEST_STAGES = {
    "0": Stage.DECLARING,
    "01": Stage.ACCEPTED,
    "02": Stage.MANUAL_REVIEW,
    "03": Stage.REJECTED,
    "11": Stage.RELEASED,
}


def ceb_stage(return_status: str) -> Stage:
    """The stage of a CEB ``returnStatus`` (negative numbers are customs error codes: rejected)."""
    if return_status.startswith("-"):
        return Stage.REJECTED
    return _CEB_STAGES.get(return_status, Stage.OTHER)


def dec_stage(channel: str) -> Stage:
    """The stage of a declaration ``DEC_RESULT/CHANNEL`` code (7 申报, L 入库, J 审结, P 放行, R 结关, E 退单 …)."""
    return _DEC_STAGES.get(channel, Stage.OTHER)


def manifest_stage(statement_code: str) -> Stage:
    """The stage of a manifest ``StatementCode`` (01 accepted, 02 manual review, 03 rejected, 11 released)."""
    return _MANIFEST_STAGES.get(statement_code, Stage.OTHER)


@attrs.frozen(kw_only=True)
class StatusEvent:
    """One status reported by one receipt for one business document.

    Attributes:
        receipt_type: the receipt's root name (``CEB622Message``, ``CEB900Message``, ``DecImportResponse``,
            ``DEC_RESULT``, ``MT9999``).
        family: the business family.
        stage: where this status puts the submission.
        code: the raw code: CEB ``returnStatus`` (``"800"``, ``"-621005"``), DEC ``CHANNEL`` (``"P"``) or import
            ``ResponseCode``, manifest ``StatementCode`` (``"11"``).
        info: the human text (``returnInfo``, ``NOTE``, ``ErrorMessage``, ``StatementDescription``).
        at: when customs produced the status, if the receipt says (China time when no zone is given).
        source_cop_msg_id: the CopMsgId of the submission this answers, when the envelope names it.
        guid: the CEB document guid, or the CEB900 original guid.
        client_seq_no: declaration 客户端编号.
        seq_no: declaration 统一编号 (``SeqNo`` / ``CUS_CIQ_NO``).
        entry_id: declaration 海关编号 (``ENTRY_ID``).
        numbers: other identifying numbers in the receipt (``copNo``, ``preNo``, ``invtNo``, ``orderNo`` …).
    """

    receipt_type: str
    family: Family
    stage: Stage
    code: str
    info: str = ""
    at: dt.datetime | None = None
    source_cop_msg_id: str | None = None
    guid: str | None = None
    client_seq_no: str | None = None
    seq_no: str | None = None
    entry_id: str | None = None
    numbers: dict[str, str] = attrs.field(factory=dict)

    @property
    def error_code(self) -> ErrorCode | None:
        """The specification's entry (§7) for a CEB error code (negative business codes, four-digit exchange
        codes such as ``0002`` or ``1001``); ``None`` for ordinary statuses and other families."""
        if self.family is not Family.CEB:
            return None
        if self.code.startswith("-") or (self.code.isdigit() and len(self.code) == 4):
            return error_code(self.code)
        return None

    @property
    def duplicate(self) -> bool:
        """Whether customs refused the document as already declared (-301010, -401007, -301014 …)."""
        return self.code in DUPLICATE_CODES

    def error(self) -> DuplicateError | RejectedError | None:
        """The typed error for a rejection: :class:`DuplicateError` for duplicate codes, else
        :class:`RejectedError`; ``None`` when this status is not a rejection."""
        if self.stage is not Stage.REJECTED:
            return None
        text = f"{self.receipt_type} {self.code}: {self.info}".strip()
        spec = self.error_code
        if spec is not None and spec.known and spec.text not in self.info:
            text += f" [{spec.description}]"
        if self.duplicate:
            return DuplicateError(f"customs refused a duplicate (重复申报): {text}", code=self.code)
        return RejectedError(f"customs rejected the message (退单): {text}", code=self.code, receipt=self)


def _time(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    digits = "".join(ch for ch in text if ch.isdigit())
    try:
        if "-" in text[:10] or "T" in text:
            value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
            return value if value.tzinfo else value.replace(tzinfo=_CN)
        if len(digits) >= 14:
            base = dt.datetime.strptime(digits[:14], "%Y%m%d%H%M%S").replace(tzinfo=_CN)
            millis = int(digits[14:17].ljust(3, "0")) if len(digits) > 14 else 0
            return base + dt.timedelta(milliseconds=millis)
    except ValueError:
        logger.debug("unreadable receipt time %r", text)
    return None


_NUMBER_NAMES = ("copNo", "preNo", "invtNo", "orderNo", "payTransactionId", "logisticsNo", "ebcCode", "ebpCode")


def _ceb_events(root: etree._Element, source: str | None) -> list[StatusEvent]:
    name = local_name(root)
    events: list[StatusEvent] = []
    for node in root:
        if not isinstance(node.tag, str):
            continue
        status = child_text(node, "returnStatus")
        if status is None:
            continue
        if name == "CEB900Message":
            stage = (
                Stage.REJECTED
                if status.startswith("-") or (status.isdigit() and len(status) == 4)
                else (ceb_stage(status))
            )
            origin = child_text(node, "oriCopMsgId")
        else:
            stage, origin = ceb_stage(status), None
        numbers = {n: v for n in _NUMBER_NAMES if (v := child_text(node, n))}
        if name == "CEB900Message" and (ori_type := child_text(node, "oriMessageType")):
            numbers["oriMessageType"] = ori_type
        events.append(
            StatusEvent(
                receipt_type=name,
                family=Family.CEB,
                stage=stage,
                code=status,
                info=child_text(node, "returnInfo") or "",
                at=_time(child_text(node, "returnTime")),
                source_cop_msg_id=source or origin,
                guid=child_text(node, "guid"),
                numbers=numbers,
            )
        )
    if not events:
        raise DecodeError(f"{name} carries no returnStatus", path=f"/{name}")
    return events


def _dec_events(root: etree._Element, source: str | None) -> list[StatusEvent]:
    name = local_name(root)
    if name == "DecImportResponse":
        code = child_text(root, "ResponseCode") or ""
        return [
            StatusEvent(
                receipt_type=name,
                family=Family.DEC,
                stage=Stage.DECLARING if code == "0" else Stage.REJECTED,
                code=code,
                info=child_text(root, "ErrorMessage") or "",
                source_cop_msg_id=source,
                client_seq_no=child_text(root, "ClientSeqNo"),
                seq_no=child_text(root, "SeqNo"),
            )
        ]
    result = root if name == "DEC_RESULT" else find_first(root, "DEC_RESULT")
    if result is None:
        raise DecodeError(f"{name} holds no DEC_RESULT", path=f"/{name}")
    channel = child_text(result, "CHANNEL") or ""
    return [
        StatusEvent(
            receipt_type="DEC_RESULT",
            family=Family.DEC,
            stage=dec_stage(channel),
            code=channel,
            info=child_text(result, "NOTE") or "",
            at=_time(child_text(result, "NOTICE_DATE")),
            source_cop_msg_id=source,
            seq_no=child_text(result, "CUS_CIQ_NO") or child_text(result, "SEQ_NO"),
            entry_id=child_text(result, "ENTRY_ID"),
        )
    ]


def _manifest_events(root: etree._Element, source: str | None) -> list[StatusEvent]:
    head = find_first(root, "Head")
    response = find_first(root, "Response")
    info_el = find_first(response, "AdditionalInformation") if response is not None else None
    if info_el is None:
        raise DecodeError("manifest receipt without Response/AdditionalInformation", path="/Manifest/Response")
    code = child_text(info_el, "StatementCode") or ""
    numbers: dict[str, str] = {}
    if response is not None and (rid := child_text(response, "ID")):
        numbers["ID"] = rid
    return [
        StatusEvent(
            receipt_type=(child_text(head, "MessageType") if head is not None else None) or "MT9999",
            family=Family.MANIFEST,
            stage=manifest_stage(code),
            code=code,
            info=child_text(info_el, "StatementDescription") or "",
            at=_time(child_text(head, "SendTime") if head is not None else None),
            source_cop_msg_id=source,
            numbers=numbers,
        )
    ]


def parse_receipt(data: bytes) -> tuple[str | None, list[StatusEvent]]:
    """Parse one receipt: a ``DxpMsg`` envelope holding a business receipt, or a bare business receipt.

    Args:
        data: the receipt bytes as they came from the transport.

    Returns:
        The receipt envelope's own CopMsgId (``None`` for a bare receipt) and the status events it carries.

    Raises:
        eport.errors.DecodeError: the bytes are not a receipt eport understands.
    """
    root = parse(data)
    receipt_id: str | None = None
    source: str | None = None
    if local_name(root) == "DxpMsg":
        envelope = unwrap(data)
        receipt_id = envelope.cop_msg_id
        source = envelope.biz_keys.get(SOURCE_COP_MSG_ID)
        root = parse(envelope.data)
    name = local_name(root)
    if name.startswith("CEB") and name.endswith("Message"):
        return receipt_id, _ceb_events(root, source)
    if name in ("DecImportResponse", "DEC_RESULT", "DEC_DATA"):
        return receipt_id, _dec_events(root, source)
    if name == "Manifest":
        return receipt_id, _manifest_events(root, source)
    if name == "Root" and find_first(root, "failInfo") is not None:
        fail = find_first(root, "failInfo")
        text = (fail.text or "").strip() if fail is not None else ""
        event = StatusEvent(
            receipt_type="failInfo",
            family=Family.DEC,
            stage=Stage.REJECTED,
            code="failInfo",
            info=text,
            source_cop_msg_id=source,
        )
        return receipt_id, [event]
    raise DecodeError(f"{name!r} is not a receipt eport understands", path=f"/{name}")
