"""The 出口明细申报表 and 进货明细申报表: built from refund-copy records, written as xlsx or CSV.

:func:`claim_lines` turns customs records into export lines (one per item, 关联号 assigned); :func:`write_forms`
checks the whole set first (header, 关联号 links both ways, unique 序号) and only then writes, each file through a
temporary name and an atomic rename: a refused set writes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import attrs

from eport.errors import ConfigurationError, FieldError
from eport.identifiers import Uscc
from eport.services.refund.lines import EXPORT_COLUMNS, PURCHASE_COLUMNS, ClaimLine, PurchaseLine
from eport.services.refund.models import RefundRecord

FORMATS = ("xlsx", "csv")


@attrs.frozen(kw_only=True)
class FormHeader:
    """The header block of both forms.

    Attributes:
        taxpayer_id: 纳税人识别号（统一社会信用代码）.
        taxpayer_name: 纳税人名称.
        period: 申报年月 ``YYYYMM``.
        batch: 申报批次 (1..999).
    """

    taxpayer_id: str
    taxpayer_name: str
    period: str
    batch: int = 1

    @classmethod
    def parse(cls, *, taxpayer_id: str, taxpayer_name: str, period: str, batch: int = 1) -> FormHeader:
        """Validate the header.

        Raises:
            eport.errors.FieldError: a bad USCC, period or batch.
        """
        uscc = Uscc.parse(taxpayer_id, field="header.taxpayer_id")
        if len(period) != 6 or not period.isdigit() or not 1 <= int(period[4:]) <= 12:
            raise FieldError("header.period", f"申报年月 is YYYYMM, got {period!r:.10}")
        if not 1 <= batch <= 999:
            raise FieldError("header.batch", "申报批次 is 1..999")
        if not taxpayer_name.strip():
            raise FieldError("header.taxpayer_name", "is required")
        return cls(taxpayer_id=uscc, taxpayer_name=taxpayer_name.strip(), period=period, batch=batch)

    def rows(self) -> list[list[str]]:
        """The header block as label/value rows."""
        return [["纳税人识别号", self.taxpayer_id], ["纳税人名称", self.taxpayer_name], ["申报年月", self.period],
                ["申报批次", f"{self.batch:03d}"]]  # fmt: skip


def claim_lines(
    records: Iterable[RefundRecord],
    *,
    invoice_no: Callable[[RefundRecord], str] | str = "",
    link_no: Callable[[RefundRecord], str] | None = None,
    start: int = 1,
) -> list[ClaimLine]:
    """Export lines claiming what is left of each record: the customs quantity and USD FOB less what was claimed
    before (``claimed_qty`` / ``claimed_usd``). Records with nothing left to claim are skipped (a line of 0 would be
    refused), so the 序号 run on without gaps.

    Args:
        records: the items to claim.
        invoice_no: the 出口发票号, or a function giving it per record.
        link_no: the 关联号 per record; default: one per declaration (``L`` + the entry id's last 9 digits).
        start: the first 序号.
    """
    lines: list[ClaimLine] = []
    for record in records:
        qty, usd_fob = record.qty - record.claimed_qty, record.usd_fob - record.claimed_usd
        if qty <= 0 or usd_fob <= 0:
            continue
        lines.append(
            ClaimLine(
                seq=start + len(lines),
                link_no=link_no(record) if link_no else f"L{record.entry_id[-9:]}",
                invoice_no=invoice_no(record) if callable(invoice_no) else invoice_no,
                refund_decl_no=record.refund_decl_no,
                export_date=record.export_date or record.closed_on or dt.date.today(),
                code=record.code_ts,
                name=record.name,
                unit=record.unit,
                qty=qty,
                usd_fob=usd_fob,
                declared_code=record.code_ts,
            )
        )
    return lines


def check_forms(lines: Sequence[ClaimLine], purchases: Sequence[PurchaseLine] = ()) -> None:
    """Check a set of forms before writing.

    Raises:
        eport.errors.FieldError: no line, a repeated 序号, or (with purchases) a 关联号 without its counterpart.
    """
    if not lines:
        raise FieldError("lines", "no export line to write")
    for table, seqs in (("lines", [x.seq for x in lines]), ("purchases", [x.seq for x in purchases])):
        seen: set[int] = set()
        for index, seq in enumerate(seqs, start=1):
            if seq in seen:
                raise FieldError(f"{table}[{index}].seq", f"序号 {seq} appears twice")
            seen.add(seq)
    if purchases:
        export_links = {line.link_no for line in lines}
        purchase_links = {row.link_no for row in purchases}
        for index, line in enumerate(lines, start=1):
            if line.link_no not in purchase_links:
                raise FieldError(f"lines[{index}].link_no", f"关联号 {line.link_no} has no purchase line")
        for index, row in enumerate(purchases, start=1):
            if row.link_no not in export_links:
                raise FieldError(f"purchases[{index}].link_no", f"关联号 {row.link_no} has no export line")


def _atomic(path: Path, write: Callable[[Path], None]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".temp", dir=path.parent)
    os.close(handle)
    try:
        write(Path(temp))
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _table(header: FormHeader, title: str, columns: Sequence[tuple[str, str]],
           rows: Iterable[dict[str, str]]) -> list[list[str]]:  # fmt: skip
    out: list[list[str]] = [[title], *header.rows(), [heading for heading, _ in columns]]
    out += [[row[heading] for heading, _ in columns] for row in rows]
    return out


def _write_csv(rows: list[list[str]]) -> Callable[[Path], None]:
    def write(temp: Path) -> None:
        with open(temp, "w", encoding="utf-8-sig", newline="") as handle:
            csv.writer(handle).writerows(rows)

    return write


def _write_xlsx(sheets: list[tuple[str, list[list[str]]]]) -> Callable[[Path], None]:
    def write(temp: Path) -> None:
        try:
            from openpyxl import Workbook
        except ImportError as exc:  # pragma: no cover - the pandas extra brings openpyxl
            raise ConfigurationError("writing xlsx needs openpyxl: pip install 'eport[pandas]'") from exc
        book = Workbook()
        first = True
        for name, rows in sheets:
            sheet = book.active if first else book.create_sheet()
            first = False
            sheet.title = name
            for row in rows:
                sheet.append(row)
        book.save(temp)

    return write


def write_forms(
    folder: str | os.PathLike[str],
    header: FormHeader,
    lines: Sequence[ClaimLine],
    purchases: Sequence[PurchaseLine] = (),
    *,
    fmt: str = "xlsx",
) -> list[Path]:
    """Write the 出口明细申报表 (and the 进货明细申报表 when purchases are given).

    ``xlsx`` writes one workbook ``<period>-<batch>.xlsx`` with a sheet per form; ``csv`` writes
    ``<period>-<batch>-出口明细.csv`` and ``…-进货明细.csv`` (UTF-8 with BOM, which Excel opens correctly).
    The header block precedes the column headings in every table.

    Raises:
        eport.errors.FieldError: the set is refused (:func:`check_forms`); nothing is written.
        eport.errors.ConfigurationError: an unknown format.
    """
    if fmt not in FORMATS:
        raise ConfigurationError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    check_forms(lines, purchases)
    base = Path(folder)
    stem = f"{header.period}-{header.batch:03d}"
    export = _table(header, "外贸企业出口退税出口明细申报表", EXPORT_COLUMNS, (line.to_row() for line in lines))
    tables = [("出口明细", export)]
    if purchases:
        bought = (row.to_row() | {"可退税额": str(row.refundable)} for row in purchases)
        tables.append(("进货明细", _table(header, "外贸企业出口退税进货明细申报表", PURCHASE_COLUMNS, bought)))
    written = []
    if fmt == "xlsx":
        path = base / f"{stem}.xlsx"
        _atomic(path, _write_xlsx(tables))
        written.append(path)
    else:
        for name, rows in tables:
            path = base / f"{stem}-{name}.csv"
            _atomic(path, _write_csv(rows))
            written.append(path)
    return written


def write_lines_csv(path: str | os.PathLike[str], lines: Iterable[ClaimLine]) -> Path:
    """Write bare export lines (headings + rows, no header block) as CSV: the input of ``eport refund check``."""
    rows = [[heading for heading, _ in EXPORT_COLUMNS]]
    rows += [[line.to_row()[heading] for heading, _ in EXPORT_COLUMNS] for line in lines]
    target = Path(path)
    _atomic(target, _write_csv(rows))
    return target


__all__ = ["FORMATS", "FormHeader", "check_forms", "claim_lines", "write_forms", "write_lines_csv"]
