"""``eport verification …``: 出口收汇核销单 (historical: the scheme ended 2012-08-01) and the 收付汇报关单 lists."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import click

from eport.cli._util import (
    CliFail,
    InputPath,
    fail_unreadable,
    format_time,
    print_records,
    read_input,
    read_listing,
)
from eport.cli.login import portal_command

_PRINTED = "the other {readable} were printed"

_FORM_LABELS = {
    "formNo": "核销单号",
    "state": "state (状态)",
    "port": "使用口岸",
    "entryId": "报关单号",
    "exportDate": "出口日期",
    "amount": "amount",
    "appliedAt": "applied (申请)",
}


def _client(session: Callable[[], Any], districts: Any = None) -> Any:
    """Log in (once per command) and return the VerificationClient (with ``districts`` as its 关区 table)."""
    from eport.services.verification import VerificationClient

    return VerificationClient(session(), districts=districts)


def _districts(path: Path | None) -> Any:
    """The 关区 table of ``--districts`` (CSV ``code,name``), or None for eport's shipped, partial one."""
    if path is None:
        return None
    from eport.edi.codes.districts import parse_districts_csv

    try:
        text = read_input(path).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CliFail(f"--districts: {path} is not UTF-8 text", kind="CodeTableError") from None
    return parse_districts_csv(text)


def _form_row(form: Any) -> dict[str, str]:
    return {
        _FORM_LABELS["formNo"]: str(form.form_no),
        _FORM_LABELS["state"]: f"{form.state.value} {form.state.label}",
        _FORM_LABELS["port"]: form.port or "",
        _FORM_LABELS["entryId"]: str(form.entry_id or ""),
        _FORM_LABELS["exportDate"]: form.export_date.isoformat() if form.export_date else "",
        _FORM_LABELS["amount"]: "" if form.amount is None else f"{form.currency} {form.amount}",
        _FORM_LABELS["appliedAt"]: format_time(form.applied_at),
    }


def _show(forms: list[Any], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps([f.to_wire() for f in forms], ensure_ascii=False, indent=2))
    else:
        print_records([_form_row(f) for f in forms])


@click.group(name="verification")
def group() -> None:
    """出口收汇核销单 (export-receipt verification forms) and the 出口收汇/进口付汇报关单 lists.

    The national verification scheme ended on 2012-08-01: the form commands are for historical data and replays
    against the local sandbox (eport sandbox). Every command logs in with the card first (PIN prompted, or
    EPORT_PIN) and logs out at the end.
    """


@group.command("apply")
@click.argument("count", type=click.IntRange(1, 100))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@portal_command
def apply_command(session: Callable[[], Any], count: int, as_json: bool) -> None:
    """Apply for COUNT forms (核销单申请)."""
    _show(_client(session).apply(count), as_json)


