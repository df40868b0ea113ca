"""The PIN never appears in logs, reprs, exception messages or the sandbox's storage.

Every logger is captured at the lowest level while logins succeed and fail (wrong PIN, locked card, mismatch); the
sandbox process logs at DEBUG; then the captured records, the sandbox log, every file of its state folder (SQLite
databases with their WAL) and the reprs and messages of every object and error met are searched for the PINs."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from eport.card.emulator import DEMO_PIN, InProcessTransport, demo_card
from eport.card.localservice import LocalServiceCard, LocalServiceClient
from eport.card.operator import OperatorCard
from eport.card.simulator import LocalServiceSimulator
from eport.errors import EportError
from eport.pki.signer import KeyAlgorithm
from eport.pki.testing import make_chain
from eport.services.portal import PortalSession
from eport.services.session import CardLogin
from eport.services.verification import VerificationClient
from tests.portal.conftest import MAX_FAILURES, state_files, unique
from tests.sandbox.process import SandboxProcess

GOOD_PIN = "Xk9#mQ2v"
WRONG_PIN = "Jt4$wB7n"


def _forms(pin: str) -> list[bytes]:
    """The PIN as it could appear in bytes: text in several encodings, URL-encoded."""
    from urllib.parse import quote

    return [pin.encode("utf-8"), pin.encode("utf-16-le"), quote(pin).encode("ascii")]


def test_the_pin_never_appears_anywhere(
    portal_sandbox: SandboxProcess, register_card: Callable[..., None], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(1)
    logging.getLogger().setLevel(1)
    chain = make_chain(KeyAlgorithm.RSA)
    card_id = unique("89320000")
    register_card(card_id, chain.leaf.der, GOOD_PIN)
    seen: list[object] = []
    with PortalSession(portal_sandbox.url) as portal:
        login = CardLogin(portal)
        session = login.login(chain.signer(), GOOD_PIN, card_id=card_id)
        seen += [portal, login, session, session.info, VerificationClient(session)]
        for _ in range(MAX_FAILURES):
            with pytest.raises(EportError) as info:
                login.login(chain.signer(), WRONG_PIN, card_id=card_id)
            seen.append(info.value)
        with pytest.raises(EportError) as info:
            login.login(chain.signer(), GOOD_PIN, card_id=card_id)  # locked now
        seen.append(info.value)
        card = OperatorCard(InProcessTransport(demo_card()))
        with pytest.raises(EportError) as info:
            login.login(card, "87654321")  # wrong on the card
        seen.append(info.value)
        demo = login.login(card, DEMO_PIN)
        seen += [card, demo, demo.info]
        with (
            LocalServiceSimulator(demo_card()) as simulator,
            LocalServiceClient(simulator.url, timeout=10) as client,
        ):
            service_card = LocalServiceCard(client)
            with pytest.raises(EportError) as info:
                login.login(service_card, "87654321")  # wrong, through security_SpcSignRandom
            seen += [info.value, service_card, client, simulator, login.login(service_card, DEMO_PIN)]

    pins = [GOOD_PIN, WRONG_PIN, DEMO_PIN, "87654321"]
    texts = [caplog.text, *(r.getMessage() for r in caplog.records)]
    texts += [repr(obj) for obj in seen] + [str(obj) for obj in seen]
    texts += [repr(vars(e)) for e in seen if isinstance(e, EportError)]
    for pin in pins:
        assert not any(pin in text for text in texts), f"a PIN leaked into logs, reprs or errors: {pin!r}"
    assert len(caplog.records) > 0  # the capture saw the login's own records

    sandbox_log = portal_sandbox.log.read_bytes()
    assert b"DEBUG" in sandbox_log or b"INFO" in sandbox_log
    blobs = [sandbox_log] + [path.read_bytes() for path in state_files(portal_sandbox)]
    assert any(path.name == "login.sqlite3" for path in state_files(portal_sandbox))
    for pin in pins:
        for form in _forms(pin):
            assert not any(form in blob for blob in blobs), f"a PIN is in the sandbox's log or storage: {pin!r}"
