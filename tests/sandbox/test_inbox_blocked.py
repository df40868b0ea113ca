"""One box whose InBox cannot be written must not keep the receipts of the other boxes out of theirs."""

from __future__ import annotations

import shutil
import sqlite3
import uuid
from pathlib import Path

import pytest

from eport.pki.ceb import sign_ceb
from eport.pki.signers import InMemorySigner
from eport.sandbox.filedrop import bare_cop_msg_id
from tests.sandbox import messages as m
from tests.sandbox.process import SandboxProcess
from tests.sandbox.test_filedrop import drop, inbox_codes, wait_for

pytestmark = pytest.mark.sandbox


def test_a_blocked_inbox_does_not_stop_the_receipts_of_other_boxes(tmp_path: Path, signer: InMemorySigner) -> None:
    """The declarations' InBox is a file (a sync tool, a mistyped path): their receipts cannot be written. The CEB
    box's receipts must still arrive in its InBox, and the declarations' once their InBox is a folder again.
    Every InBox write used to start with the oldest unwritten receipt, so the first one that failed kept every
    later receipt of every box out of its InBox."""
    sandbox = SandboxProcess(tmp_path)
    sandbox.start()
    try:
        dec_inbox = sandbox.imp_path / "DecCus001" / "InBox"
        shutil.rmtree(dec_inbox)
        dec_inbox.write_text("not a folder")
        seq = m.client_seq_no()
        declaration = m.declaration(seq)
        drop(sandbox.imp_path / "DecCus001" / "OutBox", f"Dec{seq}.xml", declaration)
        dec_source = bare_cop_msg_id("DecCus001", f"Dec{seq}.xml", declaration)
        wait_for(lambda: (sandbox.imp_path / "DecCus001" / "SentBox" / f"Dec{seq}.xml").exists())
        wait_for(lambda: sandbox.get(f"/api/v1/submissions/{dec_source}")["state"] == "R")  # its receipts are held

        name = f"order-{uuid.uuid4().hex[:8]}.xml"
        order = sign_ceb(m.order(m.Deal()), signer)
        drop(sandbox.imp_path / "CEB" / "OutBox", name, order)
        ceb_source = bare_cop_msg_id("CEB", name, order)
        wait_for(lambda: inbox_codes(sandbox, "CEB", ceb_source) == ["2", "120", "399"])

        dec_inbox.unlink()
        dec_inbox.mkdir()
        second = f"order-{uuid.uuid4().hex[:8]}.xml"  # the next receipt written brings the held ones out
        drop(sandbox.imp_path / "CEB" / "OutBox", second, sign_ceb(m.order(m.Deal()), signer))
        wait_for(lambda: inbox_codes(sandbox, "DecCus001", dec_source)[-1:] == ["R"])
    finally:
        sandbox.stop()


def test_an_unreadable_event_does_not_stop_the_scheduler(tmp_path: Path, signer: InMemorySigner) -> None:
    """A pending event whose stored payload is no longer readable JSON (a damaged state file) made every scheduler
    step fail when it came due, so no later submission was ever answered. It is given up (logged) instead."""
    slow = SandboxProcess(tmp_path, **{"--first-delay": "30", "--step-delay": "30"})
    slow.start()
    name = f"order-{uuid.uuid4().hex[:8]}.xml"
    try:
        order = sign_ceb(m.order(m.Deal()), signer)
        drop(slow.imp_path / "CEB" / "OutBox", name, order)
        source = bare_cop_msg_id("CEB", name, order)
        wait_for(lambda: (slow.imp_path / "CEB" / "SentBox" / name).exists())
        wait_for(lambda: slow.get(f"/api/v1/submissions/{source}")["state"] != "received")  # receipts planned
    finally:
        slow.stop()
    with sqlite3.connect(slow.state_dir / "sandbox.sqlite3") as db:
        damaged = db.execute("UPDATE events SET payload = '{', due = 0 WHERE done = 0 AND cop_msg_id = ?", (source,))
        assert damaged.rowcount > 0
    sandbox = SandboxProcess(tmp_path)  # same state, fast timelines
    sandbox.start()
    try:
        later = f"order-{uuid.uuid4().hex[:8]}.xml"
        order = sign_ceb(m.order(m.Deal()), signer)
        drop(sandbox.imp_path / "CEB" / "OutBox", later, order)
        wait_for(lambda: inbox_codes(sandbox, "CEB", bare_cop_msg_id("CEB", later, order)) == ["2", "120", "399"])
        assert "unreadable" in sandbox.log.read_text(encoding="utf-8")
    finally:
        sandbox.stop()
