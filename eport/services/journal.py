"""The local submission journal: SQLite (WAL) records every submission before it is sent, and every receipt.

States move written → sent → the stages of :class:`~eport.services.Stage`. The journal is what makes the client
idempotent and durable: a business document already declared is refused before anything leaves the machine, a
crash between "written" and "sent" is found again by :meth:`Journal.unsent`, and a receipt is recorded once even
when the transport shows it twice.

Duplicate rule (checked inside the same write transaction as the insert, so concurrent clients sharing one
journal cannot both pass it):

* CEB: a document (entity head) with ``appType`` 1 (new) is refused when a submission of the same document key
  (head name + first party code + first business number, see :class:`~eport.services.DocumentKey`) or the same
  ``guid`` exists that was not rejected or cancelled. ``appType`` 2 (change) and 3 (delete) are always allowed.
* Declarations: a ``DecMessage`` with the ``ClientSeqNo`` of an earlier submission is refused unless that one was
  rejected or cancelled, or it was a temporary save (``OperType`` G 暂存) and the new one is not.
* Manifests: the same ``Head/MessageID`` is refused unless the earlier one was rejected.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import socket
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType

import attrs

from eport.errors import DuplicateError, EportError, JournalError
from eport.services._xml import BusinessInfo, Family, family_of
from eport.services.journal_rows import JournalDamage, RowReader, blob, lease_expired
from eport.services.receipts import Stage, StatusEvent, parse_receipt

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 1
"""Format of the journal database (``PRAGMA user_version``); a newer file is refused, not rewritten."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS submissions (
    cop_msg_id TEXT PRIMARY KEY,
    msg_type TEXT NOT NULL,
    family TEXT NOT NULL,
    transport TEXT NOT NULL,
    state TEXT NOT NULL,
    code TEXT,
    info TEXT,
    envelope BLOB NOT NULL,
    file_name TEXT,
    guid TEXT,
    client_seq_no TEXT,
    oper_type TEXT,
    seq_no TEXT,
    entry_id TEXT,
    message_id TEXT,
    created_at TEXT NOT NULL,
    sent_at TEXT,
    updated_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS submissions_state ON submissions(state);
