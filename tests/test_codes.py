"""Code tables of the numeric generation shipped as package data."""

from __future__ import annotations

import pytest

from eport.edi import codes
from eport.errors import CodeTableError


def test_currency_table_has_cny_and_usd() -> None:
    table = codes.numeric("currency")
    assert table["142"].name == "人民币"
    assert table["502"].extra == "USD"
    assert "999" not in table
    assert codes.is_valid("currency", "142")


@pytest.mark.parametrize(
    ("alias", "code"),
    [("country", "502"), ("unit", "007"), ("transport_mode", "5"), ("trade_mode", "9610")],
)
def test_aliases_resolve(alias: str, code: str) -> None:
    assert codes.is_valid(alias, code)


def test_unknown_table_and_code_raise_typed_errors() -> None:
    with pytest.raises(CodeTableError, match="unknown code table"):
        codes.numeric("nope")
    with pytest.raises(CodeTableError, match="not in table"):
        codes.numeric("currency")["000"]
