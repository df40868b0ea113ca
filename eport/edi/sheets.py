"""Declarations from spreadsheets, CSV files and DataFrames (报关单导入).

Freight forwarders keep waybills and goods in worksheets: one row per goods item, head columns (port, transport
mode, currency, weights …) repeated on every row of a declaration. :func:`read_declarations` turns such a sheet
into :class:`~eport.edi.dec.DecMessage` objects plus a report of every problem with its row and column, so a
notebook user can fix the data in place::

    from eport.files import read_declarations     # from a path; eport.edi.sheets.read_declarations takes open files

    result = read_declarations("waybills.xlsx", sheet="Sheet1", defaults={"OperType": "G", "IEFlag": "I"})
    result.report            # DataFrame: row, column, field, code, problem, severity
    result.messages          # tuple of DecMessage, in sheet order

Columns are matched to fields by XML tag (``GrossWet``), Python name (``gross_wet``), Chinese name from the
field table (``毛重``, ``启运国``) or a few common synonyms (``运单号``, ``HS编码``, ``Currency``); pass
``mapping={"my column": "DecHead.BillNo"}`` for anything else. Rows with the same ``ClientSeqNo`` form one
declaration; without that column every row is a declaration of its own.

:func:`build_declarations` does the work on plain row mappings; :func:`read_declarations` reads an open file or a
DataFrame (pandas, the ``eport[pandas]`` extra, only for DataFrames, ``.xls`` and the report). Like all of
:mod:`eport.edi` it opens no file: :func:`eport.files.read_declarations` opens a path and calls it.
"""

from __future__ import annotations

import csv
import functools
import io
import logging
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import IO, TYPE_CHECKING, Any

import attrs

from eport.edi.codes import CodeBook, Generation
from eport.edi.core.report import Problem, Severity
from eport.edi.core.spec import FieldSpec, ValueKind, spec_of
from eport.edi.dec._xlsx import XlsxUnsupported, read_xlsx
from eport.edi.dec.flags import Level
from eport.edi.dec.models import DecFreeTxt, DecHead, DecList, DecLists, DecMessage, DecSign
from eport.edi.dec.rules import validate_declaration
from eport.errors import CodeTableError, ConfigurationError, EportError

if TYPE_CHECKING:
    import pandas as pd

logger = logging.getLogger(__name__)

_BLOCKS: dict[str, type[Any]] = {"DecHead": DecHead, "DecList": DecList, "DecSign": DecSign, "DecFreeTxt": DecFreeTxt}

#: Common column names of forwarders' sheets that the field table does not use, → ``Block.Tag``.
SYNONYMS: Mapping[str, str] = {
    "运单号": "DecHead.BillNo",
    "提运单号": "DecHead.BillNo",
    "waybill": "DecHead.BillNo",
    "awb": "DecHead.BillNo",
    "billno": "DecHead.BillNo",
    "hs编码": "DecList.CodeTS",
    "商品编码": "DecList.CodeTS",
    "hscode": "DecList.CodeTS",
    "品名": "DecList.GName",
    "goodsname": "DecList.GName",
    "规格型号": "DecList.GModel",
    "数量": "DecList.GQty",
    "quantity": "DecList.GQty",
    "单价": "DecList.DeclPrice",
    "unitprice": "DecList.DeclPrice",
    "总价": "DecList.DeclTotal",
    "total": "DecList.DeclTotal",
    "币制": "DecList.TradeCurr",
    "currency": "DecList.TradeCurr",
    "单位": "DecList.GUnit",
    "原产国": "DecList.OriginCountry",
    "运输方式": "DecHead.TrafMode",
    "口岸": "DecHead.IEPort",
    "客户端编号": "DecSign.ClientSeqNo",
    "备注": "DecHead.NoteS",
}

# Code fields whose cells may hold the code's name instead (运输方式 "航空运输" → "5"), with their numeric table.
_NAMED_CODES: Mapping[tuple[str, str], str] = {
    ("DecHead", "traf_mode"): "transport_mode",
    ("DecHead", "trans_mode"): "trans_mode",
    ("DecHead", "trade_mode"): "trade_mode",
    ("DecHead", "cut_mode"): "cut_mode",
    ("DecHead", "wrap_type"): "wrap_type",
    ("DecList", "g_unit"): "unit",
    ("DecList", "first_unit"): "unit",
    ("DecList", "second_unit"): "unit",
    ("DecList", "duty_mode"): "duty_mode",
}

