"""File exchange over real folders: atomic writes, InBox pick-up, Processed moves, no receipt read twice or lost."""

from __future__ import annotations

import os
import threading
import time
import zipfile
from pathlib import Path

import pytest

from eport.errors import ConfigurationError, DuplicateError, TransportError
from eport.services import (
    ClearanceClient,
    Family,
    FileExchangeTransport,
    Journal,
    Outgoing,
    RawReceipt,
    Stage,
    atomic_write,
    unwrap,
)
from eport.services._xml import MAX_MESSAGE_BYTES
from tests.services.helpers import (
    ceb622,
    dec_import_response,
    dec_result,
    declaration,
    fake_sign,
    inventory,
    unsupported_compression_zip,
)
from tests.services.helpers import receipt_envelope as envelope_of

SENDER = "DXPENT0000000001"


def _outgoing(cop: str = "11111111-1111-1111-1111-111111111111", data: bytes = b"<DxpMsg/>") -> Outgoing:
    return Outgoing(cop_msg_id=cop, msg_type="CEB621Message", family=Family.CEB, envelope=data)


def test_layout_is_created(tmp_path: Path) -> None:
    FileExchangeTransport(tmp_path)
    for box in ("CEB", "DecCus001", "Rmft"):
        for folder in ("OutBox", "InBox", "SentBox", "FailBox", "Processed"):
            assert (tmp_path / box / folder).is_dir()
    with pytest.raises(ConfigurationError, match="missing exchange folder"):
        FileExchangeTransport(tmp_path / "elsewhere", create=False)


def test_send_writes_atomically_and_is_idempotent(tmp_path: Path) -> None:
    transport = FileExchangeTransport(tmp_path)
    result = transport.send(_outgoing(data=b"<DxpMsg>1</DxpMsg>"))
    outbox = tmp_path / "CEB" / "OutBox"
    assert sorted(p.name for p in outbox.iterdir()) == ["11111111-1111-1111-1111-111111111111.xml"]
    assert (outbox / "11111111-1111-1111-1111-111111111111.xml").read_bytes() == b"<DxpMsg>1</DxpMsg>"
    assert result.duplicate is False
    assert transport.send(_outgoing(data=b"<DxpMsg>1</DxpMsg>")).duplicate is True
    with pytest.raises(DuplicateError) as info:
        transport.send(_outgoing(data=b"<DxpMsg>2</DxpMsg>"))
    assert info.value.code == "conflict"
    # the exchange takes it: a re-send is still recognised, nothing new is written
    os.replace(outbox / "11111111-1111-1111-1111-111111111111.xml", tmp_path / "CEB/SentBox/x.xml")
    os.replace(tmp_path / "CEB/SentBox/x.xml", tmp_path / "CEB/SentBox/11111111-1111-1111-1111-111111111111.xml")
    assert transport.send(_outgoing(data=b"<DxpMsg>1</DxpMsg>")).duplicate is True
    assert list(outbox.iterdir()) == []


@pytest.mark.parametrize("name", ["../x.xml", "a.txt", ".hidden.xml", "a\\b.xml"])
def test_bad_file_names_are_refused(tmp_path: Path, name: str) -> None:
    transport = FileExchangeTransport(tmp_path)
    with pytest.raises(ConfigurationError):
        transport.send(Outgoing(cop_msg_id="c", msg_type="m", family=Family.CEB, envelope=b"x", file_name=name))


def test_unwritable_outbox_is_a_transport_error(tmp_path: Path) -> None:
    transport = FileExchangeTransport(tmp_path)
    outbox = tmp_path / "CEB" / "OutBox"
    outbox.rmdir()
    outbox.write_text("not a folder")
    with pytest.raises(TransportError, match=r"cannot (read|write)"):
        transport.send(_outgoing())


def test_half_written_files_are_never_picked_up(tmp_path: Path) -> None:
    transport = FileExchangeTransport(tmp_path)
    inbox = tmp_path / "CEB" / "InBox"
    (inbox / "r1.xml.123-abc.temp").write_bytes(b"<CEB622Message")  # a writer still busy
    (inbox / "notes.txt").write_bytes(b"ignored")
    assert transport.receive().receipts == ()


