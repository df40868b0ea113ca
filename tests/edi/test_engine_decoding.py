"""Decoder: safe parsing, strict errors with paths, lenient problems, fuzzing (only EportError escapes)."""

from __future__ import annotations

import contextlib
import random
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eport.edi import decode, decode_lenient, encode
from eport.edi.ceb import imports, imports2018
from eport.errors import DecodeError, EportError, UnknownMessageError
from tests.edi import samples

CEB = "http://www.chinaport.gov.cn/ceb"
HEAD = f'<?xml version="1.0" encoding="UTF-8"?>\n<ceb:CEB312Message xmlns:ceb="{CEB}" guid="{"G" * 36}" version="1.0">'
RETURN = (
    "<ceb:OrderReturn><ceb:guid>{g}</ceb:guid><ceb:ebpCode>1</ceb:ebpCode><ceb:ebcCode>2</ceb:ebcCode>"
    "<ceb:orderNo>o1</ceb:orderNo><ceb:returnStatus>2</ceb:returnStatus>"
    "<ceb:returnTime>20220101120000000</ceb:returnTime><ceb:returnInfo>{info}</ceb:returnInfo></ceb:OrderReturn>"
)


def _doc(body: str) -> bytes:
    return (HEAD + body + "</ceb:CEB312Message>").encode()


def _ok_body(info: str = "ok") -> str:
    return RETURN.format(g="G" * 36, info=info)


def test_minimal_document_decodes() -> None:
    message = decode(_doc(_ok_body("新增 &amp; 成功")))
    assert isinstance(message, imports.CEB312Message)
    assert message.order_return[0].return_info == "新增 & 成功"
    assert message.guid == "G" * 36


