"""HTTP endpoints of the sandbox refund service (``/api/v1/refund``), as a FastAPI ``APIRouter``.

Errors are the gateway's ``{"error", "code"}`` documents: 400 ``invalid`` for a bad field, which also carries the
field's name and what is wrong with it as ``field`` and ``reason`` (:class:`FieldErrorBody`, declared in the OpenAPI
document: clients read them from there, not from the message), 404 ``not_found`` (``no_record`` for an item customs
sent no electronic record of), 409 ``state`` / ``blocking_doubts``. The service's state
(:class:`~eport.sandbox.refund.RefundService`) is built once per running sandbox through
:data:`eport.sandbox.web.Context` and kept in ``<state_dir>/refund.sqlite3``. Routes under ``/sandbox`` are controls
that set tax-side data; the legacy 报送 routes exist only here (the live E-Port has had no such function since the
customs→tax feed).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from eport.errors import FieldError, PortalError
from eport.sandbox.refund import RefundService
from eport.sandbox.web import ApiError, Context, ErrorBody, SandboxContext, error_responses
from eport.services.refund.models import Condition

PREFIX = "/api/v1/refund"
T = TypeVar("T")


class FieldErrorBody(ErrorBody):
    """A refusal of the request's content. With ``code`` ``invalid`` it names the field (``bad_parameter``, an
    unreadable parameter or body, names it in ``error`` only)."""

    field: str | None = Field(None, description="code invalid: the field's name or path, e.g. lines[3].refund_decl_no")
    reason: str | None = Field(None, description="code invalid: what is wrong with the field")


Json = dict[str, Any]
"""The routes answer JSON objects (their fields: ``docs/refund.md``)."""
ERRORS: dict[int | str, dict[str, Any]] = {
    **error_responses(404, 409),
    400: {"model": FieldErrorBody, "description": "a field is invalid (code invalid, with field and reason)"},
}


class ConditionIn(BaseModel):
    """One 查询报送 condition."""

    attribute: str = Field(description="entryId (报关单编号) or exportDate (出口时间)")
    op: str = Field(description="=, like (prefix), >= or <=")
    value: str


class LegacyQueryIn(BaseModel):
    """查询报送: a conjunctive condition list."""

    tradeCode: str  # noqa: N815 - JSON name
    conditions: list[ConditionIn] = []
    offset: int = Field(0, ge=0)
    limit: int = Field(50, ge=1, le=500)


class LegacySubmitIn(BaseModel):
    """选择报送 (entryIds given) or 全体报送 (entryIds null)."""

    tradeCode: str  # noqa: N815
    entryIds: list[str] | None = None  # noqa: N815


class BatchIn(BaseModel):
    """A refund declaration batch (出口明细申报表 lines)."""

    tradeCode: str  # noqa: N815
    taxpayerId: str  # noqa: N815
    period: str
    batch: int = 1
    lines: list[dict[str, Any]]
    explained: list[str] = []


class EnterpriseIn(BaseModel):
    """Sandbox control: tax-side enterprise data."""

    enterpriseClass: str = ""  # noqa: N815
    consumptionCerts: list[str] = []  # noqa: N815


def service_of(sandbox: SandboxContext) -> RefundService:
    """The running sandbox's refund service (built on first use, closed when the sandbox stops)."""
    return sandbox.service(
        "refund", lambda: RefundService(sandbox.config.database, sandbox.data_dir / "refund.sqlite3")
    )


def _call(action: Callable[[], T]) -> T | JSONResponse:
    """Run a route's action; a :class:`~eport.errors.FieldError` answers 400 ``invalid`` with ``field``, ``reason``."""
    try:
        return action()
    except FieldError as exc:
        body = FieldErrorBody(error=str(exc), code="invalid", field=exc.field, reason=exc.reason)
        return JSONResponse(body.model_dump(), status_code=400)
    except PortalError as exc:
        raise ApiError(exc.status or 400, exc.code or "refused", str(exc)) from exc


