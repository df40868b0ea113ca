"""One SQLite file of the sandbox, shared by its threads: one connection, one lock, WAL; it survives restarts.

Every state file of the sandbox opens through :class:`SqliteFile`: the submissions (``sandbox.sqlite3``,
:mod:`eport.sandbox.store`), the fake CAS (``login.sqlite3``), the identity records (``identity.sqlite3``), the
verification forms (``verification.sqlite3``) and the refund service (``refund.sqlite3``). Each keeps its own
schema (``CREATE TABLE IF NOT EXISTS …``, run at every open) and its own row conversions.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal


class SqliteFile:
    """One SQLite file shared by a sandbox service's threads (one connection in WAL mode, one reentrant lock).

    Args:
        path: the database file; its folder and the file are created when missing.
        schema: the statements run at every open (``CREATE TABLE IF NOT EXISTS …``).
        timeout: seconds to wait for another process's write lock.
        synchronous: SQLite's ``PRAGMA synchronous`` (``NORMAL`` is safe with WAL but for the last commits before
            a power loss; ``FULL`` syncs every commit).
        named_rows: rows are :class:`sqlite3.Row` (by index and by column name); otherwise plain tuples.

    Raises:
        sqlite3.Error: the file cannot be opened or the schema cannot be applied.
    """

    def __init__(
        self,
        path: Path,
        schema: str,
        *,
        timeout: float = 5.0,
        synchronous: Literal["NORMAL", "FULL"] = "NORMAL",
        named_rows: bool = True,
    ) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.RLock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=timeout)
        if named_rows:
            self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(f"PRAGMA synchronous={synchronous}")
        self._db.executescript(schema)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction (``BEGIN IMMEDIATE``), committed at the end, rolled back on any error."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """The connection, held by this thread for reads of several statements (no transaction is opened)."""
        with self._lock:
            yield self._db

    def query(self, sql: str, params: tuple[object, ...] = ()) -> list[sqlite3.Row]:
        """Rows of a read query (:class:`sqlite3.Row` with ``named_rows``, the default)."""
        with self._lock:
            return list(self._db.execute(sql, params))

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._db.close()


__all__ = ["SqliteFile"]
