"""``diagnose()``: explain why a card login fails, in place of the old E-Port client's "一键恢复".

It looks at what it is given, never spending a PIN try: the card (readable? certificate expired or expiring within
30 days? PIN tries left without verifying? the enterprise you expect?), a portal session (still alive?), and an
error you got (wrong PIN with tries left, locked card, card not bound, expired certificate, identity or enterprise
mismatch, expired session, no card, no local client, portal unreachable) — and says what to do about each.

::

    try:
        session = CardLogin(portal).login(card, pin)
    except EportError as exc:
        print(diagnose(card, error=exc, expected_enterprise="1101960001"))
"""

from __future__ import annotations

import datetime as dt
import enum

import attrs

from eport.card.base import OperatorCardBackend
from eport.errors import (
    CardError,
    CardNotBoundError,
    ChallengeError,
    ConfigurationError,
    EportError,
    IdentityMismatchError,
    LocalServiceError,
    LoginCertificateError,
    LoginError,
    LoginLockedError,
    LoginPinError,
    NoCardError,
    PcscUnavailableError,
    PinError,
    PinLockedError,
    PinPolicyError,
    ReaderError,
    SessionExpiredError,
    TransportError,
)
from eport.services.session import EXPIRY_WARNING_DAYS, PortalLoginSession


class CardState(enum.Enum):
    """Where the card login stands (``REFUND_AND_VERIFICATION.md`` §4.4, §8)."""

    NO_CLIENT = "NO_CLIENT"
    NO_CARD = "NO_CARD"
    CARD_PRESENT = "CARD_PRESENT"
    PIN_LOCKED = "PIN_LOCKED"
    CERT_EXPIRING = "CERT_EXPIRING"
    CERT_EXPIRED = "CERT_EXPIRED"
    AUTHENTICATED = "AUTHENTICATED"
    EXPIRED = "EXPIRED"


