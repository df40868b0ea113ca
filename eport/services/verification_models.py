"""出口收汇核销单 (export-receipt verification forms): custody states, transitions, forms, query conditions.

**Historical.** The national 出口收汇核销 scheme ended on **2012-08-01** (货物贸易外汇管理制度改革): since then no
form is applied for, filed or handed in, and a declaration's ``ApprNo`` is informational. These models exist for
historical data and replays (and the sandbox that plays them). The live piece is :class:`ProceedsDeclaration`, a
row of the 出口收汇报关单 / 进口付汇报关单 lists.

The portal lifecycle (``REFUND_AND_VERIFICATION.md`` §3.4, inferred from the manual's steps)::

    APPLIED(已申请) --issue--> ISSUED(已领用) --file(口岸备案)--> FILED(已备案) --use(ApprNo)--> USED(已使用)
        --hand_in(交单)--> SUBMITTED(已交单) --verify(核销)--> VERIFIED(已核销)
    ISSUED | FILED | USED --report_lost--> LOST(挂失);  --void--> VOID(作废)
    FILED --file--> FILED (filed again for another port, before use)

:func:`next_state` is the one transition table; anything else raises :class:`~eport.errors.FormStateError`.
This module is pure (no I/O): the client and the sandbox both use it.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

import attrs

from eport.errors import FieldError, FormStateError, ProtocolError
from eport.identifiers import EntryId, VerificationFormNo

#: The day the national verification scheme ended (货物贸易外汇管理制度改革, nationwide).
SCHEME_ENDED = dt.date(2012, 8, 1)

_PORT = re.compile(r"\d{4}")


class FormState(enum.Enum):
    """Portal state of a 核销单 (the value is the wire code; :attr:`label` the Chinese name)."""

    APPLIED = "APPLIED"
    ISSUED = "ISSUED"
    FILED = "FILED"
    USED = "USED"
    SUBMITTED = "SUBMITTED"
    VERIFIED = "VERIFIED"
    LOST = "LOST"
    VOID = "VOID"

    @property
    def label(self) -> str:
        """The Chinese name (已申请, 已领用 …)."""
        return _LABELS[self]

    @property
    def final(self) -> bool:
        """No action leads out of this state (VERIFIED, LOST, VOID)."""
        return self in (FormState.VERIFIED, FormState.LOST, FormState.VOID)


_LABELS = {
    FormState.APPLIED: "已申请",
    FormState.ISSUED: "已领用",
    FormState.FILED: "已备案",
    FormState.USED: "已使用",
    FormState.SUBMITTED: "已交单",
    FormState.VERIFIED: "已核销",
    FormState.LOST: "挂失",
    FormState.VOID: "作废",
}


class FormAction(enum.Enum):
    """What can happen to a form (who does it: SAFE issues and verifies, the enterprise does the rest)."""

    ISSUE = "issue"
    FILE = "file"
    USE = "use"
    HAND_IN = "hand_in"
    VERIFY = "verify"
    REPORT_LOST = "report_lost"
    VOID = "void"


_IN_CUSTODY = (FormState.ISSUED, FormState.FILED, FormState.USED)

#: The transition table: (state, action) -> next state. Nothing else is allowed.
TRANSITIONS: Mapping[tuple[FormState, FormAction], FormState] = {
    (FormState.APPLIED, FormAction.ISSUE): FormState.ISSUED,
    (FormState.ISSUED, FormAction.FILE): FormState.FILED,
    (FormState.FILED, FormAction.FILE): FormState.FILED,
    (FormState.FILED, FormAction.USE): FormState.USED,
    (FormState.USED, FormAction.HAND_IN): FormState.SUBMITTED,
    (FormState.SUBMITTED, FormAction.VERIFY): FormState.VERIFIED,
    **{(state, FormAction.REPORT_LOST): FormState.LOST for state in _IN_CUSTODY},
    **{(state, FormAction.VOID): FormState.VOID for state in _IN_CUSTODY},
}


def allowed_actions(state: FormState) -> frozenset[FormAction]:
    """The actions allowed in ``state``."""
    return frozenset(action for (source, action) in TRANSITIONS if source is state)


def next_state(state: FormState, action: FormAction, *, form_no: str = "") -> FormState:
    """The state after ``action``.

    Raises:
        eport.errors.FormStateError: ``action`` is not allowed in ``state`` (the form is left as it is).
    """
    target = TRANSITIONS.get((state, action))
    if target is None:
        allowed = ", ".join(sorted(a.value for a in allowed_actions(state))) or "none"
        raise FormStateError(
            f"核销单 {form_no or '?'}: cannot {action.value} a form in state {state.value} ({state.label}); "
            f"allowed: {allowed}",
            form_no=form_no,
            state=state.value,
            action=action.value,
        )
    return target


class CustodyStep(enum.IntEnum):
    """The enterprise-side custody steps of a form in customs ERP data (``FecavState`` 1–10), for replays."""

    OUTER_OBTAIN = 1  # 外部领用
    INNER_OBTAIN = 2  # 内部领用
    USED = 3  # 核销单使用
    DEBENTURE_SIGN_IN = 4  # 退税联签收
    HAND_IN_BILL = 5  # 核销员交单
    CONTROL = 6  # 管制
    STRIKE_BALANCE = 7  # 冲销
    CANCEL = 8  # 核销
    FINANCE_SIGN_IN = 9  # 财务签收
    CLOSE_ACCOUNT = 10  # 关帐

    @property
    def portal_state(self) -> FormState:
        """The portal state a form in this custody step is in (internal steps map to the enclosing state)."""
        if self in (CustodyStep.OUTER_OBTAIN, CustodyStep.INNER_OBTAIN):
            return FormState.ISSUED
        if self in (CustodyStep.USED, CustodyStep.DEBENTURE_SIGN_IN):
            return FormState.USED
        if self in (CustodyStep.HAND_IN_BILL, CustodyStep.CONTROL):
            return FormState.SUBMITTED
        return FormState.VERIFIED


def check_port(value: str, *, field: str = "port") -> str:
    """A 4-digit 关区 code, stripped.

    Raises:
        eport.errors.FieldError: not 4 digits.
    """
    text = str(value).strip()
    if not _PORT.fullmatch(text):
        raise FieldError(field, "a 关区 / 口岸 code is 4 digits")
    return text


@attrs.frozen(kw_only=True)
class StateChange:
    """One step of a form's history: the state reached and when (UTC)."""

    state: FormState
    at: dt.datetime


