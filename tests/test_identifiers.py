"""eport.identifiers: structure, check digits, typed errors naming the field (REFUND_AND_VERIFICATION.md §1).

The example numbers are the published examples of the reference (an entry id, a USCC sample, the GB 11643 sample);
everything else is generated.
"""

from __future__ import annotations

import datetime as dt
import warnings
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from eport.errors import ConfigurationError, FieldError, IdentifierError
from eport.identifiers import (
    USCC_CHARSET,
    CusCiqNo,
    CustomsCode,
    CustomsDistrict,
    DeclarantNo,
    EntryId,
    IcCardNo,
    RefundDeclNo,
    ResidentId,
    UnusualIdentifierWarning,
    Uscc,
    VerificationFormNo,
    resident_id_check_char,
    uscc_check_char,
)

digits = st.text(alphabet="0123456789", min_size=1, max_size=1)


def _entry_ids(flags: str = "01IE") -> st.SearchStrategy[str]:
    return st.builds(
        lambda c, y, f, s: f"{c:04d}{y:04d}{f}{s:09d}",
        st.integers(0, 9999),
        st.integers(1990, 2025),
        st.sampled_from(flags),
        st.integers(0, 999_999_999),
    )


# ------------------------------------------------------------------------------------------------- entry id
def test_published_entry_ids_split_into_their_parts() -> None:
    entry = EntryId("020220080525641690")
    assert (entry.customs, entry.year, entry.ie_flag, entry.serial) == ("0202", 2008, "0", "525641690")
    assert entry.direction == "E"
    assert EntryId("370820200000136038").direction == "E"
    assert entry == "020220080525641690"  # still a plain string
    assert repr(entry) == "EntryId('020220080525641690')"


@given(_entry_ids())
def test_generated_entry_ids_are_accepted(text: str) -> None:
    entry = EntryId.parse(text, max_year=2025)
    assert entry == text
    assert entry.direction == ("I" if text[8] in "1I" else "E")


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("02022008052564169", "18 characters, got 17"),
        ("0202200805256416900", "18 characters, got 19"),
        ("02A220080525641690", "positions 1-8"),
        ("020220082525641690", "position 9 (I/E flag) must be 1, 0, I or E, got '2'"),
        ("02022008052564169X", "positions 10-18"),
        ("020299990525641690", "year 9999 is after"),
    ],
)
def test_bad_entry_ids_name_the_field_and_reason(value: str, reason: str) -> None:
    with pytest.raises(IdentifierError, match="entry_id") as info:
        EntryId(value)
    assert info.value.field == "entry_id"
    assert reason in info.value.reason
    assert isinstance(info.value, FieldError)
    assert isinstance(info.value, ValueError)


def test_entry_id_year_and_direction_options() -> None:
    with pytest.raises(IdentifierError, match="year 2008 is after 2007"):
        EntryId.parse("020220080525641690", max_year=2007)
    assert EntryId.parse("020220080525641690", direction="E") == "020220080525641690"
    with pytest.raises(IdentifierError, match="marks E, expected I") as info:
        EntryId.parse("020220080525641690", direction="I", field="lines[2].entry_id")
    assert info.value.field == "lines[2].entry_id"
    assert EntryId.parse("02022008I525641690", direction="I").direction == "I"
    with pytest.raises(IdentifierError, match="direction"):
        EntryId.parse("020220080525641690", direction="X")  # type: ignore[arg-type]


def test_non_strings_are_refused() -> None:
    with pytest.raises(IdentifierError, match="must be a string, not int"):
        EntryId.parse(20220080525641690)


# ------------------------------------------------------------------------------------- 21-char refund number
def test_refund_number_is_entry_id_plus_three_digit_item() -> None:
    number = RefundDeclNo.of("020220080525641690", 1)
    assert number == "020220080525641690001"
    assert (number.entry_id, number.item) == ("020220080525641690", 1)
    assert isinstance(number.entry_id, EntryId)
    assert RefundDeclNo("020220080525641690099").item == 99


@given(_entry_ids("01"), st.integers(1, 99))
def test_refund_number_round_trips(entry: str, item: int) -> None:
    number = RefundDeclNo.of(entry, item)
    assert RefundDeclNo.parse(str(number)) == number
    assert (number.entry_id, number.item) == (entry, item)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("020220080525641690000", "must be 001..099, got 000"),
        ("020220080525641690100", "must be 001..099, got 100"),
        ("02022008052564169001", "21 characters, got 20"),
        ("020220082525641690001", "first 18 characters are not an entry id: position 9"),
        ("020220080525641690A01", "must be digits"),
    ],
)
def test_bad_refund_numbers(value: str, reason: str) -> None:
    with pytest.raises(IdentifierError) as info:
        RefundDeclNo(value)
    assert info.value.field == "refund_decl_no"
    assert reason in info.value.reason


@pytest.mark.parametrize("item", [0, 100, -1, True, 1.0])
def test_refund_number_of_refuses_items_outside_1_to_99(item: object) -> None:
    with pytest.raises(IdentifierError, match=r"1\.\.99"):
        RefundDeclNo.of("020220080525641690", item)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------- other customs ids
def test_cus_ciq_no() -> None:
    assert CusCiqNo("I20180000147015879") == "I20180000147015879"
    with pytest.raises(IdentifierError, match="capital letter"):
        CusCiqNo("120180000147015879")
    with pytest.raises(IdentifierError, match="positions 2-18"):
        CusCiqNo("I2018000014701587X")
    with pytest.raises(IdentifierError, match="18 characters"):
        CusCiqNo("I2018")