def test_reader_never_sees_a_partial_file_while_a_writer_renames(tmp_path: Path) -> None:
    transport = FileExchangeTransport(tmp_path)
    inbox = tmp_path / "CEB" / "InBox"
    body = b"<r>" + b"x" * 2_000_000 + b"</r>"
    stop = threading.Event()

    def writer() -> None:
        n = 0
        while not stop.is_set() and n < 40:
            atomic_write(inbox, f"r{n:03}.xml", body)
            n += 1

    thread = threading.Thread(target=writer)
    thread.start()
    seen = 0
    try:
        while thread.is_alive() or seen == 0:
            for receipt in transport.receive(limit=1000).receipts:
                assert receipt.data == body
                seen += 1
            if not thread.is_alive():
                break
    finally:
        stop.set()
        thread.join()
    assert seen > 0
    assert not [p for p in inbox.iterdir() if p.name.endswith(".temp")]


def test_zip_receipts_are_read(tmp_path: Path) -> None:
    transport = FileExchangeTransport(tmp_path)
    path = tmp_path / "DecCus001" / "InBox" / "Receipt1.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("Receipt1.xml", b"<DEC_RESULT/>")
    [receipt] = transport.receive().receipts
    assert receipt.data == b"<DEC_RESULT/>"
    assert receipt.receipt_id == "DecCus001/Receipt1.zip"
    (tmp_path / "DecCus001" / "InBox" / "bad.zip").write_bytes(b"PK no zip")
    assert "not a ZIP" in transport.receive().quarantined[0]


def poison_inbox(root: Path) -> list[str]:
    """Poison receipt files, older than any real receipt, in the CEB InBox: an oversize (sparse) file, a zip with
    an unsupported compression method, a file that is no zip. Returns their names."""
    inbox = root / "CEB" / "InBox"
    with open(inbox / "poison-big.xml", "wb") as handle:
        handle.truncate(MAX_MESSAGE_BYTES + 1)
    (inbox / "poison-method.zip").write_bytes(unsupported_compression_zip(b"<CEB622Message/>"))
    (inbox / "poison-nozip.zip").write_bytes(b"PK no zip")
    names = ["poison-big.xml", "poison-method.zip", "poison-nozip.zip"]
    for name in names:
        os.utime(inbox / name, (time.time() - 600, time.time() - 600))
    return names


def test_poison_receipts_are_quarantined_with_their_reason_and_never_block(tmp_path: Path) -> None:
    transport = FileExchangeTransport(tmp_path)
    names = poison_inbox(tmp_path)
    (tmp_path / "CEB" / "InBox" / "good.xml").write_bytes(b"<CEB622Message/>")

    batch = transport.receive(limit=1)

    assert [r.receipt_id for r in batch.receipts] == ["CEB/good.xml"]
    assert sorted(q.split(":")[0] for q in batch.quarantined) == [f"CEB/{n}" for n in sorted(names)]
    fail_box = tmp_path / "CEB" / "FailBox"
    assert "larger than" in (fail_box / "poison-big.xml.reason.txt").read_text()
    assert "compression" in (fail_box / "poison-method.zip.reason.txt").read_text()
    assert "not a ZIP" in (fail_box / "poison-nozip.zip.reason.txt").read_text()
    assert transport.receive().receipts == batch.receipts  # and nothing of them is left to trip over


def _exchange_takes_outbox(root: Path, box: str = "CEB") -> list[bytes]:
    """What the exchange does: move every final OutBox file to SentBox and return the envelopes."""
    taken = []
    for path in sorted((root / box / "OutBox").iterdir()):
        if path.suffix == ".xml":
            taken.append(path.read_bytes())
            os.replace(path, root / box / "SentBox" / path.name)
    return taken


def test_client_flow_over_folders_with_receipts_moved_to_processed(tmp_path: Path) -> None:
    transport = FileExchangeTransport(tmp_path / "ImpPath")
    client = ClearanceClient(transport, tmp_path / "journal.db", sender_id=SENDER, sign=fake_sign, poll_interval=0.01)
    handle = client.submit(inventory("COP1"), signer=object())
    [taken] = _exchange_takes_outbox(transport.root)
    assert unwrap(taken).cop_msg_id == handle.cop_msg_id
    inbox = transport.root / "CEB" / "InBox"
    for n, status in enumerate(("2", "120", "399", "800")):
        atomic_write(inbox, f"receipt{n}.xml", envelope_of(ceb622(handle.guids[0], status), handle.cop_msg_id))
    sub = client.wait(handle, until=Stage.RELEASED, timeout=5)
    assert [e.code for e in sub.history] == ["2", "120", "399", "800"]
    assert list(inbox.iterdir()) == []
    assert sorted(p.name for p in (transport.root / "CEB" / "Processed").iterdir()) == [
        f"receipt{n}.xml" for n in range(4)
    ]
    client.close()


