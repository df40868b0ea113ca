"""The compiled fast readers: taken for documents that follow their schema (compact or indented), refused for
anything the straight-line code does not look at, so that the careful walker names it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from eport import edi
from eport.edi import encode
from eport.edi.ceb import exports, imports
from eport.edi.core import decoding
from eport.edi.core.safexml import parse
from tests.edi import strategies

GUID = "4CDE1CFD-EDED-46B1-946C-B8022E42FC94"
SIGNATURE = (
    b'<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo>'
    b'<ds:Reference URI=""><ds:DigestValue>AAAA</ds:DigestValue></ds:Reference></ds:SignedInfo>'
    b"<ds:SignatureValue>BBBB</ds:SignatureValue></ds:Signature>"
)


def inventory() -> imports.CEB621Message:
    """A CEB621 with two goods lines, empty strings, decimals, an integer and a signature."""
    lines = tuple(
        imports.InventoryList(
            gnum=n, item_no="", item_name="盒子 & <套装>", gcode="8541401000", gname="盒子", gmodel="44mm",
            country="116", currency="142", qty=Decimal("2"), unit="007", qty1=Decimal("2"), unit1="007",
            price=Decimal("20.5"), total_price=Decimal("41.0"),
        )
        for n in (1, 2)
    )  # fmt: skip
    head = imports.InventoryHead(
        guid=GUID, app_type="1", app_time="20220315153555", app_status="2", order_no="O1", ebp_code="1101110325",
        ebp_name="测试", ebc_code="1101110325", ebc_name="测试", logistics_no="L1", logistics_code="1101180326",
        logistics_name="物流", cop_no="C1", assure_code="A1", pre_no="", invt_no="", ie_flag="I", decl_time="20220308",
        customs_code="3700", port_code="3700", ie_date="20220308", buyer_id_type="1", buyer_id_number="1306",
        buyer_name="李", buyer_telephone="132", consignee_address="北京", agent_code="1105910159", agent_name="测试",
        trade_mode="9610", traf_mode="4", country="116", freight=Decimal("5"), insured_fee=Decimal("0"),
        currency="142", pack_no=1, gross_weight=Decimal("4"), net_weight=Decimal("3"),
    )  # fmt: skip
    return imports.CEB621Message(
        guid=GUID,
        version="1.0",
        inventory=(imports.Inventory(inventory_head=head, inventory_list=lines),),
        base_transfer=imports.BaseTransfer(cop_code="1105910159", cop_name="东方", dxp_mode="DXP", dxp_id="DXP1"),
        signature=SIGNATURE,
    )


def fast(data: bytes) -> Any:
    """What the fast reader makes of ``data`` (``None``: it handed over to the careful walker)."""
    return decoding._read_fast(parse(data), imports.CEB621Message)


def same_but_signature(decoded: Any, message: Any) -> bool:
    """Equal to ``message``; an indented document's signature holds the indentation, so only its presence counts."""
    if decoded is None:
        return False
    signature = getattr(message, "signature", None)
    if signature is None:
        return bool(decoded == message)
    return decoded.signature is not None and attrs.evolve(decoded, signature=signature) == message


def indented(data: bytes) -> bytes:
    root = parse(data)
    etree.indent(root, space="  ")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def test_compact_and_indented_documents_take_the_fast_path() -> None:
    message = inventory()
    compact = encode(message)
    assert fast(compact) == message
    pretty = indented(compact)
    assert pretty.count(b"\n  ") > 50
    assert same_but_signature(fast(pretty), message)


NS = b' xmlns:ceb="http://www.chinaport.gov.cn/ceb"'
DEPARTURES = {
    "comment inside a value": (b"<ceb:itemName>", b"<ceb:itemName>A<!-- note -->"),
    "processing instruction inside a value": (b"<ceb:gname>", b"<ceb:gname>A<?pi x?>"),
    "comment between elements": (b"<ceb:gname>", b"<!-- c --><ceb:gname>"),
    "unknown attribute on a value": (b"<ceb:gname>", b'<ceb:gname extra="1">'),
    "unknown attribute on a container": (b"<ceb:InventoryHead>", b'<ceb:InventoryHead x="1">'),
    "text beside elements": (b"</ceb:gname>", b"</ceb:gname>stray"),
    "text at the start of a container": (b"<ceb:InventoryHead>", b"<ceb:InventoryHead>stray"),
    "element inside a value": (b"<ceb:gmodel>44mm</ceb:gmodel>", b"<ceb:gmodel>44mm<ceb:x/></ceb:gmodel>"),
    "element inside an empty value": (b"<ceb:itemNo></ceb:itemNo>", b"<ceb:itemNo><ceb:x/></ceb:itemNo>"),
    "text split around an element": (b"<ceb:gmodel>44mm</ceb:gmodel>", b"<ceb:gmodel>44<ceb:x/>mm</ceb:gmodel>"),
}


@pytest.mark.parametrize("case", sorted(DEPARTURES))
def test_departures_go_to_the_careful_walker(case: str) -> None:
    old, new = DEPARTURES[case]
    data = encode(inventory())
    assert old in data
    changed = data.replace(old, new, 1)
    assert fast(changed) is None
    assert fast(indented(changed)) is None
    lenient = edi.decode_lenient(changed)
    careful = decoding._State(strict=False)
    root = parse(changed)
    expected = decoding._read(root, imports.CEB621Message, "/ceb:CEB621Message", careful)
    assert lenient.message == expected
    assert lenient.problems == tuple(careful.problems)


def test_comments_and_odd_text_inside_the_signature_are_kept_raw() -> None:
    signature = SIGNATURE.replace(b"<ds:SignedInfo>", b"<ds:SignedInfo><!-- kept -->\n  ")
    message = inventory()
    data = encode(message).replace(SIGNATURE, signature)
    decoded = edi.decode(data)
    assert b"<!-- kept -->" in decoded.signature
    assert decoded.inventory == message.inventory


@pytest.mark.parametrize("cls", [imports.CEB311Message, exports.CEB303Message])
@settings(max_examples=5, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_generated_messages_take_the_fast_path(cls: type[Any], data: st.DataObject) -> None:
    message = data.draw(strategies.models(cls), label="message")
    encoded = encode(message)
    assert decoding._read_fast(parse(encoded), cls) == message
    assert decoding._read_fast(parse(indented(encoded)), cls) is not None  # raw XML fields hold the indentation


DECIMALS = [("5.", Decimal("5")), (".5", Decimal("0.5")), ("0.50", Decimal("0.50")), (" +1.5 ", Decimal("1.5"))]


@pytest.mark.parametrize(("written", "value"), DECIMALS)
def test_decimal_forms_read_on_the_fast_path(written: str, value: Decimal) -> None:
    data = encode(inventory()).replace(b"<ceb:price>20.5</ceb:price>", f"<ceb:price>{written}</ceb:price>".encode(), 1)
    decoded = fast(data)
    assert decoded is not None
    assert decoded.inventory[0].inventory_list[0].price == value


@pytest.mark.parametrize("written", [".", "1.2.3", "1e5", "NaN", "\u0661.\u0665", "5.\u00b2"])
def test_decimal_forms_xml_schema_refuses_leave_the_fast_path(written: str) -> None:
    data = encode(inventory()).replace(b"<ceb:price>20.5</ceb:price>", f"<ceb:price>{written}</ceb:price>".encode(), 1)
    assert fast(data) is None
    lenient = edi.decode_lenient(data)
    assert [p.code for p in lenient.problems] == ["bad-value"]
