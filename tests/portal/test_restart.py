"""The portal services' state lives in the sandbox's state folder and survives a restart (and a kill)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from eport.card.emulator import DEMO_PIN, InProcessTransport, demo_card
from eport.card.operator import OperatorCard
from eport.errors import LoginLockedError, LoginPinError, SessionExpiredError
from eport.pki.signer import KeyAlgorithm
from eport.pki.testing import make_chain
from eport.services.identity import BindingState, IdentityClient
from eport.services.portal import PortalSession
from eport.services.session import CardLogin, PortalLoginSession
from eport.services.verification import VerificationClient
from eport.services.verification_models import FormState
from tests.sandbox.process import SandboxProcess


@pytest.fixture
def process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    sandbox = SandboxProcess(tmp_path_factory.mktemp("restart"), **{"--login-max-failures": "2"})
    sandbox.start()
    yield sandbox
    sandbox.stop()


def _login(sandbox: SandboxProcess) -> PortalLoginSession:
    portal = PortalSession(sandbox.url)
    return CardLogin(portal).login(OperatorCard(InProcessTransport(demo_card())), DEMO_PIN)


def test_forms_bindings_locks_and_sessions_survive_a_restart(process: SandboxProcess) -> None:
    import base64

    import requests

    session = _login(process)
    client = VerificationClient(session)
    form_no = str(client.apply(1)[0].form_no)
    client.file(form_no, port="5300")
    IdentityClient(session).bind("DEMO000000001")
    chain = make_chain(KeyAlgorithm.RSA)
    body = {"cardId": "8930000000777", "certificates": [base64.b64encode(chain.leaf.der).decode()], "pin": "12345678",
            "holderName": "x", "idNumber": "x", "enterpriseCode": "1101960001", "enterpriseName": "x"}  # fmt: skip
    requests.post(f"{process.url}/api/v1/login/cards", json=body, timeout=5).raise_for_status()
    for _ in range(2):
        with pytest.raises((LoginPinError, LoginLockedError)):  # wrong PIN, then the lock
            CardLogin(session.portal).login(chain.signer(), "00000000", card_id="8930000000777")

    process.kill()  # no clean shutdown
    process.start()

    session.check()  # the session cookie is still valid after the restart
    after = VerificationClient(session).get(form_no)
    assert (after.state, after.port) == (FormState.FILED, "5300")
    assert IdentityClient(session).get("DEMO000000001").binding is BindingState.BOUND
    with pytest.raises(LoginLockedError):
        CardLogin(session.portal).login(chain.signer(), "12345678", card_id="8930000000777")
    session.logout()
    with pytest.raises(SessionExpiredError):
        session.check()
