"""``eport refund``: export tax refund (出口退税) from the command line.

* ``eport refund query``: 结关信息查询, the closed export declarations of an enterprise (refund service).
* ``eport refund check LINES.csv``: the local self-check (自检) of planned claim lines against the refund-copy
  records (fetched from the refund service, or read from a JSON-lines file); exits 1 when a blocking doubt remains,
  or when there is no line to check.
* ``eport refund export``: the 出口明细申报表 (and 进货明细申报表 with ``--purchases``) as xlsx or CSV, built from the
  records not yet claimed.

The refund service is eport's refund API, implemented by the sandbox (``eport sandbox``); see docs/refund.md.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from eport.cli._util import EXIT_USAGE, CliFail, InputPath, err, fail_unreadable, print_records, read_listing
from eport.services.refund import (
    FormHeader,
    RefundClient,
    RefundRecord,
    SelfCheckConfig,
    claim_lines,
    index_records,
    read_claim_lines,
    read_purchase_lines,
    run_self_check,
    write_forms,
)

DEFAULT_URL = "http://127.0.0.1:8730"

url_option = click.option(
    "--url",
    "--portal",
    "url",
    envvar="EPORT_PORTAL",
    default=DEFAULT_URL,
    show_default=True,
    help="Base URL of the refund service (env EPORT_PORTAL, like the other portal commands); default: the sandbox.",
)
trade_code_option = click.option("--trade-code", required=True, help="The enterprise's 10-character customs code.")


@click.group(name="refund")
def group() -> None:
    """Export tax refund (出口退税): closed declarations, self-check, declaration forms."""


@group.command(name="query")
@url_option
@trade_code_option
@click.option("--prefix", "entry_id_prefix", default="", help="Entry id prefix (报关单编号).")
@click.option("--from", "export_from", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Export date from.")
@click.option("--to", "export_to", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Export date to.")
@click.option("--customs", default="", help="申报地海关 (4-digit 关区 code).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines instead of a table.")
def query(url: str, trade_code: str, entry_id_prefix: str, export_from: dt.datetime | None,
          export_to: dt.datetime | None, customs: str, as_json: bool) -> None:  # fmt: skip
    """结关信息查询: the enterprise's closed export declarations (newest first)."""
    with RefundClient(url) as client:
        rows, unreadable = read_listing(client.closed_declarations(
            trade_code, entry_id_prefix=entry_id_prefix, export_from=export_from.date() if export_from else None,
            export_to=export_to.date() if export_to else None, customs=customs,
        ))  # fmt: skip
    if as_json:
        for row in rows:
            click.echo(json.dumps(row.to_json(), ensure_ascii=False))
    else:
        _print_closed(rows, trade_code)
    fail_unreadable([unreadable], then="the other {readable} were printed")


def _print_closed(rows: list[Any], trade_code: str) -> None:
    print_records(
        [
            {
                "报关单编号 entry id": str(r.entry_id),
                "结关日期 closed": r.closed_on.isoformat(),
                "申报地海关 customs": r.customs,
                "出口日期 exported": r.export_date.isoformat() if r.export_date else "",
                "items": str(r.items),
            }
            for r in rows
        ],
        title=f"{len(rows)} closed export declarations of {trade_code}",
    )


def _read_records(path: Path) -> Iterator[RefundRecord]:
    try:
        with open(path, encoding="utf-8") as handle:
            for number, text in enumerate(handle, start=1):
                if text.strip():
                    try:
                        yield RefundRecord.from_json(json.loads(text))
                    except ValueError as exc:
                        raise CliFail(f"{path}:{number}: not a refund record: {exc}", kind=type(exc).__name__) from exc
    except OSError as exc:
        raise CliFail(f"cannot read {path}: {exc.strerror or exc}", kind=type(exc).__name__) from exc
    except UnicodeDecodeError as exc:
        raise CliFail(f"{path} is not UTF-8 text (byte {exc.start}): refund records are JSON lines in UTF-8",
                      kind=type(exc).__name__) from None  # fmt: skip


@group.command(name="check")
@click.argument("lines", type=InputPath(dir_okay=False))
@click.option("--records", "records_file", type=InputPath(dir_okay=False), default=None,
              help="Refund-copy records as JSON lines (instead of asking the refund service).")  # fmt: skip
