"""``eport edi import``: a worksheet into a real OutBox folder, atomically, with row/column problems."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from eport.cli.edi import group
from eport.edi.dec.codec import decode_declaration
from tests.prerequisites import require_module

from .sheet_data import as_matrix, expected_errors, waybill_rows

openpyxl = require_module("openpyxl")


def _xlsx(path: Path, rows: list[dict[str, str]]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "运单"
    for line in as_matrix(rows):
        ws.append(line)
    wb.save(path)
    return path


def test_import_writes_one_file_per_declaration(tmp_path: Path) -> None:
    sheet = _xlsx(tmp_path / "w.xlsx", waybill_rows(6, with_errors=False))
    out = tmp_path / "ImpPath" / "DecCus001"
    result = CliRunner().invoke(
        group,
        [
            "import",
            str(sheet),
            "--sheet",
            "运单",
            "--out",
            str(out),
            "--default",
            "OperType=G",
            "--default",
            "DeclTrnRel=0",
        ],
    )
    assert result.exit_code == 0, result.output
    files = sorted(p.name for p in (out / "OutBox").iterdir())
    assert files == [f"Dec{202401050000000000 + i}.xml" for i in range(3)]
    message = decode_declaration((out / "OutBox" / files[0]).read_bytes())
    assert message.client_seq_no == "202401050000000000"
    assert len(message.items) == 2


def test_import_reports_errors_and_skips_bad_declarations(tmp_path: Path) -> None:
    sheet = _xlsx(tmp_path / "w.xlsx", waybill_rows(60))
    out = tmp_path / "out"
    result = CliRunner().invoke(
        group,
        ["import", str(sheet), "--out", str(out), "--default", "OperType=G", "--default", "DeclTrnRel=0", "--json"],
    )
    assert result.exit_code == 1
    document = json.loads(result.stdout.splitlines()[0])
    found = {(p["row"], p["column"], p["code"]) for p in document["problems"]}
    assert found == expected_errors(60)
    written = {p.name for p in (out / "OutBox").iterdir()}
    assert len(written) == 30 - len({row // 2 for row, _c, _k in found})  # bad declarations skipped
    assert not [n for n in written if n.endswith(".temp")]


def test_all_or_nothing_writes_nothing(tmp_path: Path) -> None:
    sheet = _xlsx(tmp_path / "w.xlsx", waybill_rows(10))
    out = tmp_path / "out"
    result = CliRunner().invoke(
        group, ["import", str(sheet), "--out", str(out), "--default", "OperType=G", "--all-or-nothing"]
    )
    assert result.exit_code == 1
    assert "nothing written" in result.output
    assert not (out / "OutBox").exists()


def test_bad_default_is_a_usage_error(tmp_path: Path) -> None:
    sheet = _xlsx(tmp_path / "w.xlsx", waybill_rows(2, with_errors=False))
    result = CliRunner().invoke(group, ["import", str(sheet), "--out", str(tmp_path), "--default", "novalue"])
    assert result.exit_code == 2


def test_declaration_without_client_number_fails_cleanly(tmp_path: Path) -> None:
    rows = waybill_rows(2, with_errors=False)
    for row in rows:
        row["客户端编号"] = ""
    sheet = _xlsx(tmp_path / "w.xlsx", rows)
    result = CliRunner().invoke(group, ["import", str(sheet), "--out", str(tmp_path), "--default", "OperType=E"])
    assert result.exit_code == 1
    assert "ClientSeqNo" in result.output
    assert "Traceback" not in result.output


def test_a_sheet_without_declarations_is_not_a_successful_import(tmp_path: Path) -> None:
    """Headings and no row (an export that lost its rows) ended "wrote 0 declaration(s)" with exit status 0."""
    headings = as_matrix(waybill_rows(2, with_errors=False))[:1]
    wb = openpyxl.Workbook()
    wb.active.append(headings[0])
    wb.save(tmp_path / "w.xlsx")
    out = tmp_path / "out"
    result = CliRunner().invoke(group, ["import", str(tmp_path / "w.xlsx"), "--out", str(out)])
    assert result.exit_code == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last == f"error: NothingImported: {tmp_path / 'w.xlsx'} holds no declaration"
    assert not out.exists()
