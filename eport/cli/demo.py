"""``eport demo``: the main job end to end, on the embedded defaults, in seconds.

The demo is a list of steps, each a function ``step(run, echo)`` that reads and extends a :class:`DemoRun`.
The full run (:data:`EXCHANGE_STEPS`, the default) does what a forwarder does in a day, against the local sandbox:

1. start the sandbox (``eport.sandbox``: HTTP gateway and file exchange on loopback, state in a temporary folder);
2. open the emulated operator card (``eport.card.emulator``) and verify its PIN with the documented demo PIN
   (``DEMO_PIN``; the prompt is skipped);
3. build the example purchase from :mod:`eport.examples`: order 311, payment 411, waybill 511 and the declared
   inventory 621 (三单 + 清单);
4. sign each message on the card (enveloped XML-DSig) and validate the signed bytes (official XSD + customs rules);
5. submit them by file exchange (``<ImpPath>/CEB/OutBox``) with :class:`eport.services.ClearanceClient`, follow the
   receipts with a progress display until the inventory is released (放行) and closed (结关);
6. do the same for one declaration (报关单 ``DecMessage``, ``<ImpPath>/DecCus001/OutBox``) until 结关 ``R``;
7. export tax refund (出口退税): submit one export declaration, follow it to 结关 ``R``, find it with the refund
   service's 结关信息查询, build the claim lines (出口明细) from the enterprise's own declaration and receipts,
   self-check them (clean: no doubt), then declare the batch and see it approved;
8. print the status history of every document as a table.

``eport demo --offline`` runs only the first version's steps (:data:`STEPS`: build, validate, wrap the inventory
in a DxpMsg and print it), without card, sandbox or files.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import click
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from eport import edi, examples
from eport.card.emulator import DEMO_PIN, InProcessTransport, demo_card
from eport.card.operator import OperatorCard
from eport.card.signer import CardSigner
from eport.cli._util import EXIT_REJECTED, CliFail, err, format_time, print_records
from eport.edi.core.report import ValidationReport
from eport.edi.core.validation import summary
from eport.edi.dec import decode_declaration
from eport.edi.dec import models as dec
from eport.edi.dxp import DxpMsg
from eport.errors import ServiceTimeout
from eport.identifiers import uscc_check_char
from eport.pki.ceb import sign_ceb
from eport.pki.signer import Signer
from eport.sandbox import Sandbox, SandboxConfig
from eport.sandbox.refund import SANDBOX_RATES
from eport.services import ClearanceClient, FileExchangeTransport, Stage, Submission, SubmissionHandle
from eport.services.refund import (
    BatchState,
    RefundClient,
    claim_lines,
    index_records,
    records_from_declaration,
    run_self_check,
)

logger = logging.getLogger(__name__)

#: DXP id the demo addresses CEB messages to: the sandbox's customs CEB receiver. A real deployment gets its
#: receiver id at registration with E-Port (unverified; set it with ``--receiver-id``).
DEMO_RECEIVER = "DXPEDCCEB0000002"

Echo = Callable[[str], None]

_NAMES = ("order", "payment", "waybill", "inventory")


@attrs.define
class DemoRun:
    """What the demo steps share.

    Attributes:
        scenario: the example purchase.
        receiver_id: DXP id of the CEB receiver.
        declare: build the inventory as declared (``appStatus`` 2, must be signed) rather than saved (1).
        messages, reports, payloads: the messages by name, their validation reports and their bytes.
        envelope: the inventory's DxpMsg (offline run).
        rows: the message table.
        signer: the card signer (once the card is open).
        card: a one-line description of the card.
        workdir: where the sandbox state, the ImpPath and the journal live (a temporary folder by default).
        keep: keep ``workdir`` after the run (set when the user chose it).
        step_delay: seconds between two receipts in the sandbox.
        timeout: seconds to wait for each flow.
        progress: show the progress display (stderr).
        sandbox, client: the running sandbox and the clearance client.
        handles, results: submissions by document name, and their final state.
        refund: the outcome of the export tax refund step (entry id, lines, doubts, batch state).
    """

    scenario: examples.Scenario = examples.DEFAULT
    receiver_id: str = DEMO_RECEIVER
    declare: bool = False
    messages: dict[str, Any] = attrs.field(factory=dict)
    reports: dict[str, ValidationReport] = attrs.field(factory=dict)
    payloads: dict[str, bytes] = attrs.field(factory=dict)
    envelope: DxpMsg | None = None
    rows: list[dict[str, str]] = attrs.field(factory=list)
    signer: Signer | None = None
    card: str = ""
    workdir: Path | None = None
    keep: bool = False
    step_delay: float = 0.4
    timeout: float = 45.0
    progress: bool = True
    sandbox: Sandbox | None = None
    client: ClearanceClient | None = None
    handles: dict[str, SubmissionHandle] = attrs.field(factory=dict)
    results: dict[str, Submission] = attrs.field(factory=dict)
    refund: dict[str, Any] = attrs.field(factory=dict)


# ------------------------------------------------------------------------------------------------ offline steps
def build_messages(run: DemoRun, echo: Echo) -> None:
    """Build order, payment, waybill and inventory of the example purchase (三单 + 清单)."""
    s = run.scenario
    built = (examples.order(s), examples.payment(s), examples.waybill(s), examples.inventory(s, declare=run.declare))
    run.messages.update(zip(_NAMES, built, strict=True))
    state = "declared (appStatus 2)" if run.declare else "saved (appStatus 1)"
    echo(f"built {len(_NAMES)} messages for order {s.order_no}; inventory {state}")


def _key(name: str, run: DemoRun) -> str:
    s = run.scenario
    return {"order": s.order_no, "payment": s.pay_transaction_id, "waybill": s.logistics_no, "inventory": s.cop_no}.get(
        name, ""
    )


def _row(run: DemoRun, name: str, message_type: str, payload: bytes, report: ValidationReport) -> None:
    notes = "; ".join(f"{p.code}" for p in report)
    run.rows.append(
        {
            "message": message_type,
            "document": f"{name} {_key(name, run)}",
            "bytes": str(len(payload)),
            "validation": summary(report) + (f" ({notes})" if notes else ""),
        }
    )


def validate_messages(run: DemoRun, echo: Echo) -> None:
    """Encode and validate every message with the official 202205 schema and the customs rules."""
    for name, message in run.messages.items():
        report = edi.validate(message)
        run.reports[name] = report
        run.payloads[name] = edi.encode(message)
        _row(run, name, type(message).__name__, run.payloads[name], report)
    echo(f"validated {len(run.reports)} messages")


def wrap_inventory(run: DemoRun, echo: Echo) -> None:
    """Wrap the inventory (CEB621Message) in a DxpMsg addressed to the customs receiver."""
    payload = run.payloads.get("inventory") or edi.encode(run.messages["inventory"])
    run.envelope = edi.wrap(
        payload,
        sender_id=run.scenario.dxp_id,
        receiver_ids=[run.receiver_id],
        created=run.scenario.when,
        cop_msg_id=f"{run.scenario.dxp_id}{run.scenario.cop_no}",
        file_name=f"CEB621Message_{run.scenario.cop_no}.xml",
        id="DXP1",
    )
    echo(f"wrapped the inventory in a DxpMsg for {run.receiver_id}")


# ------------------------------------------------------------------------------------------------ exchange steps
def start_sandbox(run: DemoRun, echo: Echo) -> None:
    """Start the local sandbox (HTTP on a free loopback port, file exchange under the work folder)."""
    work = run.workdir or Path(tempfile.mkdtemp(prefix="eport-demo-"))
    run.workdir = work
    config = SandboxConfig(
        state_dir=work / "sandbox",
        imp_path=work / "ImpPath",
        port=0,
        first_delay=min(0.2, run.step_delay),
        step_delay=run.step_delay,
        poll_interval=0.05,
        inspection_share=0.0,
        manual_review_share=0.0,
    )
    run.sandbox = Sandbox(config)
    run.sandbox.start()
    run.client = ClearanceClient(
        FileExchangeTransport(config.imp_path or work / "ImpPath"),
        work / "journal.sqlite3",
        sender_id=run.scenario.dxp_id,
        poll_interval=0.05,
    )
    echo(f"sandbox listening on {run.sandbox.url}; file exchange in {config.imp_path}")


def open_card(run: DemoRun, echo: Echo) -> None:
    """Open the emulated operator card and verify the demo PIN (the PIN prompt is skipped in the demo)."""
    card = OperatorCard(InProcessTransport(demo_card()))
    card.verify_pin(DEMO_PIN)
    run.signer = CardSigner(card)
    run.card = f"card {card.card_id()}, certificate {card.certificate_number()} ({card.key_algorithm.value})"
    echo(f"emulated operator card open, demo PIN verified (prompt skipped): {run.card}")


def sign_and_validate(run: DemoRun, echo: Echo) -> None:
    """Sign every CEB message on the card and validate the signed bytes (official XSD + customs rules)."""
    if run.signer is None:
        raise CliFail("the card is not open")
    for name, message in run.messages.items():
        payload = sign_ceb(edi.encode(message), run.signer)
        report = edi.validate_bytes(payload)
        run.payloads[name] = payload
        run.reports[name] = report
        _row(run, name, type(message).__name__, payload, report)
    bad = [name for name, report in run.reports.items() if not report.ok]
    if bad:
        raise CliFail(f"signed messages do not validate: {', '.join(bad)}", kind="ValidationFailed")
    echo(f"signed and validated {len(run.payloads)} messages on the card")


def _client(run: DemoRun) -> ClearanceClient:
    if run.client is None:
        raise CliFail("the sandbox is not started")
    return run.client


def _follow(run: DemoRun, targets: dict[str, Stage]) -> None:
    client = _client(run)
    deadline = time.monotonic() + run.timeout
    console = Console(stderr=True)
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description:<34}"),
        BarColumn(bar_width=24),
        TextColumn("{task.fields[status]}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, disable=not run.progress) as progress:
        tasks = {
            name: progress.add_task(f"{name} {run.handles[name].msg_type}", total=until.rank, status="sent")
            for name, until in targets.items()
        }
        pending = dict(targets)
        while pending:
            client.poll()
            for name, until in list(pending.items()):
                sub = client.status(run.handles[name])
                text = f"{sub.code or ''} {sub.info or sub.stage.value}".strip()
                progress.update(tasks[name], completed=max(sub.stage.rank, 0), status=text[:60])
                if sub.stage.rank >= until.rank or sub.final:
                    progress.update(tasks[name], completed=until.rank)
                    run.results[name] = sub
                    del pending[name]
            if pending and time.monotonic() > deadline:
                raise ServiceTimeout(f"no final receipt for {', '.join(pending)} in {run.timeout:g} s")
            if pending:
                time.sleep(0.05)


def submit_ceb(run: DemoRun, echo: Echo) -> None:
    """Submit the four signed messages by file exchange and follow them to 审结 / 结关."""
    client = _client(run)
    for name in _NAMES:
        run.handles[name] = client.submit(run.payloads[name])
    echo("submitted order, payment, waybill and inventory into CEB/OutBox; following the receipts")
    _follow(run, {"order": Stage.CONCLUDED, "payment": Stage.CONCLUDED, "waybill": Stage.CONCLUDED,
                  "inventory": Stage.CLOSED})  # fmt: skip


def declaration_message(scenario: examples.Scenario, client_seq_no: str) -> bytes:
    """A small import declaration (报关单 ``DecMessage``) of infant formula, saved for declaration (OperType G).

    Args:
        scenario: supplies the declaring agent (申报单位) and the consignee (收发货人).
        client_seq_no: the 18-character 客户端编号 that keys the declaration's receipts.
    """
    code, name = scenario.agent.code, scenario.agent.name
    goods = dec.DecList(
        g_no="1", code_ts="2106909090", g_name="婴儿奶粉 infant formula", g_model="800g/罐",
        g_qty=Decimal("120"), g_unit="122", decl_price=Decimal("180"), decl_total=Decimal("21600"),
        trade_curr="CNY", origin_country="USA",
    )  # fmt: skip
    head = dec.DecHead(
        ie_flag="I", custom_master=scenario.customs_code, ie_port=scenario.port_code, agent_code=code,
        agent_name=name, owner_code=scenario.seller.code, owner_name=scenario.seller.name, trade_mode="0110",
    )  # fmt: skip
    message = dec.DecMessage(
        dec_head=head,
        dec_lists=dec.DecLists(dec_list=(goods,)),
        dec_sign=dec.DecSign(oper_type="G", cop_code=code, oper_name="demo", client_seq_no=client_seq_no),
    )
    return edi.encode(message)


def submit_declaration(run: DemoRun, echo: Echo) -> None:
    """Submit one declaration by file exchange (DecCus001/OutBox) and follow it to 结关 (R)."""
    client = _client(run)
    now = dt.datetime.now(examples.CHINA_TZ)
    client_seq_no = f"{now:%Y%m%d%H%M%S}{now.microsecond // 1000:03d}0"
    run.handles["declaration"] = client.submit(declaration_message(run.scenario, client_seq_no))
    echo(f"submitted declaration ClientSeqNo {client_seq_no} into DecCus001/OutBox; following the receipts")
    _follow(run, {"declaration": Stage.CLOSED})


#: The demo exporter's USCC (纳税人识别号): a made-up body with its GB 32100 check character.
DEMO_TAXPAYER_ID = "91440300EPRTDEM01" + uscc_check_char("91440300EPRTDEM01")


def export_declaration_message(scenario: examples.Scenario, client_seq_no: str) -> bytes:
    """A small export declaration (出口报关单, 一般贸易 0110, FOB) of the example seller's goods."""
    seller = scenario.seller
    goods = (
        dec.DecList(g_no="1", code_ts="8516310000", g_name="吹风机 hair dryer", g_model="1800W", g_qty=Decimal("200"),
                    g_unit="011", first_qty=Decimal("200"), first_unit="011", decl_price=Decimal("12.5"),
                    decl_total=Decimal("2500"), trade_curr="USD", destination_country="USA"),
        dec.DecList(g_no="2", code_ts="8509409000", g_name="搅拌机 blender", g_model="600W", g_qty=Decimal("100"),
                    g_unit="011", first_qty=Decimal("100"), first_unit="011", decl_price=Decimal("140"),
                    decl_total=Decimal("14000"), trade_curr="CNY", destination_country="USA"),
    )  # fmt: skip
    head = dec.DecHead(
        ie_flag="E", custom_master=scenario.customs_code, ie_port=scenario.port_code, agent_code=scenario.agent.code,
        agent_name=scenario.agent.name, owner_code=seller.code, owner_name=seller.name, trade_code=seller.code,
        trade_name=seller.name, trade_mode="0110", trans_mode="3", trade_country="USA",
    )  # fmt: skip
    message = dec.DecMessage(
        dec_head=head,
        dec_lists=dec.DecLists(dec_list=goods),
        dec_sign=dec.DecSign(
            oper_type="G", cop_code=scenario.agent.code, oper_name="demo", client_seq_no=client_seq_no
        ),
    )
    return edi.encode(message)


