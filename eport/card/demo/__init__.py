"""The demo identity: PUBLIC TEST KEYS for the emulator, the sandbox and ``eport demo``. NOT FOR PRODUCTION.

Generated once by ``tools/make_demo_identity.py``: a demo root CA "eport demo root CA (NOT FOR PRODUCTION)", an
operator RSA-2048 signing certificate and key in the E-Port style, an encryption certificate, an SM2 key pair with
its certificate (signed by the RSA demo root), and the card's holder data. Everybody has these private keys:
anything they sign proves nothing.
"""

from __future__ import annotations

import json
from importlib import resources

import attrs
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from eport.errors import ConfigurationError


def _read(name: str) -> bytes:
    return resources.files(__name__).joinpath(name).read_bytes()


def _pem_to_der(pem: bytes) -> bytes:
    return x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)


@attrs.frozen(kw_only=True)
class DemoHolder:
    """Card ID and holder data of the demo card."""

    card_id: str
    holder_name: str
    enterprise_code: str
    enterprise_name: str
    certificate_number: str
    sm2_certificate_number: str


def root_certificate_der() -> bytes:
    """The demo root CA certificate, DER ("eport demo root CA (NOT FOR PRODUCTION)")."""
    return _pem_to_der(_read("root-ca.pem"))


def signing_certificate_der() -> bytes:
    """The demo operator's RSA-2048 signing certificate, DER."""
    return _pem_to_der(_read("signing-rsa.pem"))


def encryption_certificate_der() -> bytes:
    """The demo operator's encryption certificate, DER."""
    return _pem_to_der(_read("encryption-rsa.pem"))


def sm2_signing_certificate_der() -> bytes:
    """The demo operator's SM2 signing certificate, DER (issued by the RSA demo root)."""
    return _read("signing-sm2.der")


def signing_private_key() -> rsa.RSAPrivateKey:
    """The demo operator's RSA private key (public test key)."""
    # Shipped package data, checked by the tests: skipping the slow RSA consistency check (about 50 ms) keeps
    # demo_card() cheap enough to create one per test.
    key = serialization.load_pem_private_key(
        _read("signing-rsa.key"), password=None, unsafe_skip_rsa_key_validation=True
    )
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ConfigurationError("demo signing key is not RSA")
    return key


def sm2_private_key_bytes() -> bytes:
    """The demo operator's SM2 private scalar, 32 bytes (public test key)."""
    return bytes.fromhex(_read("signing-sm2.key.hex").decode("ascii").strip())


def holder() -> DemoHolder:
    """Card ID and holder data of the demo card."""
    data = json.loads(_read("identity.json").decode("utf-8"))
    return DemoHolder(
        card_id=data["card_id"],
        holder_name=data["holder_name"],
        enterprise_code=data["enterprise_code"],
        enterprise_name=data["enterprise_name"],
        certificate_number=data["certificate_number"],
        sm2_certificate_number=data["sm2_certificate_number"],
    )


__all__ = [
    "DemoHolder",
    "encryption_certificate_der",
    "holder",
    "root_certificate_der",
    "signing_certificate_der",
    "signing_private_key",
    "sm2_private_key_bytes",
    "sm2_signing_certificate_der",
]