@attrs.frozen(kw_only=True)
class VerificationForm:
    """One 出口收汇核销单 as the portal (or a replay) knows it.

    Attributes:
        form_no: 核销单号.
        state: portal state.
        enterprise_code: the holder's 海关注册编码.
        applied_at: when it was applied for (申请日期).
        port: 使用口岸, the 4-digit code it is filed for (after 口岸备案).
        entry_id: the export declaration that used it (报关单号), after use.
        export_date: 出口日期 of that declaration, when known.
        currency, amount: declared value of that declaration, when known.
        history: every state reached, oldest first.
    """

    form_no: VerificationFormNo
    state: FormState
    enterprise_code: str
    applied_at: dt.datetime
    port: str | None = None
    entry_id: EntryId | None = None
    export_date: dt.date | None = None
    currency: str | None = None
    amount: Decimal | None = None
    history: tuple[StateChange, ...] = ()

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> VerificationForm:
        """Parse a form from the portal's JSON (camelCase keys).

        Raises:
            eport.errors.ProtocolError: a missing or malformed field.
        """
        try:
            return cls(
                form_no=VerificationFormNo.parse(data["formNo"], field="formNo"),
                state=FormState(data["state"]),
                enterprise_code=_text(data["enterpriseCode"], "enterpriseCode"),
                applied_at=_datetime(data["appliedAt"]),
                port=_optional_text(data.get("port"), "port"),
                entry_id=EntryId(data["entryId"]) if data.get("entryId") else None,
                export_date=dt.date.fromisoformat(data["exportDate"]) if data.get("exportDate") else None,
                currency=_optional_text(data.get("currency"), "currency"),
                amount=_amount(data["amount"]) if data.get("amount") is not None else None,
                history=tuple(
                    StateChange(state=FormState(item["state"]), at=_datetime(item["at"]))
                    for item in data.get("history", ())
                ),
            )
        except (KeyError, TypeError, ValueError, InvalidOperation) as exc:
            raise ProtocolError(f"malformed verification form in the reply: {exc!r}") from exc

    def to_wire(self) -> dict[str, Any]:
        """The portal's JSON shape (camelCase keys)."""
        return {
            "formNo": str(self.form_no),
            "state": self.state.value,
            "enterpriseCode": self.enterprise_code,
            "appliedAt": self.applied_at.isoformat(),
            "port": self.port,
            "entryId": None if self.entry_id is None else str(self.entry_id),
            "exportDate": None if self.export_date is None else self.export_date.isoformat(),
            "currency": self.currency,
            "amount": None if self.amount is None else str(self.amount),
            "history": [{"state": h.state.value, "at": h.at.isoformat()} for h in self.history],
        }


