"""PC/SC through a real pcscd with the vpcd driver and the emulated card as a vpcd client."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from smartcard import scard

from eport.card import pcsc
from eport.card.emulator import DEMO_PIN, EmulatedCard, VpcdCard, demo_card
from eport.card.operator import OperatorCard
from eport.errors import (
    CardRemovedError,
    CardResetError,
    CardTimeoutError,
    FileNotFound,
    NoCardError,
    NoReaderError,
    PcscUnavailableError,
    ReaderNotFoundError,
    SecurityStatusNotSatisfied,
)
from eport.pki.signer import SignatureAlgorithm
from tests.card.conftest import READER
from tests.card.pcscd import start_private_pcscd, vpcd_port
from tests.prerequisites import unavailable

pytestmark = pytest.mark.pcscd

Insert = Callable[[EmulatedCard], VpcdCard]


def test_lists_the_vpcd_readers(pcscd: None) -> None:
    readers = pcsc.list_readers()
    assert READER in readers
    assert "Virtual PCD 00 01" in readers
    status = {s.name: s for s in pcsc.reader_status()}
    assert status[READER].card_present is False


def test_errors_without_card_or_reader(pcscd: None) -> None:
    with pytest.raises(NoCardError, match="未插卡"):
        pcsc.connect(READER)
    with pytest.raises(ReaderNotFoundError):
        pcsc.connect("No Such Reader 00 00")
    with pytest.raises(CardTimeoutError):
        pcsc.wait_for_card(READER, timeout=0.3)


def test_pcscd_not_running_gives_a_clear_error(tmp_path: object) -> None:
    env = dict(os.environ, PCSCLITE_CSOCK_NAME="/nonexistent/pcscd.comm")
    code = (
        "from eport.card import pcsc\n"
        "from eport.errors import PcscUnavailableError\n"
        "try:\n    pcsc.list_readers()\nexcept PcscUnavailableError as e:\n    print('UNAVAILABLE', e)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert "UNAVAILABLE" in result.stdout
    assert "智能卡服务" in result.stdout
    assert "pcscd" in result.stdout


def test_hresults_map_to_typed_errors() -> None:
    cases = {
        scard.SCARD_E_NO_SERVICE: PcscUnavailableError,
        scard.SCARD_E_NO_READERS_AVAILABLE: NoReaderError,
        scard.SCARD_E_UNKNOWN_READER: ReaderNotFoundError,
        scard.SCARD_W_RESET_CARD: CardResetError,
        scard.SCARD_W_UNPOWERED_CARD: CardResetError,
        scard.SCARD_W_REMOVED_CARD: CardRemovedError,
        scard.SCARD_E_NO_SMARTCARD: NoCardError,
        scard.SCARD_E_TIMEOUT: CardTimeoutError,
    }
    for hresult, exception in cases.items():
        with pytest.raises(exception):
            pcsc._raise(hresult, "test", "reader")


def test_wait_for_insertion_and_removal(pcscd: None) -> None:
    vpcd = VpcdCard(demo_card(), port=vpcd_port())
    timer = threading.Timer(0.3, vpcd.insert)
    timer.start()
    started = time.monotonic()
    assert pcsc.wait_for_card(timeout=5) == READER
    assert time.monotonic() - started >= 0.25
    threading.Timer(0.3, vpcd.remove).start()
    pcsc.wait_for_removal(READER, timeout=5)
    assert not vpcd.inserted


def test_watch_reports_card_events(pcscd: None) -> None:
    vpcd = VpcdCard(demo_card(), port=vpcd_port())
    events: list[pcsc.CardEvent] = []
    stop = threading.Event()

    def collect() -> None:
        for event in pcsc.watch(duration=8, stop=stop, poll=0.1):
            events.append(event)
            if event.kind == "card-removed":
                stop.set()

    thread = threading.Thread(target=collect)
    thread.start()
    time.sleep(0.3)
    vpcd.insert()
    pcsc.wait_for_card(READER, timeout=5)
    time.sleep(0.3)
    vpcd.remove()
    thread.join(timeout=10)
    kinds = [(e.kind, e.reader) for e in events]
    assert ("reader-added", READER) in kinds
    assert kinds.index(("card-inserted", READER)) < kinds.index(("card-removed", READER))
    inserted = next(e for e in events if e.kind == "card-inserted")
    assert inserted.atr == vpcd.card.atr
    pcsc.wait_for_removal(READER, timeout=5)


def test_t1_card(insert: Insert) -> None:
    card = demo_card()
    insert(card)
    with pcsc.connect(READER) as transport:
        assert transport.protocol_name == "T=1"
        assert transport.atr == card.atr
        operator = OperatorCard(transport)
        assert operator.card_id() == "JJ0DEMO000001"


def test_t0_card_uses_61xx_chaining(insert: Insert) -> None:
    card = demo_card(t0=True)
    insert(card)
    with pcsc.connect(READER) as transport:
        assert transport.protocol_name == "T=0"
        # raw: the card answers 61xx and pyscard does not follow it
        data, sw = transport.send_and_receive(bytes.fromhex("00A404000AD156000045504F52540100"))
        assert data == b""
        assert sw >> 8 == 0x61
        # through the protocol, certificates (more than 256 bytes) come back whole
        operator = OperatorCard(transport)
        before = card.commands
        cert = operator.signing_certificate()
        assert len(cert) > 256
        assert card.commands - before >= 2 * 5  # every READ BINARY needs a GET RESPONSE
        operator.verify_pin(DEMO_PIN)
        assert len(operator.sign(b"x", SignatureAlgorithm.RSA_SHA256)) == 256


def test_disconnect_leaves_the_card_powered_so_the_pin_survives(insert: Insert) -> None:
    card = demo_card()
    insert(card)
    with pcsc.connect(READER) as transport:
        OperatorCard(transport).verify_pin(DEMO_PIN)
    with pcsc.connect(READER) as transport:
        signature = OperatorCard(transport).sign(b"data", SignatureAlgorithm.RSA_SHA1)
    assert len(signature) == 256
    assert card.verified


def test_reset_by_another_application(insert: Insert) -> None:
    card = demo_card()
    insert(card)
    with pcsc.connect(READER) as transport:
        operator = OperatorCard(transport)
        operator.verify_pin(DEMO_PIN)
        with pcsc.connect(READER) as other:
            hresult, _ = scard.SCardReconnect(
                other._handle, scard.SCARD_SHARE_SHARED, scard.SCARD_PROTOCOL_T1, scard.SCARD_RESET_CARD
            )
            assert hresult == scard.SCARD_S_SUCCESS
        with pytest.raises(CardResetError):
            operator.card_id()
        # reconnected: the handle works again, but the application must be selected and the PIN verified again
        operator = OperatorCard(transport)
        with pytest.raises(SecurityStatusNotSatisfied):
            operator.sign(b"data", SignatureAlgorithm.RSA_SHA1)
        operator.verify_pin(DEMO_PIN)
        operator.sign(b"data", SignatureAlgorithm.RSA_SHA1)


def test_card_removed_during_a_session(insert: Insert) -> None:
    vpcd = insert(demo_card())
    with pcsc.connect(READER) as transport:
        operator = OperatorCard(transport)
        vpcd.remove()
        pcsc.wait_for_removal(READER, timeout=5)
        with pytest.raises((CardRemovedError, NoCardError)):
            operator.card_id()


def test_exclusive_connection_blocks_others(insert: Insert) -> None:
    insert(demo_card())
    with pcsc.connect(READER, exclusive=True) as transport:
        OperatorCard(transport)
        with pytest.raises(Exception, match="exclusive use"):
            pcsc.connect(READER)
    with pcsc.connect(READER):
        pass


def test_connect_without_reader_name_finds_the_card(insert: Insert) -> None:
    insert(demo_card())
    with pcsc.connect() as transport:
        assert transport.reader == READER


def test_threads_share_one_card_safely(insert: Insert) -> None:
    from eport.card.base import certificate_spki
    from eport.pki.keys import verify_signature

    insert(demo_card(t0=True))  # T=0: every answer is a 61xx + GET RESPONSE pair that must not interleave
    with OperatorCard.connect(READER) as card:
        card.verify_pin(DEMO_PIN)
        spki = certificate_spki(card.signing_certificate())
        errors: list[BaseException] = []

        def worker(n: int) -> None:
            try:
                for i in range(10):
                    data = f"thread {n} message {i}".encode()
                    verify_signature(spki, card.sign(data, SignatureAlgorithm.RSA_SHA256), data,
                                     SignatureAlgorithm.RSA_SHA256)  # fmt: skip
                    assert card.info().card_id == "JJ0DEMO000001"
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []


def test_operator_card_connect_closes_the_transport_on_failure(insert: Insert) -> None:
    card = demo_card()
    card.profile = type(card.profile)(aid=bytes.fromhex("A000000003000000"))
    insert(card)
    with pytest.raises(FileNotFound):
        OperatorCard.connect(READER, exclusive=True)
    with pcsc.connect(READER, exclusive=True):  # would be a sharing violation if the first handle had leaked
        pass


def test_no_reader_connected(tmp_path: Path) -> None:
    """A real pcscd without any reader (private, in a user namespace): NoReaderError with the manuals' remedy."""
    from tests.card.pcscd import PcscdUnavailable

    try:
        process, path = start_private_pcscd(tmp_path, vpcd_port=None)
    except PcscdUnavailable as exc:
        unavailable(str(exc))
    try:
        code = (
            "from eport.card import pcsc, doctor\n"
            "from eport.errors import NoReaderError\n"
            "assert pcsc.list_readers() == []\n"
            "try:\n    pcsc.connect()\nexcept NoReaderError as e:\n    print('NOREADER', e)\n"
            "print([r.status for r in doctor.run_checks()][:2])\n"
        )
        env = dict(os.environ, PCSCLITE_CSOCK_NAME=path)
        result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False)
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert result.returncode == 0, result.stderr
    assert "NOREADER" in result.stdout
    assert "未检测到读卡器" in result.stdout
    assert "['ok', 'fail']" in result.stdout
