"""Customs parameter code tables (参数代码表).

Two generations exist (see ``docs/codes.md``): the numeric H2000 generation used by CEB messages and the 179
payment upload (currency ``142`` 人民币, country ``502`` 美国), and the post-2018 Single Window generation with ISO
alpha codes used in declarations (``CNY``, ``USA``). The tables ship as package data (``eport/edi/codes/data``)
copied from the reference set; see ``data/SOURCES.md`` for their provenance.

::

    from eport.edi import codes

    codes.currency("502").to_iso()          # 'USD'
    codes.currency.by_name("美元").numeric   # '502'
    codes.country("USA").to_numeric()        # '502'
    codes.numeric("transport_mode")["5"].name  # '航空运输'

A newer table can be loaded from a file without upgrading eport: :meth:`CodeBook.from_csv`.

This module is pure: it reads package data only and keeps no mutable state.
"""

from __future__ import annotations

from eport.edi.codes._tables import CodeEntry, CodeTable, parse_numeric_csv, parse_post2018_csv
from eport.edi.codes.book import (
    NUMERIC_ALIASES,
    POST2018_ALIASES,
    Code,
    CodeBook,
    CodeLookup,
    Generation,
)

#: Currencies of both generations from the shipped tables: ``currency("502")``, ``currency.by_name("美元")``.
currency: CodeLookup = CodeBook.default().currency
#: Countries/regions of both generations from the shipped tables: ``country("142")``, ``country("CHN")``.
country: CodeLookup = CodeBook.default().country


def numeric(table: str) -> CodeTable:
    """Return a shipped numeric-generation table by alias (``"currency"``) or raw name (``"cit_currency"``).

    Raises:
        CodeTableError: if there is no such table.
    """
    return CodeBook.default().numeric(table)


def post2018(table: str) -> CodeTable:
    """Return a shipped post-2018 table by alias (``"country"``) or enum name (``"BaseCountry"``).

    Raises:
        CodeTableError: if there is no such table.
    """
    return CodeBook.default().post2018(table)


def is_valid(table: str, code: str) -> bool:
    """True when ``code`` is in the shipped numeric-generation ``table``.

    Raises:
        CodeTableError: if there is no such table.
    """
    return code in numeric(table)


__all__ = [
    "NUMERIC_ALIASES",
    "POST2018_ALIASES",
    "Code",
    "CodeBook",
    "CodeEntry",
    "CodeLookup",
    "CodeTable",
    "Generation",
    "country",
    "currency",
    "is_valid",
    "numeric",
    "parse_numeric_csv",
    "parse_post2018_csv",
    "post2018",
]
