"""Fault tests: a killed sandbox, a dropped HTTP answer, half-written OutBox files, many concurrent clients."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from eport import edi
from eport.edi import dxp
from eport.pki.signers import InMemorySigner
from eport.sandbox import DEMO_DXP_ID
from eport.services import ClearanceClient, FileExchangeTransport, HttpTransport, Retry, Stage
from tests.sandbox import messages as m
from tests.sandbox.process import SandboxProcess
from tests.sandbox.proxy import DroppingProxy

pytestmark = pytest.mark.sandbox


def codes(submission: Any) -> list[str]:
    """The receipt codes in a submission's history, in order."""
    return [event.code for event in submission.history if event.code]


@pytest.fixture
def slow_sandbox(tmp_path: Path) -> Iterator[SandboxProcess]:
    """A sandbox of its own with slower timelines, so it can be killed in the middle of a flow."""
    process = SandboxProcess(tmp_path / "slow", **{"--step-delay": "0.25"})
    process.start()
    yield process
    process.stop()


def test_killed_and_restarted_mid_flow_loses_nothing(
    slow_sandbox: SandboxProcess, signer: InMemorySigner, tmp_path: Path
) -> None:
    with ClearanceClient(
        FileExchangeTransport(slow_sandbox.imp_path), tmp_path / "j.db", sender_id=DEMO_DXP_ID, poll_interval=0.02
    ) as client:
        deal = m.Deal()
        for build in (m.order, m.payment, m.waybill):
            client.submit(build(deal), signer=signer)
        inventory = client.submit(edi.encode(m.inventory_model(deal)), signer=signer)
        declaration = client.submit(m.declaration(m.client_seq_no()))
        deadline = time.monotonic() + 20
        while client.status(inventory).stage.rank < Stage.ACCEPTED.rank and time.monotonic() < deadline:
            client.poll()
            time.sleep(0.02)
        assert client.status(inventory).stage is Stage.ACCEPTED

        slow_sandbox.kill()  # SIGKILL in the middle of the inventory's timeline
        late = client.submit(m.order(m.Deal()), signer=signer)  # lands in the OutBox while the exchange is down
        time.sleep(0.3)
        assert [p.name for p in (slow_sandbox.imp_path / "CEB" / "OutBox").iterdir() if p.suffix == ".xml"]
        slow_sandbox.start()

        assert codes(client.wait(inventory, until=Stage.CLOSED, timeout=30)) == ["2", "120", "399", "800", "899"]
        assert codes(client.wait(declaration, until=Stage.CLOSED, timeout=30)) == ["0", "7", "L", "J", "P", "R"]
        assert codes(client.wait(late, until=Stage.CONCLUDED, timeout=30)) == ["2", "120", "399"]
    stats = slow_sandbox.get("/api/v1/stats")
    assert stats["submissions"] == 6
    assert stats["pendingEvents"] == 0
    assert stats["receipts"] == 3 * 3 + 5 + 6 + 3


def test_dropped_http_answer_then_retry_stores_once(
    sandbox: SandboxProcess, signer: InMemorySigner, tmp_path: Path
) -> None:
    proxy = DroppingProxy(sandbox.port, drops=1)
    before = sandbox.get("/api/v1/stats")["submissions"]
    try:
        transport = HttpTransport(proxy.url, dxp_id=DEMO_DXP_ID, retry=Retry(attempts=3, backoff=0.05))
        with ClearanceClient(transport, tmp_path / "j.db", sender_id=DEMO_DXP_ID, poll_interval=0.02) as client:
            handle = client.submit(m.order(m.Deal()), signer=signer)
            final = client.wait(handle, until=Stage.CONCLUDED, timeout=30)
    finally:
        proxy.close()

    assert proxy.dropped == 1
    assert proxy.forwarded_posts == 2  # the first try reached the server, its answer was lost; then one retry
    assert handle.duplicate_send is True  # the retry was answered "duplicate": stored once
    assert sandbox.get("/api/v1/stats")["submissions"] == before + 1  # type: ignore[operator]
    assert codes(final) == ["2", "120", "399"]


def test_half_written_outbox_file_is_never_picked_up(sandbox: SandboxProcess, signer: InMemorySigner) -> None:
    from eport.pki.ceb import sign_ceb

    envelope = dxp.wrap(
        sign_ceb(m.order(m.Deal()), signer), sender_id=DEMO_DXP_ID, receiver_ids=("DXPEDCCEB0000002",)
    ).to_bytes()
    outbox = sandbox.imp_path / "CEB" / "OutBox"
    half = outbox / "half-written.xml.temp"
    half.write_bytes(envelope[: len(envelope) // 2])
    before = sandbox.get("/api/v1/stats")["submissions"]

    time.sleep(0.5)  # 25 scans of the OutBox at the test poll interval

    assert half.exists()
    assert half.read_bytes() == envelope[: len(envelope) // 2]
    assert not list((sandbox.imp_path / "CEB" / "FailBox").glob("half-written*"))
    assert sandbox.get("/api/v1/stats")["submissions"] == before

    half.write_bytes(envelope)
    half.replace(outbox / "half-written.xml")
    deadline = time.monotonic() + 10
    while not (sandbox.imp_path / "CEB" / "SentBox" / "half-written.xml").exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert (sandbox.imp_path / "CEB" / "SentBox" / "half-written.xml").exists()
    assert sandbox.get("/api/v1/stats")["submissions"] == before + 1  # type: ignore[operator]


def test_20_concurrent_clients_50_messages_each_make_exactly_1000(
    sandbox: SandboxProcess, signer: InMemorySigner, tmp_path: Path
) -> None:
    before = sandbox.get("/api/v1/stats")["submissions"]
    handles: list[list[Any]] = [[] for _ in range(20)]
    stages: list[list[Stage]] = [[] for _ in range(20)]
    errors: list[BaseException] = []
    start = threading.Barrier(20)

    def run(index: int) -> None:
        try:
            sender = f"DXPENT0000010{index:03d}"
            transport = HttpTransport(sandbox.url, dxp_id=sender)
            with ClearanceClient(transport, tmp_path / f"j{index}.db", sender_id=sender, poll_interval=0.1) as client:
                start.wait(10)
                for _ in range(50):
                    handles[index].append(client.submit(m.order(m.Deal()), signer=signer))
                stages[index] = [client.wait(h, until=Stage.ACCEPTED, timeout=120).stage for h in handles[index]]
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(180)

    assert errors == []
    cop_msg_ids = {h.cop_msg_id for per_client in handles for h in per_client}
    assert len(cop_msg_ids) == 1000
    assert sum(len(s) for s in stages) == 1000
    assert all(stage.rank >= Stage.ACCEPTED.rank for per_client in stages for stage in per_client)
    assert sandbox.get("/api/v1/stats")["submissions"] == before + 1000  # type: ignore[operator]
