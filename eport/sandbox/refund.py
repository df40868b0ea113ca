"""The sandbox's export tax refund (出口退税) service: the customs→tax feed, legacy 报送 and claim batches.

State lives in its own SQLite file (``refund.sqlite3`` beside the sandbox state), so it survives restarts like the
rest of the sandbox. The feed is built from what the sandbox itself released: every ``DEC_RESULT`` receipt with
``CHANNEL R`` (已结关) for an export ``DecMessage`` turns into one 结关信息 row and one refund-copy record per item
(:func:`eport.services.refund.records_from_declaration`, with the sandbox's USD rates). The sandbox's own receipts
table is read incrementally (a cursor on its ``seq``), on every feed query.

What is simulated, and how (see ``docs/refund.md``):

* 结关信息查询 / refund-copy records: as above.
* Legacy 数据报送 (old E-Port only): per declaration ``AVAILABLE`` (未报送) → ``SUBMITTED`` (已报送) on 选择报送 /
  全体报送 → ``RECEIVED`` (已接收) the next time the list is read (the tax bureau's receipt is immediate here).
* Claim batches: ``DRAFT`` → ``SELF_CHECKED`` (the doubt rules of :mod:`eport.services.refund.selfcheck`) →
  ``DECLARED`` (only without blocking doubts; a 流程实例ID ``lcslid`` is issued) → reviewed the next time it is read:
  ``APPROVED`` when a fresh check still finds no blocking doubt (claimed amounts are then booked on the records),
  else ``REJECTED``.
* Tax-side data a real bureau keeps (不予退税, 退运证明, 改单, 启运港 flags, enterprise class, 消费税 certificates)
  is set through sandbox controls, so tests and demos can seed every doubt.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sqlite3
import uuid
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs

from eport.edi.dec import DecMessage, DecResult, decode_declaration
from eport.edi.dec.receipts import parse_dec_receipt
from eport.errors import DamagedRecordError, EdiError, EportError, FieldError, PortalError
from eport.identifiers import CustomsCode, CustomsDistrict, EntryId, RefundDeclNo
from eport.sandbox.envelope import read_envelope
from eport.sandbox.sqlite import SqliteFile
from eport.services.refund.lines import ClaimLine
from eport.services.refund.models import (
    BatchState,
    ClosedDeclaration,
    Condition,
    Doubt,
    LegacyState,
    RefundRecord,
    ReturnPurpose,
)
from eport.services.refund.records import CLOSED, closed_declaration, records_from_declaration
from eport.services.refund.selfcheck import SelfCheckConfig, self_check

logger = logging.getLogger(__name__)

#: USD value of one unit of each currency the sandbox converts (fixed demo rates, not real ones).
SANDBOX_RATES: Mapping[str, Decimal] = {
    "CNY": Decimal("0.14"),
    "EUR": Decimal("1.08"),
    "HKD": Decimal("0.128"),
    "JPY": Decimal("0.0067"),
    "GBP": Decimal("1.27"),
}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS cursor (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS declarations (
    entry_id TEXT PRIMARY KEY,
    trade_code TEXT NOT NULL,
    customs TEXT NOT NULL,
    closed_on TEXT NOT NULL,
    export_date TEXT,
    items INTEGER NOT NULL,
    view TEXT NOT NULL,
    legacy_state TEXT NOT NULL DEFAULT 'AVAILABLE',
    legacy_at TEXT
);
CREATE INDEX IF NOT EXISTS declarations_by_trade ON declarations (trade_code, entry_id);
CREATE TABLE IF NOT EXISTS records (
    refund_decl_no TEXT PRIMARY KEY,
    entry_id TEXT NOT NULL,
    trade_code TEXT NOT NULL,
    record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS records_by_trade ON records (trade_code, refund_decl_no);
CREATE TABLE IF NOT EXISTS enterprises (
    trade_code TEXT PRIMARY KEY,
    class TEXT NOT NULL DEFAULT '',
    consumption_certs TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE IF NOT EXISTS batches (
    id TEXT PRIMARY KEY,
    trade_code TEXT NOT NULL,
    taxpayer_id TEXT NOT NULL,
    period TEXT NOT NULL,
    batch INTEGER NOT NULL,
    state TEXT NOT NULL,
    lines TEXT NOT NULL,
    explained TEXT NOT NULL,
    doubts TEXT NOT NULL DEFAULT '[]',
    lcslid TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
"""

