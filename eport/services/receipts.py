"""Receipts as typed status events: what customs said, in which stage the submission now is.

Pure functions: :func:`parse_receipt` turns the bytes of one receipt (a ``DxpMsg`` envelope or a bare business
receipt) into :class:`StatusEvent` values. Parsing is delegated to the edi layer, so every event carries the edi
typed receipt in :attr:`StatusEvent.receipt`:

* CEB receipts (CEB312, CEB622, CEB900 …): :class:`eport.edi.ceb.receipts.Receipt` with its
  :class:`~eport.edi.ceb.status.ReturnStatus` (:attr:`StatusEvent.return_status`);
* declaration receipts: :func:`eport.edi.dec.parse_dec_receipt` objects (``DecImportResponse``, ``DEC_RESULT``,
  legacy GB2312 ``DEC_DATA``, ``failInfo``), the channel as :class:`~eport.edi.dec.DecStatus`
  (:attr:`StatusEvent.dec_status`);
* manifest MT9999: :class:`eport.edi.manifest.Response` with its
  :class:`~eport.edi.manifest.StatementCode` (:attr:`StatusEvent.statement`).

The receipt kind is told apart by content with :func:`eport.edi.dec.filedrop.classify_receipt`. What stays here is
the services view: the one :class:`Stage` scale shared by CEB ``returnStatus``, declaration ``CHANNEL`` and manifest
``StatementCode`` (so ``wait(until=Stage.RELEASED)`` works for every family), the keys used to correlate a receipt
with its submission, and the typed errors for rejections.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
from typing import TypeAlias

import attrs

from eport.edi.ceb.receipts import Receipt, parse_return_time, receipts
from eport.edi.ceb.status import ErrorCode, ReturnStatus, error_code
from eport.edi.core import decoding
from eport.edi.dec import Channel, ChannelGroup, DecStatus, parse_dec_receipt
from eport.edi.dec.filedrop import ReceiptKind, classify_receipt
from eport.edi.dec.receipts import DecData, DecImportResponse, DecReceipt, DecResult, FailInfo
from eport.edi.manifest import Manifest, Response, StatementCode, decode_manifest_lenient
from eport.errors import DecodeError, DuplicateError, RejectedError
from eport.services._xml import SOURCE_COP_MSG_ID, Family, unwrap

logger = logging.getLogger(__name__)

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
    """Review concluded (审结: CEB 399, DEC J/G, # 准予进卡)."""
    RELEASED = "released"
    """Released (放行: CEB 800, DEC P/W/I/K/B/F/SpK, manifest 11)."""
    CLOSED = "closed"
    """Closed (结关: CEB 899, DEC R)."""
    REJECTED = "rejected"
    """Rejected (退单: CEB 100, negative codes, CEB900 format errors, DEC E/Z/Y/F1/f0/SpE, manifest 03/12/13)."""
    CANCELLED = "cancelled"
    """Deleted by customs or withdrawn (DEC A/D)."""
    ATTENTION = "attention"
    """Needs attention (需处理): the client could not send it for a reason no retry will fix (a bad setting, a bug);
    the reason is in ``info``. Never re-sent by recovery; fix the cause and submit again."""
    OTHER = "other"
    """A status that does not move the submission along the scale (detention, suspension, 退运 …)."""

    @property
    def rank(self) -> int:
        """Position on the progress scale; ``-1`` for states off the scale."""
        return _RANK.get(self, -1)

    @property
    def final(self) -> bool:
        """Whether no further receipt is expected (closed, rejected, cancelled, or needing attention)."""
        return self in (Stage.CLOSED, Stage.REJECTED, Stage.CANCELLED, Stage.ATTENTION)


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
    Stage.ATTENTION: 9,
}

