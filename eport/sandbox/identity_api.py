"""The sandbox's 身份认证 (报关人员 binding) and 企业管理 (enterprise records) services.

Routes (JSON, camelCase)::

    GET  /api/v1/identity/declarants/{no}          a 报关人员 record                      (card login needed)
    POST /api/v1/identity/declarants/{no}/bind     bind to the logged-in card            (card login needed)
    POST /api/v1/identity/declarants/{no}/unbind   unbind from the logged-in card        (card login needed)
    POST /api/v1/identity/declarants              file a 报关人员 (the customs side's 备案; sandbox only)
    GET  /api/v1/enterprise/{customsCode}          an enterprise 备案 record              (card login needed)
    POST /api/v1/enterprise                        add an enterprise record (sandbox only)

The binding rule compares the card centre's identity of the logged-in card (name, ID number, enterprise) with the
record; a mismatch answers 409 ``identity_mismatch`` with ``fields`` and changes nothing. Other refusals: 409
``declarant_cancelled``, ``already_bound``, ``not_bound``; 404 ``not_found``; 401 ``session_expired``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from eport.errors import FieldError
from eport.identifiers import (
    CUSTOMS_CODE_PATTERN,
    CUSTOMS_DISTRICT_PATTERN,
    DECLARANT_NO_PATTERN,
    USCC_PATTERN,
    Uscc,
)
from eport.sandbox.identity_store import IdentityStore, RefusedError, seed
from eport.sandbox.login_api import DEMO_ID_NUMBER, LoggedIn
from eport.sandbox.web import ERRORS, ApiError, Context, SandboxContext, WireInt, error_responses
from eport.services.enterprise import AnnualReportStatus, CreditScheme, FilingState, to_current

router = APIRouter(tags=["identity"])
_REFUSALS = {**ERRORS, **error_responses(401, 404, 409)}


class Wire(BaseModel):
    """camelCase JSON."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


DeclarantNo = Annotated[str, Path(pattern=DECLARANT_NO_PATTERN, description="申报人员证号: 1-13 letters or digits")]
CustomsCodePath = Annotated[str, Path(pattern=CUSTOMS_CODE_PATTERN, description="海关编码 (10)")]


class DeclarantFiling(Wire):
    """A 报关人员 to file."""

    declarant_no: str = Field(pattern=DECLARANT_NO_PATTERN)
    name: str = Field(min_length=1, max_length=50)
    id_type: str = Field(default="居民身份证", max_length=20)
    id_number: str = Field(min_length=1, max_length=32)
    enterprise_code: str = Field(pattern=CUSTOMS_CODE_PATTERN)


class AnnualReportBody(Wire):
    """Annual report of a year."""

    year: WireInt = Field(ge=2000, le=2100)
    status: Literal[tuple(s.value for s in AnnualReportStatus)]  # type: ignore[valid-type]


class EnterpriseBody(Wire):
    """An enterprise 备案 record. ``uscc`` must also carry its GB 32100 check character, and ``credit_level`` must
    be a level of ``credit_scheme`` (neither can be said by a schema: 400 ``bad_parameter`` names the field)."""

    customs_code: str = Field(pattern=CUSTOMS_CODE_PATTERN)
    uscc: str = Field(pattern=USCC_PATTERN)
    name: str = Field(min_length=1, max_length=100)
    registered_customs: str = Field(pattern=CUSTOMS_DISTRICT_PATTERN)
    filing_state: Literal[tuple(s.value for s in FilingState)] = "APPROVED"  # type: ignore[valid-type]
    credit_level: str = Field("CONVENTIONAL", min_length=1, max_length=32)
    credit_scheme: Literal[tuple(s.name for s in CreditScheme)] = "DECREE_282"  # type: ignore[valid-type]
    annual_report: AnnualReportBody | None = None
    address: str = Field("", max_length=200)


