"""The sandbox's 出口收汇 services: the verification-form registry (historical replay) and the 出口收汇报关单 /
进口付汇报关单 list query. Every route needs a card-login session (``JSESSIONID``); forms belong to the logged-in
card's enterprise.

Routes (JSON, camelCase)::

    POST /api/v1/verification/forms/apply            {count}            → {forms}   核销单申请
    GET  /api/v1/verification/forms/{formNo}                            → form
    POST /api/v1/verification/forms/{formNo}/filing  {port}             → form      口岸备案 (使用口岸)
    POST /api/v1/verification/forms/{formNo}/use     {entryId, port, ieDate, currency, amount, tradeMode}
                                                                        → {form, informational}   DecHead.ApprNo
    POST /api/v1/verification/forms/{formNo}/hand-in                    → form      交单
    POST /api/v1/verification/forms/{formNo}/report-lost | /void        → form      挂失 / 作废
    POST /api/v1/verification/forms/query            {conditions, offset, limit} → {total, rows}
    GET  /api/v1/proceeds?direction=E|I&entryId&dateFrom&dateTo&offset&limit   → {total, rows}
    POST /api/v1/proceeds                            one declaration row (the sandbox's customs feed)

Refusals: 409 ``illegal_transition`` (with ``formNo``, ``state``, ``action``), 409 ``not_filed_for_port`` /
``form_already_used`` / ``one_form_per_declaration``, 404 ``not_found``, 401 ``session_expired``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from eport.errors import EportError, FieldError, FormStateError, PortRuleError
from eport.identifiers import CUSTOMS_DISTRICT_PATTERN, VERIFICATION_FORM_NO_PATTERN, EntryId, entry_id_pattern
from eport.sandbox.login_api import LoggedIn
from eport.sandbox.verification_store import FormNotFoundError, Use, VerificationStore
from eport.sandbox.web import (
    ERRORS,
    MAX_OFFSET,
    ApiError,
    Context,
    SandboxContext,
    WireAmount,
    WireDate,
    WireInt,
    date_query,
    error_responses,
    query_date,
)
from eport.services.verification_models import (
    Condition,
    Direction,
    FormAction,
    FormState,
    ProceedsDeclaration,
    check_port,
)

#: Most forms one application may ask for.
MAX_APPLY = 100
#: Most rows a page holds.
MAX_PAGE = 200

router = APIRouter(tags=["verification"])
_REFUSALS = {**ERRORS, **error_responses(401, 404, 409)}


class Wire(BaseModel):
    """camelCase JSON."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class Apply(Wire):
    """核销单申请: how many forms."""

    count: WireInt = Field(ge=1, le=MAX_APPLY)


FormNo = Annotated[str, Path(pattern=VERIFICATION_FORM_NO_PATTERN, description="核销单号: 1-32 letters or digits")]
Port = Annotated[str, Field(pattern=CUSTOMS_DISTRICT_PATTERN, description="关区 / 口岸 code, 4 digits")]
WireEntryId = Annotated[str, Field(pattern=entry_id_pattern(), description="报关单号 (18)")]
Currency = Annotated[str, Field(pattern="^[A-Z]{3}$", description="ISO 4217 currency code")]
TradeMode = Annotated[str | None, Field(max_length=8, description="监管方式 code")]


class Filing(Wire):
    """口岸备案: the 4-digit 使用口岸 code."""

    port: Port


class UseBody(Wire):
    """The declaration that carries the form (``DecHead.ApprNo``)."""

    entry_id: WireEntryId
    port: Port
    ie_date: WireDate
    currency: Currency
    amount: WireAmount
    trade_mode: TradeMode = None


class TextCondition(BaseModel):
    """核销单号, 使用口岸 or 报关单号 equal to, or starting with (``like``), ``value``."""

    field: Literal["formNo", "port", "entryId"]
    op: Literal["=", "like"]
    value: str = Field(max_length=32)


class StateCondition(BaseModel):
    """状态 equal to ``value``."""

    field: Literal["state"]
    op: Literal["="]
    value: Literal[tuple(state.value for state in FormState)]  # type: ignore[valid-type]