CREATE INDEX IF NOT EXISTS submissions_client_seq_no ON submissions(client_seq_no);
CREATE INDEX IF NOT EXISTS submissions_seq_no ON submissions(seq_no);
CREATE INDEX IF NOT EXISTS submissions_entry_id ON submissions(entry_id);
CREATE TABLE IF NOT EXISTS documents (
    doc_key TEXT NOT NULL,
    cop_msg_id TEXT NOT NULL REFERENCES submissions(cop_msg_id),
    guid TEXT,
    new INTEGER NOT NULL,
    PRIMARY KEY (doc_key, cop_msg_id)
);
CREATE INDEX IF NOT EXISTS documents_guid ON documents(guid);
CREATE TABLE IF NOT EXISTS receipts (
    receipt_key TEXT PRIMARY KEY,
    transport TEXT NOT NULL,
    receipt_id TEXT NOT NULL,
    data BLOB NOT NULL,
    error TEXT,
    recorded_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    receipt_key TEXT NOT NULL REFERENCES receipts(receipt_key),
    cop_msg_id TEXT NOT NULL REFERENCES submissions(cop_msg_id),
    receipt_type TEXT NOT NULL,
    family TEXT NOT NULL,
    stage TEXT NOT NULL,
    code TEXT NOT NULL,
    info TEXT NOT NULL,
    at TEXT,
    guid TEXT,
    client_seq_no TEXT,
    seq_no TEXT,
    entry_id TEXT,
    numbers TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_cop_msg_id ON events(cop_msg_id);
CREATE TABLE IF NOT EXISTS cursors (transport TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS pending_links (
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    receipt_key TEXT NOT NULL REFERENCES receipts(receipt_key),
    PRIMARY KEY (kind, value, receipt_key)
);
"""

_LINKS = ("guid", "client_seq_no", "seq_no", "entry_id")
"""The keys of a status event that can tie it to a submission later (``pending_links`` of unmatched receipts)."""

_RETIRED = (Stage.REJECTED.value, Stage.CANCELLED.value, Stage.ATTENTION.value)
_TYPED_CACHE_SIZE = 4096
"""Parsed receipts kept per journal (receipt bytes never change, so the cache is never stale)."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _iso(value: dt.datetime | None) -> str | None:
    return None if value is None else value.astimezone(dt.timezone.utc).isoformat(timespec="microseconds")


@attrs.frozen(kw_only=True)
class Submission:
    """A submission as the journal knows it, with its full status history.

    Attributes:
        cop_msg_id: the CopMsgId (idempotency key).
        msg_type: the business root name.
        family: CEB, declaration or manifest.
        stage: the current stage (``WRITTEN`` until the transport took it).
        code: the last customs code (``returnStatus``, ``CHANNEL``, ``StatementCode``).
        info: the last customs text.
        guid: the CEB guid of the first document.
        client_seq_no: declaration 客户端编号.
        seq_no: declaration 统一编号, once customs gave it.
        entry_id: declaration 海关编号, once assigned.
        message_id: manifest ``Head/MessageID``.
        transport: the name of the transport it went through.
        file_name: the exchange file name, when one was chosen.
        created_at: when it was recorded; sent_at: when the transport took it; updated_at: last change.
        attempts: how many times it was handed to the transport.
        history: the status events, in the order they were recorded.
        damage: the values of this row (and of its events) that did not read back from the journal file (damaged
            storage, a hand edit): each names its table, column and row. A damaged ``state`` reads as
            :attr:`Stage.ATTENTION` with the damage in ``info``; other damaged values read as a safe value (see
            :mod:`eport.services.journal_rows`). Empty for a sound row.
    """

    cop_msg_id: str
    msg_type: str
    family: Family
    stage: Stage
    code: str | None
    info: str | None
    guid: str | None
    client_seq_no: str | None
    seq_no: str | None
    entry_id: str | None
    message_id: str | None
    transport: str
    file_name: str | None
    created_at: dt.datetime
    sent_at: dt.datetime | None
    updated_at: dt.datetime
    attempts: int
    history: tuple[StatusEvent, ...] = ()
    damage: tuple[JournalDamage, ...] = ()

    @property
    def final(self) -> bool:
        """Whether no further receipt is expected."""
        return self.stage.final

    def as_row(self) -> dict[str, object]:
        """A flat dict for tables and DataFrames (history summarised as its codes)."""
        return {
            "cop_msg_id": self.cop_msg_id,
            "msg_type": self.msg_type,
            "family": self.family.value,
            "stage": self.stage.value,
            "code": self.code,
            "info": self.info,
            "guid": self.guid,
            "client_seq_no": self.client_seq_no,
            "seq_no": self.seq_no,
            "entry_id": self.entry_id,
            "created_at": self.created_at,
            "sent_at": self.sent_at,
            "updated_at": self.updated_at,
            "history": " → ".join(e.code for e in self.history),
            "damage": "; ".join(str(d) for d in self.damage),
        }


@attrs.frozen(kw_only=True)
class Recorded:
    """Result of recording one receipt.

    Attributes:
        new: ``False`` when the receipt was recorded before (nothing changed).
        events: the newly recorded events with the CopMsgId of the submission each belongs to.
        unmatched: events that belong to no submission in this journal.
        kept: whether the receipt bytes are stored in the journal (always, unless it was unmatched and the
            caller chose not to keep it).
    """

    new: bool
    events: tuple[tuple[str, StatusEvent], ...] = ()
    unmatched: tuple[StatusEvent, ...] = ()
    kept: bool = True


class Journal:
    """The SQLite submission journal. Safe to share between threads; several processes may open one file.

    Args:
        path: the database file (created with its folder), or ``":memory:"``.
        timeout: seconds to wait for another writer's lock before :class:`JournalError`.
        clock: the wall clock of leases, in seconds since the epoch (``time.time``; injected by tests). See
            :meth:`claim_unsent` for what a clock set back does.

    Raises:
        eport.errors.JournalError: the database cannot be opened or is not a journal.
    """

    def __init__(
        self, path: str | os.PathLike[str], *, timeout: float = 30.0, clock: Callable[[], float] = time.time
    ) -> None:
        self.path = str(path)
        self._clock = clock
        self._lock = threading.RLock()
        self._typed: dict[str, tuple[StatusEvent, ...]] = {}
        try:
            if self.path != ":memory:":
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=timeout, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("PRAGMA foreign_keys=ON")
            with self._write() as db:
                version = int(db.execute("PRAGMA user_version").fetchone()[0])
                if version > SCHEMA_VERSION:
                    raise JournalError(
                        f"journal {self.path} has format {version}, newer than this eport ({SCHEMA_VERSION})"
                    )
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        db.execute(statement)
                columns = {row[1] for row in db.execute("PRAGMA table_info(submissions)")}
                for column, kind in (("owner", "TEXT"), ("lease_until", "REAL"), ("lease_for", "REAL")):  # after 1
                    if column not in columns:
                        db.execute(f"ALTER TABLE submissions ADD COLUMN {column} {kind}")
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except sqlite3.Error as exc:
            raise JournalError(f"cannot open the journal {self.path}: {exc}") from exc

    def __repr__(self) -> str:
        return f"Journal({self.path!r})"

    def __enter__(self) -> Journal:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @contextmanager
    def _write(self, *, durable: bool = True) -> Iterator[sqlite3.Connection]:
        """One write transaction. ``durable=False`` skips the fsync at commit (survives a process crash, not a
        power cut): only for facts that recovery re-derives safely, such as "sent"."""
        with self._lock:
            if not durable:
                self._db.execute("PRAGMA synchronous=NORMAL")
            try:
                yield from self._transaction()
            finally:
                if not durable:
                    self._db.execute("PRAGMA synchronous=FULL")

    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise JournalError(f"journal {self.path} is locked or unwritable: {exc}") from exc
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            try:
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                raise JournalError(f"journal {self.path} commit failed: {exc}") from exc

    def _query(self, sql: str, params: Sequence[object] = ()) -> list[sqlite3.Row]:
        with self._lock:
            try:
                cursor = self._db.execute(sql, tuple(params))
                cursor.row_factory = sqlite3.Row
                return list(cursor.fetchall())
            except sqlite3.Error as exc:
                raise JournalError(f"journal {self.path} query failed: {exc}") from exc

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()

    # ------------------------------------------------------------------------------------------- submissions
    def record(
        self,
        *,
        cop_msg_id: str,
        info: BusinessInfo,
        envelope: bytes,
        transport: str,
        file_name: str | None = None,
        now: dt.datetime | None = None,
    ) -> None:
        """Record a submission as ``written``, before it is sent, after checking the duplicate rule.

        Raises:
            eport.errors.DuplicateError: the business document was already submitted (``code="local"``), or the
                CopMsgId is already recorded (``code="cop_msg_id"``).
            eport.errors.JournalError: the journal cannot be written.
        """
        self.record_many([(cop_msg_id, info, envelope, file_name)], transport=transport, now=now)

    def record_many(
        self,
        submissions: Sequence[tuple[str, BusinessInfo, bytes, str | None]],
        *,
        transport: str,
        owner: str | None = None,
        lease: float = 0.0,
        now: dt.datetime | None = None,
    ) -> None:
        """Record several submissions as ``written`` in one durable transaction (one fsync): all or none.

        Args:
            submissions: ``(cop_msg_id, info, envelope, file_name)`` per submission, in sending order. The duplicate
                rule applies between them too: the same new document twice in one batch is refused.
            transport: the transport name.
            owner: the recording client (:func:`client_owner`); only it recovers them while it lives (see
                :meth:`claim_unsent`).
            lease: seconds the owner holds them against clients on other machines.
            now: the time stamp (defaults to now).

        Raises:
            eport.errors.DuplicateError: one of them repeats a submitted document (``code="local"``) or a recorded
                CopMsgId (``code="cop_msg_id"``); nothing is recorded.
            eport.errors.JournalError: the journal cannot be written; nothing is recorded.
        """
        stamp = _iso(now or _now())
        current = ""
        try:
            with self._write() as db:
                for cop_msg_id, info, envelope, file_name in submissions:
                    current = cop_msg_id
                    self._insert(db, cop_msg_id, info, envelope, transport, file_name, stamp)
                if owner is not None:
                    until = self._clock() + lease
                    db.executemany(
                        "UPDATE submissions SET owner = ?, lease_until = ?, lease_for = ? WHERE cop_msg_id = ?",
                        [(owner, until, lease, item[0]) for item in submissions],
                    )
        except sqlite3.Error as exc:
            raise JournalError(f"cannot record submission {current}: {exc}") from exc

    def _insert(
        self,
        db: sqlite3.Connection,
        cop_msg_id: str,
        info: BusinessInfo,
        envelope: bytes,
        transport: str,
        file_name: str | None,
        stamp: str | None,
    ) -> None:
        if db.execute("SELECT 1 FROM submissions WHERE cop_msg_id = ?", (cop_msg_id,)).fetchone():
            raise DuplicateError(f"CopMsgId {cop_msg_id} is already in the journal", code="cop_msg_id")
        self._check_duplicates(db, info)
        guid = next((d.guid for d in info.documents if d.guid), None)
        db.execute(
            "INSERT INTO submissions (cop_msg_id, msg_type, family, transport, state, envelope, file_name,"
            " guid, client_seq_no, oper_type, seq_no, entry_id, message_id, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                cop_msg_id, info.root, info.family.value, transport, Stage.WRITTEN.value, envelope,
                file_name, guid, info.client_seq_no, info.oper_type, info.seq_no, info.entry_id,
                info.message_id, stamp, stamp,
            ),
        )  # fmt: skip
        db.executemany(
            "INSERT OR IGNORE INTO documents (doc_key, cop_msg_id, guid, new) VALUES (?, ?, ?, ?)",
            [(d.key, cop_msg_id, d.guid, int(d.new)) for d in info.documents],
        )

    @staticmethod
    def _check_duplicates(db: sqlite3.Connection, info: BusinessInfo) -> None:
        for doc in info.documents:
            if not doc.new:
                continue
            rows = db.execute(
                "SELECT s.cop_msg_id, s.state, s.oper_type FROM documents d JOIN submissions s USING (cop_msg_id)"
                " WHERE d.doc_key = ? OR (d.guid IS NOT NULL AND d.guid = ? AND d.new = 1)",
                (doc.key, doc.guid),
            ).fetchall()
            for cop_msg_id, state, oper_type in rows:
                if state in _RETIRED or state not in _STAGES:  # a damaged state reads as attention (retired)
                    continue
                if info.family is Family.DEC and oper_type == "G" and info.oper_type not in (None, "G"):
                    continue
                raise DuplicateError(
                    f"{doc.key} was already submitted as {cop_msg_id} ({state}); send a change (appType 2) or a"
                    " delete (appType 3) instead",
                    code="local",
                )

    def mark_sent(self, cop_msg_id: str, *, now: dt.datetime | None = None) -> None:
        """Record that the transport took the submission (``written`` → ``sent``; later stages are kept).

        Raises:
            eport.errors.JournalError: the journal cannot be written.
        """
        self.mark_sent_many([cop_msg_id], now=now)

    def mark_sent_many(self, cop_msg_ids: Sequence[str], *, now: dt.datetime | None = None) -> None:
        """:meth:`mark_sent` for several submissions in one transaction.

        Raises:
            eport.errors.JournalError: the journal cannot be written.
        """
        if not cop_msg_ids:
            return
        stamp = _iso(now or _now())
        with self._write(durable=False) as db:  # lost on a power cut, recovery re-sends: idempotent
            db.executemany(
                "UPDATE submissions SET attempts = attempts + 1, sent_at = COALESCE(sent_at, ?), updated_at = ?,"
                " state = CASE WHEN state = ? THEN ? ELSE state END WHERE cop_msg_id = ?",
                [(stamp, stamp, Stage.WRITTEN.value, Stage.SENT.value, c) for c in cop_msg_ids],
            )

    def mark_refused(self, cop_msg_id: str, *, code: str, info: str, now: dt.datetime | None = None) -> None:
        """Record that the exchange refused the envelope for good (it will not be re-sent).

        Raises:
            eport.errors.JournalError: the journal cannot be written.
        """
        stamp = _iso(now or _now())
        with self._write() as db:
            db.execute(
                "UPDATE submissions SET state = ?, code = ?, info = ?, updated_at = ? WHERE cop_msg_id = ?",
                (Stage.REJECTED.value, code, info, stamp, cop_msg_id),
            )

    def mark_attention(self, cop_msg_id: str, *, reason: str, now: dt.datetime | None = None) -> None:
        """Move a submission that can never be sent as it is to :attr:`Stage.ATTENTION` (需处理), with ``reason`` as its
        info: terminal, never re-sent by recovery, and it no longer blocks the same document (fix and submit again).

        Raises:
            eport.errors.JournalError: the journal cannot be written.
        """
        stamp = _iso(now or _now())
        with self._write() as db:
            db.execute(
                "UPDATE submissions SET state = ?, code = ?, info = ?, updated_at = ? WHERE cop_msg_id = ?",
                (Stage.ATTENTION.value, "attention", reason, stamp, cop_msg_id),
            )

    def envelope(self, cop_msg_id: str) -> bytes:
        """The recorded envelope bytes of a submission.

        Raises:
            eport.errors.JournalError: unknown CopMsgId, or the stored value is not bytes.
        """
        rows = self._query("SELECT envelope FROM submissions WHERE cop_msg_id = ?", (cop_msg_id,))
        if not rows:
            raise JournalError(f"no submission {cop_msg_id} in the journal")
        stored = rows[0]["envelope"]
        if not isinstance(stored, bytes):  # rewritten by another tool: never guess an encoding
            raise JournalError(f"the stored envelope of {cop_msg_id} is {type(stored).__name__}, not bytes")
        return stored

    def claim_unsent(self, transport: str, owner: str, *, lease: float) -> list[Submission]:
        """Take over the ``written`` submissions of a transport that no live client holds, for ``owner``.

        A row is taken when it has no owner (recorded by an older eport), is ``owner``'s own, its owner's lease ran
        out, or its owner is a process of this machine that is gone. Rows of live clients are left alone: they may
        be on their way out right now. Taken rows get ``owner`` and a new lease, in one transaction, so two
        clients recovering at once never both take one.

        Leases are times of the wall clock (``clock``), which can be set back. A lease that ends further in the
        future than its own length (plus a second of slack) was taken before the clock went back, or by a machine
        whose clock runs ahead; it is treated as run out, so the jump never delays recovery of a dead client's rows
        (:func:`~eport.services.journal_rows.lease_expired`). A lease that is no number (damaged) has run out too.

        Raises:
            eport.errors.JournalError: the journal cannot be written.
        """
        now = self._clock()
        try:
            with self._write() as db:
                rows = db.execute(
                    "SELECT cop_msg_id, owner, lease_until, family, msg_type, lease_for FROM submissions"
                    " WHERE state = ? AND transport = ?",
                    (Stage.WRITTEN.value, transport),
                ).fetchall()
                damaged = [row for row in rows if row[3] not in _FAMILIES]
                for cop_msg_id, _holder, _until, family, msg_type, _ in damaged:
                    _set_damaged_aside(db, cop_msg_id, family, msg_type)
                taken = [
                    cop_msg_id
                    for cop_msg_id, holder, until, family, _, length in rows
                    if family in _FAMILIES
                    and (
                        holder is None
                        or holder == owner
                        or lease_expired(until, length, now, lease)
                        or not owner_alive(str(holder))
                    )
                ]
                db.executemany(
                    "UPDATE submissions SET owner = ?, lease_until = ?, lease_for = ? WHERE cop_msg_id = ?",
                    [(owner, now + lease, lease, cop_msg_id) for cop_msg_id in taken],
                )
        except sqlite3.Error as exc:
            raise JournalError(f"cannot claim unsent submissions: {exc}") from exc
        if not taken:
            return []
        chosen = set(taken)
        return [sub for sub in self.unsent(transport) if sub.cop_msg_id in chosen]

    def release(self, owner: str) -> None:
        """End ``owner``'s leases (a client closing): its unsent rows are then recovered by the next client.

        Raises:
            eport.errors.JournalError: the journal cannot be written.
        """
        with self._write(durable=False) as db:
            db.execute(
                "UPDATE submissions SET lease_until = 0 WHERE owner = ? AND state = ?", (owner, Stage.WRITTEN.value)
            )

    def unsent(self, transport: str | None = None) -> list[Submission]:
        """Submissions still ``written``: recorded but never confirmed as taken by a transport."""
        sql = "SELECT * FROM submissions WHERE state = ?"
        params: list[object] = [Stage.WRITTEN.value]
        if transport is not None:
            sql += " AND transport = ?"
            params.append(transport)
        return self._load(self._query(sql + " ORDER BY created_at", params))

    def get(self, cop_msg_id: str) -> Submission | None:
        """The submission with this CopMsgId, with its history."""
        found = self._load(self._query("SELECT * FROM submissions WHERE cop_msg_id = ?", (cop_msg_id,)))
        return found[0] if found else None

    def find(
        self,
        *,
        cop_msg_id: str | None = None,
        guid: str | None = None,
        client_seq_no: str | None = None,
        seq_no: str | None = None,
        entry_id: str | None = None,
    ) -> Submission | None:
        """The latest submission matching one key, or ``None``."""
        clauses: list[str] = []
        params: list[object] = []
        if cop_msg_id:
            clauses.append("cop_msg_id = ?")
            params.append(cop_msg_id)
        if guid:
            clauses.append("(guid = ? OR cop_msg_id IN (SELECT cop_msg_id FROM documents WHERE guid = ?))")
            params += [guid, guid]
        for column, value in (("client_seq_no", client_seq_no), ("seq_no", seq_no), ("entry_id", entry_id)):
            if value:
                clauses.append(f"{column} = ?")
                params.append(value)
        if not clauses:
            return None
        rows = self._query(
            f"SELECT * FROM submissions WHERE {' AND '.join(clauses)} ORDER BY created_at DESC, rowid DESC LIMIT 1",  # noqa: S608
            params,
        )
        found = self._load(rows)
        return found[0] if found else None

    def submissions(
        self,
        *,
        stage: Stage | Iterable[Stage] | None = None,
        msg_type: str | None = None,
        family: Family | None = None,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        limit: int = 1000,
    ) -> list[Submission]:
        """Submissions matching every filter given, oldest first."""
        clauses: list[str] = []
        params: list[object] = []
        if stage is not None:
            stages = [stage] if isinstance(stage, Stage) else list(stage)
            clause = f"state IN ({', '.join('?' for _ in stages)})"
            params += [s.value for s in stages]
            if Stage.ATTENTION in stages:  # a damaged state reads as attention
                clause = f"({clause} OR {_DAMAGED_STATE})"
            clauses.append(clause)
        if msg_type:
            clauses.append("msg_type = ?")
            params.append(msg_type)
        if family is not None:
            clauses.append("family = ?")
            params.append(family.value)
        if since is not None:
            clauses.append("created_at >= ?")
            params.append(_iso(since))
        if until is not None:
            clauses.append("created_at < ?")
            params.append(_iso(until))
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self._query(f"SELECT * FROM submissions {where} ORDER BY created_at, rowid LIMIT ?", [*params, limit])  # noqa: S608
        return self._load(rows)

    def count(self, stage: Stage | None = None) -> int:
        """Number of submissions (in one stage, if given)."""
        if stage is None:
            return int(self._query("SELECT COUNT(*) FROM submissions")[0][0])
        damaged = f" OR {_DAMAGED_STATE}" if stage is Stage.ATTENTION else ""
        return int(self._query(f"SELECT COUNT(*) FROM submissions WHERE state = ?{damaged}", (stage.value,))[0][0])  # noqa: S608

    def _load(self, rows: list[sqlite3.Row]) -> list[Submission]:
        if not rows:
            return []
        found_events: dict[str, list[sqlite3.Row]] = {row["cop_msg_id"]: [] for row in rows}
        ids = list(found_events)
        parsed: dict[str, tuple[StatusEvent, ...]] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            found = self._query(
                f"SELECT * FROM events WHERE cop_msg_id IN ({', '.join('?' for _ in chunk)}) ORDER BY id",  # noqa: S608
                chunk,
            )
            parsed.update(self._parsed_receipts({ev["receipt_key"] for ev in found}))
            for ev in found:
                found_events[ev["cop_msg_id"]].append(ev)
        return [_submission(row, found_events[row["cop_msg_id"]], parsed) for row in rows]

    def _parsed_receipts(self, keys: set[str]) -> dict[str, tuple[StatusEvent, ...]]:
        """The events parsed from the stored bytes of these receipts (cached), to give history events back their
        typed receipt."""
        with self._lock:
            result = {k: self._typed[k] for k in keys if k in self._typed}
            missing = sorted(keys - result.keys())
            for start in range(0, len(missing), 500):
                chunk = missing[start : start + 500]
                for row in self._query(
                    f"SELECT receipt_key, data FROM receipts WHERE receipt_key IN ({', '.join('?' for _ in chunk)})",  # noqa: S608
                    chunk,
                ):
                    data = blob(row["data"])
                    try:
                        events = () if data is None else tuple(parse_receipt(data)[1])
                    except EportError as exc:  # recorded by an older eport, or damaged; keep the stored facts
                        logger.debug("stored receipt %s no longer parses: %s", row["receipt_key"], exc)
                        events = ()
                    result[row["receipt_key"]] = events
                    self._remember(row["receipt_key"], events)
            return result

    def _remember(self, receipt_key: str, events: tuple[StatusEvent, ...]) -> None:
        with self._lock:
            if len(self._typed) >= _TYPED_CACHE_SIZE:
                self._typed.pop(next(iter(self._typed)))
            self._typed[receipt_key] = events

    # ---------------------------------------------------------------------------------------------- receipts
    def seen(self, receipt_key: str) -> bool:
        """Whether a receipt with this key was recorded."""
        return bool(self._query("SELECT 1 FROM receipts WHERE receipt_key = ?", (receipt_key,)))

    def record_receipt(
        self,
        *,
        receipt_key: str,
        transport: str,
        receipt_id: str,
        data: bytes,
        events: Sequence[StatusEvent],
        error: str | None = None,
        keep_unmatched: bool = True,
        remember_foreign: bool = False,
        now: dt.datetime | None = None,
    ) -> Recorded:
        """Record one receipt and its events, correlated to their submissions, in one transaction.

        Correlation, first hit wins: the SourceCopMsgId, the CEB guid, the ClientSeqNo, the SeqNo (统一编号), the
        EntryId (海关编号). An unreadable receipt (``error`` set, no events) is kept so nothing is lost. A receipt
        whose events all match no submission is kept with the error ``"unmatched"`` when ``keep_unmatched``
        (see :meth:`unmatched_receipts`), else not recorded at all (it belongs to another journal), unless
        ``remember_foreign``: then it is stored as ``"foreign"`` (not listed as unmatched, not acknowledged), for
        transports with a cursor that will not list it again. Either way, a stored unmatched or foreign receipt is
        matched as soon as a later receipt gives a submission the key it waits for (a ``DEC_RESULT`` read before the
        ``DecImportResponse`` that links its SeqNo), and its events are returned with that later receipt's.

        Raises:
            eport.errors.JournalError: the journal cannot be written.
        """
        stamp = _iso(now or _now())
        try:
            with self._write() as db:
                if db.execute("SELECT 1 FROM receipts WHERE receipt_key = ?", (receipt_key,)).fetchone():
                    return Recorded(new=False)
                matched: list[tuple[str, StatusEvent]] = []
                unmatched: list[StatusEvent] = []
                for event in events:
                    owner = _correlate(db, event)
                    (matched.append((owner, event)) if owner else unmatched.append(event))
                if events and not matched:
                    if keep_unmatched or remember_foreign:
                        db.execute(
                            "INSERT INTO receipts (receipt_key, transport, receipt_id, data, error, recorded_at)"
                            " VALUES (?, ?, ?, ?, ?, ?)",
                            (receipt_key, transport, receipt_id, data, "unmatched" if keep_unmatched else "foreign",
                             stamp),
                        )  # fmt: skip
                        db.executemany(
                            "INSERT OR IGNORE INTO pending_links (kind, value, receipt_key) VALUES (?, ?, ?)",
                            [(kind, value, receipt_key) for kind, value in _links(unmatched)],
                        )
                    return Recorded(new=True, unmatched=tuple(unmatched), kept=keep_unmatched)
                db.execute(
                    "INSERT INTO receipts (receipt_key, transport, receipt_id, data, error, recorded_at)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (receipt_key, transport, receipt_id, data, error, stamp),
                )
                for owner, event in matched:
                    _insert_event(db, receipt_key, owner, event, stamp)
                self._remember(receipt_key, tuple(events))
                matched += self._rematch(db, _links([event for _, event in matched]), stamp)
                return Recorded(new=True, events=tuple(matched), unmatched=tuple(unmatched))
        except sqlite3.Error as exc:
            raise JournalError(f"cannot record receipt {receipt_id}: {exc}") from exc

    def _rematch(
        self, db: sqlite3.Connection, links: Iterable[tuple[str, str]], stamp: str | None
    ) -> list[tuple[str, StatusEvent]]:
        """Match receipts kept as unmatched that wait for one of these keys (a ``DEC_RESULT`` read before the
        ``DecImportResponse`` that gives its submission the SeqNo), now that a submission has them."""
        found: list[tuple[str, StatusEvent]] = []
        pending = list(dict.fromkeys(links))
        seen: set[str] = set()
        while pending:
            kind, value = pending.pop(0)
            keys = [row[0] for row in db.execute(
                "SELECT receipt_key FROM pending_links WHERE kind = ? AND value = ?", (kind, value)
            ).fetchall()]  # fmt: skip
            for key in keys:
                if key in seen:
                    continue
                seen.add(key)
                row = db.execute("SELECT data FROM receipts WHERE receipt_key = ?", (key,)).fetchone()
                data = None if row is None else blob(row[0])
                if data is None:
                    continue
                try:
                    events = parse_receipt(data)[1]
                except EportError:
                    continue
                newly = [(owner, event) for event in events if (owner := _correlate(db, event))]
                if not newly:
                    continue
                for owner, event in newly:
                    _insert_event(db, key, owner, event, stamp)
                db.execute("UPDATE receipts SET error = NULL WHERE receipt_key = ?", (key,))
                db.execute("DELETE FROM pending_links WHERE receipt_key = ?", (key,))
                self._remember(key, tuple(events))
                logger.info("receipt %s matched once its link arrived", key)
                found += newly
                pending += _links([event for _, event in newly])  # its own keys may unlock others in turn
        return found

    def unmatched_receipts(self) -> list[tuple[str, bytes]]:
        """Receipts kept although they matched no submission, as (transport receipt id, bytes), oldest first."""
        rows = self._query("SELECT receipt_id, data FROM receipts WHERE error = 'unmatched' ORDER BY recorded_at")
        listed = [(str(row["receipt_id"]), blob(row["data"])) for row in rows]
        for receipt_id, data in listed:
            if data is None:
                logger.error("unmatched receipt %s has damaged bytes in the journal; it is not listed", receipt_id)
        return [(receipt_id, data) for receipt_id, data in listed if data is not None]

    def cursor(self, transport: str) -> str | None:
        """The receipt cursor stored for a transport."""
        rows = self._query("SELECT value FROM cursors WHERE transport = ?", (transport,))
        return str(rows[0]["value"]) if rows else None

    def set_cursor(self, transport: str, value: str) -> None:
        """Store the receipt cursor of a transport.

        Raises:
            eport.errors.JournalError: the journal cannot be written.
        """
        with self._write() as db:
            db.execute(
                "INSERT INTO cursors (transport, value) VALUES (?, ?)"
                " ON CONFLICT(transport) DO UPDATE SET value = excluded.value",
                (transport, value),
            )


_FAMILIES = frozenset(family.value for family in Family)
_STAGES = frozenset(stage.value for stage in Stage)
_DAMAGED_STATE = (
    "typeof(state) != 'text' OR state NOT IN (" + ", ".join(f"'{value}'" for value in sorted(_STAGES)) + ")"
)
"""SQL: the ``state`` column of this row is no stage (damaged); such rows read as :attr:`Stage.ATTENTION`."""


def _set_damaged_aside(db: sqlite3.Connection, cop_msg_id: str, family: object, msg_type: object) -> None:
    """Move an unsent row whose family column no longer reads (damaged storage, a hand edit) to ``attention`` with
    the damage in its reason, and give it back a readable family (from its message type), so it never stops
    recovery and stays listed."""
    try:
        readable = family_of(str(msg_type)).value
    except EportError:
        readable = Family.CEB.value  # the reason keeps what was stored
    reason = f"the journal row is damaged (family {family!r}, message type {msg_type!r}): submit the message again"
    logger.error("%s cannot be recovered and needs attention: %s", cop_msg_id, reason)
    db.execute(
        "UPDATE submissions SET state = ?, code = ?, info = ?, family = ?, updated_at = ? WHERE cop_msg_id = ?",
        (Stage.ATTENTION.value, "attention", reason, readable, _iso(_now()), cop_msg_id),
    )


def client_owner() -> str:
    """A new owner id for one client: ``<host>|<pid>|<random>`` (see :meth:`Journal.claim_unsent`)."""
    return f"{socket.gethostname()}|{os.getpid()}|{uuid.uuid4().hex[:12]}"


def owner_alive(owner: str) -> bool:
    """Whether the client ``owner`` may still be running: always for another machine (its lease decides), else
    whether its process exists."""
    host, _, rest = owner.partition("|")
    pid_text = rest.partition("|")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return True
    pid = int(pid_text)
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)  # signal 0: an existence check, nothing is sent
    except ProcessLookupError:
        return False
    except OSError:  # it exists, owned by another user
        return True
    return True


