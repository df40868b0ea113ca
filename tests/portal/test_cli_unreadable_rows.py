"""``eport verification query`` / ``proceeds`` when the portal sends rows the client cannot read: every readable row
is printed (table and JSON), the unreadable ones are named on stderr (position, key, reason), and the command exits
with its own status (5), never losing the good rows to one bad one.

The end-to-end tests run the real CLI against the sandbox process, through a loopback proxy that damages one row of
the listing replies on the wire (tests/sandbox/damaging_proxy.py)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from click.testing import CliRunner

from eport.card.emulator import DEMO_PIN
from eport.cli._util import EXIT_UNREADABLE_ROWS
from eport.cli.main import cli
from eport.errors import UnreadableRowsError
from eport.services.rows import UnreadableRow
from eport.services.verification_models import Direction, FormState, ProceedsDeclaration, VerificationForm
from tests.sandbox.damaging_proxy import Damage
from tests.sandbox.damaging_proxy import damaging_proxy as proxy_to
from tests.sandbox.process import SandboxProcess, logged_in_session


@pytest.fixture
def damaging_proxy(portal_sandbox: SandboxProcess) -> Iterator[tuple[str, Damage]]:
    """A loopback proxy to the sandbox that rewrites the rows named in its ``Damage`` map (by formNo / entryId)."""
    with proxy_to(portal_sandbox.url) as proxy:
        yield proxy


def _eport(portal: str, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, [*args, "--emulated", "--portal", portal], env={"EPORT_PIN": DEMO_PIN})
    assert DEMO_PIN not in result.stdout + result.stderr
    return result.exit_code, result.stdout, result.stderr


def test_query_prints_every_readable_form_and_names_the_damaged_one(damaging_proxy: tuple[str, Damage]) -> None:
    portal, damage = damaging_proxy
    code, out, _ = _eport(portal, "verification", "apply", "3", "--json")
    assert code == 0
    good_1, bad, good_2 = (form["formNo"] for form in json.loads(out))
    damage[bad] = lambda row: {**row, "state": "REVOKED"}  # a state the client does not know
    for as_json in (True, False):
        code, out, err = _eport(portal, "verification", "query", *(["--json"] * as_json))
        assert code == EXIT_UNREADABLE_ROWS == 5, err
        if as_json:
            listed = [form["formNo"] for form in json.loads(out)]
        else:
            listed = [no for no in (good_1, bad, good_2) if no in out]
        assert (good_1 in listed, good_2 in listed, bad in listed) == (True, True, False)  # every readable row
        lines = err.strip().splitlines()
        assert any(bad in line and "REVOKED" in line and line.startswith("row #") for line in lines), err
        assert lines[-1].startswith("error: UnreadableRowsError: 1 of ")


def test_proceeds_prints_every_readable_row_and_names_the_damaged_one(
    damaging_proxy: tuple[str, Damage], portal_sandbox: SandboxProcess
) -> None:
    portal, damage = damaging_proxy
    feed = logged_in_session(portal_sandbox)
    entries = [f"53001997{n:010d}" for n in (71, 72, 73)]
    for day, entry in enumerate(entries, start=1):
        row = {"entryId": entry, "direction": "E", "ieDate": f"1997-07-{day:02d}", "customs": "5300",
               "currency": "USD", "amount": "10.00"}  # fmt: skip
        feed.post(f"{portal_sandbox.url}/api/v1/proceeds", json=row, timeout=10).raise_for_status()
    damage[entries[1]] = lambda row: {**row, "amount": "lots"}
    window = ("--from", "1997-07-01", "--to", "1997-07-31")
    code, out, err = _eport(portal, "verification", "proceeds", *window, "--json")
    assert code == EXIT_UNREADABLE_ROWS, err
    assert [row["entryId"] for row in json.loads(out)] == [entries[2], entries[0]]  # newest first
    assert any(line.startswith("row #1 (" + entries[1] + ")") and "lots" in line for line in err.splitlines()), err
    code, out, err = _eport(portal, "verification", "proceeds", *window)
    assert code == EXIT_UNREADABLE_ROWS
    assert (entries[0] in out, entries[2] in out, entries[1] in out) == (True, True, False)
    assert err.strip().splitlines()[-1].startswith("error: UnreadableRowsError: 1 of 3 ")


# ------------------------------------------------------------------------------------------- fast, no sandbox
class _Listing:
    """A VerificationClient stand-in: yields its rows, then raises what a real listing raises at its end."""

    def __init__(self, rows: list[Any], bad: list[UnreadableRow], what: str) -> None:
        self.rows, self.bad, self.what = rows, bad, what

    def _listing(self, *args: object, **kwargs: object) -> Iterator[Any]:
        yield from self.rows
        if self.bad:
            raise UnreadableRowsError(self.what, tuple(self.bad), len(self.rows) + len(self.bad))

    query = proceeds = _listing


def _form(serial: int) -> VerificationForm:
    when = dt.datetime(2011, 3, 1, 9, tzinfo=dt.timezone.utc)
    wire = {"formNo": f"{serial:09d}", "state": FormState.ISSUED.value, "enterpriseCode": "1101960001",
            "appliedAt": when.isoformat()}  # fmt: skip
    return VerificationForm.from_wire(wire)


def _stub(monkeypatch: pytest.MonkeyPatch, listing: _Listing) -> Callable[..., Any]:
    import eport.cli.verification as verification_cli

    monkeypatch.setattr(verification_cli, "_client", lambda session, districts=None: listing)
    return lambda *args: CliRunner().invoke(cli, list(args))


def test_unit_query_prints_the_readable_forms_then_fails_with_the_unreadable_ones(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bad = [UnreadableRow(1, "000000002", {"formNo": "000000002"}, "unknown state 'REVOKED'"),
           UnreadableRow(3, None, ["no", "mapping"], "not an object")]  # fmt: skip
    run = _stub(monkeypatch, _Listing([_form(1), _form(3)], bad, "forms"))
    result = run("verification", "query", "--json")
    assert result.exit_code == EXIT_UNREADABLE_ROWS
    assert [f["formNo"] for f in json.loads(result.stdout)] == ["000000001", "000000003"]
    assert result.stderr.splitlines()[:2] == [
        "row #1 (000000002) not read: unknown state 'REVOKED'",
        "row #3 not read: not an object",
    ]
    assert result.stderr.splitlines()[-1].startswith("error: UnreadableRowsError: 2 of 4 forms could not be read")
    result = run("verification", "query")
    assert result.exit_code == EXIT_UNREADABLE_ROWS
    assert ("000000001" in result.stdout, "000000003" in result.stdout) == (True, True)
    run = _stub(monkeypatch, _Listing([_form(1)], [], "forms"))
    assert run("verification", "query").exit_code == 0


def test_unit_proceeds_prints_the_readable_rows_then_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    wire = {"entryId": "530020110000000001", "direction": Direction.EXPORT.value, "ieDate": "2011-03-01",
            "customs": "5300", "currency": "USD", "amount": "10.00"}  # fmt: skip
    good = ProceedsDeclaration.from_wire(wire)
    bad = [UnreadableRow(0, "530020110000000002", {}, "amount 'lots' is no number")]
    run = _stub(monkeypatch, _Listing([good], bad, "收付汇报关单 rows"))
    for args in ((), ("--json",)):
        result = run("verification", "proceeds", *args)
        assert result.exit_code == EXIT_UNREADABLE_ROWS
        assert "530020110000000001" in result.stdout
        assert "row #0 (530020110000000002) not read: amount 'lots' is no number" in result.stderr
