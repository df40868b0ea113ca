"""Empty number elements (``<FeeRate/>``, ``<ceb:qty></ceb:qty>``, whitespace only) are not "no value" (#13).

XML Schema has no empty ``xs:decimal`` or ``xs:int``: the official schemas refuse such an element, and a decoder that
read it as ``None`` made it indistinguishable from an absent element, so a re-encode dropped it silently. In every
family (CEB, DecMessage, manifests) strict decoding raises :class:`DecodeError` naming the path; lenient decoding
reports ``empty-value`` at that path and keeps the element (``Decoded.unparsed``, or the block itself for a
manifest measure), so :func:`eport.edi.encode_lenient` writes it back; ``validate_bytes`` reports it. Empty strings
are a value (``""``) and come back as empty elements; where the schema forbids them (``minLength``) validation says
so. The DXP envelope has no number element: its empty strings are covered here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import etree

from eport import edi, examples
from eport.edi import dxp
from eport.edi.core.report import Severity
from eport.edi.dec import decode_declaration, decode_declaration_lenient
from eport.edi.manifest import decode_manifest, decode_manifest_lenient
from eport.errors import DecodeError

DATA = Path(__file__).parent / "data"
EMPTY_FORMS = ("<{t}/>", "<{t}></{t}>", "<{t}> \n\t</{t}>")


def _empty(data: bytes, tag: str, form: str, *, attrs: str = "") -> bytes:
    """``data`` with the first ``<tag attrs>value</tag>`` emptied in ``form``."""
    pattern = re.escape(f"<{tag}{attrs}>").encode() + rb"[^<]*" + re.escape(f"</{tag}>").encode()
    written = form.format(t=tag).replace(f"<{tag}", f"<{tag}{attrs}", 1).encode()
    out, n = re.subn(pattern, written, data, count=1)
    assert n == 1, tag
    return out


def _c14n(data: bytes) -> bytes:
    parser = etree.XMLParser(remove_blank_text=True)
    return etree.tostring(etree.fromstring(data, parser), method="c14n2", strip_text=False)


def _holds_empty(data: bytes, local: str) -> bool:
    root = etree.fromstring(data)
    return any(etree.QName(el).localname == local and not (el.text or "").strip() for el in root.iter("{*}*", "*"))


# ------------------------------------------------------------------------------------------------ CEB
CEB_CASES = [
    # (document, tag as written, path of the element, kind)
    (
        "order-freight",
        lambda: edi.encode(examples.order()),
        "ceb:freight",
        "/ceb:CEB311Message/ceb:Order/ceb:OrderHead/ceb:freight",
    ),
    (
        "inventory-qty",
        lambda: edi.encode(examples.inventory()),
        "ceb:qty",
        "/ceb:CEB621Message/ceb:Inventory/ceb:InventoryList[1]/ceb:qty",
    ),
    (
        "inventory-packNo",
        lambda: edi.encode(examples.inventory()),
        "ceb:packNo",
        "/ceb:CEB621Message/ceb:Inventory/ceb:InventoryHead/ceb:packNo",
    ),
]


@pytest.mark.parametrize("form", EMPTY_FORMS, ids=["self-closed", "open-close", "whitespace"])
@pytest.mark.parametrize(("name", "make", "tag", "path"), CEB_CASES, ids=[c[0] for c in CEB_CASES])
def test_ceb_empty_number(name: str, make: object, tag: str, path: str, form: str) -> None:
    data = _empty(make(), tag, form)  # type: ignore[operator]
    with pytest.raises(DecodeError, match="empty") as caught:
        edi.decode(data)
    assert caught.value.path == path
    decoded = edi.decode_lenient(data)
    found = [(p.path, p.code, p.severity) for p in decoded.problems if p.code != "missing-element"]  # unsigned
    assert found == [(path, "empty-value", Severity.ERROR)]
    assert [u.path for u in decoded.unparsed] == [path]
    again = edi.encode_lenient(decoded)
    assert _holds_empty(again, tag.partition(":")[2])
    assert _c14n(again) == _c14n(data)  # in place, not moved to the end of its parent
    report = edi.validate_bytes(data)
    errors = [(p.path, p.code) for p in report.problems if p.severity is Severity.ERROR]
    assert errors == [(path, "xsd-datatype")]  # one problem for the fact, from the schema
    # the tree fast path is not taken for a document the schema refuses; the model path says the same
    assert report == edi.validate_bytes(data, rules=[lambda message, context: ()])


def test_ceb_empty_string_is_a_value_and_minlength_is_reported() -> None:
    data = _empty(edi.encode(examples.order()), "ceb:orderNo", "<{t}></{t}>")
    message = edi.decode(data)
    assert message.order[0].order_head.order_no == ""
    assert _c14n(edi.encode(message)) == _c14n(data)
    report = edi.validate_bytes(data)
    path = "/ceb:CEB311Message/ceb:Order/ceb:OrderHead/ceb:orderNo"
    assert path in {p.path for p in report.problems if p.severity is Severity.ERROR}


# ------------------------------------------------------------------------------------------------ DecMessage
DEC = (DATA / "dec" / "dec_export_odoo_style.xml").read_bytes()


@pytest.mark.parametrize("form", EMPTY_FORMS, ids=["self-closed", "open-close", "whitespace"])
@pytest.mark.parametrize(
    ("tag", "path"),
    [("GrossWet", "/DecMessage/DecHead/GrossWet"), ("DeclPrice", "/DecMessage/DecLists/DecList/DeclPrice")],
)
def test_declaration_empty_number(tag: str, path: str, form: str) -> None:
    data = _empty(DEC, tag, form)
    for strict in (edi.decode, decode_declaration):
        with pytest.raises(DecodeError, match="empty") as caught:
            strict(data)
        assert caught.value.path == path
    for lenient in (edi.decode_lenient, decode_declaration_lenient):
        decoded = lenient(data)
        assert [(p.path, p.code) for p in decoded.problems] == [(path, "empty-value")]
        assert [u.path for u in decoded.unparsed] == [path]
        assert _holds_empty(edi.encode_lenient(decoded), tag)
    report = edi.validate_bytes(data)
    at_path = [(p.code, p.severity) for p in report.problems if p.path == path]
    assert ("empty-value", Severity.ERROR) in at_path  # (GrossWet is also required to declare: a rule says so)
    assert {code for code, _ in at_path} <= {"empty-value", "required"}


def test_declaration_with_filled_numbers_has_no_empty_value() -> None:
    assert edi.decode_lenient(DEC).problems == ()
    assert "empty-value" not in {p.code for p in edi.validate_bytes(DEC).problems}


# ------------------------------------------------------------------------------------------------ manifests
ROAD = (DATA / "manifest" / "mt1401_road_original.xml").read_bytes()
SEA = (DATA / "manifest" / "mt2101_sea_preloading.xml").read_bytes()


@pytest.mark.parametrize("form", EMPTY_FORMS, ids=["self-closed", "open-close", "whitespace"])
@pytest.mark.parametrize(
    ("doc", "tag", "attrs", "path"),
    [
        (ROAD, "GrossVolumeMeasure", ' unitCode="MTQ"', "/Manifest/Declaration/Consignment/GrossVolumeMeasure"),
        (ROAD, "SequenceNumeric", "", "/Manifest/Declaration/Consignment/ConsignmentItem/SequenceNumeric"),
        (SEA, "GrossVolumeMeasure", "", "/Manifest/Declaration/Consignment/GrossVolumeMeasure"),
    ],
    ids=["measure-with-unit", "number", "measure"],
)
def test_manifest_empty_number(doc: bytes, tag: str, attrs: str, path: str, form: str) -> None:
    data = _empty(doc, tag, form, attrs=attrs)
    for strict in (edi.decode, decode_manifest):
        with pytest.raises(DecodeError, match="empty") as caught:
            strict(data)
        assert caught.value.path == path
    for lenient in (edi.decode_lenient, decode_manifest_lenient):
        decoded = lenient(data)
        assert [(p.path, p.code) for p in decoded.problems] == [(path, "empty-value")]
        assert _holds_empty(edi.encode_lenient(decoded), tag)
    report = edi.validate_bytes(data)
    assert [(p.code, p.severity) for p in report.problems if p.path == path] == [("empty-value", Severity.ERROR)]


# ------------------------------------------------------------------------------------------------ DXP
def test_dxp_empty_strings_come_back_and_minlength_is_reported() -> None:
    envelope = dxp.encode_envelope(
        dxp.wrap(edi.encode(examples.order()), sender_id="DXPENT0000458763", receiver_ids="DXPEDCCEB0000002")
    )
    data = _empty(envelope, "SenderId", "<{t}/>")
    decoded = dxp.decode_envelope(data)
    assert decoded.trans_info.sender_id == ""
    assert _holds_empty(dxp.encode_envelope(decoded), "SenderId")
    report = edi.validate_bytes(data)
    assert "/dxp:DxpMsg/dxp:TransInfo/dxp:SenderId" in {p.path for p in report.problems if p.severity is Severity.ERROR}
