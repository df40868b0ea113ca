"""SM2 signatures on the card: in-process, through pcscd, and through the local-service simulator; checked by
eport.pki.sm2 and independently by ``openssl pkeyutl`` (SM3 with the ID 1234567812345678)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from eport.card import demo, pcsc
from eport.card.base import certificate_spki, key_algorithm_of_certificate
from eport.card.emulator import DEMO_PIN, InProcessTransport, demo_card
from eport.card.operator import OperatorCard
from eport.card.signer import CardSigner
from eport.errors import UnsupportedAlgorithm
from eport.pki.keys import verify_signature
from eport.pki.signer import KeyAlgorithm, SignatureAlgorithm
from eport.pki.sm2 import SM2PrivateKey
from tests.card.conftest import READER
from tests.pki import openssl

DATA = ("<ds:SignedInfo>国密 SM2 " + "x" * 600 + "</ds:SignedInfo>").encode()  # > 255 bytes: command chaining


def _openssl_verify(tmp_path: Path, signature: bytes, data: bytes) -> subprocess.CompletedProcess[str]:
    public = SM2PrivateKey.from_bytes(demo.sm2_private_key_bytes()).public_key()
    return openssl.sm2_verify(tmp_path, public.to_spki_der(), data, signature)


@pytest.fixture(params=["inprocess", pytest.param("pcscd", marks=pytest.mark.pcscd), "localservice"])
def sm2_signer(request: pytest.FixtureRequest) -> Iterator[CardSigner]:
    emulated = demo_card(t0=request.param == "pcscd")  # through pcscd as a T=0 card: 61xx chaining too
    if request.param == "inprocess":
        card = OperatorCard(InProcessTransport(emulated), key_algorithm=KeyAlgorithm.SM2)
        card.verify_pin(DEMO_PIN)
        yield CardSigner(card)
    elif request.param == "pcscd":
        request.getfixturevalue("insert")(emulated)
        with pcsc.connect(READER) as transport:
            assert transport.protocol_name == "T=0"
            card = OperatorCard(transport, key_algorithm=KeyAlgorithm.SM2)
            card.verify_pin(DEMO_PIN)
            yield CardSigner(card)
    else:
        from eport.card.localservice import LocalServiceCard, LocalServiceClient
        from eport.card.simulator import LocalServiceSimulator

        with LocalServiceSimulator(emulated, key_algorithm=KeyAlgorithm.SM2) as simulator:
            service = LocalServiceCard(LocalServiceClient(simulator.url))
            service.verify_pin(DEMO_PIN)
            yield CardSigner(service)
            service.verify_with_service(DATA, CardSigner(service).sign(DATA, SignatureAlgorithm.SM2_SM3))
            service.close()


def test_sm2_signature_verifies_with_eport_and_openssl(sm2_signer: CardSigner, tmp_path: Path) -> None:
    assert sm2_signer.key_algorithm is KeyAlgorithm.SM2
    assert sm2_signer.certificate_der == demo.sm2_signing_certificate_der()
    signature = sm2_signer.sign(DATA, SignatureAlgorithm.SM2_SM3)
    assert signature[0] == 0x30  # DER SEQUENCE{r, s}
    verify_signature(certificate_spki(sm2_signer.certificate_der), signature, DATA, SignatureAlgorithm.SM2_SM3)
    result = _openssl_verify(tmp_path, signature, DATA)
    assert result.returncode == 0, result.stderr
    assert "Signature Verified Successfully" in result.stdout
    assert _openssl_verify(tmp_path, signature, DATA + b"!").returncode != 0
    with pytest.raises(UnsupportedAlgorithm):
        sm2_signer.sign(DATA, SignatureAlgorithm.RSA_SHA1)


def test_demo_certificates() -> None:
    assert key_algorithm_of_certificate(demo.sm2_signing_certificate_der()) is KeyAlgorithm.SM2
    assert key_algorithm_of_certificate(demo.signing_certificate_der()) is KeyAlgorithm.RSA
    card = OperatorCard(InProcessTransport(demo_card()))
    assert card.key_algorithms() == [KeyAlgorithm.RSA, KeyAlgorithm.SM2]
    assert card.encryption_certificate() == demo.encryption_certificate_der()
    assert card.signing_certificate(KeyAlgorithm.SM2) == demo.sm2_signing_certificate_der()


def test_demo_chain_verifies_with_openssl(tmp_path: Path) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    for name, der in [("rsa", demo.signing_certificate_der()), ("sm2", demo.sm2_signing_certificate_der())]:
        (tmp_path / f"{name}.pem").write_bytes(x509.load_der_x509_certificate(der).public_bytes(Encoding.PEM))
    root = x509.load_der_x509_certificate(demo.root_certificate_der())
    assert "NOT FOR PRODUCTION" in root.subject.rfc4514_string()
    (tmp_path / "root.pem").write_bytes(root.public_bytes(Encoding.PEM))
    result = subprocess.run(
        ["openssl", "verify", "-CAfile", "root.pem", "rsa.pem", "sm2.pem"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