_CURRENCY = {("DecHead", "fee_curr"), ("DecHead", "insur_curr"), ("DecHead", "other_curr"), ("DecList", "trade_curr")}
_COUNTRY = {
    ("DecHead", "trade_country"),
    ("DecHead", "trade_area_code"),
    ("DecList", "origin_country"),
    ("DecList", "destination_country"),
}


def _norm(text: str) -> str:
    return re.sub(r"[\s_\-:：]+", "", str(text)).casefold()


@attrs.frozen(eq=False)
class Target:
    """Where a column goes: a block (``DecHead``, ``DecList``, ``DecSign``, ``DecFreeTxt``) and its field.

    There is one instance per field (compared by identity).
    """

    block: str
    field: FieldSpec

    @property
    def label(self) -> str:
        """``DecHead.GrossWet``."""
        return f"{self.block}.{self.field.tag}"


def _index() -> dict[str, Target]:
    index: dict[str, Target] = {}

    def add(key: str, target: Target) -> None:
        if key:
            index.setdefault(_norm(key), target)

    priority = ("DecHead", "DecList", "DecSign", "DecFreeTxt")
    targets = [
        Target(block, f) for block in priority for f in spec_of(_BLOCKS[block]).fields if f.kind is not ValueKind.MODEL
    ]
    for t in targets:
        add(t.label, t)
        add(f"{t.block}.{t.field.name}", t)
    for t in targets:
        add(t.field.tag, t)
        add(t.field.name, t)
        add(t.field.doc, t)
    for t in targets:  # short forms of Chinese names: "启运国/运抵国" → "启运国"; "主管海关（申报地海关）" → "主管海关"
        for part in re.split(r"[/（(]", t.field.doc):
            add(part, t)
    for key, label in SYNONYMS.items():
        index[_norm(key)] = resolve_column(label, index)
    return index


def resolve_column(name: str, index: Mapping[str, Target] | None = None) -> Target:
    """Return the field a column name stands for.

    Args:
        name: a header (``毛重``, ``GrossWet``, ``gross_wet``, ``DecHead.GrossWet``).
        index: internal; leave ``None``.

    Raises:
        ConfigurationError: if no field has that name.
    """
    idx = index if index is not None else _default_index()
    try:
        return idx[_norm(name)]
    except KeyError:
        raise ConfigurationError(f"column {name!r} matches no declaration field; pass mapping={{...}}") from None


@functools.lru_cache(maxsize=1)
def _default_index() -> Mapping[str, Target]:
    return MappingProxyType(_index())


@attrs.frozen
class SheetProblem:
    """One problem of an imported sheet.

    Attributes:
        row: spreadsheet row number (the header is row 1, the first data row is row 2).
        column: the column header the value came from (or the field's tag when no column held it).
        field: ``Block.Tag`` of the field, e.g. ``DecList.DeclTotal``.
        code: the problem code (``bad-decimal``, ``required``, ``item-total`` …).
        message: what is wrong.
        severity: error or warning.
    """

    row: int
    column: str
    field: str
    code: str
    message: str
    severity: Severity = Severity.ERROR


@attrs.frozen
class SheetImport:
    """Result of an import: the declarations and every problem found, each with row and column."""

    messages: tuple[DecMessage, ...]
    problems: tuple[SheetProblem, ...]
    rows: tuple[tuple[int, ...], ...] = ()
    """Spreadsheet rows of each message, parallel to :attr:`messages`."""

    @property
    def ok(self) -> bool:
        """True when no problem is an error."""
        return not any(p.severity is Severity.ERROR for p in self.problems)

    @property
    def report(self) -> pd.DataFrame:
        """The problems as a DataFrame with columns row, column, field, code, problem, severity (needs pandas)."""
        pd = _pandas()
        frame: Any = pd.DataFrame(
            [(p.row, p.column, p.field, p.code, p.message, p.severity.value) for p in self.problems],
            columns=["row", "column", "field", "code", "problem", "severity"],
        )
        return frame  # type: ignore[no-any-return]