def refund_self_check(run: DemoRun, echo: Echo) -> None:
    """Export tax refund: an export declaration to 结关, found by 结关信息查询, claimed, checked clean, approved."""
    client = _client(run)
    if run.sandbox is None:
        raise CliFail("the sandbox is not started")
    now = dt.datetime.now(examples.CHINA_TZ)
    data = export_declaration_message(run.scenario, f"{now:%Y%m%d%H%M%S}{now.microsecond // 1000:03d}1")
    run.handles["export declaration"] = client.submit(data)
    echo("submitted an export declaration (出口报关单) into DecCus001/OutBox; following it to 结关")
    _follow(run, {"export declaration": Stage.CLOSED})
    final = run.results["export declaration"]
    trade_code = run.scenario.seller.code
    with RefundClient(run.sandbox.url) as refund:
        closed = [row for row in refund.closed_declarations(trade_code) if row.entry_id == final.entry_id]
        if not closed:
            raise CliFail(f"结关信息查询 did not find {final.entry_id}", kind="RefundFailed")
        # the enterprise's own copy: its DecMessage and its receipts (the sandbox values at its demo rates)
        records = records_from_declaration(decode_declaration(data), final.history, rates=SANDBOX_RATES)
        lines = claim_lines(records, invoice_no=f"INV{now:%Y%m%d}01")
        report = run_self_check(lines, index_records(records))
        batch = refund.create_batch(trade_code=trade_code, taxpayer_id=DEMO_TAXPAYER_ID, period=f"{now:%Y%m}",
                                    lines=lines)  # fmt: skip
        checked = refund.self_check(batch.id)
        declared = refund.declare(checked.id) if not checked.blocking else checked
        reviewed = refund.batch(declared.id)
    run.refund = {"entryId": str(final.entry_id), "closedOn": closed[0].closed_on.isoformat(), "lines": len(lines),
                  "usdFob": str(sum(line.usd_fob for line in lines)), "localDoubts": len(report.doubts),
                  "serviceDoubts": len(checked.doubts), "batchState": reviewed.state.value}  # fmt: skip
    outcome = "clean" if report.clean and not checked.doubts else "found doubts"
    echo(f"refund: {final.entry_id} closed {closed[0].closed_on}; {len(lines)} claim lines; self-check {outcome}; "
         f"batch {reviewed.state.value}")  # fmt: skip
    if not report.clean or checked.doubts or reviewed.state is not BatchState.APPROVED:
        raise CliFail(f"the refund self-check was not clean: {report.codes() | {d.code for d in checked.doubts}}",
                      kind="RefundFailed")  # fmt: skip


