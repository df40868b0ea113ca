"""Lenient decoding of published third-party declarations against a bare lxml reader, measured in the same run.

``thirdparty-<file>``: :func:`eport.edi.dec.decode_declaration_lenient` on two unmodified published documents
(``tests/edi/data/thirdparty/dec``): the 20-item ``ImportMessage`` in the pre-2018 order (269 order problems, 3
unknown elements: the careful walker's worst case) and a 4-item .NET-written file (BOM, empty elements, 2 unknown
elements). The baseline parses the same bytes with lxml and collects every element's text into nested dicts by
local name, without any check (what a hand-written import script does).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from benchmarks.conftest import measure
from eport.edi.dec import decode_declaration_lenient

DATA = Path(__file__).resolve().parents[1] / "tests" / "edi" / "data" / "thirdparty" / "dec"
FILES = {
    "import-message-20": "loop_server_test1_Dec201801181647076926.xml",
    "dotnet-4": "loop_server_test_Dec20181.xml",
}


def _bare(data: bytes) -> dict[str, Any]:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True)
    root = etree.fromstring(data, parser)
    dec = next(e for e in root.iter() if isinstance(e.tag, str) and etree.QName(e).localname == "DecMessage")

    def walk(el: etree._Element) -> Any:
        children = [c for c in el if isinstance(c.tag, str)]
        if not children:
            return (el.text or "").strip() or None
        out: dict[str, Any] = {}
        for c in children:
            out.setdefault(etree.QName(c).localname, []).append(walk(c))
        return out

    result: dict[str, Any] = walk(dec)
    return result


@pytest.mark.parametrize("name", FILES)
def test_lenient_eport(benchmark: Any, name: str) -> None:
    data = (DATA / FILES[name]).read_bytes()
    decoded = measure(benchmark, f"thirdparty-{name}", decode_declaration_lenient, data)
    assert decoded.problems
    assert decoded.message.dec_head.agent_code == "4403180896"


@pytest.mark.parametrize("name", FILES)
def test_lenient_lxml_baseline(benchmark: Any, name: str) -> None:
    data = (DATA / FILES[name]).read_bytes()
    tree = measure(benchmark, f"thirdparty-{name}", _bare, data)
    assert tree["DecHead"][0]["AgentCode"] == ["4403180896"]
