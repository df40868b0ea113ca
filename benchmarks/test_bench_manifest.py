"""Manifests (舱单) against plain lxml, measured in the same run.

* ``manifest-decode-<n>``: a road MT1401 with one consignment of n items (n = 1: the one-bill document of
  ``tests/edi/data/writers`` in the .NET ``XmlSerializer`` layout; n = 200: its item repeated), decoded to models
  by ``eport.edi.decode``; the baseline parses the same bytes with lxml (a safe parser, no entities) and stops
  there: what is left is eport's cost of building and checking the models.
* ``manifest-encode-<n>``: the same message written by ``eport.edi.encode``; the baseline serialises the already
  parsed lxml tree (``etree.tostring``): eport's cost of walking the models and building the tree.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs
import pytest
from lxml import etree

from benchmarks.conftest import measure
from eport.edi import decode, encode
from eport.edi import manifest as mf

FIXTURE = Path(__file__).resolve().parents[1] / "tests" / "edi" / "data" / "writers" / "mt1401_dotnet_one_bill.xml"
SIZES = [1, 200]
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def manifest(items: int) -> mf.Manifest:
    """The one-bill MT1401 with ``items`` consignment items."""
    base = mf.decode_manifest(FIXTURE.read_bytes())
    assert isinstance(base.declaration, mf.RoadDeclaration)
    consignment = base.declaration.consignment[0]
    template = consignment.consignment_item[0]
    lines = tuple(attrs.evolve(template, sequence_numeric=template.sequence_numeric * i) for i in range(1, items + 1))
    body = attrs.evolve(base.declaration, consignment=(attrs.evolve(consignment, consignment_item=lines),))
    return attrs.evolve(base, declaration=body)


def lxml_parse(data: bytes) -> etree._Element:
    return etree.fromstring(data, _PARSER)


@pytest.mark.parametrize("items", SIZES)
def test_manifest_decode_eport(benchmark: Any, items: int) -> None:
    message = manifest(items)
    assert measure(benchmark, f"manifest-decode-{items}", decode, encode(message)) == message


@pytest.mark.parametrize("items", SIZES)
def test_manifest_decode_lxml_baseline(benchmark: Any, items: int) -> None:
    root = measure(benchmark, f"manifest-decode-{items}", lxml_parse, encode(manifest(items)))
    assert len(root.findall(".//{*}ConsignmentItem")) == items


@pytest.mark.parametrize("items", SIZES)
def test_manifest_encode_eport(benchmark: Any, items: int) -> None:
    out = measure(benchmark, f"manifest-encode-{items}", encode, manifest(items))
    assert out.count(b"<ConsignmentItem>") == items


@pytest.mark.parametrize("items", SIZES)
def test_manifest_encode_lxml_baseline(benchmark: Any, items: int) -> None:
    root = lxml_parse(encode(manifest(items)))
    out = measure(benchmark, f"manifest-encode-{items}", etree.tostring, root)
    assert out.count(b"<ConsignmentItem>") == items
