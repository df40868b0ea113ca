"""Odd entries in a real InBox never block the receipts behind them (issue #12 review): a folder named like a
receipt (``x.xml/``, another tool's mistake) and a receipt whose name carries unusual Unicode."""

from __future__ import annotations

import os
import time
from pathlib import Path

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
