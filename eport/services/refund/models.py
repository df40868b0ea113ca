"""Data of export tax refund (出口退税): closed declarations, refund-copy records, claim lines, doubts, states.

See ``REFUND_AND_VERIFICATION.md`` §2 and ``docs/refund.md``. Money and quantities are ``Decimal``; dates are
``datetime.date`` (customs dates are China dates).
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any

import attrs

from eport.errors import FieldError
from eport.identifiers import EntryId, RefundDeclNo

ZERO = Decimal(0)


class LegacyState(str, enum.Enum):
    """State of one refund-copy record in the old E-Port 数据报送 (legacy; the sandbox only)."""

    AVAILABLE = "AVAILABLE"
    """未报送: listed by 查询报送, not yet sent to the tax bureau."""
    SUBMITTED = "SUBMITTED"
    """已报送: sent by 选择报送 or 全体报送."""
    RECEIVED = "RECEIVED"
    """已接收: the tax bureau received it."""
    FAILED = "FAILED"
    """报送失败: the submission failed; the record is offered again."""

    @property
    def label(self) -> str:
        """The Chinese name."""
        return {"AVAILABLE": "未报送", "SUBMITTED": "已报送", "RECEIVED": "已接收", "FAILED": "报送失败"}[self.value]


class BatchState(str, enum.Enum):
    """State of a refund declaration batch (外贸企业 申报批次) in the sandbox tax service."""

    DRAFT = "DRAFT"
    """暂存: lines stored, not checked."""
    SELF_CHECKED = "SELF_CHECKED"
    """已自检: the doubt (疑点) list is attached."""
    DECLARED = "DECLARED"
    """已正式申报: declared without blocking doubts; has a 流程实例ID (``lcslid``)."""
    APPROVED = "APPROVED"
    """审核通过 (申报/审核标志 R)."""
    REJECTED = "REJECTED"
    """审核不通过 / 退回."""

    @property
    def label(self) -> str:
        """The Chinese name."""
        return {"DRAFT": "暂存", "SELF_CHECKED": "已自检", "DECLARED": "已正式申报", "APPROVED": "审核通过",
                "REJECTED": "审核不通过"}[self.value]  # fmt: skip


class ReturnPurpose(str, enum.Enum):
    """Purpose of a 退运已补税/未退税证明 held against an item (tax side)."""

    RETURN = "1"
    """退运: goods came back."""
    AMEND = "2"
    """改单: the declaration was amended."""
    CANCEL = "3"
    """撤单: the declaration was withdrawn."""


class DoubtLevel(str, enum.Enum):
    """Level of a doubt (``ERR_LEV``)."""

    ERROR = "E"
    INFO = "I"


class Condition(str, enum.Enum):
    """Operators of the legacy 查询报送 conjunctive filter list."""

    EQ = "="
    PREFIX = "like"
    GE = ">="
    LE = "<="


def _date(value: Any, field: str = "date") -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError as exc:
        raise FieldError(field, f"not an ISO date: {value!r:.40}") from exc


def _decimal(value: Any, field: str = "amount", *, negative: bool = True) -> Decimal:
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except ArithmeticError as exc:
        raise FieldError(field, f"not a number: {value!r:.40}") from exc
    if not number.is_finite() or (not negative and number < 0):
        raise FieldError(field, f"must be a finite number{'' if negative else ' >= 0'}, got {value!r:.40}")
    return number


def _string(value: Any, field: str) -> str:
    """A text member; ``null``, a number or a list would be read as text the service never sent (``"None"``)."""
    if not isinstance(value, str):
        raise FieldError(field, f"must be text, got {type(value).__name__}")
    return value


#: The text members of a refund-copy record.
_RECORD_TEXT = ("customs", "trade_mode", "trans_mode", "trade_code", "destination", "code_ts", "name", "unit",
                "currency")  # fmt: skip


def _flag(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise FieldError(field, f"must be true or false, got {value!r:.20}")
    return value


@attrs.frozen(kw_only=True)
class ClosedDeclaration:
    """A 结关信息 row: an export declaration customs has closed (CHANNEL ``R`` 已结关).

    Attributes:
        entry_id: 报关单编号.
        closed_on: 结关日期 (the notice date of the ``R`` receipt).
        customs: 申报地海关 (4-digit 关区).
        export_date: 出口日期, when known.
        trade_code: 境内发货人 (经营单位) customs code.
        items: number of goods items.
    """

    entry_id: EntryId
    closed_on: dt.date
    customs: str
    export_date: dt.date | None = None
    trade_code: str = ""
    items: int = 0

    def to_json(self) -> dict[str, Any]:
        """The JSON object of the sandbox API."""
        return {
            "entryId": str(self.entry_id),
            "closedOn": self.closed_on.isoformat(),
            "customs": self.customs,
            "exportDate": self.export_date.isoformat() if self.export_date else None,
            "tradeCode": self.trade_code,
            "items": self.items,
        }

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> ClosedDeclaration:
        """Read the JSON object of the sandbox API.

        Raises:
            eport.errors.FieldError: a field is missing or malformed.
        """
        try:
            closed = _date(value["closedOn"], "closedOn")
            if closed is None:
                raise FieldError("closedOn", "missing")
            items = value.get("items") or 0
            if isinstance(items, bool) or not isinstance(items, int) or items < 0:
                raise FieldError("items", f"must be a number of items (0 or more), got {items!r:.20}")
            return cls(
                entry_id=EntryId.parse(value["entryId"], field="entryId"),
                closed_on=closed,
                customs=_string(value.get("customs") or "", "customs"),
                export_date=_date(value.get("exportDate"), "exportDate"),
                trade_code=_string(value.get("tradeCode") or "", "tradeCode"),
                items=items,
            )
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, FieldError):
                raise
            raise FieldError("closed_declaration", f"malformed: {exc}") from exc


@attrs.frozen(kw_only=True)
class RefundRecord:
    """The customs export-declaration refund-copy record (出口退税专用联 electronic data) of one item.

    It is what the tax side receives from customs (its ``CKTS_WBSJ_HG_BGD201`` row), plus the tax side's own
    bookkeeping (claimed amounts, 不予退税, 退运证明, 改单, 启运港 flags).

    Attributes:
        refund_decl_no: the 21-character key (entry id + 3-digit item).
        customs: 关区 (4).
        export_date: 出口日期.
        closed_on: 结关日期.
        trade_mode: 监管方式 (4), empty when customs sent none.
        trans_mode: 成交方式 (1 CIF, 2 C&F, 3 FOB …).
        trade_code: 经营单位 (境内发货人) customs code.
        destination: 最终目的国 as the numeric (H2000) code, e.g. ``502``; ``142`` is China.
        code_ts: 商品代码 (HS, 10 digits).
        name: 商品名称.
        unit: 计量单位 (legal first unit code).
        qty: 出口数量 (legal first quantity).
        currency: 成交币制 (ISO alpha).
        total: 成交总价 in ``currency``.
        usd_fob: 美元离岸价.
        not_refundable: 不予退税标志 ``bytsbz = Y``.
        claimed_qty / claimed_usd: quantity and USD FOB already claimed (``tssbsl`` / ``tssbmylaj``).
        return_purpose: purpose of a valid 退运证明, if any.
        amended: amended data (改单, table 202) is held.
        amendment_pending: an amendment exists that is not synced yet (the FOB difference is explained by it).
        departure_port: 启运港标志.
        departure_date: 启运日期 (启运港 items).
        export_cancelled: 启运港 撤销出口.
    """

    refund_decl_no: RefundDeclNo
    customs: str
    export_date: dt.date | None
    closed_on: dt.date | None
    trade_mode: str
    trans_mode: str
    trade_code: str
    destination: str
    code_ts: str
    name: str
    unit: str
    qty: Decimal
    currency: str
    total: Decimal
    usd_fob: Decimal
    not_refundable: bool = False
    claimed_qty: Decimal = ZERO
    claimed_usd: Decimal = ZERO
    return_purpose: ReturnPurpose | None = None
    amended: bool = False
    amendment_pending: bool = False
    departure_port: bool = False
    departure_date: dt.date | None = None
    export_cancelled: bool = False

    @property
    def entry_id(self) -> EntryId:
        """The 18-character entry id."""
        return self.refund_decl_no.entry_id

    @property
    def item(self) -> int:
        """The item number (项号)."""
        return self.refund_decl_no.item

    def to_json(self) -> dict[str, Any]:
        """The JSON object of the sandbox API (decimals as strings)."""
        out: dict[str, Any] = {}
        for field in attrs.fields(RefundRecord):
            value = getattr(self, field.name)
            if isinstance(value, (dt.date, Decimal)):
                value = str(value)
            elif isinstance(value, enum.Enum):
                value = value.value
            out[field.name] = value
        return out

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> RefundRecord:
        """Read :meth:`to_json` output.

        Raises:
            eport.errors.FieldError: a field is missing or malformed.
        """
        try:
            kwargs = dict(value)
            kwargs["refund_decl_no"] = RefundDeclNo.parse(value["refund_decl_no"])
            for name in _RECORD_TEXT:
                kwargs[name] = _string(value[name], name)
            for name in ("export_date", "closed_on", "departure_date"):
                kwargs[name] = _date(value.get(name), name)
            for name in ("qty", "total", "usd_fob"):  # required: a missing 出口数量 read as 0 left the item out
                kwargs[name] = _decimal(value[name], name)
            for name in ("claimed_qty", "claimed_usd"):
                kwargs[name] = _decimal(value.get(name, 0), name, negative=False)
            kwargs["not_refundable"] = _flag(value["not_refundable"], "not_refundable")  # no default: 不予退税
            for name in ("amended", "amendment_pending", "departure_port", "export_cancelled"):
                kwargs[name] = _flag(value.get(name, False), name)
            purpose = value.get("return_purpose")
            try:
                kwargs["return_purpose"] = ReturnPurpose(purpose) if purpose else None
            except ValueError as exc:
                raise FieldError("return_purpose", "1 退运, 2 改单, 3 撤单 or null") from exc
            return cls(**kwargs)
        except FieldError:
            raise
        except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
            raise FieldError("refund_record", f"malformed: {exc}") from exc


@attrs.frozen(kw_only=True)
class Doubt:
    """One 疑点 returned by the self-check.

    Attributes:
        code: ``YDCODE``, e.g. ``MDT_CKHW_BGD_WDZXX``.
        level: ``ERR_LEV``: ``E`` error or ``I`` information.
        passable: ``PASS_FLAG`` ``Y`` (may be skipped) is ``True``; ``N`` (blocks the declaration) is ``False``.
        message: ``ERR_MSG``.
        line: the 序号 of the claim line (``SBXH``).
        refund_decl_no: the 21-character number the line claims.
    """

    code: str
    level: DoubtLevel
    passable: bool
    message: str
    line: int
    refund_decl_no: str

    @property
    def blocking(self) -> bool:
        """Whether the doubt blocks a formal declaration."""
        return not self.passable

    def to_json(self) -> dict[str, Any]:
        """The JSON object of the sandbox API."""
        return {"code": self.code, "level": self.level.value, "passFlag": "Y" if self.passable else "N",
                "message": self.message, "line": self.line, "refundDeclNo": self.refund_decl_no}  # fmt: skip

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> Doubt:
        """Read :meth:`to_json` output.

        Raises:
            eport.errors.FieldError: malformed.
        """
        try:
            return cls(code=str(value["code"]), level=DoubtLevel(value["level"]), passable=value["passFlag"] == "Y",
                       message=str(value.get("message", "")), line=int(value["line"]),
                       refund_decl_no=str(value.get("refundDeclNo", "")))  # fmt: skip
        except (KeyError, TypeError, ValueError) as exc:
            raise FieldError("doubt", f"malformed: {exc}") from exc


__all__ = [
    "BatchState",
    "ClosedDeclaration",
    "Condition",
    "Doubt",
    "DoubtLevel",
    "LegacyState",
    "RefundRecord",
    "ReturnPurpose",
]
