"""The exchange's HTTP routes (``docs/exchange-protocol.md``): submit DxpMsg envelopes, fetch receipts.

Business problems (schema, signature, duplicates, limits, 三单对碰) come back as receipts, not HTTP errors; HTTP
errors are for what cannot be read. Routes only store and read: they never wait for a simulated customs delay.
"""

from __future__ import annotations

import base64
from typing import Annotated

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from eport.errors import DecodeError
from eport.sandbox.envelope import read_envelope
from eport.sandbox.web import ERRORS, MAX_OFFSET, ApiError, Context, error_responses, read_body, sandbox_context

#: Most receipts one ``GET /api/v1/receipts`` returns.
MAX_RECEIPTS = 1000
#: Media types accepted for a DxpMsg envelope.
XML_TYPES = ("application/xml", "text/xml")
#: Media types accepted for a certificate (PEM or DER).
CERTIFICATE_TYPES = ("application/x-pem-file", "application/pkix-cert", "application/x-x509-ca-cert",
                     "application/octet-stream")  # fmt: skip


class Wire(BaseModel):
    """A JSON document of the exchange API (camelCase on the wire)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True)


class Accepted(Wire):
    """A stored submission (new, or the same bytes again)."""

    cop_msg_id: str
    msg_id: int
    duplicate: bool


class Receipt(Wire):
    """One receipt for the receiver."""

    seq: int
    cop_msg_id: str
    source_cop_msg_id: str
    msg_type: str
    created_at: str = Field(json_schema_extra={"format": "date-time"})
    dxp: str = Field(description="the receipt DxpMsg XML", json_schema_extra={"contentEncoding": "base64"})


class ReceiptPage(Wire):
    """Receipts after a cursor, oldest first; pass ``next`` as ``after`` for the following page."""

    receipts: list[Receipt]
    next: int


class StatusEntry(Wire):
    """One step of a submission's status history."""

    msg_type: str
    status: str
    info: str
    at: str


class SubmissionView(Wire):
    """One stored submission and its status history."""

    cop_msg_id: str
    msg_id: int
    msg_type: str
    state: str
    received_at: str
    statuses: list[StatusEntry]


class Stats(Wire):
    """Counts of the sandbox's state."""

    submissions: int
    receipts: int
    pending_events: int


class Certificate(Wire):
    """A registered signing certificate."""

    fingerprint: str
    label: str


class CertificateList(Wire):
    """The registered signing certificates."""

    certificates: list[Certificate]


class Registered(Wire):
    """A certificate just registered."""

    fingerprint: str


_XML_BODY = {"requestBody": {"required": True, "content": {t: {"schema": {"type": "string"}} for t in XML_TYPES}}}
_CERTIFICATE_BODY = {
    "requestBody": {
        "required": True,
        "content": {t: {"schema": {"type": "string", "format": "binary"}} for t in CERTIFICATE_TYPES},
    }
}


async def _envelope_body(request: Request) -> bytes:
    return await read_body(request, XML_TYPES, sandbox_context(request).config.max_body)


async def _certificate_body(request: Request) -> bytes:
    return await read_body(request, CERTIFICATE_TYPES, 1024 * 1024)


router = APIRouter(tags=["exchange"])


@router.post(
    "/api/v1/dxp",
    summary="Submit one DxpMsg envelope",
    status_code=202,
    response_model=Accepted,
    openapi_extra=_XML_BODY,
    responses={
        200: {"model": Accepted, "description": "already stored with identical bytes (a retry)"},
        202: {"description": "stored and queued"},
        **error_responses(400, 406, 409, 413, 415),
    },
)
def submit(
    sandbox: Context,
    response: Response,
    body: Annotated[bytes, Depends(_envelope_body)],
    idempotency_key: Annotated[
        str | None, Header(alias="Idempotency-Key", description="the envelope's CopMsgId; when given it must match")
    ] = None,
) -> Accepted:
    """Store the envelope and queue it for the simulated customs; retries with identical bytes are answered 200."""
    try:
        if idempotency_key is not None and idempotency_key != read_envelope(body).cop_msg_id:  # before storing
            raise ApiError(400, "idempotency_key_mismatch", "Idempotency-Key must equal the envelope's CopMsgId")
        envelope, outcome = sandbox.engine.accept(body)
    except DecodeError as exc:
        raise ApiError(400, "bad_envelope", str(exc)) from exc
    if outcome.conflict:
        raise ApiError(409, "conflict", f"CopMsgId {envelope.cop_msg_id} was stored with other bytes")
    if not outcome.created:
        response.status_code = 200
    return Accepted(cop_msg_id=envelope.cop_msg_id, msg_id=outcome.msg_id, duplicate=not outcome.created)