def _links(events: Iterable[StatusEvent]) -> list[tuple[str, str]]:
    """The (kind, value) keys of these events that can tie a receipt to a submission."""
    return [(kind, value) for event in events for kind in _LINKS if (value := getattr(event, kind))]


def _correlate(db: sqlite3.Connection, event: StatusEvent) -> str | None:
    probes: list[tuple[str, str | None]] = [
        ("SELECT cop_msg_id FROM submissions WHERE cop_msg_id = ?", event.source_cop_msg_id),
        (
            "SELECT d.cop_msg_id FROM documents d JOIN submissions s USING (cop_msg_id) WHERE d.guid = ?"
            " ORDER BY s.created_at DESC LIMIT 1",
            event.guid,
        ),
        ("SELECT cop_msg_id FROM submissions WHERE client_seq_no = ? ORDER BY created_at DESC LIMIT 1",
         event.client_seq_no),
        ("SELECT cop_msg_id FROM submissions WHERE seq_no = ? ORDER BY created_at DESC LIMIT 1", event.seq_no),
        ("SELECT cop_msg_id FROM submissions WHERE entry_id = ? ORDER BY created_at DESC LIMIT 1", event.entry_id),
    ]  # fmt: skip
    for sql, value in probes:
        if value:
            row = db.execute(sql, (value,)).fetchone()
            if row:
                return str(row[0])
    return None