@url_option
@click.option("--trade-code", default=None, help="The enterprise's customs code (records from the service).")
@click.option("--explained", multiple=True, help="21-character numbers with a 离岸价差异原因说明 row (repeatable).")
@click.option("--enterprise-class", default="", help="Enterprise class A/B/C/D (启运港 rules).")
@click.option("--json", "as_json", is_flag=True, help="Print the doubts as JSON lines instead of a table.")
def check(lines: Path, records_file: Path | None, url: str, trade_code: str | None, explained: tuple[str, ...],
          enterprise_class: str, as_json: bool) -> None:  # fmt: skip
    """Self-check (自检) the claim lines of LINES.csv (出口明细 columns) with the tax side's doubt rules.

    Exits 1 when a blocking doubt (PASS_FLAG N) remains or LINES.csv holds no line, 0 otherwise. Columns are
    matched by their Chinese headings (either parenthesis form) or attribute names; an unknown column is refused.
    """
    if records_file is not None:
        records = index_records(_read_records(records_file))
    elif trade_code:
        with RefundClient(url) as client:
            served, unreadable = read_listing(client.records(trade_code))
        fail_unreadable([unreadable], then="nothing was checked")  # a left-out record would read as 无电子信息
        records = index_records(served)
    else:
        raise CliFail("give --records FILE or --trade-code (records from the refund service)", EXIT_USAGE,
                      kind="UsageError")  # fmt: skip
    config = SelfCheckConfig(explained=frozenset(explained), enterprise_class=enterprise_class)
    report = run_self_check(read_claim_lines(lines), records, config=config)
    if as_json:
        for doubt in report.doubts:
            click.echo(json.dumps(doubt.to_json(), ensure_ascii=False))
    else:
        print_records([{"序号 line": str(d.line), "code": d.code, "level": d.level.value,
                        "pass": "Y" if d.passable else "N", "message": d.message} for d in report.doubts],
                      title=f"{report.lines} lines checked against {len(records)} records: "
                            f"{len(report.doubts)} doubts, {len(report.blocking)} blocking")  # fmt: skip
    if report.blocking:
        raise CliFail(f"{len(report.blocking)} blocking doubts (PASS_FLAG N) in {lines}", kind="BlockingDoubts")
    if not report.lines:  # headings without rows: nothing was checked, which is no pass
        raise CliFail(f"{lines} holds no claim line", kind="NothingChecked")


@group.command(name="export")
@url_option
@trade_code_option
@click.option("--taxpayer-id", required=True, help="纳税人识别号 (USCC).")
@click.option("--taxpayer-name", required=True, help="纳税人名称.")
@click.option("--period", required=True, help="申报年月 YYYYMM.")
@click.option("--batch", type=click.IntRange(1, 999), default=1, show_default=True, help="申报批次.")
@click.option("--entry-id", "entry_ids", multiple=True, help="Only these declarations (repeatable).")
@click.option("--invoice-no", default="", help="出口发票号 for every line.")
@click.option("--purchases", type=InputPath(dir_okay=False), default=None,
              help="进货明细 rows as CSV; their 关联号 must match the export lines'.")  # fmt: skip
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv"]), default="xlsx", show_default=True)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True,
              help="Folder to write to.")  # fmt: skip
def export(url: str, trade_code: str, taxpayer_id: str, taxpayer_name: str, period: str, batch: int,
           entry_ids: tuple[str, ...], invoice_no: str, purchases: Path | None, fmt: str,
           out: Path) -> None:  # fmt: skip
    """Write the 出口明细申报表 for the records not yet claimed (nothing is written when the set is refused)."""
    header = FormHeader.parse(taxpayer_id=taxpayer_id, taxpayer_name=taxpayer_name, period=period, batch=batch)
    with RefundClient(url) as client:
        listings = [read_listing(client.records(trade_code, entry_id=entry)) for entry in entry_ids or ("",)]
    # a form that silently misses a record would be declared as complete: write nothing instead
    fail_unreadable([unreadable for _, unreadable in listings], then="nothing was written")
    records = [record for served, _ in listings for record in served]
    unclaimed = [r for r in records if r.qty > r.claimed_qty and not r.not_refundable]
    bought = list(read_purchase_lines(purchases)) if purchases is not None else []
    written = write_forms(out, header, claim_lines(unclaimed, invoice_no=invoice_no), bought, fmt=fmt)
    for path in written:
        click.echo(str(path))
    err(f"{len(unclaimed)} export lines ({len(records) - len(unclaimed)} records already claimed or not refundable)")


__all__ = ["group"]
