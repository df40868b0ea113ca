"""Card login to the E-Port / Single Window portal (CAS challenge–response) and the portal session it opens.

The flow (``REFUND_AND_VERIFICATION.md`` §4.1)::

    GET  /cas/login?service=…            → challenge: random, lt, execution, serverDate
    (card) verify the PIN once, sign random         (eport never retries a PIN)
    POST /cas/login?service=…  icCard, certNo, signData, random, serverDate, userPin, lt, execution, _eventId
                                         → 302 service?ticket=ST-…  (+ TGC cookie)
    GET  service?ticket=ST-…             → JSESSIONID cookie (the service session)
    GET  /deskserver/sw/allVersion       → JSON while logged in; a redirect to /cas/login once expired

Any eport Signer signs the challenge: the operator card or the local signing service (their PIN is verified on the
card first, once), a PKCS#11 token or an in-memory key (then the PIN goes only to the login service). The
challenge's signature encoding is **unverified** and pluggable (:mod:`eport.services.session_challenge`).

**The PIN leaves the machine**: the official login page posts it as ``userPin`` (plain, or SM-encrypted when the
page offers ``user_sm_dt``), and so does this client. It is never logged, stored, put in an exception or a repr.

Example (against the local sandbox, with the emulated card)::

    from eport.card.emulator import DEMO_PIN, InProcessTransport, demo_card
    from eport.card.operator import OperatorCard
    from eport.services.portal import PortalSession
    from eport.services.session import CardLogin

    with PortalSession(sandbox_url) as portal:
        card = OperatorCard(InProcessTransport(demo_card()))
        session = CardLogin(portal).login(card, DEMO_PIN)
        session.check()            # raises SessionExpiredError once the session ended
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from typing import Any, Protocol, runtime_checkable
from urllib.parse import urlencode

import attrs

from eport.card.base import OperatorCardBackend
from eport.card.signer import CardSigner
from eport.errors import (
    CardNotBoundError,
    ChallengeError,
    ConfigurationError,
    EportError,
    LoginCertificateError,
    LoginError,
    LoginLockedError,
    LoginPinError,
    ProtocolError,
)
from eport.pki.certs import certificate_from_der
from eport.pki.signer import Signer
from eport.services.portal import PortalResponse, PortalSession
from eport.services.session_challenge import (
    DEFAULT_ENCODING,
    Challenge,
    ChallengeEncoding,
    parse_login_page,
    sign_challenge,
)

logger = logging.getLogger(__name__)

#: The CAS login path.
LOGIN_PATH = "/cas/login"
#: The default service to log in to (the Single Window desk).
DEFAULT_SERVICE_PATH = "/deskserver/j_spring_cas_security_check"
#: The session check: JSON while logged in, a redirect to the login page once expired.
CHECK_PATH = "/deskserver/sw/allVersion"
#: Days before certificate expiry from which the login page warns.
EXPIRY_WARNING_DAYS = 30


@attrs.frozen(kw_only=True)
class SessionInfo:
    """Who is logged in, and until when.

    Attributes:
        card_id: the card (IC 卡号).
        certificate_number: the signing certificate's number.
        holder_name: the card holder.
        enterprise_code: the enterprise on the card (海关注册编码).
        expires_at: when the service session ends (UTC), when the portal says.
        certificate_expires_at: the signing certificate's end of validity.
    """

    card_id: str
    certificate_number: str
    holder_name: str = ""
    enterprise_code: str = ""
    expires_at: dt.datetime | None = None
    certificate_expires_at: dt.datetime | None = None

    def remaining(self, now: dt.datetime | None = None) -> dt.timedelta | None:
        """Time left in the session, ``None`` when unknown (never negative)."""
        if self.expires_at is None:
            return None
        left = self.expires_at - (now or dt.datetime.now(dt.timezone.utc))
        return max(left, dt.timedelta(0))


class PortalLoginSession:
    """A logged-in portal session: the :class:`PortalSession` (holding the cookies) plus who and until when.

    Services built on the portal (verification, identity, enterprise) take it, or its :attr:`portal`.
    """

    def __init__(self, portal: PortalSession, info: SessionInfo, *, check_path: str = CHECK_PATH) -> None:
        self.portal = portal
        self.info = info
        self._check_path = check_path

    def __repr__(self) -> str:
        return f"PortalLoginSession(card_id={self.info.card_id!r}, expires_at={self.info.expires_at!r})"

    def expired(self, now: dt.datetime | None = None) -> bool:
        """Whether the session's known expiry has passed (the portal may end it earlier: see :meth:`check`)."""
        left = self.info.remaining(now)
        return left is not None and left <= dt.timedelta(0)

    def check(self) -> SessionInfo:
        """Ask the portal whether the session is alive, and refresh :attr:`info`'s expiry.

        Raises:
            eport.errors.SessionExpiredError: the session ended (redirect to the login page, or 401).
            eport.errors.ProtocolError: the answer is no session check (not JSON, no ``allPavaVersion``, an
                ``expiresAt`` that is no ISO 8601 time).
        """
        data = self.portal.get_json(self._check_path)
        if not isinstance(data, dict) or "allPavaVersion" not in data:
            raise ProtocolError("the session check did not answer the expected JSON")
        expires_at = _expiry(data)
        if expires_at is not None:
            self.info = attrs.evolve(self.info, expires_at=expires_at)
        return self.info

    def logout(self) -> None:
        """End the session at the portal and drop the cookies."""
        try:
            self.portal.request("POST", "/cas/logout", idempotent=True, check=False)
        finally:
            self.portal.cookies.clear()


