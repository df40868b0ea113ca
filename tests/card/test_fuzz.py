"""Fuzzing of the card-side parsers: arbitrary input raises only ``EportError`` subclasses, quickly.

Command and response APDUs, the BER-TLV decoder and the holder data built on it, the certificate-file length
header, ``BLOCKTXT`` frames, status words, and the replies of the local signing service (over a real WebSocket).
Hand-made nasty cases (truncated lengths, lengths past the end, nesting, empty, overlong) run next to the
hypothesis properties; crashes found here have named regression cases.
"""

from __future__ import annotations

import base64
import contextlib
import json
import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.sync.server import ServerConnection, serve

from eport.card import demo
from eport.card.apdu import CommandApdu, ResponseApdu, error_for_sw, raise_for_sw, sw_name, tries_from_sw
from eport.card.base import (
    certificate_serial_hex,
    certificate_spki,
    certificate_validity,
    key_algorithm_of_certificate,
)
from eport.card.emulator import DEMO_PIN, demo_card
from eport.card.frames import HEADER_LENGTH, MAGIC, Frame, join_frames, parse_frame, split_text
from eport.card.localservice import LocalServiceCard, LocalServiceClient
from eport.card.profile import HolderData, _der_total_length
from eport.card.tlv import encode_tlv, iter_tlv, parse_tlv
from eport.errors import ApduError, BadResponseError, CertificateError, EportError
from eport.pki.signer import SignatureAlgorithm

FUZZ = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def only_eport_errors(call: Callable[[], object]) -> None:
    """Run ``call``; success or an ``EportError`` subclass are the only acceptable outcomes."""
    with contextlib.suppress(EportError):
        call()


# ------------------------------------------------------------------------------------------------ APDUs
@FUZZ
@given(data=st.binary(max_size=300))
def test_command_apdu_parser(data: bytes) -> None:
    try:
        apdu = CommandApdu.from_bytes(data)
    except BadResponseError:
        return
    # what parses re-encodes to a parseable APDU with the same meaning
    again = CommandApdu.from_bytes(apdu.to_bytes())
    assert (again.ins, again.data, again.le) == (apdu.ins, apdu.data, apdu.le)


@FUZZ
@given(data=st.binary(max_size=300))
def test_response_apdu_parser(data: bytes) -> None:
    try:
        response = ResponseApdu.from_bytes(data)
    except BadResponseError:
        assert len(data) < 2
        return
    assert response.to_bytes() == data
    only_eport_errors(lambda: raise_for_sw(response.sw, response.data))


@FUZZ
@given(sw=st.integers(0, 0xFFFF), data=st.binary(max_size=8))
def test_every_status_word_maps_to_an_apdu_error(sw: int, data: bytes) -> None:
    assert isinstance(sw_name(sw), str)
    tries = tries_from_sw(sw)
    assert tries is None or 0 <= tries <= 15
    error = error_for_sw(sw, data)
    assert isinstance(error, ApduError)
    assert error.sw == sw


NASTY_COMMAND_APDUS = {
    "empty": b"",
    "three-bytes": b"\x00\xa4\x04",
    "short-lc-past-end": b"\x00\xa4\x04\x00\x05\x01\x02",
    # regression: Lc = 0 was read as "no data" (ISO 7816-4 has no such encoding; the emulator accepted it)
    "short-lc-zero": b"\x00\xa4\x04\x00\x00\x01",
    "extended-lc-zero": b"\x00\xa4\x04\x00\x00\x00\x00\x01\x00",
    "extended-truncated-lc": b"\x00\xa4\x04\x00\x00\x01\x02\x03",
    "extended-lc-past-end": b"\x00\xa4\x04\x00\x00\xff\xff\x01",
    "extended-lc-short-data": b"\x00\xa4\x04\x00\x00\x00\x05\x01\x02\x03",
    "overlong": b"\x00\xa4\x04\x00\x05" + b"\x00" * 300,
}


@pytest.mark.parametrize("data", NASTY_COMMAND_APDUS.values(), ids=NASTY_COMMAND_APDUS.keys())
def test_nasty_command_apdus(data: bytes) -> None:
    with pytest.raises(BadResponseError):
        CommandApdu.from_bytes(data)


@pytest.mark.parametrize("data", [b"", b"\x90"], ids=["empty", "one-byte"])
def test_nasty_response_apdus(data: bytes) -> None:
    with pytest.raises(BadResponseError, match="too short"):
        ResponseApdu.from_bytes(data)


