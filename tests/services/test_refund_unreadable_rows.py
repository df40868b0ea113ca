"""One row of a refund listing the client cannot read (a malformed entry id, a flag that is no boolean) used to raise
ProtocolError at that row and end the whole listing, losing every good row. ``closed_declarations`` and ``records``
now go on through every page, yield every readable row, and then raise UnreadableRowsError naming the others.

On the command line, ``eport refund query`` prints the readable rows and exits 5; ``eport refund export`` and
``eport refund check --trade-code`` write or check nothing (a form missing a record would look complete) and exit 5,
naming each unreadable row on stderr. The refund service is played by a scripted loopback server."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from eport.cli._util import EXIT_UNREADABLE_ROWS
from eport.cli.main import cli
from eport.errors import UnreadableRowsError
from eport.identifiers import RefundDeclNo
from eport.services.refund import RefundClient, RefundRecord, claim_lines, write_lines_csv
from tests.services.test_portal import Scripted, ok

ENTRY = "530020260000000123"
TRADE_CODE = "4403R10001"
USCC = "91350100M000100Y43"


def _closed(n: int) -> dict[str, Any]:
    return {"entryId": f"5300202600000000{n:02d}", "closedOn": "2026-12-04", "customs": "5300", "items": 1}


def _record(item: int) -> RefundRecord:
    return RefundRecord(
        refund_decl_no=RefundDeclNo.of(ENTRY, item), customs="5300", export_date=dt.date(2026, 12, 3),
        closed_on=dt.date(2026, 12, 4), trade_mode="0110", trans_mode="3", trade_code=TRADE_CODE,
        destination="502", code_ts="8471300000", name="laptop", unit="035", qty=Decimal(10), currency="USD",
        total=Decimal(1000), usd_fob=Decimal("1000.00"),
    )  # fmt: skip


#: Five closed declarations over two pages of three: the second (page 1) and the fifth (page 2) are unreadable.
CLOSED = [_closed(9), {**_closed(8), "entryId": "12"}, _closed(7), _closed(6), {"entryId": _closed(5)["entryId"]}]
#: Three records on one page: the second has a 不予退税 flag that is no boolean.
RECORDS = [_record(1).to_json(), {**_record(2).to_json(), "not_refundable": "no"}, _record(3).to_json()]


@pytest.fixture
def serve() -> Iterator[Any]:
    servers: list[Scripted] = []

    def start(*pages: list[Any], total: int) -> str:
        servers.append(Scripted(*(ok({"rows": rows, "total": total}) for rows in pages)))
        return servers[-1].url

    yield start
    for server in servers:
        server.close()


def test_closed_declarations_yield_every_readable_row_of_every_page_then_name_the_others(serve: Any) -> None:
    url = serve(CLOSED[:3], CLOSED[3:], total=5)
    rows: list[str] = []
    listing = RefundClient(url).closed_declarations(TRADE_CODE, page_size=3)
    with pytest.raises(UnreadableRowsError) as info:
        rows.extend(str(row.entry_id)[-2:] for row in listing)
    assert rows == ["09", "07", "06"]  # page 2 was fetched after page 1's bad row
    error = info.value
    assert [(r.position, r.key) for r in error.rows] == [(1, "12"), (4, CLOSED[4]["entryId"])]
    assert error.rows[0].raw == CLOSED[1]
    assert "entryId" in error.rows[0].reason
    assert "closedOn" in error.rows[1].reason
    assert error.total == 5
    assert str(error).startswith("2 of 5 closed declarations (结关信息) could not be read")


def test_records_yield_every_readable_record_then_name_the_others(serve: Any) -> None:
    url = serve(RECORDS, total=3)
    rows: list[str] = []
    listing = RefundClient(url).records(TRADE_CODE)
    with pytest.raises(UnreadableRowsError) as info:
        rows.extend(str(record.refund_decl_no) for record in listing)
    assert rows == [f"{ENTRY}001", f"{ENTRY}003"]
    (bad,) = info.value.rows
    assert (bad.position, bad.key, bad.raw) == (1, f"{ENTRY}002", RECORDS[1])
    assert "not_refundable" in bad.reason


def test_cli_query_prints_the_readable_rows_then_names_the_others_and_exits_5(serve: Any) -> None:
    url = serve(CLOSED, total=5)
    result = CliRunner().invoke(cli, ["refund", "query", "--url", url, "--trade-code", TRADE_CODE, "--json"])
    assert result.exit_code == EXIT_UNREADABLE_ROWS == 5, result.output
    assert [json.loads(line)["entryId"][-2:] for line in result.stdout.splitlines()] == ["09", "07", "06"]
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("row #1 (12) not read: ")
    assert "entryId" in lines[0]
    assert lines[1].startswith(f"row #4 ({CLOSED[4]['entryId']}) not read: ")
    assert lines[-1].startswith("error: UnreadableRowsError: 2 of 5 closed declarations")
    assert "the other 3 were printed" in lines[-1]
    table = CliRunner().invoke(cli, ["refund", "query", "--url", serve(CLOSED, total=5), "--trade-code", TRADE_CODE])
    assert table.exit_code == EXIT_UNREADABLE_ROWS
    assert all(_closed(n)["entryId"] in table.stdout for n in (9, 7, 6))


def test_cli_export_writes_no_form_that_would_miss_an_unreadable_record(serve: Any, tmp_path: Path) -> None:
    out = tmp_path / "forms"
    for entry in ((), ("--entry-id", ENTRY)):
        url = serve(RECORDS, total=3)
        result = CliRunner().invoke(cli, ["refund", "export", "--url", url, "--trade-code", TRADE_CODE,
                                          "--taxpayer-id", USCC, "--taxpayer-name", "测试出口企业",
                                          "--period", "202612", *entry, "--format", "csv",
                                          "--out", str(out)])  # fmt: skip
        assert result.exit_code == EXIT_UNREADABLE_ROWS, result.output
        assert result.stdout == ""
        assert not out.exists()  # no partial form, not even the folder
        lines = result.stderr.strip().splitlines()
        assert lines[0].startswith(f"row #1 ({ENTRY}002) not read: ")
        assert "not_refundable" in lines[0]
        assert lines[-1].startswith("error: UnreadableRowsError: 1 of 3 refund-copy records")
        assert "nothing was written" in lines[-1]
    # the same records, all readable, are exported
    url = serve([RECORDS[0], RECORDS[2]], total=2)
    result = CliRunner().invoke(cli, ["refund", "export", "--url", url, "--trade-code", TRADE_CODE, "--taxpayer-id",
                                      USCC, "--taxpayer-name", "测试出口企业", "--period", "202612", "--format", "csv",
                                      "--out", str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert len(result.stdout.split()) == 1


def test_cli_check_against_the_service_checks_nothing_when_a_record_is_unreadable(serve: Any, tmp_path: Path) -> None:
    """Checking against records with one left out would report 无电子信息 for its line, or pass a line a rule on the
    missing record would block."""
    lines = write_lines_csv(tmp_path / "lines.csv", claim_lines([_record(1), _record(3)]))
    url = serve(RECORDS, total=3)
    result = CliRunner().invoke(cli, ["refund", "check", str(lines), "--url", url, "--trade-code", TRADE_CODE])
    assert result.exit_code == EXIT_UNREADABLE_ROWS, result.output
    assert result.stdout == ""
    messages = result.stderr.strip().splitlines()
    assert messages[0].startswith(f"row #1 ({ENTRY}002) not read: ")
    assert messages[-1].startswith("error: UnreadableRowsError: 1 of 3 refund-copy records")
    assert "nothing was checked" in messages[-1]


def _legacy(n: int, state: str = "AVAILABLE") -> dict[str, Any]:
    return {"entryId": f"5300202600000000{n:02d}", "exportDate": "2026-12-03", "customs": "5300", "state": state}


def test_legacy_query_yields_every_readable_row_of_every_page_then_names_the_others(serve: Any) -> None:
    """查询报送 used to raise ProtocolError at its first unreadable row: the rows after it, and the later pages,
    were never seen."""
    rows = [_legacy(1), _legacy(2, "REVOKED"), _legacy(3), _legacy(4), {**_legacy(5), "exportDate": "soon"}]
    url = serve(rows[:3], rows[3:], total=5)
    read: list[str] = []
    listing = RefundClient(url, legacy=True).legacy_query(TRADE_CODE, page_size=3)
    with pytest.raises(UnreadableRowsError) as info:
        read.extend(str(row.entry_id)[-2:] for row in listing)
    assert read == ["01", "03", "04"]
    error = info.value
    assert [(r.position, r.key, r.raw) for r in error.rows] == [(1, rows[1]["entryId"], rows[1]),
                                                              (4, rows[4]["entryId"], rows[4])]  # fmt: skip
    assert "REVOKED" in error.rows[0].reason
    assert "soon" in error.rows[1].reason
    assert error.total == 5
    assert str(error).startswith("2 of 5 legacy 查询报送 rows could not be read")


def test_legacy_query_returns_a_row_pushed_onto_the_next_page_once(serve: Any) -> None:
    url = serve([_legacy(1), _legacy(2), _legacy(3)], [_legacy(3), _legacy(4)], total=5)
    listing = RefundClient(url, legacy=True).legacy_query(TRADE_CODE, page_size=3)
    assert [str(row.entry_id)[-2:] for row in listing] == ["01", "02", "03", "04"]


def test_batches_return_every_readable_batch_on_the_error_and_name_the_others(serve: Any) -> None:
    """One batch with a state the client does not know used to make ``batches()`` fail as a whole."""
    good = {"id": "b1", "tradeCode": TRADE_CODE, "period": "202612", "batch": 1, "state": "DRAFT", "lines": 2}
    bad = {**good, "id": "b2", "state": "ARCHIVED"}
    url = serve([good, bad, {**good, "id": "b3"}], total=3)
    with pytest.raises(UnreadableRowsError) as info:
        RefundClient(url).batches(TRADE_CODE)
    assert [batch.id for batch in info.value.readable] == ["b1", "b3"]
    ((position, key, raw),) = [(r.position, r.key, r.raw) for r in info.value.rows]
    assert (position, key, raw) == (1, "b2", bad)
    assert "ARCHIVED" in info.value.rows[0].reason
    assert [batch.id for batch in RefundClient(serve([good], total=1)).batches(TRADE_CODE)] == ["b1"]


@pytest.mark.parametrize("listing", ["closed", "records", "legacy"])
def test_an_unreadable_row_pushed_onto_the_next_page_is_named_once(serve: Any, listing: str) -> None:
    """Newest first, a row added between the page fetches pushes the last row of page 1 onto page 2. A readable row
    came once already; an unreadable one was named twice, at both positions, and counted twice in ``total``."""
    if listing == "closed":
        rows = [_closed(9), _closed(8), {**_closed(7), "closedOn": "soon"}, _closed(6)]
        call = lambda client: client.closed_declarations(TRADE_CODE, page_size=3)  # noqa: E731
    elif listing == "records":
        rows = [RECORDS[0], RECORDS[2], RECORDS[1], _record(4).to_json()]
        call = lambda client: client.records(TRADE_CODE, page_size=3)  # noqa: E731
    else:
        rows = [_legacy(1), _legacy(2), _legacy(3, "REVOKED"), _legacy(4)]
        call = lambda client: client.legacy_query(TRADE_CODE, page_size=3)  # noqa: E731
    url = serve(rows[:3], rows[2:], total=5)  # page 2 starts again with the bad row (it moved from #2 to #3)
    read: list[Any] = []
    with pytest.raises(UnreadableRowsError) as info:
        read.extend(call(RefundClient(url, legacy=True)))
    assert len(read) == 3
    ((position, raw),) = [(r.position, r.raw) for r in info.value.rows]
    assert (position, raw) == (2, rows[2])  # where it was first seen
    assert info.value.total == 4
    assert str(info.value).startswith("1 of 4 ")


@pytest.mark.parametrize("total", [True, -1, 2.5, "4"], ids=["bool", "negative", "float", "text"])
def test_a_total_that_is_no_count_does_not_end_the_listing_early(serve: Any, total: Any) -> None:
    """``total: true`` was read as 1 (a bool is an int) and a negative total as a count: the listing ended after
    its first full page, silently losing the rows after it."""
    url = serve([_closed(9), _closed(8), _closed(7)], [_closed(6)], total=total)
    rows = list(RefundClient(url).closed_declarations(TRADE_CODE, page_size=3))
    assert [str(row.entry_id)[-2:] for row in rows] == ["09", "08", "07", "06"]
