"""One odd entry in the file exchange never blocks the receipts of the others (#14): a receipt file the system
refuses to open (here a symbolic link loop, ``ELOOP``: root reads through any permission) stays where it is and is
tried again at the next poll, and a box whose InBox cannot be listed does not keep the other boxes' receipts out."""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

import pytest

from eport.errors import TransportError
from eport.services import ClearanceClient, FileExchangeTransport, Stage
from tests.services.helpers import ceb622, fake_sign, inventory, receipt_envelope

SENDER = "DXPENT0000000001"


def _client(root: Path, journal: Path) -> ClearanceClient:
    return ClearanceClient(FileExchangeTransport(root), journal, sender_id=SENDER, sign=fake_sign, poll_interval=0.01)


def test_a_receipt_file_that_cannot_be_opened_does_not_block_the_others(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with _client(tmp_path / "ImpPath", tmp_path / "j.db") as client:
        handle = client.submit(inventory("COP-LOOP"), signer=object())
        inbox = tmp_path / "ImpPath" / "CEB" / "InBox"
        os.symlink("loop.xml", inbox / "loop.xml")  # opening it fails with ELOOP, every time
        (inbox / "mine.xml").write_bytes(receipt_envelope(ceb622(handle.guids[0], "800"), handle.cop_msg_id))

        final = client.wait(handle, until=Stage.RELEASED, timeout=5)

        assert final.stage is Stage.RELEASED
        assert (inbox / "loop.xml").is_symlink()  # left in place, nothing lost
        assert any("loop.xml" in r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR)
        assert client.poll() == []


def test_a_box_whose_inbox_cannot_be_listed_does_not_block_the_other_boxes(tmp_path: Path) -> None:
    root = tmp_path / "ImpPath"
    with _client(root, tmp_path / "j.db") as client:
        handle = client.submit(inventory("COP-BOX"), signer=object())
        dec_inbox = root / "DecCus001" / "InBox"
        shutil.rmtree(dec_inbox)
        dec_inbox.write_text("not a folder")  # a sync tool, a mistyped path
        (root / "CEB" / "InBox" / "mine.xml").write_bytes(
            receipt_envelope(ceb622(handle.guids[0], "800"), handle.cop_msg_id)
        )

        final = client.wait(handle, until=Stage.RELEASED, timeout=5)

        assert final.stage is Stage.RELEASED


def test_no_inbox_listable_at_all_is_still_a_transport_error(tmp_path: Path) -> None:
    root = tmp_path / "ImpPath"
    transport = FileExchangeTransport(root)
    shutil.rmtree(root)
    root.write_text("unmounted")

    with pytest.raises(TransportError):
        transport.receive()
