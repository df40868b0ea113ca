"""Submissions per second through each transport into the sandbox (a separate process), with baselines.

* ``client_*``: ``ClearanceClient.submit`` of a pre-signed CEB621 inventory: parse keys, wrap in DXP, record in
  the SQLite journal (fsync'ed), send, mark sent.
* ``client_*_batch``: ``ClearanceClient.submit_many`` of 20 such messages per round (divide by 20 per message).
* ``baseline_*``: the bare transport move of a pre-built envelope: one ``requests.post`` with the idempotency key,
  or one plain ``write_bytes`` into the OutBox (no temporary name, no fsync, no journal).
"""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from eport.services import ClearanceClient, FileExchangeTransport, HttpTransport, Stage, wrap
from tests.sandbox.process import SandboxProcess
from tests.services.helpers import inventory

SENDER = "DXPENT0000000001"
ROUNDS = 200
BATCH = 20
BATCH_ROUNDS = 20
_counter = itertools.count()


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    process = SandboxProcess(tmp_path_factory.mktemp("bench-sandbox"))
    process.start()
    yield process
    process.stop()


def _message() -> bytes:
    return inventory(f"BENCH{next(_counter):08}", signed=True)


def _envelope() -> tuple[str, bytes]:
    cop = str(uuid.uuid4())
    return cop, wrap(_message(), cop_msg_id=cop, sender_id=SENDER, receiver_ids=("DXPEDCCEB0000002",),
                     msg_type="CEB621Message", created=dt.datetime.now(dt.timezone.utc))  # fmt: skip


def test_bench_services_client_http(benchmark: object, sandbox: SandboxProcess, tmp_path: Path) -> None:
    client = ClearanceClient(HttpTransport(sandbox.url, dxp_id=SENDER), tmp_path / "j.db", sender_id=SENDER)
    benchmark.pedantic(lambda: client.submit(_message()), rounds=ROUNDS, iterations=1)  # type: ignore[attr-defined]
    assert client.journal.count() >= 1
    client.close()


def test_bench_services_baseline_http(benchmark: object, sandbox: SandboxProcess) -> None:
    session = requests.Session()

    def post() -> None:
        cop, envelope = _envelope()
        reply = session.post(f"{sandbox.url}/api/v1/dxp", data=envelope, timeout=(5, 30),
                             headers={"Content-Type": "application/xml", "Idempotency-Key": cop})  # fmt: skip
        assert reply.status_code == 202

    benchmark.pedantic(post, rounds=ROUNDS, iterations=1)  # type: ignore[attr-defined]
    session.close()


def test_bench_services_client_file(benchmark: object, sandbox: SandboxProcess, tmp_path: Path) -> None:
    client = ClearanceClient(FileExchangeTransport(sandbox.imp_path), tmp_path / "j.db", sender_id=SENDER)
    benchmark.pedantic(lambda: client.submit(_message()), rounds=ROUNDS, iterations=1)  # type: ignore[attr-defined]
    assert client.journal.count() >= 1
    client.close()


def test_bench_services_client_file_batch(benchmark: object, sandbox: SandboxProcess, tmp_path: Path) -> None:
    """``submit_many`` of BATCH messages per round: one journal transaction and one OutBox fsync per batch."""
    client = ClearanceClient(FileExchangeTransport(sandbox.imp_path), tmp_path / "j.db", sender_id=SENDER)
    run = lambda: client.submit_many([_message() for _ in range(BATCH)])  # noqa: E731
    benchmark.pedantic(run, rounds=BATCH_ROUNDS, iterations=1)  # type: ignore[attr-defined]
    # every round's batch sent (one round only with --benchmark-disable)
    assert client.journal.count(Stage.SENT) in (BATCH, BATCH * BATCH_ROUNDS)
    client.close()


def test_bench_services_client_http_batch(benchmark: object, sandbox: SandboxProcess, tmp_path: Path) -> None:
    """``submit_many`` of BATCH messages per round over HTTP: one journal transaction, keep-alive POSTs."""
    client = ClearanceClient(HttpTransport(sandbox.url, dxp_id=SENDER), tmp_path / "j.db", sender_id=SENDER)
    run = lambda: client.submit_many([_message() for _ in range(BATCH)])  # noqa: E731
    benchmark.pedantic(run, rounds=BATCH_ROUNDS, iterations=1)  # type: ignore[attr-defined]
    # every round's batch sent (one round only with --benchmark-disable)
    assert client.journal.count(Stage.SENT) in (BATCH, BATCH * BATCH_ROUNDS)
    client.close()


def test_bench_services_baseline_file(benchmark: object, sandbox: SandboxProcess) -> None:
    outbox = sandbox.imp_path / "CEB" / "OutBox"
    outbox.mkdir(parents=True, exist_ok=True)

    def drop() -> None:
        cop, envelope = _envelope()
        (outbox / f"{cop}.xml").write_bytes(envelope)

    benchmark.pedantic(drop, rounds=ROUNDS, iterations=1)  # type: ignore[attr-defined]


# ------------------------------------------------------------------------------------------- receipt parsing
def _ceb622_receipt() -> bytes:
    from tests.edi import samples
    from tests.services.helpers import receipt_envelope

    return receipt_envelope(samples.load("import/CEB622Message.xml").data, str(uuid.uuid4()))


def test_bench_services_parse_receipt_ceb622(benchmark: object) -> None:
    """``parse_receipt`` of the official CEB622 sample (10 InventoryReturn) in a DxpMsg: typed events."""
    from eport.services import parse_receipt

    data = _ceb622_receipt()
    _, events = benchmark(parse_receipt, data)  # type: ignore[operator]
    assert len(events) == 10
    assert all(e.receipt is not None for e in events)


def test_bench_services_baseline_parse_receipt_lxml(benchmark: object) -> None:
    """Baseline: only parse the same envelope and its base64 payload with lxml (no typing, no events)."""
    import base64

    from lxml import etree

    data = _ceb622_receipt()
    parser = etree.XMLParser(resolve_entities=False, no_network=True)

    def parse() -> int:
        root = etree.fromstring(data, parser)
        payload = root.find("{http://www.chinaport.gov.cn/dxp}Data")
        assert payload is not None
        return len(etree.fromstring(base64.b64decode(payload.text or ""), parser))

    assert benchmark(parse) == 10  # type: ignore[operator]