def _pandas() -> Any:
    try:
        import pandas as pd  # optional dependency, imported on use
    except ImportError:
        raise ConfigurationError("reading sheets needs pandas: pip install 'eport[pandas]'") from None
    return pd


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if value != value:  # NaN from pandas
            return ""
        if value.is_integer():
            return str(int(value))
        return repr(value)
    return str(value).strip()


_PATH_INDEX = re.compile(r"DecList(?:\[(\d+)\])?/")


def build_declarations(
    rows: Iterable[Mapping[str, object]],
    *,
    mapping: Mapping[str, str] | None = None,
    defaults: Mapping[str, str] | None = None,
    generation: Generation | None = None,
    level: Level | None = None,
    codebook: CodeBook | None = None,
    first_row: int = 2,
    validate: bool = True,
) -> SheetImport:
    """Build declarations from row mappings (column header → cell value).

    Args:
        rows: the data rows, in sheet order.
        mapping: column header → field (``"DecHead.BillNo"``, ``"GrossWet"``, ``"毛重"``); ``None`` as a field
            ignores the column. Unmapped headers are matched automatically.
        defaults: field → value for cells left empty (``{"OperType": "G", "IEFlag": "I"}``).
        generation: convert currency and country codes (or names such as ``美元``) to this generation.
        level: required-field level for validation (default: from OperType).
        codebook: code tables for conversion and validation.
        first_row: spreadsheet row number of the first data row.
        validate: also run :func:`eport.edi.dec.rules.validate_declaration` on each declaration.

    Returns:
        The messages and every problem, each with row and column.

    Raises:
        ConfigurationError: a header or mapping names no field.
    """
    book = codebook or CodeBook.default()
    index = _default_index()
    explicit = {_norm(k): v for k, v in (mapping or {}).items()}
    default_targets = [(resolve_column(k, index), v) for k, v in (defaults or {}).items()]
    columns: dict[str, Target | None] = {}
    problems: list[SheetProblem] = []

    def target_of(header: str) -> Target | None:
        if header not in columns:
            key = _norm(header)
            if key in explicit:
                wanted = explicit[key]
                columns[header] = resolve_column(wanted, index) if wanted else None
            else:
                columns[header] = index.get(key)
                if columns[header] is None:
                    logger.info("column %r matches no declaration field; ignored", header)
        return columns[header]

    groups: dict[str, list[tuple[int, dict[Target, tuple[str, str]]]]] = {}
    ignored: set[str] = set()
    for offset, row in enumerate(rows):
        line = first_row + offset
        cells: dict[Target, tuple[str, str]] = {}
        for header, raw in row.items():
            name = "" if header is None else str(header)  # csv.DictReader files surplus cells under None
            target = target_of(name) if name else None
            text = _text(raw)
            if not text:
                continue
            if target is None:
                if name in ignored or (name and _norm(name) in explicit):
                    continue  # reported once per column, or ignored on purpose (mapping={"列": None})
                ignored.add(name)
                problems.append(
                    SheetProblem(
                        line,
                        name or "(no header)",
                        "",
                        "unknown-column",
                        f"column {name or '(no header)'!r} matches no declaration field; its values are not "
                        "imported (map it with mapping={header: field}, or to None to ignore it)",
                        Severity.WARNING,
                    )
                )
                continue
            if target in cells and cells[target][0] != text:
                problems.append(
                    SheetProblem(
                        line,
                        name,
                        target.label,
                        "duplicate-column",
                        f"{target.label} is {text!r} in column {name!r} but {cells[target][0]!r} in column "
                        f"{cells[target][1]!r}; the first is kept",
                    )
                )
                continue
            cells.setdefault(target, (text, name))
        if not cells:
            continue  # blank line
        seq = next((v[0] for k, v in cells.items() if k.block == "DecSign" and k.field.name == "client_seq_no"), None)
        key = seq if seq is not None else f"#row{line}"
        groups.setdefault(key, []).append((line, cells))

    header_of = {t.label: header for header, t in columns.items() if t is not None}
    messages: list[DecMessage] = []
    message_rows: list[tuple[int, ...]] = []
    for group in groups.values():
        message, where = _build_one(group, default_targets, generation, book, problems)
        messages.append(message)
        message_rows.append(tuple(line for line, _ in group))
        if validate:
            for p in validate_declaration(message, level=level, generation=generation, codebook=book):
                problems.append(_locate(p, where, header_of))
    return SheetImport(tuple(messages), tuple(problems), tuple(message_rows))


