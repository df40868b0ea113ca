"""The built-in .xlsx cell reader: shared strings, rich text, numbers, booleans, gaps, sheet choice, fallback."""

from __future__ import annotations

import io
import zipfile

import pytest

from eport.edi.dec._xlsx import XlsxUnsupported, read_xlsx
from eport.errors import ConfigurationError

M = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
P = "http://schemas.openxmlformats.org/package/2006/relationships"

WORKBOOK = f"""<workbook xmlns="{M}" xmlns:r="{R}"><sheets>
<sheet name="Other" sheetId="1" r:id="rId1"/><sheet name="运单" sheetId="2" r:id="rId2"/></sheets></workbook>"""
RELS = f"""<Relationships xmlns="{P}">
<Relationship Id="rId1" Target="worksheets/sheet1.xml" Type="x"/>
<Relationship Id="rId2" Target="/xl/worksheets/sheet2.xml" Type="x"/></Relationships>"""
SHARED = f"""<sst xmlns="{M}"><si><t>运单号</t></si><si><t>币制</t></si>
<si><r><t>78</t></r><r><rPr/><t>4-1</t></r><rPh><t>ignored</t></rPh></si><si><t>Flag</t></si></sst>"""
SHEET2 = f"""<worksheet xmlns="{M}"><sheetData>
<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>3</v></c>
<c r="D1" t="inlineStr"><is><t>单价</t></is></c></row>
<row r="2"><c r="A2" t="s"><v>2</v></c><c r="C2" t="b"><v>1</v></c><c r="D2"><v>10.5</v></c></row>
<row r="3"><c r="B3" t="str"><v>USD</v></c><c r="D3" t="e"><v>#DIV/0!</v></c></row>
</sheetData></worksheet>"""
SHEET1 = f"""<worksheet xmlns="{M}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>
<row r="2"><c r="A2"><v>1</v></c></row></sheetData></worksheet>"""


def _workbook(**override: str | None) -> bytes:
    members = {
        "xl/workbook.xml": WORKBOOK,
        "xl/_rels/workbook.xml.rels": RELS,
        "xl/sharedStrings.xml": SHARED,
        "xl/worksheets/sheet1.xml": SHEET1,
        "xl/worksheets/sheet2.xml": SHEET2,
    }
    members.update(override)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, text in members.items():
            if text is not None:
                zf.writestr(name, text.encode())
    return buf.getvalue()


def test_reads_a_named_sheet_with_shared_and_rich_strings() -> None:
    rows = read_xlsx(io.BytesIO(_workbook()), "运单")
    assert rows == [
        {"运单号": "784-1", "币制": "", "Flag": "TRUE", "单价": "10.5"},
        {"运单号": "", "币制": "USD", "Flag": "", "单价": ""},
    ]


def test_first_sheet_and_index() -> None:
    assert read_xlsx(io.BytesIO(_workbook())) == [{"x": "1"}]
    assert read_xlsx(io.BytesIO(_workbook()), 1)[0]["单价"] == "10.5"


def test_bad_requests_and_workbooks() -> None:
    with pytest.raises(ConfigurationError, match="no worksheet named"):
        read_xlsx(io.BytesIO(_workbook()), "Nope")
    with pytest.raises(ConfigurationError, match="out of range"):
        read_xlsx(io.BytesIO(_workbook()), 5)
    with pytest.raises(XlsxUnsupported):
        read_xlsx(io.BytesIO(_workbook(**{"xl/_rels/workbook.xml.rels": None})))
    with pytest.raises(ConfigurationError, match="malformed"):
        read_xlsx(io.BytesIO(_workbook(**{"xl/worksheets/sheet1.xml": "<worksheet"})))
    hostile = f'<!DOCTYPE w [<!ENTITY e "boom">]><worksheet xmlns="{M}"><sheetData/></worksheet>'
    with pytest.raises(ConfigurationError):
        read_xlsx(io.BytesIO(_workbook(**{"xl/worksheets/sheet1.xml": hostile.replace("<sheetData/>", "&e;")})))


def _sheet_with(ref: str) -> bytes:
    sheet = f"""<worksheet xmlns="{M}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>h</t></is></c></row>
<row r="2"><c r="{ref}" t="inlineStr"><is><t>far</t></is></c></row></sheetData></worksheet>"""
    return _workbook(**{"xl/worksheets/sheet1.xml": sheet})


@pytest.mark.parametrize("ref", ["XFE2", "ZZZZZ2", "ZZZZZZZZZZZZZZ2", "A1048577"])
def test_cell_references_beyond_excels_limits_are_refused(ref: str) -> None:
    """``ZZZZZ2`` made a row of 12 million cells, longer references raised MemoryError."""
    with pytest.raises(ConfigurationError, match="beyond Excel's limits") as info:
        read_xlsx(io.BytesIO(_sheet_with(ref)))
    assert not isinstance(info.value, XlsxUnsupported)  # no fallback to openpyxl for a hostile reference
    assert ref in str(info.value)


def test_the_last_column_excel_has_is_read() -> None:
    rows = read_xlsx(io.BytesIO(_sheet_with("XFD2")))
    assert rows == [{"h": "", "XFD": "far"}]
