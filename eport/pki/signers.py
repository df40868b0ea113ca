"""In-memory signers (RSA, SM2, EC) and private key loading.

Production keys live on the operator card or in an HSM; :class:`InMemorySigner` is for server crypto devices that
export keys, tests and tools. Every signer implements :class:`eport.pki.signer.Signer`.

Example::

    signer = InMemorySigner.from_files(Path("key.pem"), Path("cert.pem"))
    signature = signer.sign(b"data", SignatureAlgorithm.RSA_SHA1)
"""

from __future__ import annotations

import logging
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import pem as asn1_pem
from cryptography.exceptions import UnsupportedAlgorithm as CryptographyUnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from eport.errors import CertificateError, ConfigurationError, UnsupportedAlgorithm
from eport.pki.certs import Certificate, load_certificate
from eport.pki.keys import hash_algorithm, scheme_of
from eport.pki.signer import KeyAlgorithm, SignatureAlgorithm
from eport.pki.sm2 import SM2_CURVE_OID, SM2PrivateKey, SM2PublicKey

logger = logging.getLogger(__name__)

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | SM2PrivateKey


def spki_of(key: object) -> bytes:
    """Return the DER ``SubjectPublicKeyInfo`` of a private or public key (cryptography RSA/EC or SM2).

    Raises:
        ConfigurationError: for other key types.
    """
    if isinstance(key, SM2PrivateKey):
        return key.public_key().to_spki_der()
    if isinstance(key, SM2PublicKey):
        return key.to_spki_der()
    if isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        key = key.public_key()
    if isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
        return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    raise ConfigurationError(f"unsupported key type {type(key).__name__}")


def sign_with(key: PrivateKey, data: bytes, hash_name: str) -> bytes:
    """Sign ``data`` with a private key: PKCS#1 v1.5 for RSA, DER ECDSA, DER SM2 (SM3, default ID)."""
    if isinstance(key, SM2PrivateKey):
        return key.sign(data)
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, padding.PKCS1v15(), hash_algorithm(hash_name))
    return key.sign(data, ec.ECDSA(hash_algorithm(hash_name)))


def load_private_key(data: bytes, password: bytes | None = None) -> PrivateKey:
    """Load a PEM or DER private key: RSA, EC, or SM2 (PKCS#8 or SEC1, the forms ``openssl`` writes).

    Raises:
        ConfigurationError: if the key cannot be read (the message never contains key bytes).
    """
    der = data
    if b"-----BEGIN" in data:
        try:
            _, _, der = asn1_pem.unarmor(data.strip())
        except ValueError:
            raise ConfigurationError("bad PEM private key") from None
    sm2 = _maybe_sm2(der)
    if sm2 is not None:
        return sm2
    try:
        loader = serialization.load_pem_private_key if b"-----BEGIN" in data else serialization.load_der_private_key
        key = loader(data, password=password)
    except (ValueError, TypeError, CryptographyUnsupportedAlgorithm) as exc:
        raise ConfigurationError(f"cannot load the private key ({type(exc).__name__})") from None
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise ConfigurationError(f"unsupported private key type {type(key).__name__}")
    return key


def _maybe_sm2(der: bytes) -> SM2PrivateKey | None:
    """The SM2 key in PKCS#8 or SEC1 ``der``; ``None`` when ``der`` is not an SM2 key.

    Raises:
        ConfigurationError: an SM2 key whose scalar is out of range (the value is never shown).
    """
    scalar = _sm2_scalar(der)
    if scalar is None:
        return None
    if not 0 < scalar < 1 << 256:
        raise ConfigurationError("SM2 private key out of range")
    return SM2PrivateKey.from_bytes(scalar.to_bytes(32, "big"))


_ASN1_ERRORS = (ValueError, TypeError, KeyError, AttributeError, IndexError)


def _sm2_scalar(der: bytes) -> int | None:
    try:
        info = asn1_keys.PrivateKeyInfo.load(der)
        if info["private_key_algorithm"]["algorithm"].dotted == "1.2.840.10045.2.1":
            params = info["private_key_algorithm"]["parameters"]
            if params.name == "named" and params.chosen.dotted == SM2_CURVE_OID:
                return int(info["private_key"].parsed["private_key"].native)
        return None
    except _ASN1_ERRORS:
        pass
    try:
        ec_key = asn1_keys.ECPrivateKey.load(der)
        params = ec_key["parameters"]
        if params.name == "named" and params.chosen.dotted == SM2_CURVE_OID:
            return int(ec_key["private_key"].native)
    except _ASN1_ERRORS:
        pass
    return None


class InMemorySigner:
    """A :class:`~eport.pki.signer.Signer` over a private key held in memory, with its certificate.

    Args:
        key: RSA, EC (cryptography) or :class:`~eport.pki.sm2.SM2PrivateKey`.
        certificate: the matching certificate (:class:`Certificate` or DER bytes).

    Raises:
        CertificateError: if the certificate's public key does not match ``key``.
    """

    def __init__(self, key: PrivateKey, certificate: Certificate | bytes) -> None:
        cert = certificate if isinstance(certificate, Certificate) else Certificate.from_der(certificate)
        if spki_of(key) != cert.spki_der:
            raise CertificateError("the certificate does not belong to this private key")
        self._key = key
        self._cert = cert

    @classmethod
    def from_files(cls, key_path: Path, cert_path: Path, *, password: bytes | None = None) -> InMemorySigner:
        """Load a key file (PEM/DER, RSA/EC/SM2) and a certificate file (PEM/DER).

        Raises:
            ConfigurationError: if the key cannot be read.
            CertificateError: if the certificate cannot be read or does not match.
        """
        return cls(load_private_key(key_path.read_bytes(), password), load_certificate(cert_path.read_bytes()))

    @property
    def key_algorithm(self) -> KeyAlgorithm:
        """The algorithm of the private key."""
        if isinstance(self._key, SM2PrivateKey):
            return KeyAlgorithm.SM2
        return KeyAlgorithm.RSA if isinstance(self._key, rsa.RSAPrivateKey) else KeyAlgorithm.EC

    @property
    def certificate_der(self) -> bytes:
        """The DER signing certificate."""
        return self._cert.der

    @property
    def certificate(self) -> Certificate:
        """The parsed signing certificate."""
        return self._cert

    def sign(self, data: bytes, algorithm: SignatureAlgorithm) -> bytes:
        """Sign ``data``: PKCS#1 v1.5 for RSA, DER ``SEQUENCE { r, s }`` for SM2 (SM3, default ID) and ECDSA.

        Raises:
            UnsupportedAlgorithm: if ``algorithm`` does not fit the key.
        """
        key_alg, hash_name = scheme_of(algorithm)
        if key_alg is not self.key_algorithm:
            raise UnsupportedAlgorithm(f"a {self.key_algorithm.value} key cannot make {algorithm.value} signatures")
        if isinstance(self._key, SM2PrivateKey):
            return self._key.sign(data)
        if isinstance(self._key, rsa.RSAPrivateKey):
            return self._key.sign(data, padding.PKCS1v15(), hash_algorithm(hash_name))
        return self._key.sign(data, ec.ECDSA(hash_algorithm(hash_name)))

    def __repr__(self) -> str:
        return f"InMemorySigner({self.key_algorithm.value}, cert_no={self._cert.cert_no!r})"


__all__ = ["InMemorySigner", "PrivateKey", "load_private_key", "sign_with", "spki_of"]