def _text(data: Mapping[str, Any], name: str) -> str:
    """A text member of the session check, ``""`` when absent or null.

    Raises:
        eport.errors.ProtocolError: the member is no text (a number, a list): ``str()`` would show text the portal
            never sent.
    """
    value = data.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ProtocolError(f"the session check's {name} is {type(value).__name__}, not text")
    return value


def _expiry(data: Mapping[str, Any]) -> dt.datetime | None:
    """The session check's ``expiresAt`` (UTC when it names no zone); ``None`` when it is absent, null or empty.

    Raises:
        eport.errors.ProtocolError: ``expiresAt`` is no ISO 8601 time (a number, a list, text).
    """
    value = data.get("expiresAt")
    if value is None or value == "":
        return None
    try:
        if not isinstance(value, str):
            raise ValueError(type(value).__name__)
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        raise ProtocolError(f"the session check's expiresAt {value!r:.40} is no ISO 8601 time") from None
    return when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)


#: Login refusal codes → error classes (the sandbox's codes; a real CAS answers a page with ``#status``).
LOGIN_ERRORS: Mapping[str, type[LoginError]] = {
    "locked": LoginLockedError,
    "card_not_bound": CardNotBoundError,
    "cert_not_bound": CardNotBoundError,
    "blacklisted": LoginError,
    "cert_expired": LoginCertificateError,
    "challenge_invalid": ChallengeError,
    "bad_signature": ChallengeError,
}


def login_error(response: PortalResponse) -> LoginError:
    """The typed error of a refused login answer (JSON ``{"error", "code", "triesLeft", "loginStatus"}``)."""
    try:
        body: Any = response.json()
    except ProtocolError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    code = str(body.get("code") or "login_refused")
    message = f"login refused: {body.get('error') or f'HTTP {response.status}'}"
    if code == "pin_wrong":
        tries = body.get("triesLeft")
        return LoginPinError(message, tries_left=tries if isinstance(tries, int) else None, status=response.status)
    cls = LOGIN_ERRORS.get(code, LoginError)
    status_code = body.get("loginStatus")
    return cls(
        message, status=response.status, code=code, login_status=None if status_code is None else str(status_code)
    )


@runtime_checkable
class RandomSigner(Protocol):
    """A backend that signs the login challenge itself, in the portal's encoding (the local signing service's
    ``security_SpcSignRandom``): with it no encoding has to be assumed."""

    def sign_random(self, random: str, pin: str) -> str:
        """Verify the PIN once and return ``signData`` for ``random``."""
        ...


@attrs.frozen
class _Credential:
    """What signs the challenge and who it says the card is."""

    signer: Signer
    card_id: str
    backend: OperatorCardBackend | None