def identity_store(sandbox: SandboxContext) -> IdentityStore:
    """The records of a running sandbox (seeded with the demo enterprise and 报关人员)."""

    def build() -> IdentityStore:
        from eport.card import demo

        store = IdentityStore(sandbox.data_dir / "identity.sqlite3")
        holder = demo.holder()
        seed(
            store,
            holder_name=holder.holder_name,
            id_number=DEMO_ID_NUMBER,
            enterprise_code=holder.enterprise_code,
            enterprise_name=holder.enterprise_name,
        )
        return store

    return sandbox.service("identity", build)


def _refused(exc: RefusedError) -> JSONResponse:
    body: dict[str, Any] = {"error": str(exc), "code": exc.code}
    if exc.fields:
        body["fields"] = list(exc.fields)
    return JSONResponse(body, status_code=409)


@router.get("/api/v1/identity/declarants/{declarant_no}", responses=_REFUSALS, summary="A 报关人员 record")
def get_declarant(declarant_no: DeclarantNo, sandbox: Context, session: LoggedIn) -> Any:
    """The record and its binding."""
    record = identity_store(sandbox).declarant(declarant_no)
    if record is None:
        raise ApiError(404, "not_found", f"no 报关人员 {declarant_no}")
    return record


@router.post("/api/v1/identity/declarants/{declarant_no}/bind", responses=_REFUSALS, summary="Bind to the card")
def bind(declarant_no: DeclarantNo, sandbox: Context, session: LoggedIn) -> Any:
    """Bind the 报关人员 to the logged-in card when card identity and enterprise match the record."""
    try:
        return identity_store(sandbox).bind(declarant_no, session.card)
    except LookupError:
        raise ApiError(404, "not_found", f"no 报关人员 {declarant_no}") from None
    except RefusedError as exc:
        return _refused(exc)


@router.post("/api/v1/identity/declarants/{declarant_no}/unbind", responses=_REFUSALS, summary="Unbind")
def unbind(declarant_no: DeclarantNo, sandbox: Context, session: LoggedIn) -> Any:
    """Unbind the 报关人员 from the logged-in card."""
    try:
        return identity_store(sandbox).unbind(declarant_no, session.card)
    except LookupError:
        raise ApiError(404, "not_found", f"no 报关人员 {declarant_no}") from None
    except RefusedError as exc:
        return _refused(exc)


@router.post(
    "/api/v1/identity/declarants",
    status_code=201,
    responses={**ERRORS, **error_responses(409)},
    summary="File a 报关人员 (sandbox)",
)
def file_declarant(body: DeclarantFiling, sandbox: Context) -> Any:
    """The customs side's 报关人员备案."""
    record = body.model_dump(by_alias=True)
    if not identity_store(sandbox).add_declarant(record):
        raise ApiError(409, "conflict", f"报关人员 {body.declarant_no} is already filed")
    return identity_store(sandbox).declarant(body.declarant_no)


@router.get("/api/v1/enterprise/{customs_code}", responses=_REFUSALS, summary="An enterprise record")
def get_enterprise(customs_code: CustomsCodePath, sandbox: Context, session: LoggedIn) -> Any:
    """The enterprise's 备案 record, credit level and annual report."""
    record = identity_store(sandbox).enterprise(customs_code)
    if record is None:
        raise ApiError(404, "not_found", f"no enterprise {customs_code}")
    return record


@router.post(
    "/api/v1/enterprise",
    status_code=201,
    responses={**ERRORS, **error_responses(409)},
    summary="Add an enterprise record (sandbox)",
)
def add_enterprise(body: EnterpriseBody, sandbox: Context) -> Any:
    """The customs side's enterprise 备案."""
    try:
        Uscc.parse(body.uscc, field="uscc")
        to_current(body.credit_level, CreditScheme[body.credit_scheme])
    except FieldError as exc:
        field = exc.field if exc.field == "uscc" else "creditLevel"
        raise ApiError(400, "bad_parameter", f"enterprise record: {exc}", field=field, reason=exc.reason) from None
    record = body.model_dump(by_alias=True)
    if not identity_store(sandbox).add_enterprise(record):
        raise ApiError(409, "conflict", f"enterprise {body.customs_code} already exists")
    return identity_store(sandbox).enterprise(body.customs_code)


__all__ = ["identity_store", "router"]
