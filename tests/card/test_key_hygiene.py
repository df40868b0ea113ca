"""Key hygiene on the card side: after a PIN verification and signatures, no repr or str of any card object (cards
of every backend, signers, transports, the emulator, the local-service client and simulator), no exception of a
wrong PIN, and no log record at TRAFFIC level holds the PIN or the demo card's private keys."""

from __future__ import annotations

import pytest

from eport.card import demo
from eport.card.emulator import DEMO_PIN, EmulatedCard, InProcessTransport, demo_card
from eport.card.localservice import LocalServiceCard, LocalServiceClient
from eport.card.operator import OperatorCard
from eport.card.protocol import TRAFFIC
from eport.card.signer import CardSigner
from eport.card.simulator import LocalServiceSimulator
from eport.errors import EportError, PinError
from eport.pki.signer import KeyAlgorithm, SignatureAlgorithm
from eport.pki.sm2 import SM2PrivateKey
from tests.card.conftest import Backend
from tests.pki.secrets_forms import assert_no_secret, describe, key_forms, pin_forms

WRONG_PIN = "40718263"


def _secrets() -> list[str]:
    sm2 = SM2PrivateKey.from_bytes(demo.sm2_private_key_bytes())
    return key_forms(demo.signing_private_key()) + key_forms(sm2) + pin_forms(DEMO_PIN) + pin_forms(WRONG_PIN)


def _objects(card: object) -> list[object]:
    """``card`` and everything reachable from it that has a repr of its own."""
    found = [card, CardSigner(card)]  # type: ignore[arg-type]
    for name in ("protocol", "client", "profile"):
        value = getattr(card, name, None)
        if value is not None:
            found.append(value)
            found.append(getattr(value, "transport", None))
    return [o for o in found if o is not None]


def test_no_pin_or_key_in_any_backend(backend: Backend, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(1)  # TRAFFIC (5) and everything below DEBUG
    card = backend.card
    with pytest.raises(PinError) as wrong:
        card.verify_pin(WRONG_PIN)
    texts = [describe(wrong.value)]
    card.verify_pin(DEMO_PIN)
    signer = CardSigner(card)
    signer.sign(b"<ds:SignedInfo/>", SignatureAlgorithm.RSA_SHA1)
    texts += [f"{o!r}\n{o!s}" for o in [*_objects(card), backend.emulated]]
    texts += [caplog.text, *(r.getMessage() for r in caplog.records)]
    assert any(r.levelno == TRAFFIC for r in caplog.records) or backend.name == "localservice"
    assert_no_secret("\n".join(texts), _secrets())


def test_sm2_card_and_local_service_objects(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(1)
    emulated = demo_card()
    texts: list[str] = []
    simulator = LocalServiceSimulator(emulated, key_algorithm=KeyAlgorithm.SM2)
    with simulator, LocalServiceClient(simulator.url, timeout=10) as client:
        card = LocalServiceCard(client)
        with pytest.raises(EportError) as wrong:
            card.verify_pin(WRONG_PIN)
        texts.append(describe(wrong.value))
        card.verify_pin(DEMO_PIN)
        CardSigner(card).sign(b"<ds:SignedInfo/>", SignatureAlgorithm.SM2_SM3)
        texts += [repr(simulator), str(simulator), repr(client), repr(card), repr(CardSigner(card))]
    direct = OperatorCard(InProcessTransport(emulated), key_algorithm=KeyAlgorithm.SM2)
    direct.verify_pin(DEMO_PIN)
    CardSigner(direct).sign(b"<ds:SignedInfo/>", SignatureAlgorithm.SM2_SM3)
    texts += [f"{o!r}\n{o!s}" for o in _objects(direct)]
    texts += [repr(emulated), caplog.text, *(r.getMessage() for r in caplog.records)]
    assert_no_secret("\n".join(texts), _secrets())


def test_the_emulator_holds_the_secrets_it_must_not_show() -> None:
    """Control: the emulated card really holds the demo keys, so the checks above look for the right values."""
    emulated: EmulatedCard = demo_card()
    signer = CardSigner(OperatorCard(InProcessTransport(emulated)))
    assert signer.certificate_der == demo.signing_certificate_der()
    with pytest.raises(AssertionError, match="leaked"):
        assert_no_secret(f"pin {DEMO_PIN}", _secrets())
