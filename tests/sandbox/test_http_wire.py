"""Wire behaviour of the sandbox gateway under hostile or careless clients (raw sockets on purpose), and poison
files in the OutBox (issue #12, items 2 and 9)."""

from __future__ import annotations

import json
import re
import socket
import threading
import time
import uuid

import pytest
import requests

from eport.pki.signers import InMemorySigner
from tests.sandbox.process import SandboxProcess
from tests.sandbox.test_filedrop import drop, wait_for
from tests.sandbox.test_http_api import envelope
from tests.services.helpers import unsupported_compression_zip

pytestmark = pytest.mark.sandbox

SMUGGLED = b"GET /api/v1/stats HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


def exchange(sandbox: SandboxProcess, raw: bytes, quiet: float = 1.0) -> bytes:
    """Send raw bytes on a fresh connection and collect everything the server answers until it closes the
    connection or stays silent for ``quiet`` seconds."""
    received = b""
    with socket.create_connection(("127.0.0.1", sandbox.port), timeout=quiet) as sock:
        sock.sendall(raw)
        try:
            while chunk := sock.recv(65536):
                received += chunk
        except TimeoutError:
            pass
    return received


def status_lines(received: bytes) -> list[bytes]:
    """Every status line in what the server sent, also one glued right after a previous reply's body."""
    return re.findall(rb"HTTP/1\.[01] \d{3}[^\r\n]*", received)


def test_chunked_body_is_never_read_as_a_further_request(sandbox: SandboxProcess) -> None:
    chunk = SMUGGLED
    raw = (
        b"POST /api/v1/dxp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/xml\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n" + f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n0\r\n\r\n"
    )
    answers = status_lines(exchange(sandbox, raw))
    assert len(answers) == 1, answers  # one request, one answer: the body was not taken for a GET
    assert answers[0].startswith(b"HTTP/1.1 400")  # read as the (unreadable) envelope it claims to be


def test_post_to_unknown_path_does_not_leave_its_body_as_a_request(sandbox: SandboxProcess) -> None:
    raw = (
        b"POST /api/v1/nothing HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/xml\r\n"
        + f"Content-Length: {len(SMUGGLED)}\r\n\r\n".encode()
        + SMUGGLED
    )
    received = exchange(sandbox, raw)
    answers = status_lines(received)
    assert len(answers) == 1, answers
    assert answers[0].startswith(b"HTTP/1.1 404")
    assert b'"not_found"' in received


def test_wrong_content_type_is_refused_and_nothing_is_stored(sandbox: SandboxProcess, signer: InMemorySigner) -> None:
    key = str(uuid.uuid4())
    reply = requests.post(f"{sandbox.url}/api/v1/dxp", data=envelope(signer, key), timeout=5,
                          headers={"Content-Type": "application/json", "Idempotency-Key": key})  # fmt: skip
    assert reply.status_code == 415
    assert reply.json()["code"] == "unsupported_media_type"
    assert requests.get(f"{sandbox.url}/api/v1/submissions/{key}", timeout=5).status_code == 404


def test_accept_without_json_is_406(sandbox: SandboxProcess) -> None:
    reply = requests.get(f"{sandbox.url}/api/v1/stats", headers={"Accept": "text/html"}, timeout=5)
    assert reply.status_code == 406
    assert reply.json()["code"] == "not_acceptable"


def test_unsupported_method_answers_json(sandbox: SandboxProcess) -> None:
    reply = requests.delete(f"{sandbox.url}/api/v1/dxp", timeout=5)
    assert reply.status_code == 405
    assert reply.headers["Content-Type"].startswith("application/json")
    assert reply.json()["code"] == "method_not_allowed"


def test_oversize_body_is_refused_from_its_declared_length(sandbox: SandboxProcess) -> None:
    """413 before any byte of the body is read, and the connection is closed (the body is never parsed)."""
    head = (
        b"POST /api/v1/dxp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/xml\r\n"
        b"Content-Length: 104857600\r\n\r\n"
    )
    received = exchange(sandbox, head + SMUGGLED)
    answers = status_lines(received)
    assert len(answers) == 1, answers
    assert answers[0].startswith(b"HTTP/1.1 413")
    assert b'"too_large"' in received


def test_100_simultaneous_raw_clients_are_all_answered(sandbox: SandboxProcess) -> None:
    """100 clients connect at the same instant (more than a listen queue of 5 holds): none is reset."""
    clients = 100
    barrier = threading.Barrier(clients)
    outcomes: list[str] = []
    lock = threading.Lock()

    def client() -> None:
        barrier.wait()
        try:
            with socket.create_connection(("127.0.0.1", sandbox.port), timeout=20) as sock:
                sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                data = b""
                while chunk := sock.recv(65536):
                    data += chunk
            head, _, body = data.partition(b"\r\n\r\n")
            outcome = "ok" if head.startswith(b"HTTP/1.1 200") and json.loads(body) == {"status": "ok"} else repr(data)
        except OSError as exc:
            outcome = type(exc).__name__
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert outcomes == ["ok"] * clients, sorted(set(outcomes))


def test_poison_outbox_files_are_quarantined_with_their_reason(sandbox: SandboxProcess, signer: InMemorySigner) -> None:
    """Each kind of poison file (unsupported zip, no zip, oversize, not XML) goes to FailBox with a reason file; a
    valid file behind them is taken."""
    outbox = sandbox.imp_path / "CEB" / "OutBox"
    failbox = sandbox.imp_path / "CEB" / "FailBox"
    tag = uuid.uuid4().hex[:8]
    poison_zip = f"a-{tag}-zip.zip"
    oversize = f"a-{tag}-big.xml"
    good = f"b-{tag}-good.xml"
    drop(outbox, poison_zip, unsupported_compression_zip(envelope(signer)))
    with open(outbox / f"{oversize}.temp", "wb") as handle:  # sparse: large on paper, cheap to make
        handle.truncate(64 * 1024 * 1024)
    (outbox / f"{oversize}.temp").replace(outbox / oversize)
    others = {f"a-{tag}-nozip.zip": b"PK but no archive", f"a-{tag}-junk.xml": b"\x00 not xml at all"}
    for name, data in others.items():
        drop(outbox, name, data)
    key = str(uuid.uuid4())
    drop(outbox, good, envelope(signer, key))

    wait_for(lambda: (sandbox.imp_path / "CEB" / "SentBox" / good).exists(), timeout=15)
    wait_for(lambda: (failbox / poison_zip).exists() and (failbox / oversize).exists(), timeout=15)
    assert "compression" in (failbox / f"{poison_zip}.reason.txt").read_text(encoding="utf-8")
    assert "larger than" in (failbox / f"{oversize}.reason.txt").read_text(encoding="utf-8")
    wait_for(lambda: all((failbox / name).exists() for name in others), timeout=15)
    for name in others:
        assert (failbox / f"{name}.reason.txt").read_text(encoding="utf-8").startswith("unreadable")
    assert not (outbox / poison_zip).exists()
    assert requests.get(f"{sandbox.url}/api/v1/submissions/{key}", timeout=5).status_code == 200
    time.sleep(0.2)
    assert not any(p.name.startswith(f"a-{tag}") for p in outbox.iterdir())
