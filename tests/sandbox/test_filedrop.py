"""The file-exchange side of the sandbox with raw files (what other transfer-client software drops)."""

from __future__ import annotations

import io
import time
import uuid
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from eport.pki.ceb import sign_ceb
from eport.pki.signers import InMemorySigner
from eport.sandbox.filedrop import bare_cop_msg_id
from eport.services import parse_receipt
from tests.sandbox import messages as m
from tests.sandbox.process import SandboxProcess

pytestmark = pytest.mark.sandbox


def wait_for(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def drop(folder: Path, name: str, data: bytes) -> None:
    """Write atomically, as the protocol asks producers to."""
    temp = folder / f"{name}.temp"
    temp.write_bytes(data)
    temp.replace(folder / name)


def inbox_codes(sandbox: SandboxProcess, box: str, source: str) -> list[str]:
    """Codes of every InBox receipt answering the submission ``source``, in file-name (time) order."""
    found = []
    for path in sorted((sandbox.imp_path / box / "InBox").glob("*.xml")):
        _, events = parse_receipt(path.read_bytes())
        found += [e.code for e in events if e.source_cop_msg_id == source]
    return found


def test_bare_business_message_is_wrapped_and_answered_in_inbox(
    sandbox: SandboxProcess, signer: InMemorySigner
) -> None:
    name = f"order-{uuid.uuid4().hex[:8]}.xml"
    payload = sign_ceb(m.order(m.Deal()), signer)
    drop(sandbox.imp_path / "CEB" / "OutBox", name, payload)
    source = bare_cop_msg_id("CEB", name, payload)

    wait_for(lambda: len(inbox_codes(sandbox, "CEB", source)) == 3)

    assert (sandbox.imp_path / "CEB" / "SentBox" / name).exists()
    assert inbox_codes(sandbox, "CEB", source) == ["2", "120", "399"]
    assert sandbox.get(f"/api/v1/submissions/{source}")["msgType"] == "CEB311Message"


def test_unreadable_file_goes_to_failbox_and_other_names_are_ignored(sandbox: SandboxProcess) -> None:
    outbox = sandbox.imp_path / "CEB" / "OutBox"
    bad = f"garbage-{uuid.uuid4().hex[:8]}.xml"
    note = f"readme-{uuid.uuid4().hex[:8]}.txt"
    (outbox / note).write_text("not for the exchange")
    drop(outbox, bad, b"\x00\x01 this is not XML")

    wait_for(lambda: (sandbox.imp_path / "CEB" / "FailBox" / bad).exists())
    time.sleep(0.2)
    assert (outbox / note).exists()


def test_zipped_declaration_is_accepted_and_answered(sandbox: SandboxProcess) -> None:
    seq = m.client_seq_no()
    xml = m.declaration(seq)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"Dec{seq}.xml", xml)
    name = f"Dec{seq}.zip"
    drop(sandbox.imp_path / "DecCus001" / "OutBox", name, buffer.getvalue())
    source = bare_cop_msg_id("DecCus001", name, xml)

    wait_for(lambda: inbox_codes(sandbox, "DecCus001", source)[-1:] == ["R"])

    assert (sandbox.imp_path / "DecCus001" / "SentBox" / name).exists()
    assert inbox_codes(sandbox, "DecCus001", source) == ["0", "7", "L", "J", "P", "R"]


def test_same_file_dropped_again_is_one_submission(sandbox: SandboxProcess, signer: InMemorySigner) -> None:
    name = f"again-{uuid.uuid4().hex[:8]}.xml"
    payload = sign_ceb(m.order(m.Deal()), signer)
    before = sandbox.get("/api/v1/stats")["submissions"]
    for _ in range(2):  # as after a crash between "stored" and "moved to SentBox"
        drop(sandbox.imp_path / "CEB" / "OutBox", name, payload)
        wait_for(lambda: not (sandbox.imp_path / "CEB" / "OutBox" / name).exists())

    assert sandbox.get("/api/v1/stats")["submissions"] == before + 1  # type: ignore[operator]
    assert len(list((sandbox.imp_path / "CEB" / "SentBox").glob("again-*"))) == 2
