"""The 关区代码表 (customs district codes): the 4-digit 关区 / 口岸 codes of ``IEPort`` and ``CustomMaster``.

The shipped table (``data/customs-districts.csv``) is **partial**: the 直属海关 (``xx00``) and a few well-known port
customs, written from background knowledge, not copied from an official list (see ``data/SOURCES.md``). Load the
full table you hold with :func:`parse_districts_csv` and pass it wherever a district table is taken
(``VerificationClient(..., districts=table)``).

::

    from eport.edi.codes.districts import customs_districts

    customs_districts()["5300"].name             # '深圳海关'
    customs_districts().by_name("深圳海关").code   # '5300'
"""

from __future__ import annotations

import csv
import functools
import io
import re
from importlib import resources

from eport.edi.codes._tables import CodeEntry, CodeTable
from eport.errors import CodeTableError

_CODE = re.compile(r"\d{4}")


def parse_districts_csv(text: str, *, name: str = "customs_district") -> CodeTable:
    """A district table from CSV text with the columns ``code,name`` (4-digit codes).

    Raises:
        eport.errors.CodeTableError: a missing column, a code that is not 4 digits, or a repeated code (with its line).
    """
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None or not {"code", "name"} <= set(reader.fieldnames):
        raise CodeTableError("a customs district table needs the columns code,name")
    entries: list[CodeEntry] = []
    seen: set[str] = set()
    for line, row in enumerate(reader, start=2):
        code, label = (row.get("code") or "").strip(), (row.get("name") or "").strip()
        if not _CODE.fullmatch(code):
            raise CodeTableError(f"line {line}: customs district code must be 4 digits")
        if code in seen:
            raise CodeTableError(f"line {line}: customs district {code} repeated")
        seen.add(code)
        entries.append(CodeEntry(code=code, name=label))
    return CodeTable(name=name, title="关区代码表 customs districts", entries=tuple(entries))


@functools.lru_cache(maxsize=1)
def customs_districts() -> CodeTable:
    """The shipped (partial) customs district table."""
    text = resources.files("eport.edi.codes").joinpath("data/customs-districts.csv").read_text(encoding="utf-8")
    return parse_districts_csv(text)


__all__ = ["customs_districts", "parse_districts_csv"]
