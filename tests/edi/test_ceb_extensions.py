"""Known real-world extensions of the CEB schemas (typed, optional) and unknown elements kept verbatim.

Real CEB816 tax receipts (电子税单) from two customs districts carry ``orderNo`` and ``logisticsNo`` at the end of
``TaxHeadRd``, which the published XSD lacks. The receipts here are the project's own, written in that shape with
invented values.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from lxml import etree

from eport import edi
from eport.edi.ceb import imports, imports2018
from eport.edi.core.report import Severity
from eport.errors import DecodeError, EncodeError

CEB = "http://www.chinaport.gov.cn/ceb"
GUID = "6A1F0C3E-9B1D-4C55-8E7A-0D2B7C9F1E42"


def _receipt(extra: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<ceb:CEB816Message xmlns:ceb="{CEB}" guid="{GUID}" version="1.0">'
        f"<ceb:Tax><ceb:TaxHeadRd><ceb:guid>{GUID}</ceb:guid><ceb:returnTime>20261128101500123</ceb:returnTime>"
        "<ceb:invtNo>530120261000000042</ceb:invtNo><ceb:taxNo>530120261000000042-01</ceb:taxNo>"
        "<ceb:customsTax>0</ceb:customsTax><ceb:valueAddedTax>12.6</ceb:valueAddedTax>"
        "<ceb:consumptionTax>0</ceb:consumptionTax><ceb:status>1</ceb:status>"
        "<ceb:ebcCode>5301960001</ceb:ebcCode><ceb:logisticsCode>5301980002</ceb:logisticsCode>"
        f"<ceb:customsCode>5301</ceb:customsCode>{extra}</ceb:TaxHeadRd>"
        "<ceb:TaxListRd><ceb:gnum>1</ceb:gnum><ceb:gcode>3304990099</ceb:gcode><ceb:taxPrice>138.00</ceb:taxPrice>"
        "<ceb:customsTax>0</ceb:customsTax><ceb:valueAddedTax>12.6</ceb:valueAddedTax>"
        "<ceb:consumptionTax>0</ceb:consumptionTax></ceb:TaxListRd></ceb:Tax></ceb:CEB816Message>"
    ).encode()


EXTENDED = "<ceb:orderNo>ORDER-2026-000042</ceb:orderNo><ceb:logisticsNo>YT0000000042</ceb:logisticsNo>"


@pytest.mark.parametrize("edition", ["202205", "2018"])
def test_order_and_logistics_numbers_in_tax_receipts_are_typed_fields(edition: str) -> None:
    message = edi.decode(_receipt(EXTENDED), edition=edition)
    assert isinstance(message, imports.CEB816Message if edition == "202205" else imports2018.CEB816Message)
    head = message.tax[0].tax_head_rd
    assert (head.order_no, head.logistics_no) == ("ORDER-2026-000042", "YT0000000042")
    assert head.value_added_tax == Decimal("12.6")
    again = edi.encode(message)
    assert b"<ceb:orderNo>ORDER-2026-000042</ceb:orderNo><ceb:logisticsNo>YT0000000042</ceb:logisticsNo>" in again
    assert edi.decode(again, edition=edition) == message
    plain = edi.decode(_receipt(), edition=edition).tax[0].tax_head_rd
    assert (plain.order_no, plain.logistics_no) == (None, None)


def test_validation_names_the_extension_as_a_warning_not_an_error() -> None:
    report = edi.validate_bytes(_receipt(EXTENDED))
    assert report.ok
    (warning,) = [p for p in report if p.code == "known-extension"]
    assert warning.severity is Severity.WARNING
    assert warning.path == "/ceb:CEB816Message/ceb:Tax/ceb:TaxHeadRd/ceb:orderNo"
    assert edi.validate(edi.decode(_receipt(EXTENDED))).ok
    assert [p.code for p in edi.validate_bytes(_receipt())] == []


UNKNOWN = '<ceb:payerName>李小宝</ceb:payerName><ext:channel xmlns:ext="urn:example:ext" code="7">柜台</ext:channel>'


def test_unknown_elements_are_refused_strictly_and_kept_verbatim_on_reencode() -> None:
    data = _receipt(EXTENDED + UNKNOWN)
    with pytest.raises(DecodeError, match="payerName"):
        edi.decode(data)
    decoded = edi.decode_lenient(data)
    assert [u.path for u in decoded.unparsed] == [
        "/ceb:CEB816Message/ceb:Tax/ceb:TaxHeadRd/ceb:payerName",
        "/ceb:CEB816Message/ceb:Tax/ceb:TaxHeadRd/channel",
    ]
    assert b"<ceb:payerName" not in edi.encode(decoded.message)  # the model alone has no place for them
    again = edi.encode_lenient(decoded)
    head = etree.fromstring(again).find(f"{{{CEB}}}Tax/{{{CEB}}}TaxHeadRd")
    assert head is not None
    names = [etree.QName(el).localname for el in head]
    assert names[-4:] == ["orderNo", "logisticsNo", "payerName", "channel"]  # the typed fields, then the kept ones
    for element, kept in zip(list(head)[-2:], decoded.unparsed, strict=True):
        assert _c14n(element) == _c14n(etree.fromstring(kept.xml))  # verbatim
    assert head[-1].get("code") == "7"
    assert head[-2].text == "李小宝"
    round_trip = edi.decode_lenient(again)
    assert round_trip.message == decoded.message
    assert round_trip.unparsed == decoded.unparsed
    assert edi.encode_lenient(round_trip) == again


def _c14n(element: etree._Element) -> bytes:
    return etree.tostring(element, method="c14n", exclusive=True)


def test_kept_attributes_come_back_too() -> None:
    data = _receipt().replace(b"<ceb:TaxHeadRd>", b'<ceb:TaxHeadRd region="53">', 1)
    decoded = edi.decode_lenient(data)
    assert [u.path for u in decoded.unparsed] == ["/ceb:CEB816Message/ceb:Tax/ceb:TaxHeadRd/@region"]
    again = edi.encode_lenient(decoded)
    head = etree.fromstring(again).find(f"{{{CEB}}}Tax/{{{CEB}}}TaxHeadRd")
    assert head is not None
    assert head.get("region") == "53"
    assert edi.decode_lenient(again).unparsed == decoded.unparsed


def test_a_kept_item_without_a_place_is_a_typed_error() -> None:
    message = edi.decode(_receipt())
    lost = edi.Decoded(message, unparsed=(edi.Unparsed("/ceb:CEB816Message/ceb:Nope/ceb:x", b"<x/>"),))
    with pytest.raises(EncodeError, match="no place") as info:
        edi.encode_lenient(lost)
    assert info.value.path == "/ceb:CEB816Message/ceb:Nope/ceb:x"
    clash = edi.Decoded(message, unparsed=(edi.Unparsed("/ceb:CEB816Message/@version", b'version="9"'),))
    with pytest.raises(EncodeError, match="already set"):
        edi.encode_lenient(clash)
