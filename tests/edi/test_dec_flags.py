"""Positional flag fields exposed as typed values, and OperType levels."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from eport.edi.dec import DecHead, DecMessage, DecSign
from eport.edi.dec.flags import DataSource, DeclarationMode, DecType, Level, OperType, PromiseItems, SpecDeclFlag
from eport.errors import ConfigurationError


def test_promise_items_positions() -> None:
    p = PromiseItems.parse("0011")
    assert (p.special_relationship, p.price_influence, p.royalties, p.formula_pricing) == (False, False, True, True)
    assert p.provisional_price is None  # missing position = blank
    assert p.to_wire() == "00119"
    assert PromiseItems.parse("10911X").rest == "X"


@given(st.text(alphabet="019", min_size=5, max_size=8))
def test_promise_items_round_trip(text: str) -> None:
    assert PromiseItems.parse(text).to_wire() == text


def test_promise_items_rejects_garbage() -> None:
    with pytest.raises(ConfigurationError, match="position 2"):
        PromiseItems.parse("0A")


def test_spec_decl_flag() -> None:
    f = SpecDeclFlag.parse("0000100")
    assert f.direct_release
    assert not f.transit
    assert f.to_wire() == "0000100"
    assert SpecDeclFlag.parse("").to_wire() == ""
    assert SpecDeclFlag(transit=True).to_wire() == "0000001"
    with pytest.raises(ConfigurationError):
        SpecDeclFlag.parse("2")


@given(st.text(alphabet="01", min_size=7, max_size=10).filter(lambda s: "1" in s))
def test_spec_decl_flag_round_trip(text: str) -> None:
    assert SpecDeclFlag.parse(text).to_wire() == text


def test_data_source_positions() -> None:
    d = DataSource.parse("1 1 2")
    assert (d.mask_standard, d.item_split, d.smart_declaration) == ("1", "1", "2")
    assert d.to_wire() == "1 1 2"
    assert DataSource.parse(None).to_wire() == ""


def test_dec_type() -> None:
    t = DecType.parse("SW")
    assert t.prefix == "SW"
    assert t.mode is DeclarationMode.ONE_STEP
    assert "无纸" in t.description
    assert t.to_wire() == "SW"
    two_step = DecType.parse("  5")
    assert two_step.prefix == ""
    assert two_step.mode is DeclarationMode.TWO_STEP_SUMMARY
    assert two_step.to_wire() == "  5"
    assert DecType.parse("SD6   Z").combined_port
    assert DecType.parse("SD6   Z").to_wire() == "SD6   Z"
    with pytest.raises(ConfigurationError, match="position 3"):
        DecType.parse("SW9")


@pytest.mark.parametrize(
    ("oper", "level"),
    [("G", Level.SAVE), ("A", Level.SAVE), ("C", Level.DECLARE), ("D", Level.DECLARE), ("E", Level.NONE)],
)
def test_oper_type_levels(oper: str, level: Level) -> None:
    assert OperType(oper).level is level
    msg = DecMessage(dec_head=DecHead(), dec_sign=DecSign(oper_type=oper))
    assert msg.level is level
    assert msg.oper_type is OperType(oper)


def test_unknown_oper_type_defaults_to_save_level() -> None:
    msg = DecMessage(dec_head=DecHead(), dec_sign=DecSign(oper_type="Q"))
    assert msg.oper_type is None
    assert msg.level is Level.SAVE


def test_head_exposes_typed_flags() -> None:
    head = DecHead(type_="SW", promise_itmes="10000", data_source="1", spec_decl_flag="1")
    assert head.type_flags.prefix == "SW"
    assert head.promises.special_relationship is True
    assert head.data_source_flags.mask_standard == "1"
    assert head.special_flags.international_event
