"""``eport refund query`` / ``export`` / ``check`` end to end when the refund service sends a row the client cannot
read: the real CLI against the sandbox process, through a loopback proxy damaging one row of its listing replies
(tests/sandbox/damaging_proxy.py). The query prints every readable row, names the damaged one and exits 5; the
export writes no form (one missing a record would be declared as complete) and the check checks nothing."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from eport.cli._util import EXIT_UNREADABLE_ROWS
from eport.cli.main import cli
from eport.sandbox import DEMO_DXP_ID
from eport.services import ClearanceClient, HttpTransport, Stage
from tests.sandbox import refund_messages as rm
from tests.sandbox.damaging_proxy import Damage, damaging_proxy
from tests.sandbox.process import SandboxProcess

pytestmark = pytest.mark.sandbox
USCC = "91350100M000100Y43"  # the published GB 32100 sample


@pytest.fixture(scope="module")
def closed(sandbox: SandboxProcess, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, list[str]]:
    """A fresh enterprise with two closed export declarations (two items, then one): its code and the entry ids."""
    trade_code = f"4403U{uuid.uuid4().int % 10**5:05d}"
    g = rm.Goods
    goods = [[g("8471300000", "笔记本电脑 laptop", Decimal("10"), Decimal("5000")),
              g("9503008900", "玩具 toys", Decimal("50"), Decimal("800"))],
             [g("6403990000", "鞋 shoes", Decimal("30"), Decimal("900"))]]  # fmt: skip
    with ClearanceClient(HttpTransport(sandbox.url, dxp_id=DEMO_DXP_ID),
                         tmp_path_factory.mktemp("refund-rows") / "journal.db", sender_id=DEMO_DXP_ID,
                         poll_interval=0.02) as client:  # fmt: skip
        handles = [client.submit(rm.export_declaration(rm.client_seq_no(), trade_code, items)) for items in goods]
        finals = [client.wait(handle, until=Stage.CLOSED, timeout=30) for handle in handles]
    assert all(final.stage is Stage.CLOSED for final in finals)
    return trade_code, [str(final.entry_id) for final in finals]


@pytest.fixture
def proxy(sandbox: SandboxProcess) -> Iterator[tuple[str, Damage]]:
    with damaging_proxy(sandbox.url, keys=("refund_decl_no", "entryId")) as running:
        yield running


def test_query_prints_the_readable_declarations_and_names_the_damaged_one(
    closed: tuple[str, list[str]], proxy: tuple[str, Damage]
) -> None:
    (trade_code, (first, second)), (url, damage) = closed, proxy
    damage[first] = lambda row: {**row, "closedOn": "soon"}
    result = CliRunner().invoke(cli, ["refund", "query", "--url", url, "--trade-code", trade_code, "--json"])
    assert result.exit_code == EXIT_UNREADABLE_ROWS == 5, result.output
    assert [json.loads(line)["entryId"] for line in result.stdout.splitlines()] == [second]
    lines = result.stderr.strip().splitlines()
    assert any(line.startswith("row #") and f"({first}) not read" in line and "soon" in line for line in lines)
    assert lines[-1].startswith("error: UnreadableRowsError: 1 of 2 closed declarations")


def test_export_and_check_refuse_records_with_a_damaged_one_and_write_nothing(
    closed: tuple[str, list[str]], proxy: tuple[str, Damage], tmp_path: Path
) -> None:
    (trade_code, (first, _)), (url, damage) = closed, proxy
    runner = CliRunner()
    common = ["--url", url, "--trade-code", trade_code]
    header = ["--taxpayer-id", USCC, "--taxpayer-name", "测试出口企业", "--period", "202612", "--format", "csv"]
    good = runner.invoke(cli, ["refund", "export", *common, *header, "--out", str(tmp_path / "good")])
    assert good.exit_code == 0, good.output  # undamaged, the proxy is transparent: three records, one form
    (form,) = (Path(line) for line in good.stdout.split())

    damage[f"{first}002"] = lambda row: {**row, "not_refundable": "no"}  # the second item of the first declaration
    for entry in ((), ("--entry-id", first)):
        out = tmp_path / f"bad{len(entry)}"
        bad = runner.invoke(cli, ["refund", "export", *common, *header, *entry, "--out", str(out)])
        assert bad.exit_code == EXIT_UNREADABLE_ROWS, bad.output
        assert bad.stdout == ""
        assert not out.exists()  # no form missing the damaged record, not even the folder
        lines = bad.stderr.strip().splitlines()
        assert any(f"({first}002) not read" in line and "not_refundable" in line for line in lines), bad.stderr
        assert lines[-1].startswith("error: UnreadableRowsError: 1 of ")
        assert lines[-1].endswith("nothing was written")

    check = runner.invoke(cli, ["refund", "check", str(form), *common])
    assert check.exit_code == EXIT_UNREADABLE_ROWS, check.output
    assert check.stdout == ""
    assert check.stderr.strip().splitlines()[-1].endswith("nothing was checked")


def test_legacy_query_and_batches_read_past_a_damaged_row(
    closed: tuple[str, list[str]], proxy: tuple[str, Damage]
) -> None:
    from eport.errors import UnreadableRowsError
    from eport.services.refund import RefundClient

    (trade_code, (first, second)), (url, damage) = closed, proxy
    damage[first] = lambda row: {**row, "state": "ARCHIVED"}
    with RefundClient(url, legacy=True) as client:
        read: list[str] = []
        with pytest.raises(UnreadableRowsError) as info:
            read.extend(str(row.entry_id) for row in client.legacy_query(trade_code, page_size=1))
    assert read == [second]  # the page after the damaged row was fetched
    ((row,),) = (info.value.rows,)
    assert (row.key, row.raw["state"]) == (first, "ARCHIVED")
    assert info.value.total == 2


@pytest.mark.parametrize(
    ("member", "value"), [("code_ts", None), ("code_ts", 8471300000), ("name", ["laptop"]), ("customs", True),
                          ("currency", {"code": "USD"}), ("unit", None)],
)  # fmt: skip
def test_a_record_whose_text_member_is_no_text_is_an_unreadable_row(
    closed: tuple[str, list[str]], proxy: tuple[str, Damage], tmp_path: Path, member: str, value: Any
) -> None:
    """A record whose 商品代码 is ``null`` or a number was read as if valid: ``refund check`` ended in a traceback
    (``TypeError`` in a rule) and ``refund export`` wrote ``None`` into the form. It is an unreadable row now: both
    name it and exit 5, checking and writing nothing."""
    from eport.services.refund import RefundClient, claim_lines, write_lines_csv

    (trade_code, (first, _)), (url, damage) = closed, proxy
    with RefundClient(url) as client:
        lines = write_lines_csv(tmp_path / "lines.csv", claim_lines(list(client.records(trade_code))))
    damage[f"{first}001"] = lambda row: {**row, member: value}
    common = ["--url", url, "--trade-code", trade_code]
    header = ["--taxpayer-id", USCC, "--taxpayer-name", "测试出口企业", "--period", "202612", "--format", "csv"]
    runner = CliRunner()
    for args in (["refund", "check", str(lines), *common], ["refund", "export", *common, *header, "--out",
                                                            str(tmp_path / "out")]):  # fmt: skip
        result = runner.invoke(cli, args)
        assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
        assert result.exit_code == EXIT_UNREADABLE_ROWS, result.output
        assert result.stdout == ""
        assert any(f"({first}001) not read" in line and member in line for line in result.stderr.splitlines())
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("member", "value"), [("customs", ["5300"]), ("items", -1), ("items", True)])
def test_a_closed_declaration_whose_member_is_of_the_wrong_kind_is_an_unreadable_row(
    closed: tuple[str, list[str]], proxy: tuple[str, Damage], member: str, value: Any
) -> None:
    (trade_code, (first, second)), (url, damage) = closed, proxy
    damage[first] = lambda row: {**row, member: value}
    result = CliRunner().invoke(cli, ["refund", "query", "--url", url, "--trade-code", trade_code, "--json"])
    assert result.exit_code == EXIT_UNREADABLE_ROWS, result.output
    assert [json.loads(line)["entryId"] for line in result.stdout.splitlines()] == [second]
    assert any(f"({first}) not read" in line and member in line for line in result.stderr.splitlines())


@pytest.mark.parametrize("member", ["qty", "total", "usd_fob", "not_refundable"])
def test_a_record_without_its_quantity_value_or_refund_flag_is_an_unreadable_row(
    closed: tuple[str, list[str]], proxy: tuple[str, Damage], tmp_path: Path, member: str
) -> None:
    """A record without 出口数量 was read with quantity 0, so ``refund export`` left it out of the form as if fully
    claimed (exit status 0); one without its 不予退税 flag was read as refundable. Both are unreadable rows now."""
    (trade_code, (first, _)), (url, damage) = closed, proxy
    damage[f"{first}001"] = lambda row: {name: v for name, v in row.items() if name != member}
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["refund", "export", "--url", url, "--trade-code", trade_code, "--taxpayer-id",
                                      USCC, "--taxpayer-name", "测试出口企业", "--period", "202612", "--format", "csv",
                                      "--out", str(out)])  # fmt: skip
    assert result.exit_code == EXIT_UNREADABLE_ROWS, result.output
    assert not out.exists()
    assert any(f"({first}001) not read" in line and member in line for line in result.stderr.splitlines())
