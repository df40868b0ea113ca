"""Detached CMS SignedData with external keys, verified by openssl cms -verify."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from eport.card.emulator import DEMO_PIN, InProcessTransport, demo_card
from eport.card.operator import OperatorCard
from eport.card.signer import CardSigner
from eport.errors import ChainError, InvalidSignature, SignatureFormatError
from eport.pki.chain import ChainValidator
from eport.pki.cms import sign_detached, verify_detached
from eport.pki.signer import KeyAlgorithm
from eport.pki.testing import TestChain
from eport.pki.xmldsig import PinnedCertificate
from tests.pki import openssl

from .conftest import write_pems

DATA = "报关单 declaration package\n".encode() * 100


def _openssl_verify(tmp_path: Path, p7s: bytes, chain: TestChain, data: bytes) -> subprocess.CompletedProcess[str]:
    root, _, _ = write_pems(tmp_path, chain)
    return openssl.cms_verify(tmp_path, p7s, data, ca_file=root)


@pytest.mark.parametrize("name", ["rsa_chain", "ec_chain"])
def test_openssl_verifies_our_cms(tmp_path: Path, name: str, request: pytest.FixtureRequest) -> None:
    chain: TestChain = request.getfixturevalue(name)
    # the intermediate travels inside the CMS structure; only the root is trusted
    p7s = sign_detached(DATA, chain.signer(), extra_certificates=(chain.intermediate,))
    result = _openssl_verify(tmp_path, p7s, chain, DATA)
    assert result.returncode == 0, result.stderr
    assert "Verification successful" in result.stderr
    assert _openssl_verify(tmp_path, p7s, chain, DATA + b"x").returncode != 0
    verified = verify_detached(p7s, DATA, trust=ChainValidator([chain.root]))
    assert verified.certificate == chain.leaf
    assert len(verified.chain) == 3
    assert verified.signing_time is not None


def test_card_signed_cms_verifies_with_openssl(tmp_path: Path) -> None:
    card = OperatorCard(InProcessTransport(demo_card()), key_algorithm=KeyAlgorithm.RSA)
    card.verify_pin(DEMO_PIN)
    signer = CardSigner(card)
    p7s = sign_detached(DATA, signer)
    result = openssl.cms_verify(tmp_path, p7s, DATA, ca_file=None)
    assert result.returncode == 0, result.stderr


def test_sm2_cms_roundtrip(sm2_chain: TestChain) -> None:
    p7s = sign_detached(DATA, sm2_chain.signer())
    verified = verify_detached(
        p7s, DATA, trust=ChainValidator([sm2_chain.root], intermediates=[sm2_chain.intermediate])
    )
    assert verified.certificate.key_algorithm is KeyAlgorithm.SM2
    with pytest.raises(InvalidSignature, match="digest"):
        verify_detached(p7s, DATA[:-1], trust=PinnedCertificate(sm2_chain.leaf))


def test_verification_failures(rsa_chain: TestChain, sm2_chain: TestChain) -> None:
    p7s = sign_detached(DATA, rsa_chain.signer())
    with pytest.raises(ChainError):
        verify_detached(p7s, DATA, trust=ChainValidator([sm2_chain.root]))
    broken = bytearray(p7s)
    broken[-5] ^= 0xFF  # inside the signature value
    with pytest.raises(InvalidSignature):
        verify_detached(bytes(broken), DATA, trust=PinnedCertificate(rsa_chain.leaf))
    with pytest.raises(SignatureFormatError, match="not a CMS SignedData"):  # no SignedData at all
        verify_detached(b"\x30\x03\x02\x01\x01", DATA, trust=PinnedCertificate(rsa_chain.leaf))
