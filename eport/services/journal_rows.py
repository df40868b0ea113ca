"""Reading journal columns back without trusting them: one damaged value affects its own row only.

A journal file lives for years on an operator's disk; a bad sector, a hand edit in a SQLite browser, a tool that
rewrote a column as text or an older/newer eport can leave a value that no longer reads as what eport wrote (a
``state`` that is no :class:`~eport.services.Stage`, a ``numbers`` that is no JSON, a time stamp that is no time).
Every reader here returns a safe value and, when the stored one did not read, a :class:`JournalDamage` naming the
table, column and row, so listings, polls and recovery go on and the damage is shown where it is.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import math
from typing import TypeVar

import attrs

E = TypeVar("E", bound=enum.Enum)

_SHOWN = 60
"""Characters of a damaged value kept in its :class:`JournalDamage` (enough to recognise it, never a whole blob)."""


@attrs.frozen(kw_only=True)
class JournalDamage:
    """A value of a journal row that does not read as what eport stored there.

    Attributes:
        table: the SQLite table (``submissions``, ``events``).
        column: the column (``state``, ``stage``, ``family``, ``numbers``, ``at`` …).
        value: ``repr`` of the stored value, shortened.
        row: the row's key (the CopMsgId of a submission, the id of an event).
    """

    table: str
    column: str
    value: str
    row: str

    def __str__(self) -> str:
        return f"{self.table}.{self.column} of row {self.row} is damaged: {self.value}"


@attrs.define
class RowReader:
    """Reads the columns of one row, collecting a :class:`JournalDamage` for each value that does not read.

    Attributes:
        table: the table the row is from.
        row: the row's key, for the damage reports.
        damage: what did not read, in reading order.
    """

    table: str
    row: str
    damage: list[JournalDamage] = attrs.field(factory=list)

    def _damaged(self, column: str, value: object) -> None:
        shown = repr(value)
        if len(shown) > _SHOWN:
            shown = shown[: _SHOWN - 1] + "…"
        self.damage.append(JournalDamage(table=self.table, column=column, value=shown, row=self.row))

    def text(self, column: str, value: object) -> str:
        """A text column stored ``NOT NULL``: anything else is damage, read as its text."""
        if isinstance(value, str):
            return value
        self._damaged(column, value)
        if isinstance(value, bytes):
            return value.decode("utf-8", errors="replace")
        return "" if value is None else str(value)

    def optional_text(self, column: str, value: object) -> str | None:
        """A text column that may be ``NULL``."""
        return None if value is None else self.text(column, value)

    def member(self, column: str, value: object, kind: type[E]) -> E | None:
        """A member of the enum ``kind`` stored as its value; ``None`` (and damage) when it is none."""
        if isinstance(value, str):
            try:
                return kind(value)
            except ValueError:
                pass
        self._damaged(column, value)
        return None

    def time(self, column: str, value: object) -> dt.datetime | None:
        """An ISO 8601 time stamp column that may be ``NULL``."""
        if value is None:
            return None
        if isinstance(value, str):
            try:
                return dt.datetime.fromisoformat(value)
            except ValueError:
                pass
        self._damaged(column, value)
        return None

    def count(self, column: str, value: object) -> int:
        """A non-negative integer column; damage reads as 0."""
        if isinstance(value, int) and value >= 0:
            return value
        self._damaged(column, value)
        return 0

    def numbers(self, column: str, value: object) -> dict[str, str] | None:
        """A JSON object of text to text; ``None`` (and damage) when it is not one."""
        if isinstance(value, str):
            try:
                loaded = json.loads(value)
            except ValueError:
                loaded = None
            if isinstance(loaded, dict) and all(isinstance(v, str) for v in loaded.values()):
                return {str(k): v for k, v in loaded.items()}
        self._damaged(column, value)
        return None


CLOCK_SLACK = 1.0
"""Seconds a lease may end beyond its length before it is suspect: the small steps back of a clock kept in time
(NTP) never take a live client's rows."""


def blob(value: object) -> bytes | None:
    """Stored bytes (a ``BLOB``), or their UTF-8 text when a tool rewrote the column as ``TEXT``; ``None`` for
    anything else."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    return None


def lease_expired(until: object, length: object, now: float, default_length: float) -> bool:
    """Whether a lease ending at ``until`` (seconds since the epoch) no longer protects its row at ``now``.

    It has expired when it ended, when it is no finite number (damaged), or when it ends further in the future than
    its own length (``length``, or ``default_length`` when the row has none) plus :data:`CLOCK_SLACK`: no client
    takes a lease longer than its length, so such an end comes from a clock that was set back after the lease was
    taken (or a clock that runs ahead on the leasing machine). It is treated as expired rather than trusted, so
    recovery of a dead client's rows is never delayed by the size of a clock jump.
    """
    if not isinstance(until, int | float) or isinstance(until, bool) or not math.isfinite(until):
        return True
    bound = length if isinstance(length, int | float) and math.isfinite(length) and length > 0 else default_length
    return until < now or until - now > bound + CLOCK_SLACK
