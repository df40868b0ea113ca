"""``ClearanceClient.submit_many``: one journal transaction and one OutBox fsync per batch, same crash guarantees."""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path

import pytest

from eport.errors import DuplicateError, TransportError
from eport.services import (
    BatchingTransport,
    ClearanceClient,
    FileExchangeTransport,
    HttpTransport,
    Journal,
    Outgoing,
    SendResult,
    Stage,
    filexchange,
)
from tests.services.helpers import Gateway, declaration, fake_sign, inventory, journal_states, run_and_kill

SENDER = "DXPENT0000000001"


@pytest.fixture
def folder_syncs(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every folder fsync'ed by the file exchange (the real fsync still runs)."""
    calls: list[Path] = []
    real = filexchange.fsync_folder

    def counting(folder: Path) -> None:
        calls.append(folder)
        real(folder)

    monkeypatch.setattr(filexchange, "fsync_folder", counting)
    return calls


def _client(tmp_path: Path, transport: object | None = None) -> ClearanceClient:
    return ClearanceClient(
        transport or FileExchangeTransport(tmp_path / "ImpPath"),  # type: ignore[arg-type]
        tmp_path / "journal.db",
        sender_id=SENDER,
        sign=fake_sign,
    )


def _outbox(tmp_path: Path, box: str = "CEB") -> list[str]:
    return sorted(p.name for p in (tmp_path / "ImpPath" / box / "OutBox").iterdir())


def test_submit_many_writes_every_file_with_one_folder_fsync(tmp_path: Path, folder_syncs: list[Path]) -> None:
    client = _client(tmp_path)
    handles = client.submit_many([inventory(f"BATCH{i}") for i in range(10)], signer=object())
    assert [h.msg_type for h in handles] == ["CEB621Message"] * 10
    assert len({h.cop_msg_id for h in handles}) == 10
    assert _outbox(tmp_path) == sorted(f"{h.cop_msg_id}.xml" for h in handles)
    assert folder_syncs == [tmp_path / "ImpPath" / "CEB" / "OutBox"]
    assert [s.stage for s in client.submissions()] == [Stage.SENT] * 10
    assert {s.cop_msg_id for s in client.submissions()} == {h.cop_msg_id for h in handles}
    client.close()


def test_single_submits_fsync_the_folder_each_time(tmp_path: Path, folder_syncs: list[Path]) -> None:
    client = _client(tmp_path)
    for i in range(3):
        client.submit(inventory(f"ONE{i}"), signer=object())
    assert len(folder_syncs) == 3
    client.close()


def test_one_fsync_per_outbox_for_mixed_families(tmp_path: Path, folder_syncs: list[Path]) -> None:
    client = _client(tmp_path)
    handles = client.submit_many(
        [inventory("MIX1"), declaration("202611280000000101"), inventory("MIX2"), declaration("202611280000000102")],
        signer=object(),
    )
    assert sorted(folder_syncs) == [tmp_path / "ImpPath" / b / "OutBox" for b in ("CEB", "DecCus001")]
    assert _outbox(tmp_path, "DecCus001") == ["Dec202611280000000101.xml", "Dec202611280000000102.xml"]
    assert [h.client_seq_no for h in handles] == [None, "202611280000000101", None, "202611280000000102"]
    client.close()


def test_a_duplicate_in_the_batch_records_and_sends_nothing(tmp_path: Path) -> None:
    client = _client(tmp_path)
    same = inventory("TWICE", guid="5AB0D0C2-5E3B-4B5A-9D1A-0C9F0E9B7A11")
    with pytest.raises(DuplicateError) as info:
        client.submit_many([inventory("FIRST"), same, same], signer=object())
    assert info.value.code == "local"
    assert client.journal.count() == 0
    assert _outbox(tmp_path) == []
    client.close()


def test_empty_batch(tmp_path: Path) -> None:
    client = _client(tmp_path)
    assert client.submit_many([]) == []
    assert client.journal.count() == 0
    client.close()


class _FailingThird:
    """A real file exchange whose third send fails (a full disk, an unplugged share)."""

    def __init__(self, inner: FileExchangeTransport) -> None:
        self.inner = inner
        self.sends = 0
        self.name = inner.name

    def send(self, outgoing: Outgoing) -> SendResult:
        self.sends += 1
        if self.sends == 3:
            raise TransportError("OutBox unwritable")
        return self.inner.send(outgoing)

    def batch(self) -> contextlib.AbstractContextManager[None]:
        return self.inner.batch()

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)


