"""The faster CEB rules give the verdicts of the straightforward ones they replaced."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from eport.edi.ceb import rules
from eport.edi.core import schema


def strptime_verdict(digits: str) -> bool:
    fmt = "%Y%m%d" if len(digits) == 8 else "%Y%m%d%H%M%S"
    try:
        dt.datetime.strptime(digits[:14], fmt)
    except ValueError:
        return False
    return True


def near_bounds(width: int) -> st.SearchStrategy[str]:
    """Digit strings whose fields sit at and around their limits (month 0/12/13, day 28–32, second 59–61 …)."""
    parts = [
        st.sampled_from(["0000", "0001", "1900", "2000", "2023", "2024", "9999"]),
        st.sampled_from(["00", "01", "02", "09", "12", "13", "99"]),
        st.sampled_from(["00", "01", "28", "29", "30", "31", "32"]),
        st.sampled_from(["00", "23", "24", "99"]),
        st.sampled_from(["00", "59", "60", "99"]),
        st.sampled_from(["00", "59", "60", "61", "99"]),
        st.sampled_from(["000", "999"]),
    ]
    count = {8: 3, 14: 6, 17: 7}[width]
    return st.tuples(*parts[:count]).map("".join)


@settings(max_examples=300)
@given(st.sampled_from([8, 14, 17]).flatmap(near_bounds))
def test_real_time_agrees_with_strptime(digits: str) -> None:
    assert rules._real_time(digits) is strptime_verdict(digits)


@settings(max_examples=200)
@given(st.sampled_from([8, 14]).flatmap(lambda width: st.text("0123456789", min_size=width, max_size=width)))
def test_real_time_agrees_with_strptime_on_any_digits(digits: str) -> None:
    assert rules._real_time(digits) is strptime_verdict(digits)


def b64decode_verdict(text: str) -> bool:
    """The check the signature's base64 values had before: ``b64decode(validate=True)`` less XML whitespace."""
    try:
        base64.b64decode(text.encode("ascii").translate(None, b" \t\r\n"), validate=True)
    except (ValueError, binascii.Error):
        return False
    return True


#: Base64 digits, both paddings' worth of "=", XML whitespace, a character outside the alphabet, a non-ASCII one
#: and a whitespace character XML does not strip (vertical tab).
_BASE64_CHARS = "Ab0+/= \n\r\t!é\x0b"


def test_is_base64_agrees_with_b64decode_on_every_short_string() -> None:
    for length in range(6):
        for chars in itertools.product("Ab+/= \n!é", repeat=length):
            text = "".join(chars)
            assert schema._is_base64(text) is b64decode_verdict(text), repr(text)
    for length in range(6, 10):  # longer, over fewer characters: surplus padding after full groups ("0000===")
        for chars in itertools.product("A=\n!", repeat=length):
            text = "".join(chars)
            assert schema._is_base64(text) is b64decode_verdict(text), repr(text)


@settings(max_examples=500)
@given(
    st.one_of(
        st.text(alphabet=_BASE64_CHARS, max_size=40),
        st.binary(max_size=60).map(lambda raw: base64.b64encode(raw).decode()),
        st.tuples(st.binary(max_size=60), st.text(alphabet=_BASE64_CHARS, max_size=4), st.integers(0, 80)).map(
            lambda t: (lambda b: b[: t[2]] + t[1] + b[t[2] :])(base64.encodebytes(t[0]).decode())
        ),
    )
)
def test_is_base64_agrees_with_b64decode(text: str) -> None:
    assert schema._is_base64(text) is b64decode_verdict(text)
