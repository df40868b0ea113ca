"""Spreadsheet import: 1,000-row worksheet with deliberate errors, every error with its row and column."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest

from eport.edi.codes import Generation
from eport.edi.dec import DecMessage
from eport.edi.sheets import build_declarations, read_declarations, resolve_column
from eport.errors import ConfigurationError
from eport.files import read_declarations as read_path
from tests.prerequisites import require_module

from .sheet_data import HEADERS, as_matrix, expected_errors, waybill_rows

pd = require_module("pandas")
openpyxl = require_module("openpyxl")

DEFAULTS = {"OperType": "G", "DeclTrnRel": "0"}


def _xlsx(path: Path, rows: list[dict[str, str]], sheet: str = "运单") -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for line in as_matrix(rows):
        ws.append(line)
    wb.save(path)
    return path


def test_clean_sheet_builds_valid_declarations() -> None:
    result = build_declarations(waybill_rows(10, with_errors=False), defaults=DEFAULTS)
    assert result.ok, result.problems
    assert len(result.messages) == 5
    msg = result.messages[0]
    assert isinstance(msg, DecMessage)
    assert msg.client_seq_no == "202401050000000000"
    assert msg.dec_head.traf_mode == "5"
    assert msg.dec_head.gross_wet == Decimal("20.5")
    assert [i.g_no for i in msg.items] == ["1", "2"]  # numbered automatically
    assert msg.items[1].decl_total == Decimal("200.5")
    assert result.rows[0] == (2, 3)


def test_thousand_row_worksheet_reports_every_deliberate_error(tmp_path: Path) -> None:
    path = _xlsx(tmp_path / "waybills.xlsx", waybill_rows(1000))
    result = read_path(path, sheet="运单", defaults=DEFAULTS)
    assert len(result.messages) == 500
    report = result.report
    assert list(report.columns) == ["row", "column", "field", "code", "problem", "severity"]
    found = {(int(r.row), r.column, r.code) for r in report.itertuples()}
    expected = expected_errors(1000)
    assert len(expected) == 10
    # every deliberate error at its row and column, and nothing else
    assert found == expected


def test_csv_and_dataframe_sources_agree(tmp_path: Path) -> None:
    rows = waybill_rows(40)
    frame = pd.DataFrame(rows, columns=HEADERS)
    csv_path = tmp_path / "w.csv"
    frame.to_csv(csv_path, index=False)
    from_frame = read_declarations(frame, defaults=DEFAULTS)
    from_csv = read_path(csv_path, defaults=DEFAULTS)
    from_file = read_declarations(io.StringIO(csv_path.read_text(encoding="utf-8")), defaults=DEFAULTS)
    assert from_frame.messages == from_csv.messages == from_file.messages
    assert from_frame.problems == from_csv.problems


def test_leading_zeros_survive_excel(tmp_path: Path) -> None:
    rows = waybill_rows(2, with_errors=False)
    for row in rows:
        row["进出境关别"] = "0138"
    path = _xlsx(tmp_path / "z.xlsx", rows)
    result = read_path(path, defaults=DEFAULTS)
    assert result.messages[0].dec_head.ie_port == "0138"


def test_code_conversion_to_a_generation() -> None:
    rows = waybill_rows(2, with_errors=False)
    rows[0]["币制"] = "502"
    rows[1]["币制"] = "美元"
    rows[0]["启运国"] = "阿联酋"
    result = build_declarations(rows, defaults=DEFAULTS, generation=Generation.ISO)
    assert [i.trade_curr for i in result.messages[0].items] == ["USD", "USD"]
    assert result.messages[0].dec_head.trade_country == "ARE"
    numeric = build_declarations(rows, defaults=DEFAULTS, generation=Generation.NUMERIC)
    assert [i.trade_curr for i in numeric.messages[0].items] == ["502", "502"]
    rows[1]["币制"] = "火星币"
    bad = build_declarations(rows, defaults=DEFAULTS, generation=Generation.ISO)
    assert [(p.row, p.column, p.code) for p in bad.problems] == [(3, "币制", "code-table")]


def test_explicit_mapping_and_ignored_columns() -> None:
    rows = [{"Waybill No.": "784-1", "Internal": "x", "GName": "a", "ClientSeqNo": "1"}]
    result = build_declarations(rows, mapping={"Waybill No.": "DecHead.BillNo", "Internal": ""}, validate=False)
    assert result.messages[0].dec_head.bill_no == "784-1"
    with pytest.raises(ConfigurationError, match="matches no declaration field"):
        build_declarations(rows, mapping={"Internal": "Nope.Field"})


@pytest.mark.parametrize(
    ("header", "label"),
    [
        ("毛重", "DecHead.GrossWet"),
        ("GrossWet", "DecHead.GrossWet"),
        ("gross_wet", "DecHead.GrossWet"),
        ("启运国", "DecHead.TradeCountry"),
        ("主管海关", "DecHead.CustomMaster"),
        ("HS Code", "DecList.CodeTS"),
        ("Currency", "DecList.TradeCurr"),
        ("DecSign.CopCode", "DecSign.CopCode"),
        ("CopCode", "DecHead.CopCode"),
    ],
)
def test_column_resolution(header: str, label: str) -> None:
    assert resolve_column(header).label == label


def test_unreadable_source_is_a_configuration_error(tmp_path: Path) -> None:
    bad = tmp_path / "broken.xlsx"
    bad.write_bytes(b"not a workbook")
    with pytest.raises(ConfigurationError, match=r"not an \.xlsx workbook"):
        read_path(bad)
    with pytest.raises(ConfigurationError, match="cannot read"):
        read_path(tmp_path / "missing.csv")


def test_edi_opens_no_file(tmp_path: Path) -> None:
    sheet = tmp_path / "w.csv"
    sheet.write_text("x\n1\n", encoding="utf-8")
    for path in (sheet, str(sheet)):
        with pytest.raises(ConfigurationError, match=r"eport\.edi opens no file"):
            read_declarations(path)
    with sheet.open("rb") as fh:
        assert read_declarations(fh).rows == read_path(sheet).rows


def test_code_names_become_codes() -> None:
    rows = waybill_rows(2, with_errors=False)
    for row in rows:
        row["运输方式"] = "航空运输"
        row["单位"] = "台"
    result = build_declarations(rows, defaults=DEFAULTS)
    assert result.ok, result.problems
    assert result.messages[0].dec_head.traf_mode == "5"
    assert [i.g_unit for i in result.messages[0].items] == ["001", "001"]
    rows[0]["运输方式"] = "飞毯"
    rows[1]["运输方式"] = "飞毯"
    bad = build_declarations(rows, defaults=DEFAULTS)
    found = {(p.row, p.column, p.code) for p in bad.problems}
    assert found == {(2, "运输方式", "code-table"), (2, "运输方式", "length")}  # one character, not a code
