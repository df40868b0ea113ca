"""``eport demo``: the main job end to end on the embedded defaults, offline, in seconds.

The demo is a list of steps (:data:`STEPS`), each a function ``step(run, echo)`` that reads and extends a
:class:`DemoRun`. This first version builds the example purchase (order 311, payment 411, waybill 511, inventory
621 from :mod:`eport.examples`), validates each message (official XSD + customs rules), wraps the inventory in a
DXP envelope and prints a short table and the envelope. Later steps (card, signing, the sandbox exchange) are added
to :data:`STEPS` by inserting functions of the same shape.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from typing import Any

import attrs
import click

from eport import edi, examples
from eport.cli._util import CliFail, err
from eport.edi.dxp import DxpMsg
from eport.edi.report import ValidationReport
from eport.edi.validation import summary

logger = logging.getLogger(__name__)

#: DXP id the demo addresses the inventory to. Placeholder for the customs receiver agreed with E-Port: the real
#: receiver id is assigned at registration (unverified; set it with ``--receiver-id``).
DEMO_RECEIVER = "DXPEDCCEB0000002"

Echo = Callable[[str], None]


@attrs.define
class DemoRun:
    """What the demo steps share: the scenario, the messages by name, their reports, bytes and the envelope."""

    scenario: examples.Scenario = examples.DEFAULT
    receiver_id: str = DEMO_RECEIVER
    messages: dict[str, Any] = attrs.field(factory=dict)
    reports: dict[str, ValidationReport] = attrs.field(factory=dict)
    payloads: dict[str, bytes] = attrs.field(factory=dict)
    envelope: DxpMsg | None = None
    rows: list[dict[str, str]] = attrs.field(factory=list)


def build_messages(run: DemoRun, echo: Echo) -> None:
    """Build order, payment, waybill and inventory of the example purchase (三单 + 清单)."""
    names = ("order", "payment", "waybill", "inventory")
    run.messages.update(zip(names, examples.messages(run.scenario), strict=True))
    echo(f"built {len(names)} messages for order {run.scenario.order_no}")


def _key(name: str, run: DemoRun) -> str:
    s = run.scenario
    return {"order": s.order_no, "payment": s.pay_transaction_id, "waybill": s.logistics_no, "inventory": s.cop_no}.get(
        name, ""
    )


def validate_messages(run: DemoRun, echo: Echo) -> None:
    """Encode and validate every message with the official 202205 schema and the customs rules."""
    for name, message in run.messages.items():
        report = edi.validate(message)
        run.reports[name] = report
        run.payloads[name] = edi.encode(message)
        notes = "; ".join(f"{p.code}" for p in report)
        run.rows.append(
            {
                "message": type(message).__name__,
                "document": f"{name} {_key(name, run)}",
                "bytes": str(len(run.payloads[name])),
                "validation": summary(report) + (f" ({notes})" if notes else ""),
            }
        )
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


#: The steps of ``eport demo``, in order. Insert new steps (e.g. signing) where they belong.
STEPS: tuple[Callable[[DemoRun, Echo], None], ...] = (build_messages, validate_messages, wrap_inventory)


def run_demo(run: DemoRun | None = None, *, steps: Sequence[Callable[[DemoRun, Echo], None]] = STEPS,
             echo: Echo = err) -> DemoRun:  # fmt: skip
    """Run the demo steps and return the shared state.

    Args:
        run: the initial state (the default example scenario when ``None``).
        steps: the steps to run, in order.
        echo: where progress lines go (stderr by default).
    """
    state = run or DemoRun()
    for step in steps:
        step(state, echo)
    return state


def _table(rows: list[dict[str, str]]) -> list[str]:
    if not rows:
        return []
    keys = list(rows[0])
    widths = [max(len(k), *(len(r[k]) for r in rows)) for k in keys]
    lines = ["  ".join(k.ljust(w) for k, w in zip(keys, widths, strict=True))]
    lines += ["  ".join(r[k].ljust(w) for k, w in zip(keys, widths, strict=True)) for r in rows]
    return lines


@click.command(name="demo")
@click.option("--receiver-id", default=DEMO_RECEIVER, show_default=True, help="DXP id of the envelope's receiver.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document instead of text.")
def demo(receiver_id: str, as_json: bool) -> None:
    """Build, validate and wrap the example cross-border purchase (offline, in seconds)."""
    state = run_demo(DemoRun(receiver_id=receiver_id))
    envelope = state.envelope.to_bytes(line_length=76, pretty=True) if state.envelope is not None else b""
    if as_json:
        document = {"messages": state.rows, "envelope": envelope.decode("utf-8")}
        click.echo(json.dumps(document, ensure_ascii=False, indent=2))
    else:
        click.echo("eport demo: a cross-border import purchase (9610 直购进口) from eport.examples")
        for line in _table(state.rows):
            click.echo("  " + line)
        click.echo("")
        click.echo(f"DxpMsg envelope of the inventory ({len(envelope)} bytes):")
        click.echo(envelope.decode("utf-8"))
    if any(not report.ok for report in state.reports.values()):
        raise CliFail("some demo messages have validation errors")


__all__ = [
    "DEMO_RECEIVER",
    "STEPS",
    "DemoRun",
    "build_messages",
    "demo",
    "run_demo",
    "validate_messages",
    "wrap_inventory",
]
