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

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from eport.errors import EportError, FieldError, FormStateError, PortRuleError
from eport.identifiers import EntryId
from eport.sandbox.login_api import LoggedIn
from eport.sandbox.verification_store import FormNotFoundError, Use, VerificationStore
from eport.sandbox.web import ERRORS, ApiError, Context, SandboxContext, error_responses
from eport.services.verification_models import (
    Condition,
    Direction,
    FormAction,
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

    count: int = Field(ge=1, le=MAX_APPLY)


class Filing(Wire):
    """口岸备案: the 4-digit 使用口岸 code."""

    port: str = Field(pattern=r"^\d{4}$")


class UseBody(Wire):
    """The declaration that carries the form (``DecHead.ApprNo``)."""

    entry_id: str
    port: str = Field(pattern=r"^\d{4}$")
    ie_date: dt.date
    currency: str = Field(min_length=3, max_length=3)
    amount: Decimal = Field(ge=0)
    trade_mode: str | None = None


class FormQuery(Wire):
    """A conjunctive condition list and a page."""

    conditions: list[dict[str, str]] = Field(default_factory=list, max_length=20)
    offset: int = Field(default=0, ge=0)
    limit: int = Field(default=50, ge=1, le=MAX_PAGE)


class DeclarationBody(Wire):
    """One 收付汇报关单 row for the sandbox's customs feed."""

    entry_id: str
    direction: str = Field(pattern=r"^[EI]$")
    ie_date: dt.date
    customs: str = Field(pattern=r"^\d{4}$")
    currency: str = Field(min_length=3, max_length=3)
    amount: Decimal = Field(ge=0)
    trade_mode: str | None = None


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
        return JSONResponse({"error": str(exc), "code": "bad_parameter"}, status_code=400)
    raise exc


def _entry_id(value: str) -> EntryId:
    try:
        return EntryId.parse(value, field="entryId")
    except FieldError as exc:
        raise ApiError(400, "bad_parameter", str(exc)) from None


@router.post("/api/v1/verification/forms/apply", status_code=201, responses=_REFUSALS, summary="核销单申请")
def apply(body: Apply, sandbox: Context, session: LoggedIn) -> dict[str, Any]:
    """Apply for ``count`` forms for the logged-in enterprise."""
    forms = verification_store(sandbox).apply(session.card.enterprise_code, body.count)
    return {"forms": [form.to_wire() for form in forms]}


@router.get("/api/v1/verification/forms/{form_no}", responses=_REFUSALS, summary="One form")
def get_form(form_no: str, sandbox: Context, session: LoggedIn) -> dict[str, Any]:
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
def file_at_port(form_no: str, body: Filing, sandbox: Context, session: LoggedIn) -> Any:
    """File the form for a port (使用口岸)."""
    return _act(sandbox, session, form_no, FormAction.FILE, check_port(body.port))


@router.post("/api/v1/verification/forms/{form_no}/hand-in", responses=_REFUSALS, summary="交单")
def hand_in(form_no: str, sandbox: Context, session: LoggedIn) -> Any:
    """Hand in a used form (SAFE verifies it after the delay)."""
    return _act(sandbox, session, form_no, FormAction.HAND_IN)


@router.post("/api/v1/verification/forms/{form_no}/report-lost", responses=_REFUSALS, summary="挂失")
def report_lost(form_no: str, sandbox: Context, session: LoggedIn) -> Any:
    """Report a form lost."""
    return _act(sandbox, session, form_no, FormAction.REPORT_LOST)


@router.post("/api/v1/verification/forms/{form_no}/void", responses=_REFUSALS, summary="作废")
def void(form_no: str, sandbox: Context, session: LoggedIn) -> Any:
    """Void a form."""
    return _act(sandbox, session, form_no, FormAction.VOID)


@router.post("/api/v1/verification/forms/{form_no}/use", responses=_REFUSALS, summary="Use on a declaration")
def use(form_no: str, body: UseBody, sandbox: Context, session: LoggedIn) -> Any:
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
        conditions = [Condition.from_wire(item) for item in body.conditions]
    except FieldError as exc:
        return _refusal(exc)
    total, rows = verification_store(sandbox).query(session.card.enterprise_code, conditions, body.offset, body.limit)
    return {"total": total, "rows": [form.to_wire() for form in rows]}


@router.get("/api/v1/proceeds", responses=_REFUSALS, summary="出口收汇报关单 / 进口付汇报关单")
def proceeds(
    sandbox: Context,
    session: LoggedIn,
    direction: Annotated[str, Query(pattern=r"^[EI]$")] = "E",
    entry_id: Annotated[str | None, Query(alias="entryId")] = None,
    date_from: Annotated[dt.date | None, Query(alias="dateFrom")] = None,
    date_to: Annotated[dt.date | None, Query(alias="dateTo")] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
) -> Any:
    """The enterprise's declarations of one direction, newest first."""
    total, rows = verification_store(sandbox).proceeds(
        session.card.enterprise_code,
        Direction(direction),
        entry_id=entry_id,
        date_from=date_from,
        date_to=date_to,
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