#: Tax-side flags a sandbox control may set on a record.
RECORD_FLAGS = ("not_refundable", "return_purpose", "amended", "amendment_pending", "departure_port",
                "departure_date", "export_cancelled", "claimed_qty", "claimed_usd")  # fmt: skip


def _refused(message: str, *, status: int, code: str) -> PortalError:
    """A refusal the HTTP layer answers with ``status`` and ``code`` (404 ``not_found``, 409 ``state`` …)."""
    return PortalError(message, status=status, code=code)


def _stored_record(key: object, text: object) -> RefundRecord:
    """A stored refund-copy record.

    Raises:
        DamagedRecordError: the stored JSON no longer reads as a record (damaged storage, a hand edit).
    """
    try:
        value = json.loads(text)  # type: ignore[arg-type]
        if not isinstance(value, dict):
            raise TypeError(f"a {type(value).__name__}, not an object")
        return RefundRecord.from_json(value)
    except (EportError, ValueError, TypeError) as exc:
        raise DamagedRecordError("records", str(key), "record", f"does not read ({exc})") from None


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def _plain(value: object) -> Any:
    """A JSON-able form of a model field value (scalars as text, nested models dropped)."""
    if value is None or isinstance(value, (str, int)):
        return value
    if isinstance(value, Decimal):
        return str(value)
    return None


def declaration_view(message: DecMessage, entry_id: str) -> dict[str, Any]:
    """The 表头 / 表体 view of a declaration: head fields and one row per item (scalar fields, as text)."""
    head: dict[str, Any] = {}
    if message.dec_head is not None:
        for field in attrs.fields(type(message.dec_head)):
            value = _plain(getattr(message.dec_head, field.name))
            if value not in (None, ""):
                head[field.name] = value
    head["entry_id"] = entry_id
    body = []
    for item in message.dec_lists.dec_list if message.dec_lists is not None else ():
        row = {}
        for field in attrs.fields(type(item)):
            value = _plain(getattr(item, field.name))
            if value not in (None, ""):
                row[field.name] = value
        body.append(row)
    return {"head": head, "body": body}