def test_a_failure_mid_batch_keeps_the_rest_written_for_recovery(tmp_path: Path, folder_syncs: list[Path]) -> None:
    transport = _FailingThird(FileExchangeTransport(tmp_path / "ImpPath"))
    assert isinstance(transport, BatchingTransport)
    client = _client(tmp_path, transport)
    with pytest.raises(TransportError, match="unwritable"):
        client.submit_many([inventory(f"FAIL{i}") for i in range(5)], signer=object())
    subs = sorted(client.submissions(), key=lambda s: s.created_at)
    stages = sorted(s.stage.value for s in subs)
    assert stages == ["sent", "sent", "written", "written", "written"]
    sent = {s.cop_msg_id for s in subs if s.stage is Stage.SENT}
    assert _outbox(tmp_path) == sorted(f"{c}.xml" for c in sent)
    assert len(folder_syncs) == 1  # the two files written before the failure were made durable
    recovered = client.recover()
    assert len(recovered) == 3
    assert [s.stage for s in client.submissions()] == [Stage.SENT] * 5
    assert len(_outbox(tmp_path)) == 5
    client.close()


def test_nested_batch_blocks_join_the_outer_one(tmp_path: Path, folder_syncs: list[Path]) -> None:
    transport = FileExchangeTransport(tmp_path / "ImpPath")
    client = _client(tmp_path, transport)
    with transport.batch():
        with transport.batch():
            client.submit(inventory("NEST1"), signer=object())
        assert folder_syncs == []  # the inner block joined the outer one
        client.submit(inventory("NEST2"), signer=object())
        assert folder_syncs == []
    assert folder_syncs == [tmp_path / "ImpPath" / "CEB" / "OutBox"]
    client.close()


def test_a_batch_in_one_thread_does_not_defer_another_threads_sends(tmp_path: Path, folder_syncs: list[Path]) -> None:
    transport = FileExchangeTransport(tmp_path / "ImpPath")
    client = _client(tmp_path, transport)
    with transport.batch():
        worker = threading.Thread(target=lambda: client.submit(inventory("OTHER"), signer=object()))
        worker.start()
        worker.join(timeout=30)
        assert folder_syncs == [tmp_path / "ImpPath" / "CEB" / "OutBox"]  # the other thread's send synced at once
        client.submit(inventory("MINE"), signer=object())
        assert len(folder_syncs) == 1
    assert len(folder_syncs) == 2
    client.close()


def test_journal_record_many_is_all_or_nothing(tmp_path: Path) -> None:
    from eport.services import business_info

    journal = Journal(tmp_path / "j.db")
    first = business_info(fake_sign(inventory("R1"), None))
    second = business_info(fake_sign(inventory("R2"), None))
    journal.record_many([("a", first, b"<a/>", None), ("b", second, b"<b/>", None)], transport="t")
    assert journal.count(Stage.WRITTEN) == 2
    with pytest.raises(DuplicateError) as info:
        journal.record_many([("c", business_info(fake_sign(inventory("R3"), None)), b"<c/>", None),
                             ("a", second, b"<a/>", None)], transport="t")  # fmt: skip
    assert info.value.code == "cop_msg_id"
    assert journal.count() == 2  # "c" was rolled back with the batch
    journal.mark_sent_many(["a", "b"])
    assert journal.count(Stage.SENT) == 2
    journal.close()


# --------------------------------------------------------------------------------------------- a real crash
_SUBMIT_EIGHT = 'client.submit_many([inventory(f"KILL{i}") for i in range(8)], signer=object())'


@pytest.mark.slow
def test_killed_mid_batch_every_message_is_recorded_and_recovery_sends_each_once(
    gateway: Gateway, tmp_path: Path
) -> None:
    journal = tmp_path / "journal.db"
    gateway.delay_after_store = 5  # the first reply never reaches the client before it dies
    run_and_kill(_SUBMIT_EIGHT, gateway, journal, lambda: len(gateway.stored) == 1)
    assert journal_states(journal) == ["written"] * 8  # all recorded before the first send
    gateway.delay_after_store = 0
    with ClearanceClient(HttpTransport(gateway.url, dxp_id=SENDER), journal, sender_id=SENDER, sign=fake_sign) as c:
        subs = c.submissions()
    assert [s.stage for s in subs] == [Stage.SENT] * 8
    assert sorted(gateway.stored) == sorted(s.cop_msg_id for s in subs)
    assert set(gateway.copies.values()) == {1}
    assert gateway.posts == 9  # the one stored before the crash was posted again and recognised
