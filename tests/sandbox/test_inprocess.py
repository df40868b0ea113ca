"""The sandbox as a library (``eport.sandbox.Sandbox`` in this process): options, shares, state on restart."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from eport import edi
from eport.errors import ConfigurationError, ConnectError
from eport.pki.signers import InMemorySigner
from eport.sandbox import DEMO_DXP_ID, Sandbox, SandboxConfig
from eport.services import ClearanceClient, HttpTransport, Stage
from tests.sandbox import messages as m


def fast(state: Path, **options: float) -> SandboxConfig:
    """A quick in-process configuration on a free port."""
    settings = {"step_delay": 0.02, "first_delay": 0.0, "poll_interval": 0.01, "match_wait": 2.0, **options}
    return SandboxConfig(state_dir=state, port=0, **settings)  # type: ignore[arg-type]


@pytest.fixture
def always_checked(tmp_path: Path) -> Iterator[Sandbox]:
    """Every inventory, declaration and manifest goes through manual review and inspection."""
    with Sandbox(fast(tmp_path / "state", inspection_share=1.0, manual_review_share=1.0)) as sandbox:
        yield sandbox


def client_for(sandbox: Sandbox, tmp_path: Path) -> ClearanceClient:
    transport = HttpTransport(sandbox.url, dxp_id=DEMO_DXP_ID)
    return ClearanceClient(transport, tmp_path / f"{uuid.uuid4().hex}.db", sender_id=DEMO_DXP_ID, poll_interval=0.01)


def codes(submission: object) -> list[str]:
    return [e.code for e in submission.history if e.code]  # type: ignore[attr-defined]


def test_manual_review_and_inspection_shares(always_checked: Sandbox, signer: InMemorySigner, tmp_path: Path) -> None:
    with client_for(always_checked, tmp_path) as client:
        deal = m.Deal()
        for build in (m.order, m.payment, m.waybill):
            client.submit(build(deal), signer=signer)
        inventory = client.submit(edi.encode(m.inventory_model(deal)), signer=signer)
        declaration = client.submit(m.declaration(m.client_seq_no()))
        manifest = client.submit(m.manifest(f"CN_MT2101_1p0_X_{uuid.uuid4().hex[:12]}"))

        assert codes(client.wait(inventory, until=Stage.CLOSED, timeout=20)) == [
            "2", "120", "300", "500", "399", "800", "899",
        ]  # fmt: skip
        assert codes(client.wait(declaration, until=Stage.CLOSED, timeout=20)) == ["0", "7", "L", "J", "C", "P", "R"]
        assert codes(client.wait(manifest, until=Stage.RELEASED, timeout=20)) == ["01", "02", "11"]


def test_shares_of_zero_skip_review_and_inspection(tmp_path: Path, signer: InMemorySigner) -> None:
    config = fast(tmp_path / "state", inspection_share=0.0, manual_review_share=0.0)
    with Sandbox(config) as sandbox, client_for(sandbox, tmp_path) as client:
        deal = m.Deal()
        for build in (m.order, m.payment, m.waybill):
            client.submit(build(deal), signer=signer)
        inventory = client.submit(edi.encode(m.inventory_model(deal)), signer=signer)
        assert codes(client.wait(inventory, until=Stage.CLOSED, timeout=20)) == ["2", "120", "399", "800", "899"]


def test_state_survives_a_clean_restart(tmp_path: Path, signer: InMemorySigner) -> None:
    deal = m.Deal()
    with Sandbox(fast(tmp_path / "state")) as sandbox, client_for(sandbox, tmp_path) as client:
        client.wait(client.submit(m.order(deal), signer=signer), until=Stage.CONCLUDED, timeout=20)
    with Sandbox(fast(tmp_path / "state")) as sandbox, client_for(sandbox, tmp_path) as client:
        again = client.submit(m.order(deal), signer=signer)  # another journal, same order: customs knows it
        result = client.wait(again, until=Stage.CONCLUDED, timeout=20, raise_on_reject=False)
        assert result.code == "-301010"
        assert sandbox.store.stats()["submissions"] == 2


@pytest.mark.parametrize(
    "options",
    [{"step_delay": -1.0}, {"inspection_share": 1.5}, {"manual_review_share": -0.1}],
)
def test_bad_options_are_configuration_errors(tmp_path: Path, options: dict[str, float]) -> None:
    with pytest.raises(ConfigurationError):
        SandboxConfig(state_dir=tmp_path, **options)  # type: ignore[arg-type]


def test_busy_port_is_a_connect_error(tmp_path: Path) -> None:
    with Sandbox(fast(tmp_path / "a")) as first:
        port = int(first.url.rsplit(":", 1)[1])
        second = Sandbox(SandboxConfig(state_dir=tmp_path / "b", port=port))
        with pytest.raises(ConnectError):
            second.start()
        second.stop()


def test_url_before_start_is_a_configuration_error(tmp_path: Path) -> None:
    sandbox = Sandbox(fast(tmp_path / "state"))
    with pytest.raises(ConfigurationError):
        _ = sandbox.url
    sandbox.stop()


def test_an_event_that_keeps_failing_is_retried_then_given_up(
    tmp_path: Path, signer: InMemorySigner, monkeypatch: pytest.MonkeyPatch
) -> None:
    from eport.edi import dxp
    from eport.pki.ceb import sign_ceb
    from eport.sandbox import CEB_DXP_ID, engine

    calls: list[float] = []

    def broken(*args: object, **kwargs: object) -> None:
        calls.append(float(kwargs["now"]))  # type: ignore[arg-type]
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(engine, "decide", broken)
    sandbox = Sandbox(fast(tmp_path / "state"))  # not started: the test drives the scheduler
    envelope = dxp.wrap(sign_ceb(m.order(m.Deal()), signer), sender_id=DEMO_DXP_ID, receiver_ids=(CEB_DXP_ID,))
    sandbox.engine.accept(envelope.to_bytes())
    now = 1e10
    for _ in range(engine.MAX_ATTEMPTS + 2):
        sandbox.engine.run_due(now)
        now += 3600
    stats = sandbox.store.stats()
    sandbox.stop()

    assert len(calls) == engine.MAX_ATTEMPTS
    assert stats == {"submissions": 1, "receipts": 0, "pendingEvents": 0}