@group.command("file")
@click.argument("form_no")
@click.option("--port", required=True, help="使用口岸: a 4-digit 关区 code or a customs name (深圳海关).")
@click.option(
    "--districts",
    type=InputPath(dir_okay=False),
    help="Your 关区代码表 as CSV (columns code,name) instead of eport's shipped table, which is partial and "
    "unverified.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@portal_command
def file_command(session: Callable[[], Any], form_no: str, port: str, districts: Path | None, as_json: bool) -> None:
    """File FORM_NO for a port (口岸备案)."""
    table = _districts(districts)  # read before the login: a bad table spends no PIN
    _show([_client(session, table).file(form_no, port=port)], as_json)


def _date(value: str) -> str:
    text = value.replace("-", "")
    try:
        dt.date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        raise CliFail(f"--date: {value!r} is not a date (YYYY-MM-DD)", kind="BadDate") from None
    if len(text) != 8:
        raise CliFail(f"--date: {value!r} is not a date (YYYY-MM-DD)", kind="BadDate")
    return text


@group.command("use")
@click.argument("form_no")
@click.option("--entry-id", required=True, help="The export declaration's 报关单号 (18 digits).")
@click.option("--port", required=True, help="The declaration's 进出境关别 (IEPort), 4 digits.")
@click.option("--date", "ie_date", required=True, help="The declaration's 出口日期, YYYY-MM-DD.")
@click.option("--amount", default="0", show_default=True, help="Declared value.")
@click.option("--currency", default="USD", show_default=True, help="Currency of the value.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@portal_command
def use_command(
    session: Callable[[], Any],
    form_no: str,
    entry_id: str,
    port: str,
    ie_date: str,
    amount: str,
    currency: str,
    as_json: bool,
) -> None:
    """Report the use of FORM_NO on an export declaration (its DecHead.ApprNo).

    For declarations that did not go through the sandbox's exchange: for those submitted there, its customs
    records the use itself when it accepts the declaration.
    """
    from eport.edi.dec import DecHead

    try:
        value = Decimal(amount)
    except InvalidOperation:
        raise CliFail(f"--amount: {amount!r} is not a number", kind="BadAmount") from None
    head = DecHead(appr_no=form_no, entry_id=entry_id, ie_port=port, ie_date=_date(ie_date), ie_flag="E")
    result = _client(session).use(form_no, head, currency=currency, amount=value)
    _show([result.form], as_json)
    if result.informational:
        click.echo("note: the declaration is dated after 2012-08-01; ApprNo is informational only", err=True)


@group.command("hand-in")
@click.argument("form_no")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@portal_command
def hand_in_command(session: Callable[[], Any], form_no: str, as_json: bool) -> None:
    """Hand in FORM_NO (交单) after use; SAFE then verifies it (核销)."""
    _show([_client(session).hand_in(form_no)], as_json)


@group.command("lost")
@click.argument("form_no")
@click.option("--void", "void", is_flag=True, help="Void (作废) instead of reporting lost (挂失).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@portal_command
def lost_command(session: Callable[[], Any], form_no: str, void: bool, as_json: bool) -> None:
    """Report FORM_NO lost (挂失), or void it (作废)."""
    client = _client(session)
    _show([client.void(form_no) if void else client.report_lost(form_no)], as_json)


@group.command("show")
@click.argument("form_no")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@portal_command
def show_command(session: Callable[[], Any], form_no: str, as_json: bool) -> None:
    """Show FORM_NO with its history."""
    form = _client(session).get(form_no)
    if as_json:
        click.echo(json.dumps(form.to_wire(), ensure_ascii=False, indent=2))
        return
    print_records([_form_row(form)])
    print_records(
        [{"state": f"{h.state.value} {h.state.label}", "at": format_time(h.at)} for h in form.history],
        title="history",
        one_vertical=False,
    )


@group.command("query")
@click.argument("conditions", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@portal_command
def query_command(session: Callable[[], Any], conditions: tuple[str, ...], as_json: bool) -> None:
    """List the forms matching every CONDITION (条件设定).

    A condition is field=value, field~prefix, field>=date or field<=date, with the fields formNo, state, port,
    entryId and appliedDate (YYYY-MM-DD). Example: eport verification query state=FILED "appliedDate>=2011-01-01".
    """
    from eport.services.verification_models import Condition

    parsed = [Condition.parse(text) for text in conditions]
    forms, unreadable = read_listing(_client(session).query(parsed))
    _show(forms, as_json)
    fail_unreadable([unreadable], then=_PRINTED)


@group.command("proceeds")
@click.option("--import", "imports", is_flag=True, help="进口付汇报关单 (import) instead of 出口收汇报关单 (export).")
@click.option("--entry-id", help="Only this 报关单号.")
@click.option("--from", "date_from", type=click.DateTime(["%Y-%m-%d"]), help="From this date (YYYY-MM-DD).")
@click.option("--to", "date_to", type=click.DateTime(["%Y-%m-%d"]), help="Up to this date (YYYY-MM-DD).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@portal_command
def proceeds_command(
    session: Callable[[], Any],
    imports: bool,
    entry_id: str | None,
    date_from: dt.datetime | None,
    date_to: dt.datetime | None,
    as_json: bool,
) -> None:
    """List the 出口收汇报关单 (or, with --import, 进口付汇报关单) of the logged-in enterprise, newest first."""
    from eport.services.verification_models import Direction

    rows: Iterator[Any] = _client(session).proceeds(
        Direction.IMPORT if imports else Direction.EXPORT,
        entry_id=entry_id,
        date_from=date_from.date() if date_from else None,
        date_to=date_to.date() if date_to else None,
    )
    items, unreadable = read_listing(rows)
    if as_json:
        click.echo(json.dumps([r.to_wire() for r in items], ensure_ascii=False, indent=2))
    else:
        _print_proceeds(items)
    fail_unreadable([unreadable], then=_PRINTED)


def _print_proceeds(items: list[Any]) -> None:
    print_records(
        [
            {
                "报关单号": str(r.entry_id),
                "date": r.ie_date.isoformat(),
                "customs": r.customs,
                "value": f"{r.currency} {r.amount}",
                "trade mode": r.trade_mode or "",
            }
            for r in items
        ],
        one_vertical=False,
    )


__all__ = ["group"]
