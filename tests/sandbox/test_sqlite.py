"""``eport.sandbox.sqlite.SqliteFile``: the one way every sandbox state file is opened, written and read."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from eport.errors import ServiceError
from eport.sandbox.refund import RefundService
from eport.sandbox.sqlite import SqliteFile
from eport.sandbox.store import Store

SCHEMA = "CREATE TABLE IF NOT EXISTS items (name TEXT PRIMARY KEY, value INTEGER NOT NULL);"


def test_a_new_file_gets_its_folder_its_schema_and_wal(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "state.sqlite3"
    db = SqliteFile(path, SCHEMA)
    with db.reading() as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    assert db.query("SELECT name FROM sqlite_master WHERE type = 'table'")[0]["name"] == "items"
    db.close()
    assert path.is_file()


def test_a_commit_survives_reopening_and_the_schema_runs_again_harmlessly(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    db = SqliteFile(path, SCHEMA)
    with db.transaction() as conn:
        conn.execute("INSERT INTO items VALUES ('a', 1)")
    db.close()
    again = SqliteFile(path, SCHEMA)
    assert [tuple(row) for row in again.query("SELECT name, value FROM items")] == [("a", 1)]
    again.close()


def _insert_twice(db: SqliteFile, error: BaseException | None = None) -> None:
    """One transaction: a row, then the same key again (an IntegrityError) or ``error`` raised."""
    with db.transaction() as conn:
        conn.execute("INSERT INTO items VALUES ('a', 1)")
        if error is not None:
            raise error
        conn.execute("INSERT INTO items VALUES ('a', 2)")


def test_an_error_inside_a_transaction_rolls_everything_back(tmp_path: Path) -> None:
    db = SqliteFile(tmp_path / "state.sqlite3", SCHEMA)
    with pytest.raises(sqlite3.IntegrityError):
        _insert_twice(db)
    assert db.query("SELECT * FROM items") == []  # the first insert went too
    with pytest.raises(KeyboardInterrupt):  # not only Exception
        _insert_twice(db, KeyboardInterrupt())
    assert db.query("SELECT * FROM items") == []
    with db.transaction() as conn:  # and the connection is usable again
        conn.execute("INSERT INTO items VALUES ('c', 3)")
    assert [row["name"] for row in db.query("SELECT name FROM items")] == ["c"]


def test_the_options_the_stores_need(tmp_path: Path) -> None:
    db = SqliteFile(tmp_path / "state.sqlite3", SCHEMA, synchronous="FULL", named_rows=False)
    with db.transaction() as conn:
        conn.execute("INSERT INTO items VALUES ('a', 1)")
    with db.reading() as conn:
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        row = conn.execute("SELECT name, value FROM items").fetchone()
    assert type(row) is tuple
    assert row == ("a", 1)


def test_threads_share_one_file_without_losing_a_write(tmp_path: Path) -> None:
    db = SqliteFile(tmp_path / "state.sqlite3", SCHEMA)
    with db.transaction() as conn:
        conn.execute("INSERT INTO items VALUES ('n', 0)")

    def bump() -> None:
        for _ in range(50):
            with db.transaction() as conn:
                value = conn.execute("SELECT value FROM items WHERE name = 'n'").fetchone()[0]
                conn.execute("UPDATE items SET value = ? WHERE name = 'n'", (value + 1,))

    threads = [threading.Thread(target=bump) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert db.query("SELECT value FROM items")[0]["value"] == 200


def test_the_stores_keep_their_settings(tmp_path: Path) -> None:
    store = Store(tmp_path / "sandbox.sqlite3")
    refund = RefundService(tmp_path / "sandbox.sqlite3", tmp_path / "refund.sqlite3")
    try:
        with store.db.reading() as conn:
            assert conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL, as before
            assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 30_000
            assert type(conn.execute("SELECT 1, 2").fetchone()) is tuple
        with refund.db.reading() as conn:
            assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # SQLite's default, FULL, as before
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        store.close()
        refund.close()


def test_a_sandbox_state_that_is_not_a_database_is_a_service_error(tmp_path: Path) -> None:
    path = tmp_path / "sandbox.sqlite3"
    path.write_bytes(b"not a database" * 100)
    with pytest.raises(ServiceError, match="cannot open the sandbox state"):
        Store(path)