def _amount(value: object) -> Decimal:
    """An amount of the portal's JSON; ``ValueError`` naming the value when it is no finite number (``NaN``,
    ``Infinity``, text, a list)."""
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise ValueError(f"amount {value!r:.40} is not a number")
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"amount {value!r:.40} is not a number") from None
    if not amount.is_finite():
        raise ValueError(f"amount {value!r:.40} is not a finite number")
    return amount


def _text(value: object, name: str) -> str:
    """A text member of the portal's JSON; ``ValueError`` when it is anything else (``null``, a number, a list):
    ``str()`` would turn it into text the portal never sent (``"None"``)."""
    if not isinstance(value, str):
        raise ValueError(f"{name} {value!r:.40} is not text")
    return value


def _optional_text(value: object, name: str) -> str | None:
    """:func:`_text`, or ``None`` for an absent or ``null`` member."""
    return None if value is None else _text(value, name)


def _datetime(value: object) -> dt.datetime:
    when = dt.datetime.fromisoformat(str(value))
    return when if when.tzinfo is not None else when.replace(tzinfo=dt.timezone.utc)


# ---------------------------------------------------------------------------------------------- query conditions
class QueryField(enum.Enum):
    """What a 条件设定 condition can test (the manual's query by 核销单号, extended with the form's other data)."""

    FORM_NO = "formNo"  # 核销单号
    STATE = "state"  # 状态
    PORT = "port"  # 使用口岸
    ENTRY_ID = "entryId"  # 报关单号
    APPLIED_DATE = "appliedDate"  # 申请日期 (YYYY-MM-DD)


class Operator(enum.Enum):
    """Condition operators: equal, starts with, on or after, on or before (the set is inferred, §2.1)."""

    EQ = "="
    PREFIX = "like"
    GE = ">="
    LE = "<="


@attrs.frozen
class Condition:
    """One condition of the conjunctive 条件设定 list (all conditions must hold).

    Raises:
        eport.errors.FieldError: an operator the field does not support (``>=``/``<=`` only on dates), an unknown
            state, or a malformed date.
    """

    field: QueryField = attrs.field(converter=QueryField)
    op: Operator = attrs.field(converter=Operator)
    value: str = attrs.field(converter=str)

    def __attrs_post_init__(self) -> None:
        name = f"condition[{self.field.value}]"
        if self.op in (Operator.GE, Operator.LE) and self.field is not QueryField.APPLIED_DATE:
            raise FieldError(name, f"operator {self.op.value} applies to {QueryField.APPLIED_DATE.value} only")
        if self.field is QueryField.APPLIED_DATE:
            if self.op is Operator.PREFIX:
                raise FieldError(name, "dates compare with =, >= or <=")
            try:
                dt.date.fromisoformat(self.value)
            except ValueError:
                raise FieldError(name, "a date is YYYY-MM-DD") from None
        if self.field is QueryField.STATE:
            if self.op is not Operator.EQ:
                raise FieldError(name, "a state compares with = only")
            try:
                FormState(self.value)
            except ValueError:
                known = ", ".join(s.value for s in FormState)
                raise FieldError(name, f"unknown state; known: {known}") from None

    def to_wire(self) -> dict[str, str]:
        """``{"field", "op", "value"}``."""
        return {"field": self.field.value, "op": self.op.value, "value": self.value}

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Condition:
        """Parse ``{"field", "op", "value"}``.

        Raises:
            eport.errors.FieldError: an unknown field or operator, or an invalid condition.
        """
        try:
            return cls(QueryField(data["field"]), Operator(data["op"]), str(data["value"]))
        except (KeyError, TypeError) as exc:
            raise FieldError("condition", "needs field, op and value") from exc
        except ValueError as exc:
            if isinstance(exc, FieldError):
                raise
            raise FieldError("condition", f"unknown field or operator ({exc})") from None

    @classmethod
    def parse(cls, text: str) -> Condition:
        """Parse the CLI form ``field<op>value``: ``state=FILED``, ``formNo~12`` (prefix), ``appliedDate>=2011-01-01``.

        Raises:
            eport.errors.FieldError: no operator, or an invalid condition.
        """
        match = re.fullmatch(r"\s*(\w+)\s*(>=|<=|=|~)\s*(.*?)\s*", text)
        if match is None:
            raise FieldError("condition", "write field=value, field~prefix, field>=date or field<=date")
        op = "like" if match.group(2) == "~" else match.group(2)
        try:
            return cls(QueryField(match.group(1)), Operator(op), match.group(3))
        except ValueError as exc:
            if isinstance(exc, FieldError):
                raise
            known = ", ".join(f.value for f in QueryField)
            raise FieldError("condition", f"unknown field {match.group(1)!r}; known: {known}") from None


