"""Public keys from ``SubjectPublicKeyInfo`` and raw signature verification for RSA, ECDSA and SM2.

This is the one place where a certificate's public key meets a signature: chains, XML-DSig and CMS verification all
go through :func:`verify_signature`. SM2 keys go to :mod:`eport.pki.sm2` because ``cryptography`` has no SM2.
"""

from __future__ import annotations

import logging

import attrs
from asn1crypto import keys as asn1_keys
from cryptography.exceptions import InvalidSignature as _CryptoInvalidSignature
from cryptography.exceptions import UnsupportedAlgorithm as _CryptoUnsupported
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from eport.errors import CertificateError, InvalidSignature, UnsupportedAlgorithm
from eport.pki.signer import KeyAlgorithm, SignatureAlgorithm
from eport.pki.sm2 import DEFAULT_UID, SM2_CURVE_OID, SM2PublicKey

logger = logging.getLogger(__name__)

_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha1": hashes.SHA1,
    "sha224": hashes.SHA224,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}

#: Signature algorithm OIDs found in certificates and CMS, mapped to (key algorithm, hash name).
SIGNATURE_OIDS: dict[str, tuple[KeyAlgorithm, str]] = {
    "1.2.840.113549.1.1.5": (KeyAlgorithm.RSA, "sha1"),
    "1.2.840.113549.1.1.14": (KeyAlgorithm.RSA, "sha224"),
    "1.2.840.113549.1.1.11": (KeyAlgorithm.RSA, "sha256"),
    "1.2.840.113549.1.1.12": (KeyAlgorithm.RSA, "sha384"),
    "1.2.840.113549.1.1.13": (KeyAlgorithm.RSA, "sha512"),
    "1.2.840.10045.4.1": (KeyAlgorithm.EC, "sha1"),
    "1.2.840.10045.4.3.2": (KeyAlgorithm.EC, "sha256"),
    "1.2.840.10045.4.3.3": (KeyAlgorithm.EC, "sha384"),
    "1.2.840.10045.4.3.4": (KeyAlgorithm.EC, "sha512"),
    "1.2.156.10197.1.501": (KeyAlgorithm.SM2, "sm3"),
}


def scheme_of(algorithm: SignatureAlgorithm) -> tuple[KeyAlgorithm, str]:
    """Return (key algorithm, hash name) for a :class:`SignatureAlgorithm`."""
    return {
        SignatureAlgorithm.RSA_SHA1: (KeyAlgorithm.RSA, "sha1"),
        SignatureAlgorithm.RSA_SHA256: (KeyAlgorithm.RSA, "sha256"),
        SignatureAlgorithm.SM2_SM3: (KeyAlgorithm.SM2, "sm3"),
        SignatureAlgorithm.ECDSA_SHA256: (KeyAlgorithm.EC, "sha256"),
    }[algorithm]


def hash_algorithm(name: str) -> hashes.HashAlgorithm:
    """Return the ``cryptography`` hash object for ``"sha1"``, ``"sha256"``, … or ``"sm3"``.

    Raises:
        UnsupportedAlgorithm: for an unknown or forbidden (MD5) hash.
    """
    if name == "sm3":
        return hashes.SM3()
    try:
        return _HASHES[name]()
    except KeyError:
        raise UnsupportedAlgorithm(f"unsupported digest algorithm {name!r}") from None


