"""HTTP endpoints of the sandbox refund service (``/api/v1/refund``), as a FastAPI ``APIRouter``.

Errors are the gateway's ``{"error", "code"}`` documents: 400 ``invalid`` for a bad field (``bad_parameter`` when the
declared schema of a parameter or body refused it), which also carries the field's name and what is wrong with it as
``field`` and ``reason`` (:class:`~eport.sandbox.web.ErrorBody`, declared in the OpenAPI document: clients read them
from there, not from the message). The parameters declare the patterns of :mod:`eport.identifiers` (``tradeCode``
海关编码, ``entryId`` 报关单号, ``refundDeclNo``, ``customs`` 关区, dates ``YYYY-MM-DD``), so the served OpenAPI says
what the service enforces. 404 ``not_found`` (``no_record`` for an item customs
sent no electronic record of), 409 ``state`` / ``blocking_doubts``. The service's state
(:class:`~eport.sandbox.refund.RefundService`) is built once per running sandbox through
:data:`eport.sandbox.web.Context` and kept in ``<state_dir>/refund.sqlite3``. Routes under ``/sandbox`` are controls
that set tax-side data; the legacy 报送 routes exist only here (the live E-Port has had no such function since the
customs→tax feed).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from eport.errors import FieldError, PortalError
from eport.identifiers import (
    CUSTOMS_CODE_PATTERN,
    CUSTOMS_DISTRICT_PATTERN,
    ENTRY_ID_PREFIX_PATTERN,
    USCC_PATTERN,
    entry_id_pattern,
    refund_decl_no_pattern,
)
from eport.sandbox.refund import RefundService
from eport.sandbox.web import (
    MAX_OFFSET,
    ApiError,
    Context,
    ErrorBody,
    SandboxContext,
    WireAmount,
    WireDate,
    WireInt,
    date_query,
    error_responses,
)
from eport.services.refund.models import Condition

PREFIX = "/api/v1/refund"
T = TypeVar("T")


FieldErrorBody = ErrorBody
"""The 400 document (``field`` and ``reason`` name the refused field); kept under its former name."""

TradeCode = Annotated[str, Query(pattern=CUSTOMS_CODE_PATTERN, description="海关编码 of the enterprise")]
EntryIdPath = Annotated[str, Path(pattern=entry_id_pattern(), description="报关单号 (18)")]
RefundDeclNoPath = Annotated[str, Path(pattern=refund_decl_no_pattern(), description="退税报关单号 (21)")]
TradeCodePath = Annotated[str, Path(pattern=CUSTOMS_CODE_PATTERN, description="海关编码 of the enterprise")]
BatchId = Annotated[str, Path(min_length=1, max_length=64, description="the batch id")]

Json = dict[str, Any]
"""The routes answer JSON objects (their fields: ``docs/refund.md``)."""
ERRORS: dict[int | str, dict[str, Any]] = {
    **error_responses(404, 409),
    400: {"model": ErrorBody, "description": "a field is invalid (code invalid or bad_parameter, with field, reason)"},
}


Operator = Literal["=", "like", ">=", "<="]
"""=, like (prefix), >= or <=."""


class EntryIdCondition(BaseModel):
    """A 查询报送 condition on 报关单编号 (the whole number or, with ``like``, a prefix of it)."""

    attribute: Literal["entryId"]
    op: Operator
    value: str = Field(pattern=ENTRY_ID_PREFIX_PATTERN)


class ExportDateCondition(BaseModel):
    """A 查询报送 condition on 出口时间."""

    attribute: Literal["exportDate"]
    op: Operator
    value: WireDate


ConditionIn = Annotated[EntryIdCondition | ExportDateCondition, Field(discriminator="attribute")]
"""One 查询报送 condition."""


class LegacyQueryIn(BaseModel):
    """查询报送: a conjunctive condition list."""

    tradeCode: str = Field(pattern=CUSTOMS_CODE_PATTERN)  # noqa: N815 - JSON name
    conditions: list[ConditionIn] = Field([], max_length=20)
    offset: WireInt = Field(0, ge=0, le=MAX_OFFSET)
    limit: WireInt = Field(50, ge=1, le=500)


class LegacySubmitIn(BaseModel):
    """选择报送 (entryIds given) or 全体报送 (entryIds null)."""

    tradeCode: str = Field(pattern=CUSTOMS_CODE_PATTERN)  # noqa: N815
    entryIds: list[Annotated[str, Field(pattern=entry_id_pattern())]] | None = Field(None, max_length=1000)  # noqa: N815


class BatchIn(BaseModel):
    """A refund declaration batch (出口明细申报表 lines)."""

    tradeCode: str = Field(pattern=CUSTOMS_CODE_PATTERN)  # noqa: N815
    taxpayerId: str = Field(pattern=USCC_PATTERN, description="USCC (统一社会信用代码) of the taxpayer")  # noqa: N815
    period: str = Field(pattern="^[0-9]{4}(?:0[1-9]|1[0-2])$", description="申报年月 YYYYMM")
    batch: WireInt = Field(1, ge=1, le=999, description="申报批次")
    lines: list[dict[str, Any]] = Field(
        max_length=10000,
        description="出口明细申报表 lines (docs/refund.md); none is refused by the service with its own reason",
        json_schema_extra={"minItems": 1},
    )
    explained: list[Annotated[str, Field(pattern=refund_decl_no_pattern())]] = Field([], max_length=10000)


class RecordFlags(BaseModel):
    """Sandbox control: the tax-side flags of a record to set (the others are kept)."""

    model_config = ConfigDict(extra="forbid")

    not_refundable: StrictBool = False
    return_purpose: Literal["1", "2", "3"] | None = Field(None, description="1 退运, 2 改单, 3 撤单 or null")
    amended: StrictBool = False
    amendment_pending: StrictBool = False
    departure_port: StrictBool = False
    departure_date: WireDate | None = None
    export_cancelled: StrictBool = False
    claimed_qty: WireAmount = Decimal(0)
    claimed_usd: WireAmount = Decimal(0)


class EnterpriseIn(BaseModel):
    """Sandbox control: tax-side enterprise data."""

    enterpriseClass: Literal["", "A", "B", "C", "D"] = ""  # noqa: N815
    consumptionCerts: list[str] = Field([], max_length=1000)  # noqa: N815


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
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)  # the declared pattern already holds
    except ValueError as exc:
        raise FieldError(field, "not a calendar day (YYYY-MM-DD)") from exc


router = APIRouter(prefix=PREFIX, tags=["refund (出口退税)"], responses=ERRORS)


@router.get(response_model=Json, path="/closed-declarations", summary="结关信息查询: closed export declarations")
def closed(
    sandbox: Context,
    tradeCode: TradeCode,  # noqa: N803 - JSON names
    entryIdPrefix: str = Query("", pattern=ENTRY_ID_PREFIX_PATTERN),  # noqa: N803
    exportFrom: Annotated[str | None, date_query("出口日期 from, YYYY-MM-DD")] = None,  # noqa: N803
    exportTo: Annotated[str | None, date_query("出口日期 to, YYYY-MM-DD")] = None,  # noqa: N803
    customs: str = Query("", pattern=f"^$|{CUSTOMS_DISTRICT_PATTERN}", description="关区 (4 digits)"),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
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
def declaration(sandbox: Context, entryId: EntryIdPath) -> Any:  # noqa: N803
    return _call(lambda: service_of(sandbox).declaration(entryId))


@router.get(
    response_model=Json,
    path="/records",
    summary="refund-copy records (出口退税专用联 electronic data) of an enterprise",
)
def records(
    sandbox: Context,
    tradeCode: TradeCode,  # noqa: N803
    entryId: str = Query("", pattern=f"^$|{entry_id_pattern()}"),  # noqa: N803
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
    limit: int = Query(100, ge=1, le=1000),
) -> Any:
    def run() -> dict[str, Any]:
        total, rows = service_of(sandbox).records(tradeCode, entry_id=entryId, offset=offset, limit=limit)
        return {"total": total, "rows": [row.to_json() for row in rows]}

    return _call(run)


@router.get(
    response_model=Json, path="/records/{refundDeclNo}", summary="the refund-copy record of one 21-character item"
)
def record(sandbox: Context, refundDeclNo: RefundDeclNoPath) -> Any:  # noqa: N803
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
            value = item.value.isoformat() if isinstance(item.value, dt.date) else item.value
            conditions.append((item.attribute, op, value))
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
def batches(sandbox: Context, tradeCode: TradeCode) -> Any:  # noqa: N803
    return _call(lambda: {"rows": service_of(sandbox).batches(tradeCode)})


@router.get(response_model=Json, path="/batches/{batchId}", summary="a batch (a declared batch is reviewed when read)")
def batch(sandbox: Context, batchId: BatchId) -> Any:  # noqa: N803
    return _call(lambda: service_of(sandbox).batch(batchId))


@router.post(response_model=Json, path="/batches/{batchId}/self-check", summary="自检: attach the doubts (疑点)")
def self_check(sandbox: Context, batchId: BatchId) -> Any:  # noqa: N803
    return _call(lambda: service_of(sandbox).self_check(batchId))


@router.post(response_model=Json, path="/batches/{batchId}/declare", summary="正式申报 (only without blocking doubts)")
def declare(sandbox: Context, batchId: BatchId) -> Any:  # noqa: N803
    return _call(lambda: service_of(sandbox).declare(batchId))


@router.patch(
    response_model=Json, path="/sandbox/records/{refundDeclNo}", summary="sandbox control: tax-side flags of a record"
)
def annotate(sandbox: Context, refundDeclNo: RefundDeclNoPath, flags: RecordFlags) -> Any:  # noqa: N803
    values = flags.model_dump(mode="json", exclude_unset=True)
    return _call(lambda: service_of(sandbox).annotate(refundDeclNo, values).to_json())


@router.put(
    response_model=Json,
    path="/sandbox/enterprises/{tradeCode}",
    summary="sandbox control: enterprise class, 消费税 certificates",
)
def enterprise(sandbox: Context, tradeCode: TradeCodePath, body: EnterpriseIn) -> Any:  # noqa: N803
    def run() -> dict[str, Any]:
        service_of(sandbox).set_enterprise(tradeCode, klass=body.enterpriseClass,
                                           consumption_certs=body.consumptionCerts)  # fmt: skip
        return {"tradeCode": tradeCode}

    return _call(run)


__all__ = ["PREFIX", "router", "service_of"]
