"""Encoder on wide, sparse models (DecHead: 92 optional fields, DecList: 48): one joined scan decides whether any
string needs escaping, then only the fields that need it are escaped; decimals use plain notation.

The oracle is independent of our decoder: lxml parses what we wrote and every element's text must equal the value
the model holds (decimals compared as ``Decimal``), in the model's field order, with ``None`` fields absent.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from eport.edi import encode
from eport.edi.core.spec import ValueKind, spec_of
from eport.edi.dec import DecHead, DecList, DecLists, DecMessage, DecSign
from eport.errors import EncodeError

NS = "{http://www.chinaport.gov.cn/dec}"

# XML-legal characters, with the ones that need escaping made likely
_CHARS = st.one_of(
    st.sampled_from("&<>\r\"'\t\n ]]>"),
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff"),
)
_TEXT = st.text(alphabet=_CHARS, min_size=1, max_size=10)
_DECIMAL = st.decimals(allow_nan=False, allow_infinity=False)  # any exponent: 1E+5, 1E-9, -0 …


def _simple_fields(cls: type[Any]) -> list[Any]:
    return [f for f in spec_of(cls).fields if f.kind in (ValueKind.STRING, ValueKind.DECIMAL) and not f.repeated]


@st.composite
def _sparse(draw: st.DrawFn, cls: type[Any]) -> Any:
    """A model with a random subset of its simple fields set (most stay None, as in real declarations)."""
    fields = _simple_fields(cls)
    chosen = draw(st.lists(st.sampled_from(fields), max_size=len(fields), unique_by=lambda f: f.name))
    return cls(**{f.name: draw(_DECIMAL if f.kind is ValueKind.DECIMAL else _TEXT) for f in chosen})


def _texts(element: etree._Element) -> list[tuple[str, str]]:
    return [(child.tag.removeprefix(NS), child.text or "") for child in element]


def _expected(model: Any) -> list[tuple[str, Any]]:
    return [(f.tag, getattr(model, f.name)) for f in _simple_fields(type(model)) if getattr(model, f.name) is not None]


def _assert_written(element: etree._Element, model: Any) -> None:
    written = _texts(element)
    expected = _expected(model)
    assert [tag for tag, _ in written] == [tag for tag, _ in expected]
    for (tag, text), (_, value) in zip(written, expected, strict=True):
        if isinstance(value, Decimal):
            assert "E" not in text.upper(), (tag, text)
            assert Decimal(text) == value, tag
        else:
            assert text == value, tag


@given(head=_sparse(DecHead), items=st.lists(_sparse(DecList), max_size=3))
def test_every_value_reads_back_through_lxml(head: DecHead, items: list[DecList]) -> None:
    message = DecMessage(dec_head=head, dec_sign=DecSign(), dec_lists=DecLists(dec_list=tuple(items)))
    root = etree.fromstring(encode(message))
    _assert_written(root.find(f"{NS}DecHead"), head)
    lists = root.findall(f"{NS}DecLists/{NS}DecList")
    assert len(lists) == len(items)
    for element, item in zip(lists, items, strict=True):
        _assert_written(element, item)


def test_only_the_field_that_needs_escaping_is_escaped() -> None:
    head = DecHead(
        agent_code="1234567890",
        agent_name="A&B <报关行>",
        owner_name="plain owner",
        note_s="line1\r\nline2",
        ie_port="3713",
    )
    out = encode(DecMessage(dec_head=head, dec_sign=DecSign())).decode()
    assert "<AgentName>A&amp;B &lt;报关行&gt;</AgentName>" in out
    assert "<NoteS>line1&#13;\nline2</NoteS>" in out
    assert "<AgentCode>1234567890</AgentCode>" in out
    assert "<OwnerName>plain owner</OwnerName>" in out
    assert "<IEPort>3713</IEPort>" in out


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (Decimal("1E+2"), "100"),
        (Decimal("-1E+3"), "-1000"),
        (Decimal("1E-7"), "0.0000001"),
        (Decimal("-0"), "-0"),
        (Decimal("12.50"), "12.50"),
        (Decimal("0.000001"), "0.000001"),
    ],
)
def test_item_decimals_in_plain_notation(value: Decimal, written: str) -> None:
    item = DecList(g_no="1", decl_price=value, decl_total=Decimal("1"))
    out = encode(DecMessage(dec_head=DecHead(), dec_sign=DecSign(), dec_lists=DecLists(dec_list=(item,)))).decode()
    assert f"<DeclPrice>{written}</DeclPrice>" in out


class _Money(Decimal):
    """A Decimal subclass whose str() is not plain: the encoder must not rely on str()."""

    def __str__(self) -> str:
        return "¥" + super().__str__()


def test_decimal_subclass_is_written_by_value() -> None:
    item = DecList(g_no="1", decl_price=_Money("3.5"))
    out = encode(DecMessage(dec_head=DecHead(), dec_sign=DecSign(), dec_lists=DecLists(dec_list=(item,)))).decode()
    assert "<DeclPrice>3.5</DeclPrice>" in out


@pytest.mark.parametrize(
    ("field", "bad", "path"),
    [
        ("decl_price", Decimal("NaN"), "/DecMessage/DecLists/DecList/DeclPrice"),
        ("decl_price", Decimal("-Infinity"), "/DecMessage/DecLists/DecList/DeclPrice"),
        ("decl_price", 1.5, "/DecMessage/DecLists/DecList/DeclPrice"),
        ("g_name", 42, "/DecMessage/DecLists/DecList/GName"),
        ("g_name", "bad\x01char", "/DecMessage/DecLists/DecList/GName"),
    ],
)
def test_unwritable_values_in_wide_models_name_their_path(field: str, bad: object, path: str) -> None:
    item = attrs.evolve(DecList(g_no="1", g_name="ok", code_ts="8471300000"), **{field: bad})
    with pytest.raises(EncodeError) as info:
        encode(DecMessage(dec_head=DecHead(), dec_sign=DecSign(), dec_lists=DecLists(dec_list=(item,))))
    assert info.value.path == path


def test_repeated_field_holding_none_writes_no_element() -> None:
    message = DecMessage(dec_head=DecHead(agent_code="1"), dec_sign=DecSign(), edoc_realation=None)  # type: ignore[arg-type]
    out = encode(message)
    assert b"EdocRealation" not in out
    assert out == encode(DecMessage(dec_head=DecHead(agent_code="1"), dec_sign=DecSign()))


def test_low_level_encoder_routes_manifests_to_their_codec() -> None:
    from eport.edi.core import encoding
    from eport.edi.manifest import codec
    from tests.edi.test_manifest import DATA as MANIFEST_DATA  # the self-written manifest fixtures

    manifest = codec.decode_manifest((MANIFEST_DATA / "mt2101_sea_preloading.xml").read_bytes())
    assert encoding.encode(manifest) == codec.encode_manifest(manifest)
    assert b'xmlns="urn:Declaration:datamodel:standard:CN:MT2101:1"' in encoding.encode(manifest)
    with pytest.raises(TypeError, match="Head/MessageType"):
        encoding.writer_for(type(manifest))
