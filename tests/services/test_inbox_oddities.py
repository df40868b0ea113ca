"""Odd entries in a real InBox never block the receipts behind them (issue #12 review): a folder named like a
receipt (``x.xml/``, another tool's mistake) and a receipt whose name carries unusual Unicode; nor does a folder in
the way of an OutBox file block the other submissions."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from eport.errors import TransportError
from eport.services import ClearanceClient, FileExchangeTransport, Stage
from tests.services.helpers import ceb622, fake_sign, inventory, receipt_envelope

SENDER = "DXPENT0000000001"


def _client(root: Path, journal: Path) -> ClearanceClient:
    transport = FileExchangeTransport(root)
    return ClearanceClient(transport, journal, sender_id=SENDER, sign=fake_sign, poll_interval=0.01)


def test_a_folder_named_like_a_receipt_is_quarantined_and_the_receipts_behind_it_are_read(tmp_path: Path) -> None:
    with _client(tmp_path / "ImpPath", tmp_path / "j.db") as client:
        handle = client.submit(inventory("COP-DIR"), signer=object())
        inbox = tmp_path / "ImpPath" / "CEB" / "InBox"
        odd = inbox / "odd.xml"
        odd.mkdir()
        (odd / "inside.txt").write_bytes(b"kept")
        old = time.time() - 600
        os.utime(odd, (old, old))  # listed first, before the real receipt
        (inbox / "mine.xml").write_bytes(receipt_envelope(ceb622(handle.guids[0], "800"), handle.cop_msg_id))

        final = client.wait(handle, until=Stage.RELEASED, timeout=5)

        assert final.stage is Stage.RELEASED
        assert not odd.exists()  # moved aside with its content, never listed again
        fail_box = tmp_path / "ImpPath" / "CEB" / "FailBox"
        assert (fail_box / "odd.xml" / "inside.txt").read_bytes() == b"kept"
        assert "folder" in (fail_box / "odd.xml.reason.txt").read_text()
        assert client.poll() == []  # polling again is quiet


def test_a_receipt_with_an_unusual_unicode_name_is_read(tmp_path: Path) -> None:
    with _client(tmp_path / "ImpPath", tmp_path / "j.db") as client:
        handle = client.submit(inventory("COP-UNI"), signer=object())
        inbox = tmp_path / "ImpPath" / "CEB" / "InBox"
        name = "回执 \u202e\u200dé\u0301 \U0001f4e6.xml"
        (inbox / name).write_bytes(receipt_envelope(ceb622(handle.guids[0], "800"), handle.cop_msg_id))

        final = client.wait(handle, until=Stage.RELEASED, timeout=5)

        assert final.stage is Stage.RELEASED
        assert (tmp_path / "ImpPath" / "CEB" / "Processed" / name).exists()


def test_a_folder_in_the_way_of_an_outbox_file_puts_that_row_in_attention_and_recovery_goes_on(
    tmp_path: Path,
) -> None:
    """The OutBox replaced by a file (nothing can be sent: rows stay ``written``), then put back with a folder named
    like one row's file in it: that row needs attention with its reason, the others are recovered."""
    outbox = tmp_path / "ImpPath" / "CEB" / "OutBox"
    client = _client(tmp_path / "ImpPath", tmp_path / "j.db")
    client.recover()
    outbox.rmdir()
    outbox.write_bytes(b"a file where the OutBox folder should be")
    for name in ("a.xml", "b.xml"):
        with pytest.raises(TransportError):
            client.submit(inventory(f"COP-{name}"), signer=object(), file_name=name)
    client.close()
    outbox.unlink()
    outbox.mkdir()
    (outbox / "a.xml").mkdir()

    with _client(tmp_path / "ImpPath", tmp_path / "j.db") as again:  # recovery must not raise
        blocked, sent = again.journal.submissions()
        assert blocked.stage is Stage.ATTENTION
        assert "folder" in (blocked.info or "")
        assert sent.stage is Stage.SENT
        assert (outbox / "b.xml").is_file()
        assert again.journal.unsent() == []
        handle = again.submit(inventory("COP-NEXT"), signer=object())
        assert again.status(handle).stage is Stage.SENT
