"""APDU round trips and signatures per second through a real pcscd + vpcd, with in-process baselines.

* ``pcscd-*``: through pyscard, pcscd, the vpcd driver and the emulated card's TCP socket (TCP_QUICKACK set).
* ``inprocess-*``: the same command on the same emulated card through :class:`InProcessTransport` (the card's own
  cost; the difference is the PC/SC stack).
* ``pcscd-apdu-no-quickack``: the same round trip to a second emulated card (reader ``Virtual PCD 00 01``) that does
  not set TCP_QUICKACK: the Nagle / delayed-ACK stall of Debian's vpcd, which QUICKACK removes.
* ``sign-*``: ``OperatorCard.sign`` end to end (hash, MSE:SET, PSO: COMPUTE DIGITAL SIGNATURE); the baseline is the
  same key signing in memory with ``cryptography`` (RSA) or ``eport.pki.sm2`` (SM2).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from eport.card import demo, pcsc
from eport.card.emulator import DEMO_PIN, InProcessTransport, VpcdCard, demo_card
from eport.card.operator import OperatorCard
from eport.pki.signer import KeyAlgorithm, SignatureAlgorithm
from eport.pki.sm2 import SM2PrivateKey
from tests.card.pcscd import READER, PcscdUnavailable, running_pcscd, vpcd_port
from tests.prerequisites import unavailable

DATA = b"<ds:SignedInfo>" + b"x" * 400 + b"</ds:SignedInfo>"
GET_PIN_STATUS = bytes.fromhex("00CA010400")


SECOND_READER = "Virtual PCD 00 01"


@pytest.fixture(scope="module")
def pcscd_running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    try:
        with running_pcscd(Path(tmp_path_factory.mktemp("pcscd"))):
            yield
    except PcscdUnavailable as exc:
        unavailable(str(exc))


def _inserted(reader: str, port: int, *, quickack: bool) -> Iterator[OperatorCard]:
    vpcd = VpcdCard(demo_card(), port=port, quickack=quickack)
    vpcd.insert()
    try:
        pcsc.wait_for_card(reader, timeout=5)
        with pcsc.connect(reader) as transport:
            card = OperatorCard(transport)
            card.verify_pin(DEMO_PIN)
            yield card
    finally:
        vpcd.remove()
        pcsc.wait_for_removal(reader, timeout=5)


@pytest.fixture(scope="module")
def pcsc_card(pcscd_running: None) -> Iterator[OperatorCard]:
    yield from _inserted(READER, vpcd_port(), quickack=True)


@pytest.fixture(scope="module")
def pcsc_card_without_quickack(pcscd_running: None) -> Iterator[OperatorCard]:
    yield from _inserted(SECOND_READER, vpcd_port() + 1, quickack=False)


@pytest.fixture
def inprocess_card() -> OperatorCard:
    card = OperatorCard(InProcessTransport(demo_card()))
    card.verify_pin(DEMO_PIN)
    return card


@pytest.mark.pcscd
@pytest.mark.benchmark(group="apdu-round-trip")
def test_bench_card_pcscd_apdu(benchmark: object, pcsc_card: OperatorCard) -> None:
    transport = pcsc_card.protocol.transport
    data, sw = benchmark(transport.send_and_receive, GET_PIN_STATUS)  # type: ignore[operator]
    assert sw == 0x9000
    assert data == b"\x05\x05"


@pytest.mark.pcscd
@pytest.mark.benchmark(group="apdu-round-trip")
def test_bench_card_pcscd_apdu_no_quickack(benchmark: object, pcsc_card_without_quickack: OperatorCard) -> None:
    transport = pcsc_card_without_quickack.protocol.transport
    data, sw = benchmark.pedantic(transport.send_and_receive, args=(GET_PIN_STATUS,), rounds=20)  # type: ignore[attr-defined]
    assert sw == 0x9000
    assert data == b"\x05\x05"


@pytest.mark.benchmark(group="apdu-round-trip")
def test_bench_card_inprocess_apdu(benchmark: object, inprocess_card: OperatorCard) -> None:
    transport = inprocess_card.protocol.transport
    data, sw = benchmark(transport.send_and_receive, GET_PIN_STATUS)  # type: ignore[operator]
    assert sw == 0x9000
    assert data == b"\x05\x05"


@pytest.mark.pcscd
@pytest.mark.benchmark(group="sign-rsa-sha1")
def test_bench_card_pcscd_sign_rsa(benchmark: object, pcsc_card: OperatorCard) -> None:
    signature = benchmark(pcsc_card.sign, DATA, SignatureAlgorithm.RSA_SHA1)  # type: ignore[operator]
    assert len(signature) == 256


@pytest.mark.benchmark(group="sign-rsa-sha1")
def test_bench_card_baseline_sign_rsa_in_memory(benchmark: object) -> None:
    key = demo.signing_private_key()
    signature = benchmark(key.sign, DATA, padding.PKCS1v15(), hashes.SHA1())  # type: ignore[operator]  # noqa: S303
    assert len(signature) == 256


@pytest.mark.pcscd
@pytest.mark.benchmark(group="sign-sm2-sm3")
def test_bench_card_pcscd_sign_sm2(benchmark: object, pcsc_card: OperatorCard) -> None:
    card = OperatorCard(pcsc_card.protocol, key_algorithm=KeyAlgorithm.SM2)
    signature = benchmark(card.sign, DATA, SignatureAlgorithm.SM2_SM3)  # type: ignore[operator]
    assert signature[0] == 0x30


@pytest.mark.benchmark(group="sign-sm2-sm3")
def test_bench_card_baseline_sign_sm2_in_memory(benchmark: object) -> None:
    key = SM2PrivateKey.from_bytes(demo.sm2_private_key_bytes())
    signature = benchmark(key.sign, DATA)  # type: ignore[operator]
    assert signature[0] == 0x30
