"""``eport card``: the operator IC card (操作员卡) from the command line.

``--help`` never touches a reader or the network: every command imports and opens what it needs when it runs.
PINs are prompted without echo (or read from ``EPORT_PIN`` for scripts); they are never taken as arguments, which
would leave them in shell history and process lists.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING

import click

from eport.cli._util import EXIT_FAIL, CliFail, err, print_records

if TYPE_CHECKING:
    from eport.card.base import OperatorCardBackend

_BACKEND_HELP = "Use the card through PC/SC (default) or through the E-Port client's local signing service."


def _backend_options(function: click.decorators.FC) -> click.decorators.FC:
    function = click.option("--reader", "-r", metavar="NAME", help="Reader name (default: the first with a card).")(
        function
    )
    function = click.option(
        "--local-service",
        "service_url",
        metavar="URL",
        is_flag=False,
        flag_value="ws://127.0.0.1:61232",
        default=None,
        help=_BACKEND_HELP + " Default URL ws://127.0.0.1:61232.",
    )(function)
    return click.option("--wait", type=float, default=0.0, show_default=True, help="Seconds to wait for a card.")(
        function
    )


@contextmanager
def _open_backend(reader: str | None, service_url: str | None, wait: float) -> Iterator[OperatorCardBackend]:
    if service_url:
        from eport.card.localservice import LocalServiceCard, LocalServiceClient

        with LocalServiceClient(service_url) as client:
            yield LocalServiceCard(client)
        return
    from eport.card import pcsc
    from eport.card.operator import OperatorCard

    with pcsc.connect(reader, timeout=wait) as transport:
        yield OperatorCard(transport)


def _prompt_pin(label: str, *, confirm: bool = False) -> str:
    from_env = os.environ.get("EPORT_PIN") if label == "PIN" else None
    if from_env:
        return from_env
    value: str = click.prompt(label, hide_input=True, confirmation_prompt=confirm, err=True)
    return value


@click.group(name="card")
def group() -> None:
    """The E-Port operator card (操作员卡): readers, card data, PIN, diagnosis."""


@group.command("readers")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def readers_command(as_json: bool) -> None:
    """List card readers and whether a card is inserted."""
    from eport.card import pcsc

    statuses = pcsc.reader_status()
    if as_json:
        rows = [
            {"reader": s.name, "card_present": s.card_present, "atr": s.atr.hex().upper() or None} for s in statuses
        ]
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not statuses:
        raise CliFail("no card reader connected (未检测到读卡器)", kind="NoReaderError")
    rows = [{"reader": s.name, "card": s.atr.hex(" ").upper() if s.card_present else "empty"} for s in statuses]
    print_records(rows, one_vertical=False)


@group.command("doctor")
@click.option("--reader", "-r", metavar="NAME", help="Reader to check (default: the first with a card).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def doctor_command(reader: str | None, as_json: bool) -> None:
    """Check service, reader, card, application, certificate and PIN counter, with fixes (机卡检测)."""
    from eport.card.doctor import run_checks

    results = []
    marks = {"ok": "✔", "warn": "!", "fail": "✘", "skipped": "-"}
    for result in run_checks(reader):
        results.append(result)
        if not as_json:
            click.echo(f"{marks[result.status]} {result.step}: {result.detail}")
            if result.fix:
                click.echo(f"    fix: {result.fix}")
            if result.fix_zh:
                click.echo(f"    解决: {result.fix_zh}")
    if as_json:
        click.echo(json.dumps([r.as_dict() for r in results], ensure_ascii=False, indent=2))
    failed = [r.step for r in results if r.status == "fail"]
    if failed:
        raise CliFail(f"card check failed at: {', '.join(failed)}", EXIT_FAIL, kind="CardCheckFailed")


@group.command("info")
@_backend_options
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def info_command(reader: str | None, service_url: str | None, wait: float, as_json: bool) -> None:
    """Show card ID, holder, enterprise, certificate number and validity (no PIN needed)."""
    with _open_backend(reader, service_url, wait) as card:
        info = card.info()
        tries = card.pin_tries_left()
    data: dict[str, object] = dict(info.as_dict())
    data["pin_tries_left"] = tries
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    labels = {
        "card_id": "card ID (卡号)",
        "holder_name": "holder (持卡人)",
        "enterprise_code": "enterprise code (企业代码)",
        "enterprise_name": "enterprise (企业名称)",
        "certificate_number": "certificate number (证书编号)",
        "key_algorithm": "key algorithm",
        "valid_from": "valid from",
        "valid_until": "valid until",
        "pin_tries_left": "PIN tries left",
    }
    print_records([{label: data.get(key) if data.get(key) is not None else "unknown" for key, label in labels.items()}])


@group.command("verify-pin")
@_backend_options
@click.option("--allow-last-try", is_flag=True, help="Allow the attempt even if it is the last one (可能锁卡).")
def verify_pin_command(reader: str | None, service_url: str | None, wait: float, allow_last_try: bool) -> None:
    """Verify the PIN once (prompted without echo; EPORT_PIN for scripts). Never retried."""
    import warnings

    from eport.card.base import DefaultPinWarning

    with _open_backend(reader, service_url, wait) as card:
        tries = card.pin_tries_left()
        if tries is not None:
            err(f"PIN tries left: {tries}")
        pin = _prompt_pin("PIN")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", DefaultPinWarning)
            card.verify_pin(pin, allow_last_try=allow_last_try)
    click.echo("PIN verified (口令正确)")
    if any(issubclass(w.category, DefaultPinWarning) for w in caught):
        err("warning: the PIN is still the factory default 88888888; change it with 'eport card change-pin'")


@group.command("change-pin")
@_backend_options
@click.option("--allow-last-try", is_flag=True, help="Allow the attempt even if it is the last one (可能锁卡).")
def change_pin_command(reader: str | None, service_url: str | None, wait: float, allow_last_try: bool) -> None:
    """Change the PIN (修改口令): prompts for the current PIN and the new one twice, without echo."""
    with _open_backend(reader, service_url, wait) as card:
        old = _prompt_pin("Current PIN")
        new = _prompt_pin("New PIN", confirm=True)
        card.change_pin(old, new, allow_last_try=allow_last_try)
    click.echo("PIN changed (口令已修改)")


@group.command("emulate")
@click.option("--port", type=int, default=35963, show_default=True, help="vpcd port (35963: 'Virtual PCD 00 00').")
@click.option("--t0", is_flag=True, help="Behave like a T=0 card (61xx chaining).")
@click.option("--seconds", type=float, default=0.0, help="Stop after this many seconds (default: until Ctrl-C).")
def emulate_command(port: int, t0: bool, seconds: float) -> None:
    """Insert the demo card (PUBLIC TEST KEYS, PIN 12345678) into pcscd's vpcd reader, for demos and trials."""
    from eport.card.emulator import DEMO_PIN, VpcdCard, demo_card

    stop = threading.Event()
    with VpcdCard(demo_card(t0=t0), port=port):
        err(f"demo card inserted into the vpcd reader on port {port} (PIN {DEMO_PIN}); Ctrl-C removes it")
        with suppress(KeyboardInterrupt):
            stop.wait(seconds if seconds > 0 else None)
    err("demo card removed")


@group.command("simulate-service")
@click.option("--port", type=int, default=61232, show_default=True, help="Port of the simulated service.")
@click.option("--sm2", is_flag=True, help="Sign with the demo card's SM2 key instead of RSA.")
@click.option("--seconds", type=float, default=0.0, help="Stop after this many seconds (default: until Ctrl-C).")
def simulate_service_command(port: int, sm2: bool, seconds: float) -> None:
    """Run a simulator of the E-Port client's local signing service on 127.0.0.1, backed by the demo card."""
    from eport.card.emulator import DEMO_PIN, demo_card
    from eport.card.simulator import LocalServiceSimulator
    from eport.pki.signer import KeyAlgorithm

    key = KeyAlgorithm.SM2 if sm2 else KeyAlgorithm.RSA
    stop = threading.Event()
    with LocalServiceSimulator(demo_card(), key_algorithm=key, port=port) as simulator:
        err(f"simulated local signing service at {simulator.url} (demo card, PIN {DEMO_PIN}); Ctrl-C stops it")
        with suppress(KeyboardInterrupt):
            stop.wait(seconds if seconds > 0 else None)
