"""Encoder: escaping, Unicode, decimals, element order, typed errors naming the path."""

from __future__ import annotations

from decimal import Decimal

import attrs
import pytest
from lxml import etree

from eport.edi import decode, encode
from eport.edi.ceb import exports, imports
from eport.edi.core.encoding import encode_str, escape_attribute, escape_text, format_decimal
from eport.errors import EncodeError
from tests.edi import samples, strategies

CEB = "http://www.chinaport.gov.cn/ceb"


def _transfer(**changes: object) -> imports.BaseTransfer:
    base = imports.BaseTransfer(cop_code="1105910159", cop_name="东方物通", dxp_mode="DXP", dxp_id="DXPENT0000011951")
    return attrs.evolve(base, **changes)


def _order_head() -> imports.OrderHead:
    return imports.OrderHead(
        guid="4CDE1CFD-EDED-46B1-946C-B8022E42FC94",
        app_type="1",
        app_time="20220101120000",
        app_status="2",
        order_type="I",
        order_no="order-1",
        ebp_code="1105910159",
        ebp_name="平台",
        ebc_code="1105910159",
        ebc_name="电商",
        goods_value=Decimal("10"),
        freight=Decimal("0"),
        discount=Decimal("0"),
        tax_total=Decimal("0"),
        actural_paid=Decimal("10"),
        currency="142",
        buyer_reg_no="u1",
        buyer_name="张三",
        buyer_telephone="13800000000",
        buyer_id_type="1",
        buyer_id_number="110101199001011234",
        consignee="张三",
        consignee_telephone="13800000000",
        consignee_address="北京",
    )


def _ceb312(info: str = "ok", **changes: object) -> imports.CEB312Message:
    ret = imports.OrderReturn(
        guid="4CDE1CFD-EDED-46B1-946C-B8022E42FC94",
        ebp_code="1105910159",
        ebc_code="1105910159",
        order_no="order-1",
        return_status="2",
        return_time="20220101120000000",
        return_info=info,
    )
    ret = attrs.evolve(ret, **changes)
    return imports.CEB312Message(guid="4CDE1CFD-EDED-46B1-946C-B8022E42FC94", version="1.0", order_return=(ret,))


def test_declaration_prefix_and_utf8() -> None:
    out = encode(_ceb312("新增申报成功"))
    assert out.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<ceb:CEB312Message xmlns:ceb="' + CEB.encode())
    assert "新增申报成功".encode() in out
    assert samples.xsd_errors(out, "ceb-import") == []


@pytest.mark.parametrize(
    "text",
    ["a & b", "<tag>", "x > y", "]]>", "CR\r\nLF", "tab\there", "😀 𠀀 astral", "quote \" and '", "  spaced  ", ""],
)
def test_text_round_trips_exactly(text: str) -> None:
    message = _ceb312(text)
    out = encode(message)
    assert decode(out) == message
    parsed = etree.fromstring(out)
    assert parsed.findtext(f"{{{CEB}}}OrderReturn/{{{CEB}}}returnInfo") == text


def test_escaping_only_where_needed() -> None:
    out = encode(_ceb312("a&b<c>d]]>e\rf\"g'"))
    assert b"<ceb:returnInfo>a&amp;b&lt;c&gt;d]]&gt;e&#13;f\"g'</ceb:returnInfo>" in out
    assert escape_text("plain 中文") == "plain 中文"
    assert escape_attribute('a"b\tc\nd') == "a&quot;b&#9;c&#10;d"


def test_attribute_escaping_round_trips() -> None:
    message = attrs.evolve(_ceb312(), version='1.0"\t\n&<')
    out = encode(message)
    assert decode(out).version == '1.0"\t\n&<'


@pytest.mark.parametrize("bad", ["\x00", "\x01", "\x0b", "\x1f", "\ud800", "\uffff", "\ufffe"])
def test_xml_illegal_characters_are_refused_with_path(bad: str) -> None:
    with pytest.raises(EncodeError) as info:
        encode(_ceb312(f"ok{bad}"))
    assert info.value.path == "/ceb:CEB312Message/ceb:OrderReturn/ceb:returnInfo"
    with pytest.raises(EncodeError) as info:
        escape_text(bad)


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (Decimal("1E+2"), "100"),
        (Decimal("1.50"), "1.50"),
        (Decimal("-0.000001"), "-0.000001"),
        (Decimal("1E-7"), "0.0000001"),
        (Decimal("12345678912345.12345"), "12345678912345.12345"),
        (Decimal("0"), "0"),
    ],
)
def test_decimals_are_never_in_exponent_form(value: Decimal, written: str) -> None:
    assert format_decimal(value) == written
    head = imports.PaymentHead(
        guid="4CDE1CFD-EDED-46B1-946C-B8022E42FC94",
        app_type="1",
        app_time="20220101120000",
        app_status="2",
        pay_code="1105910159",
        pay_name="支付企业",
        pay_transaction_id="T1",
        order_no="order-1",
        ebp_code="1105910159",
        ebp_name="平台",
        payer_id_type="1",
        payer_id_number="110101199001011234",
        payer_name="张三",
        amount_paid=value,
        currency="142",
        pay_time="20220101120000",
    )
    message = imports.CEB411Message(
        guid="4CDE1CFD-EDED-46B1-946C-B8022E42FC94",
        version="1.0",
        payment=(imports.Payment(payment_head=head),),
        base_transfer=_transfer(),
    )
    out = encode(message)
    assert f"<ceb:amountPaid>{written}</ceb:amountPaid>".encode() in out
    assert b"E+" not in out
    assert b"E-" not in out
    assert decode(out).payment[0].payment_head.amount_paid == value


