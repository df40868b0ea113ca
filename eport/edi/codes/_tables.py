"""Code tables as immutable objects, and the CSV readers for both table generations.

Pure: parses text it is given; never opens files.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterator, Mapping

import attrs

from eport.errors import CodeTableError

logger = logging.getLogger(__name__)

NUMERIC_COLUMNS = ("dict_code", "dict_name", "code", "text", "description")
POST2018_COLUMNS = ("enum", "enum_summary", "code", "name_cn", "name_en")


@attrs.frozen
class CodeEntry:
    """One code of a table.

    Attributes:
        code: the code as written in messages (``"142"``, ``"USD"``).
        name: the Chinese name (``人民币``).
        extra: a second value: the ISO alpha code in numeric currency tables, the English name in post-2018 tables.
    """

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

    @property
    def codes(self) -> frozenset[str]:
        """Every code of the table."""
        return frozenset(self._by_code)

    def by_name(self, name: str) -> CodeEntry:
        """Return the entry whose name (Chinese) or ``extra`` (English name, ISO code) is ``name``.

        Case and spaces are ignored; the first entry wins when names repeat.

        Raises:
            CodeTableError: if no entry has that name.
        """
        wanted = "".join(name.split()).casefold()
        for entry in self.entries:
            for candidate in (entry.name, entry.extra):
                if candidate and "".join(candidate.split()).casefold() == wanted:
                    return entry
        raise CodeTableError(f"no code named {name!r} in table {self.name} ({self.title})")


def _rows(text: str, required: tuple[str, ...], what: str) -> Iterator[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    try:
        missing = [c for c in required if c not in (reader.fieldnames or ())]
        if missing:
            raise CodeTableError(f"{what} code table CSV lacks column(s) {', '.join(missing)}; expected {required}")
        for row in reader:
            yield {k: (v or "").strip() for k, v in row.items() if k is not None}
    except csv.Error as exc:
        raise CodeTableError(f"{what} code table CSV is malformed on line {reader.line_num}: {exc}") from None


def parse_numeric_csv(text: str) -> dict[str, CodeTable]:
    """Parse numeric-generation tables (columns ``dict_code,dict_name,code,text,description``).

    Args:
        text: the CSV text, one row per code, several tables in one file.

    Returns:
        Tables by raw name (``cit_currency``).

    Raises:
        CodeTableError: if a required column is missing.
    """
    rows: dict[str, list[CodeEntry]] = {}
    titles: dict[str, str] = {}
    for row in _rows(text, NUMERIC_COLUMNS, "numeric"):
        rows.setdefault(row["dict_code"], []).append(
            CodeEntry(code=row["code"], name=row["text"], extra=row["description"])
        )
        titles[row["dict_code"]] = row["dict_name"]
    return {name: CodeTable(name, titles[name], tuple(entries)) for name, entries in rows.items()}


def parse_post2018_csv(text: str) -> dict[str, CodeTable]:
    """Parse post-2018 Single Window tables (columns ``enum,enum_summary,code,name_cn,name_en``).

    Args:
        text: the CSV text.

    Returns:
        Tables by enum name (``Currency``, ``BaseCountry``).

    Raises:
        CodeTableError: if a required column is missing.
    """
    rows: dict[str, list[CodeEntry]] = {}
    titles: dict[str, str] = {}
    for row in _rows(text, POST2018_COLUMNS, "post-2018"):
        rows.setdefault(row["enum"], []).append(CodeEntry(code=row["code"], name=row["name_cn"], extra=row["name_en"]))
        titles[row["enum"]] = row["enum_summary"]
    return {name: CodeTable(name, titles[name], tuple(entries)) for name, entries in rows.items()}


__all__ = ["CodeEntry", "CodeTable", "parse_numeric_csv", "parse_post2018_csv"]