def stop_sandbox(run: DemoRun, echo: Echo) -> None:
    """Close the client and stop the sandbox."""
    if run.client is not None:
        run.client.close()
        run.client = None
    if run.sandbox is not None:
        run.sandbox.stop()
        run.sandbox = None
        if run.keep:
            echo(f"sandbox stopped; state, ImpPath and journal kept in {run.workdir}")
        else:
            if run.workdir is not None:
                shutil.rmtree(run.workdir, ignore_errors=True)
            echo("sandbox stopped; temporary files removed (--workdir DIR keeps them)")


#: The first, offline version of the demo: build, validate, wrap (``eport demo --offline``).
STEPS: tuple[Callable[[DemoRun, Echo], None], ...] = (build_messages, validate_messages, wrap_inventory)

#: The full demo against the sandbox (``eport demo``). ``stop_sandbox`` always runs last.
EXCHANGE_STEPS: tuple[Callable[[DemoRun, Echo], None], ...] = (
    start_sandbox, open_card, build_messages, sign_and_validate, submit_ceb, submit_declaration, refund_self_check,
)  # fmt: skip


def run_demo(run: DemoRun | None = None, *, steps: Sequence[Callable[[DemoRun, Echo], None]] = STEPS,
             echo: Echo = err) -> DemoRun:  # fmt: skip
    """Run the demo steps and return the shared state; a started sandbox is always stopped.

    Args:
        run: the initial state (the default example scenario when ``None``).
        steps: the steps to run, in order (:data:`STEPS` offline, :data:`EXCHANGE_STEPS` with the sandbox).
        echo: where progress lines go (stderr by default).
    """
    state = run or DemoRun()
    try:
        for step in steps:
            step(state, echo)
    finally:
        stop_sandbox(state, echo)
    return state


