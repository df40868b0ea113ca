"""The same behaviour on every backend: in-process emulator, PC/SC through a real pcscd + vpcd, and the local
signing service simulator over a real WebSocket."""

from __future__ import annotations

import logging
import subprocess
import warnings
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from eport.card import demo
from eport.card.base import DefaultPinWarning, certificate_spki
from eport.card.emulator import DEMO_PIN, demo_card
from eport.card.signer import CardSigner
from eport.errors import (
    PinError,
    PinLockedError,
    PinPolicyError,
    SecurityStatusNotSatisfied,
    UnsupportedAlgorithm,
)
from eport.pki.keys import verify_signature
from eport.pki.signer import KeyAlgorithm, SignatureAlgorithm, Signer
from tests.card.conftest import Backend

WRONG_PIN = "00000000"


def test_reads_card_and_holder_data(backend: Backend) -> None:
    holder = demo.holder()
    info = backend.card.info()
    assert info.card_id == holder.card_id == backend.card.card_id()
    assert info.holder_name == holder.holder_name
    assert info.enterprise_code == holder.enterprise_code
    assert info.enterprise_name == holder.enterprise_name
    assert info.certificate_number == holder.certificate_number == backend.card.certificate_number()
    assert info.key_algorithm is KeyAlgorithm.RSA
    assert info.valid_from is not None
    assert info.valid_until is not None
    assert info.valid_from.year == 2026
    assert info.valid_until.year == 2036
    assert backend.card.signing_certificate() == demo.signing_certificate_der()


def test_sign_without_pin_is_refused_by_the_card(backend: Backend) -> None:
    with pytest.raises(SecurityStatusNotSatisfied) as info:
        backend.card.sign(b"<x/>", SignatureAlgorithm.RSA_SHA1)
    assert info.value.sw == 0x6982