def _convert(
    target: Target, text: str, generation: Generation | None, book: CodeBook
) -> tuple[object, tuple[str, str] | None]:
    f = target.field
    key = (target.block, f.name)
    if generation is not None and (key in _CURRENCY or key in _COUNTRY):
        lookup = book.currency if key in _CURRENCY else book.country
        try:
            entry = lookup.get(text) or lookup.by_name(text)
            return entry.code_for(generation), None
        except CodeTableError as exc:
            return None, ("code-table", f"{f.tag} {f.doc}: {exc}")
    table_name = _NAMED_CODES.get(key)
    if table_name is not None:
        try:
            table = book.numeric(table_name)
            if text not in table:
                return table.by_name(text).code, None
        except CodeTableError:
            pass  # not a name either: validation reports the unknown code
        return text, None
    if f.kind is ValueKind.DECIMAL:
        try:
            value = Decimal(text.replace(",", ""))
        except InvalidOperation:
            return None, ("bad-decimal", f"{f.tag} {f.doc}: {text!r} is not a number")
        if not value.is_finite():
            return None, ("bad-decimal", f"{f.tag} {f.doc}: {text!r} is not a finite number")
        return value, None
    return text, None


def _build_one(
    group: Sequence[tuple[int, dict[Target, tuple[str, str]]]],
    default_targets: Sequence[tuple[Target, str]],
    generation: Generation | None,
    book: CodeBook,
    problems: list[SheetProblem],
) -> tuple[DecMessage, dict[str, tuple[int, str]]]:
    """Build one message; return it and, per ``Block.Tag`` (``DecList[n].Tag`` for items), (row, column)."""
    blocks: dict[str, dict[str, Any]] = {"DecHead": {}, "DecSign": {}, "DecFreeTxt": {}}
    where: dict[str, tuple[int, str]] = {}
    items: list[dict[str, Any]] = []
    for n, (line, cells) in enumerate(group, 1):
        item: dict[str, Any] = {}
        for target, (text, header) in cells.items():
            value, problem = _convert(target, text, generation, book)
            if problem is not None:
                problems.append(SheetProblem(line, header, target.label, problem[0], problem[1]))
            if value is None:
                continue
            if target.block == "DecList":
                item[target.field.name] = value
                where[f"DecList[{n}].{target.field.tag}"] = (line, header)
                continue
            block = blocks[target.block]
            name = target.field.name
            if name in block and block[name] != value:
                problems.append(
                    SheetProblem(
                        line,
                        header,
                        target.label,
                        "head-mismatch",
                        f"{target.field.tag} {target.field.doc} is {value} here but {block[name]} on row "
                        f"{where[target.label][0]} of the same declaration",
                    )
                )
                continue
            if name not in block:
                block[name] = value
                where[target.label] = (line, header)
        items.append(item)
    for target, text in default_targets:
        value, _ = _convert(target, text, generation, book)
        if target.block == "DecList":
            for item in items:
                item.setdefault(target.field.name, value)
        else:
            blocks[target.block].setdefault(target.field.name, value)
    for n, item in enumerate(items, 1):
        item.setdefault("g_no", str(n))
    first_line = group[0][0]
    where.setdefault("*", (first_line, ""))
    for n, (line, _cells) in enumerate(group, 1):
        where.setdefault(f"DecList[{n}].*", (line, ""))
    message = DecMessage(
        dec_head=DecHead(**blocks["DecHead"]),
        dec_lists=DecLists(dec_list=tuple(DecList(**i) for i in items)),
        dec_free_txt=DecFreeTxt(**blocks["DecFreeTxt"]) if blocks["DecFreeTxt"] else None,
        dec_sign=DecSign(**blocks["DecSign"]),
    )
    return message, where


