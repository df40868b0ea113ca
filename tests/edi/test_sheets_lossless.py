"""A sheet import never drops a cell silently: unknown, duplicate and header-less columns are reported."""

from __future__ import annotations

import io
import zipfile

from eport.edi.core.report import Severity
from eport.edi.dec._xlsx import read_xlsx
from eport.edi.sheets import build_declarations, read_declarations

M = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _codes(result: object) -> list[tuple[int, str, str, Severity]]:
    return [(p.row, p.column, p.code, p.severity) for p in result.problems]  # type: ignore[attr-defined]


def test_unknown_column_with_data_is_reported_once() -> None:
    rows = [
        {"客户端编号": "1", "运单号": "784-1", "毛重量": "12.5"},  # a typo'd header: 毛重量 is not 毛重
        {"客户端编号": "1", "运单号": "784-1", "毛重量": "13"},
    ]
    result = build_declarations(rows, validate=False)
    assert _codes(result) == [(2, "毛重量", "unknown-column", Severity.WARNING)]
    assert "not imported" in result.problems[0].message


def test_empty_unknown_columns_and_ignored_columns_are_quiet() -> None:
    rows = [{"客户端编号": "1", "备用": "", "Internal": "x"}]
    result = build_declarations(rows, mapping={"Internal": ""}, validate=False)
    assert result.problems == ()


def test_two_columns_for_one_field_that_disagree_are_an_error() -> None:
    rows = [{"客户端编号": "1", "币制": "502", "currency": "142", "品名": "a"}]
    result = build_declarations(rows, validate=False)
    assert _codes(result) == [(2, "currency", "duplicate-column", Severity.ERROR)]
    assert result.messages[0].dec_lists.dec_list[0].trade_curr == "502"  # the first column wins
    agree = build_declarations([{**rows[0], "currency": "502"}], validate=False)
    assert agree.problems == ()


def test_csv_cells_beyond_the_header_are_reported() -> None:
    data = "客户端编号,运单号\n1,784-1,surplus\n".encode()
    fh = io.BytesIO(data)
    fh.name = "rows.csv"
    result = read_declarations(fh)
    assert [(p.row, p.code) for p in result.problems if p.code == "unknown-column"] == [(2, "unknown-column")]


def _sheet(xml_rows: str) -> io.BytesIO:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{M}" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        zf.writestr(
            "xl/_rels/workbook.xml.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Target="worksheets/sheet1.xml" Type="x"/></Relationships>',
        )
        zf.writestr("xl/worksheets/sheet1.xml", f'<worksheet xmlns="{M}"><sheetData>{xml_rows}</sheetData></worksheet>')
    buf.seek(0)
    return buf


def _cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def test_xlsx_keeps_cells_right_of_the_last_header_and_repeated_headers() -> None:
    rows = (
        f'<row r="1">{_cell("A1", "品名")}{_cell("B1", "品名")}{_cell("C1", "")}</row>'
        f'<row r="2">{_cell("A2", "a")}{_cell("B2", "b")}{_cell("C2", "c")}{_cell("E2", "e")}</row>'
    )
    assert read_xlsx(_sheet(rows)) == [{"品名": "a", "B": "b", "C": "c", "E": "e"}]


def test_xlsx_column_letters_beyond_z() -> None:
    rows = f'<row r="1">{_cell("A1", "x")}</row><row r="2">{_cell("AB2", "far")}</row>'
    assert read_xlsx(_sheet(rows)) == [{"x": "", "AB": "far"}]