class CardLogin:
    """Log in with an operator card (or any eport Signer) through the portal's CAS.

    Args:
        portal: the session with the portal (keeps the cookies).
        service: the service URL or path to log in to.
        encoding: how the challenge is signed (unverified; :data:`~eport.services.session_challenge.DEFAULT_ENCODING`).
        login_path: the CAS login path.
        check_path: the session-check path.
        clock: the current time (tests pass a fixed one).
        service_signs_random: let a backend that can (the local signing service) sign the challenge itself with
            ``security_SpcSignRandom``, in the portal's own encoding, instead of ``encoding``.
    """

    def __init__(
        self,
        portal: PortalSession,
        *,
        service: str = DEFAULT_SERVICE_PATH,
        encoding: ChallengeEncoding = DEFAULT_ENCODING,
        login_path: str = LOGIN_PATH,
        check_path: str = CHECK_PATH,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.timezone.utc),
        service_signs_random: bool = True,
    ) -> None:
        self.portal = portal
        self.service = portal.url(service)
        self.encoding = encoding
        self.login_path = login_path
        self.check_path = check_path
        self._clock = clock
        self.service_signs_random = service_signs_random

    def __repr__(self) -> str:
        return f"CardLogin({self.portal.base_url!r}, encoding={self.encoding.name!r})"

    def _login_url(self) -> str:
        return f"{self.login_path}?{urlencode({'service': self.service})}"

    def challenge(self) -> Challenge:
        """Fetch a fresh challenge from the login page (an idempotent GET, retried on transport failures).

        Raises:
            eport.errors.PortalError, eport.errors.ProtocolError: no login page or no challenge on it.
        """
        response = self.portal.request("GET", self._login_url())
        return parse_login_page(response.body, response.headers.get("content-type", ""))

    def login(
        self, card: OperatorCardBackend | Signer, pin: str, *, card_id: str | None = None, allow_last_try: bool = False
    ) -> PortalLoginSession:
        """Log in: check the certificate, fetch a challenge, verify the PIN on the card once, sign, post, follow the
        ticket to the service, and check the session.

        Args:
            card: an operator-card backend (:class:`~eport.card.operator.OperatorCard`,
                :class:`~eport.card.localservice.LocalServiceCard`) or any :class:`~eport.pki.signer.Signer`.
            pin: the card PIN (sent once to the card and once to the login service, as the official page does).
            card_id: the IC card number when ``card`` is a plain Signer (a card backend reads its own).
            allow_last_try: consent to spend the card's last PIN try.

        Raises:
            eport.errors.LoginCertificateError: the certificate has expired (checked before any PIN is used).
            eport.errors.PinError, eport.errors.PinLockedError, eport.errors.PinPolicyError: the card refused the
                PIN (nothing was sent to the portal).
            eport.errors.LoginPinError: the login service refused the PIN (``tries_left``).
            eport.errors.LoginLockedError: the card is locked at the login service.
            eport.errors.CardNotBoundError: the card or certificate is not registered with an account.
            eport.errors.ChallengeError: challenge used/expired, or the signature does not verify.
            eport.errors.LoginError: any other refusal (``login_status`` 4 = blacklist …).
            eport.errors.ProtocolError: a malformed answer (no redirect, no ticket, a session check whose
                ``expiresAt`` is no time or whose holder or enterprise is no text); after the ticket was used, the
                new session is logged out first.
        """
        credential = self._credential(card, card_id)
        certificate = certificate_from_der(credential.signer.certificate_der)
        now = self._clock()
        if certificate.not_after <= now:
            raise LoginCertificateError(
                f"the card's certificate expired on {certificate.not_after:%Y-%m-%d}: renew it (证书延期) at the card "
                "centre; no PIN was used",
                code="cert_expired",
            )
        challenge = self.challenge()
        backend = credential.backend
        if backend is not None and self.service_signs_random and isinstance(backend, RandomSigner):
            sign_data = backend.sign_random(challenge.random, pin)  # the service verifies the PIN, once
        else:
            if backend is not None:
                backend.verify_pin(pin, allow_last_try=allow_last_try)  # once; errors propagate as they are
            sign_data = sign_challenge(credential.signer, challenge.random, self.encoding)
        form = {
            **dict(challenge.extra),
            "icCard": credential.card_id,
            "certNo": certificate.cert_no,
            "signData": sign_data,
            "random": challenge.random,
            "serverDate": challenge.server_date,
            "userPin": pin,
            "lt": challenge.lt,
            "execution": challenge.execution,
            "_eventId": "submit",
        }
        response = self.portal.request("POST", self._login_url(), data=form, check=False)
        del form
        if response.status not in (301, 302, 303):
            if 200 <= response.status < 300:
                raise ProtocolError("the login service answered without redirecting to the service")
            raise login_error(response)
        ticket_url = response.location or ""
        if "ticket=" not in ticket_url:
            raise ProtocolError("the login redirect carries no service ticket")
        self.portal.request("GET", ticket_url)
        logger.info("logged in with card %s", credential.card_id)
        session = PortalLoginSession(
            self.portal,
            SessionInfo(
                card_id=credential.card_id,
                certificate_number=certificate.cert_no,
                certificate_expires_at=certificate.not_after,
            ),
            check_path=self.check_path,
        )
        try:
            data = self.portal.get_json(self.check_path)
            if isinstance(data, dict):
                session.info = attrs.evolve(
                    session.info,
                    holder_name=_text(data, "holderName"),
                    enterprise_code=_text(data, "enterpriseCode"),
                    expires_at=_expiry(data),
                )
        except EportError:
            session.logout()  # the caller gets no session to end: never leave it open at the portal
            raise
        return session

    @staticmethod
    def _credential(card: OperatorCardBackend | Signer, card_id: str | None) -> _Credential:
        if isinstance(card, OperatorCardBackend):
            return _Credential(CardSigner(card), card_id or card.card_id(), card)
        if isinstance(card, Signer):
            if not card_id:
                raise ConfigurationError("card_id is required when logging in with a plain Signer")
            return _Credential(card, card_id, None)
        raise ConfigurationError("card must be an operator-card backend or an eport Signer")