def history_rows(run: DemoRun) -> list[dict[str, str]]:
    """The status history of every submitted document, one row per receipt status."""
    rows = []
    for name in (*_NAMES, "declaration", "export declaration"):
        sub = run.results.get(name)
        if sub is None:
            continue
        for event in sub.history:
            if not event.code:
                continue
            at = format_time(event.at.astimezone(examples.CHINA_TZ), date=False) if event.at else ""
            rows.append(
                {
                    "document": name,
                    "receipt": event.receipt_type,
                    "code": event.code,
                    "stage": event.stage.value,
                    "time": at,
                    "info": event.info[:70],
                }
            )
    return rows


@click.command(name="demo")
@click.option("--offline", is_flag=True, help="Only build, validate and wrap the example (no card, no sandbox).")
@click.option("--receiver-id", default=DEMO_RECEIVER, show_default=True, help="DXP id of the CEB receiver.")
@click.option("--step-delay", type=click.FloatRange(0, 10), default=0.4, show_default=True,
              help="Seconds between two receipts in the sandbox.")  # fmt: skip
@click.option("--workdir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Keep the sandbox state, ImpPath and journal here (default: a new temporary folder).")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document instead of text.")
def demo(offline: bool, receiver_id: str, step_delay: float, workdir: Path | None, as_json: bool) -> None:
    """The main job end to end: card, example purchase, signatures, sandbox exchange, receipts to release.

    Runs offline on the embedded defaults in well under a minute; nothing leaves the machine (loopback only).
    """
    if offline:
        _offline(receiver_id, as_json)
        return
    state = DemoRun(receiver_id=receiver_id, declare=True, step_delay=step_delay, workdir=workdir,
                    keep=workdir is not None, progress=not as_json)  # fmt: skip
    if workdir is not None:
        workdir.mkdir(parents=True, exist_ok=True)
    run_demo(state, steps=EXCHANGE_STEPS)
    history = history_rows(state)
    if as_json:
        document = {"card": state.card, "messages": state.rows, "history": history, "refund": state.refund}
        click.echo(json.dumps(document, ensure_ascii=False, indent=2))
    else:
        click.echo("eport demo: a cross-border import purchase (9610 直购进口), a declaration and an export tax "
                   "refund, through the sandbox")  # fmt: skip
        click.echo(f"operator card: {state.card}")
        click.echo("")
        print_records(state.rows)
        click.echo("")
        print_records(history, title="status history (回执):")
        if state.refund:
            r = state.refund
            click.echo("")
            click.echo(f"export tax refund (出口退税): {r['entryId']} closed {r['closedOn']}, {r['lines']} claim "
                       f"lines, USD FOB {r['usdFob']}; self-check {r['localDoubts']} doubts; "
                       f"batch {r['batchState']}")  # fmt: skip
    rejected = [name for name, sub in state.results.items() if sub.stage is Stage.REJECTED]
    if rejected:
        raise CliFail(f"customs rejected: {', '.join(rejected)}", status=EXIT_REJECTED, kind="RejectedError")


