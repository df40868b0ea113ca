"""The processor chain with scripted command/response pairs (python-fido2 style) and with the emulator."""

from __future__ import annotations

import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st

from eport.card.emulator import DEMO_PIN, InProcessTransport, demo_card
from eport.card.operator import OperatorCard
from eport.card.protocol import TRAFFIC, CardProtocol, Transport
from eport.errors import FileNotFound, PinError


class ScriptedTransport:
    """Answers each expected command APDU with a scripted response; fails on anything unexpected."""

    def __init__(self, script: list[tuple[str, str]]) -> None:
        self.script = [(bytes.fromhex(c), bytes.fromhex(r)) for c, r in script]
        self.sent: list[bytes] = []
        self.closed = False

    def send_and_receive(self, apdu: bytes) -> tuple[bytes, int]:
        self.sent.append(apdu)
        expected, response = self.script.pop(0)
        assert apdu == expected, f"sent {apdu.hex()} expected {expected.hex()}"
        return response[:-2], int.from_bytes(response[-2:], "big")

    def close(self) -> None:
        self.closed = True


def test_scripted_transport_is_a_transport() -> None:
    assert isinstance(ScriptedTransport([]), Transport)


def test_response_chaining_61xx() -> None:
    transport = ScriptedTransport(
        [
            ("00ca010100", "6105"),
            ("00c0000005", "0102030405 6103"),
            ("00c0000003", "060708 9000"),
        ]
    )
    assert CardProtocol(transport).send_apdu(0x00, 0xCA, 0x01, 0x01, le=256) == bytes(range(1, 9))
    assert transport.script == []


def test_wrong_length_6cxx_is_resent_with_the_exact_le() -> None:
    transport = ScriptedTransport([("00b0000000", "6C04"), ("00b0000004", "0A0B0C0D 9000")])
    assert CardProtocol(transport).send_apdu(0x00, 0xB0, 0x00, 0x00, le=256) == bytes.fromhex("0A0B0C0D")


def test_6cxx_then_61xx() -> None:
    transport = ScriptedTransport([("00b0000000", "6C02"), ("00b0000002", "6102"), ("00c0000002", "AABB 9000")])
    assert CardProtocol(transport).send_apdu(0x00, 0xB0, 0x00, 0x00, le=256) == b"\xaa\xbb"


def test_command_chaining_splits_long_data() -> None:
    data = bytes(range(256)) * 2  # 512 bytes: 255 + 255 + 2
    transport = ScriptedTransport(
        [
            ("102a9e9aff" + data[:255].hex(), "9000"),
            ("102a9e9aff" + data[255:510].hex(), "9000"),
            ("002a9e9a02" + data[510:].hex() + "00", "CAFE 9000"),
        ]
    )
    assert CardProtocol(transport).send_apdu(0x00, 0x2A, 0x9E, 0x9A, data, le=256) == b"\xca\xfe"


def test_command_chaining_stops_at_the_first_error() -> None:
    transport = ScriptedTransport([("102a9e9aff" + "00" * 255, "6884")])
    with pytest.raises(Exception, match="6884"):
        CardProtocol(transport).send_apdu(0x00, 0x2A, 0x9E, 0x9A, b"\x00" * 300)


def test_extended_mode_sends_one_apdu() -> None:
    data = b"\x01" * 300
    transport = ScriptedTransport([("002a9e9a00012c" + data.hex() + "0100", "9000")])
    CardProtocol(transport, extended=True).send_apdu(0x00, 0x2A, 0x9E, 0x9A, data, le=256)
    assert len(transport.sent) == 1


def test_errors_and_select() -> None:
    transport = ScriptedTransport([("00a4040002d15600", "6A82"), ("0020008110" + "31" * 16, "63C1")])
    protocol = CardProtocol(transport)
    with pytest.raises(FileNotFound):
        protocol.select(b"\xd1\x56")
    with pytest.raises(PinError) as info:
        protocol.send_apdu(0x00, 0x20, 0x00, 0x81, b"1" * 16, sensitive=True)
    assert info.value.tries_left == 1
    protocol.close()
    assert transport.closed


def test_traffic_log_masks_sensitive_data(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(TRAFFIC, logger="eport.card")
    transport = ScriptedTransport([("0020008104" + b"4321".hex(), "9000"), ("00ca010400", "0505 9000")])
    protocol = CardProtocol(transport)
    protocol.send_apdu(0x00, 0x20, 0x00, 0x81, b"4321", sensitive=True)
    protocol.send_apdu(0x00, 0xCA, 0x01, 0x04, le=256)
    assert "00 20 00 81 <4 secret bytes masked>" in caplog.text
    assert "34 33 32 31" not in caplog.text
    assert "00 CA 01 04 00" in caplog.text
    assert any(r.levelno == TRAFFIC for r in caplog.records)


def test_t0_card_in_process_needs_get_response() -> None:
    card = demo_card(t0=True)
    raw = InProcessTransport(card)
    operator = OperatorCard(raw)  # selects through the protocol, which follows 61xx
    data, sw = raw.send_and_receive(bytes.fromhex("00ca010100"))
    assert data == b""
    assert sw >> 8 == 0x61
    data, sw = raw.send_and_receive(bytes.fromhex("00c00000") + bytes((sw & 0xFF,)))
    assert sw == 0x9000
    assert data == b"JJ0DEMO000001"
    assert operator.card_id() == "JJ0DEMO000001"
    operator.verify_pin(DEMO_PIN)


def test_long_answers_on_t1_use_61xx_beyond_le(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    operator = OperatorCard(InProcessTransport(demo_card()))
    response = operator.protocol.send_apdu(0x00, 0xCA, 0x01, 0x02, le=4)  # holder data is longer than 4 bytes
    assert len(response) > 4


@given(apdu=st.binary(min_size=0, max_size=300))
def test_emulator_answers_any_bytes_with_a_status_word(apdu: bytes) -> None:
    card = demo_card()
    response = card.process(apdu)
    assert len(response) >= 2
    assert card.tries_left == 5


@given(
    commands=st.lists(
        st.tuples(
            st.sampled_from([0x20, 0x24, 0x2A, 0xB0, 0xCA, 0xA4, 0x22, 0xC0]),
            st.integers(0, 255),
            st.integers(0, 255),
            st.binary(max_size=40),
        ),
        max_size=20,
    )
)
def test_random_command_sequences_never_sign_without_the_pin(commands: list[tuple[int, int, int, bytes]]) -> None:
    card = demo_card()
    OperatorCard(InProcessTransport(card))
    for ins, p1, p2, data in commands:
        response = card.process(bytes((0, ins, p1, p2, len(data))) + data if data else bytes((0, ins, p1, p2)))
        if ins == 0x2A:
            assert response[-2:] != b"\x90\x00"  # no PIN was ever verified (random data cannot be the PIN block)


@given(message=st.binary(min_size=0, max_size=1500), t0=st.booleans())
def test_sm2_signatures_of_any_length_survive_chaining(message: bytes, t0: bool) -> None:
    from eport.card import demo
    from eport.pki.signer import KeyAlgorithm, SignatureAlgorithm
    from eport.pki.sm2 import SM2PrivateKey

    card = OperatorCard(InProcessTransport(demo_card(t0=t0)), key_algorithm=KeyAlgorithm.SM2)
    card.verify_pin(DEMO_PIN)
    signature = card.sign(message, SignatureAlgorithm.SM2_SM3)
    SM2PrivateKey.from_bytes(demo.sm2_private_key_bytes()).public_key().verify(signature, message)