def test_customs_code_accepts_letters_after_the_area() -> None:
    for code in ("440314047B", "4403161Y2E", "4403W60001", "4403960001"):
        assert CustomsCode(code) == code
    with pytest.raises(IdentifierError, match="positions 1-4"):
        CustomsCode("44A3960001")
    with pytest.raises(IdentifierError, match="digits or capital letters"):
        CustomsCode("440396000b")
    with pytest.raises(IdentifierError, match="10 characters"):
        CustomsCode("440396000")


def test_customs_district() -> None:
    assert CustomsDistrict("5141") == "5141"
    for bad in ("514", "51411", "51A1", "５１４１"):
        with pytest.raises(IdentifierError, match="customs_district"):
            CustomsDistrict(bad)


# ------------------------------------------------------------------------------------------------------ USCC
def test_published_uscc_sample_passes_and_its_check_character_is_computed() -> None:
    assert Uscc("91350100M000100Y43").check_char == "3"
    assert uscc_check_char("91350100M000100Y4") == "3"


@given(st.text(alphabet=USCC_CHARSET, min_size=2, max_size=2), st.text("0123456789", min_size=6, max_size=6),
       st.text(alphabet=USCC_CHARSET, min_size=9, max_size=9))  # fmt: skip
def test_generated_usccs_with_computed_check_pass(head: str, area: str, rest: str) -> None:
    body = head + area + rest
    assert Uscc(body + uscc_check_char(body)) == body + uscc_check_char(body)


@given(st.integers(0, 16), st.sampled_from(USCC_CHARSET))
def test_any_single_substitution_is_detected(position: int, char: str) -> None:
    good = "91350100M000100Y43"
    if good[position] == char or (2 <= position < 8 and not char.isdigit()):
        return
    bad = good[:position] + char + good[position + 1 :]
    with pytest.raises(IdentifierError, match="check character") as info:
        Uscc(bad)
    assert info.value.field == "uscc"


def test_uscc_alphabet_errors() -> None:
    with pytest.raises(IdentifierError, match="'I' is not in the USCC alphabet"):
        Uscc("91350100M000100I43")
    with pytest.raises(IdentifierError, match="positions 3-8"):
        Uscc("9135A100M000100Y43")


# ----------------------------------------------------------------------------------------------- resident ID
def test_published_resident_id_sample() -> None:
    rid = ResidentId("11010519491231002X")
    assert rid == "11010519491231002X"
    assert ResidentId("11010519491231002x") == "11010519491231002X"
    assert resident_id_check_char("11010519491231002") == "X"
    assert "1949" not in repr(rid)  # masked


def test_resident_id_errors_never_repeat_the_number() -> None:
    for bad, reason in [
        ("110105194912310021", "check character"),
        ("110105194913310026", "birth date"),
        ("11010519491231002", "18 characters"),
        ("1101051949123100XX", "17 digits"),
    ]:
        with pytest.raises(IdentifierError, match=reason) as info:
            ResidentId(bad)
        assert bad[6:14] not in str(info.value)


@given(st.dates(min_value=dt.date(1900, 1, 1)), st.integers(0, 999_999), st.integers(0, 999))
def test_generated_resident_ids_pass(birth: object, area: int, serial: int) -> None:
    body = f"{area:06d}{birth:%Y%m%d}{serial:03d}"
    assert ResidentId(body + resident_id_check_char(body)).endswith(resident_id_check_char(body))


# ------------------------------------------------------------------------------------------------ IC card etc.
def test_ic_card_number_warns_without_89() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert IcCardNo("8930000091195").standard
    with pytest.warns(UnusualIdentifierWarning, match="89"):
        card = IcCardNo("7930000091195")
    assert not card.standard
    with pytest.raises(IdentifierError, match="13 digits"):
        IcCardNo("893000009119")


def test_declarant_no_is_opaque_alphanumerics() -> None:
    assert DeclarantNo("A1") == "A1"
    assert DeclarantNo("1234567890123") == "1234567890123"
    for bad in ("", "12345678901234", "A-1", "报关员"):
        with pytest.raises(IdentifierError, match="申报人员证号"):
            DeclarantNo(bad)


def test_verification_form_number_default_and_strict_legacy() -> None:
    assert VerificationFormNo("HX2026ABC") == "HX2026ABC"
    assert VerificationFormNo("1" * 32) == "1" * 32
    with pytest.raises(IdentifierError, match="1-32"):
        VerificationFormNo("1" * 33)
    assert VerificationFormNo.parse("123456789", strict_legacy=True) == "123456789"
    with pytest.raises(IdentifierError, match="9 digits"):
        VerificationFormNo.parse("HX2026ABC", strict_legacy=True)


@pytest.mark.parametrize(
    ("parse", "value"),
    [
        (EntryId.parse, "５３００20260000000123"),  # full-width digits look right on screen but are not the code
        (EntryId.parse, "530020260000000١23"),  # an Arabic-Indic digit
        (RefundDeclNo.parse, "５３００20260000000123001"),
        (CusCiqNo.parse, "I2018000014701587９"),
        (Uscc.parse, "9135０100M000100Y43"),
        (ResidentId.parse, "1101051949123１002X"),
        (DeclarantNo.parse, "ＡＢ12"),
    ],
)
def test_only_ascii_digits_count_as_digits(parse: Any, value: str) -> None:
    with pytest.raises(IdentifierError):
        parse(value)


def test_identifier_errors_are_configuration_errors() -> None:
    assert issubclass(IdentifierError, ConfigurationError)


def test_the_module_is_pure_and_imports_only_eport_errors() -> None:
    import ast
    from pathlib import Path

    import eport.identifiers

    tree = ast.parse(Path(eport.identifiers.__file__).read_text(encoding="utf-8"))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    assert {name for name in imported if name.startswith("eport")} == {"eport.errors"}
    assert imported <= {"__future__", "datetime", "re", "warnings", "typing", "eport.errors"}
