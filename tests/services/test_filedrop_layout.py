"""The file-exchange transport follows the Single Window layout of :mod:`eport.edi.dec.filedrop` on real folders."""

from __future__ import annotations

import io
import os
import time
import zipfile
from pathlib import Path

import pytest

from eport.edi.dec import filedrop
from eport.errors import ConfigurationError
from eport.services import DEFAULT_BOXES, ClearanceClient, Family, FileExchangeTransport, Journal, unwrap
from eport.services.filexchange import FOLDERS
from tests.services.helpers import dec_import_response, declaration, fake_sign

SENDER = "DXPENT0000000001"


def test_boxes_and_folders_are_the_single_window_ones(tmp_path: Path) -> None:
    assert DEFAULT_BOXES[Family.DEC] == filedrop.DECLARATION_DIR == "DecCus001"
    assert DEFAULT_BOXES[Family.MANIFEST] == filedrop.MANIFEST_DIR == "Rmft"
    assert FOLDERS[:4] == filedrop.BOXES
    FileExchangeTransport(tmp_path)
    for layout in (filedrop.declaration_layout(tmp_path), filedrop.manifest_layout(tmp_path)):
        assert all(Path(box).is_dir() for box in layout.boxes)


def test_a_declaration_is_dropped_under_its_single_window_name(tmp_path: Path) -> None:
    client = ClearanceClient(FileExchangeTransport(tmp_path), Journal(":memory:"), sender_id=SENDER, sign=fake_sign)
    handle = client.submit(declaration("202611280000000042"))
    out_box = Path(filedrop.declaration_layout(tmp_path).out_box)
    dropped = out_box / filedrop.declaration_file_name("202611280000000042")
    assert [p.name for p in out_box.iterdir()] == [dropped.name] == ["Dec202611280000000042.xml"]
    assert unwrap(dropped.read_bytes()).cop_msg_id == handle.cop_msg_id
    assert client.status(handle).file_name == dropped.name


def test_a_client_seq_no_unsafe_in_a_file_name_is_refused_before_recording(tmp_path: Path) -> None:
    journal = Journal(":memory:")
    client = ClearanceClient(FileExchangeTransport(tmp_path), journal, sender_id=SENDER, sign=fake_sign)
    with pytest.raises(ConfigurationError, match="ClientSeqNo"):
        client.submit(declaration("../../etc/x"))
    assert journal.count() == 0
    assert list(Path(filedrop.declaration_layout(tmp_path).out_box).iterdir()) == []


def test_stale_temporary_files_use_the_filedrop_suffix(tmp_path: Path) -> None:
    transport = FileExchangeTransport(tmp_path)
    out_box = Path(filedrop.declaration_layout(tmp_path).out_box)
    stale = out_box / filedrop.temporary_name("Dec202611280000000001.xml")
    fresh = out_box / filedrop.temporary_name("Dec202611280000000002.xml")
    stale.write_bytes(b"<half")
    fresh.write_bytes(b"<half")
    os.utime(stale, (time.time() - 7200, time.time() - 7200))
    assert transport.remove_stale_temp(older_than=3600) == [stale]
    assert fresh.exists()
    assert transport.receive().receipts == ()


def test_zip_receipts_are_unpacked_with_read_package(tmp_path: Path) -> None:
    transport = FileExchangeTransport(tmp_path)
    in_box = Path(filedrop.declaration_layout(tmp_path).in_box)
    receipt = dec_import_response("202611280000000042", "I20261128000000042")
    package = filedrop.build_package("Receipt42.xml", receipt, {"note.txt": b"extra"})
    (in_box / "Receipt42.zip").write_bytes(package)
    [raw] = transport.receive().receipts
    assert raw.data == receipt
    transport.ack([raw])
    # an entry name escaping the folder is refused, as read_package refuses it
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../Receipt43.xml", receipt)
    (in_box / "Receipt43.zip").write_bytes(buffer.getvalue())
    batch = transport.receive()
    assert batch.receipts == ()
    assert [q.split(":")[0] for q in batch.quarantined] == ["DecCus001/Receipt43.zip"]
    assert (
        "no readable XML"
        in (Path(filedrop.declaration_layout(tmp_path).fail_box) / "Receipt43.zip.reason.txt").read_text()
    )


def test_an_unreadable_zip_receipt_is_moved_to_failbox_and_does_not_block_the_inbox(tmp_path: Path) -> None:
    transport = FileExchangeTransport(tmp_path)
    layout = filedrop.declaration_layout(tmp_path)
    receipt = dec_import_response("202611280000000042", "I20261128000000042")
    (Path(layout.in_box) / "bad.zip").write_bytes(b"PK no zip")
    os.utime(Path(layout.in_box) / "bad.zip", (time.time() - 60, time.time() - 60))  # oldest: read first
    (Path(layout.in_box) / "Receipt42.xml").write_bytes(receipt)
    [raw] = transport.receive().receipts  # the poison file is set aside, the receipt behind it read
    assert raw.data == receipt
    assert (Path(layout.fail_box) / "bad.zip").read_bytes() == b"PK no zip"  # kept, not lost
    assert "not a ZIP" in (Path(layout.fail_box) / "bad.zip.reason.txt").read_text()
