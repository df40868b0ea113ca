"""SQLite state of the sandbox: submissions, status history, scheduled events, receipts and business records.

One connection in WAL mode, guarded by a lock, so the HTTP threads, the folder watcher and the scheduler share it.
Every change that must be atomic (a submission and its first event; a processing decision and its planned receipts;
a receipt and its status) is one transaction, so a killed process resumes where it stopped.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import sqlite3
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs

from eport.errors import ServiceError
from eport.sandbox.sqlite import SqliteFile

logger = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS submissions (
    cop_msg_id TEXT PRIMARY KEY,
    msg_id INTEGER NOT NULL UNIQUE,
    sha256 TEXT NOT NULL,
    raw BLOB NOT NULL,
    sender_id TEXT NOT NULL,
    msg_type TEXT NOT NULL,
    business_root TEXT NOT NULL,
    box TEXT,
    received_at TEXT NOT NULL,
    state TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS statuses (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    cop_msg_id TEXT NOT NULL,
    msg_type TEXT NOT NULL,
    status TEXT NOT NULL,
    info TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS statuses_by_submission ON statuses (cop_msg_id, id);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    due REAL NOT NULL,
    kind TEXT NOT NULL,
    cop_msg_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    done INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS events_due ON events (done, due);
CREATE TABLE IF NOT EXISTS receipts (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    cop_msg_id TEXT NOT NULL UNIQUE,
    source_cop_msg_id TEXT NOT NULL,
    receiver_id TEXT NOT NULL,
    msg_type TEXT NOT NULL,
    created_at TEXT NOT NULL,
    dxp BLOB NOT NULL,
    box TEXT,
    file_name TEXT,
    file_written INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS receipts_by_receiver ON receipts (receiver_id, seq);
CREATE TABLE IF NOT EXISTS documents (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    cop_msg_id TEXT NOT NULL,
    app_time TEXT NOT NULL,
    fields TEXT NOT NULL,
    PRIMARY KEY (kind, key)
);
CREATE TABLE IF NOT EXISTS buyer_totals (
    buyer TEXT NOT NULL,
    year INTEGER NOT NULL,
    amount TEXT NOT NULL,
    PRIMARY KEY (buyer, year)
);
CREATE TABLE IF NOT EXISTS certificates (
    fingerprint TEXT PRIMARY KEY,
    der BLOB NOT NULL,
    label TEXT NOT NULL,
    added_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS counters (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
"""


def _now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


@attrs.frozen(kw_only=True)
class SubmitOutcome:
    """What :meth:`Store.add_submission` did.

    Attributes:
        msg_id: the sandbox's number for the submission.
        created: True when stored now, False when it was already there.
        conflict: True when the CopMsgId was stored with different bytes (nothing changed).
    """

    msg_id: int
    created: bool
    conflict: bool = False


@attrs.frozen(kw_only=True)
class Event:
    """A scheduled piece of work: ``process`` a submission or ``emit`` one planned receipt."""

    id: int
    due: float
    kind: str
    cop_msg_id: str
    payload: dict[str, Any]
    attempts: int


@attrs.frozen(kw_only=True)
class Submission:
    """A stored submission."""

    cop_msg_id: str
    msg_id: int
    raw: bytes
    sender_id: str
    msg_type: str
    business_root: str
    box: str | None
    received_at: str
    state: str


@attrs.frozen(kw_only=True)
class PlannedEvent:
    """An event to schedule as part of a processing decision."""

    due: float
    kind: str
    payload: dict[str, Any]


@attrs.frozen(kw_only=True)
class DocumentWrite:
    """A business record to insert or replace (``fields`` is None to delete it)."""

    kind: str
    key: str
    app_time: str
    fields: dict[str, Any] | None


@attrs.frozen(kw_only=True)
class StoredReceipt:
    """A receipt as listed by ``GET /api/v1/receipts``."""

    seq: int
    cop_msg_id: str
    source_cop_msg_id: str
    receiver_id: str
    msg_type: str
    created_at: str
    dxp: bytes
    box: str | None
    file_name: str | None