def _insert_event(db: sqlite3.Connection, receipt_key: str, owner: str, event: StatusEvent, stamp: str | None) -> None:
    db.execute(
        "INSERT INTO events (receipt_key, cop_msg_id, receipt_type, family, stage, code, info, at, guid,"
        " client_seq_no, seq_no, entry_id, numbers, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            receipt_key, owner, event.receipt_type, event.family.value, event.stage.value, event.code, event.info,
            _iso(event.at), event.guid, event.client_seq_no, event.seq_no, event.entry_id,
            json.dumps(event.numbers, ensure_ascii=False, sort_keys=True), stamp,
        ),
    )  # fmt: skip
    row = db.execute("SELECT state FROM submissions WHERE cop_msg_id = ?", (owner,)).fetchone()
    current = Stage(row[0]) if row[0] in _STAGES else _state_from_history(db, owner)
    state = current
    if not current.final and event.stage.rank > current.rank:
        state = event.stage
    advanced = state is not current or event.stage is current
    db.execute(
        "UPDATE submissions SET state = ?, code = CASE WHEN ? THEN ? ELSE code END,"
        " info = CASE WHEN ? THEN ? ELSE info END, updated_at = ?,"
        " seq_no = COALESCE(?, seq_no), entry_id = COALESCE(?, entry_id),"
        " client_seq_no = COALESCE(client_seq_no, ?) WHERE cop_msg_id = ?",
        (
            state.value, advanced, event.code, advanced, event.info, stamp, event.seq_no, event.entry_id,
            event.client_seq_no, owner,
        ),
    )  # fmt: skip