# ------------------------------------------------------------------------------------------ hostile input
BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<ceb:CEB312Message xmlns:ceb="http://www.chinaport.gov.cn/ceb">&lol3;</ceb:CEB312Message>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<ceb:CEB312Message xmlns:ceb="http://www.chinaport.gov.cn/ceb">&xxe;</ceb:CEB312Message>"""
EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE r SYSTEM "http://127.0.0.1:9/evil.dtd">
<ceb:CEB312Message xmlns:ceb="http://www.chinaport.gov.cn/ceb"/>"""
PARAMETER_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY % p SYSTEM "http://127.0.0.1:9/p.dtd"> %p;]>
<ceb:CEB312Message xmlns:ceb="http://www.chinaport.gov.cn/ceb"/>"""


LATE_DOCTYPE = b'<?xml version="1.0"?><!--' + b"x" * 10000 + b"-->" + EXTERNAL_ENTITY.split(b"?>", 1)[1]


@pytest.mark.parametrize("data", [BILLION_LAUGHS, EXTERNAL_ENTITY, EXTERNAL_DTD, PARAMETER_ENTITY, LATE_DOCTYPE])
def test_dtds_and_entities_are_refused(data: bytes) -> None:
    with pytest.raises(DecodeError) as info:
        decode(data)
    assert "DOCTYPE" in str(info.value)
    with pytest.raises(DecodeError):
        decode_lenient(data)
    with pytest.raises(DecodeError):
        decode(data.decode().encode("utf-16"))


def test_size_limit() -> None:
    data = _doc(_ok_body("x" * 2000))
    assert decode(data, max_size=len(data)).order_return[0].return_info == "x" * 2000
    with pytest.raises(DecodeError) as info:
        decode(data, max_size=len(data) - 1)
    assert "exceeds the limit" in str(info.value)


@pytest.mark.parametrize("data", [b"", b"   ", b"<", b"<a>", b"\xff\xfe\x00", b"<?xml version='1.0'?>"])
def test_not_well_formed(data: bytes) -> None:
    with pytest.raises(DecodeError):
        decode(data)


def test_not_well_formed_reports_line() -> None:
    with pytest.raises(DecodeError) as info:
        decode(b"<?xml version='1.0'?>\n<a>\n<b></a>")
    assert info.value.line == 3


def test_str_input_is_refused() -> None:
    with pytest.raises(DecodeError):
        decode("<a/>")  # type: ignore[arg-type]


def test_unknown_root() -> None:
    with pytest.raises(UnknownMessageError) as info:
        decode(b'<x:Nope xmlns:x="urn:x"/>')
    assert info.value.path == "/Nope"
    with pytest.raises(UnknownMessageError):
        decode_lenient(b'<x:Nope xmlns:x="urn:x"/>')


# ------------------------------------------------------------------------------------------ strict errors
@pytest.mark.parametrize(
    ("body", "path", "words"),
    [
        (
            _ok_body().replace("<ceb:ebpCode>1</ceb:ebpCode>", ""),
            "/ceb:CEB312Message/ceb:OrderReturn/ceb:ebpCode",
            "missing",
        ),
        (
            _ok_body().replace("<ceb:orderNo>o1</ceb:orderNo>", "<ceb:orderNo>o1</ceb:orderNo><ceb:bogus/>"),
            "/ceb:CEB312Message/ceb:OrderReturn/ceb:bogus",
            "unknown element",
        ),
        (
            _ok_body().replace(
                "<ceb:ebpCode>1</ceb:ebpCode><ceb:ebcCode>2</ceb:ebcCode>",
                "<ceb:ebcCode>2</ceb:ebcCode><ceb:ebpCode>1</ceb:ebpCode>",
            ),
            "/ceb:CEB312Message/ceb:OrderReturn/ceb:ebpCode",
            "out of schema order",
        ),
        (
            _ok_body().replace("<ceb:guid>", "<ceb:guid>x<ceb:inner/>"),
            "/ceb:CEB312Message/ceb:OrderReturn/ceb:guid",
            "not allowed inside a simple value",
        ),
        (_ok_body() + "stray text", "/ceb:CEB312Message", "not allowed here"),
    ],
)
def test_strict_errors_name_the_path(body: str, path: str, words: str) -> None:
    data = _doc(body)
    with pytest.raises(DecodeError) as info:
        decode(data)
    assert info.value.path == path
    assert words in str(info.value)
    assert info.value.line == 2
    result = decode_lenient(data)
    assert path in [p.path for p in result.problems]
    assert not result.ok


def test_missing_attribute_is_named() -> None:
    data = _doc(_ok_body()).replace(b'" version="1.0">', b'">')
    with pytest.raises(DecodeError) as info:
        decode(data)
    assert info.value.path == "/ceb:CEB312Message/@version"
    result = decode_lenient(data)
    assert result.message.version is None
    assert [p.code for p in result.problems] == ["missing-attribute"]


def test_unknown_attribute_is_named_but_xsi_is_accepted() -> None:
    data = _doc(_ok_body()).replace(b'" version="1.0">', b'" version="1.0" extra="1">')
    with pytest.raises(DecodeError) as info:
        decode(data)
    assert info.value.path == "/ceb:CEB312Message/@extra"
    xsi = _doc(_ok_body()).replace(
        b'" version="1.0">',
        b'" version="1.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="x y">',
    )
    assert decode(xsi).version == "1.0"


def test_comments_and_processing_instructions_are_ignored() -> None:
    body = _ok_body("a<!-- note -->b").replace("<ceb:guid>", "<!-- c --><?pi x?><ceb:guid>")
    message = decode(_doc(body))
    assert message.order_return[0].return_info == "ab"
    assert message.order_return[0].guid == "G" * 36


def test_bad_numbers_are_problems_and_kept() -> None:
    tax = (
        f'<ceb:CEB818Message xmlns:ceb="{CEB}" guid="{"G" * 36}" version="1.0"><ceb:Tax><ceb:TaxHeadStatus>'
        "<ceb:guid>G</ceb:guid><ceb:returnTime>20220101120000</ceb:returnTime><ceb:invtNo>I1</ceb:invtNo>"
        "<ceb:taxNo>T1</ceb:taxNo><ceb:status>1</ceb:status><ceb:entDutyNo>E1</ceb:entDutyNo>"
        "<ceb:assureCode>A1</ceb:assureCode></ceb:TaxHeadStatus></ceb:Tax></ceb:CEB818Message>"
    )
    assert decode(tax.encode()).tax[0].tax_head_status.status == "1"
    head = imports.TaxHeadRd.__eport_spec__
    assert [f.name for f in head.fields if f.kind.value == "decimal"]
    rd = (
        f'<ceb:CEB816Message xmlns:ceb="{CEB}" guid="{"G" * 36}" version="1.0"><ceb:Tax><ceb:TaxHeadRd>'
        "<ceb:guid>G</ceb:guid><ceb:returnTime>1</ceb:returnTime><ceb:invtNo>1</ceb:invtNo><ceb:taxNo>1</ceb:taxNo>"
        "<ceb:customsTax>1e5</ceb:customsTax><ceb:valueAddedTax>NaN</ceb:valueAddedTax>"
        "<ceb:consumptionTax>1_000</ceb:consumptionTax><ceb:status>1</ceb:status><ceb:entDutyNo>1</ceb:entDutyNo>"
        "<ceb:note/><ceb:assureCode>1</ceb:assureCode><ceb:ebcCode>1</ceb:ebcCode>"
        "<ceb:logisticsCode>1</ceb:logisticsCode><ceb:agentCode>1</ceb:agentCode><ceb:customsCode>1</ceb:customsCode>"
        "<ceb:orderNo>1</ceb:orderNo><ceb:logisticsNo>1</ceb:logisticsNo></ceb:TaxHeadRd></ceb:Tax></ceb:CEB816Message>"
    ).encode()
    with pytest.raises(DecodeError) as info:
        decode(rd)
    assert info.value.path == "/ceb:CEB816Message/ceb:Tax/ceb:TaxHeadRd/ceb:customsTax"
    result = decode_lenient(rd)
    bad = [p.path.rsplit(":", 1)[1] for p in result.problems if p.code == "bad-value"]
    assert bad == ["customsTax", "valueAddedTax", "consumptionTax"]
    assert [u.xml for u in result.unparsed][:1] == [
        b'<ceb:customsTax xmlns:ceb="' + CEB.encode() + b'">1e5</ceb:customsTax>'
    ]
    assert result.message.tax[0].tax_head_rd.customs_tax is None


def test_default_namespace_documents_decode() -> None:
    data = _doc(_ok_body()).replace(b"ceb:", b"").replace(b"xmlns:ceb=", b"xmlns=")
    message = decode(data)
    assert message == decode(_doc(_ok_body()))
    assert encode(message) == encode(decode(_doc(_ok_body())))


def test_edition_selects_models() -> None:
    data = _doc(_ok_body())
    assert type(decode(data)) is imports.CEB312Message
    assert type(decode(data, edition="2018")) is imports2018.CEB312Message
    export_only = samples.load("export/CEB213Message.xml").data
    with pytest.raises(UnknownMessageError):
        decode(export_only, edition="2018")


def test_forced_model() -> None:
    data = _doc(_ok_body())
    assert decode(data, model=imports.CEB312Message).order_return[0].order_no == "o1"
    with pytest.raises(DecodeError) as info:
        decode(data, model=imports.CEB412Message)
    assert "is not CEB412Message" in str(info.value)


# ------------------------------------------------------------------------------------------ fuzzing
def _call_all(data: bytes) -> None:
    for fn in (decode, decode_lenient):
        with contextlib.suppress(EportError):
            fn(data)


@settings(max_examples=300)
@given(st.binary(max_size=400))
def test_random_bytes_raise_only_eport_errors(data: bytes) -> None:
    _call_all(data)


def _corpus() -> list[bytes]:
    corpus = [_doc(_ok_body())]
    if samples.present():  # extra seeds; the samples' own tests fail in CI without them
        corpus += [samples.load(k).data for k in ("import/CEB621Message.xml", "export/CEB303Message.xml")]
    return corpus


@settings(max_examples=300)
@given(st.data())
def test_mutated_documents_raise_only_eport_errors(data: st.DataObject) -> None:
    doc = bytearray(data.draw(st.sampled_from(_corpus())))
    rng = random.Random(data.draw(st.integers(0, 2**32)))  # noqa: S311 - fuzzing, not cryptography
    for _ in range(data.draw(st.integers(1, 8))):
        op = rng.randrange(4)
        pos = rng.randrange(len(doc))
        if op == 0:
            doc[pos] = rng.randrange(256)
        elif op == 1:
            del doc[pos : pos + rng.randrange(1, 40)]
        elif op == 2:
            doc[pos:pos] = rng.choice([b"<", b">", b"&", b"<ceb:x>", b"</ceb:x>", b"1e9", b"\x00", b"]]>", b"&#0;"])
        else:
            start = rng.randrange(len(doc))
            doc[pos:pos] = doc[start : start + rng.randrange(1, 200)]
    _call_all(bytes(doc))


def _ceb816() -> bytes:
    head = imports.TaxHeadRd(
        guid="G" * 36,
        return_time="20220101120000",
        invt_no="I1",
        tax_no="T1",
        customs_tax=Decimal("0"),
        value_added_tax=Decimal("1.5"),
        consumption_tax=Decimal("0"),
        status="1",
    )
    line = imports.TaxListRd(
        gnum=7,
        gcode="8541401000",
        tax_price=Decimal("1234"),
        customs_tax=Decimal("0"),
        value_added_tax=Decimal("1.5"),
        consumption_tax=Decimal("0"),
    )
    tax = imports.CEB816Tax(tax_head_rd=head, tax_list_rd=(line,))
    return encode(imports.CEB816Message(guid="G" * 36, version="1.0", tax=(tax,)))


@pytest.mark.parametrize("digits", ["１２", "١٢", "²", "1 2", "+", ".", "", "1e3", "0x1"])
@pytest.mark.parametrize("tag", [b"gnum", b"taxPrice"])
def test_only_xml_schema_numbers_are_accepted(digits: str, tag: bytes) -> None:
    data = _ceb816()
    assert decode(data).tax[0].tax_list_rd[0].gnum == 7
    value = b"7" if tag == b"gnum" else b"1234"
    bad = data.replace(b"<ceb:" + tag + b">" + value, b"<ceb:" + tag + b">" + digits.encode())
    assert bad != data
    with pytest.raises(DecodeError) as info:
        decode(bad)
    assert info.value.path == f"/ceb:CEB816Message/ceb:Tax/ceb:TaxListRd/ceb:{tag.decode()}"
