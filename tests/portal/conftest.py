"""Fixtures of the portal-service tests: the sandbox as a separate process (fake CAS locking after 3 wrong PINs,
its logs at DEBUG so the PIN-leak test reads everything), a portal session, the emulated demo card behind each
backend (in process, through pcscd/vpcd, through the local-service simulator), and a logged-in session."""

from __future__ import annotations

import base64
import itertools
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import pytest
import requests

from eport import edi
from eport.card.emulator import DEMO_PIN, InProcessTransport, demo_card
from eport.card.operator import OperatorCard
from eport.edi.dec import models as dec
from eport.sandbox import DEMO_DXP_ID
from eport.services import ClearanceClient, HttpTransport
from eport.services.portal import PortalSession
from eport.services.session import CardLogin, PortalLoginSession
from tests.card.conftest import BACKENDS, Backend, insert, make_backend, pcscd  # noqa: F401 - fixtures
from tests.sandbox.process import SandboxProcess

#: Wrong PINs before the test sandbox locks a card.
MAX_FAILURES = 3

_serial = itertools.count(1)


@pytest.fixture(scope="session")
def portal_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    """One sandbox process for the portal tests."""
    process = SandboxProcess(
        tmp_path_factory.mktemp("portal-sandbox"),
        **{"--login-max-failures": str(MAX_FAILURES), "--log-level": "DEBUG"},
    )
    process.start()
    yield process
    process.stop()


@pytest.fixture
def portal(portal_sandbox: SandboxProcess) -> Iterator[PortalSession]:
    """A fresh portal session (no cookies) with the sandbox."""
    with PortalSession(portal_sandbox.url) as session:
        yield session


@pytest.fixture
def card() -> OperatorCard:
    """The emulated demo card in process (PIN DEMO_PIN, 5 tries)."""
    return OperatorCard(InProcessTransport(demo_card()))


@pytest.fixture
def session(portal: PortalSession, card: OperatorCard) -> PortalLoginSession:
    """A card-login session with the emulated demo card."""
    return CardLogin(portal).login(card, DEMO_PIN)


@pytest.fixture
def clearance(portal_sandbox: SandboxProcess, tmp_path: Path) -> Iterator[ClearanceClient]:
    """A clearance client submitting to the portal sandbox's exchange over HTTP, with its own journal."""
    with ClearanceClient(
        HttpTransport(portal_sandbox.url, dxp_id=DEMO_DXP_ID),
        tmp_path / "journal.db",
        sender_id=DEMO_DXP_ID,
        poll_interval=0.02,
    ) as client:
        yield client


def export_declaration(
    appr_no: str, *, port: str = "5300", date: str = "20110315", trade_code: str = "1101960001"
) -> bytes:
    """An export DecMessage (报关单) at ``port`` dated ``date`` carrying ``appr_no`` in DecHead.ApprNo, goods worth
    USD 12345.60."""
    goods = dec.DecList(
        g_no="1", code_ts="6109100010", g_name="棉制T恤衫 cotton T-shirts", g_model="100% cotton",
        g_qty=Decimal("1000"), g_unit="011", decl_price=Decimal("12.3456"), decl_total=Decimal("12345.60"),
        trade_curr="USD", origin_country="CHN",
    )  # fmt: skip
    head = dec.DecHead(
        ie_flag="E", ie_port=port, custom_master=port, ie_date=date, appr_no=appr_no, trade_code=trade_code,
        trade_name="test enterprise", trade_mode="0110",
    )  # fmt: skip
    seq = f"{uuid.uuid4().int % 10**18:018d}"
    sign = dec.DecSign(oper_type="G", cop_code=trade_code, oper_name="demo", client_seq_no=seq)
    return edi.encode(dec.DecMessage(dec_head=head, dec_lists=dec.DecLists(dec_list=(goods,)), dec_sign=sign))


@pytest.fixture(params=BACKENDS)
def card_backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    """The demo card behind each backend in turn (in process, pcscd + vpcd, local-service simulator)."""
    yield from make_backend(request, request.param, demo_card())


def unique(prefix: str) -> str:
    """A short number unique in this test run (for card ids and 报关人员 numbers)."""
    return f"{prefix}{next(_serial):04d}"


@pytest.fixture
def register_card(portal_sandbox: SandboxProcess) -> Callable[..., None]:
    """Register a card with the sandbox's card centre: ``register_card(card_id, certificate_der, pin, **identity)``."""

    def _register(card_id: str, certificate: bytes, pin: str, **identity: object) -> None:
        body = {
            "cardId": card_id,
            "certificates": [base64.b64encode(certificate).decode("ascii")],
            "pin": pin,
            "holderName": identity.get("holder_name", "测试操作员 Test Operator"),
            "idNumber": identity.get("id_number", "110101198505120029"),
            "enterpriseCode": identity.get("enterprise_code", "1101960001"),
            "enterpriseName": identity.get("enterprise_name", "test enterprise"),
            "blacklisted": bool(identity.get("blacklisted", False)),
        }
        reply = requests.post(f"{portal_sandbox.url}/api/v1/login/cards", json=body, timeout=10)
        assert reply.status_code == 201, reply.text

    return _register


def card_state(sandbox: SandboxProcess, card_id: str) -> dict[str, object]:
    """The card centre's view of a card (failures, locked …)."""
    return sandbox.get(f"/api/v1/login/cards/{card_id}")


def state_files(sandbox: SandboxProcess) -> list[Path]:
    """Every file of the sandbox's state folder (SQLite files with their WAL and SHM)."""
    return [p for p in sandbox.state_dir.rglob("*") if p.is_file()]