def _state_from_history(db: sqlite3.Connection, cop_msg_id: str) -> Stage:
    """The state of a submission whose ``state`` column is damaged, derived again from its readable events (the
    same forward-only rule as when they were recorded), starting at ``sent``: a receipt was read for it."""
    state = Stage.SENT
    for (value,) in db.execute("SELECT stage FROM events WHERE cop_msg_id = ? ORDER BY id", (cop_msg_id,)):
        stage = Stage(value) if value in _STAGES else None
        if stage is not None and not state.final and stage.rank > state.rank:
            state = stage
    logger.warning("the damaged state of %s is derived again from its history: %s", cop_msg_id, state.value)
    return state


def _submission(
    row: sqlite3.Row, events: Sequence[sqlite3.Row], parsed: dict[str, tuple[StatusEvent, ...]]
) -> Submission:
    """One submission row and its event rows, read without trusting any value (see :class:`JournalDamage`)."""
    cop_msg_id = str(row["cop_msg_id"])
    read = RowReader("submissions", cop_msg_id)
    msg_type = read.text("msg_type", row["msg_type"])
    family = read.member("family", row["family"], Family)
    if family is None:
        try:
            family = family_of(msg_type)
        except EportError:
            family = Family.CEB
    stage = read.member("state", row["state"], Stage)
    code = read.optional_text("code", row["code"])
    info = read.optional_text("info", row["info"])
    if stage is None:
        stage, code = Stage.ATTENTION, "attention"
        info = f"the journal row is damaged ({read.damage[-1]}); check the submission at customs" + (
            f" (last info: {info})" if info else ""
        )
    created_at = read.time("created_at", row["created_at"])
    updated_at = read.time("updated_at", row["updated_at"])
    sent_at = read.time("sent_at", row["sent_at"])
    fallback = created_at or updated_at or dt.datetime.fromtimestamp(0, dt.timezone.utc)
    history = [_event(ev, parsed.get(ev["receipt_key"], ()), family, read.damage) for ev in events]
    return Submission(
        cop_msg_id=cop_msg_id,
        msg_type=msg_type,
        family=family,
        stage=stage,
        code=code,
        info=info,
        guid=read.optional_text("guid", row["guid"]),
        client_seq_no=read.optional_text("client_seq_no", row["client_seq_no"]),
        seq_no=read.optional_text("seq_no", row["seq_no"]),
        entry_id=read.optional_text("entry_id", row["entry_id"]),
        message_id=read.optional_text("message_id", row["message_id"]),
        transport=read.text("transport", row["transport"]),
        file_name=read.optional_text("file_name", row["file_name"]),
        created_at=created_at or fallback,
        sent_at=sent_at,
        updated_at=updated_at or fallback,
        attempts=read.count("attempts", row["attempts"]),
        history=tuple(history),
        damage=tuple(read.damage),
    )


