"""The sandbox's fake CAS: card login by challenge–response, tickets, session cookies, lock after N wrong PINs.

Routes (shapes of ``REFUND_AND_VERIFICATION.md`` §4.1; JSON instead of the HTML page)::

    GET  /cas/login?service=URL         challenge {random, lt, execution, serverDate, swLoginFlag, lpid}
    POST /cas/login?service=URL         form icCard, certNo, signData, random, serverDate, userPin, lt, execution
                                        → 302 URL?ticket=ST-… + cookie TGC;  refusals: JSON {error, code, …}
    GET  /deskserver/j_spring_cas_security_check?ticket=ST-…   → cookie JSESSIONID (the service session)
    GET  /deskserver/sw/allVersion      {allPavaVersion, cardId, holderName, enterpriseCode, expiresAt}
                                        or 302 to /cas/login once the session ended
    POST /cas/logout                    ends both sessions

Refusal codes: ``challenge_invalid`` (401), ``card_not_bound`` / ``cert_not_bound`` (403), ``blacklisted`` (403,
``loginStatus`` 4), ``locked`` (423), ``cert_expired`` (403, ``loginStatus`` 5), ``bad_signature`` (401),
``pin_wrong`` (401, ``triesLeft``). A locked or blacklisted card changes nothing: no counter, no session.

Card-centre routes (the sandbox's stand-in for 制卡/解锁 at the data centre)::

    POST /api/v1/login/cards             register a card {cardId, certificates[base64 DER], pin, holderName, idNumber,
                                         enterpriseCode, enterpriseName, blacklisted}
    GET  /api/v1/login/cards/{cardId}    its state {failures, locked, triesLeft, …} (never the PIN)
    POST /api/v1/login/cards/{cardId}/unlock   counter cleared, PIN back to 88888888

The demo operator card is registered at start with the demo PIN. The signature check uses eport's default
challenge encoding, which is an unverified assumption (``docs/login.md``).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import logging
from typing import Annotated
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse
from pydantic import BaseModel, ConfigDict, Field, StrictBool
from pydantic.alias_generators import to_camel

from eport.errors import EportError
from eport.pki.certs import certificate_from_der
from eport.pki.signer import SignatureAlgorithm
from eport.sandbox.login_store import CardRecord, LoginStore, SessionRecord
from eport.sandbox.web import ERRORS, ApiError, Context, SandboxContext, error_responses, read_body
from eport.services.session_challenge import RandomTextEncoding, verify_challenge

logger = logging.getLogger(__name__)

#: The demo card holder's (synthetic) resident ID number, known to the sandbox's card centre.
DEMO_ID_NUMBER = "110101199003070011"
#: Cookie names (as the real CAS and services use them).
TGC_COOKIE = "TGC"
SESSION_COOKIE = "JSESSIONID"

router = APIRouter(tags=["login"])


def login_store(sandbox: SandboxContext) -> LoginStore:
    """The fake CAS's state of a running sandbox (built on first use, demo card registered)."""

    def build() -> LoginStore:
        from eport.card import demo
        from eport.card.emulator import DEMO_PIN

        store = LoginStore(
            sandbox.data_dir / "login.sqlite3",
            max_failures=sandbox.config.login_max_failures,
            session_ttl=sandbox.config.login_session_ttl,
        )
        holder = demo.holder()
        certificates = {
            certificate_from_der(der).cert_no: der
            for der in (demo.signing_certificate_der(), demo.sm2_signing_certificate_der())
        }
        store.register(
            card_id=holder.card_id,
            certificates=certificates,
            pin=DEMO_PIN,
            holder_name=holder.holder_name,
            id_number=DEMO_ID_NUMBER,
            enterprise_code=holder.enterprise_code,
            enterprise_name=holder.enterprise_name,
        )
        return store

    return sandbox.service("login", build)


def current_session(request: Request, sandbox: Context) -> SessionRecord:
    """Dependency of the portal services: the live service session of the ``JSESSIONID`` cookie.

    Raises:
        ApiError: 401 ``session_expired`` without a live session (the client raises SessionExpiredError).
    """
    record = login_store(sandbox).session(request.cookies.get(SESSION_COOKIE))
    if record is None:
        raise ApiError(401, "session_expired", "no live session: log in with the card (/cas/login)")
    return record