# ------------------------------------------------------------------------------------------------ TLV
@FUZZ
@given(data=st.binary(max_size=400))
def test_tlv_decoder(data: bytes) -> None:
    try:
        objects = list(iter_tlv(data))
    except BadResponseError:
        return
    assert sum(len(value) for _, value in objects) <= len(data)
    only_eport_errors(lambda: parse_tlv(data))
    only_eport_errors(lambda: HolderData.from_tlv(data))


@FUZZ
@given(objects=st.lists(st.tuples(st.sampled_from([0x80, 0x5F20, 0x9F7F, 0x42]), st.binary(max_size=300)), max_size=5))
def test_tlv_round_trip(objects: list[tuple[int, bytes]]) -> None:
    encoded = b"".join(encode_tlv(tag, value) for tag, value in objects)
    assert list(iter_tlv(encoded)) == objects


@FUZZ
@given(
    holder=st.text(max_size=20),
    name=st.text(max_size=40),
    code=st.text(alphabet="0123456789", max_size=10),
    cert=st.text(alphabet="0123456789abcdef", max_size=16),
)
def test_holder_data_round_trip(holder: str, name: str, code: str, cert: str) -> None:
    data = HolderData(holder_name=holder, enterprise_code=code, enterprise_name=name, certificate_number=cert)
    assert HolderData.from_tlv(data.to_tlv()) == data


NASTY_TLV = {
    "tag-only": b"\x80",
    "two-byte-tag-truncated": b"\x5f",
    "two-byte-tag-no-length": b"\x5f\x20",
    "length-past-end": b"\x80\x05\x01\x02",
    "long-form-truncated": b"\x80\x82\x01",
    "long-form-past-end": b"\x80\x82\xff\xff\x00",
    "indefinite-length": b"\x80\x80\x00\x00",
    "overlong-length-bytes": b"\x80\x84\x00\x00\x00\x01\x00",
}


@pytest.mark.parametrize("data", NASTY_TLV.values(), ids=NASTY_TLV.keys())
def test_nasty_tlv(data: bytes) -> None:
    with pytest.raises(BadResponseError):
        parse_tlv(data)
    with pytest.raises(BadResponseError):
        HolderData.from_tlv(data)


def test_nested_object_past_its_parent() -> None:
    """The outer object is well formed; its contents, decoded in turn, are not."""
    inner = parse_tlv(b"\x70\x03\x80\x05\x00")[0x70]
    with pytest.raises(BadResponseError, match="past the end"):
        parse_tlv(inner)


def test_holder_data_that_is_not_text() -> None:
    with pytest.raises(BadResponseError, match="not valid text"):
        HolderData.from_tlv(encode_tlv(0x80, b"\xff\xfe"))  # 0x80: holder name


@pytest.mark.parametrize(
    ("data", "expected"),
    [(b"", []), (b"\x00\xff\x00", []), (b"\x80\x00", [(0x80, b"")]), (b"\x00\x80\x01A\xff", [(0x80, b"A")])],
    ids=["empty", "padding-only", "zero-length", "padded"],
)
def test_edge_tlv(data: bytes, expected: list[tuple[int, bytes]]) -> None:
    assert list(iter_tlv(data)) == expected


def test_deeply_nested_tlv_is_flat_and_fast() -> None:
    """The decoder does not recurse: 10 000 nested constructed objects are one object, decoded at once."""
    data = b""
    for _ in range(10_000):
        data = encode_tlv(0x70, data) if len(data) < 0xFFFF - 4 else data
    assert parse_tlv(data)[0x70]


# ------------------------------------------------------------------------------------------------ DER header
@FUZZ
@given(head=st.binary(max_size=8))
def test_der_length_header(head: bytes) -> None:
    try:
        total = _der_total_length(head)
    except BadResponseError:
        return
    assert 2 <= total <= 2 + 3 + 0xFFFFFF


# ------------------------------------------------------------------------------------------------ BLOCKTXT frames
def _frames(text: str, block: int = 64) -> list[Frame]:
    return split_text(text, max_block_bytes=block)


@FUZZ
@given(text=st.text(max_size=300))
def test_garbage_frames(text: str) -> None:
    only_eport_errors(lambda: parse_frame(text))
    only_eport_errors(lambda: parse_frame(MAGIC + text))
    only_eport_errors(lambda: parse_frame((MAGIC + text).ljust(HEADER_LENGTH, "0") + text))


