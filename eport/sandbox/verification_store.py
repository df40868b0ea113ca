"""State of the sandbox's verification-form registry (``verification.sqlite3``): forms, their history, and the
declarations of the 出口收汇报关单 / 进口付汇报关单 lists.

Rules (``REFUND_AND_VERIFICATION.md`` §3.5): a form must be FILED (口岸备案) for the declaration's port before a
declaration may carry it; one form per declaration, and a used form cannot be used again; declarations dated on or
after 2012-08-01 carry ``ApprNo`` for information only (accepted, not checked, the form left as it is). SAFE issues
applied forms and verifies handed-in ones after ``delay`` seconds (at the next read). Every transition goes through
:func:`eport.services.verification_models.next_state`; a refusal changes nothing.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from pathlib import Path

import attrs

from eport.errors import DamagedRecordError, EportError, PortRuleError
from eport.identifiers import EntryId, VerificationFormNo
from eport.sandbox.sqlite import SqliteFile
from eport.services.verification_models import (
    SCHEME_ENDED,
    Condition,
    Direction,
    FormAction,
    FormState,
    ProceedsDeclaration,
    StateChange,
    VerificationForm,
    next_state,
    select,
)

logger = logging.getLogger(__name__)

#: First serial of the sandbox's 9-digit form numbers.
FIRST_FORM_NO = 280_000_001

_SCHEMA = """
CREATE TABLE IF NOT EXISTS forms (
    form_no TEXT PRIMARY KEY, enterprise_code TEXT NOT NULL, state TEXT NOT NULL, applied_at TEXT NOT NULL,
    since REAL NOT NULL, port TEXT, entry_id TEXT UNIQUE, export_date TEXT, currency TEXT, amount TEXT);