#: Annotate a route parameter with this to require a logged-in card.
LoggedIn = Annotated[SessionRecord, Depends(current_session)]


class ChallengePage(BaseModel):
    """The login page's hidden inputs."""

    model_config = ConfigDict(populate_by_name=True)

    random: str
    lt: str
    execution: str
    server_date: str = Field(alias="serverDate")
    sw_login_flag: str = Field(default="swCard", alias="swLoginFlag")
    lpid: str = "P1"


class SessionStatus(BaseModel):
    """The session check's answer."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    all_pava_version: str
    card_id: str
    holder_name: str
    enterprise_code: str
    expires_at: str


class CardRegistration(BaseModel):
    """A card for the card centre to register (the PIN is hashed at once and never stored)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    card_id: str = Field(min_length=1, max_length=32)
    certificates: list[Annotated[str, Field(pattern="^[A-Za-z0-9+/]+={0,2}$")]] = Field(
        min_length=1, max_length=16, description="base64 DER signing certificates"
    )
    pin: str = Field(min_length=6, max_length=16, repr=False)
    holder_name: str = Field(min_length=1, max_length=50)
    id_number: str = Field(min_length=1, max_length=32, repr=False)
    enterprise_code: str = Field(min_length=1, max_length=10)
    enterprise_name: str = Field(min_length=1, max_length=100)
    blacklisted: StrictBool = False
    replace: StrictBool = False


class CardState(BaseModel):
    """A registered card's state at the card centre (never its PIN)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    card_id: str
    holder_name: str
    enterprise_code: str
    failures: int
    tries_left: int
    locked: bool
    blacklisted: bool


def _refuse(status: int, code: str, message: str, **extra: object) -> JSONResponse:
    return JSONResponse({"error": message, "code": code, **extra}, status_code=status)


SERVICE_PATTERN = "^https?://[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?:[/?#][!-~]*)?$"
"""The ``service`` parameter: an absolute http(s) URL with a host name or address, printable ASCII (the ticket
redirect target)."""

Service = Annotated[str | None, Query(pattern=SERVICE_PATTERN, description="the service URL to return to (ticket)")]


def _service_url(service: str | None, request: Request) -> str:
    if service is None:
        return str(request.url_for("service_ticket"))
    reason = "an absolute http(s) URL with a host"
    try:
        parts = urlsplit(service)
    except ValueError:
        raise ApiError(400, "bad_parameter", f"service: {reason}", field="service", reason=reason) from None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ApiError(400, "bad_parameter", f"service: {reason}", field="service", reason=reason)
    return service


def _with_ticket(service: str, ticket: str) -> str:
    parts = urlsplit(service)
    query = (parts.query + "&" if parts.query else "") + urlencode({"ticket": ticket})
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def _encoding(challenge_hash: str) -> RandomTextEncoding:
    """eport's assumed challenge encoding with the configured RSA hash (``--login-challenge-hash``)."""
    rsa = SignatureAlgorithm.RSA_SHA256 if challenge_hash == "sha256" else SignatureAlgorithm.RSA_SHA1
    return RandomTextEncoding(rsa_algorithm=rsa)


@router.get("/cas/login", responses=ERRORS, summary="Login page: a fresh challenge")
def login_page(sandbox: Context, service: Service = None) -> ChallengePage:
    """Issue a challenge (``random``, ``lt``, ``execution``, ``serverDate``)."""
    values = login_store(sandbox).new_challenge()
    return ChallengePage.model_validate(values)


_LOGIN_FORM = {
    "requestBody": {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "properties": {
                        name: {"type": "string", "minLength": 1, "maxLength": 4096}
                        for name in ("icCard", "certNo", "signData", "random", "lt", "userPin")
                    }
                    | {name: {"type": "string", "maxLength": 4096} for name in ("serverDate", "execution")},
                    "required": ["icCard", "certNo", "signData", "random", "lt", "userPin"],
                }
            }
        },
    }
}