# ------------------------------------------------------------------------------------------------ PIN services
def change_pin(card: OperatorCardBackend, old_pin: str, new_pin: str, *, allow_last_try: bool = False) -> None:
    """Change the card PIN (修改口令) through the card or the local signing service; sent once, never retried.

    Raises:
        eport.errors.PinPolicyError: malformed PIN, the factory default as the new PIN, or the last try without
            consent.
        eport.errors.PinError, eport.errors.PinLockedError: the card refused the old PIN.
    """
    card.change_pin(old_pin, new_pin, allow_last_try=allow_last_try)


@runtime_checkable
class PinUnlocker(Protocol):
    """A card backend that can unblock its PIN with the unlock code (the operator card, the local service)."""

    def unlock_pin(self, unlock_code: str, new_pin: str) -> None:
        """Unblock the PIN and set ``new_pin``, sending the code once."""
        ...


def unlock_pin(card: object, unlock_code: str, new_pin: str) -> None:
    """Unlock a blocked PIN with the card's unlock code (解锁码) and set a new PIN; sent once, never retried.

    Works with a backend that offers ``unlock_pin(unlock_code, new_pin)`` (the operator card: RESET RETRY COUNTER;
    the local signing service: ``ra_unlockPasswd``). Without an unlock code, the card centre unlocks the card and
    the PIN goes back to the factory default 88888888.

    Raises:
        eport.errors.ConfigurationError: the backend cannot unlock.
        eport.errors.PinError: the unlock code is wrong.
    """
    if not isinstance(card, PinUnlocker):
        raise ConfigurationError(f"{type(card).__name__} cannot unlock a PIN; the card centre can")
    card.unlock_pin(unlock_code, new_pin)


__all__ = [
    "CHECK_PATH",
    "DEFAULT_SERVICE_PATH",
    "EXPIRY_WARNING_DAYS",
    "LOGIN_ERRORS",
    "LOGIN_PATH",
    "CardLogin",
    "PinUnlocker",
    "PortalLoginSession",
    "RandomSigner",
    "SessionInfo",
    "change_pin",
    "login_error",
    "unlock_pin",
]