@st.composite
def mutated_text(draw: st.DrawFn, text: str) -> str:
    chars = list(text)
    for _ in range(draw(st.integers(1, 3))):
        if not chars:
            break
        pos = draw(st.integers(0, len(chars) - 1))
        kind = draw(st.sampled_from(["set", "drop", "insert", "truncate"]))
        char = draw(st.sampled_from(["0", "9", "-", " ", "x", "中", "\x00", "+"]))
        if kind == "set":
            chars[pos] = char
        elif kind == "drop":
            del chars[pos]
        elif kind == "insert":
            chars.insert(pos, char)
        else:
            del chars[pos:]
    return "".join(chars)


@FUZZ
@given(data=st.data())
def test_mutated_frames(data: st.DataObject) -> None:
    text = "签名数据 signed data " * 12
    frames = _frames(text)
    wire = [frame.to_text() for frame in frames]
    index = data.draw(st.integers(0, len(wire) - 1))
    wire[index] = data.draw(mutated_text(wire[index]))
    try:
        parsed = [parse_frame(item) for item in wire]
        joined = join_frames(parsed)
    except BadResponseError:
        return
    assert joined == text  # a mutation that gets through must not change the text


@FUZZ
@given(data=st.data())
def test_frame_groups(data: st.DataObject) -> None:
    text = data.draw(st.text(min_size=1, max_size=200))
    frames = _frames(text, block=data.draw(st.integers(4, 64)))
    group = data.draw(st.lists(st.sampled_from(frames), max_size=len(frames) + 2))
    with contextlib.suppress(BadResponseError):
        assert join_frames(group) == text


NASTY_FRAMES = {
    "empty": "",
    "magic-only": MAGIC,
    "short-header": MAGIC + "0" * 50,
    "signs-in-numbers": (MAGIC + "ABCDABCD" + "-" * 16 + "+0000001" + "0001").ljust(HEADER_LENGTH, "0") + "x",
    "spaces-in-numbers": (MAGIC + "ABCDABCD" + " " * 16 + "       1" + "0001").ljust(HEADER_LENGTH, "0") + "x",
    "unicode-digits": (MAGIC + "ABCDABCD" + "١" * 16 + "00000001" + "0001").ljust(HEADER_LENGTH, "0") + "x",
    "block-size-past-end": (MAGIC + "ABCDABCD" + "0" * 16 + "99999999" + "0001").ljust(HEADER_LENGTH, "0") + "x",
}


@pytest.mark.parametrize("text", NASTY_FRAMES.values(), ids=NASTY_FRAMES.keys())
def test_nasty_frames(text: str) -> None:
    with pytest.raises(BadResponseError):
        parse_frame(text)


def test_empty_and_foreign_frame_groups() -> None:
    with pytest.raises(BadResponseError, match="no frames"):
        join_frames([])
    one, other = _frames("a" * 100, 60), _frames("b" * 100, 60)
    with pytest.raises(BadResponseError):
        join_frames([one[0], other[1]])


