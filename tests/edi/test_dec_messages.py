"""DecMessage: decoding declarations written by other software, re-encoding, element order, models.

Fixtures in ``tests/edi/data/dec`` are our own documents that follow the structure of real ones (each file names
the public document it follows in a comment). The order test reads the reference structure file independently of
the generator, from the shared reference set (see :mod:`tests.reference`).
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from eport import edi
from eport.edi.core.spec import ValueKind, spec_of
from eport.edi.dec import (
    NS,
    DecContainers,
    DecHead,
    DecList,
    DecLists,
    DecMessage,
    DecSign,
    EdocRealation,
)
from eport.edi.dec.codec import decode_declaration, decode_declaration_lenient, encode_declaration
from eport.errors import DecodeError, EncodeError
from tests import reference

DATA = Path(__file__).parent / "data" / "dec"
FIXTURES = ["dec_import_air_full.xml", "dec_export_odoo_style.xml"]


def _normalized_c14n(data: bytes) -> bytes:
    """C14N of a document with comments, blank text and empty (valueless) elements removed."""
    parser = etree.XMLParser(remove_blank_text=True, remove_comments=True, resolve_entities=False)
    root = etree.fromstring(data, parser)
    for node in reversed(list(root.iter())):
        if node is not root and len(node) == 0 and not (node.text or "").strip() and not node.attrib:
            parent = node.getparent()
            assert parent is not None
            parent.remove(node)
    return etree.tostring(root, method="c14n")


@pytest.mark.parametrize("name", FIXTURES)
def test_real_shaped_declarations_round_trip(name: str) -> None:
    data = (DATA / name).read_bytes()
    message = decode_declaration(data)
    assert isinstance(message, DecMessage)
    again = encode_declaration(message)
    assert _normalized_c14n(again) == _normalized_c14n(data)
    assert decode_declaration(again) == message


def test_decoded_values_are_typed() -> None:
    message = decode_declaration((DATA / "dec_import_air_full.xml").read_bytes())
    head = message.dec_head
    assert head.gross_wet == Decimal("130.5")
    assert head.net_wt == Decimal("120")
    assert head.note_s == "空运进口 & 示例"
    assert head.seq_no == ""  # <SeqNo/> is present and empty (an absent SeqNo would be None)
    assert head.promises.special_relationship is False
    assert head.promises.royalties is False
    assert head.promises.formula_pricing is None  # 9 = blank
    assert [item.g_no for item in message.items] == ["1", "2"]
    assert message.items[0].decl_total == Decimal("1000.0000")
    limits = message.items[1].dec_goods_limits
    assert limits is not None
    assert limits.dec_goods_limit[0].licence_no == "ABC123"
    assert message.client_seq_no == "202401050000000001"
    assert message.edoc_realation[0].edoc_id == "371300000001IM000000000000000001.pdf"
    assert message.dec_containers == DecContainers()  # an empty block stays a block


def test_generic_decode_reads_declarations_without_empty_elements() -> None:
    data = (DATA / "dec_export_odoo_style.xml").read_bytes()
    message = edi.decode(data)
    assert isinstance(message, DecMessage)
    assert message.version == "3.1"
    assert message == decode_declaration(data)


def test_pre2018_envelope_decodes_leniently_and_names_every_stray_element() -> None:
    data = (DATA / "dec_pre2018_import_message.xml").read_bytes()
    with pytest.raises(DecodeError):
        decode_declaration(data)
    decoded = decode_declaration_lenient(data)
    assert decoded.message.dec_head.trade_country == "142"
    assert decoded.message.client_seq_no == "decnew201711271006"
    unknown = {p.path.rsplit("/", 1)[-1] for p in decoded.problems if p.code == "unknown-element"}
    assert unknown == {"PayWay", "InRatio", "AgentLinkMan"}
    assert {u.path.rsplit("/", 1)[-1] for u in decoded.unparsed} >= {"PayWay", "InRatio", "AgentLinkMan"}
    assert any(p.code == "element-order" for p in decoded.problems)


def test_empty_and_absent_text_elements_stay_distinct_through_decode_and_encode() -> None:
    """The Single Window client writes every field, empty or not: ``<SeqNo></SeqNo>`` must come back, and an
    element the file did not have must not appear."""
    data = (DATA / "dec_import_air_full.xml").read_bytes()
    assert b"<SeqNo/>" in data
    assert b"<Type/>" in data
    absent = data.replace(b"<Type/>", b"", 1)
    for decode in (decode_declaration, edi.decode, lambda d: edi.decode_lenient(d).message):
        message = decode(absent)
        assert message.dec_head.seq_no == ""  # present, empty
        assert message.dec_head.type_ is None  # absent
        again = encode_declaration(message)
        head = etree.fromstring(again).find(f"{{{NS}}}DecHead")
        assert head is not None
        seq_no = head.find(f"{{{NS}}}SeqNo")
        assert seq_no is not None
        assert not seq_no.text
        assert head.find(f"{{{NS}}}Type") is None
        assert decode(again) == message


def test_not_a_declaration() -> None:
    with pytest.raises(DecodeError, match="expected DecMessage"):
        decode_declaration(b"<DEC_RESULT/>")
    with pytest.raises(DecodeError, match="no DecMessage"):
        decode_declaration(b"<ImportMessage><SWImpData/></ImportMessage>")
    with pytest.raises(DecodeError):
        decode_declaration(b'<!DOCTYPE d [<!ENTITY x "y">]><DecMessage>&x;</DecMessage>')


# ------------------------------------------------------------------------------------------------- order
def _reference_order() -> dict[str, list[str]]:
    path = reference.require("dec", "decmessage-structure.txt")
    order: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in path.read_text(encoding="utf-8").splitlines():
        m = re.match(r"#### class (\S+)", line.strip())
        if m:
            current = order.setdefault(m.group(1), [])
            continue
        m = re.match(r"\d+\. (\S+) :", line.strip())
        if m and current is not None and not m.group(1).endswith("Specified") and m.group(1) != "Version":
            current.append(m.group(1))
    return order


def _full(cls: type[Any]) -> Any:
    """An instance with every field set (one item per repeated field)."""
    kwargs: dict[str, Any] = {}
    for f in spec_of(cls).fields:
        if f.kind is ValueKind.MODEL:
            assert f.model is not None
            value: Any = _full(f.model)
        elif f.kind is ValueKind.DECIMAL:
            value = Decimal("1.5")
        else:
            value = "X"
        kwargs[f.name] = (value,) if f.repeated else value
    return cls(**kwargs)


_REFERENCE_CLASS = {
    "DecMessage": "DecMessage",
    "DecHead": "DecHeadType",
    "DecList": "DecListItemType",
    "DecGoodsLimit": "DecGoodsLimitType",
    "DecGoodsLimitVin": "DecGoodsLimitVinType",
    "Container": "DecContainerType",
    "LicenseDocu": "DecLicenseType",
    "DecSign": "DecSignType",
    "DecFreeTxt": "DecFreeTxtType",
    "EdocRealation": "Edoc_RealationType",
    "EcoRelation": "ECO_RealationType",
    "TrnHead": "TrnHeadType",
    "DecSupplementList": "DecSupplementListType",
    "SddTaxHead": "DecMessageSddTaxSddTaxHead",
    "SddTaxList": "DecMessageSddTaxSddTaxList",
    "SddTax": "DecMessageSddTax",
}


def test_encoded_declaration_follows_the_structure_file_order_exactly() -> None:
    order = _reference_order()
    root = etree.fromstring(encode_declaration(_full(DecMessage)))
    checked = set()
    for el in root.iter():
        local = etree.QName(el).localname
        ref = _REFERENCE_CLASS.get(local)
        if ref is None:
            continue
        checked.add(local)
        children = [etree.QName(c).localname for c in el]
        # every element of the block is present exactly once (wrappers hold one item), in reference order
        assert children == order[ref], local
    assert checked == set(_REFERENCE_CLASS)


def test_every_block_uses_the_dec_namespace() -> None:
    root = etree.fromstring(encode_declaration(_full(DecMessage)))
    assert {etree.QName(el).namespace for el in root.iter()} == {NS}
    assert root.nsmap == {None: NS}


def test_version_attribute_is_configurable_and_omitted_by_default() -> None:
    msg = DecMessage(dec_head=DecHead(), dec_sign=DecSign(client_seq_no="1"))
    assert b"Version" not in encode_declaration(msg)
    assert b'Version="4.8"' in encode_declaration(DecMessage(dec_head=DecHead(), dec_sign=DecSign(), version="4.8"))


def test_edoc_realation_repeats_without_wrapper() -> None:
    msg = DecMessage(
        dec_head=DecHead(),
        dec_sign=DecSign(client_seq_no="1"),
        dec_lists=DecLists(dec_list=(DecList(g_no="1"),)),
        edoc_realation=(EdocRealation(edoc_id="a"), EdocRealation(edoc_id="b")),
    )
    root = etree.fromstring(encode_declaration(msg))
    assert [etree.QName(c).localname for c in root] == [
        "DecHead",
        "DecLists",
        "DecSign",
        "EdocRealation",
        "EdocRealation",
    ]


def test_illegal_characters_are_refused_on_encode() -> None:
    msg = DecMessage(dec_head=DecHead(note_s="bad\x01"), dec_sign=DecSign())
    with pytest.raises(EncodeError):
        encode_declaration(msg)