def _offline(receiver_id: str, as_json: bool) -> None:
    state = run_demo(DemoRun(receiver_id=receiver_id))
    envelope = state.envelope.to_bytes(line_length=76, pretty=True) if state.envelope is not None else b""
    if as_json:
        document = {"messages": state.rows, "envelope": envelope.decode("utf-8")}
        click.echo(json.dumps(document, ensure_ascii=False, indent=2))
    else:
        click.echo("eport demo: a cross-border import purchase (9610 直购进口) from eport.examples")
        print_records(state.rows)
        click.echo("")
        click.echo(f"DxpMsg envelope of the inventory ({len(envelope)} bytes):")
        click.echo(envelope.decode("utf-8"))
    if any(not report.ok for report in state.reports.values()):
        raise CliFail("some demo messages have validation errors", kind="ValidationFailed")


__all__ = [
    "DEMO_RECEIVER",
    "DEMO_TAXPAYER_ID",
    "EXCHANGE_STEPS",
    "STEPS",
    "DemoRun",
    "build_messages",
    "declaration_message",
    "demo",
    "export_declaration_message",
    "history_rows",
    "open_card",
    "refund_self_check",
    "run_demo",
    "sign_and_validate",
    "start_sandbox",
    "stop_sandbox",
    "submit_ceb",
    "submit_declaration",
    "validate_messages",
    "wrap_inventory",
]