#: Stages of the CEB statuses that are not errors (errors, :attr:`ReturnStatus.is_error`, are all ``REJECTED``).
_CEB_STAGES = {
    ReturnStatus.SAVED: Stage.STORED,
    ReturnStatus.DECLARING: Stage.DECLARING,
    ReturnStatus.SENT_TO_CUSTOMS: Stage.DECLARING,
    ReturnStatus.ACCEPTED: Stage.ACCEPTED,
    ReturnStatus.MANUAL_REVIEW: Stage.MANUAL_REVIEW,
    ReturnStatus.CONCLUDED: Stage.CONCLUDED,
    ReturnStatus.INSPECTION: Stage.INSPECTION,
    ReturnStatus.RELEASED: Stage.RELEASED,
    ReturnStatus.CLOSED: Stage.CLOSED,
}

#: Where the stages of non-release, non-failure channels differ from their group's (the group decides the rest).
_DEC_STEPS: dict[Channel, Stage] = {
    Channel.IMPORT_OK: Stage.STORED,
    Channel.COOPERATIVE_ENTRY_OK: Stage.STORED,
    Channel.SAVED: Stage.STORED,
    Channel.SUSPENDED: Stage.MANUAL_REVIEW,
    Channel.REVIEW_AGAIN: Stage.MANUAL_REVIEW,
    Channel.INSPECTION_NOTICE: Stage.INSPECTION,
    Channel.TWO_STEP_INSPECTION: Stage.INSPECTION,
    Channel.TWO_STEP_ENTERED: Stage.ACCEPTED,
    Channel.TWO_STEP_CONCLUDED: Stage.CONCLUDED,
    Channel.DELETED_BEFORE_RELEASE: Stage.CANCELLED,
    Channel.DELETED_BY_CUSTOMS: Stage.CANCELLED,
    Channel.TAXES_DUE: Stage.OTHER,
    Channel.RESEND_FILES: Stage.OTHER,
    Channel.TWO_STEP_SUPPLEMENT_REQUIRED: Stage.OTHER,
}

#: The stage of each channel group, for channels that are neither a release nor a failure.
_DEC_GROUPS: dict[ChannelGroup, Stage] = {
    ChannelGroup.CLIENT: Stage.DECLARING,
    ChannelGroup.ENTERED: Stage.ACCEPTED,
    ChannelGroup.RELEASED: Stage.CONCLUDED,  # G/J 审结, # 准予进卡: reviewed, release still to come
    ChannelGroup.NOT_RELEASED: Stage.REJECTED,
    ChannelGroup.CIQ: Stage.OTHER,
    ChannelGroup.TWO_STEP: Stage.OTHER,
    ChannelGroup.OTHER: Stage.OTHER,
    ChannelGroup.UNKNOWN: Stage.OTHER,
}

_MANIFEST_STEPS: dict[StatementCode, Stage] = {
    StatementCode.CALL_OK: Stage.DECLARING,
    StatementCode.ACCEPTED: Stage.ACCEPTED,
    StatementCode.MANUAL_REVIEW: Stage.MANUAL_REVIEW,
}


def ceb_stage(return_status: str | ReturnStatus) -> Stage:
    """The stage of a CEB ``returnStatus``, as written or as :class:`~eport.edi.ceb.status.ReturnStatus`
    (negative numbers are customs error codes: rejected; detention, 600, 700 and unknown codes: ``OTHER``)."""
    status = return_status if isinstance(return_status, ReturnStatus) else ReturnStatus.parse(return_status)
    if status.is_error:  # negative codes, 4 发送海关失败, 100 海关退单
        return Stage.REJECTED
    return _CEB_STAGES.get(status, Stage.OTHER)


