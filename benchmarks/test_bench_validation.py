"""Validation and the DXP envelope against plain lxml, measured in the same run.

Groups: ``validate-<n>`` (a CEB621 inventory with n goods lines: eport's ``validate_bytes`` — XSD, lenient decoding
and the customs rules — against a bare, pre-compiled ``lxml.etree.XMLSchema.validate``), ``rules-99`` (the rules
alone on a decoded model), ``dxp-wrap`` (``wrap`` + ``to_bytes`` against base64 + lxml tree building).
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from benchmarks.conftest import ceb621, measure
from eport.edi import dxp, encode, validate_bytes
from eport.edi.core.rules import RuleContext, rules_for
from eport.edi.core.walk import walk

SIZES = [1, 20, 99]
SCHEMA = Path(__file__).resolve().parents[1] / "eport" / "edi" / "schemas" / "ceb202205" / "ceb-import.xsd"
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def lxml_validate(schema: etree.XMLSchema, data: bytes) -> bool:
    """Baseline: parse and validate with a compiled schema, nothing else."""
    return bool(schema.validate(etree.fromstring(data, PARSER)))


@pytest.mark.parametrize("items", SIZES)
def test_validate_eport(benchmark: Any, items: int) -> None:
    report = measure(benchmark, f"validate-{items}", validate_bytes, encode(ceb621(items)))
    assert report.ok


@pytest.mark.parametrize("items", SIZES)
def test_validate_lxml_baseline(benchmark: Any, items: int) -> None:
    schema = etree.XMLSchema(etree.parse(str(SCHEMA), PARSER))
    assert measure(benchmark, f"validate-{items}", lxml_validate, schema, encode(ceb621(items)))


def test_rules_only(benchmark: Any) -> None:
    benchmark.group = "rules-99"
    message = ceb621(99)
    rules = rules_for("ceb-import")

    def run() -> int:
        context = RuleContext(root="/ceb:CEB621Message", nodes=tuple(walk(message)))
        return sum(len(list(rule(message, context))) for rule in rules)

    assert benchmark(run) == 0


def test_dxp_wrap_eport(benchmark: Any) -> None:
    benchmark.group = "dxp-wrap"
    payload = encode(ceb621(99))

    def run() -> bytes:
        return dxp.wrap(payload, sender_id="DXPENT0000011951", receiver_ids="DXPEDCCEB0000002").to_bytes()

    assert dxp.unwrap(benchmark(run)) == payload


def test_dxp_wrap_lxml_baseline(benchmark: Any) -> None:
    benchmark.group = "dxp-wrap"
    payload = encode(ceb621(99))
    ns = "{http://www.chinaport.gov.cn/dxp}"

    def run() -> bytes:
        root = etree.Element(ns + "DxpMsg", nsmap={None: ns[1:-1]})  # type: ignore[dict-item]
        root.set("ver", "1.0")
        info = etree.SubElement(root, ns + "TransInfo")
        for tag, text in (("CopMsgId", "X"), ("SenderId", "DXPENT0000011951")):
            etree.SubElement(info, ns + tag).text = text
        etree.SubElement(etree.SubElement(info, ns + "ReceiverIds"), ns + "ReceiverId").text = "DXPEDCCEB0000002"
        etree.SubElement(info, ns + "CreatTime").text = "2026-11-28T10:00:00+08:00"
        etree.SubElement(info, ns + "MsgType").text = "CEB621Message"
        etree.SubElement(root, ns + "Data").text = base64.b64encode(payload).decode()
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8")

    assert dxp.unwrap(benchmark(run)) == payload
