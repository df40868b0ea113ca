"""The local signing service client against the simulator over a real WebSocket on loopback."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eport.card.emulator import DEMO_PIN, demo_card
from eport.card.frames import (
    HEADER_LENGTH,
    crc16_ccitt,
    is_frame,
    join_frames,
    parse_frame,
    split_text,
)
from eport.card.localservice import LocalServiceCard, LocalServiceClient
from eport.card.simulator import LocalServiceSimulator
from eport.errors import (
    BadResponseError,
    CardTimeoutError,
    ConfigurationError,
    LocalServiceError,
    PinError,
    PinLockedError,
    UnsupportedAlgorithm,
)
from eport.pki.signer import SignatureAlgorithm


@pytest.fixture
def simulator() -> Iterator[LocalServiceSimulator]:
    with LocalServiceSimulator(demo_card(), delays={"cus-sec_SpcGetCardID": 0.4}) as sim:
        yield sim


def test_replies_are_matched_by_id_not_by_method(simulator: LocalServiceSimulator) -> None:
    results: dict[str, list[str]] = {}
    with LocalServiceClient(simulator.url) as client:

        def slow() -> None:
            results["slow"] = client.call("cus-sec_SpcGetCardID")

        thread = threading.Thread(target=slow)
        thread.start()
        time.sleep(0.05)
        order = []
        for method in ("cus-sec_SpcGetCertNo", "cus-sec_SpcGetUName", "cus-sec_SpcGetCertNo"):
            results[method] = client.call(method)
            order.append(method)
        assert "slow" not in results  # the fast calls were answered while the slow one was still running
        thread.join()
    assert results["slow"] == ["JJ0DEMO000001"]
    assert results["cus-sec_SpcGetCertNo"] == ["03000000000de301"]
    assert results["cus-sec_SpcGetUName"] == ["演示操作员 Demo Operator"]


def test_many_concurrent_calls_of_the_same_method(simulator: LocalServiceSimulator) -> None:
    simulator.delays.clear()
    with LocalServiceClient(simulator.url) as client:
        answers: list[list[str]] = []
        lock = threading.Lock()

        def worker() -> None:
            for _ in range(5):
                value = client.call("cus-sec_SpcGetEntID")
                with lock:
                    answers.append(value)

        threads = [threading.Thread(target=worker) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert answers == [["1101960001"]] * 40


def test_timeout(simulator: LocalServiceSimulator) -> None:
    with LocalServiceClient(simulator.url, timeout=0.1) as client, pytest.raises(CardTimeoutError, match=r"0\.1 s"):
        client.call("cus-sec_SpcGetCardID")


def test_connect_failure_and_reconnect() -> None:
    sim = LocalServiceSimulator(demo_card()).start()
    client = LocalServiceClient(sim.url, connect_timeout=1)
    assert client.call("cus-sec_SpcGetCardID") == ["JJ0DEMO000001"]
    sim.stop()
    with pytest.raises(LocalServiceError) as info:
        client.call("cus-sec_SpcGetCardID")
    assert info.value.code == "Err:Base60408"
    assert "客户端控件" in str(info.value)  # "could not connect" or, if the close raced the call, "connection lost"
    sim.start()  # same port
    try:
        assert client.call("cus-sec_SpcGetCardID") == ["JJ0DEMO000001"]
    finally:
        client.close()
        sim.stop()


def test_error_replies_are_typed(simulator: LocalServiceSimulator) -> None:
    with LocalServiceClient(simulator.url) as client:
        with pytest.raises(LocalServiceError) as unknown:
            client.call("cus-sec_NoSuchMethod")
        assert unknown.value.code == "Err:Base50000"
        with pytest.raises(PinError) as wrong:
            client.call("cus-sec_SpcVerifyPIN", {"passwd": "00000000"})
        assert wrong.value.tries_left == 4


def test_known_service_codes_get_a_remedy() -> None:
    client = LocalServiceClient()
    error = client._error("[读卡器底层库]复位读卡器失败:错误码=50070", "Err:Custom50070")
    assert isinstance(error, LocalServiceError)
    assert error.code == "Err:Custom50070"
    assert "restart the E-Port client" in str(error)
    other = client._error("something", "Err:Custom99999")
    assert isinstance(other, LocalServiceError)
    assert other.code == "Err:Custom99999"
    custom = LocalServiceClient(error_codes={"Err:Custom99999": lambda message, code: PinLockedError()})
    assert isinstance(custom._error("locked", "Err:Custom99999"), PinLockedError)


def test_large_payloads_go_in_blocktxt_frames(simulator: LocalServiceSimulator) -> None:
    text = "<报文>" + "货物" * 2000 + "</报文>"
    with LocalServiceClient(simulator.url, max_block_bytes=1024) as client:
        card = LocalServiceCard(client)
        card.verify_pin(DEMO_PIN)
        signature = card.sign(text.encode(), SignatureAlgorithm.RSA_SHA1)
        card.verify_with_service(text.encode(), signature)
    assert simulator.calls.count("cus-sec_SpcSignDataAsPEM") == 1


def test_service_card_limits(simulator: LocalServiceSimulator) -> None:
    with LocalServiceClient(simulator.url) as client:
        card = LocalServiceCard(client)
        card.verify_pin(DEMO_PIN)
        with pytest.raises(UnsupportedAlgorithm):
            card.sign(b"x", SignatureAlgorithm.RSA_SHA256)
        with pytest.raises(ConfigurationError):
            card.sign(b"\xff\xfe", SignatureAlgorithm.RSA_SHA1)
        start, end = card.validity()
        assert start.startswith("2026")
        assert end.startswith("2036")
        assert card.encryption_certificate()


def test_greeting_is_ignored_and_bad_frames_are_rejected(simulator: LocalServiceSimulator) -> None:
    from websockets.sync.client import connect

    with connect(simulator.url) as ws:
        greeting = json.loads(ws.recv())
        assert greeting["_id"] == 0
        assert greeting["_method"] == "open"
        ws.send(json.dumps({"_method": "cus-sec_SpcGetEntName", "_id": 41, "args": {}}))
        reply = json.loads(ws.recv())
    assert reply["_id"] == 41
    assert reply["_args"]["Result"] is True


@settings(max_examples=30)
@given(text=st.text(min_size=0, max_size=400), size=st.integers(4, 64))
def test_frames_round_trip(text: str, size: int) -> None:
    frames = split_text(text, max_block_bytes=size)
    assert all(len(f.chunk.encode()) <= size for f in frames)
    wire = [f.to_text() for f in frames]
    assert all(is_frame(w) for w in wire)
    assert all(w[:HEADER_LENGTH].isascii() for w in wire)
    assert join_frames([parse_frame(w) for w in reversed(wire)]) == text


def test_damaged_or_missing_frames() -> None:
    frames = [f.to_text() for f in split_text("abcdefghij" * 10, max_block_bytes=16)]
    damaged = frames[1][:-1] + ("X" if frames[1][-1] != "X" else "Y")
    with pytest.raises(BadResponseError):
        parse_frame(damaged)
    with pytest.raises(BadResponseError):
        join_frames([parse_frame(f) for f in frames[:-1]])
    with pytest.raises(BadResponseError):
        parse_frame("BLOCKTXT" + "z" * 200)
    assert crc16_ccitt(b"123456789") == "29B1"  # CRC-16/CCITT-FALSE check value