def test_crash_between_recording_and_moving_a_receipt_loses_nothing_and_counts_once(tmp_path: Path) -> None:
    class CrashOnAck(FileExchangeTransport):
        def ack(self, receipts: object) -> None:
            raise TransportError("simulated crash before the move")

    root = tmp_path / "ImpPath"
    journal_path = tmp_path / "journal.db"
    crashing = CrashOnAck(root)
    client = ClearanceClient(crashing, journal_path, sender_id=SENDER, sign=fake_sign)
    handle = client.submit(inventory("COP1"), signer=object())
    atomic_write(root / "CEB" / "InBox", "r.xml", envelope_of(ceb622(handle.guids[0], "120"), handle.cop_msg_id))
    with pytest.raises(TransportError):
        client.poll()
    client.close()
    assert (root / "CEB" / "InBox" / "r.xml").exists()
    # restart with a working transport: the receipt is moved, its status counted once
    restarted = ClearanceClient(FileExchangeTransport(root), journal_path, sender_id=SENDER, sign=fake_sign)
    assert restarted.poll() == []
    assert not (root / "CEB" / "InBox" / "r.xml").exists()
    assert [e.code for e in restarted.status(handle).history] == ["120"]
    restarted.close()


def test_declaration_file_name_and_bare_receipts(tmp_path: Path) -> None:
    transport = FileExchangeTransport(tmp_path)
    journal = Journal(tmp_path / "j.db")
    client = ClearanceClient(transport, journal, sender_id=SENDER, poll_interval=0.01)
    handle = client.submit(declaration("202611280000000001"))
    assert (tmp_path / "DecCus001" / "OutBox" / "Dec202611280000000001.xml").exists()
    inbox = tmp_path / "DecCus001" / "InBox"
    atomic_write(inbox, "Dec202611280000000001.xml", dec_import_response("202611280000000001", "I2026000000001"))
    atomic_write(inbox, "Receipt_I2026000000001_P.xml", dec_result("I2026000000001", "P"))
    sub = client.wait(handle, timeout=5)
    assert sub.stage is Stage.RELEASED
    assert sub.seq_no == "I2026000000001"


def test_ack_of_an_already_moved_receipt_is_harmless(tmp_path: Path) -> None:
    transport = FileExchangeTransport(tmp_path)
    transport.ack([RawReceipt(receipt_id="CEB/gone.xml", data=b"")])


def test_foreign_receipts_do_not_starve_our_own(tmp_path: Path) -> None:
    transport = FileExchangeTransport(tmp_path)
    client = ClearanceClient(transport, Journal(tmp_path / "j.db"), sender_id=SENDER, sign=fake_sign,
                             poll_interval=0.01)  # fmt: skip
    inbox = tmp_path / "CEB" / "InBox"
    for n in range(150):  # receipts of some other software's submissions, older than ours
        atomic_write(inbox, f"foreign{n:03}.xml", envelope_of(ceb622(f"G{n}", "120"), f"foreign-{n}"))
    handle = client.submit(inventory("COP1"), signer=object())
    atomic_write(inbox, "zz-ours.xml", envelope_of(ceb622(handle.guids[0], "800"), handle.cop_msg_id))
    assert client.wait(handle, timeout=10).stage is Stage.RELEASED
    assert list(inbox.iterdir()) == []
    assert len(client.journal.unmatched_receipts()) == 150


def test_stale_temp_files_of_dead_writers_are_removed(tmp_path: Path) -> None:
    transport = FileExchangeTransport(tmp_path)
    outbox = tmp_path / "CEB" / "OutBox"
    stale = outbox / "a.xml.999-dead.temp"
    fresh = outbox / "b.xml.1000-busy.temp"
    stale.write_bytes(b"<half")
    fresh.write_bytes(b"<half")
    os.utime(stale, (1_000_000, 1_000_000))
    assert transport.remove_stale_temp(older_than=3600) == [stale]
    assert fresh.exists()
