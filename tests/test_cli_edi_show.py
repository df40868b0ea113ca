"""``eport edi show`` of a message whose document has no head (a ``DecMessage`` without ``DecHead``, a CEB621
``Inventory`` without ``InventoryHead``) used to print a "document 1" heads row, made of the message's own
attributes (``Version``), as if the head were there and empty. It shows no head row for that document and names the
missing head (and its path) instead, in the table and in ``--json``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from eport.cli.main import cli

DEC = "http://www.chinaport.gov.cn/dec"
HEADLESS_DEC = (
    f'<DecMessage xmlns="{DEC}" Version="1.0"><DecLists><DecList><GNo>1</GNo><CodeTS>8471300000</CodeTS></DecList>'
    "</DecLists></DecMessage>"
).encode()
HEADLESS_621 = (
    b'<ceb:CEB621Message xmlns:ceb="http://www.chinaport.gov.cn/ceb" guid="4CDE1CFD-EDED-46B1-946C-B8022E42FC94"'
    b' version="1.0"><ceb:Inventory><ceb:InventoryList><ceb:gnum>1</ceb:gnum></ceb:InventoryList>'
    b"</ceb:Inventory></ceb:CEB621Message>"
)
CASES = {
    "DecMessage": (HEADLESS_DEC, "DecHead", "/DecMessage/DecHead"),
    "CEB621Message": (HEADLESS_621, "InventoryHead", "/ceb:CEB621Message/ceb:Inventory/ceb:InventoryHead"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_show_json_of_a_document_without_its_head_names_the_missing_head(name: str, tmp_path: Path) -> None:
    data, head, path = CASES[name]
    file = tmp_path / "headless.xml"
    file.write_bytes(data)
    result = CliRunner().invoke(cli, ["edi", "show", "--json", str(file)])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["type"] == name
    assert document["heads"] == []  # no invented head row
    assert document["missing_heads"] == [{"document": 1, "element": head, "path": path}]
    assert [item["document"] for item in document["items"]] == [1]  # the items are still shown


@pytest.mark.parametrize("name", list(CASES))
def test_show_of_a_document_without_its_head_says_so_instead_of_a_head_row(name: str, tmp_path: Path) -> None:
    data, head, path = CASES[name]
    file = tmp_path / "headless.xml"
    file.write_bytes(data)
    result = CliRunner().invoke(cli, ["edi", "show", str(file)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    heads = lines[lines.index("heads:") + 1 : lines.index("items:")]
    assert heads == [f"document 1: no {head} (missing at {path})"], result.stdout
    assert "Version" not in result.stdout


def test_show_of_a_message_with_its_head_is_unchanged(tmp_path: Path) -> None:
    data = HEADLESS_DEC.replace(b"<DecLists>", b"<DecHead><IEFlag>E</IEFlag></DecHead><DecLists>")
    file = tmp_path / "dec.xml"
    file.write_bytes(data)
    document = json.loads(CliRunner().invoke(cli, ["edi", "show", "--json", str(file)]).stdout)
    assert [head["IEFlag"] for head in document["heads"]] == ["E"]
    assert document["missing_heads"] == []
