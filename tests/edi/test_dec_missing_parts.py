"""A message without its head (a ``DecMessage`` without ``DecHead``, a manifest without ``Head``, a CEB621 without
``InventoryHead``) is reported as such: one ``missing-element`` problem at the missing part's path, never
``rule-failed`` with an ``AttributeError`` of a rule that assumed the head, never "valid"; strict decoding raises
:class:`~eport.errors.DecodeError` naming the part."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from lxml import etree

from eport import edi
from eport.edi.core.report import Severity, ValidationReport
from eport.edi.dec import DecHead, DecMessage, DecSign
from eport.edi.dec.rules import validate_declaration
from eport.errors import DecodeError, EportError

DATA = Path(__file__).parent / "data" / "dec"
DEC = "http://www.chinaport.gov.cn/dec"

HEADLESS = {
    "empty": f'<DecMessage xmlns="{DEC}"/>'.encode(),
    "lists only": (
        f'<DecMessage xmlns="{DEC}"><DecLists><DecList><GNo>1</GNo></DecList><DecList><GNo>2</GNo></DecList>'
        "</DecLists></DecMessage>"
    ).encode(),
    "sign only": f'<DecMessage xmlns="{DEC}"><DecSign><OperType>C</OperType></DecSign></DecMessage>'.encode(),
}


def _without(data: bytes, local_name: str) -> bytes:
    root = etree.fromstring(data)
    for element in [e for e in root.iter() if isinstance(e.tag, str) and etree.QName(e).localname == local_name]:
        parent = element.getparent()
        assert parent is not None
        parent.remove(element)
    return etree.tostring(root)


def _assert_names_the_missing_part(report: ValidationReport, path: str) -> None:
    assert not report.ok
    assert not [p for p in report if p.code == "rule-failed"], [str(p) for p in report]
    assert not [p for p in report if "Error(" in p.message or "NoneType" in p.message], [str(p) for p in report]
    missing = [p for p in report if p.path == path and p.code == "missing-element"]
    assert len(missing) == 1, [str(p) for p in report]  # one problem for one fact
    assert missing[0].severity is Severity.ERROR
    assert path.rsplit("/", 1)[-1] in missing[0].message
    assert not [n for n in Counter((p.path, p.code) for p in report).values() if n > 1], [str(p) for p in report]


@pytest.mark.parametrize("name", list(HEADLESS))
def test_a_declaration_without_dec_head_says_so_in_validate_bytes(name: str) -> None:
    _assert_names_the_missing_part(edi.validate_bytes(HEADLESS[name]), "/DecMessage/DecHead")


@pytest.mark.parametrize("name", list(HEADLESS))
def test_a_declaration_without_dec_head_says_so_when_decoded(name: str) -> None:
    decoded = edi.decode_lenient(HEADLESS[name])
    assert [p.code for p in decoded.problems if p.path == "/DecMessage/DecHead"] == ["missing-element"]
    assert not decoded.ok
    with pytest.raises(DecodeError) as info:
        edi.decode(HEADLESS[name])
    assert info.value.path == "/DecMessage/DecHead"
    assert "DecHead" in str(info.value)
    # the leniently decoded model, validated as a model, says the same (it used to give three rule-failed errors)
    _assert_names_the_missing_part(edi.validate(decoded.message), "/DecMessage/DecHead")


def test_validate_declaration_of_a_model_without_head_or_sign_names_both() -> None:
    report = validate_declaration(DecMessage(dec_head=None, dec_sign=None))  # type: ignore[arg-type]
    _assert_names_the_missing_part(report, "/DecMessage/DecHead")
    _assert_names_the_missing_part(report, "/DecMessage/DecSign")
    assert "报关单表头" in next(p.message for p in report if p.path == "/DecMessage/DecHead")
    report = validate_declaration(DecMessage(dec_head=DecHead(), dec_sign=None))  # type: ignore[arg-type]
    _assert_names_the_missing_part(report, "/DecMessage/DecSign")
    manual = validate_declaration(DecMessage(dec_head=None, dec_sign=DecSign(oper_type="E")))  # type: ignore[arg-type]
    assert [(p.path, p.code) for p in manual.errors] == [("/DecMessage/DecHead", "missing-element")]


def test_a_wrapped_pre2018_declaration_without_dec_head_names_its_path() -> None:
    data = _without((DATA / "dec_pre2018_import_message.xml").read_bytes(), "DecHead")
    report = edi.validate_bytes(data)
    path = next(p.path for p in report if p.code == "missing-element" and p.path.endswith("/DecMessage/DecHead"))
    _assert_names_the_missing_part(report, path)


def test_a_manifest_without_head_is_refused_with_a_typed_error() -> None:
    data = b'<Manifest xmlns="urn:Declaration:datamodel:standard:CN:MT2101:1"><Declaration/></Manifest>'
    report = edi.validate_bytes(data)
    assert not report.ok
    assert not [p for p in report if p.code == "rule-failed"]
    assert any(p.path == "/Manifest/Head" and "Head" in p.message for p in report.errors)
    for decode in (edi.decode, edi.decode_lenient):
        with pytest.raises(DecodeError) as info:
            decode(data)
        assert info.value.path == "/Manifest/Head"


def test_a_ceb621_without_inventory_head_is_reported_not_crashed() -> None:
    data = (
        b'<ceb:CEB621Message xmlns:ceb="http://www.chinaport.gov.cn/ceb" guid="4CDE1CFD-EDED-46B1-946C-B8022E42FC94"'
        b' version="1.0"><ceb:Inventory><ceb:InventoryList><ceb:gnum>1</ceb:gnum></ceb:InventoryList>'
        b"</ceb:Inventory></ceb:CEB621Message>"
    )
    report = edi.validate_bytes(data)
    assert not report.ok
    assert not [p for p in report if p.code == "rule-failed"]
    assert any("InventoryHead" in p.message for p in report.errors)
    (unsigned,) = (p for p in report if p.code == "signature-required")  # no head, so no appStatus to quote
    assert "appStatus 2" not in unsigned.message
    assert "no appStatus" in unsigned.message
    decoded = edi.decode_lenient(data)
    assert [p.code for p in decoded.problems if p.path.endswith("/ceb:Inventory/ceb:InventoryHead")] == [
        "missing-element"
    ]
    with pytest.raises(EportError):
        edi.decode(data)