@router.get("/api/v1/receipts", summary="Receipts for one receiver after a cursor", responses=ERRORS)
def receipts(
    sandbox: Context,
    dxp_id: Annotated[str, Query(alias="dxpId", min_length=1, description="the receiver's DXP id")],
    after: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="the cursor: receipts with a larger seq")] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_RECEIPTS)] = 100,
) -> ReceiptPage:
    """Receipts addressed to ``dxpId`` after ``after``, oldest first."""
    rows = sandbox.store.receipts_after(dxp_id, after, limit)
    return ReceiptPage(
        receipts=[
            Receipt(
                seq=r.seq,
                cop_msg_id=r.cop_msg_id,
                source_cop_msg_id=r.source_cop_msg_id,
                msg_type=r.msg_type,
                created_at=r.created_at,
                dxp=base64.b64encode(r.dxp).decode("ascii"),
            )
            for r in rows
        ],
        next=rows[-1].seq if rows else after,
    )


@router.get(
    "/api/v1/submissions/{copMsgId}",
    summary="One submission and its status history",
    responses=error_responses(400, 404, 406),
)
def submission(sandbox: Context, cop_msg_id: Annotated[str, Path(alias="copMsgId")]) -> SubmissionView:
    """The stored submission with that CopMsgId."""
    found = sandbox.store.submission(cop_msg_id)
    if found is None:
        raise ApiError(404, "not_found", f"no submission {cop_msg_id}")
    return SubmissionView(
        cop_msg_id=found.cop_msg_id,
        msg_id=found.msg_id,
        msg_type=found.msg_type,
        state=found.state,
        received_at=found.received_at,
        statuses=[StatusEntry.model_validate(s) for s in sandbox.store.statuses(cop_msg_id)],
    )


@router.get("/api/v1/stats", summary="Counts of stored submissions, receipts and pending events (sandbox only)")
def stats(sandbox: Context) -> Stats:
    """Counts of the state."""
    counts = sandbox.store.stats()
    return Stats(submissions=counts["submissions"], receipts=counts["receipts"], pending_events=counts["pendingEvents"])


@router.get("/api/v1/certificates", summary="Registered signing certificates (sandbox only)")
def certificates(sandbox: Context) -> CertificateList:
    """Every registered signing certificate."""
    return CertificateList(
        certificates=[Certificate(fingerprint=f, label=label) for f, label in sandbox.store.certificates()]
    )


@router.post(
    "/api/v1/certificates",
    summary="Register a signing certificate, PEM or DER body (sandbox only)",
    status_code=201,
    openapi_extra=_CERTIFICATE_BODY,
    responses=error_responses(400, 406, 413, 415),
)
def register(sandbox: Context, body: Annotated[bytes, Depends(_certificate_body)]) -> Registered:
    """Register a certificate whose signatures the simulated customs then accepts."""
    try:
        certificate = (
            x509.load_pem_x509_certificate(body)
            if body.lstrip().startswith(b"-----")
            else x509.load_der_x509_certificate(body)
        )
    except ValueError as exc:
        raise ApiError(400, "bad_certificate", "body is not a PEM or DER certificate") from exc
    der = certificate.public_bytes(Encoding.DER)
    return Registered(fingerprint=sandbox.store.add_certificate(der, certificate.subject.rfc4514_string()))


__all__ = ["MAX_RECEIPTS", "router"]