class DateCondition(BaseModel):
    """申请日期 on, on or after, on or before ``value``."""

    field: Literal["appliedDate"]
    op: Literal["=", ">=", "<="]
    value: WireDate


ConditionBody = Annotated[TextCondition | StateCondition | DateCondition, Field(discriminator="field")]
"""One 条件设定 condition: which operators and values a field takes is declared per field."""


class FormQuery(Wire):
    """A conjunctive condition list and a page."""

    conditions: list[ConditionBody] = Field(default_factory=list, max_length=20)
    offset: WireInt = Field(default=0, ge=0, le=MAX_OFFSET)
    limit: WireInt = Field(default=50, ge=1, le=MAX_PAGE)


class DeclarationBody(Wire):
    """One 收付汇报关单 row for the sandbox's customs feed."""

    entry_id: WireEntryId
    direction: Literal["E", "I"]
    ie_date: WireDate
    customs: Port
    currency: Currency
    amount: WireAmount
    trade_mode: TradeMode = None


def verification_store(sandbox: SandboxContext) -> VerificationStore:
    """The registry of a running sandbox (the one its customs reads ``ApprNo`` against)."""
    if sandbox.engine.forms is not None:
        return sandbox.engine.forms
    return sandbox.service(
        "verification",
        lambda: VerificationStore(sandbox.data_dir / "verification.sqlite3", delay=sandbox.config.verification_delay),
    )


def _refusal(exc: EportError) -> JSONResponse:
    if isinstance(exc, FormStateError):
        body: dict[str, Any] = {"error": str(exc), "code": "illegal_transition", "formNo": exc.form_no,
                                "state": exc.state, "action": exc.action}  # fmt: skip
        return JSONResponse(body, status_code=409)
    if isinstance(exc, PortRuleError):
        return JSONResponse({"error": str(exc), "code": exc.rule}, status_code=409)
    if isinstance(exc, FieldError):
        body = {"error": str(exc), "code": "bad_parameter", "field": exc.field, "reason": exc.reason}
        return JSONResponse(body, status_code=400)
    raise exc


def _entry_id(value: str) -> EntryId:
    try:
        return EntryId.parse(value, field="entryId")
    except FieldError as exc:
        raise ApiError(400, "bad_parameter", str(exc), field=exc.field, reason=exc.reason) from None


@router.post("/api/v1/verification/forms/apply", status_code=201, responses=_REFUSALS, summary="核销单申请")
def apply(body: Apply, sandbox: Context, session: LoggedIn) -> dict[str, Any]:
    """Apply for ``count`` forms for the logged-in enterprise."""
    forms = verification_store(sandbox).apply(session.card.enterprise_code, body.count)
    return {"forms": [form.to_wire() for form in forms]}


@router.get("/api/v1/verification/forms/{form_no}", responses=_REFUSALS, summary="One form")
def get_form(form_no: FormNo, sandbox: Context, session: LoggedIn) -> dict[str, Any]:
    """A form of the logged-in enterprise."""
    try:
        return verification_store(sandbox).form(form_no, session.card.enterprise_code).to_wire()
    except FormNotFoundError:
        raise ApiError(404, "not_found", f"no 核销单 {form_no} for this enterprise") from None


def _act(sandbox: SandboxContext, session: Any, form_no: str, action: FormAction, port: str | None = None) -> Any:
    try:
        form = verification_store(sandbox).act(form_no, session.card.enterprise_code, action, port=port)
    except FormNotFoundError:
        raise ApiError(404, "not_found", f"no 核销单 {form_no} for this enterprise") from None
    except EportError as exc:
        return _refusal(exc)
    return form.to_wire()


@router.post("/api/v1/verification/forms/{form_no}/filing", responses=_REFUSALS, summary="口岸备案")
def file_at_port(form_no: FormNo, body: Filing, sandbox: Context, session: LoggedIn) -> Any:
    """File the form for a port (使用口岸)."""
    return _act(sandbox, session, form_no, FormAction.FILE, check_port(body.port))


