"""A :class:`eport.pki.signer.Signer` backed by the operator card or the E-Port client's local signing service."""

from __future__ import annotations

from eport.card.base import OperatorCardBackend, key_algorithm_of_certificate
from eport.errors import UnsupportedAlgorithm
from eport.pki.signer import KeyAlgorithm, SignatureAlgorithm


class CardSigner:
    """Signs with an operator-card backend (:class:`~eport.card.operator.OperatorCard` or
    :class:`~eport.card.localservice.LocalServiceCard`); implements :class:`eport.pki.signer.Signer`.

    The caller verifies the PIN on the backend beforehand (``backend.verify_pin(pin)``); the signer never sees or
    sends a PIN, so it can be handed to XML-DSig and CMS code safely.

    Args:
        backend: the card or local-service client.

    Example::

        card.verify_pin(pin)
        signer = CardSigner(card)
        signature = signer.sign(signed_info, SignatureAlgorithm.RSA_SHA1)
    """

    def __init__(self, backend: OperatorCardBackend) -> None:
        self._backend = backend
        self._certificate: bytes | None = None

    def __repr__(self) -> str:
        return f"CardSigner({type(self._backend).__name__})"

    @property
    def certificate_der(self) -> bytes:
        """The backend's signing certificate, DER (read once)."""
        if self._certificate is None:
            self._certificate = self._backend.signing_certificate()
        return self._certificate

    @property
    def key_algorithm(self) -> KeyAlgorithm:
        """The algorithm of the signing key, from the certificate."""
        return key_algorithm_of_certificate(self.certificate_der)

    def sign(self, data: bytes, algorithm: SignatureAlgorithm) -> bytes:
        """Sign ``data`` on the backend. Requires a verified PIN.

        Returns:
            RSA: the PKCS#1 v1.5 signature; SM2: DER ``SEQUENCE{r, s}``.

        Raises:
            eport.errors.UnsupportedAlgorithm: the key cannot make ``algorithm`` signatures.
            eport.errors.SecurityStatusNotSatisfied: the PIN was not verified.
        """
        if algorithm.key_algorithm is not self.key_algorithm:
            raise UnsupportedAlgorithm(f"a {self.key_algorithm.value} key cannot make {algorithm.value} signatures")
        return self._backend.sign(data, algorithm)


__all__ = ["CardSigner"]