def dec_stage(channel: str | DecStatus) -> Stage:
    """The stage of a declaration ``DEC_RESULT/CHANNEL`` code (7 申报, L 入库, J 审结, P 放行, R 结关, E 退单 …).

    Derived from :class:`~eport.edi.dec.DecStatus`: a channel that is a failure (:attr:`~DecStatus.is_failure`) is
    ``REJECTED``, one that is a release (:attr:`~DecStatus.is_released`: P, W, I, K, B, F, SpK) is ``RELEASED``
    (R 结关: ``CLOSED``); the others take the stage of their group (入库未审批 ``ACCEPTED``, 审结 and 准予进卡
    ``CONCLUDED``), refined for review, inspection and deletion. Unknown codes do not move the submission
    (``OTHER``).
    """
    status = channel if isinstance(channel, DecStatus) else DecStatus.of(channel)
    if status.is_failure:
        return Stage.REJECTED
    if status.channel is Channel.CLOSED:
        return Stage.CLOSED
    if status.is_released:
        return Stage.RELEASED
    if status.channel is not None and status.channel in _DEC_STEPS:
        return _DEC_STEPS[status.channel]
    return _DEC_GROUPS[status.group]


def manifest_stage(statement_code: str | StatementCode) -> Stage:
    """The stage of a manifest ``StatementCode``, derived from :class:`~eport.edi.manifest.StatementCode`: its
    failures (03 退单, 12 拒装, 13 禁卸) are ``REJECTED``, 11 提运单放行 ``RELEASED``, 01 ``ACCEPTED``, 02
    ``MANUAL_REVIEW``; unknown codes ``OTHER``."""
    if isinstance(statement_code, StatementCode):
        code = statement_code
    else:
        try:
            code = StatementCode(statement_code.strip())
        except ValueError:
            return Stage.OTHER
    if code.is_failure:
        return Stage.REJECTED
    if code is StatementCode.RELEASED:
        return Stage.RELEASED
    return _MANIFEST_STEPS[code]


TypedReceipt: TypeAlias = Receipt | DecImportResponse | DecResult | DecData | FailInfo | Response
"""The edi layer's typed receipt behind a :class:`StatusEvent`: a CEB :class:`~eport.edi.ceb.receipts.Receipt`, a
declaration receipt (:data:`eport.edi.dec.receipts.DecReceipt`) or a manifest MT9999
:class:`~eport.edi.manifest.Response`."""


