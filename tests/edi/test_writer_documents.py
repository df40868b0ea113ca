"""The documents of ``tests/edi/data/writers`` are exactly what ``tools/make_writer_documents.py`` writes."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
from lxml import etree

from tests.edi.test_dec_writers import CASES

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "edi" / "data" / "writers"


@pytest.fixture(scope="module")
def tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_writer_documents", ROOT / "tools" / "make_writer_documents.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def test_the_tool_writes_the_committed_documents(tool: ModuleType) -> None:
    documents = tool.documents()
    assert sorted(documents) == sorted(p.name for p in DATA.iterdir() if p.name != "README.md")
    for name, data in documents.items():
        assert (DATA / name).read_bytes() == data, f"{name}: run tools/make_writer_documents.py"


def test_the_order_counts_the_tests_expect_are_the_tools_own(tool: ModuleType) -> None:
    # The tool counts the elements it wrote after a later one (independently of the decoder); the decoder tests
    # expect the same numbers.
    expected = {c.file: c.problem_counts.get("element-order", 0) for c in CASES}
    assert tool.import_message_20()[1] == expected["dec_import_message_20_items.xml"] == 224
    assert tool.xmlspy_export_sample()[1] == expected["dec_xml_editor_sample.xml"] == 63


PARTY_ELEMENTS = {"AgentName", "TradeName", "OwnerName", "CopName", "OperName", "InputerName", "TrafName", "Name"}


def test_every_party_and_vehicle_is_marked_as_invented() -> None:
    seen = 0
    for path in sorted(DATA.glob("*.xml")):
        for el in etree.fromstring(path.read_bytes()).iter():
            if isinstance(el.tag, str) and etree.QName(el).localname in PARTY_ELEMENTS and el.text:
                seen += 1
                assert "样例" in el.text or "SAMPLE" in el.text, (path.name, el.text)
    assert seen > 20
