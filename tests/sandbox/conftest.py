"""Fixtures of the sandbox tests: the sandbox as a separate process, clients over both transports, signers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from eport.card import demo
from eport.pki.signers import InMemorySigner
from eport.sandbox import DEMO_DXP_ID
from eport.services import ClearanceClient, FileExchangeTransport, HttpTransport
from tests.sandbox.process import SandboxProcess


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    """One sandbox process for the session (fast timelines, no random inspection or review)."""
    process = SandboxProcess(tmp_path_factory.mktemp("sandbox"))
    process.start()
    yield process
    process.stop()


@pytest.fixture(scope="session")
def signer() -> InMemorySigner:
    """The demo operator card's RSA key and certificate (registered in every sandbox)."""
    return InMemorySigner(demo.signing_private_key(), demo.signing_certificate_der())


@pytest.fixture
def file_client(sandbox: SandboxProcess, tmp_path: Path) -> Iterator[ClearanceClient]:
    """A client over file exchange into the session sandbox's ImpPath, with its own journal."""
    with ClearanceClient(
        FileExchangeTransport(sandbox.imp_path), tmp_path / "journal.db", sender_id=DEMO_DXP_ID, poll_interval=0.02
    ) as client:
        yield client


@pytest.fixture
def http_client(sandbox: SandboxProcess, tmp_path: Path) -> Iterator[ClearanceClient]:
    """A client over HTTP to the session sandbox, with its own journal."""
    with ClearanceClient(
        HttpTransport(sandbox.url, dxp_id=DEMO_DXP_ID),
        tmp_path / "journal-http.db",
        sender_id=DEMO_DXP_ID,
        poll_interval=0.02,
    ) as client:
        yield client
