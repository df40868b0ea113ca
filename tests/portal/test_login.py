"""Card login against the sandbox's fake CAS (a separate process): challenge, ticket, cookie, expiry, lock after N
wrong PINs, refusals with typed errors that change nothing, and diagnose()."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

import pytest

from eport.card import demo
from eport.card.emulator import DEMO_PIN, InProcessTransport, demo_card
from eport.card.operator import OperatorCard
from eport.errors import (
    CardNotBoundError,
    ChallengeError,
    LoginCertificateError,
    LoginError,
    LoginLockedError,
    LoginPinError,
    PinError,
    PinLockedError,
    ProtocolError,
    SessionExpiredError,
)
from eport.pki.signer import KeyAlgorithm, SignatureAlgorithm
from eport.pki.signers import InMemorySigner
from eport.pki.testing import EportIdentity, make_chain
from eport.services.portal import PortalSession
from eport.services.session import CardLogin
from eport.services.session_challenge import RandomTextEncoding, parse_login_page, sign_challenge, verify_challenge
from eport.services.session_diagnose import CardState, diagnose
from eport.services.verification import VerificationClient
from tests.portal.conftest import MAX_FAILURES, card_state, unique
from tests.sandbox.process import SandboxProcess


def _demo_signer(algorithm: KeyAlgorithm = KeyAlgorithm.RSA) -> InMemorySigner:
    if algorithm is KeyAlgorithm.SM2:
        from eport.pki.sm2 import SM2PrivateKey

        key = SM2PrivateKey.from_bytes(demo.sm2_private_key_bytes())
        return InMemorySigner(key, demo.sm2_signing_certificate_der())
    return InMemorySigner(demo.signing_private_key(), demo.signing_certificate_der())


def test_login_sets_a_service_session_that_the_portal_recognises(portal: PortalSession, card: OperatorCard) -> None:
    session = CardLogin(portal).login(card, DEMO_PIN)
    info = session.check()
    assert (info.card_id, info.enterprise_code) == ("JJ0DEMO000001", "1101960001")
    assert info.expires_at is not None
    assert info.remaining() > dt.timedelta(minutes=20)
    assert "JSESSIONID" in portal.cookies
    session.logout()
    with pytest.raises(SessionExpiredError):
        session.check()


@pytest.mark.parametrize("algorithm", [KeyAlgorithm.RSA, KeyAlgorithm.SM2])
def test_any_signer_can_log_in_and_the_pin_goes_to_the_login_service(
    portal: PortalSession, algorithm: KeyAlgorithm
) -> None:
    session = CardLogin(portal).login(_demo_signer(algorithm), DEMO_PIN, card_id="JJ0DEMO000001")
    assert session.check().card_id == "JJ0DEMO000001"


def test_a_wrong_pin_on_the_card_is_refused_by_the_card_and_nothing_is_sent(
    portal: PortalSession, portal_sandbox: SandboxProcess
) -> None:
    card = OperatorCard(InProcessTransport(demo_card()))
    before = card_state(portal_sandbox, "JJ0DEMO000001")
    with pytest.raises(PinError) as info:
        CardLogin(portal).login(card, "87654321")
    assert info.value.tries_left == 4
    assert card_state(portal_sandbox, "JJ0DEMO000001") == before
    assert "JSESSIONID" not in portal.cookies


def test_a_locked_card_gives_pin_locked_error_and_changes_nothing(
    portal: PortalSession, portal_sandbox: SandboxProcess
) -> None:
    emulated = demo_card()
    emulated.tries_left = 0  # blocked on the card (卡已锁定)
    card = OperatorCard(InProcessTransport(emulated))
    before = card_state(portal_sandbox, "JJ0DEMO000001")
    with pytest.raises(PinLockedError):
        CardLogin(portal).login(card, DEMO_PIN)
    assert card_state(portal_sandbox, "JJ0DEMO000001") == before
    assert emulated.tries_left == 0
    with pytest.raises(SessionExpiredError):
        VerificationClient(portal).apply(1)
    assert diagnose(card).state is CardState.PIN_LOCKED


@pytest.fixture
def test_card(register_card: Callable[..., None]) -> tuple[str, InMemorySigner, str]:
    """A freshly registered card (own key and certificate) with a distinctive PIN."""
    chain = make_chain(KeyAlgorithm.RSA, identity=EportIdentity(legacy_ia5=False))
    card_id = unique("89300000")
    pin = "Qz7!wLp2"
    register_card(card_id, chain.leaf.der, pin)
    return card_id, chain.signer(), pin


def test_the_login_service_locks_the_card_after_n_wrong_pins(
    portal: PortalSession, portal_sandbox: SandboxProcess, test_card: tuple[str, InMemorySigner, str]
) -> None:
    card_id, signer, pin = test_card
    login = CardLogin(portal)
    for left in range(MAX_FAILURES - 1, 0, -1):
        with pytest.raises(LoginPinError) as info:
            login.login(signer, "Wr0ng-P1n", card_id=card_id)
        assert info.value.tries_left == left
    with pytest.raises(LoginLockedError):
        login.login(signer, "Wr0ng-P1n", card_id=card_id)
    locked = card_state(portal_sandbox, card_id)
    assert locked["locked"] is True
    assert locked["failures"] == MAX_FAILURES

    with pytest.raises(LoginLockedError) as info:  # the right PIN changes nothing on a locked card
        login.login(signer, pin, card_id=card_id)
    assert info.value.code == "locked"
    assert card_state(portal_sandbox, card_id) == locked
    assert "JSESSIONID" not in portal.cookies
    assert diagnose(error=info.value).codes() == ("pin_locked",)

    import requests

    requests.post(f"{portal_sandbox.url}/api/v1/login/cards/{card_id}/unlock", timeout=5).raise_for_status()
    with pytest.raises(LoginPinError):  # unlocked: the PIN went back to the factory default
        login.login(signer, pin, card_id=card_id)
    assert login.login(signer, "88888888", card_id=card_id).check().card_id == card_id


def test_a_correct_pin_resets_the_counter(
    portal: PortalSession, portal_sandbox: SandboxProcess, test_card: tuple[str, InMemorySigner, str]
) -> None:
    card_id, signer, pin = test_card
    with pytest.raises(LoginPinError):
        CardLogin(portal).login(signer, "Wr0ng-P1n", card_id=card_id)
    CardLogin(portal).login(signer, pin, card_id=card_id)
    assert card_state(portal_sandbox, card_id)["failures"] == 0


def test_an_unregistered_card_or_certificate_is_not_bound(
    portal: PortalSession, test_card: tuple[str, InMemorySigner, str]
) -> None:
    card_id, _, pin = test_card
    with pytest.raises(CardNotBoundError) as info:
        CardLogin(portal).login(_demo_signer(), DEMO_PIN, card_id=unique("89399999"))
    assert info.value.code == "card_not_bound"
    assert diagnose(error=info.value).codes() == ("card_not_bound",)
    with pytest.raises(CardNotBoundError) as info:  # the demo certificate is not this card's
        CardLogin(portal).login(_demo_signer(), pin, card_id=card_id)
    assert info.value.code == "cert_not_bound"


def test_a_blacklisted_card_has_login_status_4(portal: PortalSession, register_card: Callable[..., None]) -> None:
    chain = make_chain(KeyAlgorithm.RSA)
    card_id = unique("89310000")
    register_card(card_id, chain.leaf.der, "12345678", blacklisted=True)
    with pytest.raises(LoginError) as info:
        CardLogin(portal).login(chain.signer(), "12345678", card_id=card_id)
    assert (info.value.code, info.value.login_status) == ("blacklisted", "4")
    assert diagnose(error=info.value).codes() == ("blacklisted",)


def test_an_expired_certificate_is_refused_before_any_pin_is_used(portal: PortalSession) -> None:
    old = make_chain(KeyAlgorithm.RSA, not_before=dt.datetime(2015, 1, 1, tzinfo=dt.timezone.utc), leaf_days=30)
    with pytest.raises(LoginCertificateError) as info:
        CardLogin(portal).login(old.signer(), "12345678", card_id="8930000000999")
    assert info.value.code == "cert_expired"
    assert "JSESSIONID" not in portal.cookies


def test_a_signature_in_another_encoding_does_not_verify(portal: PortalSession) -> None:
    login = CardLogin(portal, encoding=RandomTextEncoding(rsa_algorithm=SignatureAlgorithm.RSA_SHA256))
    with pytest.raises(ChallengeError) as info:
        login.login(_demo_signer(), DEMO_PIN, card_id="JJ0DEMO000001")
    assert info.value.code == "bad_signature"


def test_a_challenge_is_used_once(portal: PortalSession, portal_sandbox: SandboxProcess) -> None:
    login = CardLogin(portal)
    challenge = login.challenge()
    signer = _demo_signer()
    form = {
        "icCard": "JJ0DEMO000001",
        "certNo": "03000000000de301",
        "signData": sign_challenge(signer, challenge.random),
        "random": challenge.random,
        "lt": challenge.lt,
        "execution": challenge.execution,
        "userPin": DEMO_PIN,
    }
    first = portal.request("POST", login._login_url(), data=form, check=False)
    assert first.status == 302
    assert "ticket=ST-" in (first.location or "")
    again = portal.request("POST", login._login_url(), data=form, check=False)
    assert (again.status, again.json()["code"]) == (401, "challenge_invalid")


def test_sessions_expire(tmp_path_factory: pytest.TempPathFactory) -> None:
    process = SandboxProcess(tmp_path_factory.mktemp("short-sessions"), **{"--login-session-ttl": "1"})
    process.start()
    try:
        with PortalSession(process.url) as portal:
            session = CardLogin(portal).login(OperatorCard(InProcessTransport(demo_card())), DEMO_PIN)
            session.check()
            time.sleep(1.2)
            assert session.expired()
            with pytest.raises(SessionExpiredError) as info:
                session.check()
            assert diagnose(session=session).state is CardState.EXPIRED
            with pytest.raises(SessionExpiredError):
                VerificationClient(session).apply(1)
            assert info.value.status == 302
    finally:
        process.stop()


def test_challenge_pages_parse_from_html_and_json() -> None:
    html = (
        b'<form><input type="hidden" name="random" value="a1b2"/><input type="hidden" name="lt" value="LT-1-x-app"/>'
        b'<input type="hidden" name="execution" value="e1s1"><input type="hidden" id="serverDate" value="2026-12-04">'
        b'<input type="hidden" name="swLoginFlag" value="swCard"><input type="text" name="user" value="x"></form>'
    )
    challenge = parse_login_page(html, "text/html")
    assert (challenge.random, challenge.lt, challenge.execution, challenge.server_date) == (
        "a1b2", "LT-1-x-app", "e1s1", "2026-12-04",
    )  # fmt: skip
    assert challenge.extra == (("swLoginFlag", "swCard"),)
    assert parse_login_page(b'{"random": "r", "lt": "l"}').random == "r"
    for bad in (b"<html>no form</html>", b"[1]", b"{not json"):
        with pytest.raises(ProtocolError):
            parse_login_page(bad)


@pytest.mark.parametrize("algorithm", [KeyAlgorithm.RSA, KeyAlgorithm.SM2])
def test_challenge_signatures_verify_and_tampering_fails(algorithm: KeyAlgorithm) -> None:
    from eport.errors import InvalidSignature

    signer = _demo_signer(algorithm)
    sign_data = sign_challenge(signer, "0f1e2d3c")
    verify_challenge(signer.certificate_der, "0f1e2d3c", sign_data)
    with pytest.raises(InvalidSignature):
        verify_challenge(signer.certificate_der, "0f1e2d3d", sign_data)
    with pytest.raises(ProtocolError):
        verify_challenge(signer.certificate_der, "0f1e2d3c", "not base64!")


def test_diagnose_reads_the_card_without_spending_a_try() -> None:
    emulated = demo_card()
    card = OperatorCard(InProcessTransport(emulated))
    fine = diagnose(card, now=dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc))
    assert fine.ok
    assert fine.state is CardState.CARD_PRESENT
    assert fine.codes() == ("pin_tries",)
    expiring = diagnose(card, now=dt.datetime(2035, 12, 15, tzinfo=dt.timezone.utc))
    assert expiring.state is CardState.CERT_EXPIRING
    assert "cert_expiring" in expiring.codes()
    expired = diagnose(card, now=dt.datetime(2036, 2, 1, tzinfo=dt.timezone.utc))
    assert expired.state is CardState.CERT_EXPIRED
    assert not expired.ok
    other = diagnose(card, expected_enterprise="4403960001", now=dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc))
    assert other.codes()[0] == "enterprise_mismatch"
    emulated.tries_left = 1
    assert "pin_last_try" in diagnose(card).codes()
    assert emulated.tries_left == 1
    wrong = diagnose(error=LoginPinError("login refused", tries_left=2))
    assert "tries left before the card locks: 2" in str(wrong)
    assert "8 characters" not in str(wrong)  # PINs have 6 to 16 characters; the advice must not assume 8


@pytest.mark.parametrize("algorithm", [KeyAlgorithm.RSA, KeyAlgorithm.SM2])
def test_through_the_local_service_the_challenge_is_signed_by_spcsignrandom(
    portal: PortalSession, portal_sandbox: SandboxProcess, algorithm: KeyAlgorithm
) -> None:
    from eport.card.localservice import LocalServiceCard, LocalServiceClient
    from eport.card.simulator import LocalServiceSimulator

    with (
        LocalServiceSimulator(demo_card(), key_algorithm=algorithm) as simulator,
        LocalServiceClient(simulator.url, timeout=10) as client,
    ):
        card = LocalServiceCard(client)
        before = card_state(portal_sandbox, "JJ0DEMO000001")
        with pytest.raises(PinError) as info:
            CardLogin(portal).login(card, "87654321")
        assert info.value.tries_left == 4
        assert card_state(portal_sandbox, "JJ0DEMO000001") == before
        session = CardLogin(portal).login(card, DEMO_PIN)
        assert session.check().card_id == "JJ0DEMO000001"
        assert "security_SpcSignRandom" in simulator.calls
        assert "cus-sec_SpcSignDataAsPEM" not in simulator.calls
        assert "cus-sec_SpcVerifyPIN" not in simulator.calls
        CardLogin(PortalSession(portal_sandbox.url), service_signs_random=False).login(card, DEMO_PIN)
        assert "cus-sec_SpcSignDataAsPEM" in simulator.calls


def test_diagnose_tells_an_unreachable_portal_from_a_missing_card_client() -> None:
    from eport.errors import ConnectError, LocalServiceError

    portal_down = diagnose(error=ConnectError("GET /cas/login: connection failed or dropped"))
    assert portal_down.codes() == ("portal_unreachable",)
    assert portal_down.state is not CardState.NO_CLIENT
    assert "pcscd" not in str(portal_down)
    assert "EPORT_PORTAL" in str(portal_down)
    no_client = diagnose(error=LocalServiceError("ws://127.0.0.1:61232: connection refused"))
    assert (no_client.codes(), no_client.state) == (("no_client",), CardState.NO_CLIENT)


def test_diagnose_gives_advice_for_each_login_status() -> None:
    server = diagnose(error=LoginError("login refused: 服务器错误", login_status="0"))
    assert server.codes() == ("login_refused",)
    assert "try again later" in str(server)
    other = diagnose(error=LoginError("login refused: 请联系管理员", login_status="6"))
    assert "see the message" not in str(other)
    last = diagnose(error=LoginPinError("login refused", tries_left=1))
    assert "locks the card" in str(last)


def test_the_sandbox_verifies_the_challenge_hash_it_is_told(tmp_path_factory: pytest.TempPathFactory) -> None:
    # SpcSignRandom's signature input is unverified: the fake CAS is configurable like the client
    process = SandboxProcess(tmp_path_factory.mktemp("sha256-cas"), **{"--login-challenge-hash": "sha256"})
    process.start()
    try:
        sha256 = RandomTextEncoding(rsa_algorithm=SignatureAlgorithm.RSA_SHA256)
        with PortalSession(process.url) as portal:
            card = OperatorCard(InProcessTransport(demo_card()))
            with pytest.raises(ChallengeError):
                CardLogin(portal).login(card, DEMO_PIN)  # eport's default (SHA-1) is refused there
            assert CardLogin(portal, encoding=sha256).login(card, DEMO_PIN).check().card_id == "JJ0DEMO000001"
    finally:
        process.stop()


def test_diagnose_says_what_it_could_not_read() -> None:
    """Through the local signing service the PIN tries cannot be read without spending one: the diagnosis must say
    so (a warning), not print a bare "CARD_PRESENT" as if every check had run. Called with nothing to look at, it
    refuses instead of answering "CARD_PRESENT", ok."""
    from eport.card.localservice import LocalServiceCard, LocalServiceClient
    from eport.card.simulator import LocalServiceSimulator
    from eport.errors import ConfigurationError
    from eport.services.session_diagnose import Severity

    with LocalServiceSimulator(demo_card()) as simulator, LocalServiceClient(simulator.url, timeout=10) as client:
        found = diagnose(LocalServiceCard(client), now=dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc))
    assert found.codes() == ("pin_tries_unknown",)
    assert found.findings[0].severity is Severity.WARNING
    assert "PIN tries left could not be read" in str(found)
    assert found.ok  # a warning: nothing is wrong, one thing is unknown
    with pytest.raises(ConfigurationError, match="nothing to diagnose"):
        diagnose()