@router.post(
    "/cas/login",
    status_code=302,
    responses={**ERRORS, **error_responses(401, 403, 413, 415, 423)},
    summary="Card login (form post)",
    openapi_extra=_LOGIN_FORM,
)
async def login_submit(request: Request, sandbox: Context, service: Service = None) -> Response:
    """Check the challenge, the card, its certificate, the signature and the PIN; answer the ticket redirect."""
    body = await read_body(request, ("application/x-www-form-urlencoded",), 64 * 1024)
    form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items()}
    del body
    target = _service_url(service, request)
    store = login_store(sandbox)
    missing = [name for name in ("icCard", "certNo", "signData", "random", "lt", "userPin") if not form.get(name)]
    if missing:
        return _refuse(400, "bad_parameter", f"missing form fields: {', '.join(missing)}")
    if not store.take_challenge(form["random"], form["lt"], form.get("execution", "")):
        return _refuse(401, "challenge_invalid", "the challenge is unknown, used or expired: load the login page again")
    card = store.card(form["icCard"])
    if card is None:
        return _refuse(403, "card_not_bound", "the IC card is not registered with any account (卡未注册)")
    refusal = _card_refusal(card, store)
    if refusal is not None:
        return refusal
    certificate = store.certificate(card.card_id, form["certNo"])
    if certificate is None:
        return _refuse(403, "cert_not_bound", "the certificate does not belong to this IC card")
    if certificate_from_der(certificate).not_after <= dt.datetime.now(dt.timezone.utc):
        return _refuse(403, "cert_expired", "the certificate has expired: 证书延期", loginStatus="5")
    try:
        verify_challenge(certificate, form["random"], form["signData"], _encoding(sandbox.config.login_challenge_hash))
    except EportError:
        return _refuse(401, "bad_signature", "signData does not verify against the card's certificate")
    outcome, tries = store.check_pin(card.card_id, form["userPin"])
    form.clear()
    if outcome == "locked":
        logger.info("card %s locked after %d wrong PINs", card.card_id, store.max_failures)
        return _refuse(423, "locked", "the card is locked after too many wrong PINs (卡已锁定)", triesLeft=0)
    if outcome != "ok":
        return _refuse(401, "pin_wrong", f"wrong PIN (口令错误), {tries} tries left", triesLeft=tries)
    ticket = store.new_ticket(card.card_id, target)
    tgc, _ = store.new_session(card.card_id, "tgc")
    logger.info("card %s logged in", card.card_id)
    response = RedirectResponse(_with_ticket(target, ticket), status_code=302)
    response.set_cookie(TGC_COOKIE, tgc, httponly=True, samesite="lax", path="/cas")
    return response


def _card_refusal(card: CardRecord, store: LoginStore) -> JSONResponse | None:
    if card.blacklisted:
        return _refuse(403, "blacklisted", "the card is on the blacklist (黑名单)", loginStatus="4")
    if card.locked:
        return _refuse(423, "locked", "the card is locked after too many wrong PINs (卡已锁定)", triesLeft=0)
    return None


@router.get(
    "/deskserver/j_spring_cas_security_check",
    name="service_ticket",
    responses={**ERRORS, **error_responses(401)},
    summary="Redeem a service ticket",
)
def service_ticket(sandbox: Context, ticket: Annotated[str, Query(min_length=1)]) -> JSONResponse:
    """Trade a one-time ticket for the service session cookie ``JSESSIONID``."""
    store = login_store(sandbox)
    card_id = store.redeem_ticket(ticket)
    if card_id is None:
        raise ApiError(401, "ticket_invalid", "the service ticket is unknown, used or expired")
    token, expires = store.new_session(card_id, "service")
    response = JSONResponse({"status": "ok", "expiresAt": _iso(expires)})
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax", path="/")
    return response


