"""A code book: both generations of customs code tables, with the currency and country mapping between them.

Currency and country codes exist in two generations (see ``docs/codes.md``):

* numeric (H2000, ``Generation.NUMERIC``): currency ``502`` 美元, country ``502`` 美国; used by CEB messages, the
  179 payment upload and pre-2018 declarations;
* ISO alpha (post-2018 Single Window, ``Generation.ISO``): currency ``USD``, country ``USA``; used in declarations
  since the 2018 integration (关检融合).

:class:`CodeBook` holds both and maps between them. :func:`CodeBook.default` reads the tables shipped as package
data; :meth:`CodeBook.from_csv` takes newer tables a user read from a file, without upgrading eport.
"""

from __future__ import annotations

import enum
import functools
import logging
from collections.abc import Iterator, Mapping
from importlib import resources

import attrs

from eport.edi.codes._tables import CodeEntry, CodeTable, parse_numeric_csv, parse_post2018_csv
from eport.errors import CodeTableError

logger = logging.getLogger(__name__)

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
    "cut_mode": "cit_cut_mode",
    "use_to": "cit_use_to",
    "fee_mark": "cit_fee_mark",
    "entry_type": "cit_entry_type",
    "edi_id": "cit_edi_id",
    "oper_type": "cit_oper_type",
    "edoc_code": "cit_edoc_code",
    "license_doc": "cit_license_doc_code",
}

#: Friendly names of the post-2018 tables.
POST2018_ALIASES: Mapping[str, str] = {
    "currency": "Currency",
    "country": "BaseCountry",
    "unit": "BaseUnit",
    "transport_mode": "BaseTransport",
    "trade_mode": "BaseMonitorWay",
    "wrap_type": "BaseWrapType",
    "trans_mode": "BaseTrade",
    "cut_mode": "BaseLevy",
    "container": "BaseContainer",
    "channel": "CusDecStatus",
    "manifest_status": "CusMftStatus",
}

# Numeric country codes whose Chinese names differ between the two tables (checked by hand against both tables).
_COUNTRY_NUMERIC_TO_ALPHA: Mapping[str, str] = {
    "103": "BGD",
    "110": "HKG",
    "121": "MAC",
    "139": "YEM",
    "143": "TWN",
    "209": "CAF",
    "213": "COG",
    "222": "GNB",
    "252": "COD",
    "259": "MYT",
    "352": "CZE",
    "355": "BIH",
    "356": "VAT",
    "358": "SRB",
    "359": "MNE",
    "403": "ABW",
    "418": "DOM",
    "447": "KNA",
    "622": "PLW",
    "625": "WLF",
}


class Generation(enum.Enum):
    """Which generation of currency/country codes a message uses."""

    NUMERIC = "numeric"
    """H2000 numeric codes (``142``, ``502``): CEB, 179 upload, pre-2018 declarations."""
    ISO = "iso"
    """ISO 4217 / ISO 3166 alpha-3 (``CNY``, ``USA``): post-2018 declarations."""


@attrs.frozen
class Code:
    """A currency or country known in one or both generations.

    Attributes:
        kind: ``"currency"`` or ``"country"``.
        numeric: the numeric code (``"502"``) or ``None`` when the numeric table lacks it.
        alpha: the ISO alpha code (``"USD"``, ``"USA"``) or ``None`` when unknown.
        name_cn: Chinese name (``美元``).
        name_en: English name, may be empty.
    """

    kind: str
    numeric: str | None
    alpha: str | None
    name_cn: str
    name_en: str = ""

    def to_iso(self) -> str:
        """Return the ISO alpha code.

        Raises:
            CodeTableError: if this code has no ISO alpha equivalent in the tables.
        """
        if self.alpha is None:
            raise CodeTableError(f"{self.kind} {self.numeric} ({self.name_cn}) has no ISO alpha code in the tables")
        return self.alpha

    def to_numeric(self) -> str:
        """Return the numeric customs code.

        Raises:
            CodeTableError: if this code has no numeric equivalent in the tables.
        """
        if self.numeric is None:
            raise CodeTableError(f"{self.kind} {self.alpha} ({self.name_cn}) has no numeric customs code in the tables")
        return self.numeric

    def code_for(self, generation: Generation) -> str:
        """Return the code in ``generation`` (see :meth:`to_iso`, :meth:`to_numeric`)."""
        return self.to_iso() if generation is Generation.ISO else self.to_numeric()


