"""Lenient decoding of declarations in other writers' layouts against a bare lxml reader, measured in the same run.

``writers-<file>``: :func:`eport.edi.dec.decode_declaration_lenient` on two documents of ``tests/edi/data/writers``
(the project's own, in the layouts other programs write): the 20-item ``ImportMessage`` in the pre-2018 order (224
order problems, 3 unknown elements: the careful walker's worst case) and a 4-item file in the .NET
``XmlSerializer`` layout (BOM, every empty property written, 2 unknown elements). The baseline parses the same
bytes with lxml and collects every element's text into nested dicts by local name, without any check (what a
hand-written import script does).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from benchmarks.conftest import measure
from eport.edi.dec import decode_declaration_lenient

DATA = Path(__file__).resolve().parents[1] / "tests" / "edi" / "data" / "writers"
FILES = {
    "import-message-20": "dec_import_message_20_items.xml",
    "dotnet-4": "dec_dotnet_export.xml",
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
    decoded = measure(benchmark, f"writers-{name}", decode_declaration_lenient, data)
    assert decoded.problems
    assert decoded.message.dec_head.agent_code == "4403960002"


@pytest.mark.parametrize("name", FILES)
def test_lenient_lxml_baseline(benchmark: Any, name: str) -> None:
    data = (DATA / FILES[name]).read_bytes()
    tree = measure(benchmark, f"writers-{name}", _bare, data)
    assert tree["DecHead"][0]["AgentCode"] == ["4403960002"]