@router.get("/deskserver/sw/allVersion", responses={**ERRORS, 302: {}}, summary="Session check")
def all_version(request: Request, sandbox: Context) -> Response:
    """The session's card and expiry, or a redirect to the login page once it ended."""
    record = login_store(sandbox).session(request.cookies.get(SESSION_COOKIE))
    if record is None:
        return RedirectResponse("/cas/login?" + urlencode({"service": str(request.url)}), status_code=302)
    status = SessionStatus(
        all_pava_version="sandbox",
        card_id=record.card.card_id,
        holder_name=record.card.holder_name,
        enterprise_code=record.card.enterprise_code,
        expires_at=_iso(record.expires),
    )
    return JSONResponse(status.model_dump(by_alias=True))


@router.post("/cas/logout", responses=ERRORS, summary="Log out")
def logout(request: Request, sandbox: Context) -> JSONResponse:
    """End the TGC and service sessions of the request's cookies."""
    store = login_store(sandbox)
    for name in (TGC_COOKIE, SESSION_COOKIE):
        token = request.cookies.get(name)
        if token:
            store.end_session(token)
    response = JSONResponse({"status": "logged out"})
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(TGC_COOKIE, path="/cas")
    return response


def _iso(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.timezone.utc).isoformat()


# ----------------------------------------------------------------------------------------------- card centre
def _state(card: CardRecord, store: LoginStore) -> CardState:
    return CardState(
        card_id=card.card_id,
        holder_name=card.holder_name,
        enterprise_code=card.enterprise_code,
        failures=card.failures,
        tries_left=0 if card.locked else max(store.max_failures - card.failures, 0),
        locked=card.locked,
        blacklisted=card.blacklisted,
    )


@router.post(
    "/api/v1/login/cards",
    status_code=201,
    responses={**ERRORS, **error_responses(409)},
    tags=["card centre"],
    summary="Register a card",
)
def register_card(registration: CardRegistration, sandbox: Context) -> CardState:
    """Register a card and its certificates (its identity is what the 报关人员 binding compares)."""
    certificates: dict[str, bytes] = {}
    for index, text in enumerate(registration.certificates):
        try:
            der = base64.b64decode(text, validate=True)
            certificates[certificate_from_der(der).cert_no] = der
        except (binascii.Error, ValueError, EportError):
            raise ApiError(400, "bad_parameter", f"certificates[{index}]: not a base64 DER certificate") from None
    store = login_store(sandbox)
    created = store.register(
        card_id=registration.card_id,
        certificates=certificates,
        pin=registration.pin,
        holder_name=registration.holder_name,
        id_number=registration.id_number,
        enterprise_code=registration.enterprise_code,
        enterprise_name=registration.enterprise_name,
        blacklisted=registration.blacklisted,
        replace=registration.replace,
    )
    if not created:
        raise ApiError(409, "conflict", f"card {registration.card_id} is already registered")
    card = store.card(registration.card_id)
    assert card is not None  # noqa: S101 - just written
    return _state(card, store)


@router.get(
    "/api/v1/login/cards/{card_id}",
    responses={**ERRORS, **error_responses(404)},
    tags=["card centre"],
    summary="A card's state",
)
def card_state(card_id: str, sandbox: Context) -> CardState:
    """Failures, tries left, locked, blacklisted."""
    store = login_store(sandbox)
    card = store.card(card_id)
    if card is None:
        raise ApiError(404, "not_found", f"no card {card_id}")
    return _state(card, store)


@router.post(
    "/api/v1/login/cards/{card_id}/unlock",
    responses={**ERRORS, **error_responses(404)},
    tags=["card centre"],
    summary="Unlock a card (PIN back to 88888888)",
)
def unlock_card(card_id: str, sandbox: Context) -> CardState:
    """The card centre's unlock: the counter is cleared and the PIN goes back to the factory default."""
    store = login_store(sandbox)
    if not store.unlock(card_id):
        raise ApiError(404, "not_found", f"no card {card_id}")
    card = store.card(card_id)
    assert card is not None  # noqa: S101 - just written
    return _state(card, store)


__all__ = ["DEMO_ID_NUMBER", "SESSION_COOKIE", "TGC_COOKIE", "LoggedIn", "current_session", "login_store", "router"]
