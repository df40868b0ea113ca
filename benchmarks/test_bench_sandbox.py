"""Server side of the sandbox, measured in this process (the client side is in ``test_bench_services.py``).

* ``intake``: :meth:`Engine.accept` of a signed order in a DxpMsg (envelope decode + one SQLite transaction);
  baseline: the envelope decode alone.
* ``decide``: the customs decision for a signed order (XSD, signature against the registered certificate, rules);
  baseline: plain lxml XSD validation of the same message.
* ``drain``: process 20 stored orders and emit their 60 receipts (2 → 120 → 399), encode and store them;
  the figure per round divided by 60 is the cost of one receipt.
"""

from __future__ import annotations

import itertools
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from eport.card import demo
from eport.edi import dxp
from eport.pki.ceb import sign_ceb
from eport.pki.signers import InMemorySigner
from eport.sandbox import CEB_DXP_ID, DEMO_DXP_ID, Sandbox, SandboxConfig
from eport.sandbox.customs import decide
from eport.sandbox.envelope import read_envelope
from tests.sandbox import messages as m

ROUNDS = 100
_orders = itertools.count()


@pytest.fixture(scope="module")
def signer() -> InMemorySigner:
    return InMemorySigner(demo.signing_private_key(), demo.signing_certificate_der())


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    config = SandboxConfig(state_dir=tmp_path, port=0, step_delay=0.0, first_delay=0.0, poll_interval=3600.0)
    server = Sandbox(config)  # not started: the benchmark drives the engine itself
    yield server
    server.stop()


def _envelope(signer: InMemorySigner) -> bytes:
    payload = sign_ceb(m.order(m.Deal(order_no=f"BENCH{next(_orders):010d}")), signer)
    return dxp.wrap(payload, sender_id=DEMO_DXP_ID, receiver_ids=(CEB_DXP_ID,), cop_msg_id=str(uuid.uuid4())).to_bytes()


def test_bench_sandbox_intake(benchmark: Any, sandbox: Sandbox, signer: InMemorySigner) -> None:
    envelopes = iter([_envelope(signer) for _ in range(ROUNDS + 5)])
    benchmark.pedantic(lambda: sandbox.engine.accept(next(envelopes)), rounds=ROUNDS, iterations=1)
    assert sandbox.store.stats()["submissions"] >= 1


def test_bench_sandbox_intake_baseline_decode(benchmark: Any, signer: InMemorySigner) -> None:
    envelope = _envelope(signer)
    benchmark.pedantic(lambda: dxp.decode_envelope(envelope), rounds=ROUNDS, iterations=1)


def test_bench_sandbox_decide(benchmark: Any, sandbox: Sandbox, signer: InMemorySigner) -> None:
    envelope = read_envelope(_envelope(signer))
    now = time.time()
    decision = benchmark.pedantic(
        lambda: decide(envelope, store=sandbox.store, config=sandbox.config, now=now, first_seen=now),
        rounds=ROUNDS,
        iterations=1,
    )
    assert [e.payload["status"] for e in decision.planned] == ["2", "120", "399"]


def test_bench_sandbox_decide_baseline_xsd(benchmark: Any, signer: InMemorySigner) -> None:
    schema_path = Path(__file__).resolve().parents[1] / "eport" / "edi" / "schemas" / "ceb202205" / "ceb-import.xsd"
    schema = etree.XMLSchema(etree.parse(str(schema_path)))
    root = etree.fromstring(read_envelope(_envelope(signer)).data)
    assert benchmark.pedantic(lambda: schema.validate(root), rounds=ROUNDS, iterations=1)


def test_bench_sandbox_drain(benchmark: Any, sandbox: Sandbox, signer: InMemorySigner) -> None:
    def setup() -> tuple[tuple[()], dict[str, Any]]:
        for _ in range(20):
            sandbox.engine.accept(_envelope(signer))
        return (), {}

    def drain() -> None:
        while sandbox.engine.run_due(time.time() + 3600):
            pass

    benchmark.pedantic(drain, setup=setup, rounds=5, iterations=1)
    stats = sandbox.store.stats()
    assert stats["pendingEvents"] == 0
    assert stats["receipts"] == 3 * stats["submissions"]