def _field_value(form: VerificationForm, field: QueryField) -> str | None:
    if field is QueryField.FORM_NO:
        return str(form.form_no)
    if field is QueryField.STATE:
        return form.state.value
    if field is QueryField.PORT:
        return form.port
    if field is QueryField.ENTRY_ID:
        return None if form.entry_id is None else str(form.entry_id)
    return form.applied_at.date().isoformat()


def matches(form: VerificationForm, conditions: Sequence[Condition]) -> bool:
    """Whether ``form`` satisfies every condition (an empty list matches every form)."""
    for condition in conditions:
        value = _field_value(form, condition.field)
        if value is None:
            return False
        if condition.op is Operator.EQ and value != condition.value:
            return False
        if condition.op is Operator.PREFIX and not value.startswith(condition.value):
            return False
        if condition.op is Operator.GE and value < condition.value:
            return False
        if condition.op is Operator.LE and value > condition.value:
            return False
    return True


def select(forms: Iterable[VerificationForm], conditions: Sequence[Condition]) -> list[VerificationForm]:
    """The forms satisfying every condition, in the given order."""
    return [form for form in forms if matches(form, conditions)]


# ---------------------------------------------------------------------------------------------- modern list query
class Direction(enum.Enum):
    """Which list: 出口收汇报关单 (export) or 进口付汇报关单 (import)."""

    EXPORT = "E"
    IMPORT = "I"

    @property
    def label(self) -> str:
        """出口收汇报关单 or 进口付汇报关单."""
        return "出口收汇报关单" if self is Direction.EXPORT else "进口付汇报关单"


@attrs.frozen(kw_only=True)
class ProceedsDeclaration:
    """One row of the 出口收汇报关单 / 进口付汇报关单 list (declarations relevant to receipts and payments).

    The live portal's response fields are not publicly documented (§9.7): these are the fields every source
    agrees a row has (entry id, date, value).

    Attributes:
        entry_id: 报关单号.
        direction: export or import.
        ie_date: 进出口日期.
        customs: 申报地海关 (4-digit).
        currency: 币制 (ISO alpha).
        amount: 总价.
        trade_mode: 监管方式 (4-digit), when given.
    """

    entry_id: EntryId
    direction: Direction
    ie_date: dt.date
    customs: str
    currency: str
    amount: Decimal
    trade_mode: str | None = None

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> ProceedsDeclaration:
        """Parse a row (camelCase keys).

        Raises:
            eport.errors.ProtocolError: a missing or malformed field.
        """
        try:
            return cls(
                entry_id=EntryId(data["entryId"]),
                direction=Direction(data["direction"]),
                ie_date=dt.date.fromisoformat(data["ieDate"]),
                customs=_text(data["customs"], "customs"),
                currency=_text(data["currency"], "currency"),
                amount=_amount(data["amount"]),
                trade_mode=_optional_text(data.get("tradeMode"), "tradeMode"),
            )
        except (KeyError, TypeError, ValueError, InvalidOperation) as exc:
            raise ProtocolError(f"malformed 收付汇报关单 row in the reply: {exc!r}") from exc

    def to_wire(self) -> dict[str, Any]:
        """The JSON shape (camelCase keys)."""
        return {
            "entryId": str(self.entry_id),
            "direction": self.direction.value,
            "ieDate": self.ie_date.isoformat(),
            "customs": self.customs,
            "currency": self.currency,
            "amount": str(self.amount),
            "tradeMode": self.trade_mode,
        }


__all__ = [
    "SCHEME_ENDED",
    "TRANSITIONS",
    "Condition",
    "CustodyStep",
    "Direction",
    "FormAction",
    "FormState",
    "Operator",
    "ProceedsDeclaration",
    "QueryField",
    "StateChange",
    "VerificationForm",
    "allowed_actions",
    "check_port",
    "matches",
    "next_state",
    "select",
]
