"""The SQLite journal on its own: format checks, reopening, correlation order, filters."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from eport.errors import DuplicateError, JournalError
from eport.services import Journal, Stage, StatusEvent, business_info
from eport.services._xml import Family
from tests.services.helpers import declaration, inventory


def _record(journal: Journal, message: bytes, cop: str) -> None:
    journal.record(cop_msg_id=cop, info=business_info(message), envelope=b"<env/>", transport="t")


def test_not_a_database_is_a_journal_error(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(JournalError, match="cannot open"):
        Journal(path)


def test_a_newer_format_is_refused_not_rewritten(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    Journal(path).close()
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version = 99")
    with pytest.raises(JournalError, match="newer"):
        Journal(path)


def test_reopening_keeps_everything(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "j.db"
    journal = Journal(path)
    _record(journal, inventory("A"), "cop-1")
    journal.mark_sent("cop-1")
    journal.set_cursor("t", "42")
    journal.close()
    again = Journal(path)
    sub = again.get("cop-1")
    assert sub is not None
    assert sub.stage is Stage.SENT
    assert again.cursor("t") == "42"
    with pytest.raises(DuplicateError):
        _record(again, inventory("A"), "cop-2")
    with pytest.raises(DuplicateError) as info:
        _record(again, inventory("B"), "cop-1")
    assert info.value.code == "cop_msg_id"
    again.close()


def test_correlation_order_and_stage_only_moves_forward() -> None:
    journal = Journal(":memory:")
    _record(journal, declaration("S1"), "cop-dec")

    def event(code: str, stage: Stage, **keys: str) -> StatusEvent:
        return StatusEvent(receipt_type="DEC_RESULT", family=Family.DEC, stage=stage, code=code, **keys)  # type: ignore[arg-type]

    first = journal.record_receipt(receipt_key="k1", transport="t", receipt_id="1", data=b"1",
                                   events=[event("0", Stage.DECLARING, client_seq_no="S1", seq_no="Q1")])  # fmt: skip
    assert [owner for owner, _ in first.events] == ["cop-dec"]
    journal.record_receipt(receipt_key="k2", transport="t", receipt_id="2", data=b"2",
                           events=[event("P", Stage.RELEASED, seq_no="Q1", entry_id="E1")])  # fmt: skip
    late = journal.record_receipt(receipt_key="k3", transport="t", receipt_id="3", data=b"3",
                                  events=[event("L", Stage.ACCEPTED, entry_id="E1")])  # fmt: skip
    assert late.events
    sub = journal.get("cop-dec")
    assert sub is not None
    assert sub.stage is Stage.RELEASED  # a late "L" does not move it back
    assert sub.code == "P"
    assert [e.code for e in sub.history] == ["0", "P", "L"]
    assert (sub.seq_no, sub.entry_id) == ("Q1", "E1")
    assert journal.record_receipt(receipt_key="k3", transport="t", receipt_id="3", data=b"3", events=[]).new is False


def test_filters_by_time_and_limit() -> None:
    journal = Journal(":memory:")
    t0 = dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc)
    for n in range(5):
        journal.record(cop_msg_id=f"c{n}", info=business_info(inventory(f"X{n}")), envelope=b"e", transport="t",
                       now=t0 + dt.timedelta(days=n))  # fmt: skip
    assert [s.cop_msg_id for s in journal.submissions(since=t0 + dt.timedelta(days=3))] == ["c3", "c4"]
    assert [s.cop_msg_id for s in journal.submissions(until=t0 + dt.timedelta(days=1))] == ["c0"]
    assert len(journal.submissions(limit=2)) == 2
    assert journal.count(Stage.WRITTEN) == 5
    assert [s.cop_msg_id for s in journal.unsent()] == ["c0", "c1", "c2", "c3", "c4"]