def test_sign_and_verify_with_the_card_certificate(backend: Backend, tmp_path: Path) -> None:
    backend.card.verify_pin(DEMO_PIN)
    data = "<SignedInfo>报文 message</SignedInfo>".encode()
    signature = backend.card.sign(data, SignatureAlgorithm.RSA_SHA1)
    cert_der = backend.card.signing_certificate()
    verify_signature(certificate_spki(cert_der), signature, data, SignatureAlgorithm.RSA_SHA1)
    # byte-identical to the same key in memory (PKCS#1 v1.5 is deterministic)
    in_memory = demo.signing_private_key().sign(data, padding.PKCS1v15(), hashes.SHA1())  # noqa: S303
    assert signature == in_memory
    # independent check with openssl
    cert = x509.load_der_x509_certificate(cert_der)
    (tmp_path / "pub.pem").write_bytes(
        cert.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    (tmp_path / "data").write_bytes(data)
    (tmp_path / "sig").write_bytes(signature)
    result = subprocess.run(
        ["openssl", "dgst", "-sha1", "-verify", "pub.pem", "-signature", "sig", "data"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0
    assert "Verified OK" in result.stdout
    (tmp_path / "data").write_bytes(data + b" ")
    tampered = subprocess.run(
        ["openssl", "dgst", "-sha1", "-verify", "pub.pem", "-signature", "sig", "data"],
        cwd=tmp_path,
        capture_output=True,
        check=False,
    )
    assert tampered.returncode != 0


def test_wrong_pin_three_times_then_locked(backend_factory: Callable[..., Backend]) -> None:
    backend = backend_factory(demo_card(max_tries=3))
    card = backend.card
    with pytest.raises(PinError) as first:
        card.verify_pin(WRONG_PIN)
    assert first.value.tries_left == 2
    with pytest.raises(PinError) as second:
        card.verify_pin(WRONG_PIN)
    assert second.value.tries_left == 1
    if backend.name == "localservice":
        # the service cannot tell the tries left, so eport cannot guard the last try there
        assert card.pin_tries_left() is None
        with pytest.raises(PinLockedError):
            card.verify_pin(WRONG_PIN)
    else:
        assert card.pin_tries_left() == 1
        with pytest.raises(PinPolicyError, match="one PIN try is left"):
            card.verify_pin(WRONG_PIN)
        assert backend.emulated.tries_left == 1  # refused before sending: nothing spent
        with pytest.raises(PinLockedError) as locked:
            card.verify_pin(WRONG_PIN, allow_last_try=True)
        assert locked.value.sw == 0x6983
    assert backend.emulated.tries_left == 0
    # the right PIN no longer helps
    with pytest.raises(PinLockedError):
        card.verify_pin(DEMO_PIN, allow_last_try=True)


def test_a_good_pin_resets_the_counter(backend: Backend) -> None:
    with pytest.raises(PinError):
        backend.card.verify_pin(WRONG_PIN)
    assert backend.emulated.tries_left == 4
    backend.card.verify_pin(DEMO_PIN)
    assert backend.emulated.tries_left == 5
    assert backend.emulated.verified


def test_change_pin(backend: Backend) -> None:
    new_pin = "24681357"
    with pytest.raises(PinError):
        backend.card.change_pin(WRONG_PIN, new_pin)
    backend.card.change_pin(DEMO_PIN, new_pin)
    with pytest.raises(PinError):
        backend.card.verify_pin(DEMO_PIN)
    backend.card.verify_pin(new_pin)
    with pytest.raises(PinPolicyError):
        backend.card.change_pin(new_pin, "88888888")


def test_factory_default_pin_warns(backend_factory: Callable[..., Backend]) -> None:
    backend = backend_factory(demo_card(pin="88888888"))
    with pytest.warns(DefaultPinWarning):
        backend.card.verify_pin("88888888")


def test_demo_pin_does_not_warn(backend: Backend) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", DefaultPinWarning)
        backend.card.verify_pin(DEMO_PIN)


def test_malformed_pin_is_refused_before_sending(backend: Backend) -> None:
    before = backend.emulated.commands
    for pin in ("123", "1234567890abcdefX", "密码密码密码"):
        with pytest.raises(PinPolicyError) as info:
            backend.card.verify_pin(pin)
        assert pin not in str(info.value)
    assert backend.emulated.commands == before
    assert backend.emulated.tries_left == 5


def test_pin_never_reaches_logs_or_errors(backend: Backend, caplog: pytest.LogCaptureFixture) -> None:
    secret = "73519246"
    caplog.set_level(1)
    with pytest.raises(PinError) as info:
        backend.card.verify_pin(secret)
    backend.card.verify_pin(DEMO_PIN)
    backend.card.change_pin(DEMO_PIN, secret)
    text = caplog.text + str(info.value) + repr(info.value) + repr(backend.card)
    assert secret not in text
    assert DEMO_PIN not in text
    assert secret.encode().hex() not in text.replace(" ", "").lower()
    if backend.name != "localservice":
        assert any("masked" in r.getMessage() for r in caplog.records)


def test_card_signer_is_a_pki_signer(backend: Backend) -> None:
    backend.card.verify_pin(DEMO_PIN)
    signer = CardSigner(backend.card)
    assert isinstance(signer, Signer)
    assert signer.key_algorithm is KeyAlgorithm.RSA
    assert signer.certificate_der == demo.signing_certificate_der()
    data = b"<ceb:CEB311Message/>"
    signature = signer.sign(data, SignatureAlgorithm.RSA_SHA1)
    verify_signature(certificate_spki(signer.certificate_der), signature, data, SignatureAlgorithm.RSA_SHA1)
    with pytest.raises(UnsupportedAlgorithm):
        signer.sign(data, SignatureAlgorithm.SM2_SM3)
    assert DEMO_PIN not in repr(signer)


def test_logs_name_the_pin_command_but_not_the_pin(backend: Backend, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="eport.card")
    backend.card.verify_pin(DEMO_PIN)
    assert DEMO_PIN not in caplog.text