def _norm(name: str) -> str:
    return "".join(name.split()).casefold()


@attrs.frozen
class CodeLookup:
    """Lookup of currencies or countries across both generations: ``lookup("502")``, ``lookup.by_name("美元")``."""

    kind: str
    codes: tuple[Code, ...]
    _by_numeric: Mapping[str, Code] = attrs.field(init=False, repr=False, eq=False)
    _by_alpha: Mapping[str, Code] = attrs.field(init=False, repr=False, eq=False)
    _by_name: Mapping[str, Code] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        by_name: dict[str, Code] = {}
        for c in self.codes:
            for name in (c.name_cn, c.name_en):
                if name:
                    by_name.setdefault(_norm(name), c)
        object.__setattr__(self, "_by_numeric", {c.numeric: c for c in self.codes if c.numeric})
        object.__setattr__(self, "_by_alpha", {c.alpha: c for c in self.codes if c.alpha})
        object.__setattr__(self, "_by_name", by_name)

    def __call__(self, code: str) -> Code:
        """Return the entry for a numeric (``"502"``) or ISO alpha (``"USD"``, case-insensitive) code.

        Raises:
            CodeTableError: if the code is in neither generation.
        """
        found = self.get(code)
        if found is None:
            raise CodeTableError(f"unknown {self.kind} code {code!r} (neither numeric nor ISO alpha)")
        return found

    def get(self, code: str) -> Code | None:
        """Like calling the lookup, but return ``None`` for an unknown code."""
        code = code.strip()
        return self._by_numeric.get(code) or self._by_alpha.get(code.upper())

    def by_name(self, name: str) -> Code:
        """Return the entry whose Chinese or English name is ``name`` (case and spaces ignored).

        Raises:
            CodeTableError: if no entry has that name.
        """
        try:
            return self._by_name[_norm(name)]
        except KeyError:
            raise CodeTableError(f"no {self.kind} named {name!r}") from None

    def is_valid(self, code: str, generation: Generation) -> bool:
        """True when ``code`` is a code of ``generation`` (``"502"`` is numeric, ``"USD"`` is ISO)."""
        table = self._by_alpha if generation is Generation.ISO else self._by_numeric
        return code in table

    def __iter__(self) -> Iterator[Code]:
        return iter(self.codes)

    def __len__(self) -> int:
        return len(self.codes)


def _currencies(numeric: CodeTable | None, iso: CodeTable | None) -> CodeLookup:
    codes: dict[str, Code] = {}
    extra: list[Code] = []
    for e in iso or ():
        codes[e.code] = Code(kind="currency", numeric=None, alpha=e.code, name_cn=e.name, name_en=e.extra)
    for e in numeric or ():
        alpha = e.extra.upper() or None
        iso_entry = codes.get(alpha) if alpha else None
        merged = Code(
            kind="currency",
            numeric=e.code,
            alpha=alpha,
            name_cn=e.name,
            name_en=iso_entry.name_en if iso_entry else "",
        )
        if alpha:
            codes[alpha] = merged
        else:
            extra.append(merged)
    return CodeLookup("currency", tuple(codes.values()) + tuple(extra))


def _countries(numeric: CodeTable | None, iso: CodeTable | None) -> CodeLookup:
    iso_entries: dict[str, CodeEntry] = {e.code: e for e in iso or ()}
    by_cn_name = {e.name: e.code for e in iso_entries.values() if e.name}
    used: set[str] = set()
    codes: list[Code] = []
    for e in numeric or ():
        alpha = _COUNTRY_NUMERIC_TO_ALPHA.get(e.code) or by_cn_name.get(e.name)
        if alpha is not None and alpha not in iso_entries:
            alpha = None
        if alpha is not None and alpha in used:
            alpha = None
        name_en = iso_entries[alpha].extra if alpha else ""
        if alpha:
            used.add(alpha)
        codes.append(Code(kind="country", numeric=e.code, alpha=alpha, name_cn=e.name, name_en=name_en))
    for code, entry in iso_entries.items():
        if code not in used:
            codes.append(Code(kind="country", numeric=None, alpha=code, name_cn=entry.name, name_en=entry.extra))
    return CodeLookup("country", tuple(codes))


