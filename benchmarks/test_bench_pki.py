"""PKI speed: RSA-2048 and SM2 signatures per second, and a full CEB621 (20 items) encode + sign.

Groups pair eport with a baseline measured in the same run:

- ``sign-rsa-2048``: :class:`InMemorySigner` vs a bare ``cryptography`` RSA-2048 PKCS#1 v1.5 SHA-1 signature;
- ``sign-sm2``: :mod:`eport.pki.sm2` (libcrypto backend, and the pure-Python fallback) vs ``cryptography`` ECDSA
  P-256 with SHA-256 (the closest primitive ``cryptography`` has);
- ``ceb621-20-encode-sign``: ``eport.edi.encode`` + :func:`eport.pki.sign_ceb` vs encode + a bare lxml C14N, SHA-1
  and RSA signature of the document (the irreducible work, with no XML-DSig structure);
- ``verify-ceb621-20``: strict :func:`eport.pki.verify_enveloped` vs the same bare C14N + digest + RSA verification.
"""

from __future__ import annotations

import hashlib
from typing import Any

import attrs
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding
from lxml import etree

from benchmarks.conftest import ceb621
from eport.edi import encode
from eport.pki import sm2
from eport.pki.ceb import sign_ceb
from eport.pki.signer import KeyAlgorithm, SignatureAlgorithm
from eport.pki.testing import make_chain
from eport.pki.xmldsig import PinnedCertificate, verify_enveloped

MESSAGE = b"<ds:SignedInfo>" + b"x" * 400 + b"</ds:SignedInfo>"  # about the size of a canonical SignedInfo
RSA = make_chain(KeyAlgorithm.RSA)
RSA_SIGNER = RSA.signer()
RSA_KEY: Any = RSA.leaf_key


def test_sign_rsa_eport(benchmark: Any) -> None:
    benchmark.group = "sign-rsa-2048"
    signature = benchmark(RSA_SIGNER.sign, MESSAGE, SignatureAlgorithm.RSA_SHA1)
    assert len(signature) == 256


def test_sign_rsa_cryptography_baseline(benchmark: Any) -> None:
    benchmark.group = "sign-rsa-2048"
    signature = benchmark(RSA_KEY.sign, MESSAGE, padding.PKCS1v15(), hashes.SHA1())  # noqa: S303 - customs RSA-SHA1
    assert len(signature) == 256


@pytest.mark.parametrize("backend", sm2.available_backends())
def test_sign_sm2_eport(benchmark: Any, backend: str) -> None:
    benchmark.group = "sign-sm2"
    key = sm2.SM2PrivateKey.generate(backend=backend)  # type: ignore[arg-type]
    signature = benchmark(key.sign, MESSAGE)
    key.public_key().verify(signature, MESSAGE)


def test_sign_ecdsa_p256_baseline(benchmark: Any) -> None:
    benchmark.group = "sign-sm2"
    key = ec.generate_private_key(ec.SECP256R1())
    signature = benchmark(key.sign, MESSAGE, ec.ECDSA(hashes.SHA256()))
    key.public_key().verify(signature, MESSAGE, ec.ECDSA(hashes.SHA256()))


# the builder carries a dummy signature; the encoder writes an unsigned message without it
MESSAGE_621 = attrs.evolve(ceb621(20), signature=None)


def test_ceb621_encode_sign_eport(benchmark: Any) -> None:
    benchmark.group = "ceb621-20-encode-sign"

    def run() -> bytes:
        return sign_ceb(encode(MESSAGE_621), RSA_SIGNER)

    signed = benchmark(run)
    assert signed.count(b"<ceb:InventoryList>") == 20
    assert b"<ds:SignatureValue>" in signed


def _bare_sign(data: bytes) -> bytes:
    c14n = etree.tostring(etree.ElementTree(etree.fromstring(data)), method="c14n")
    digest = hashlib.sha1(c14n).digest()  # noqa: S324 - customs SHA-1 digest
    return RSA_KEY.sign(digest, padding.PKCS1v15(), hashes.SHA1())  # type: ignore[no-any-return]  # noqa: S303


def test_ceb621_encode_sign_bare_baseline(benchmark: Any) -> None:
    benchmark.group = "ceb621-20-encode-sign"
    signature = benchmark(lambda: _bare_sign(encode(MESSAGE_621)))
    assert len(signature) == 256


SIGNED_621 = sign_ceb(encode(MESSAGE_621), RSA_SIGNER)
PINNED = PinnedCertificate(RSA.leaf)


def test_verify_ceb621_eport(benchmark: Any) -> None:
    benchmark.group = "verify-ceb621-20"
    result = benchmark(verify_enveloped, SIGNED_621, trust=PINNED)
    assert result.certificate == RSA.leaf


def test_verify_ceb621_bare_baseline(benchmark: Any) -> None:
    benchmark.group = "verify-ceb621-20"
    unsigned = encode(MESSAGE_621)
    signature = _bare_sign(unsigned)
    public = RSA_KEY.public_key()

    def run() -> None:
        c14n = etree.tostring(etree.ElementTree(etree.fromstring(unsigned)), method="c14n")
        public.verify(signature, hashlib.sha1(c14n).digest(), padding.PKCS1v15(), hashes.SHA1())  # noqa: S303, S324

    benchmark(run)
