"""Every ``python`` code block of the edi user guides runs, in order, as a new user would run it.

The test works in a temporary folder holding the files the guides open (official samples through the one loader,
our fixtures, a generated workbook); nothing else is prepared, so a guide that uses a name it never defines fails.
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
import types
from pathlib import Path

import pytest

from eport import examples
from eport.edi import encode
from tests.edi.samples import load
from tests.edi.sheet_data import as_matrix, waybill_rows
from tests.prerequisites import require_module

DOCS = Path(__file__).resolve().parents[2] / "docs"
DATA = Path(__file__).parent / "data"
GUIDES = [
    "validation.md",
    "dxp.md",
    "receipts.md",
    "notebooks.md",
    "declarations.md",
    "manifests.md",
    "codes.md",
]
_BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)

DEC_RESULT = """<?xml version="1.0" encoding="UTF-8"?>
<DEC_RESULT><CUS_CIQ_NO>I20180000147015879</CUS_CIQ_NO><ENTRY_ID/><NOTICE_DATE>2018-12-12T14:40:43</NOTICE_DATE>
<CHANNEL>7</CHANNEL><NOTE>I20180000147015879直接申报成功</NOTE></DEC_RESULT>"""


def blocks(name: str) -> list[str]:
    return _BLOCK.findall((DOCS / name).read_text(encoding="utf-8"))


def _workbook(path: Path) -> None:
    openpyxl = require_module("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "运单"
    for line in as_matrix(waybill_rows(4, with_errors=False)):
        ws.append(line)
    wb.save(path)


@pytest.fixture
def user_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for key in ("export/CEB303Message.xml", "import/CEB621Message.xml", "import/CEB622Message.xml"):
        (tmp_path / key.split("/")[1]).write_bytes(load(key).data)
    (tmp_path / "CEB311Message.xml").write_bytes(encode(examples.order()))
    (tmp_path / "Dec202401050000000001.xml").write_bytes((DATA / "dec" / "dec_import_air_full.xml").read_bytes())
    (tmp_path / "Receipt_I20180000147015879.xml").write_text(DEC_RESULT, encoding="utf-8")
    (tmp_path / "MT9999_reply.xml").write_bytes((DATA / "manifest" / "mt9999_response.xml").read_bytes())
    (tmp_path / "my-tables.csv").write_text(
        "dict_code,dict_name,code,text,description\ncit_currency,币制,999,测试币,\ncit_currency,币制,502,美元,\n",
        encoding="utf-8",
    )
    _workbook(tmp_path / "waybills.xlsx")
    monkeypatch.chdir(tmp_path)
    if importlib.util.find_spec("IPython") is None:  # the notebook guide runs in Jupyter: stand in for its HTML
        display = types.ModuleType("IPython.display")
        display.HTML = lambda text: text  # type: ignore[attr-defined]
        monkeypatch.setitem(sys.modules, "IPython", types.ModuleType("IPython"))
        monkeypatch.setitem(sys.modules, "IPython.display", display)
    return tmp_path


@pytest.mark.parametrize("guide", GUIDES)
def test_guide_code_runs(guide: str, user_folder: Path) -> None:
    code = blocks(guide)
    assert code, f"{guide} has no python block"
    namespace: dict[str, object] = {"__name__": "__guide__"}
    for n, block in enumerate(code):
        try:
            exec(compile(block, f"{guide}, block {n + 1}", "exec"), namespace)  # noqa: S102 - our own docs
        except Exception as exc:
            pytest.fail(f"{guide}, block {n + 1} fails: {type(exc).__name__}: {exc}\n{block}")
    assert os.getcwd() == str(user_folder)
