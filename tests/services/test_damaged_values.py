"""A damaged value in one journal row (a ``state``/``stage`` no eport wrote, a ``numbers`` that is no JSON, a time
stamp that is no time, receipt bytes rewritten as text, a lease that is no number) affects that row only: it reads
back as :attr:`Stage.ATTENTION` (or keeps its readable facts) with a named :class:`JournalDamage`, while listings,
polls, recovery and the next submissions go on. The rows are damaged with sqlite3 directly, as a disk, a hand edit
or an older/newer tool would."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from eport.services import ClearanceClient, Journal, JournalDamage, MockTransport, Stage, Submission, business_info
from tests.services.helpers import ceb622, fake_sign, inventory, receipt_envelope

SENDER = "DXPENT0000000001"


def _client(transport: MockTransport, journal: Path) -> ClearanceClient:
    return ClearanceClient(transport, journal, sender_id=SENDER, sign=fake_sign, poll_interval=0.01)


def _released_pair(tmp_path: Path) -> tuple[MockTransport, str, str]:
    """Two inventories sent and answered 120 (海关入库), in a journal at tmp_path/j.db."""
    transport = MockTransport()
    with _client(transport, tmp_path / "j.db") as client:
        handles = [client.submit(inventory(cop), signer=object()) for cop in ("COP-BAD", "COP-OK")]
        for handle in handles:
            sub = client.status(handle)
            assert sub.guid is not None
            transport.push(receipt_envelope(ceb622(sub.guid, "120"), handle.cop_msg_id))
        client.poll()
        assert [client.status(h).stage for h in handles] == [Stage.ACCEPTED, Stage.ACCEPTED]
        return transport, handles[0].cop_msg_id, handles[1].cop_msg_id


def _damage(tmp_path: Path, sql: str, *params: object) -> None:
    with sqlite3.connect(tmp_path / "j.db") as db:
        assert db.execute(sql, params).rowcount >= 1


def _go_on(transport: MockTransport, tmp_path: Path, bad: str, good: str) -> ClearanceClient:
    """Reopen (recovery runs), list, poll a new receipt for both rows and submit again: nothing may raise."""
    client = _client(transport, tmp_path / "j.db")
    client.submissions()
    client.submissions_frame() if _has_pandas() else None
    for cop in (bad, good):
        sub = client.status(cop_msg_id=cop)
        assert sub.guid is not None
        transport.push(receipt_envelope(ceb622(sub.guid, "800"), cop))
    client.poll()
    assert client.status(cop_msg_id=good).stage is Stage.RELEASED
    handle = client.submit(inventory("COP-NEXT"), signer=object())
    assert client.status(handle).stage is Stage.SENT
    return client


def _has_pandas() -> bool:
    try:
        import pandas  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.mark.parametrize("value", ["zzz", 7, b"\xff\x00", ""], ids=["unknown-text", "integer", "blob", "empty"])
def test_a_damaged_event_stage_affects_only_its_event(tmp_path: Path, value: object) -> None:
    transport, bad, good = _released_pair(tmp_path)
    _damage(tmp_path, "UPDATE events SET stage = ? WHERE cop_msg_id = ?", value, bad)
    with Journal(tmp_path / "j.db") as journal:
        sub = journal.get(bad)
        assert sub is not None
        [event] = sub.history
        assert event.stage is Stage.ACCEPTED  # read again from the stored receipt bytes
        assert event.code == "120"
        [damage] = sub.damage
        assert (damage.table, damage.column) == ("events", "stage")
        assert damage.value in (repr(value), repr(str(value)))  # a TEXT column stores an integer as its text
        assert "events.stage" in str(damage)
        assert journal.get(good).damage == ()  # type: ignore[union-attr]
        assert len(journal.submissions()) == 2
    with _go_on(transport, tmp_path, bad, good) as client:
        assert client.status(cop_msg_id=bad).stage is Stage.RELEASED  # its own next receipt still counts


def test_a_damaged_event_stage_whose_receipt_is_gone_reads_as_other(tmp_path: Path) -> None:
    transport, bad, good = _released_pair(tmp_path)
    _damage(tmp_path, "UPDATE events SET stage = 'zzz' WHERE cop_msg_id = ?", bad)
    _damage(tmp_path, "UPDATE receipts SET data = X'00' WHERE receipt_key IN (SELECT receipt_key FROM events"
            " WHERE cop_msg_id = ?)", bad)  # fmt: skip
    with Journal(tmp_path / "j.db") as journal:
        [event] = journal.get(bad).history  # type: ignore[union-attr]
        assert event.stage is Stage.OTHER
        assert event.code == "120"
    _go_on(transport, tmp_path, bad, good).close()


@pytest.mark.parametrize("value", ["zzz", 3, None], ids=["unknown-text", "integer", "null-like-empty"])
def test_a_damaged_submission_state_reads_as_attention_with_its_reason(tmp_path: Path, value: object) -> None:
    transport, bad, good = _released_pair(tmp_path)
    if value is None:  # the column is NOT NULL: an empty text is what a blanking tool leaves
        value = ""
    _damage(tmp_path, "UPDATE submissions SET state = ? WHERE cop_msg_id = ?", value, bad)
    with Journal(tmp_path / "j.db") as journal:
        sub = journal.get(bad)
        assert sub is not None
        assert sub.stage is Stage.ATTENTION
        assert "state" in (sub.info or "")
        assert [(d.table, d.column) for d in sub.damage] == [("submissions", "state")]
        assert [s.cop_msg_id for s in journal.submissions(stage=Stage.ATTENTION)] == [bad]
        assert [s.cop_msg_id for s in journal.submissions(stage=Stage.ACCEPTED)] == [good]
        assert journal.count(Stage.ATTENTION) == 1
    with _go_on(transport, tmp_path, bad, good) as client:
        repaired = client.status(cop_msg_id=bad)
        assert repaired.stage is Stage.RELEASED  # a new receipt re-derives the state from the history
        assert repaired.damage == ()


def test_a_damaged_family_of_a_sent_row_keeps_the_listing(tmp_path: Path) -> None:
    transport, bad, good = _released_pair(tmp_path)
    _damage(tmp_path, "UPDATE submissions SET family = 'x?z' WHERE cop_msg_id = ?", bad)
    _damage(tmp_path, "UPDATE events SET family = 42 WHERE cop_msg_id = ?", bad)
    with Journal(tmp_path / "j.db") as journal:
        sub = journal.get(bad)
        assert sub is not None
        assert sub.family.value == "ceb"
        assert sub.history[0].family.value == "ceb"
        assert {(d.table, d.column) for d in sub.damage} == {("submissions", "family"), ("events", "family")}
    _go_on(transport, tmp_path, bad, good).close()


def _sub(journal: Journal, cop: str) -> Submission:
    found = journal.get(cop)
    assert found is not None
    return found


DAMAGES: list[tuple[str, str, Callable[[Journal, str], object]]] = [
    ("UPDATE events SET numbers='{not json' WHERE cop_msg_id=?", "numbers", lambda j, c: _sub(j, c).history[0].numbers),
    ("UPDATE events SET numbers='[1, 2]' WHERE cop_msg_id = ?", "numbers", lambda j, c: _sub(j, c).history[0].numbers),
    ("UPDATE events SET at = 'yesterday' WHERE cop_msg_id = ?", "at", lambda j, c: _sub(j, c).history[0].at),
    ("UPDATE events SET code = X'FF' WHERE cop_msg_id = ?", "code", lambda j, c: _sub(j, c).history[0].code),
    ("UPDATE submissions SET created_at='soon' WHERE cop_msg_id = ?", "created_at", lambda j, c: _sub(j, c).created_at),
    ("UPDATE submissions SET sent_at = 12 WHERE cop_msg_id = ?", "sent_at", lambda j, c: _sub(j, c).sent_at),
    ("UPDATE submissions SET attempts = 'many' WHERE cop_msg_id = ?", "attempts", lambda j, c: _sub(j, c).attempts),
]  # fmt: skip


@pytest.mark.parametrize(("sql", "column", "read"), DAMAGES, ids=[f"{d[1]}-{i}" for i, d in enumerate(DAMAGES)])
def test_other_damaged_columns_are_named_and_read_as_a_safe_value(
    tmp_path: Path, sql: str, column: str, read: Callable[[Journal, str], object]
) -> None:
    transport, bad, good = _released_pair(tmp_path)
    _damage(tmp_path, sql, bad)
    with Journal(tmp_path / "j.db") as journal:
        read(journal, bad)  # reads without raising
        sub = journal.get(bad)
        assert sub is not None
        assert [d.column for d in sub.damage] == [column]
        assert sub.as_row()["cop_msg_id"] == bad
        assert journal.get(good).damage == ()  # type: ignore[union-attr]
    _go_on(transport, tmp_path, bad, good).close()


def test_receipt_bytes_rewritten_as_text_do_not_stop_listing_or_polling(tmp_path: Path) -> None:
    transport, bad, good = _released_pair(tmp_path)
    _damage(tmp_path, "UPDATE receipts SET data = 'text now' WHERE receipt_key IN (SELECT receipt_key FROM events"
            " WHERE cop_msg_id = ?)", bad)  # fmt: skip
    with Journal(tmp_path / "j.db") as journal:
        [event] = journal.get(bad).history  # type: ignore[union-attr]
        assert (event.stage, event.receipt) == (Stage.ACCEPTED, None)
    _go_on(transport, tmp_path, bad, good).close()


def test_an_unmatched_receipt_rewritten_as_text_is_listed_as_its_utf8_bytes(tmp_path: Path) -> None:
    with Journal(tmp_path / "j.db") as journal:
        journal.record_receipt(receipt_key="k", transport="t", receipt_id="1", data=b"<x/>", events=[], error="bad")
    _damage(tmp_path, "UPDATE receipts SET error = 'unmatched', data = 'text'")
    with Journal(tmp_path / "j.db") as journal:
        assert journal.unmatched_receipts() == [("1", b"text")]


@pytest.mark.parametrize("value", ["never", b"\x01", -1e308], ids=["text", "blob", "past"])
def test_a_lease_that_is_no_number_is_expired_and_recovery_goes_on(tmp_path: Path, value: object) -> None:
    with Journal(tmp_path / "j.db") as journal:
        journal.record_many(
            [("cop-1", business_info(inventory("A")), b"<env/>", None)], transport="t", owner="elsewhere|1|x", lease=60
        )
    _damage(tmp_path, "UPDATE submissions SET lease_until = ?", value)
    with Journal(tmp_path / "j.db") as journal:
        assert [s.cop_msg_id for s in journal.claim_unsent("t", "me|2|y", lease=60)] == ["cop-1"]


def test_journal_damage_is_a_frozen_named_value() -> None:
    damage = JournalDamage(table="events", column="stage", value="'zzz'", row="7")
    assert str(damage) == "events.stage of row 7 is damaged: 'zzz'"
    with pytest.raises(AttributeError):
        damage.column = "x"  # type: ignore[misc]
