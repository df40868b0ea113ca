"""APDU encoding and the status-word → exception table."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from eport.card.apdu import SW, CommandApdu, ResponseApdu, error_for_sw, raise_for_sw, sw_name, tries_from_sw
from eport.errors import (
    ApduError,
    BadResponseError,
    ConfigurationError,
    FileNotFound,
    NotSupportedError,
    PinError,
    PinLockedError,
    SecurityStatusNotSatisfied,
    WrongLengthError,
)


@pytest.mark.parametrize(
    ("apdu", "encoded"),
    [
        (CommandApdu(ins=0xA4), "00a40000"),  # case 1
        (CommandApdu(ins=0xB0, le=256), "00b0000000"),  # case 2 short, Le 256 → 00
        (CommandApdu(ins=0xA4, p1=4, data=b"\xd1\x56"), "00a4040002d156"),  # case 3 short
        (CommandApdu(ins=0xA4, p1=4, data=b"\xd1", le=10), "00a4040001d10a"),  # case 4 short
        (CommandApdu(ins=0xB0, le=257), "00b00000000101"),  # case 2 extended
        (CommandApdu(ins=0xB0, le=65536), "00b00000000000"),  # Le 65536 → 0000
        (CommandApdu(ins=0x2A, data=b"\x01" * 256, le=256), "002a0000000100" + "01" * 256 + "0100"),
        (CommandApdu(ins=0x2A, data=b"\x01", extended=True), "002a000000000101"),
    ],
)
def test_encoding(apdu: CommandApdu, encoded: str) -> None:
    assert apdu.to_bytes().hex() == encoded
    assert CommandApdu.from_bytes(apdu.to_bytes()) == CommandApdu(
        cla=apdu.cla, ins=apdu.ins, p1=apdu.p1, p2=apdu.p2, data=apdu.data, le=apdu.le, extended=apdu.is_extended
    )


@given(
    ins=st.integers(0, 255).filter(lambda i: i not in (0x60, 0x90)),
    data=st.binary(max_size=600),
    le=st.none() | st.integers(1, 65536),
    extended=st.booleans(),
)
def test_round_trip(ins: int, data: bytes, le: int | None, extended: bool) -> None:
    apdu = CommandApdu(cla=0x80, ins=ins, p1=1, p2=2, data=data, le=le, extended=extended)
    parsed = CommandApdu.from_bytes(apdu.to_bytes())
    assert (parsed.cla, parsed.ins, parsed.p1, parsed.p2, parsed.data, parsed.le) == (0x80, ins, 1, 2, data, le)
    assert parsed.is_extended == apdu.is_extended


def test_bad_fields_are_refused() -> None:
    with pytest.raises(ConfigurationError):
        CommandApdu(ins=0x100)
    with pytest.raises(ConfigurationError):
        CommandApdu(ins=0xB0, le=0)
    with pytest.raises(ConfigurationError):
        CommandApdu(ins=0xB0, data=b"\x00" * 65536)
    with pytest.raises(BadResponseError):
        CommandApdu.from_bytes(b"\x00\xa4")
    with pytest.raises(BadResponseError):
        CommandApdu.from_bytes(bytes.fromhex("00a4040005d156"))  # Lc says 5, 1 byte follows


def test_sensitive_data_is_not_in_repr() -> None:
    apdu = CommandApdu(ins=0x20, p2=0x81, data=b"12345678", sensitive=True)
    assert "12345678" not in repr(apdu)
    assert b"12345678".hex() not in repr(apdu)


def test_response_apdu() -> None:
    response = ResponseApdu.from_bytes(bytes.fromhex("0102 6A82"))
    assert response.data == b"\x01\x02"
    assert response.sw == SW.FILE_NOT_FOUND
    assert (response.sw1, response.sw2) == (0x6A, 0x82)
    assert response.to_bytes() == bytes.fromhex("01026A82")
    with pytest.raises(BadResponseError):
        ResponseApdu.from_bytes(b"\x90")


@pytest.mark.parametrize(
    ("sw", "exception", "attrs"),
    [
        (0x63C2, PinError, {"tries_left": 2}),
        (0x63C0, PinError, {"tries_left": 0}),
        (0x6983, PinLockedError, {}),
        (0x6982, SecurityStatusNotSatisfied, {}),
        (0x6A82, FileNotFound, {}),
        (0x6700, WrongLengthError, {}),
        (0x6C10, WrongLengthError, {}),
        (0x6D00, NotSupportedError, {}),
        (0x6E00, NotSupportedError, {}),
        (0x6A81, NotSupportedError, {}),
        (0x6F00, ApduError, {}),
        (0x6F12, ApduError, {}),
    ],
)
def test_status_word_table(sw: int, exception: type[ApduError], attrs: dict[str, int]) -> None:
    error = error_for_sw(sw, b"\x01")
    assert type(error) is exception
    assert error.sw == sw
    for name, value in attrs.items():
        assert getattr(error, name) == value
    with pytest.raises(exception):
        raise_for_sw(sw)


def test_ok_does_not_raise_and_names() -> None:
    raise_for_sw(0x9000)
    assert sw_name(0x6A82) == "6A82 FILE_NOT_FOUND"
    assert "2 tries left" in sw_name(0x63C2)
    assert "256 more bytes" in sw_name(0x6100)
    assert sw_name(0x6F12) == "6F12"
    assert tries_from_sw(0x63C3) == 3
    assert tries_from_sw(0x6983) == 0
    assert tries_from_sw(0x9000) is None