@pytest.mark.parametrize("bad", [Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity"), 1.5, "1.5", 2])
def test_bad_decimals_are_refused_with_path(bad: object) -> None:
    with pytest.raises(EncodeError):
        format_decimal(bad)  # type: ignore[arg-type]
    order = _order_head()
    assert encode(
        imports.CEB311Message(
            guid="g" * 36,
            version="1.0",
            order=(imports.Order(order_head=order, order_list=()),),
            base_transfer=_transfer(),
        )
    )
    with pytest.raises(EncodeError) as info:
        encode(
            imports.CEB311Message(
                guid="g" * 36,
                version="1.0",
                order=(imports.Order(order_head=attrs.evolve(order, freight=bad), order_list=()),),
                base_transfer=_transfer(),
            )
        )
    assert info.value.path == "/ceb:CEB311Message/ceb:Order/ceb:OrderHead/ceb:freight"


def test_wrong_types_name_the_path() -> None:
    with pytest.raises(EncodeError) as info:
        encode(_ceb312(info=42))  # type: ignore[arg-type]
    assert info.value.path == "/ceb:CEB312Message/ceb:OrderReturn/ceb:returnInfo"
    assert "must be str" in str(info.value)
    with pytest.raises(EncodeError) as info:
        encode(attrs.evolve(_ceb312(), guid=36))
    assert info.value.path == "/ceb:CEB312Message/@guid"


def test_repeated_field_must_be_a_sequence() -> None:
    message = attrs.evolve(_ceb312(), order_return=_ceb312().order_return[0])
    with pytest.raises(EncodeError) as info:
        encode(message)
    assert info.value.path == "/ceb:CEB312Message/ceb:OrderReturn"


def test_model_field_must_hold_the_right_class() -> None:
    message = imports.CEB411Message(
        guid="g" * 36,
        version="1.0",
        payment=(),
        base_transfer=exports.BaseTransfer(cop_code="1", cop_name="n", dxp_mode="DXP", dxp_id="1"),
    )
    with pytest.raises(EncodeError) as info:
        encode(message)
    assert info.value.path == "/ceb:CEB411Message/ceb:BaseTransfer"


def test_not_a_model_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        encode("not a model")


def test_import_puts_extend_message_before_signature_export_after() -> None:
    ext_i = imports.ExtendMessage(name="n", version="1", message=imports.XMLElement(content=None))
    ext_e = exports.ExtendMessage(name="n", version="1", message=exports.XMLElement(content=None))
    imp = imports.CEB411Message(
        guid="g" * 36,
        version="1.0",
        payment=(),
        base_transfer=_transfer(),
        extend_message=ext_i,
        signature=strategies.SIGNATURE,
    )
    out = encode_str(imp)
    assert out.index("<ceb:ExtendMessage>") < out.index("<ds:Signature")
    bt = exports.BaseTransfer(cop_code="1", cop_name="n", dxp_mode="DXP", dxp_id="1")
    exp = exports.CEB303Message(
        guid="g" * 36,
        version="1.0",
        order=(),
        base_transfer=bt,
        extend_message=ext_e,
        signature=strategies.SIGNATURE,
    )
    out = encode_str(exp)
    assert out.index("<ds:Signature") < out.index("<ceb:ExtendMessage>")


def test_signature_bytes_are_copied_unchanged() -> None:
    signature = strategies.SIGNATURE.replace(b"<ds:SignedInfo>", b"<ds:SignedInfo  >\n")
    bt = _transfer()
    message = imports.CEB411Message(guid="g" * 36, version="1.0", payment=(), base_transfer=bt, signature=signature)
    assert signature in encode(message)


class _MyDecimal(Decimal):
    pass


def test_number_subclasses_are_written_and_bools_refused() -> None:
    line = imports.OrderList(
        gnum=1,
        item_name="盒子",
        gmodel="44mm",
        unit="007",
        qty=_MyDecimal("2.50"),
        price=Decimal("1E+1"),
        total_price=Decimal("25"),
        currency="142",
        country="116",
    )
    message = imports.CEB311Message(
        guid="g" * 36,
        version="1.0",
        order=(imports.Order(order_head=_order_head(), order_list=(line,)),),
        base_transfer=_transfer(),
    )
    out = encode(message)
    assert b"<ceb:unit>007</ceb:unit><ceb:qty>2.50</ceb:qty><ceb:price>10</ceb:price>" in out
    assert samples.xsd_errors(out, "ceb-import") == []
    with pytest.raises(EncodeError) as info:
        encode(
            attrs.evolve(
                message, order=(imports.Order(order_head=_order_head(), order_list=(attrs.evolve(line, gnum=True),)),)
            )
        )
    assert info.value.path == "/ceb:CEB311Message/ceb:Order/ceb:OrderList/ceb:gnum"
