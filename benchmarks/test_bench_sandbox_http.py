"""Intake of the sandbox's HTTP gateway, the sandbox running as a separate process, with baselines in the same run.

* ``http-intake-latency``: one ``POST /api/v1/dxp`` of a pre-built envelope on a kept-alive connection
  (the gateway, then ``Engine.accept``: envelope decode and one SQLite transaction). Baselines: ``GET /healthz``
  on the same kind of connection (the HTTP stack alone), and ``Engine.accept`` in this process (the work alone).
* ``http-intake-throughput``: ``CLIENTS`` threads, each with its own kept-alive connection, post ``PER_CLIENT``
  pre-built envelopes at once; one round is the whole burst, so submissions per second = CLIENTS × PER_CLIENT / round.

Envelopes are built (and their payloads signed) outside the measured time.
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import itertools
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from eport.sandbox import CEB_DXP_ID, DEMO_DXP_ID, Sandbox, SandboxConfig
from eport.services import wrap
from tests.sandbox.process import SandboxProcess
from tests.services.helpers import inventory

ROUNDS = 200
CLIENTS = 8
PER_CLIENT = 25
BURST_ROUNDS = 5
_counter = itertools.count()


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    process = SandboxProcess(tmp_path_factory.mktemp("bench-sandbox-http"))
    process.start()
    yield process
    process.stop()


def _envelope() -> tuple[str, bytes]:
    cop = str(uuid.uuid4())
    payload = inventory(f"HTTPB{next(_counter):08}", signed=True)
    return cop, wrap(payload, cop_msg_id=cop, sender_id=DEMO_DXP_ID, receiver_ids=(CEB_DXP_ID,),
                     msg_type="CEB621Message", created=dt.datetime.now(dt.timezone.utc))  # fmt: skip


def _post(session: requests.Session, url: str, item: tuple[str, bytes]) -> None:
    cop, body = item
    reply = session.post(f"{url}/api/v1/dxp", data=body, timeout=(5, 30),
                         headers={"Content-Type": "application/xml", "Idempotency-Key": cop})  # fmt: skip
    assert reply.status_code == 202, reply.text


def test_bench_sandbox_http_intake_latency(benchmark: Any, sandbox: SandboxProcess) -> None:
    benchmark.group = "http-intake-latency"
    items = iter([_envelope() for _ in range(ROUNDS + 5)])
    with requests.Session() as session:
        session.trust_env = False
        _post(session, sandbox.url, next(items))  # connection opened outside the measurement
        benchmark.pedantic(lambda: _post(session, sandbox.url, next(items)), rounds=ROUNDS, iterations=1)


def test_bench_sandbox_http_intake_latency_baseline_healthz(benchmark: Any, sandbox: SandboxProcess) -> None:
    benchmark.group = "http-intake-latency"
    with requests.Session() as session:
        session.trust_env = False

        def get() -> None:
            assert session.get(f"{sandbox.url}/healthz", timeout=5).status_code == 200

        get()
        benchmark.pedantic(get, rounds=ROUNDS, iterations=1)


def test_bench_sandbox_http_intake_latency_baseline_engine(benchmark: Any, tmp_path: Path) -> None:
    benchmark.group = "http-intake-latency"
    server = Sandbox(SandboxConfig(state_dir=tmp_path, port=0, poll_interval=3600.0))  # not started
    items = iter([_envelope() for _ in range(ROUNDS + 5)])
    try:
        benchmark.pedantic(lambda: server.engine.accept(next(items)[1]), rounds=ROUNDS, iterations=1)
    finally:
        server.stop()


def test_bench_sandbox_http_intake_throughput(benchmark: Any, sandbox: SandboxProcess) -> None:
    benchmark.group = "http-intake-throughput"
    sessions = [requests.Session() for _ in range(CLIENTS)]
    for session in sessions:
        session.trust_env = False
        session.get(f"{sandbox.url}/healthz", timeout=5)  # each client's connection opened beforehand

    def setup() -> tuple[tuple[list[list[tuple[str, bytes]]]], dict[str, Any]]:
        return ([[_envelope() for _ in range(PER_CLIENT)] for _ in range(CLIENTS)],), {}

    def client(session: requests.Session, items: list[tuple[str, bytes]]) -> None:
        for item in items:
            _post(session, sandbox.url, item)

    with concurrent.futures.ThreadPoolExecutor(CLIENTS) as pool:

        def burst(work: list[list[tuple[str, bytes]]]) -> None:
            for future in [pool.submit(client, s, items) for s, items in zip(sessions, work, strict=True)]:
                future.result()

        benchmark.pedantic(burst, setup=setup, rounds=BURST_ROUNDS, iterations=1)
    for session in sessions:
        session.close()