def _text(data: str | bytes, what: str) -> str:
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CodeTableError(f"{what} code table CSV is not UTF-8: {exc}") from None


@attrs.frozen
class CodeBook:
    """Both generations of code tables plus the currency/country mapping. Immutable.

    Build with :meth:`default` (package data) or :meth:`from_csv` (tables read by the caller).
    """

    numeric_tables: Mapping[str, CodeTable] = attrs.field(repr=lambda t: f"<{len(t)} tables>")
    post2018_tables: Mapping[str, CodeTable] = attrs.field(repr=lambda t: f"<{len(t)} tables>")
    source: str = "package data"
    currency: CodeLookup = attrs.field(init=False, repr=False, eq=False)
    country: CodeLookup = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(
            self,
            "currency",
            _currencies(self.numeric_tables.get("cit_currency"), self.post2018_tables.get("Currency")),
        )
        object.__setattr__(
            self,
            "country",
            _countries(self.numeric_tables.get("cit_country_region"), self.post2018_tables.get("BaseCountry")),
        )

    @classmethod
    def default(cls) -> CodeBook:
        """Return the code book built from the tables shipped with eport (cached)."""
        return _default_book()

    @classmethod
    def from_csv(
        cls,
        numeric: str | bytes | None = None,
        post2018: str | bytes | None = None,
        *,
        base: CodeBook | None = None,
        source: str = "user tables",
    ) -> CodeBook:
        """Build a code book from CSV text, overriding the tables of ``base`` (default: the shipped book).

        Tables present in the given CSV replace the tables of the same name; the others are kept. Read the files
        yourself (``Path("tables.csv").read_text(encoding="utf-8")``): eport.edi does no file I/O.

        Args:
            numeric: CSV with columns ``dict_code,dict_name,code,text,description`` (numeric generation).
            post2018: CSV with columns ``enum,enum_summary,code,name_cn,name_en`` (post-2018 tables).
            base: the book whose tables are kept where the CSV has none.
            source: a note on where the tables came from, kept in :attr:`source`.

        Returns:
            A new code book.

        Raises:
            CodeTableError: if a CSV lacks a required column, is malformed, or its bytes are not UTF-8.
        """
        base = base or cls.default()
        num = dict(base.numeric_tables)
        post = dict(base.post2018_tables)
        if numeric is not None:
            num.update(parse_numeric_csv(_text(numeric, "numeric")))
        if post2018 is not None:
            post.update(parse_post2018_csv(_text(post2018, "post-2018")))
        return cls(numeric_tables=num, post2018_tables=post, source=source)

    def numeric(self, table: str) -> CodeTable:
        """Return a numeric-generation table by alias (``"currency"``) or raw name (``"cit_currency"``).

        Raises:
            CodeTableError: if there is no such table.
        """
        key = NUMERIC_ALIASES.get(table, table)
        try:
            return self.numeric_tables[key]
        except KeyError:
            known = ", ".join(sorted(self.numeric_tables))
            raise CodeTableError(f"unknown code table {table!r}; known: {known}") from None

    def post2018(self, table: str) -> CodeTable:
        """Return a post-2018 table by alias (``"country"``) or enum name (``"BaseCountry"``).

        Raises:
            CodeTableError: if there is no such table.
        """
        key = POST2018_ALIASES.get(table, table)
        try:
            return self.post2018_tables[key]
        except KeyError:
            known = ", ".join(sorted(self.post2018_tables))
            raise CodeTableError(f"unknown post-2018 code table {table!r}; known: {known}") from None


def _read_data(name: str) -> str:
    return resources.files("eport.edi.codes").joinpath(f"data/{name}").read_text(encoding="utf-8")


@functools.lru_cache(maxsize=1)
def _default_book() -> CodeBook:
    return CodeBook(
        numeric_tables=parse_numeric_csv(_read_data("code-tables-numeric.csv")),
        post2018_tables=parse_post2018_csv(_read_data("code-tables-post2018.csv")),
        source="package data (see eport/edi/codes/data/SOURCES.md)",
    )


__all__ = ["NUMERIC_ALIASES", "POST2018_ALIASES", "Code", "CodeBook", "CodeLookup", "Generation"]