# ------------------------------------------------------------------------------------------------ local service replies
class ScriptedService:
    """A WebSocket server on loopback that answers each call with scripted messages (``{id}`` is the call's id)."""

    def __init__(self) -> None:
        self.script: queue.Queue[list[str]] = queue.Queue()
        self._server = serve(self._handle, "127.0.0.1", 0)
        self.port = self._server.socket.getsockname()[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def _handle(self, ws: ServerConnection) -> None:
        for message in ws:
            call = json.loads(message)
            for text in self.script.get(timeout=5):
                ws.send(text.replace('"{id}"', str(call["_id"])))

    def close(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)


@pytest.fixture(scope="module")
def scripted() -> Iterator[ScriptedService]:
    service = ScriptedService()
    yield service
    service.close()


@pytest.fixture(scope="module")
def client(scripted: ScriptedService) -> Iterator[LocalServiceClient]:
    with LocalServiceClient(f"ws://127.0.0.1:{scripted.port}", timeout=5) as client:
        yield client


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
ARGS = st.one_of(
    JSON,
    st.fixed_dictionaries(
        {},
        optional={
            "Result": st.one_of(st.booleans(), JSON),
            "Data": st.one_of(st.lists(JSON, max_size=3), JSON),
            "Error": st.one_of(st.lists(st.text(max_size=20) | JSON, max_size=3), JSON, st.just(["Err:Card63C2"])),
        },
    ),
)
OK = json.dumps({"_id": "{id}", "_args": {"Result": True, "Data": ["ok"]}})


def _reply(args: Any) -> str:
    return json.dumps({"_id": "{id}", "_method": "cus-sec_SpcGetCardID", "_args": args})


@FUZZ
@given(args=ARGS)
def test_service_replies(client: LocalServiceClient, scripted: ScriptedService, args: Any) -> None:
    """Any ``_args`` in a reply: a list of strings or an EportError."""
    scripted.script.put([_reply(args)])
    try:
        data = client.call("cus-sec_SpcGetCardID")
    except EportError:
        return
    assert all(isinstance(item, str) for item in data)


@FUZZ
@given(
    noise=st.lists(
        st.one_of(
            st.text(max_size=30),
            # a top-level "_id" could be the id of the pending call by chance: that would be a reply, not noise
            JSON.filter(lambda v: not (isinstance(v, dict) and "_id" in v)).map(json.dumps),
        ),
        min_size=1,
        max_size=3,
    )
)
def test_unmatched_noise_does_not_kill_the_reader(
    client: LocalServiceClient, scripted: ScriptedService, noise: list[str]
) -> None:
    """Messages that match no call (garbage, foreign ids, ``_nextBlock`` with odd arguments) are ignored."""
    scripted.script.put([*noise, OK])
    assert client.call("cus-sec_SpcGetCardID") == ["ok"]


NASTY_NOISE = {
    # regression: a _nextBlock whose _args is not an object raised AttributeError in the reader thread, which
    # then died and failed every later call with "connection lost"
    "next-block-args-list": json.dumps({"_method": "_nextBlock", "_args": [1, 2]}),
    "next-block-args-string": json.dumps({"_method": "_nextBlock", "_args": "guid"}),
    "next-block-no-args": json.dumps({"_method": "_nextBlock"}),
    "unhashable-id": json.dumps({"_id": [1], "_args": {}}),
    "float-id": json.dumps({"_id": 1.5, "_args": {}}),
    "top-level-list": "[1, 2]",
    "not-json": "{nope",
    # regression: json.loads raised RecursionError (not a ValueError) in the reader thread
    "deep-json": "[" * 100_000 + "]" * 100_000,
}


@pytest.mark.parametrize("noise", NASTY_NOISE.values(), ids=NASTY_NOISE.keys())
def test_nasty_noise(client: LocalServiceClient, scripted: ScriptedService, noise: str) -> None:
    scripted.script.put([noise, OK])
    assert client.call("cus-sec_SpcGetCardID") == ["ok"]


@pytest.mark.parametrize("noise_id", [True, 1.0, "1"], ids=["bool-true", "float-one", "string-one"])
def test_an_id_that_only_equals_the_call_id_is_not_its_reply(scripted: ScriptedService, noise_id: object) -> None:
    """``True == 1.0 == 1`` in Python: only an int ``_id`` answers call 1 (a fresh client's first call)."""
    impostor = json.dumps({"_id": noise_id, "_args": {"Result": True, "Data": ["impostor"]}})
    scripted.script.put([impostor, OK])
    with LocalServiceClient(f"ws://127.0.0.1:{scripted.port}", timeout=5) as fresh:
        assert fresh.call("cus-sec_SpcGetCardID") == ["ok"]


NASTY_REPLIES = {
    # regression: a non-list Error (a number) raised TypeError from call()
    "error-is-a-number": {"Result": False, "Error": 5},
    "error-is-a-string": {"Result": False, "Error": "Err:Card63C2"},
    "error-is-an-object": {"Result": False, "Error": {"a": 1}},
    "data-is-a-string": {"Result": True, "Data": "abc"},
    "result-missing": {},
    "args-is-a-list": [1],
    "args-is-null": None,
}


@pytest.mark.parametrize("args", NASTY_REPLIES.values(), ids=NASTY_REPLIES.keys())
def test_nasty_replies(client: LocalServiceClient, scripted: ScriptedService, args: Any) -> None:
    scripted.script.put([_reply(args)])
    with pytest.raises(EportError):
        client.call("cus-sec_SpcGetCardID")


# ------------------------------------------------------------------------------------- certificates from cards
@st.composite
def mutated_bytes(draw: st.DrawFn, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 4))):
        if not out:
            break
        pos = draw(st.integers(0, len(out) - 1))
        kind = draw(st.sampled_from(["flip", "drop", "truncate", "set"]))
        if kind == "flip":
            out[pos] ^= 1 << draw(st.integers(0, 7))
        elif kind == "drop":
            del out[pos]
        elif kind == "truncate":
            del out[pos:]
        else:
            out[pos] = draw(st.sampled_from([0x00, 0x05, 0x30, 0x80, 0x84, 0xFF]))
    return bytes(out)