def sha256_hex(data: bytes) -> str:
    """Hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


class Store:
    """The sandbox's SQLite state. Thread-safe; one instance per process.

    Args:
        path: the database file (created with its tables when missing).
    """

    def __init__(self, path: Path) -> None:
        try:
            self.db = SqliteFile(path, _SCHEMA, timeout=30.0, named_rows=False)
        except sqlite3.Error as exc:
            raise ServiceError(f"cannot open the sandbox state {path}: {exc}") from exc

    def close(self) -> None:
        """Close the database."""
        self.db.close()

    # ----------------------------------------------------------------------------------------- submissions
    def add_submission(
        self,
        *,
        cop_msg_id: str,
        raw: bytes,
        sender_id: str,
        msg_type: str,
        business_root: str,
        box: str | None,
        first_due: float,
    ) -> SubmitOutcome:
        """Store a submission and schedule its processing, unless that CopMsgId is already stored.

        Returns:
            The outcome: created, a duplicate with identical bytes, or a conflict.
        """
        digest = sha256_hex(raw)
        with self.db.transaction() as db:
            row = db.execute("SELECT msg_id, sha256 FROM submissions WHERE cop_msg_id = ?", (cop_msg_id,)).fetchone()
            if row is not None:
                return SubmitOutcome(msg_id=row[0], created=False, conflict=row[1] != digest)
            msg_id = self._next(db, "msg_id")
            now = _now_iso()
            db.execute(
                "INSERT INTO submissions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (cop_msg_id, msg_id, digest, raw, sender_id, msg_type, business_root, box, now, "received"),
            )
            db.execute(
                "INSERT INTO statuses (cop_msg_id, msg_type, status, info, at) VALUES (?, ?, ?, ?, ?)",
                (cop_msg_id, "", "received", "received by the exchange (报文已接收)", now),
            )
            db.execute(
                "INSERT INTO events (due, kind, cop_msg_id, payload) VALUES (?, 'process', ?, '{}')",
                (first_due, cop_msg_id),
            )
            return SubmitOutcome(msg_id=msg_id, created=True)

    def submission(self, cop_msg_id: str) -> Submission | None:
        """The stored submission with that CopMsgId, or None."""
        with self.db.reading() as db:
            row = db.execute(
                "SELECT cop_msg_id, msg_id, raw, sender_id, msg_type, business_root, box, received_at, state "
                "FROM submissions WHERE cop_msg_id = ?",
                (cop_msg_id,),
            ).fetchone()
        if row is None:
            return None
        return Submission(
            cop_msg_id=row[0],
            msg_id=row[1],
            raw=bytes(row[2]),
            sender_id=row[3],
            msg_type=row[4],
            business_root=row[5],
            box=row[6],
            received_at=row[7],
            state=row[8],
        )

    def statuses(self, cop_msg_id: str) -> list[dict[str, str]]:
        """The status history of a submission, oldest first."""
        with self.db.reading() as db:
            rows = db.execute(
                "SELECT msg_type, status, info, at FROM statuses WHERE cop_msg_id = ? ORDER BY id", (cop_msg_id,)
            ).fetchall()
        return [{"msgType": r[0], "status": r[1], "info": r[2], "at": r[3]} for r in rows]

    def stats(self) -> dict[str, int]:
        """Counts for ``GET /api/v1/stats``: submissions, receipts, pending events."""
        with self.db.reading() as db:
            return {
                "submissions": int(db.execute("SELECT COUNT(*) FROM submissions").fetchone()[0]),
                "receipts": int(db.execute("SELECT COUNT(*) FROM receipts").fetchone()[0]),
                "pendingEvents": int(db.execute("SELECT COUNT(*) FROM events WHERE done = 0").fetchone()[0]),
            }

    # ----------------------------------------------------------------------------------------- events
    def due_events(self, now: float, limit: int = 100) -> list[Event]:
        """Events not done whose due time has come, oldest first.

        An event whose stored payload is no longer a JSON object (a damaged state file) is given up and logged:
        left pending, it would fail every scheduler step from then on, and no later event would run.
        """
        with self.db.reading() as db:
            rows = db.execute(
                "SELECT id, due, kind, cop_msg_id, payload, attempts FROM events "
                "WHERE done = 0 AND due <= ? ORDER BY due, id LIMIT ?",
                (now, limit),
            ).fetchall()
        events = []
        for r in rows:
            try:
                payload = json.loads(r[4])
                if not isinstance(payload, dict):
                    raise ValueError(f"a {type(payload).__name__}, not an object")
            except (ValueError, TypeError) as exc:
                logger.error("%s event %d for %s has an unreadable payload (%s): given up", r[2], r[0], r[3], exc)
                self.give_up(r[0])
                continue
            events.append(Event(id=r[0], due=r[1], kind=r[2], cop_msg_id=r[3], payload=payload, attempts=r[5]))
        return events

    def retry_later(self, event_id: int, due: float) -> None:
        """Move an event to a later due time and count the attempt."""
        with self.db.transaction() as db:
            db.execute("UPDATE events SET due = ?, attempts = attempts + 1 WHERE id = ?", (due, event_id))

    def complete(self, event_id: int) -> None:
        """Mark an event done (one that emits no receipt, e.g. a 核销单 use)."""
        with self.db.transaction() as db:
            db.execute("UPDATE events SET done = 1 WHERE id = ?", (event_id,))

    def give_up(self, event_id: int) -> None:
        """Mark an event that keeps failing as done, without effect."""
        with self.db.transaction() as db:
            db.execute("UPDATE events SET done = 2, attempts = attempts + 1 WHERE id = ?", (event_id,))

    def finish_processing(
        self,
        event_id: int,
        cop_msg_id: str,
        *,
        state: str,
        planned: Sequence[PlannedEvent],
        documents: Sequence[DocumentWrite] = (),
        buyer_amounts: Sequence[tuple[str, int, Decimal]] = (),
    ) -> None:
        """Record a processing decision atomically: business records, buyer totals, planned receipts."""
        with self.db.transaction() as db:
            done = db.execute("SELECT done FROM events WHERE id = ?", (event_id,)).fetchone()
            if done is None or done[0]:
                return
            db.execute("UPDATE events SET done = 1 WHERE id = ?", (event_id,))
            db.execute("UPDATE submissions SET state = ? WHERE cop_msg_id = ?", (state, cop_msg_id))
            for doc in documents:
                if doc.fields is None:
                    db.execute("DELETE FROM documents WHERE kind = ? AND key = ?", (doc.kind, doc.key))
                else:
                    db.execute(
                        "INSERT OR REPLACE INTO documents VALUES (?, ?, ?, ?, ?)",
                        (doc.kind, doc.key, cop_msg_id, doc.app_time, json.dumps(doc.fields, sort_keys=True)),
                    )
            for buyer, year, amount in buyer_amounts:
                row = db.execute(
                    "SELECT amount FROM buyer_totals WHERE buyer = ? AND year = ?", (buyer, year)
                ).fetchone()
                total = (Decimal(row[0]) if row else Decimal(0)) + amount
                db.execute("INSERT OR REPLACE INTO buyer_totals VALUES (?, ?, ?)", (buyer, year, str(total)))
            for event in planned:
                db.execute(
                    "INSERT INTO events (due, kind, cop_msg_id, payload) VALUES (?, ?, ?, ?)",
                    (event.due, event.kind, cop_msg_id, json.dumps(event.payload, sort_keys=True)),
                )

    def record_receipt(
        self, event_id: int, receipt: StoredReceipt, *, status: str, info: str, final_state: str | None
    ) -> bool:
        """Store an emitted receipt, its status line, and mark the event done. False if it was done already."""
        with self.db.transaction() as db:
            done = db.execute("SELECT done FROM events WHERE id = ?", (event_id,)).fetchone()
            if done is None or done[0]:
                return False
            db.execute("UPDATE events SET done = 1 WHERE id = ?", (event_id,))
            db.execute(
                "INSERT INTO receipts (cop_msg_id, source_cop_msg_id, receiver_id, msg_type, created_at, dxp, box, "
                "file_name) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    receipt.cop_msg_id,
                    receipt.source_cop_msg_id,
                    receipt.receiver_id,
                    receipt.msg_type,
                    receipt.created_at,
                    receipt.dxp,
                    receipt.box,
                    receipt.file_name,
                ),
            )
            db.execute(
                "INSERT INTO statuses (cop_msg_id, msg_type, status, info, at) VALUES (?, ?, ?, ?, ?)",
                (receipt.source_cop_msg_id, receipt.msg_type, status, info, receipt.created_at),
            )
            if final_state is not None:
                db.execute(
                    "UPDATE submissions SET state = ? WHERE cop_msg_id = ?", (final_state, receipt.source_cop_msg_id)
                )
            return True

    # ----------------------------------------------------------------------------------------- receipts
    def receipts_after(self, receiver_id: str, after: int, limit: int) -> list[StoredReceipt]:
        """Receipts addressed to ``receiver_id`` with ``seq > after``, oldest first."""
        with self.db.reading() as db:
            rows = db.execute(
                "SELECT seq, cop_msg_id, source_cop_msg_id, receiver_id, msg_type, created_at, dxp, box, file_name "
                "FROM receipts WHERE receiver_id = ? AND seq > ? ORDER BY seq LIMIT ?",
                (receiver_id, after, limit),
            ).fetchall()
        return [receipt for r in rows if (receipt := self._receipt(r)) is not None]

    def unwritten_files(self) -> list[StoredReceipt]:
        """Receipts for file-exchange submissions not yet written into their InBox."""
        with self.db.reading() as db:
            rows = db.execute(
                "SELECT seq, cop_msg_id, source_cop_msg_id, receiver_id, msg_type, created_at, dxp, box, file_name "
                "FROM receipts WHERE box IS NOT NULL AND file_written = 0 ORDER BY seq"
            ).fetchall()
        return [receipt for r in rows if (receipt := self._receipt(r)) is not None]

    def mark_file_written(self, seq: int) -> None:
        """Remember that the receipt's InBox file exists."""
        with self.db.transaction() as db:
            db.execute("UPDATE receipts SET file_written = 1 WHERE seq = ?", (seq,))

    @staticmethod
    def _receipt(r: Sequence[Any]) -> StoredReceipt | None:
        """A stored receipt; its ``dxp`` rewritten as text (a tool, a hand edit) reads as the text's UTF-8 bytes, and
        one that is neither is left out (logged), so it never fails the listing of the receipts after it."""
        dxp = r[6]
        if isinstance(dxp, str):
            dxp = dxp.encode("utf-8")
        if not isinstance(dxp, bytes):
            logger.error("receipt %s (seq %s) has damaged bytes (%s): left out", r[1], r[0], type(dxp).__name__)
            return None
        return StoredReceipt(
            seq=r[0],
            cop_msg_id=r[1],
            source_cop_msg_id=r[2],
            receiver_id=r[3],
            msg_type=r[4],
            created_at=r[5],
            dxp=dxp,
            box=r[7],
            file_name=r[8],
        )

    # ----------------------------------------------------------------------------------------- business records
    def document(self, kind: str, key: str) -> tuple[str, str, dict[str, Any]] | None:
        """A business record as ``(cop_msg_id, app_time, fields)``, or None."""
        with self.db.reading() as db:
            row = db.execute(
                "SELECT cop_msg_id, app_time, fields FROM documents WHERE kind = ? AND key = ?", (kind, key)
            ).fetchone()
        return None if row is None else (row[0], row[1], json.loads(row[2]))

    def buyer_total(self, buyer: str, year: int) -> Decimal:
        """Amount already bought by ``buyer`` in ``year`` (CNY)."""
        with self.db.reading() as db:
            row = db.execute("SELECT amount FROM buyer_totals WHERE buyer = ? AND year = ?", (buyer, year)).fetchone()
        return Decimal(row[0]) if row else Decimal(0)

    def next_number(self, name: str) -> int:
        """The next value of a named counter (1, 2, …), persisted."""
        with self.db.transaction() as db:
            return self._next(db, name)

    @staticmethod
    def _next(db: sqlite3.Connection, name: str) -> int:
        row = db.execute("SELECT value FROM counters WHERE name = ?", (name,)).fetchone()
        value = (row[0] if row else 0) + 1
        db.execute("INSERT OR REPLACE INTO counters VALUES (?, ?)", (name, value))
        return int(value)

    # ----------------------------------------------------------------------------------------- certificates
    def add_certificate(self, der: bytes, label: str) -> str:
        """Register a signing certificate (DER); returns its SHA-256 fingerprint."""
        fingerprint = sha256_hex(der)
        with self.db.transaction() as db:
            db.execute("INSERT OR IGNORE INTO certificates VALUES (?, ?, ?, ?)", (fingerprint, der, label, _now_iso()))
        return fingerprint

    def has_certificate(self, der: bytes) -> bool:
        """Whether that exact certificate is registered."""
        with self.db.reading() as db:
            row = db.execute("SELECT 1 FROM certificates WHERE fingerprint = ?", (sha256_hex(der),)).fetchone()
        return row is not None

    def certificates(self) -> list[tuple[str, str]]:
        """Registered certificates as ``(fingerprint, label)``."""
        with self.db.reading() as db:
            return [(r[0], r[1]) for r in db.execute("SELECT fingerprint, label FROM certificates ORDER BY 2")]


__all__ = [
    "DocumentWrite",
    "Event",
    "PlannedEvent",
    "Store",
    "StoredReceipt",
    "Submission",
    "SubmitOutcome",
    "sha256_hex",
]