def _matching(row: sqlite3.Row, parsed: Sequence[StatusEvent]) -> StatusEvent | None:
    """The parsed event (from the stored receipt bytes) that this stored event was recorded from."""
    for candidate in parsed:
        if (candidate.receipt_type, candidate.code, candidate.guid, candidate.info) == (
            row["receipt_type"], row["code"], row["guid"], row["info"],
        ):  # fmt: skip
            return candidate
    return None


def _event(row: sqlite3.Row, parsed: Sequence[StatusEvent], family: Family, damage: list[JournalDamage]) -> StatusEvent:
    """One stored event; a value that does not read is taken from the stored receipt it came from when that still
    parses (else a safe value: stage ``OTHER``, the submission's family, no time, no numbers), and reported in
    ``damage``."""
    read = RowReader("events", str(row["id"]))
    source = _matching(row, parsed)
    stage = read.member("stage", row["stage"], Stage)
    event_family = read.member("family", row["family"], Family)
    before = len(read.damage)
    at = read.time("at", row["at"])
    if len(read.damage) > before and source is not None:
        at = source.at
    numbers = read.numbers("numbers", row["numbers"])
    event = StatusEvent(
        receipt_type=read.text("receipt_type", row["receipt_type"]),
        family=event_family or (source.family if source else family),
        stage=stage or (source.stage if source else Stage.OTHER),
        code=read.text("code", row["code"]),
        info=read.text("info", row["info"]),
        at=at,
        source_cop_msg_id=str(row["cop_msg_id"]),
        guid=read.optional_text("guid", row["guid"]),
        client_seq_no=read.optional_text("client_seq_no", row["client_seq_no"]),
        seq_no=read.optional_text("seq_no", row["seq_no"]),
        entry_id=read.optional_text("entry_id", row["entry_id"]),
        numbers=numbers if numbers is not None else dict(source.numbers if source else {}),
        receipt=source.receipt if source else None,
    )
    damage += read.damage
    return event
