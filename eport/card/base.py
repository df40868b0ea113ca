"""What every operator-card backend offers: the card over APDUs (:class:`eport.card.operator.OperatorCard`) and
the E-Port client's local signing service (:class:`eport.card.localservice.LocalServiceCard`)."""

from __future__ import annotations

import datetime as dt
import logging
import warnings
from typing import Protocol, runtime_checkable

import attrs

from eport.errors import PinLockedError, PinPolicyError
from eport.pki.certs import certificate_from_der
from eport.pki.signer import KeyAlgorithm, SignatureAlgorithm

logger = logging.getLogger(__name__)

#: Curve OID of SM2 (GB/T 32918), as it appears in SubjectPublicKeyInfo.
SM2_CURVE_OID = "1.2.156.10197.1.301"


class DefaultPinWarning(UserWarning):
    """The PIN is still the factory default (出厂默认口令 88888888): change it with ``eport card change-pin``."""


@attrs.frozen(kw_only=True)
class CardInfo:
    """What the operator card tells about itself and its holder (no PIN needed)."""

    card_id: str
    certificate_number: str
    holder_name: str
    enterprise_code: str
    enterprise_name: str
    key_algorithm: KeyAlgorithm
    valid_from: dt.datetime | None = None
    valid_until: dt.datetime | None = None

    def as_dict(self) -> dict[str, str | None]:
        """Plain strings for JSON output."""
        return {
            "card_id": self.card_id,
            "certificate_number": self.certificate_number,
            "holder_name": self.holder_name,
            "enterprise_code": self.enterprise_code,
            "enterprise_name": self.enterprise_name,
            "key_algorithm": self.key_algorithm.value,
            "valid_from": self.valid_from.isoformat() if self.valid_from else None,
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
        }


@runtime_checkable
class OperatorCardBackend(Protocol):
    """The common interface of the operator card and the local signing service."""

    @property
    def key_algorithm(self) -> KeyAlgorithm:
        """The algorithm of the signing key."""
        ...

    def card_id(self) -> str:
        """The card ID (卡号)."""
        ...

    def certificate_number(self) -> str:
        """The signing certificate number (证书编号), lower-case hex, as ``<ds:KeyName>`` wants it."""
        ...

    def signing_certificate(self) -> bytes:
        """The signing certificate (签名证书), DER."""
        ...

    def info(self) -> CardInfo:
        """Card and holder data."""
        ...

    def pin_tries_left(self) -> int | None:
        """PIN tries left without spending one; ``None`` if the backend cannot tell."""
        ...

    def verify_pin(self, pin: str, *, allow_last_try: bool = False) -> None:
        """Verify the PIN once (never retried)."""
        ...

    def change_pin(self, old_pin: str, new_pin: str, *, allow_last_try: bool = False) -> None:
        """Change the PIN."""
        ...

    def sign(self, data: bytes, algorithm: SignatureAlgorithm) -> bytes:
        """Sign ``data`` with the card's key (PIN verified beforehand)."""
        ...


class WireLogger(logging.LoggerAdapter):  # type: ignore[type-arg]
    """A logger for the websockets library that never enables DEBUG, where websockets logs whole frames (PINs)."""

    def isEnabledFor(self, level: int) -> bool:  # noqa: N802 - logging's name
        """Only INFO and above, so frame contents are never formatted."""
        return level >= logging.INFO and self.logger.isEnabledFor(level)


def check_tries_before_pin(tries_left: int | None, *, allow_last_try: bool) -> None:
    """Refuse to spend the last PIN try unless the caller consented; refuse outright on a blocked PIN.

    Args:
        tries_left: as reported by the backend; ``None`` when unknown (no check possible).
        allow_last_try: the caller's explicit consent to risk blocking the card.

    Raises:
        eport.errors.PinLockedError: no try is left (卡已锁定).
        eport.errors.PinPolicyError: one try is left and ``allow_last_try`` is false.
    """
    if tries_left is None:
        return
    if tries_left == 0:
        raise PinLockedError()
    if tries_left == 1 and not allow_last_try:
        raise PinPolicyError(
            "only one PIN try is left: a wrong PIN now blocks the card (卡将被锁定); "
            "pass allow_last_try=True (CLI: --allow-last-try) if you are sure"
        )


def warn_if_default_pin(pin: str, factory_default: str) -> None:
    """Warn (:class:`DefaultPinWarning` and a log record) when ``pin`` is the factory default."""
    if pin == factory_default:
        message = (
            "the PIN is still the factory default (出厂默认口令); change it with 'eport card change-pin' "
            "or the E-Port key management tool"
        )
        logger.warning(message)
        warnings.warn(message, DefaultPinWarning, stacklevel=3)


def key_algorithm_of_certificate(der: bytes) -> KeyAlgorithm:
    """The key algorithm of a certificate's subject public key (RSA, SM2 or other EC).

    Raises:
        eport.errors.CertificateError: if ``der`` is not a certificate.
        eport.errors.UnsupportedAlgorithm: for a key that is neither RSA nor EC/SM2.
    """
    return certificate_from_der(bytes(der)).key_algorithm


def certificate_validity(der: bytes) -> tuple[dt.datetime, dt.datetime]:
    """``(not_before, not_after)`` of a certificate, timezone-aware UTC.

    Raises:
        eport.errors.CertificateError: if ``der`` is not a certificate.
    """
    cert = certificate_from_der(bytes(der))
    return cert.not_before, cert.not_after


def certificate_spki(der: bytes) -> bytes:
    """The DER ``SubjectPublicKeyInfo`` of a certificate (for :func:`eport.pki.keys.verify_signature`).

    Raises:
        eport.errors.CertificateError: if ``der`` is not a certificate.
    """
    return certificate_from_der(bytes(der)).spki_der


def certificate_serial_hex(der: bytes) -> str:
    """The certificate serial as the E-Port certificate number: lower-case hex, even number of digits.

    Raises:
        eport.errors.CertificateError: if ``der`` is not a certificate.
    """
    return certificate_from_der(bytes(der)).cert_no


__all__ = [
    "SM2_CURVE_OID",
    "CardInfo",
    "DefaultPinWarning",
    "OperatorCardBackend",
    "WireLogger",
    "certificate_serial_hex",
    "certificate_spki",
    "certificate_validity",
    "check_tries_before_pin",
    "key_algorithm_of_certificate",
    "warn_if_default_pin",
]