def _locate(problem: Problem, where: Mapping[str, tuple[int, str]], header_of: Mapping[str, str]) -> SheetProblem:
    """Map a validation problem's element path back to a spreadsheet row and column."""
    parts = problem.path.strip("/").split("/")
    tag = re.sub(r"\[\d+\]$", "", parts[-1]) if parts else ""
    m = _PATH_INDEX.search(problem.path)
    if m is not None:
        n = int(m.group(1) or 1)
        line, column = where.get(f"DecList[{n}].{tag}") or where.get(f"DecList[{n}].*") or where["*"]
        field = f"DecList.{tag}"
    else:
        block = re.sub(r"\[\d+\]$", "", parts[1]) if len(parts) > 2 else "DecMessage"
        field = f"{block}.{tag}"
        line, column = where.get(field) or where["*"]
    return SheetProblem(
        line, column or header_of.get(field, tag), field, problem.code, problem.message, problem.severity
    )


def read_declarations(
    source: str | IO[bytes] | IO[str] | pd.DataFrame | Any,
    *,
    sheet: str | int | None = None,
    mapping: Mapping[str, str] | None = None,
    defaults: Mapping[str, str] | None = None,
    generation: Generation | None = None,
    level: Level | None = None,
    codebook: CodeBook | None = None,
) -> SheetImport:
    """Build declarations from an open Excel or CSV file, or a DataFrame.

    Every cell is read as text (so port ``0138`` keeps its leading zero); decimals are parsed from the text.
    ``.xlsx`` files are read by a small built-in reader (openpyxl through pandas is the fallback, and reads
    ``.xls``); CSV files (UTF-8, optionally with BOM) by the :mod:`csv` module; pandas is needed only for
    DataFrames, ``.xls`` and :attr:`SheetImport.report`.

    Args:
        source: a DataFrame or an open file (binary for Excel; its ``name`` ends in ``.xlsx``/``.xls``/``.csv``,
            anything else is read as CSV). A path is refused: eport.edi opens no file; use
            :func:`eport.files.read_declarations`.
        sheet: worksheet name or index for Excel sources (default: the first sheet).
        mapping: column header → field, see :func:`build_declarations`.
        defaults: field → value for empty cells.
        generation: convert currency/country codes and names to this generation.
        level: required-field level for validation.
        codebook: code tables.

    Returns:
        :class:`SheetImport` with ``messages`` and ``report`` (a DataFrame: row, column, field, code, problem).

    Raises:
        ConfigurationError: pandas missing where needed, unknown mapping targets, or an unreadable source.
    """
    records = _records(source, sheet)
    return build_declarations(
        records, mapping=mapping, defaults=defaults, generation=generation, level=level, codebook=codebook
    )


def _is_frame(source: object) -> bool:
    return type(source).__name__ == "DataFrame" and hasattr(source, "to_dict")


def _records(source: Any, sheet: str | int | None) -> list[dict[str, Any]]:
    """Rows of the source as dicts of text; pandas only for DataFrames and legacy ``.xls``."""
    if _is_frame(source):
        return list(source.fillna("").to_dict(orient="records"))
    if isinstance(source, (str, os.PathLike)):
        raise ConfigurationError(
            f"eport.edi opens no file: pass an open file, or read the path {os.fspath(source)!r} with "
            "eport.files.read_declarations"
        )
    name = str(getattr(source, "name", "")).lower()
    if name.endswith((".xlsx", ".xlsm")):
        try:
            return read_xlsx(source, sheet)
        except XlsxUnsupported as exc:
            logger.info("fast .xlsx reader declined (%s); reading with pandas/openpyxl", exc)
            if hasattr(source, "seek"):
                source.seek(0)
    if name.endswith((".xlsx", ".xlsm", ".xls")):
        pd = _pandas()
        try:
            frame = pd.read_excel(source, sheet_name=sheet if sheet is not None else 0, dtype=str)
        except EportError:
            raise
        except Exception as exc:
            raise ConfigurationError(f"cannot read {name}: {type(exc).__name__}: {exc}") from exc
        return list(frame.fillna("").to_dict(orient="records"))
    return _read_csv(source, name)


def _read_csv(source: Any, name: str) -> list[dict[str, Any]]:
    try:
        data = source.read()
        text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigurationError(f"cannot read {name}: {exc}") from exc
    return list(csv.DictReader(io.StringIO(text, newline="")))


__all__ = [
    "SYNONYMS",
    "SheetImport",
    "SheetProblem",
    "Target",
    "build_declarations",
    "read_declarations",
    "resolve_column",
]