@attrs.frozen
class PublicKey:
    """A public key taken from a ``SubjectPublicKeyInfo``: RSA, ECDSA (NIST curves) or SM2.

    Attributes:
        algorithm: the key algorithm.
        spki_der: the DER ``SubjectPublicKeyInfo``.
        key_size: modulus or curve size in bits.
    """

    algorithm: KeyAlgorithm
    spki_der: bytes = attrs.field(repr=False)
    key_size: int

    @classmethod
    def from_spki(cls, spki_der: bytes) -> PublicKey:
        """Load a DER ``SubjectPublicKeyInfo``.

        Raises:
            CertificateError: if the structure cannot be parsed.
            UnsupportedAlgorithm: for key types other than RSA, EC and SM2.
        """
        try:
            info = asn1_keys.PublicKeyInfo.load(spki_der)
            alg = info["algorithm"]["algorithm"].dotted
            if alg == "1.2.840.113549.1.1.1":
                size = int(info["public_key"].parsed["modulus"].native).bit_length()
                return cls(algorithm=KeyAlgorithm.RSA, spki_der=spki_der, key_size=size)
            if alg == "1.2.840.10045.2.1":
                params = info["algorithm"]["parameters"]
                curve = params.chosen.dotted if params.name == "named" else ""
                if curve == SM2_CURVE_OID:
                    return cls(algorithm=KeyAlgorithm.SM2, spki_der=spki_der, key_size=256)
                key = serialization.load_der_public_key(spki_der)
                if not isinstance(key, ec.EllipticCurvePublicKey):
                    raise UnsupportedAlgorithm("unexpected EC key type")
                return cls(algorithm=KeyAlgorithm.EC, spki_der=spki_der, key_size=key.curve.key_size)
        except (ValueError, TypeError, KeyError, _CryptoUnsupported) as exc:
            raise CertificateError(f"cannot parse the public key: {exc}") from None
        raise UnsupportedAlgorithm(f"unsupported public key algorithm {alg}")

    def sm2_point(self) -> bytes:
        """Return the uncompressed SM2 point ``04 || x || y``.

        Raises:
            UnsupportedAlgorithm: if this is not an SM2 key.
        """
        if self.algorithm is not KeyAlgorithm.SM2:
            raise UnsupportedAlgorithm("not an SM2 key")
        return bytes(asn1_keys.PublicKeyInfo.load(self.spki_der)["public_key"].native)

    def verify(self, signature: bytes, data: bytes, hash_name: str, *, uid: bytes = DEFAULT_UID) -> None:
        """Verify ``signature`` over ``data`` (the message, not a digest).

        RSA uses PKCS#1 v1.5; ECDSA and SM2 take DER ``SEQUENCE { r, s }``. ``uid`` is the SM2 distinguishing ID.

        Raises:
            InvalidSignature: if the signature does not verify.
            UnsupportedAlgorithm: if ``hash_name`` does not fit this key.
        """
        if self.algorithm is KeyAlgorithm.SM2:
            if hash_name != "sm3":
                raise UnsupportedAlgorithm(f"SM2 signatures use SM3, not {hash_name}")
            SM2PublicKey.from_bytes(self.sm2_point()).verify(signature, data, uid=uid)
            return
        if hash_name == "sm3":
            raise UnsupportedAlgorithm(f"SM3 signatures need an SM2 key, not {self.algorithm.value}")
        key = serialization.load_der_public_key(self.spki_der)
        digest = hash_algorithm(hash_name)
        try:
            if isinstance(key, rsa.RSAPublicKey):
                key.verify(signature, data, padding.PKCS1v15(), digest)
            elif isinstance(key, ec.EllipticCurvePublicKey):
                key.verify(signature, data, ec.ECDSA(digest))
            else:  # pragma: no cover - from_spki only admits RSA/EC/SM2
                raise UnsupportedAlgorithm("unsupported key")
        except _CryptoInvalidSignature:
            raise InvalidSignature(
                f"{self.algorithm.value.upper()}-{hash_name.upper()} signature does not verify"
            ) from None


def verify_signature(spki_der: bytes, signature: bytes, data: bytes, algorithm: SignatureAlgorithm) -> None:
    """Verify a signature made with a :class:`SignatureAlgorithm` against a DER ``SubjectPublicKeyInfo``.

    Raises:
        InvalidSignature: if it does not verify.
        UnsupportedAlgorithm: if the key does not fit the algorithm.
    """
    key = PublicKey.from_spki(spki_der)
    key_alg, hash_name = scheme_of(algorithm)
    if key.algorithm is not key_alg:
        raise UnsupportedAlgorithm(f"{algorithm.value} needs a {key_alg.value} key, got {key.algorithm.value}")
    key.verify(signature, data, hash_name)


__all__ = ["SIGNATURE_OIDS", "PublicKey", "hash_algorithm", "scheme_of", "verify_signature"]