class RefundService:
    """The sandbox's tax-side refund service.

    Args:
        sandbox_database: the sandbox's SQLite state (read only, for the feed).
        path: this service's own SQLite file.
        rates: USD rates used to value the feed's records.
    """

    def __init__(self, sandbox_database: Path, path: Path, *, rates: Mapping[str, Decimal] = SANDBOX_RATES) -> None:
        self.sandbox_database = Path(sandbox_database)
        self.path = Path(path)
        self.rates = dict(rates)
        self.db = SqliteFile(self.path, _SCHEMA, synchronous="FULL", named_rows=False)

    def close(self) -> None:
        """Close the database."""
        self.db.close()

    # ------------------------------------------------------------------------------------------------ feed
    def sync(self) -> int:
        """Load declarations the sandbox closed since the last call; returns how many were added."""
        with self.db.reading() as db:
            row = db.execute("SELECT value FROM cursor WHERE name = 'receipts'").fetchone()
            after = int(row[0]) if row else 0
            try:
                source = sqlite3.connect(f"file:{self.sandbox_database}?mode=ro", uri=True, timeout=5)
            except sqlite3.Error as exc:
                logger.warning("refund feed: cannot open the sandbox state: %s", exc)
                return 0
            try:
                rows = source.execute(
                    "SELECT seq, source_cop_msg_id, dxp FROM receipts WHERE seq > ? AND msg_type = 'DEC_RESULT' "
                    "ORDER BY seq",
                    (after,),
                ).fetchall()
                added = 0
                last = after
                for seq, source_cop, dxp in rows:
                    last = seq
                    added += self._load(source, source_cop, bytes(dxp))
            except sqlite3.Error as exc:
                logger.warning("refund feed: cannot read the sandbox receipts: %s", exc)
                return 0
            finally:
                source.close()
            with self.db.transaction() as db:
                db.execute("INSERT OR REPLACE INTO cursor (name, value) VALUES ('receipts', ?)", (last,))
            return added

    def _load(self, source: sqlite3.Connection, source_cop: str, dxp: bytes) -> int:
        try:
            result = parse_dec_receipt(read_envelope(dxp).data)
        except (EportError, ValueError) as exc:
            logger.warning("refund feed: unreadable receipt for %s: %s", source_cop, exc)
            return 0
        if not isinstance(result, DecResult) or result.channel != CLOSED or not result.entry_id:
            return 0
        raw = source.execute("SELECT raw FROM submissions WHERE cop_msg_id = ?", (source_cop,)).fetchone()
        if raw is None:
            return 0
        try:
            message = decode_declaration(read_envelope(bytes(raw[0])).data)
            if message.dec_head is None or (message.dec_head.ie_flag or "").upper() != "E":
                return 0
            closed = closed_declaration(message, [result])
            records = records_from_declaration(message, [result], rates=self.rates)
        except (EdiError, FieldError) as exc:
            logger.warning("refund feed: declaration %s not loaded: %s", result.entry_id, exc)
            return 0
        view = declaration_view(message, str(closed.entry_id))
        with self.db.transaction() as db:
            db.execute(
                "INSERT OR IGNORE INTO declarations (entry_id, trade_code, customs, closed_on, export_date, items, "
                "view) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (str(closed.entry_id), closed.trade_code, closed.customs, closed.closed_on.isoformat(),
                 closed.export_date.isoformat() if closed.export_date else None, closed.items, json.dumps(view)),
            )  # fmt: skip
            for record in records:
                db.execute(
                    "INSERT OR IGNORE INTO records (refund_decl_no, entry_id, trade_code, record) VALUES (?, ?, ?, ?)",
                    (str(record.refund_decl_no), str(record.entry_id), record.trade_code,
                     json.dumps(record.to_json())),
                )  # fmt: skip
        return 1

    # --------------------------------------------------------------------------------------------- queries
    def closed_declarations(
        self,
        trade_code: str,
        *,
        entry_id_prefix: str = "",
        export_from: dt.date | None = None,
        export_to: dt.date | None = None,
        customs: str = "",
        offset: int = 0,
        limit: int = 50,
    ) -> tuple[int, list[ClosedDeclaration]]:
        """结关信息查询: closed export declarations of one enterprise, newest first."""
        self.sync()
        where, args = ["trade_code = ?"], [str(CustomsCode.parse(trade_code, field="tradeCode"))]
        if entry_id_prefix:
            where.append("entry_id LIKE ? ESCAPE '\\'")
            args.append(entry_id_prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")
        if export_from:
            where.append("export_date >= ?")
            args.append(export_from.isoformat())
        if export_to:
            where.append("export_date <= ?")
            args.append(export_to.isoformat())
        if customs:
            where.append("customs = ?")
            args.append(str(CustomsDistrict.parse(customs, field="customs")))
        clause = " AND ".join(where)
        with self.db.reading() as db:
            total = db.execute(f"SELECT COUNT(*) FROM declarations WHERE {clause}", args).fetchone()[0]  # noqa: S608
            rows = db.execute(
                f"SELECT entry_id, closed_on, customs, export_date, trade_code, items FROM declarations "  # noqa: S608
                f"WHERE {clause} ORDER BY closed_on DESC, entry_id DESC LIMIT ? OFFSET ?",
                [*args, limit, offset],
            ).fetchall()
        return int(total), [
            ClosedDeclaration(entry_id=EntryId(r[0]), closed_on=dt.date.fromisoformat(r[1]), customs=r[2],
                              export_date=dt.date.fromisoformat(r[3]) if r[3] else None, trade_code=r[4], items=r[5])
            for r in rows
        ]  # fmt: skip

    def declaration(self, entry_id: str) -> dict[str, Any]:
        """The head/body view of one closed declaration.

        Raises:
            eport.errors.PortalError: (404) customs has not closed such a declaration.
        """
        self.sync()
        key = EntryId.parse(entry_id, field="entryId")
        with self.db.reading() as db:
            row = db.execute("SELECT view FROM declarations WHERE entry_id = ?", (key,)).fetchone()
        if row is None:
            raise _refused(f"no closed declaration {key}", status=404, code="not_found")
        view: dict[str, Any] = json.loads(row[0])
        return view

    def record(self, refund_decl_no: str) -> RefundRecord:
        """The refund-copy record of one item.

        Raises:
            eport.errors.PortalError: (404, code ``no_record``) no electronic record (the self-check's ``WDZXX``
                case).
        """
        self.sync()
        key = RefundDeclNo.parse(refund_decl_no, field="refundDeclNo")
        with self.db.reading() as db:
            row = db.execute("SELECT record FROM records WHERE refund_decl_no = ?", (key,)).fetchone()
        if row is None:
            raise _refused(f"no electronic record for {key} (无电子信息)", status=404, code="no_record")
        return _stored_record(key, row[0])

    def records(
        self, trade_code: str, *, entry_id: str = "", offset: int = 0, limit: int = 100
    ) -> tuple[int, list[RefundRecord]]:
        """Refund-copy records of one enterprise (optionally of one declaration), by number."""
        self.sync()
        where, args = ["trade_code = ?"], [str(CustomsCode.parse(trade_code, field="tradeCode"))]
        if entry_id:
            where.append("entry_id = ?")
            args.append(str(EntryId.parse(entry_id, field="entryId")))
        clause = " AND ".join(where)
        with self.db.reading() as db:
            rows = db.execute(
                f"SELECT refund_decl_no, record FROM records WHERE {clause} ORDER BY refund_decl_no",  # noqa: S608
                args,
            ).fetchall()
        readable = []
        for key, text in rows:  # a damaged record is left out (logged), so pages stay full and totals true
            try:
                readable.append(_stored_record(key, text))
            except DamagedRecordError as exc:
                logger.error("%s: left out of the listing", exc)
        return len(readable), readable[offset : offset + limit]

    # ---------------------------------------------------------------------------------------------- legacy
    def legacy_list(
        self, trade_code: str, conditions: Sequence[tuple[str, Condition, str]] = (), *, offset: int = 0,
        limit: int = 50,
    ) -> tuple[int, list[dict[str, Any]]]:  # fmt: skip
        """查询报送: declarations with their legacy state, filtered by a conjunctive condition list.

        Conditions are ``(attribute, operator, value)`` with attribute ``entryId`` (报关单编号) or ``exportDate``
        (出口时间). Reading the list lets the simulated tax bureau receive what was submitted (已报送 → 已接收).

        Raises:
            eport.errors.FieldError: an unknown attribute or a malformed value.
        """
        self.sync()
        code = str(CustomsCode.parse(trade_code, field="tradeCode"))
        with self.db.transaction() as db:
            db.execute("UPDATE declarations SET legacy_state = 'RECEIVED', legacy_at = ? WHERE trade_code = ? AND "
                       "legacy_state = 'SUBMITTED'", (_now(), code))  # fmt: skip
        where, args = ["trade_code = ?"], [code]
        for index, (attribute, op, value) in enumerate(conditions):
            column = {"entryId": "entry_id", "exportDate": "export_date"}.get(attribute)
            if column is None:
                raise FieldError(
                    f"conditions[{index}].attribute", "must be entryId (报关单编号) or exportDate (出口时间)"
                )
            if column == "export_date":
                try:
                    value = dt.date.fromisoformat(value).isoformat()
                except ValueError as exc:
                    raise FieldError(f"conditions[{index}].value", "出口时间 is YYYY-MM-DD") from exc
            if op is Condition.PREFIX:
                where.append(f"{column} LIKE ? ESCAPE '\\'")
                args.append(value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")
            else:
                where.append(f"{column} {op.value} ?")
                args.append(value)
        clause = " AND ".join(where)
        with self.db.reading() as db:
            total = db.execute(f"SELECT COUNT(*) FROM declarations WHERE {clause}", args).fetchone()[0]  # noqa: S608
            rows = db.execute(
                f"SELECT entry_id, export_date, customs, legacy_state, legacy_at FROM declarations WHERE {clause} "  # noqa: S608
                "ORDER BY entry_id LIMIT ? OFFSET ?",
                [*args, limit, offset],
            ).fetchall()
        return int(total), [{"entryId": r[0], "exportDate": r[1], "customs": r[2], "state": r[3], "at": r[4]}
                            for r in rows]  # fmt: skip

    def legacy_submit(self, trade_code: str, entry_ids: Sequence[str] | None) -> list[str]:
        """选择报送 (``entry_ids``) or 全体报送 (``None``): AVAILABLE/FAILED → SUBMITTED. Returns what was submitted.

        Raises:
            eport.errors.PortalError: (404) a named declaration is not in the list.
            eport.errors.PortalError: (409) a named declaration was already submitted; nothing is changed.
        """
        self.sync()
        code = str(CustomsCode.parse(trade_code, field="tradeCode"))
        with self.db.transaction() as db:
            if entry_ids is None:
                chosen = [r[0] for r in db.execute(
                    "SELECT entry_id FROM declarations WHERE trade_code = ? AND legacy_state IN ('AVAILABLE', "
                    "'FAILED') ORDER BY entry_id", (code,))]  # fmt: skip
            else:
                chosen = []
                for index, value in enumerate(entry_ids):
                    key = str(EntryId.parse(value, field=f"entryIds[{index}]"))
                    row = db.execute("SELECT legacy_state FROM declarations WHERE entry_id = ? AND trade_code = ?",
                                     (key, code)).fetchone()  # fmt: skip
                    if row is None:
                        raise _refused(f"entryIds[{index}]: {key} is not in the list", status=404,
                                            code="not_found")  # fmt: skip
                    if row[0] not in ("AVAILABLE", "FAILED"):
                        raise _refused(f"entryIds[{index}]: {key} is {LegacyState(row[0]).label}",
                                               status=409, code="state")  # fmt: skip
                    chosen.append(key)
            now = _now()
            for key in chosen:
                db.execute("UPDATE declarations SET legacy_state = 'SUBMITTED', legacy_at = ? WHERE entry_id = ?",
                           (now, key))  # fmt: skip
        return chosen

    # -------------------------------------------------------------------------------------------- controls
    def annotate(self, refund_decl_no: str, flags: Mapping[str, Any]) -> RefundRecord:
        """Sandbox control: set tax-side flags on a record (不予退税, 退运证明, 改单, 启运港, claimed amounts).

        Raises:
            eport.errors.FieldError: an unknown flag or a bad value.
            eport.errors.PortalError: (404) no such record.
        """
        record = self.record(refund_decl_no)
        values = record.to_json()
        for name, value in flags.items():
            if name not in RECORD_FLAGS:
                raise FieldError(name, f"not a tax-side flag; one of {', '.join(RECORD_FLAGS)}")
            if name == "return_purpose" and value not in (None, *[p.value for p in ReturnPurpose]):
                raise FieldError(name, "1 退运, 2 改单, 3 撤单 or null")
            values[name] = value
        updated = RefundRecord.from_json(values)
        with self.db.transaction() as db:
            db.execute("UPDATE records SET record = ? WHERE refund_decl_no = ?",
                       (json.dumps(updated.to_json()), str(updated.refund_decl_no)))  # fmt: skip
        return updated

    def set_enterprise(self, trade_code: str, *, klass: str = "", consumption_certs: Sequence[str] = ()) -> None:
        """Sandbox control: the enterprise's class (A/B/C/D) and the 消费税 certificates the tax side holds.

        Raises:
            eport.errors.FieldError: a bad class or trade code.
        """
        code = str(CustomsCode.parse(trade_code, field="tradeCode"))
        if klass not in ("", "A", "B", "C", "D"):
            raise FieldError("class", "enterprise class is A, B, C or D")
        with self.db.transaction() as db:
            db.execute("INSERT OR REPLACE INTO enterprises (trade_code, class, consumption_certs) VALUES (?, ?, ?)",
                       (code, klass, json.dumps(list(consumption_certs))))  # fmt: skip

    def _config(self, trade_code: str, explained: Sequence[str]) -> SelfCheckConfig:
        with self.db.reading() as db:
            row = db.execute("SELECT class, consumption_certs FROM enterprises WHERE trade_code = ?",
                             (trade_code,)).fetchone()  # fmt: skip
        klass, certs = (row[0], json.loads(row[1])) if row else ("", [])
        return SelfCheckConfig(explained=frozenset(explained), consumption_certs=frozenset(certs),
                               enterprise_class=klass)  # fmt: skip

    # --------------------------------------------------------------------------------------------- batches
    def create_batch(
        self, *, trade_code: str, taxpayer_id: str, period: str, batch: int, lines: Sequence[Mapping[str, Any]],
        explained: Sequence[str] = (),
    ) -> dict[str, Any]:  # fmt: skip
        """Store a new DRAFT batch after validating every line (nothing is stored when one is bad).

        Raises:
            eport.errors.FieldError: a bad header value or line (``lines[<n>].<field>``).
        """
        from eport.services.refund.forms import FormHeader, check_forms

        code = str(CustomsCode.parse(trade_code, field="tradeCode"))
        header = FormHeader.parse(taxpayer_id=taxpayer_id, taxpayer_name="-", period=period, batch=batch)
        parsed = [ClaimLine.from_row(row, index=index) for index, row in enumerate(lines, start=1)]
        check_forms(parsed)
        for index, value in enumerate(explained):
            RefundDeclNo.parse(value, field=f"explained[{index}]")
        batch_id = uuid.uuid4().hex[:16]
        now = _now()
        with self.db.transaction() as db:
            db.execute(
                "INSERT INTO batches (id, trade_code, taxpayer_id, period, batch, state, lines, explained, "
                "created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'DRAFT', ?, ?, ?, ?)",
                (batch_id, code, header.taxpayer_id, header.period, header.batch,
                 json.dumps([line.to_json() for line in parsed]), json.dumps(list(explained)), now, now),
            )  # fmt: skip
        return self.batch(batch_id)

    def batches(self, trade_code: str) -> list[dict[str, Any]]:
        """Every batch of an enterprise, oldest first (declared ones reviewed as they are read)."""
        code = str(CustomsCode.parse(trade_code, field="tradeCode"))
        with self.db.reading() as db:
            ids = [r[0] for r in db.execute(
                "SELECT id FROM batches WHERE trade_code = ? ORDER BY rowid", (code,))]  # fmt: skip
        return [self.batch(batch_id) for batch_id in ids]

    def _row(self, batch_id: str) -> sqlite3.Row | tuple[Any, ...]:
        with self.db.reading() as db:
            row = db.execute(
                "SELECT id, trade_code, taxpayer_id, period, batch, state, lines, explained, doubts, lcslid, "
                "created_at, updated_at FROM batches WHERE id = ?", (batch_id,)).fetchone()  # fmt: skip
        if row is None:
            raise _refused(f"no batch {batch_id!r:.40}", status=404, code="not_found")
        return tuple(row)

    def _check(self, row: Sequence[Any]) -> list[Doubt]:
        lines = [ClaimLine.from_row(line) for line in json.loads(row[6])]
        self.sync()
        keys = {str(line.refund_decl_no) for line in lines}
        records: dict[str, RefundRecord] = {}
        with self.db.reading() as db:
            for key in keys:
                found = db.execute(
                    "SELECT record FROM records WHERE refund_decl_no = ? AND trade_code = ?", (key, row[1])
                ).fetchone()  # the tax side keys customs data by enterprise
                if found is not None:
                    records[key] = RefundRecord.from_json(json.loads(found[0]))
        return list(self_check(lines, records, config=self._config(row[1], json.loads(row[7]))))

    def self_check(self, batch_id: str) -> dict[str, Any]:
        """Run the doubt rules on a DRAFT or SELF_CHECKED batch and attach the doubts.

        Raises:
            eport.errors.PortalError: (409) the batch was already declared.
        """
        row = self._row(batch_id)
        if row[5] not in (BatchState.DRAFT.value, BatchState.SELF_CHECKED.value):
            raise _refused(f"batch {batch_id} is {BatchState(row[5]).label}; it cannot be checked again",
                                   status=409, code="state")  # fmt: skip
        doubts = self._check(row)
        with self.db.transaction() as db:
            db.execute("UPDATE batches SET state = 'SELF_CHECKED', doubts = ?, updated_at = ? WHERE id = ?",
                       (json.dumps([d.to_json() for d in doubts]), _now(), batch_id))  # fmt: skip
        return self.batch(batch_id)

    def declare(self, batch_id: str) -> dict[str, Any]:
        """正式申报: SELF_CHECKED without blocking doubts → DECLARED with a 流程实例ID.

        Raises:
            eport.errors.PortalError: (409) not self-checked, or blocking doubts remain (``code="blocking_doubts"``).
        """
        row = self._row(batch_id)
        if row[5] != BatchState.SELF_CHECKED.value:
            raise _refused(f"batch {batch_id} is {BatchState(row[5]).label}; self-check it first",
                                   status=409, code="state")  # fmt: skip
        blocking = [d for d in json.loads(row[8]) if d["passFlag"] == "N"]
        if blocking:
            raise _refused(f"batch {batch_id} has {len(blocking)} blocking doubts (PASS_FLAG N)",
                                   status=409, code="blocking_doubts")  # fmt: skip
        with self.db.transaction() as db:
            db.execute("UPDATE batches SET state = 'DECLARED', lcslid = ?, updated_at = ? WHERE id = ?",
                       (uuid.uuid4().hex, _now(), batch_id))  # fmt: skip
        return self.batch(batch_id, review=False)

    def batch(self, batch_id: str, *, review: bool = True) -> dict[str, Any]:
        """One batch; with ``review`` a DECLARED batch is reviewed now (APPROVED, booking the claims, or REJECTED)."""
        row = self._row(batch_id)
        if review and row[5] == BatchState.DECLARED.value:
            self._review(row)
            row = self._row(batch_id)
        return {"id": row[0], "tradeCode": row[1], "taxpayerId": row[2], "period": row[3], "batch": row[4],
                "state": row[5], "lines": len(json.loads(row[6])), "doubts": json.loads(row[8]), "lcslid": row[9],
                "createdAt": row[10], "updatedAt": row[11]}  # fmt: skip

    def _review(self, row: Sequence[Any]) -> None:
        doubts = self._check(row)
        blocking = [d for d in doubts if not d.passable]
        with self.db.transaction() as db:
            current = db.execute("SELECT state FROM batches WHERE id = ?", (row[0],)).fetchone()
            if current is None or current[0] != BatchState.DECLARED.value:
                return
            if blocking:
                db.execute("UPDATE batches SET state = 'REJECTED', doubts = ?, updated_at = ? WHERE id = ?",
                           (json.dumps([d.to_json() for d in doubts]), _now(), row[0]))  # fmt: skip
                return
            for line in json.loads(row[6]):
                claim = ClaimLine.from_row(line)
                found = db.execute("SELECT record FROM records WHERE refund_decl_no = ?",
                                   (str(claim.refund_decl_no),)).fetchone()  # fmt: skip
                if found is None:
                    continue
                values = json.loads(found[0])
                values["claimed_qty"] = str(Decimal(values["claimed_qty"]) + claim.qty)
                values["claimed_usd"] = str(Decimal(values["claimed_usd"]) + claim.usd_fob)
                db.execute("UPDATE records SET record = ? WHERE refund_decl_no = ?",
                           (json.dumps(values), str(claim.refund_decl_no)))  # fmt: skip
            db.execute("UPDATE batches SET state = 'APPROVED', updated_at = ? WHERE id = ?", (_now(), row[0]))


__all__ = ["RECORD_FLAGS", "SANDBOX_RATES", "RefundService", "declaration_view"]
