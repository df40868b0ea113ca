"""Both code generations: numeric ↔ ISO mapping, lookup by code or name, user-supplied tables."""

from __future__ import annotations

import pytest

from eport.edi import codes
from eport.edi.codes import CodeBook, Generation
from eport.errors import CodeTableError


@pytest.mark.parametrize(
    ("numeric", "alpha", "name"),
    [("502", "USD", "美元"), ("142", "CNY", "人民币"), ("110", "HKD", "港币"), ("300", "EUR", "欧元")],
)
def test_currency_maps_between_generations(numeric: str, alpha: str, name: str) -> None:
    assert codes.currency(numeric).to_iso() == alpha
    assert codes.currency(alpha).to_numeric() == numeric
    assert codes.currency(alpha.lower()).numeric == numeric
    assert codes.currency.by_name(name).numeric == numeric


@pytest.mark.parametrize(
    ("numeric", "alpha"),
    [("142", "CHN"), ("502", "USA"), ("110", "HKG"), ("116", "JPN"), ("304", "DEU"), ("601", "AUS")],
)
def test_country_maps_between_generations(numeric: str, alpha: str) -> None:
    assert codes.country(numeric).to_iso() == alpha
    assert codes.country(alpha).to_numeric() == numeric
    assert codes.country(numeric).code_for(Generation.ISO) == alpha


def test_lookup_by_english_name_ignores_case_and_spaces() -> None:
    assert codes.currency.by_name("us dollar").alpha == "USD"
    assert codes.country.by_name("China").numeric == "142"


def test_validity_depends_on_generation() -> None:
    assert codes.currency.is_valid("502", Generation.NUMERIC)
    assert not codes.currency.is_valid("502", Generation.ISO)
    assert codes.currency.is_valid("USD", Generation.ISO)
    assert not codes.country.is_valid("CHN", Generation.NUMERIC)


def test_codes_without_equivalent_raise_typed_errors() -> None:
    rub = codes.currency("RUB")  # only in the post-2018 table
    assert rub.numeric is None
    with pytest.raises(CodeTableError, match="no numeric"):
        rub.to_numeric()
    unknown = codes.country("701")  # 国(地)别不详 has no ISO code
    with pytest.raises(CodeTableError, match="no ISO"):
        unknown.to_iso()
    with pytest.raises(CodeTableError, match="unknown currency"):
        codes.currency("XXX")
    with pytest.raises(CodeTableError, match="no country named"):
        codes.country.by_name("Atlantis")


def test_post2018_tables_and_aliases() -> None:
    assert codes.post2018("country")["USA"].name == "美国"
    assert codes.post2018("channel")["P"].name == "海关已放行"
    assert codes.numeric("transport_mode")["5"].name == "航空运输"
    with pytest.raises(CodeTableError):
        codes.post2018("nope")


def test_user_tables_override_shipped_ones_without_mutating_them() -> None:
    newer = "dict_code,dict_name,code,text,description\ncit_currency,币制,999,测试币,TST\n"
    book = CodeBook.from_csv(numeric=newer, source="test")
    assert book.currency("999").to_iso() == "TST"
    assert book.currency.by_name("测试币").alpha == "TST"
    assert book.numeric("country")["142"].name == "中国"  # untouched tables are kept
    assert codes.currency.get("999") is None  # the shipped book is unchanged
    assert book.source == "test"


def test_user_table_with_missing_columns_is_refused() -> None:
    with pytest.raises(CodeTableError, match="lacks column"):
        CodeBook.from_csv(post2018="enum,code\nCurrency,USD\n")


def test_any_table_looks_up_by_name() -> None:
    assert codes.numeric("transport_mode").by_name("航空运输").code == "5"
    assert codes.numeric("currency").by_name("usd").code == "502"  # the ISO code in the description column
    assert codes.post2018("country").by_name("Japan").code == "JPN"
    with pytest.raises(CodeTableError, match="no code named"):
        codes.numeric("unit").by_name("furlong")
