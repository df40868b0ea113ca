"""Unknown XML attributes on any element: reported with their path, kept in ``unparsed``, or a ``DecodeError``.

Before this was fixed, attributes on simple value elements (``<ceb:orderNo foo="x">``) and unknown attributes
on an element that lacked one of its own optional attributes (``<DecMessage version="3.1">``, where the model's
attribute is ``Version``) were dropped without a word. xsi attributes follow the documented rules: location hints
and ``xsi:type`` are accepted, ``xsi:nil="true"`` means "no value", any other ``xsi:*`` is unknown.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from eport import edi
from eport.edi.core.decoding import Unparsed
from eport.edi.dec import decode_declaration, decode_declaration_lenient
from eport.errors import DecodeError
from tests.edi import samples

DEC = (Path(__file__).parent / "data" / "dec" / "dec_export_odoo_style.xml").read_bytes()
XSI = 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'


def _ceb621() -> bytes:
    return samples.load("import/CEB621Message.xml").data


def _replace_once(data: bytes, old: bytes, new: bytes) -> bytes:
    """Replace the first occurrence (the CEB621 sample holds ten inventories: the first one is changed)."""
    assert old in data, old
    return data.replace(old, new, 1)


# ------------------------------------------------------------------------------------------------ CEB
CEB_HEAD = "/ceb:CEB621Message/ceb:Inventory[1]/ceb:InventoryHead"
CEB_CASES = [
    # a simple value element: the case that used to be dropped silently
    (b"<ceb:orderNo>", b'<ceb:orderNo foo="bar">', f"{CEB_HEAD}/ceb:orderNo/@foo", b'foo="bar"'),
    # a block (model) element
    (b"<ceb:InventoryHead>", b'<ceb:InventoryHead status="x&amp;y">', f"{CEB_HEAD}/@status", b'status="x&amp;y"'),
    # a namespaced attribute keeps its prefix in the path and in the kept text
    (b"<ceb:ebpCode>", b'<ceb:ebpCode ceb:note="n">', f"{CEB_HEAD}/ceb:ebpCode/@ceb:note", b'ceb:note="n"'),
    # an attribute in the xsi namespace that XML Schema does not define is unknown too
    (b"<ceb:copNo>", f'<ceb:copNo {XSI} xsi:foo="1">'.encode(), f"{CEB_HEAD}/ceb:copNo/@xsi:foo", b'xsi:foo="1"'),
]


@pytest.mark.parametrize(("old", "new", "path", "kept"), CEB_CASES, ids=["simple", "block", "namespaced", "xsi-foo"])
def test_ceb_unknown_attribute(old: bytes, new: bytes, path: str, kept: bytes) -> None:
    original = _ceb621()
    data = _replace_once(original, old, new)
    with pytest.raises(DecodeError) as exc:
        edi.decode(data)
    assert exc.value.path == path
    result = edi.decode_lenient(data)
    assert [(p.code, p.path) for p in result.problems] == [("unknown-attribute", path)]
    assert result.unparsed == (Unparsed(path=path, xml=kept),)
    assert result.message == edi.decode(original)  # everything else is read as before


# ------------------------------------------------------------------------------------------------ DEC
DEC_CASES = [
    (b"<AgentCode>", b'<AgentCode type="USCI">', "/DecMessage/DecHead/AgentCode/@type", b'type="USCI"'),
    (b"<DecList>", b'<DecList seq="1">', "/DecMessage/DecLists/DecList/@seq", b'seq="1"'),
    # the Odoo module writes version="3.1" in lower case; the model's attribute is Version. The old check compared
    # only the number of attributes (one each) and dropped it.
    (b'Version="3.1"', b'version="3.1"', "/DecMessage/@version", b'version="3.1"'),
]


@pytest.mark.parametrize(("old", "new", "path", "kept"), DEC_CASES, ids=["simple", "block", "root-case"])
def test_dec_unknown_attribute(old: bytes, new: bytes, path: str, kept: bytes) -> None:
    data = _replace_once(DEC, old, new)
    for strict in (decode_declaration, edi.decode):
        with pytest.raises(DecodeError) as exc:
            strict(data)
        assert exc.value.path == path
    result = decode_declaration_lenient(data)
    assert [(p.code, p.path) for p in result.problems] == [("unknown-attribute", path)]
    assert result.unparsed == (Unparsed(path=path, xml=kept),)
    expected = decode_declaration(DEC)
    if old == b'Version="3.1"':
        assert expected.version == "3.1"
        assert result.message.version is None  # not guessed: the attribute is reported and kept instead
    else:
        assert result.message == expected


def test_regression_attribute_on_a_simple_element_is_not_dropped() -> None:
    # exact case: lenient decoding returned no problem and nothing unparsed for <ceb:orderNo foo="bar">
    data = _replace_once(_ceb621(), b"<ceb:orderNo>", b'<ceb:orderNo foo="bar">')
    result = edi.decode_lenient(data)
    assert not result.ok
    assert result.problems[0].message == "unknown attribute foo on orderNo (line 10)"
    assert result.unparsed[0].xml == b'foo="bar"'


# ------------------------------------------------------------------------------------------------ xsi
def test_xsi_location_hints_and_type_are_accepted_anywhere() -> None:
    original = _ceb621()
    data = _replace_once(
        original,
        b'xmlns:ceb="http://www.chinaport.gov.cn/ceb">',
        f'xmlns:ceb="http://www.chinaport.gov.cn/ceb" {XSI} xsi:schemaLocation="http://www.chinaport.gov.cn/ceb '
        f'ceb.xsd">'.encode(),
    )
    data = _replace_once(data, b"<ceb:orderNo>", b'<ceb:orderNo xsi:type="xs:string">')
    data = _replace_once(data, b"<ceb:InventoryHead>", b'<ceb:InventoryHead xsi:noNamespaceSchemaLocation="x.xsd">')
    assert edi.decode(data) == edi.decode(original)
    assert edi.decode_lenient(data).ok


def test_xsi_nil_means_no_value() -> None:
    original = _ceb621()
    # preNo is optional and empty in the sample: nil gives None, as an absent element would
    data = _replace_once(original, b"<ceb:preNo></ceb:preNo>", f'<ceb:preNo {XSI} xsi:nil="true"/>'.encode())
    message = edi.decode(data)
    assert message.inventory[0].inventory_head.pre_no is None
    assert edi.decode(original).inventory[0].inventory_head.pre_no == ""


def test_xsi_nil_on_a_required_element_is_a_missing_value() -> None:
    data = _replace_once(
        _ceb621(),
        b"<ceb:orderNo>order2016030811340001</ceb:orderNo>",
        f'<ceb:orderNo {XSI} xsi:nil="true"/>'.encode(),
    )
    path = f"{CEB_HEAD}/ceb:orderNo"
    with pytest.raises(DecodeError) as exc:
        edi.decode(data)
    assert exc.value.path == path
    result = edi.decode_lenient(data)
    assert [(p.code, p.path) for p in result.problems] == [("missing-element", path)]
    assert result.message.inventory[0].inventory_head.order_no is None


def test_xsi_nil_with_content_is_a_bad_value_and_kept() -> None:
    data = _replace_once(_ceb621(), b"<ceb:orderNo>", f'<ceb:orderNo {XSI} xsi:nil="true">'.encode())
    result = edi.decode_lenient(data)
    path = f"{CEB_HEAD}/ceb:orderNo"
    assert [(p.code, p.path) for p in result.problems] == [("bad-value", path)]
    assert [u.path for u in result.unparsed] == [path]
    assert b"order2016030811340001" in result.unparsed[0].xml


def test_namespace_declarations_are_not_attributes() -> None:
    original = _ceb621()
    data = _replace_once(original, b"<ceb:orderNo>", b'<ceb:orderNo xmlns:x="urn:x" xmlns:ds="urn:y">')
    assert edi.decode(data) == edi.decode(original)


def test_problem_messages_name_the_attribute_as_written() -> None:
    data = _replace_once(_ceb621(), b"<ceb:ebpCode>", b'<ceb:ebpCode ceb:note="n">')
    (problem,) = edi.decode_lenient(data).problems
    assert problem.message == "unknown attribute ceb:note on ebpCode (line 11)"
    with pytest.raises(DecodeError, match="unknown attribute ceb:note on ebpCode"):
        edi.decode(data)