def _date(value: str | None, field: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise FieldError(field, "a date is YYYY-MM-DD") from exc


router = APIRouter(prefix=PREFIX, tags=["refund (出口退税)"], responses=ERRORS)


@router.get(response_model=Json, path="/closed-declarations", summary="结关信息查询: closed export declarations")
def closed(
    sandbox: Context,
    tradeCode: str,  # noqa: N803 - JSON names
    entryIdPrefix: str = "",  # noqa: N803
    exportFrom: str | None = None,  # noqa: N803
    exportTo: str | None = None,  # noqa: N803
    customs: str = "",
    offset: int = Query(0, ge=0),
    limit: int = Query(50, ge=1, le=500),
) -> Any:
    def run() -> dict[str, Any]:
        total, rows = service_of(sandbox).closed_declarations(
            tradeCode, entry_id_prefix=entryIdPrefix, export_from=_date(exportFrom, "exportFrom"),
            export_to=_date(exportTo, "exportTo"), customs=customs, offset=offset, limit=limit,
        )  # fmt: skip
        return {"total": total, "rows": [row.to_json() for row in rows]}

    return _call(run)


@router.get(
    response_model=Json, path="/declarations/{entryId}", summary="表头/表体: head and body of a closed declaration"
)
def declaration(sandbox: Context, entryId: str) -> Any:  # noqa: N803
    return _call(lambda: service_of(sandbox).declaration(entryId))


@router.get(
    response_model=Json,
    path="/records",
    summary="refund-copy records (出口退税专用联 electronic data) of an enterprise",
)
def records(
    sandbox: Context,
    tradeCode: str,  # noqa: N803
    entryId: str = "",  # noqa: N803
    offset: int = Query(0, ge=0),
    limit: int = Query(100, ge=1, le=1000),
) -> Any:
    def run() -> dict[str, Any]:
        total, rows = service_of(sandbox).records(tradeCode, entry_id=entryId, offset=offset, limit=limit)
        return {"total": total, "rows": [row.to_json() for row in rows]}

    return _call(run)


@router.get(
    response_model=Json, path="/records/{refundDeclNo}", summary="the refund-copy record of one 21-character item"
)
def record(sandbox: Context, refundDeclNo: str) -> Any:  # noqa: N803
    return _call(lambda: service_of(sandbox).record(refundDeclNo).to_json())


@router.post(response_model=Json, path="/legacy/query", summary="查询报送 (legacy, sandbox only)")
def legacy_query(sandbox: Context, body: LegacyQueryIn) -> Any:
    def run() -> dict[str, Any]:
        conditions = []
        for index, item in enumerate(body.conditions):
            try:
                op = Condition(item.op)
            except ValueError as exc:
                raise FieldError(f"conditions[{index}].op", "must be =, like, >= or <=") from exc
            conditions.append((item.attribute, op, item.value))
        total, rows = service_of(sandbox).legacy_list(body.tradeCode, conditions, offset=body.offset,
                                                      limit=body.limit)  # fmt: skip
        return {"total": total, "rows": rows}

    return _call(run)


@router.post(response_model=Json, path="/legacy/submit", summary="选择报送 / 全体报送 (legacy, sandbox only)")
def legacy_submit(sandbox: Context, body: LegacySubmitIn) -> Any:
    return _call(lambda: {"submitted": service_of(sandbox).legacy_submit(body.tradeCode, body.entryIds)})


@router.post(response_model=Json, path="/batches", status_code=201, summary="store a claim batch (DRAFT)")
def create_batch(sandbox: Context, body: BatchIn) -> Any:
    return _call(lambda: service_of(sandbox).create_batch(
        trade_code=body.tradeCode, taxpayer_id=body.taxpayerId, period=body.period, batch=body.batch,
        lines=body.lines, explained=body.explained,
    ))  # fmt: skip


@router.get(response_model=Json, path="/batches", summary="the batches of an enterprise")
def batches(sandbox: Context, tradeCode: str) -> Any:  # noqa: N803
    return _call(lambda: {"rows": service_of(sandbox).batches(tradeCode)})


@router.get(response_model=Json, path="/batches/{batchId}", summary="a batch (a declared batch is reviewed when read)")
def batch(sandbox: Context, batchId: str) -> Any:  # noqa: N803
    return _call(lambda: service_of(sandbox).batch(batchId))


@router.post(response_model=Json, path="/batches/{batchId}/self-check", summary="自检: attach the doubts (疑点)")
def self_check(sandbox: Context, batchId: str) -> Any:  # noqa: N803
    return _call(lambda: service_of(sandbox).self_check(batchId))


@router.post(response_model=Json, path="/batches/{batchId}/declare", summary="正式申报 (only without blocking doubts)")
def declare(sandbox: Context, batchId: str) -> Any:  # noqa: N803
    return _call(lambda: service_of(sandbox).declare(batchId))


@router.patch(
    response_model=Json, path="/sandbox/records/{refundDeclNo}", summary="sandbox control: tax-side flags of a record"
)
def annotate(sandbox: Context, refundDeclNo: str, flags: dict[str, Any]) -> Any:  # noqa: N803
    return _call(lambda: service_of(sandbox).annotate(refundDeclNo, flags).to_json())


@router.put(
    response_model=Json,
    path="/sandbox/enterprises/{tradeCode}",
    summary="sandbox control: enterprise class, 消费税 certificates",
)
def enterprise(sandbox: Context, tradeCode: str, body: EnterpriseIn) -> Any:  # noqa: N803
    def run() -> dict[str, Any]:
        service_of(sandbox).set_enterprise(tradeCode, klass=body.enterpriseClass,
                                           consumption_certs=body.consumptionCerts)  # fmt: skip
        return {"tradeCode": tradeCode}

    return _call(run)


__all__ = ["PREFIX", "router", "service_of"]