CREATE TABLE IF NOT EXISTS history (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, form_no TEXT NOT NULL, state TEXT NOT NULL, at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS declarations (
    entry_id TEXT PRIMARY KEY, enterprise_code TEXT NOT NULL, direction TEXT NOT NULL, ie_date TEXT NOT NULL,
    customs TEXT NOT NULL, currency TEXT NOT NULL, amount TEXT NOT NULL, trade_mode TEXT, form_no TEXT);
"""


class FormNotFoundError(LookupError):
    """No such form for this enterprise."""


@attrs.frozen(kw_only=True)
class Use:
    """A declaration that carries a form (``DecHead.ApprNo``)."""

    entry_id: EntryId
    port: str
    ie_date: dt.date
    currency: str
    amount: Decimal
    trade_mode: str | None = None


class VerificationStore:
    """The form registry.

    Args:
        path: the SQLite file.
        delay: seconds SAFE takes to issue and to verify.
    """

    def __init__(self, path: Path, *, delay: float = 0.0) -> None:
        self.db = SqliteFile(path, _SCHEMA)
        self.delay = delay

    def close(self) -> None:
        """Close the file."""
        self.db.close()

    # ----------------------------------------------------------------------------------------------- reading
    def _advance(self, db: sqlite3.Connection) -> None:
        """SAFE's part: issue applied forms and verify handed-in ones whose delay has passed."""
        cutoff = time.time() - self.delay
        for source, action in ((FormState.APPLIED, FormAction.ISSUE), (FormState.SUBMITTED, FormAction.VERIFY)):
            rows = db.execute(
                "SELECT form_no FROM forms WHERE state = ? AND since <= ?", (source.value, cutoff)
            ).fetchall()
            for row in rows:
                self._move(db, row["form_no"], source, action)

    def _move(self, db: sqlite3.Connection, form_no: str, state: FormState, action: FormAction) -> FormState:
        target = next_state(state, action, form_no=form_no)
        db.execute("UPDATE forms SET state = ?, since = ? WHERE form_no = ?", (target.value, time.time(), form_no))
        db.execute("INSERT INTO history (form_no, state, at) VALUES (?, ?, ?)", (form_no, target.value, _now()))
        return target

    def _form(self, db: sqlite3.Connection, form_no: str, enterprise: str) -> VerificationForm:
        row = db.execute(
            "SELECT * FROM forms WHERE form_no = ? AND enterprise_code = ?", (form_no, enterprise)
        ).fetchone()
        if row is None:
            raise FormNotFoundError(form_no)
        history = db.execute("SELECT state, at FROM history WHERE form_no = ? ORDER BY seq", (form_no,)).fetchall()
        return _to_form(row, history)

    def form(self, form_no: str, enterprise: str) -> VerificationForm:
        """One form of the enterprise.

        Raises:
            FormNotFoundError: no such form for this enterprise.
        """
        with self.db.transaction() as db:
            self._advance(db)
            return self._form(db, form_no, enterprise)

    def query(
        self, enterprise: str, conditions: Sequence[Condition], offset: int, limit: int
    ) -> tuple[int, list[VerificationForm]]:
        """``(total, page)`` of the enterprise's forms matching every condition, by form number."""
        with self.db.transaction() as db:
            self._advance(db)
            numbers = [
                r["form_no"]
                for r in db.execute(
                    "SELECT form_no FROM forms WHERE enterprise_code = ? ORDER BY form_no", (enterprise,)
                )
            ]
            loaders = [functools.partial(self._form, db, n, enterprise) for n in numbers]
            forms = select(_readable(loaders), conditions)
        return len(forms), forms[offset : offset + limit]

    # ----------------------------------------------------------------------------------------------- actions
    def apply(self, enterprise: str, count: int) -> list[VerificationForm]:
        """核销单申请: ``count`` new forms in APPLIED (SAFE issues them after the delay)."""
        with self.db.transaction() as db:
            row = db.execute("SELECT MAX(CAST(form_no AS INTEGER)) AS last FROM forms").fetchone()
            first = max(FIRST_FORM_NO, (row["last"] or 0) + 1)
            numbers = [str(first + i) for i in range(count)]
            for number in numbers:
                db.execute(
                    "INSERT INTO forms (form_no, enterprise_code, state, applied_at, since) VALUES (?, ?, ?, ?, ?)",
                    (number, enterprise, FormState.APPLIED.value, _now(), time.time()),
                )
                db.execute(
                    "INSERT INTO history (form_no, state, at) VALUES (?, ?, ?)",
                    (number, FormState.APPLIED.value, _now()),
                )
            self._advance(db)
            return [self._form(db, n, enterprise) for n in numbers]

    def act(self, form_no: str, enterprise: str, action: FormAction, *, port: str | None = None) -> VerificationForm:
        """File (with ``port``), hand in, report lost or void a form.

        Raises:
            FormNotFoundError: no such form.
            eport.errors.FormStateError: the action is not allowed in the form's state (nothing changes).
        """
        with self.db.transaction() as db:
            self._advance(db)
            form = self._form(db, form_no, enterprise)
            self._move(db, form_no, form.state, action)
            if action is FormAction.FILE:
                db.execute("UPDATE forms SET port = ? WHERE form_no = ?", (port, form_no))
            return self._form(db, form_no, enterprise)

    def use(self, form_no: str, enterprise: str, use: Use) -> tuple[VerificationForm, bool]:
        """A declaration carries the form (ApprNo). Returns the form and whether the use was informational only
        (declarations from 2012-08-01 on).

        Raises:
            FormNotFoundError: no such form.
            eport.errors.PortRuleError: not filed for the declaration's port, already used, or the declaration
                carries another form.
            eport.errors.FormStateError: the form is lost or void.
        """
        with self.db.transaction() as db:
            self._advance(db)
            return self._use(db, self._form(db, form_no, enterprise), use)

    def check_use(self, form_no: str, enterprise: str, use: Use) -> bool:
        """Whether ``use`` would be accepted, without changing anything: the rules of :meth:`use`. Returns whether
        the use is informational only (declarations from 2012-08-01 on).

        Raises:
            FormNotFoundError, eport.errors.PortRuleError, eport.errors.FormStateError: as :meth:`use`.
        """
        with self.db.transaction() as db:
            self._advance(db)
            return self._check(db, self._form(db, form_no, enterprise), use)

    def use_by_customs(self, form_no: str, enterprise: str, use: Use) -> tuple[VerificationForm, bool]:
        """:meth:`use` for the sandbox's customs, which may replay it (a scheduled event retried after a crash):
        a form already USED on the same declaration is left as it is.

        Raises:
            FormNotFoundError, eport.errors.PortRuleError, eport.errors.FormStateError: as :meth:`use`.
        """
        with self.db.transaction() as db:
            self._advance(db)
            form = self._form(db, form_no, enterprise)
            if form.entry_id == use.entry_id:
                return form, False
            return self._use(db, form, use)

    def enterprise_of(self, form_no: str) -> str | None:
        """The enterprise a form was issued to, or None when the registry has no such form."""
        rows = self.db.query("SELECT enterprise_code FROM forms WHERE form_no = ?", (form_no,))
        return str(rows[0]["enterprise_code"]) if rows else None

    def _check(self, db: sqlite3.Connection, form: VerificationForm, use: Use) -> bool:
        """The rules of a use (§3.5); raises the refusal, returns whether the use is informational only."""
        form_no = str(form.form_no)
        if use.ie_date >= SCHEME_ENDED:
            return True
        if form.state in (FormState.USED, FormState.SUBMITTED, FormState.VERIFIED):
            raise PortRuleError(
                f"核销单 {form_no} was already used on declaration {form.entry_id}", rule="form_already_used"
            )
        if form.state in (FormState.APPLIED, FormState.ISSUED):
            raise PortRuleError(f"核销单 {form_no} is not filed (口岸备案) for any port yet", rule="not_filed_for_port")
        if form.state is FormState.FILED and form.port != use.port:
            raise PortRuleError(
                f"核销单 {form_no} is filed for port {form.port}, the declaration is at port {use.port}",
                rule="not_filed_for_port",
            )
        taken = db.execute("SELECT form_no FROM forms WHERE entry_id = ?", (str(use.entry_id),)).fetchone()
        if taken is not None:
            raise PortRuleError(
                f"declaration {use.entry_id} already carries 核销单 {taken['form_no']}", rule="one_form_per_declaration"
            )
        next_state(form.state, FormAction.USE, form_no=form_no)  # LOST/VOID raise FormStateError here
        return False

    def _use(self, db: sqlite3.Connection, form: VerificationForm, use: Use) -> tuple[VerificationForm, bool]:
        form_no = str(form.form_no)
        if self._check(db, form, use):
            self._record_declaration(db, form.enterprise_code, use, None)
            return form, True
        self._move(db, form_no, form.state, FormAction.USE)
        db.execute(
            "UPDATE forms SET entry_id = ?, export_date = ?, currency = ?, amount = ? WHERE form_no = ?",
            (str(use.entry_id), use.ie_date.isoformat(), use.currency, str(use.amount), form_no),
        )
        self._record_declaration(db, form.enterprise_code, use, form_no)
        return self._form(db, form_no, form.enterprise_code), False

    @staticmethod
    def _record_declaration(db: sqlite3.Connection, enterprise: str, use: Use, form_no: str | None) -> None:
        db.execute(
            "INSERT OR REPLACE INTO declarations (entry_id, enterprise_code, direction, ie_date, customs, currency,"
            " amount, trade_mode, form_no) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (str(use.entry_id), enterprise, Direction.EXPORT.value, use.ie_date.isoformat(), use.port, use.currency,
             str(use.amount), use.trade_mode, form_no),
        )  # fmt: skip

    # ----------------------------------------------------------------------------------------------- modern list
    def add_declaration(self, enterprise: str, row: ProceedsDeclaration) -> None:
        """Feed one declaration into the 收付汇报关单 lists (the sandbox's stand-in for customs data)."""
        with self.db.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO declarations (entry_id, enterprise_code, direction, ie_date, customs,"
                " currency, amount, trade_mode) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (str(row.entry_id), enterprise, row.direction.value, row.ie_date.isoformat(), row.customs,
                 row.currency, str(row.amount), row.trade_mode),
            )  # fmt: skip

    def proceeds(
        self,
        enterprise: str,
        direction: Direction,
        *,
        entry_id: str | None,
        date_from: dt.date | None,
        date_to: dt.date | None,
        offset: int,
        limit: int,
    ) -> tuple[int, list[ProceedsDeclaration]]:
        """``(total, page)`` of the enterprise's declarations of one direction, newest first."""
        sql = "SELECT * FROM declarations WHERE enterprise_code = ? AND direction = ?"
        params: list[object] = [enterprise, direction.value]
        if entry_id:
            sql += " AND entry_id = ?"
            params.append(entry_id)
        if date_from:
            sql += " AND ie_date >= ?"
            params.append(date_from.isoformat())
        if date_to:
            sql += " AND ie_date <= ?"
            params.append(date_to.isoformat())
        rows = self.db.query(sql + " ORDER BY ie_date DESC, entry_id", tuple(params))
        readable = [row for row in (_declaration(r) for r in rows) if row is not None]
        return len(readable), readable[offset : offset + limit]


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat()