class Severity(enum.Enum):
    """How bad a finding is."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@attrs.frozen(kw_only=True)
class Finding:
    """One thing found: a stable ``code``, what it means and what to do."""

    code: str
    severity: Severity
    message: str
    remedy: str = ""

    def __str__(self) -> str:
        tail = f" → {self.remedy}" if self.remedy else ""
        return f"[{self.severity.value}] {self.code}: {self.message}{tail}"


@attrs.frozen(kw_only=True)
class Diagnosis:
    """The state reached and every finding, worst first."""

    state: CardState
    findings: tuple[Finding, ...]

    @property
    def ok(self) -> bool:
        """No error-level finding."""
        return not any(f.severity is Severity.ERROR for f in self.findings)

    def codes(self) -> tuple[str, ...]:
        """The finding codes, in order."""
        return tuple(f.code for f in self.findings)

    def __str__(self) -> str:
        return "\n".join([f"state: {self.state.value}", *(str(f) for f in self.findings)])


_UNLOCK = "have the card centre unlock it (the PIN goes back to 88888888), or unlock it with the unlock code"


#: What to do on a refused login, by the login page's status code (``REFUND_AND_VERIFICATION.md`` §4.1).
_LOGIN_STATUS_ADVICE = {
    "0": "the login service had an error (服务器错误): try again later; the PIN was not the problem",
    "4": "contact the E-Port data centre (95199)",
    "5": "the card information is abnormal: have the certificate renewed (证书延期) at the card centre",
    "6": "the login page's message says what to do; if unclear, call the E-Port hotline (95199)",
    "": "the message says why; if unclear, call the E-Port hotline (95199)",
}


def _explain(error: BaseException) -> tuple[Finding, CardState | None]:
    text = str(error)
    if isinstance(error, (LoginPinError, PinError)):
        left = error.tries_left
        tries = "unknown" if left is None else str(left)
        warning = " (the next wrong PIN locks the card)" if left == 1 else ""
        return Finding(
            code="pin_wrong",
            severity=Severity.ERROR,
            message=f"the PIN was refused; tries left before the card locks: {tries}{warning}",
            remedy="check the PIN (6 to 16 characters) before trying again; eport never retries a PIN",
        ), CardState.CARD_PRESENT
    if isinstance(error, (LoginLockedError, PinLockedError)):
        return Finding(
            code="pin_locked", severity=Severity.ERROR, message="the card is locked (卡已锁定)", remedy=_UNLOCK
        ), CardState.PIN_LOCKED
    if isinstance(error, CardNotBoundError):
        return Finding(
            code="card_not_bound",
            severity=Severity.ERROR,
            message=f"the card is not registered with / bound to a portal account: {text}",
            remedy="register the card with your account (card centre, 身份认证 at e.chinaport.gov.cn)",
        ), CardState.CARD_PRESENT
    if isinstance(error, LoginCertificateError):
        return Finding(
            code="cert_expired",
            severity=Severity.ERROR,
            message=text,
            remedy="renew the certificate (证书延期) at the card centre",
        ), CardState.CERT_EXPIRED
    if isinstance(error, IdentityMismatchError):
        code = "enterprise_mismatch" if error.fields == ("enterprise_code",) else "identity_mismatch"
        return Finding(
            code=code,
            severity=Severity.ERROR,
            message=f"card and 报关人员 record differ in: {', '.join(error.fields)}",
            remedy="use the card of that person and enterprise, or have the record corrected (变更) at customs",
        ), None
    if isinstance(error, ChallengeError):
        return Finding(
            code="challenge",
            severity=Severity.ERROR,
            message=text,
            remedy="log in again; if the signature never verifies, the challenge encoding may differ from the "
            "portal's (unverified, see docs/login.md)",
        ), CardState.CARD_PRESENT
    if isinstance(error, SessionExpiredError):
        return Finding(
            code="session_expired",
            severity=Severity.ERROR,
            message="the portal session ended",
            remedy="log in again with the card",
        ), CardState.EXPIRED
    if isinstance(error, LoginError):
        blacklist = error.login_status == "4"
        return Finding(
            code="blacklisted" if blacklist else "login_refused",
            severity=Severity.ERROR,
            message=text,
            remedy=_LOGIN_STATUS_ADVICE.get(error.login_status or "", _LOGIN_STATUS_ADVICE[""]),
        ), None
    if isinstance(error, (NoCardError, ReaderError)):
        return Finding(
            code="no_card",
            severity=Severity.ERROR,
            message=text,
            remedy="insert the card (请插入IC卡或者Key) and check the reader (connected? its name?)",
        ), CardState.NO_CARD
    if isinstance(error, TransportError):  # the portal, not the card: ConnectError, ServiceTimeout
        return Finding(
            code="portal_unreachable",
            severity=Severity.ERROR,
            message=f"the portal did not answer: {text}",
            remedy="check the portal address (--portal or EPORT_PORTAL) and the network; for the local sandbox, "
            "start it (eport sandbox)",
        ), None
    if isinstance(error, (PcscUnavailableError, LocalServiceError)):
        local = isinstance(error, LocalServiceError)
        return Finding(
            code="no_client",
            severity=Severity.ERROR,
            message=text,
            remedy="start the E-Port client (中国电子口岸客户端, 客户端控件) and its local signing service"
            if local
            else "start the smart-card service (pcscd; on Windows 智能卡服务 SCardSvr)",
        ), CardState.NO_CLIENT
    if isinstance(error, PinPolicyError):
        return Finding(
            code="pin_policy", severity=Severity.ERROR, message=text, remedy="nothing was sent to the card"
        ), CardState.CARD_PRESENT
    return Finding(code="error", severity=Severity.ERROR, message=f"{type(error).__name__}: {text}"), None


def _card_findings(
    card: OperatorCardBackend, now: dt.datetime, expected_enterprise: str | None, warn_days: int
) -> tuple[list[Finding], CardState]:
    findings: list[Finding] = []
    try:
        info = card.info()
    except (CardError, EportError) as exc:
        finding, state = _explain(exc)
        return [finding], state or CardState.NO_CARD
    state = CardState.CARD_PRESENT
    if info.valid_until is None:
        findings.append(
            Finding(
                code="cert_validity_unknown",
                severity=Severity.WARNING,
                message="the certificate's validity could not be read from the card: its expiry was not checked",
                remedy="check the certificate's validity (`eport card info`, or the card centre)",
            )
        )
    else:
        left = info.valid_until - now
        if left <= dt.timedelta(0):
            state = CardState.CERT_EXPIRED
            findings.append(
                Finding(
                    code="cert_expired",
                    severity=Severity.ERROR,
                    message=f"the certificate expired on {info.valid_until:%Y-%m-%d}",
                    remedy="renew it (证书延期) at the card centre",
                )
            )
        elif left <= dt.timedelta(days=warn_days):
            state = CardState.CERT_EXPIRING
            findings.append(
                Finding(
                    code="cert_expiring",
                    severity=Severity.WARNING,
                    message=f"the certificate expires in {left.days} days ({info.valid_until:%Y-%m-%d})",
                    remedy="renew it (证书延期) before it expires",
                )
            )
    try:
        tries = card.pin_tries_left()
    except CardError:
        tries = None
    if tries is None:  # the local signing service has no call for it; some cards refuse the query
        findings.append(
            Finding(
                code="pin_tries_unknown",
                severity=Severity.WARNING,
                message="the PIN tries left could not be read without spending one: whether the card is locked, or "
                "one wrong PIN away from it, was not checked",
                remedy="be sure of the PIN before entering it; eport never retries a PIN",
            )
        )
    elif tries == 0:
        state = CardState.PIN_LOCKED
        findings.append(
            Finding(code="pin_locked", severity=Severity.ERROR, message="the PIN is blocked (卡已锁定)", remedy=_UNLOCK)
        )
    elif tries == 1:
        findings.append(
            Finding(
                code="pin_last_try",
                severity=Severity.WARNING,
                message="one PIN try left: a wrong PIN locks the card",
                remedy="be sure of the PIN (eport asks for explicit consent)",
            )
        )
    else:
        findings.append(Finding(code="pin_tries", severity=Severity.INFO, message=f"PIN tries left: {tries}"))
    if expected_enterprise is not None and info.enterprise_code != expected_enterprise:
        findings.append(
            Finding(
                code="enterprise_mismatch",
                severity=Severity.ERROR,
                message=f"the card belongs to enterprise {info.enterprise_code}, not {expected_enterprise}",
                remedy="use a card of that enterprise",
            )
        )
    return findings, state


def diagnose(
    card: OperatorCardBackend | None = None,
    *,
    error: BaseException | None = None,
    session: PortalLoginSession | None = None,
    expected_enterprise: str | None = None,
    now: dt.datetime | None = None,
    warn_days: int = EXPIRY_WARNING_DAYS,
) -> Diagnosis:
    """Explain the state of a card login. Never verifies a PIN.

    Args:
        card: the card backend to inspect (card data, certificate validity, PIN tries left where readable).
        error: an error a login or portal call raised, to explain.
        session: a portal session to check (one request).
        expected_enterprise: the enterprise the card should belong to.
        now: the current time (tests pass one).
        warn_days: days before certificate expiry that count as "expiring" (the login page warns at 30).

    What could not be looked at is a warning, never left out: ``pin_tries_unknown`` (the local signing service
    cannot read the tries left without spending one), ``cert_validity_unknown``.

    Raises:
        ConfigurationError: when given no card, no error and no session (there is nothing to diagnose).
    """
    if card is None and error is None and session is None:
        raise ConfigurationError("nothing to diagnose: give a card, an error or a session")
    moment = now or dt.datetime.now(dt.timezone.utc)
    findings: list[Finding] = []
    state: CardState | None = None
    if error is not None:
        finding, state = _explain(error)
        findings.append(finding)
    if card is not None:
        more, card_state = _card_findings(card, moment, expected_enterprise, warn_days)
        findings.extend(f for f in more if f.code not in {x.code for x in findings})
        if state is None or state is CardState.CARD_PRESENT:
            state = card_state
    if session is not None:
        try:
            session.check()
            state = CardState.AUTHENTICATED if state in (None, CardState.CARD_PRESENT) else state
        except EportError as exc:
            finding, session_state = _explain(exc)
            findings.append(finding)
            state = session_state or state
    order = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
    findings.sort(key=lambda f: order[f.severity])
    return Diagnosis(state=state or CardState.CARD_PRESENT, findings=tuple(findings))


__all__ = ["CardState", "Diagnosis", "Finding", "Severity", "diagnose"]
