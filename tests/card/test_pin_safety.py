"""Adversarial checks of the PIN promises: never in logs (any level, TRAFFIC included), reprs, exception text or
formatted tracebacks; never sent twice by eport on its own (wrong-length answers, card resets, dropped local-service
connections); the last try refused without explicit consent."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
import traceback
from collections.abc import Iterator

import pytest
from websockets.sync.server import ServerConnection, serve

from eport.card.apdu import CommandApdu
from eport.card.emulator import DEMO_PIN, EmulatedCard, InProcessTransport, demo_card
from eport.card.localservice import LocalServiceCard, LocalServiceClient
from eport.card.operator import OperatorCard
from eport.card.protocol import CardProtocol
from eport.card.signer import CardSigner
from eport.card.simulator import LocalServiceSimulator
from eport.errors import (
    ApduError,
    CardResetError,
    EportError,
    LocalServiceError,
    PinError,
    PinLockedError,
    PinPolicyError,
)
from eport.pki.signer import SignatureAlgorithm
from tests.card.conftest import Backend

SECRET = "73519246"  # appears nowhere in the demo identity
SECRET_NEW = "64820913"
INS_VERIFY, INS_CHANGE = 0x20, 0x24


def _forms(pin: str) -> list[str]:
    raw = pin.encode("ascii")
    return [pin, raw.hex(), raw.hex().upper(), raw.hex(" "), raw.hex(" ").upper(), repr(raw)]


def assert_no_pin(text: str, *pins: str) -> None:
    for pin in pins:
        for form in _forms(pin):
            assert form not in text, f"PIN leaked as {form!r}"


def describe(exc: BaseException) -> str:
    """Everything eport or a caller would print about an exception: str, repr, the formatted chain."""
    return f"{exc}\n{exc!r}\n" + "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))


@pytest.fixture
def all_logs() -> Iterator[list[str]]:
    """Every record of every logger at every level (TRAFFIC = 5 and below), formatted with exception info."""
    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(self.format(record))

    handler = Collect(level=1)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    names = ["eport", "websockets"]
    old = {name: logging.getLogger(name).level for name in names}
    old_root = root.level
    root.addHandler(handler)
    root.setLevel(1)
    for name in names:
        logging.getLogger(name).setLevel(1)
    try:
        yield lines
    finally:
        root.removeHandler(handler)
        root.setLevel(old_root)
        for name, level in old.items():
            logging.getLogger(name).setLevel(level)


def test_pin_never_leaks_through_any_backend(backend: Backend, all_logs: list[str]) -> None:
    text: list[str] = []
    card = backend.card
    for attempt in (
        lambda: card.verify_pin(SECRET),
        lambda: card.change_pin(SECRET, SECRET_NEW),
        lambda: card.verify_pin(SECRET + "\x07"),
        lambda: card.verify_pin(SECRET * 3),
    ):
        with pytest.raises(EportError) as info:
            attempt()
        text.append(describe(info.value))
    card.verify_pin(DEMO_PIN)
    card.change_pin(DEMO_PIN, SECRET)
    card.verify_pin(SECRET)
    signer = CardSigner(card)
    signer.sign(b"<x/>", SignatureAlgorithm.RSA_SHA1)
    text += [repr(card), repr(signer), repr(backend.emulated), "\n".join(all_logs)]
    assert any(line.startswith("TRAFFIC") for line in all_logs) or backend.name == "localservice"
    assert_no_pin("\n".join(text), SECRET, SECRET_NEW, DEMO_PIN)


# ---------------------------------------------------------------------- no retry on its own


class Recording:
    """A transport over an emulated card that records every APDU and can replace the answer to one INS."""

    def __init__(self, card: EmulatedCard, *, on_ins: int | None = None, answer: object = None) -> None:
        self.inner = InProcessTransport(card)
        self.sent: list[bytes] = []
        self.on_ins = on_ins
        self.answer = answer

    def send_and_receive(self, apdu: bytes) -> tuple[bytes, int]:
        self.sent.append(apdu)
        if self.on_ins is not None and apdu[1] == self.on_ins:
            if isinstance(self.answer, BaseException):
                raise self.answer
            assert isinstance(self.answer, int)
            return b"", self.answer
        return self.inner.send_and_receive(apdu)

    def close(self) -> None:
        self.inner.close()

    def count(self, ins: int) -> int:
        return sum(1 for apdu in self.sent if apdu[1] == ins)


@pytest.mark.parametrize("sw", [0x6C08, 0x6C00, 0x6100, 0x6700])
def test_a_wrong_length_answer_to_verify_is_not_resent(sw: int) -> None:
    """6Cxx normally means "resend with Le = xx"; for VERIFY that resend would be a second PIN try."""
    transport = Recording(demo_card(), on_ins=INS_VERIFY, answer=sw)
    card = OperatorCard(transport)
    with pytest.raises(ApduError):
        card.verify_pin(SECRET)
    assert transport.count(INS_VERIFY) == 1


def test_a_wrong_length_answer_to_change_pin_is_not_resent() -> None:
    transport = Recording(demo_card(), on_ins=INS_CHANGE, answer=0x6C10)
    with pytest.raises(ApduError):
        OperatorCard(transport).change_pin(DEMO_PIN, SECRET)
    assert transport.count(INS_CHANGE) == 1


@pytest.mark.parametrize("ins", [0x20, 0x21, 0x24, 0x2C], ids=["verify", "verify-odd", "change", "reset-retry"])
def test_pin_commands_are_recognised_without_the_callers_flag(ins: int, all_logs: list[str]) -> None:
    """A vendor profile that forgets ``sensitive=True``: still one try only, and the PIN masked in the traffic."""
    transport = Recording(demo_card(), on_ins=ins, answer=0x6C08)
    protocol = CardProtocol(transport)
    with pytest.raises(ApduError):
        protocol.send_apdu(0x00, ins, 0x00, 0x81, SECRET.encode("ascii"))  # no sensitive=True
    assert transport.count(ins) == 1
    assert any(line.startswith("TRAFFIC") for line in all_logs)
    assert_no_pin("\n".join(all_logs), SECRET)
    assert CommandApdu(ins=ins, data=b"12345678").is_sensitive


def test_a_card_reset_during_verify_is_reported_not_retried() -> None:
    emulated = demo_card()
    transport = Recording(emulated, on_ins=INS_VERIFY, answer=CardResetError("the card was reset"))
    card = OperatorCard(transport)
    with pytest.raises(CardResetError):
        card.verify_pin(DEMO_PIN)
    assert transport.count(INS_VERIFY) == 1
    transport.on_ins = None  # the caller decides to try again, once
    card.verify_pin(DEMO_PIN)
    assert transport.count(INS_VERIFY) == 2


def test_a_wrong_pin_is_sent_exactly_once() -> None:
    emulated = demo_card()
    transport = Recording(emulated)
    with pytest.raises(PinError) as info:
        OperatorCard(transport).verify_pin(SECRET)
    assert info.value.tries_left == 4
    assert transport.count(INS_VERIFY) == 1
    assert emulated.tries_left == 4


@pytest.mark.parametrize("operation", ["verify", "change"])
def test_the_last_try_is_refused_without_consent_and_nothing_is_sent(operation: str) -> None:
    emulated = demo_card(max_tries=5)
    emulated.tries_left = 1
    transport = Recording(emulated)
    card = OperatorCard(transport)
    ins = INS_VERIFY if operation == "verify" else INS_CHANGE

    def attempt(**kwargs: bool) -> None:
        if operation == "verify":
            card.verify_pin(SECRET, **kwargs)
        else:
            card.change_pin(SECRET, SECRET_NEW, **kwargs)

    with pytest.raises(PinPolicyError, match="one PIN try"):
        attempt()
    assert transport.count(ins) == 0
    assert emulated.tries_left == 1
    with pytest.raises(PinLockedError):  # the consented last try was wrong: the card is now blocked
        attempt(allow_last_try=True)
    assert transport.count(ins) == 1
    assert emulated.tries_left == 0


class DroppingService:
    """A WebSocket server that records every request and drops the connection on the first PIN verification
    without answering, like a local signing service that crashed in the middle of it."""

    def __init__(self) -> None:
        self.requests: list[dict[str, object]] = []
        self._dropped = False
        self._server = serve(self._session, "127.0.0.1", 0)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self._server.socket.getsockname()[1]}"

    def _session(self, ws: ServerConnection) -> None:
        for message in ws:
            request = json.loads(message)
            self.requests.append(request)
            if request["_method"] == "cus-sec_SpcVerifyPIN" and not self._dropped:
                self._dropped = True
                ws.close()
                return
            reply = {"_id": request["_id"], "_method": request["_method"], "_status": "00"}
            ws.send(json.dumps({**reply, "_args": {"Result": True, "Data": ["ok"], "Error": []}}))

    def __enter__(self) -> DroppingService:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)


def test_a_dropped_local_service_connection_is_not_a_reason_to_resend_the_pin(all_logs: list[str]) -> None:
    with DroppingService() as service, LocalServiceClient(service.url, timeout=5) as client:
        card = LocalServiceCard(client)
        with pytest.raises(LocalServiceError) as info:
            card.verify_pin(SECRET)
        assert [r["_method"] for r in service.requests].count("cus-sec_SpcVerifyPIN") == 1
        assert card.card_id() == "ok"  # the client reconnects for the next call
        assert [r["_method"] for r in service.requests].count("cus-sec_SpcVerifyPIN") == 1
    eport_logs = [line for line in all_logs if " websockets.server " not in line]  # the test server's own log
    assert_no_pin(describe(info.value) + "\n".join(eport_logs), SECRET)


def test_a_local_service_timeout_does_not_resend_the_pin() -> None:
    with LocalServiceSimulator(demo_card(), delays={"cus-sec_SpcVerifyPIN": 0.5}) as simulator:
        with LocalServiceClient(simulator.url, timeout=0.1) as client:
            card = LocalServiceCard(client)
            with pytest.raises(EportError) as info:
                card.verify_pin(DEMO_PIN)
            assert_no_pin(describe(info.value), DEMO_PIN)
            # the slow reply arrives later and is dropped; the next call is answered in order after it
            assert card.card_id() == simulator.emulated.card_id
        assert simulator.calls.count("cus-sec_SpcVerifyPIN") == 1


# ---------------------------------------------------------------------- CLI


def _eport(args: list[str], *, pin: str | None, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "EPORT_PIN"}
    if pin is not None:
        env["EPORT_PIN"] = pin
    return subprocess.run(
        [sys.executable, "-c", "from eport.cli import main; main()", *args],
        input=stdin,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("debug", [False, True])
def test_cli_never_prints_the_pin(debug: bool) -> None:
    """``eport [--debug] card verify-pin/change-pin`` with a wrong PIN from EPORT_PIN or the prompt: the error, the
    debug log and the traceback never show it."""
    flags = ["--debug"] if debug else []
    with LocalServiceSimulator(demo_card()) as simulator:
        url = ["--local-service", simulator.url]
        verify = _eport([*flags, "card", "verify-pin", *url], pin=SECRET)
        change = _eport([*flags, "card", "change-pin", *url], pin=None, stdin=f"{SECRET}\n{SECRET_NEW}\n{SECRET_NEW}\n")
        malformed = _eport([*flags, "card", "verify-pin", *url], pin=SECRET + "\x07")
    for result in (verify, change, malformed):
        assert result.returncode != 0
        assert "PinError" in result.stderr or "PinPolicyError" in result.stderr, result.stderr
        if debug:
            assert "Traceback" in result.stderr
        assert_no_pin(result.stdout + result.stderr, SECRET, SECRET_NEW)
    assert simulator.calls.count("cus-sec_SpcVerifyPIN") == 1