def _to_form(row: sqlite3.Row, history: list[sqlite3.Row]) -> VerificationForm:
    """A stored form; a value that does not read raises :class:`DamagedRecordError` naming its column."""
    key = str(row["form_no"])
    column = "form_no"
    try:
        form_no = VerificationFormNo(row["form_no"])
        column = "state"
        state = FormState(row["state"])
        column = "applied_at"
        applied_at = dt.datetime.fromisoformat(row["applied_at"])
        column = "entry_id"
        entry_id = EntryId(row["entry_id"]) if row["entry_id"] else None
        column = "export_date"
        export_date = dt.date.fromisoformat(row["export_date"]) if row["export_date"] else None
        column = "amount"
        amount = Decimal(row["amount"]) if row["amount"] is not None else None
        column = "history"
        changes = tuple(
            StateChange(state=FormState(h["state"]), at=dt.datetime.fromisoformat(h["at"])) for h in history
        )
    except (EportError, ValueError, TypeError, ArithmeticError) as exc:
        raise DamagedRecordError("forms", key, column, f"does not read ({exc})") from None
    return VerificationForm(
        form_no=form_no,
        state=state,
        enterprise_code=row["enterprise_code"],
        applied_at=applied_at,
        port=row["port"],
        entry_id=entry_id,
        export_date=export_date,
        currency=row["currency"],
        amount=amount,
        history=changes,
    )


def _declaration(r: sqlite3.Row) -> ProceedsDeclaration | None:
    """A stored 收付汇 declaration, or ``None`` (logged) when one of its values does not read."""
    try:
        return ProceedsDeclaration(
            entry_id=EntryId(r["entry_id"]),
            direction=Direction(r["direction"]),
            ie_date=dt.date.fromisoformat(r["ie_date"]),
            customs=r["customs"],
            currency=r["currency"],
            amount=Decimal(r["amount"]),
            trade_mode=r["trade_mode"],
        )
    except (EportError, ValueError, TypeError, ArithmeticError) as exc:
        logger.error("declarations record %s is damaged (%s): left out of the listing", r["entry_id"], exc)
        return None


def _readable(forms: Iterable[Callable[[], VerificationForm]]) -> Iterator[VerificationForm]:
    """The forms that read; a damaged one is logged and left out of the listing (it stays readable as an error)."""
    for load in forms:
        try:
            yield load()
        except DamagedRecordError as exc:
            logger.error("%s: left out of the listing", exc)


__all__ = ["FIRST_FORM_NO", "FormNotFoundError", "Use", "VerificationStore"]
