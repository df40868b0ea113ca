"""Declaration rules: two required levels, formats, weights, totals, item numbers, code generations, flags."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import attrs
import pytest

from eport.edi.codes import CodeBook, Generation
from eport.edi.core.report import Severity
from eport.edi.core.rules import rules_for
from eport.edi.dec import DecHead, DecList, DecLists, DecMessage, DecSign, EdocRealation, Level
from eport.edi.dec.codec import decode_declaration, decode_declaration_lenient
from eport.edi.dec.rules import RULES, validate_declaration

DATA = Path(__file__).parent / "data" / "dec"


@pytest.fixture
def saved() -> DecMessage:
    """A complete saved (暂存) declaration from the fixtures: valid at the save level."""
    return decode_declaration((DATA / "dec_import_air_full.xml").read_bytes())


def _codes(report: object) -> list[tuple[str, str]]:
    return [(p.code, p.path) for p in report]  # type: ignore[attr-defined]


def test_fixture_is_valid_to_save(saved: DecMessage) -> None:
    report = validate_declaration(saved)
    assert report.ok, [str(p) for p in report]


def test_declare_level_needs_more_fields_than_save(saved: DecMessage) -> None:
    as_declared = attrs.evolve(saved, dec_sign=attrs.evolve(saved.dec_sign, oper_type="C"))
    assert as_declared.level is Level.DECLARE
    report = validate_declaration(as_declared)
    missing = {p.path.rsplit("/", 1)[-1] for p in report if p.code == "required"}
    # DecSign/Sign and SignDate are required to declare (申报必填) but not to save
    assert {"Sign", "SignDate"} <= missing
    assert "Type" not in missing  # a blank Type is an ordinary declaration
    # an explicit level overrides OperType
    assert validate_declaration(as_declared, level=Level.SAVE).ok


def test_required_to_save_fields_reported_with_paths_and_chinese_names() -> None:
    msg = DecMessage(dec_head=DecHead(), dec_sign=DecSign(oper_type="G"))
    report = validate_declaration(msg)
    by_path = {p.path: p for p in report if p.code == "required"}
    assert "/DecMessage/DecHead/IEFlag" in by_path
    assert "进出口标志" in by_path["/DecMessage/DecHead/IEFlag"].message
    assert "/DecMessage/DecSign/ClientSeqNo" in by_path
    assert "/DecMessage/DecHead/GrossWet" not in by_path  # required to declare only


def test_manual_upload_has_no_required_fields() -> None:
    msg = DecMessage(dec_head=DecHead(), dec_sign=DecSign(oper_type="E"))
    assert not [p for p in validate_declaration(msg) if p.code == "required"]


def test_second_quantity_required_only_with_second_unit(saved: DecMessage) -> None:
    declared = attrs.evolve(saved, dec_sign=attrs.evolve(saved.dec_sign, oper_type="C"))
    paths = {p.path for p in validate_declaration(declared) if p.code == "required"}
    assert "/DecMessage/DecLists/DecList[2]/SecondQty" not in paths  # item 2 has no SecondUnit
    item1 = attrs.evolve(saved.items[0], second_qty=None)
    lists = DecLists(dec_list=(item1, saved.items[1]))
    paths = {p.path for p in validate_declaration(attrs.evolve(declared, dec_lists=lists)) if p.code == "required"}
    assert "/DecMessage/DecLists/DecList[1]/SecondQty" in paths


def _with_head(msg: DecMessage, **changes: object) -> DecMessage:
    return attrs.evolve(msg, dec_head=attrs.evolve(msg.dec_head, **changes))


def _with_items(msg: DecMessage, *items: DecList) -> DecMessage:
    return attrs.evolve(msg, dec_lists=DecLists(dec_list=items))


def test_gross_weight_below_net_weight(saved: DecMessage) -> None:
    report = validate_declaration(_with_head(saved, gross_wet=Decimal("10"), net_wt=Decimal("10.5")))
    assert ("gross-below-net", "/DecMessage/DecHead/GrossWet") in _codes(report)
    assert validate_declaration(_with_head(saved, gross_wet=Decimal("10"), net_wt=Decimal("10"))).ok


def test_item_total_must_match_quantity_times_price(saved: DecMessage) -> None:
    wrong = attrs.evolve(saved.items[1], decl_total=Decimal("250.02"))
    report = validate_declaration(_with_items(saved, saved.items[0], wrong))
    assert _codes(report) == [("item-total", "/DecMessage/DecLists/DecList[2]/DeclTotal")]
    within = attrs.evolve(saved.items[1], decl_total=Decimal("250.01"))
    assert validate_declaration(_with_items(saved, saved.items[0], within)).ok
    assert not validate_declaration(_with_items(saved, saved.items[0], within), total_tolerance=Decimal("0.001")).ok


@pytest.mark.parametrize(
    ("qty", "price", "total", "ok"),
    [
        # totals computed from unit prices that the declaration states rounded to 4 places (the first is item 1 of
        # tests/edi/data/writers/dec_dotnet_export.xml)
        ("12800", "0.0573", "733.90", True),  # 733.44: 0.46 off, allowed 0.01 + 12800 × 0.00005 = 0.65
        ("98000", "0.0317", "3109.85", True),  # 3106.60: 3.25 off, allowed 4.91
        ("12800", "0.0573", "734.14", False),  # 0.70 off: more than rounding the price can explain
        ("10", "25", "250.02", False),
        ("10", "25", "250.0105", True),  # 0.01 + 10 × 0.00005 = 0.0105, inclusive
    ],
)
def test_item_total_allows_the_rounding_of_the_unit_price(
    saved: DecMessage, qty: str, price: str, total: str, ok: bool
) -> None:
    item = attrs.evolve(saved.items[0], g_qty=Decimal(qty), decl_price=Decimal(price), decl_total=Decimal(total))
    report = validate_declaration(_with_items(saved, item))
    assert (("item-total", "/DecMessage/DecLists/DecList/DeclTotal") not in _codes(report)) is ok


def test_item_total_with_exact_prices(saved: DecMessage) -> None:
    item = attrs.evolve(
        saved.items[0], g_qty=Decimal("12800"), decl_price=Decimal("0.0573"), decl_total=Decimal("733.90")
    )
    report = validate_declaration(_with_items(saved, item), price_decimals=None)
    problems = [p for p in report.problems if p.code == "item-total"]
    assert len(problems) == 1
    assert "tolerance 0.01" in problems[0].message


def test_totals_of_a_dotnet_written_declaration_are_consistent() -> None:
    data = (Path(__file__).parent / "data" / "writers" / "dec_dotnet_export.xml").read_bytes()
    message = decode_declaration_lenient(data).message
    assert len(message.items) == 4
    assert "item-total" not in {p.code for p in validate_declaration(message).problems}


def test_item_numbers_must_be_consecutive(saved: DecMessage) -> None:
    third = attrs.evolve(saved.items[1], g_no="4")
    report = validate_declaration(_with_items(saved, *saved.items, third))
    assert _codes(report) == [("gno-sequence", "/DecMessage/DecLists/DecList[3]/GNo")]


def test_lengths_and_digits(saved: DecMessage) -> None:
    report = validate_declaration(
        _with_head(saved, custom_master="37130", gross_wet=Decimal("1.123456"), net_wt=Decimal("-1"))
    )
    codes = {c for c, _ in _codes(report)}
    assert {"length", "fraction-digits", "negative"} <= codes


def test_mixed_code_generations_are_reported_with_a_suggestion(saved: DecMessage) -> None:
    item = attrs.evolve(saved.items[0], trade_curr="502")
    report = validate_declaration(_with_items(saved, item, saved.items[1]))
    (problem,) = [p for p in report if p.code == "code-generation"]
    assert problem.path == "/DecMessage/DecLists/DecList[1]/TradeCurr"
    assert "use USD" in problem.message


def test_numeric_generation_declaration_is_valid_in_its_generation(saved: DecMessage) -> None:
    head = attrs.evolve(saved.dec_head, trade_country="138", trade_area_code="138", fee_curr="502")
    items = [attrs.evolve(i, trade_curr="502", origin_country="138", destination_country="142") for i in saved.items]
    msg = attrs.evolve(saved, dec_head=head, dec_lists=DecLists(dec_list=tuple(items)))
    assert validate_declaration(msg).ok
    forced = validate_declaration(msg, generation=Generation.ISO)
    assert {p.code for p in forced} == {"code-generation"}


def test_unknown_codes(saved: DecMessage) -> None:
    report = validate_declaration(_with_head(saved, trade_country="XXX", trade_mode="9999", ie_flag="X"))
    found = {(p.path.rsplit("/", 1)[-1], p.code, p.severity) for p in report}
    assert ("TradeCountry", "code-table", Severity.ERROR) in found
    assert ("TradeMode", "code-table", Severity.WARNING) in found  # third-party table: a warning
    assert ("IEFlag", "code-table", Severity.ERROR) in found


def test_user_code_book_is_used(saved: DecMessage) -> None:
    book = CodeBook.from_csv(
        numeric="dict_code,dict_name,code,text,description\ncit_trade_mode,监管方式,0110,一般贸易,\n"
    )
    msg = _with_head(saved, trade_mode="9999")
    assert not validate_declaration(msg).errors
    warnings = [p for p in validate_declaration(msg, codebook=book) if p.code == "code-table"]
    assert [p.path for p in warnings] == ["/DecMessage/DecHead/TradeMode"]


def test_flags_and_edoc_ids(saved: DecMessage) -> None:
    msg = _with_head(saved, promise_itmes="0X1", type_="SW9", spec_decl_flag="2")
    msg = attrs.evolve(msg, edoc_realation=(EdocRealation(edoc_id="invoice.pdf", edoc_fomat_type="US"),))
    report = validate_declaration(msg)
    found = {(p.code, p.path) for p in report}
    assert ("flag", "/DecMessage/DecHead/PromiseItmes") in found
    assert ("flag", "/DecMessage/DecHead/Type") in found
    assert ("flag", "/DecMessage/DecHead/SpecDeclFlag") in found
    assert ("edoc-id", "/DecMessage/EdocRealation/EdocID") in found


def test_rules_plug_into_the_family_registry(saved: DecMessage) -> None:
    assert rules_for("dec") == RULES
    bad = _with_head(saved, gross_wet=Decimal("1"), net_wt=Decimal("2"))
    problems = [p for rule in RULES for p in rule(bad, None)]
    assert [p.code for p in problems] == ["gross-below-net"]
    negative = _with_head(saved, gross_wet=Decimal("-1"))
    assert "negative-amount" in {p.code for rule in RULES for p in rule(negative, None)}
    assert [p for rule in RULES for p in rule(object(), None)] == []


@pytest.mark.parametrize("value", [Decimal("NaN"), Decimal("sNaN"), Decimal("Infinity"), Decimal("-Infinity")])
def test_not_a_number_is_a_problem_not_a_crash(saved: DecMessage, value: Decimal) -> None:
    # Before the review, NaN made validate_declaration raise decimal.InvalidOperation (not an EportError).
    item = attrs.evolve(saved.items[0], g_qty=value, decl_total=value)
    report = validate_declaration(_with_items(_with_head(saved, gross_wet=value), item))
    assert set(_codes(report)) == {
        ("not-finite", "/DecMessage/DecHead/GrossWet"),
        ("not-finite", "/DecMessage/DecLists/DecList/GQty"),
        ("not-finite", "/DecMessage/DecLists/DecList/DeclTotal"),
    }


def test_huge_amounts_do_not_overflow(saved: DecMessage) -> None:
    item = attrs.evolve(saved.items[0], g_qty=Decimal("1E+999999"), decl_price=Decimal("1E+10"))
    report = validate_declaration(_with_items(saved, item))
    assert ("total-digits", "/DecMessage/DecLists/DecList/GQty") in _codes(report)


def test_problems_in_an_envelope_name_the_document_path() -> None:
    # A declaration inside the regional ImportMessage/SWImpData envelope: rule and decoder problems alike point at
    # the element as it is in the file, not at a /DecMessage the file does not have.
    from eport.edi.core.validation import validate_bytes

    name = "dec_xml_editor_sample.xml"
    report = validate_bytes((Path(__file__).parent / "data" / "writers" / name).read_bytes())
    paths = [p.path for p in report.problems if p.code != "no-schema"]
    assert paths
    assert all(path.startswith("/ImportMessage/SWImpData/DecMessage/") for path in paths), paths
    assert "/ImportMessage/SWImpData/DecMessage/DecSign/ClientSeqNo" in paths  # a rule: 24 characters, 18 allowed
    assert "/ImportMessage/SWImpData/DecMessage/DecHead/InRatio" in paths  # the decoder: unknown element