CARD_CERTIFICATES = [demo.signing_certificate_der(), demo.sm2_signing_certificate_der()]


@FUZZ
@given(data=st.data())
def test_certificate_helpers_on_mutated_card_certificates(data: st.DataObject) -> None:
    """What a card (or the local service) returns as its certificate goes through these helpers first."""
    der = data.draw(mutated_bytes(data.draw(st.sampled_from(CARD_CERTIFICATES))))
    for helper in (key_algorithm_of_certificate, certificate_validity, certificate_spki):
        only_eport_errors(lambda helper=helper: helper(der))  # type: ignore[misc]


class EchoService(ScriptedService):
    """Answers every call with ``Result: true`` and ``Data: [value]`` (``value`` set by the test)."""

    value: Any = ""

    def _handle(self, ws: ServerConnection) -> None:
        for message in ws:
            call = json.loads(message)
            ws.send(json.dumps({"_id": call["_id"], "_args": {"Result": True, "Data": [self.value]}}))


@pytest.fixture(scope="module")
def echo() -> Iterator[EchoService]:
    service = EchoService()
    yield service
    service.close()


SERVICE_VALUES = st.one_of(
    st.text(max_size=40),
    st.sampled_from(CARD_CERTIFICATES).flatmap(mutated_bytes).map(lambda b: base64.b64encode(b).decode()),
    st.binary(max_size=70).map(lambda b: base64.b64encode(b).decode()),
    st.sampled_from(['{"szStartTime": 1}', "[]", "null", '{"szStartTime": "x", "szEndTime": "y"}']),
    JSON,
)


@FUZZ
@given(value=SERVICE_VALUES)
def test_local_service_card_on_odd_answers(echo: EchoService, value: Any) -> None:
    """Whatever the service answers, every card operation returns or raises an EportError."""
    echo.value = value
    with LocalServiceClient(f"ws://127.0.0.1:{echo.port}", timeout=5) as client:
        card = LocalServiceCard(client)
        for operation in (
            card.info,
            card.validity,
            card.encryption_certificate,
            lambda: card.sign(b"<x/>", SignatureAlgorithm.RSA_SHA1),
            lambda: card.sign(b"<x/>", SignatureAlgorithm.SM2_SM3),
            lambda: card.verify_pin(DEMO_PIN),
        ):
            only_eport_errors(operation)


def _bad_time(der: bytes) -> bytes:
    at = der.index(b"\x17\x0d") + 2  # the first UTCTime (notBefore)
    return der[: at + 11] + b"[" + der[at + 12 :]


CARD_CERTIFICATE_CASES = {
    # regressions: eport.card.base parsed certificates with its own lazy asn1crypto code and let ValueError escape
    # (a malformed UTCTime, found by the property above); they now use eport.pki's tolerant, typed parser
    "bad-utctime": _bad_time(demo.signing_certificate_der()),
    "truncated": demo.signing_certificate_der()[:-20],
    "empty": b"",
    "not-a-certificate": b"\x30\x03\x02\x01\x01",
}


@pytest.mark.parametrize("der", CARD_CERTIFICATE_CASES.values(), ids=CARD_CERTIFICATE_CASES.keys())
def test_card_certificate_helpers_raise_certificate_error(der: bytes) -> None:
    for helper in (key_algorithm_of_certificate, certificate_validity, certificate_spki, certificate_serial_hex):
        with pytest.raises(CertificateError):
            helper(der)


# ------------------------------------------------------------------------------------------------ the emulator
@FUZZ
@given(
    apdus=st.lists(
        st.one_of(
            st.binary(max_size=300),
            st.tuples(
                st.sampled_from([0x00, 0x80, 0x10, 0x0C]),
                st.sampled_from([0xA4, 0xCA, 0xB0, 0x20, 0x24, 0x22, 0x2A, 0xC0, 0x00, 0xFF]),
                st.integers(0, 255),
                st.integers(0, 255),
                st.binary(max_size=40),
            ).map(lambda t: bytes(t[:4]) + (bytes((len(t[4]),)) + t[4] if t[4] else b"")),
        ),
        max_size=8,
    ),
    t0=st.booleans(),
)
def test_the_emulator_answers_every_apdu(apdus: list[bytes], t0: bool) -> None:
    """``eport card emulate`` must never crash on what a reader sends: every APDU gets a status word."""
    card = demo_card(t0=t0)
    select = bytes.fromhex("00A404000AD156000045504F525401")
    for apdu in [select, *apdus]:
        answer = card.process(apdu)
        assert len(answer) >= 2