@attrs.frozen(kw_only=True)
class StatusEvent:
    """One status reported by one receipt for one business document.

    Attributes:
        receipt_type: the receipt's root name (``CEB622Message``, ``CEB900Message``, ``DecImportResponse``,
            ``DEC_RESULT``, ``DEC_DATA``, ``failInfo``, ``MT9999``).
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
        receipt: the edi typed receipt this event was read from (:data:`TypedReceipt`); ``None`` only for events
            built by hand. Not part of equality.
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
    receipt: TypedReceipt | None = attrs.field(default=None, eq=False, repr=False)

    @property
    def _exchange_error(self) -> bool:
        """A CEB900 carrying an exchange code (``0002`` schema, ``1001`` signature …) rather than a status."""
        return self.receipt_type == "CEB900Message" and _is_exchange_error(self.code)

    @property
    def return_status(self) -> ReturnStatus | None:
        """The CEB ``returnStatus`` as :class:`~eport.edi.ceb.status.ReturnStatus` (``.meaning``, ``.is_final``,
        ``.is_success``, ``.is_error``); ``None`` for other families. A CEB900 exchange code (``0002``) is
        ``ReturnStatus.ERROR``."""
        if self._exchange_error:
            return ReturnStatus.ERROR
        if isinstance(self.receipt, Receipt):
            return self.receipt.status
        if self.family is Family.CEB:
            return ReturnStatus.parse(self.code)
        return None

    @property
    def dec_status(self) -> DecStatus | None:
        """The declaration ``CHANNEL`` as :class:`~eport.edi.dec.DecStatus` (``.meaning``, ``.is_released`` …);
        ``None`` for import responses, ``failInfo`` and other families."""
        if isinstance(self.receipt, DecResult | DecData):
            return self.receipt.status
        if self.family is Family.DEC and self.receipt_type in ("DEC_RESULT", "DEC_DATA"):
            return DecStatus.of(self.code)
        return None

    @property
    def statement(self) -> StatementCode | None:
        """The manifest MT9999 ``StatementCode`` (01 accepted, 03 rejected, 11 released …); ``None`` for other
        families and unknown codes."""
        if isinstance(self.receipt, Response):
            return self.receipt.statement
        if self.family is Family.MANIFEST:
            try:
                return StatementCode(self.code)
            except ValueError:
                return None
        return None

    @property
    def meaning(self) -> str:
        """What the code means, in English and Chinese (``"released 放行"``, ``"海关已放行 released"``,
        ``"提运单放行 B/L released"``); for CEB errors the spec §7 text of the code."""
        if self._exchange_error:
            spec = self.error_code
            return f"{ReturnStatus.ERROR.meaning} {self.code}: {spec.description if spec else self.info}"
        if isinstance(self.receipt, Receipt):
            return self.receipt.meaning
        if (dec := self.dec_status) is not None:
            return dec.meaning
        if (statement := self.statement) is not None:
            return statement.meaning
        if (status := self.return_status) is not None:
            return status.meaning
        if isinstance(self.receipt, DecImportResponse):
            return "导入成功 imported" if self.receipt.ok else "导入失败 import refused"
        if isinstance(self.receipt, FailInfo):
            return "客户端拒收 refused by the import client"
        return self.stage.value

    @property
    def error_code(self) -> ErrorCode | None:
        """The specification's entry (§7) for a CEB error code (negative business codes, four-digit exchange
        codes such as ``0002`` or ``1001``); ``None`` for ordinary statuses and other families."""
        if self.family is not Family.CEB:
            return None
        digits = self.code.removeprefix("-")
        if self._exchange_error and digits.isdigit() and len(digits) <= 4:
            # CEB900: the four-digit exchange code, also when written negative (-2 = 0002, the sandbox convention)
            return error_code(digits.zfill(4))
        if isinstance(self.receipt, Receipt) and self.receipt.error is not None:
            return self.receipt.error
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


def _is_exchange_error(code: str) -> bool:
    """CEB900 codes: negative numbers, or the four-digit exchange codes (0001 not well-formed, 0002 schema …)."""
    return code.startswith("-") or (code.isdigit() and len(code) == 4)


def _ceb_events(payload: bytes, source: str | None) -> list[StatusEvent]:
    try:
        message = decoding.decode(payload)
    except DecodeError as exc:  # receipts are written loosely by other software: read what is there
        lenient = decoding.decode_lenient(payload)
        logger.debug("CEB receipt read leniently (%s): %d problems", exc, len(lenient.problems))
        message = lenient.message
    found = receipts(message)
    events: list[StatusEvent] = []
    for receipt in found:
        if not receipt.return_status:
            continue
        code = receipt.return_status
        keys = dict(receipt.keys)
        origin: str | None = None
        if receipt.message_type == "CEB900Message":
            stage = Stage.REJECTED if _is_exchange_error(code) else ceb_stage(code)
            origin = keys.get("oriCopMsgId")
        else:
            stage = ceb_stage(code)
        events.append(
            StatusEvent(
                receipt_type=receipt.message_type,
                family=Family.CEB,
                stage=stage,
                code=code,
                info=receipt.info or "",
                at=receipt.time,
                source_cop_msg_id=source or origin,
                guid=receipt.guid,
                numbers=keys,
                receipt=receipt,
            )
        )
    if not events:
        name = type(message).__name__
        raise DecodeError(f"{name} carries no returnStatus", path=f"/{name}")
    return events


def _dec_event(receipt: DecReceipt, source: str | None) -> StatusEvent:
    if isinstance(receipt, DecImportResponse):
        return StatusEvent(
            receipt_type="DecImportResponse",
            family=Family.DEC,
            stage=Stage.DECLARING if receipt.ok else Stage.REJECTED,
            code=receipt.response_code.strip(),
            info=receipt.error_message or "",
            source_cop_msg_id=source,
            client_seq_no=receipt.client_seq_no,
            seq_no=receipt.seq_no,
            receipt=receipt,
        )
    if isinstance(receipt, DecResult):
        return StatusEvent(
            receipt_type="DEC_RESULT",
            family=Family.DEC,
            stage=dec_stage(receipt.status.code),
            code=receipt.status.code,
            info=receipt.note or "",
            at=receipt.notice_time,
            source_cop_msg_id=source,
            seq_no=receipt.cus_ciq_no,
            entry_id=receipt.entry_id,
            receipt=receipt,
        )
    if isinstance(receipt, DecData):
        return StatusEvent(
            receipt_type="DEC_DATA",
            family=Family.DEC,
            stage=dec_stage(receipt.status.code),
            code=receipt.status.code,
            info=receipt.result_info or receipt.result.note or "",
            at=receipt.notice_time,
            source_cop_msg_id=source,
            seq_no=receipt.seq_no,
            entry_id=receipt.entry_id,
            numbers={k: v for k, v in (("billNo", receipt.result.bill_no),) if v},
            receipt=receipt,
        )
    return StatusEvent(
        receipt_type="failInfo",
        family=Family.DEC,
        stage=Stage.REJECTED,
        code="failInfo",
        info=receipt.message,
        source_cop_msg_id=source,
        receipt=receipt,
    )


def _manifest_events(payload: bytes, source: str | None) -> list[StatusEvent]:
    manifest = _decode_manifest(payload)
    response = manifest.response
    info = response.additional_information if response is not None else None
    if response is None or info is None:
        raise DecodeError("manifest receipt without Response/AdditionalInformation", path="/Manifest/Response")
    code = (info.statement_code or "").strip()
    numbers = {"ID": response.id} if response.id else {}
    head = manifest.head
    return [
        StatusEvent(
            receipt_type=head.message_type or "MT9999",
            family=Family.MANIFEST,
            stage=manifest_stage(code),
            code=code,
            info=info.statement_description or "",
            at=parse_return_time(head.send_time),  # YYYYMMDDhhmmss[fff], China time
            source_cop_msg_id=source,
            numbers=numbers,
            receipt=response,
        )
    ]


def _decode_manifest(payload: bytes) -> Manifest:
    decoded = decode_manifest_lenient(payload)
    if decoded.problems:
        logger.debug("manifest receipt read leniently: %d problems", len(decoded.problems))
    return decoded.message


def parse_receipt(data: bytes) -> tuple[str | None, list[StatusEvent]]:
    """Parse one receipt: a ``DxpMsg`` envelope holding a business receipt, or a bare business receipt.

    The kind is told by content (:func:`eport.edi.dec.filedrop.classify_receipt`), then the edi parser of that
    family reads it: :func:`eport.edi.ceb.receipts.receipts` for CEB, :func:`eport.edi.dec.parse_dec_receipt` for
    declarations, :func:`eport.edi.manifest.decode_manifest_lenient` for MT9999.

    Args:
        data: the receipt bytes as they came from the transport.

    Returns:
        The receipt envelope's own CopMsgId (``None`` for a bare receipt) and the status events it carries, each
        with its typed receipt in :attr:`StatusEvent.receipt`.

    Raises:
        eport.errors.DecodeError: the bytes are not a receipt eport understands.
    """
    receipt_id: str | None = None
    source: str | None = None
    payload = data
    kind = classify_receipt(payload)
    if kind is ReceiptKind.DXP_ENVELOPE:
        envelope = unwrap(data)
        receipt_id = envelope.cop_msg_id
        source = envelope.biz_keys.get(SOURCE_COP_MSG_ID)
        payload = envelope.data
        kind = classify_receipt(payload)
    if kind is ReceiptKind.CEB_RECEIPT:
        return receipt_id, _ceb_events(payload, source)
    if kind in (ReceiptKind.DEC_IMPORT_RESPONSE, ReceiptKind.DEC_RESULT, ReceiptKind.DEC_DATA, ReceiptKind.FAIL_INFO):
        return receipt_id, [_dec_event(parse_dec_receipt(payload), source)]
    if kind is ReceiptKind.MANIFEST_RESPONSE:
        return receipt_id, _manifest_events(payload, source)
    raise DecodeError(f"{kind.value} is not a receipt eport understands")