@router.post("/api/v1/verification/forms/{form_no}/hand-in", responses=_REFUSALS, summary="交单")
def hand_in(form_no: FormNo, sandbox: Context, session: LoggedIn) -> Any:
    """Hand in a used form (SAFE verifies it after the delay)."""
    return _act(sandbox, session, form_no, FormAction.HAND_IN)


@router.post("/api/v1/verification/forms/{form_no}/report-lost", responses=_REFUSALS, summary="挂失")
def report_lost(form_no: FormNo, sandbox: Context, session: LoggedIn) -> Any:
    """Report a form lost."""
    return _act(sandbox, session, form_no, FormAction.REPORT_LOST)


@router.post("/api/v1/verification/forms/{form_no}/void", responses=_REFUSALS, summary="作废")
def void(form_no: FormNo, sandbox: Context, session: LoggedIn) -> Any:
    """Void a form."""
    return _act(sandbox, session, form_no, FormAction.VOID)


@router.post("/api/v1/verification/forms/{form_no}/use", responses=_REFUSALS, summary="Use on a declaration")
def use(form_no: FormNo, body: UseBody, sandbox: Context, session: LoggedIn) -> Any:
    """A declaration at ``port`` carries the form as ``ApprNo``."""
    record = Use(
        entry_id=_entry_id(body.entry_id),
        port=body.port,
        ie_date=body.ie_date,
        currency=body.currency,
        amount=body.amount,
        trade_mode=body.trade_mode,
    )
    try:
        form, informational = verification_store(sandbox).use(form_no, session.card.enterprise_code, record)
    except FormNotFoundError:
        raise ApiError(404, "not_found", f"no 核销单 {form_no} for this enterprise") from None
    except EportError as exc:
        return _refusal(exc)
    return {"form": form.to_wire(), "informational": informational}


@router.post("/api/v1/verification/forms/query", responses=_REFUSALS, summary="条件设定 query")
def query(body: FormQuery, sandbox: Context, session: LoggedIn) -> Any:
    """The forms matching every condition, a page at a time."""
    try:
        conditions = [Condition.from_wire(item.model_dump(mode="json")) for item in body.conditions]
    except FieldError as exc:
        return _refusal(exc)
    total, rows = verification_store(sandbox).query(session.card.enterprise_code, conditions, body.offset, body.limit)
    return {"total": total, "rows": [form.to_wire() for form in rows]}


@router.get("/api/v1/proceeds", responses=_REFUSALS, summary="出口收汇报关单 / 进口付汇报关单")
def proceeds(
    sandbox: Context,
    session: LoggedIn,
    direction: Annotated[Literal["E", "I"], Query()] = "E",
    entry_id: Annotated[str | None, Query(alias="entryId", pattern=entry_id_pattern())] = None,
    date_from: Annotated[str | None, date_query(alias="dateFrom")] = None,
    date_to: Annotated[str | None, date_query(alias="dateTo")] = None,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
) -> Any:
    """The enterprise's declarations of one direction, newest first."""
    total, rows = verification_store(sandbox).proceeds(
        session.card.enterprise_code,
        Direction(direction),
        entry_id=entry_id,
        date_from=query_date(date_from, "dateFrom"),
        date_to=query_date(date_to, "dateTo"),
        offset=offset,
        limit=limit,
    )
    return {"total": total, "rows": [row.to_wire() for row in rows]}


@router.post("/api/v1/proceeds", status_code=201, responses=_REFUSALS, summary="Feed a declaration (sandbox)")
def add_declaration(body: DeclarationBody, sandbox: Context, session: LoggedIn) -> Any:
    """Add a declaration of the logged-in enterprise to the lists (the sandbox's stand-in for customs data)."""
    row = ProceedsDeclaration(
        entry_id=_entry_id(body.entry_id),
        direction=Direction(body.direction),
        ie_date=body.ie_date,
        customs=body.customs,
        currency=body.currency,
        amount=body.amount,
        trade_mode=body.trade_mode,
    )
    verification_store(sandbox).add_declaration(session.card.enterprise_code, row)
    return row.to_wire()


__all__ = ["router", "verification_store"]
