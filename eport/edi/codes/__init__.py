"""Customs parameter code tables (参数代码表).

Two generations exist (see ``docs/codes.md``): the numeric H2000 generation used by CEB messages and the 179
payment upload (currency ``142`` 人民币, country ``502`` 美国), and the post-2018 Single Window generation with ISO
alpha codes used in declarations (``CNY``, ``USA``). The tables ship as package data (``eport/edi/codes/data``)
copied from the reference set; see ``data/SOURCES.md`` for their provenance.

This module is pure: it reads package data only and keeps no mutable state.
"""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Iterator, Mapping
from importlib import resources

import attrs

from eport.errors import CodeTableError

#: Friendly names of the numeric-generation tables most used by validation.
NUMERIC_ALIASES: Mapping[str, str] = {
    "currency": "cit_currency",
    "country": "cit_country_region",
    "unit": "cit_unit",
    "transport_mode": "cit_traf_mode",
    "trade_mode": "cit_trade_mode",
    "wrap_type": "cit_wrap_type",
    "trans_mode": "cit_trans_mode",
    "duty_mode": "cit_duty_mode",
}


@attrs.frozen
class CodeEntry:
    """One code of a table: ``code`` (e.g. ``"142"``), ``name`` (Chinese text), ``extra`` (e.g. ISO alpha)."""

    code: str
    name: str
    extra: str = ""


@attrs.frozen
class CodeTable:
    """An immutable code table with lookup by code."""

    name: str
    title: str
    entries: tuple[CodeEntry, ...]
    _by_code: Mapping[str, CodeEntry] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_by_code", {e.code: e for e in self.entries})

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def __iter__(self) -> Iterator[CodeEntry]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def get(self, code: str) -> CodeEntry | None:
        """Return the entry for ``code`` or ``None``."""
        return self._by_code.get(code)

    def __getitem__(self, code: str) -> CodeEntry:
        try:
            return self._by_code[code]
        except KeyError:
            raise CodeTableError(f"code {code!r} is not in table {self.name} ({self.title})") from None


@functools.lru_cache(maxsize=1)
def _numeric_tables() -> Mapping[str, CodeTable]:
    text = resources.files(__package__).joinpath("data/code-tables-numeric.csv").read_text(encoding="utf-8")
    rows: dict[str, list[CodeEntry]] = {}
    titles: dict[str, str] = {}
    for row in csv.DictReader(io.StringIO(text)):
        rows.setdefault(row["dict_code"], []).append(
            CodeEntry(code=row["code"], name=row["text"], extra=row["description"] or "")
        )
        titles[row["dict_code"]] = row["dict_name"]
    return {name: CodeTable(name, titles[name], tuple(entries)) for name, entries in rows.items()}


def numeric(table: str) -> CodeTable:
    """Return a numeric-generation table by alias (``"currency"``) or raw name (``"cit_currency"``).

    Raises:
        CodeTableError: if there is no such table.
    """
    tables = _numeric_tables()
    key = NUMERIC_ALIASES.get(table, table)
    try:
        return tables[key]
    except KeyError:
        raise CodeTableError(f"unknown code table {table!r}; known: {', '.join(sorted(tables))}") from None


def is_valid(table: str, code: str) -> bool:
    """True when ``code`` is in the numeric-generation ``table``."""
    return code in numeric(table)


__all__ = ["NUMERIC_ALIASES", "CodeEntry", "CodeTable", "is_valid", "numeric"]
