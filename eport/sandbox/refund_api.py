"""HTTP endpoints of the sandbox refund service (``/api/refund/v1``), as a FastAPI ``APIRouter``.

Errors are JSON ``{"code", "error", "field"?}``: 422 ``invalid`` for a bad field (``field`` names it), 404
``not_found``, 409 ``state`` / ``blocking_doubts``. The sandbox's app factory includes the router once:
``app.include_router(router_for(config))``. Routes under ``/sandbox`` are controls that set tax-side data; the
legacy 报送 routes exist only here (the live E-Port has had no such function since the customs→tax feed).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from eport.errors import FieldError, PortalError
from eport.sandbox.config import SandboxConfig
from eport.sandbox.refund import RefundService
from eport.services.refund.models import Condition

PREFIX = "/api/refund/v1"
T = TypeVar("T")


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


def _error(status: int, code: str, message: str, field: str | None = None) -> JSONResponse:
    body = {"code": code, "error": message}
    if field is not None:
        body["field"] = field
    return JSONResponse(status_code=status, content=body)


def _call(action: Callable[[], T]) -> T | JSONResponse:
    try:
        return action()
    except FieldError as exc:
        return _error(422, "invalid", str(exc), exc.field)
    except PortalError as exc:
        return _error(exc.status or 400, exc.code or "refused", str(exc))


def _date(value: str | None, field: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise FieldError(field, "a date is YYYY-MM-DD") from exc


def refund_router(service: RefundService) -> APIRouter:
    """The refund endpoints over one :class:`~eport.sandbox.refund.RefundService`."""
    router = APIRouter(prefix=PREFIX, tags=["refund (出口退税)"])

    @router.get("/closed-declarations", summary="结关信息查询: closed export declarations")
    def closed(
        tradeCode: str,  # noqa: N803
        entryIdPrefix: str = "",  # noqa: N803
        exportFrom: str | None = None,  # noqa: N803
        exportTo: str | None = None,  # noqa: N803
        customs: str = "",
        offset: int = Query(0, ge=0),
        limit: int = Query(50, ge=1, le=500),
    ) -> Any:
        def run() -> dict[str, Any]:
            total, rows = service.closed_declarations(
                tradeCode, entry_id_prefix=entryIdPrefix, export_from=_date(exportFrom, "exportFrom"),
                export_to=_date(exportTo, "exportTo"), customs=customs, offset=offset, limit=limit,
            )  # fmt: skip
            return {"total": total, "rows": [row.to_json() for row in rows]}

        return _call(run)

    @router.get("/declarations/{entryId}", summary="表头/表体: head and body of a closed declaration")
    def declaration(entryId: str) -> Any:  # noqa: N803
        return _call(lambda: service.declaration(entryId))

    @router.get("/records", summary="refund-copy records (出口退税专用联 electronic data) of an enterprise")
    def records(
        tradeCode: str,  # noqa: N803
        entryId: str = "",  # noqa: N803
        offset: int = Query(0, ge=0),
        limit: int = Query(100, ge=1, le=1000),
    ) -> Any:
        def run() -> dict[str, Any]:
            total, rows = service.records(tradeCode, entry_id=entryId, offset=offset, limit=limit)
            return {"total": total, "rows": [row.to_json() for row in rows]}

        return _call(run)

    @router.get("/records/{refundDeclNo}", summary="the refund-copy record of one 21-character item")
    def record(refundDeclNo: str) -> Any:  # noqa: N803
        return _call(lambda: service.record(refundDeclNo).to_json())

    @router.post("/legacy/query", summary="查询报送 (legacy, sandbox only)")
    def legacy_query(body: LegacyQueryIn) -> Any:
        def run() -> dict[str, Any]:
            conditions = []
            for index, item in enumerate(body.conditions):
                try:
                    op = Condition(item.op)
                except ValueError as exc:
                    raise FieldError(f"conditions[{index}].op", "must be =, like, >= or <=") from exc
                conditions.append((item.attribute, op, item.value))
            total, rows = service.legacy_list(body.tradeCode, conditions, offset=body.offset, limit=body.limit)
            return {"total": total, "rows": rows}

        return _call(run)

    @router.post("/legacy/submit", summary="选择报送 / 全体报送 (legacy, sandbox only)")
    def legacy_submit(body: LegacySubmitIn) -> Any:
        return _call(lambda: {"submitted": service.legacy_submit(body.tradeCode, body.entryIds)})

    @router.post("/batches", status_code=201, summary="store a claim batch (DRAFT)")
    def create_batch(body: BatchIn) -> Any:
        return _call(lambda: service.create_batch(trade_code=body.tradeCode, taxpayer_id=body.taxpayerId,
                                                  period=body.period, batch=body.batch, lines=body.lines,
                                                  explained=body.explained))  # fmt: skip

    @router.get("/batches/{batchId}", summary="a batch (a declared batch is reviewed when read)")
    def batch(batchId: str) -> Any:  # noqa: N803
        return _call(lambda: service.batch(batchId))

    @router.post("/batches/{batchId}/self-check", summary="自检: attach the doubts (疑点)")
    def self_check(batchId: str) -> Any:  # noqa: N803
        return _call(lambda: service.self_check(batchId))

    @router.post("/batches/{batchId}/declare", summary="正式申报 (only without blocking doubts)")
    def declare(batchId: str) -> Any:  # noqa: N803
        return _call(lambda: service.declare(batchId))

    @router.patch("/sandbox/records/{refundDeclNo}", summary="sandbox control: tax-side flags of a record")
    def annotate(refundDeclNo: str, flags: dict[str, Any]) -> Any:  # noqa: N803
        return _call(lambda: service.annotate(refundDeclNo, flags).to_json())

    @router.put("/sandbox/enterprises/{tradeCode}", summary="sandbox control: enterprise class, 消费税 certificates")
    def enterprise(tradeCode: str, body: EnterpriseIn) -> Any:  # noqa: N803
        def run() -> dict[str, Any]:
            service.set_enterprise(tradeCode, klass=body.enterpriseClass, consumption_certs=body.consumptionCerts)
            return {"tradeCode": tradeCode}

        return _call(run)

    return router


def router_for(config: SandboxConfig) -> APIRouter:
    """The refund router of a sandbox: its state in ``<state_dir>/refund.sqlite3``, the feed from the sandbox's."""
    service = RefundService(config.database, config.state_dir / "refund.sqlite3")
    return refund_router(service)


__all__ = ["PREFIX", "refund_router", "router_for"]
