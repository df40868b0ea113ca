"""The one signing interface every key backend implements.

In-memory keys, PKCS#11 tokens (:mod:`eport.pki`), the operator card and the E-Port client's local signing service
(:mod:`eport.card`) all implement :class:`Signer`. ``eport.pki`` never imports ``eport.card``: the card side
implements this protocol structurally.
"""

from __future__ import annotations

import enum
from typing import Protocol, runtime_checkable


class KeyAlgorithm(enum.Enum):
    """The public-key algorithm of a signing key."""

    RSA = "rsa"
    SM2 = "sm2"
    EC = "ec"  # NIST curves (used with SoftHSM2, which has no SM2)


class SignatureAlgorithm(enum.Enum):
    """A signature scheme: key algorithm plus digest.

    ``SM2_SM3`` follows GB/T 32918 with SM3 and the distinguishing ID (default ``1234567812345678``); the signature
    value is the DER ``SEQUENCE { r, s }`` unless a dialect says otherwise.
    """

    RSA_SHA1 = "rsa-sha1"
    RSA_SHA256 = "rsa-sha256"
    SM2_SM3 = "sm2-sm3"
    ECDSA_SHA256 = "ecdsa-sha256"

    @property
    def key_algorithm(self) -> KeyAlgorithm:
        """The key algorithm this scheme needs."""
        if self in (SignatureAlgorithm.RSA_SHA1, SignatureAlgorithm.RSA_SHA256):
            return KeyAlgorithm.RSA
        if self is SignatureAlgorithm.SM2_SM3:
            return KeyAlgorithm.SM2
        return KeyAlgorithm.EC


@runtime_checkable
class Signer(Protocol):
    """Something that holds a private key and the matching certificate.

    Implementations never expose the private key, and their ``repr`` never shows key material or PINs.
    """

    @property
    def key_algorithm(self) -> KeyAlgorithm:
        """The algorithm of the private key."""
        ...

    @property
    def certificate_der(self) -> bytes:
        """The DER-encoded signing certificate."""
        ...

    def sign(self, data: bytes, algorithm: SignatureAlgorithm) -> bytes:
        """Sign ``data`` (the whole message; hashing is part of the scheme) and return the signature value.

        Raises:
            eport.errors.UnsupportedAlgorithm: if the key cannot make ``algorithm`` signatures.
        """
        ...


__all__ = ["KeyAlgorithm", "SignatureAlgorithm", "Signer"]
