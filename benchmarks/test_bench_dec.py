"""Declarations (DecMessage) and sheet imports against plain lxml, measured in the same run.

* ``dec-encode-<n>`` / ``dec-decode-<n>``: a DecMessage with n goods items (20, 200); the baseline is the plain
  lxml tree-building encoder / find-per-field decoder of ``benchmarks/conftest.py`` walking the same specs.
* ``sheet-1000``: a 1,000-row waybill worksheet (.xlsx) with deliberate errors → declarations plus every problem
  with row and column (eport: ``read_declarations``: read, build, validate); the baseline reads the same workbook
  with openpyxl (read-only) and builds one lxml tree per declaration, without any checks (what a hand-written
  import script does).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs
import openpyxl
import pytest
from lxml import etree

from benchmarks.conftest import lxml_decode, lxml_encode, measure
from eport.edi import decode, encode
from eport.edi.dec import DecLists, DecMessage
from eport.edi.dec.codec import decode_declaration
from eport.edi.dec.rules import validate_declaration
from eport.files import read_declarations
from tests.edi.sheet_data import HEADERS, ITEM_HEADERS, as_matrix, expected_errors, waybill_rows

FIXTURE = Path(__file__).resolve().parents[1] / "tests" / "edi" / "data" / "dec" / "dec_import_air_full.xml"
NS = "http://www.chinaport.gov.cn/dec"
SIZES = [20, 200]


def declaration(items: int) -> DecMessage:
    """The air-import fixture with ``items`` goods items."""
    base = decode_declaration(FIXTURE.read_bytes())
    template = base.items[0]
    lines = tuple(attrs.evolve(template, g_no=str(i)) for i in range(1, items + 1))
    return attrs.evolve(base, dec_lists=DecLists(dec_list=lines))


@pytest.mark.parametrize("items", SIZES)
def test_dec_encode_eport(benchmark: Any, items: int) -> None:
    out = measure(benchmark, f"dec-encode-{items}", encode, declaration(items))
    assert out.count(b"<DecList>") == items


@pytest.mark.parametrize("items", SIZES)
def test_dec_encode_lxml_baseline(benchmark: Any, items: int) -> None:
    out = measure(benchmark, f"dec-encode-{items}", lxml_encode, declaration(items))
    assert out.count(b"<DecList>") == items


@pytest.mark.parametrize("items", SIZES)
def test_dec_decode_eport(benchmark: Any, items: int) -> None:
    message = declaration(items)
    assert measure(benchmark, f"dec-decode-{items}", decode, encode(message)) == message


@pytest.mark.parametrize("items", SIZES)
def test_dec_decode_lxml_baseline(benchmark: Any, items: int) -> None:
    message = declaration(items)
    assert measure(benchmark, f"dec-decode-{items}", lxml_decode, encode(message), DecMessage) == message


def test_dec_validate_200(benchmark: Any) -> None:
    benchmark.group = "dec-validate-200"
    message = declaration(200)
    report = benchmark(validate_declaration, message)
    assert report.ok


@pytest.fixture(scope="module")
def workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sheet") / "waybills.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    for line in as_matrix(waybill_rows(1000)):
        ws.append(line)
    wb.save(path)
    return path


DEFAULTS = {"OperType": "G", "DeclTrnRel": "0"}


def test_sheet_1000_eport(benchmark: Any, workbook: Path) -> None:
    benchmark.group = "sheet-1000"
    result = benchmark(read_declarations, workbook, defaults=DEFAULTS)
    assert len(result.messages) == 500
    assert {(p.row, p.column, p.code) for p in result.problems} == expected_errors(1000)


def lxml_import(path: Path) -> list[bytes]:
    """Baseline: openpyxl rows → one lxml DecMessage tree per ClientSeqNo, no checks."""
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    rows = wb.active.iter_rows(values_only=True)
    header = [str(h) for h in next(rows)]
    groups: dict[str, list[dict[str, Any]]] = {}
    for values in rows:
        row = dict(zip(header, values, strict=False))
        groups.setdefault(str(row[HEADERS[0]]), []).append(row)
    wb.close()
    out = []
    for group in groups.values():
        root = etree.Element(f"{{{NS}}}DecMessage", nsmap={None: NS})  # type: ignore[dict-item]
        head = etree.SubElement(root, f"{{{NS}}}DecHead")
        for h in HEADERS:
            if h not in ITEM_HEADERS:
                etree.SubElement(head, f"{{{NS}}}X").text = "" if group[0][h] is None else str(group[0][h])
        lists = etree.SubElement(root, f"{{{NS}}}DecLists")
        for row in group:
            item = etree.SubElement(lists, f"{{{NS}}}DecList")
            for h in HEADERS:
                if h in ITEM_HEADERS:
                    etree.SubElement(item, f"{{{NS}}}X").text = "" if row[h] is None else str(row[h])
        out.append(etree.tostring(root))
    return out


def test_sheet_1000_lxml_baseline(benchmark: Any, workbook: Path) -> None:
    benchmark.group = "sheet-1000"
    out = benchmark(lxml_import, workbook)
    assert len(out) == 500
