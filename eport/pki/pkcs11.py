"""PKCS#11 tokens (HSMs, server crypto devices, SoftHSM2) as signers, through python-pkcs11 (extra ``pkcs11``).

RSA signs with ``CKM_RSA_PKCS`` over a DigestInfo hashed in software, so SHA-1 and SHA-256 work on every token and
the result is byte-identical to an in-memory PKCS#1 v1.5 signature. EC keys sign with ``CKM_ECDSA`` over a
software hash (SoftHSM2 2.6 has no ``CKM_ECDSA_SHA256``); the raw ``r || s`` is returned as DER. SM2 mechanisms are
vendor-specific and not supported here (SoftHSM2 has none).

Example::

    with Pkcs11Signer.open("/usr/lib/softhsm/libsofthsm2.so", token_label="eport", pin=pin, key_label="sign") as s:
        sign_ceb(xml, s)
"""

from __future__ import annotations

import logging
import threading
from types import TracebackType
from typing import Any

from asn1crypto import algos as asn1_algos

from eport.errors import ConfigurationError, TokenError, UnsupportedAlgorithm
from eport.pki.certs import Certificate
from eport.pki.keys import hash_algorithm, scheme_of
from eport.pki.signer import KeyAlgorithm, SignatureAlgorithm

logger = logging.getLogger(__name__)

#: Module path of SoftHSM2 on Debian.
SOFTHSM2_MODULE = "/usr/lib/softhsm/libsofthsm2.so"

_DIGEST_INFO_PREFIX = {
    "sha1": bytes.fromhex("3021300906052b0e03021a05000414"),
    "sha256": bytes.fromhex("3031300d060960864801650304020105000420"),
}


def _digest(name: str, data: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes

    h = hashes.Hash(hash_algorithm(name))
    h.update(data)
    return h.finalize()


class Pkcs11Signer:
    """A :class:`~eport.pki.signer.Signer` whose private key stays on a PKCS#11 token.

    Use :meth:`open`; close with :meth:`close` or a ``with`` block. The PIN is used once to log in and not kept.
    """

    def __init__(self, session: Any, private_key: Any, certificate: Certificate, key_algorithm: KeyAlgorithm) -> None:
        """Wrap an open python-pkcs11 session; prefer :meth:`open`."""
        self._session = session
        self._key = private_key
        self._cert = certificate
        self._algorithm = key_algorithm
        self._lock = threading.Lock()

    @classmethod
    def open(
        cls,
        module: str,
        *,
        token_label: str,
        pin: str,
        key_label: str | None = None,
        key_id: bytes | None = None,
        certificate: Certificate | bytes | None = None,
    ) -> Pkcs11Signer:
        """Log in to a token and find the private key (and its certificate on the token unless given).

        Args:
            module: path of the PKCS#11 library (e.g. :data:`SOFTHSM2_MODULE`).
            token_label: the token label.
            pin: the user PIN (never logged or kept).
            key_label, key_id: which private key (at least one).
            certificate: the signing certificate; default: the certificate object with the same label/id.

        Raises:
            ConfigurationError: python-pkcs11 missing or no key selector given.
            TokenError: module, token, PIN, key or certificate problems (the PIN never appears).
        """
        if key_label is None and key_id is None:
            raise ConfigurationError("give key_label or key_id")
        try:
            import pkcs11
            from pkcs11 import Attribute, ObjectClass
        except ImportError:
            raise ConfigurationError("PKCS#11 needs the extra: pip install 'eport[pkcs11]'") from None
        try:
            lib = pkcs11.lib(module)
            token = lib.get_token(token_label=token_label)
            session = token.open(user_pin=pin)
        except pkcs11.PinIncorrect:
            raise TokenError(f"wrong PIN for token {token_label!r}") from None
        except pkcs11.PinLocked:
            raise TokenError(f"the PIN of token {token_label!r} is locked") from None
        except (pkcs11.NoSuchToken, pkcs11.MultipleTokensReturned):
            raise TokenError(f"no unique token labelled {token_label!r}") from None
        except (pkcs11.PKCS11Error, RuntimeError, OSError) as exc:
            raise TokenError(f"cannot open PKCS#11 module or token: {type(exc).__name__}") from None
        try:
            selector: dict[Any, Any] = {}
            if key_label is not None:
                selector[Attribute.LABEL] = key_label
            if key_id is not None:
                selector[Attribute.ID] = key_id
            keys = list(session.get_objects({Attribute.CLASS: ObjectClass.PRIVATE_KEY, **selector}))
            if len(keys) != 1:
                raise TokenError(f"{len(keys)} private keys match on token {token_label!r}")
            key = keys[0]
            key_type = key[Attribute.KEY_TYPE]
            if key_type == pkcs11.KeyType.RSA:
                algorithm = KeyAlgorithm.RSA
            elif key_type == pkcs11.KeyType.EC:
                algorithm = KeyAlgorithm.EC
            else:
                raise TokenError(f"unsupported key type {key_type!r} on the token")
            if certificate is None:
                certs = list(session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE, **selector}))
                if len(certs) != 1:
                    raise TokenError("no certificate on the token for this key; pass certificate=")
                cert = Certificate.from_der(bytes(certs[0][Attribute.VALUE]))
            else:
                cert = certificate if isinstance(certificate, Certificate) else Certificate.from_der(certificate)
        except BaseException:
            session.close()
            raise
        if cert.key_algorithm is not algorithm:
            session.close()
            raise TokenError("the certificate does not match the key type on the token")
        logger.debug("opened PKCS#11 key on token %r (cert_no %s)", token_label, cert.cert_no)
        return cls(session, key, cert, algorithm)

    @property
    def key_algorithm(self) -> KeyAlgorithm:
        """RSA or EC."""
        return self._algorithm

    @property
    def certificate_der(self) -> bytes:
        """The DER signing certificate."""
        return self._cert.der

    @property
    def certificate(self) -> Certificate:
        """The parsed signing certificate."""
        return self._cert

    def sign(self, data: bytes, algorithm: SignatureAlgorithm) -> bytes:
        """Sign ``data`` on the token (hashing in software).

        Raises:
            UnsupportedAlgorithm: the algorithm does not fit the key.
            TokenError: the token failed.
        """
        import pkcs11
        from pkcs11 import Mechanism

        key_alg, hash_name = scheme_of(algorithm)
        if key_alg is not self._algorithm:
            raise UnsupportedAlgorithm(f"a {self._algorithm.value} token key cannot make {algorithm.value} signatures")
        digest = _digest(hash_name, data)
        try:
            with self._lock:
                if self._algorithm is KeyAlgorithm.RSA:
                    return bytes(self._key.sign(_DIGEST_INFO_PREFIX[hash_name] + digest, mechanism=Mechanism.RSA_PKCS))
                raw = bytes(self._key.sign(digest, mechanism=Mechanism.ECDSA))
        except pkcs11.PKCS11Error as exc:
            raise TokenError(f"the token refused to sign: {type(exc).__name__}") from None
        half = len(raw) // 2
        return bytes(
            asn1_algos.DSASignature(
                {"r": int.from_bytes(raw[:half], "big"), "s": int.from_bytes(raw[half:], "big")}
            ).dump()
        )

    def close(self) -> None:
        """Log out and close the session."""
        try:
            self._session.close()
        except Exception:
            logger.debug("closing the PKCS#11 session failed", exc_info=True)

    def __enter__(self) -> Pkcs11Signer:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Pkcs11Signer({self._algorithm.value}, cert_no={self._cert.cert_no!r})"


__all__ = ["SOFTHSM2_MODULE", "Pkcs11Signer"]
