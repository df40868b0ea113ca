"""The E-Port operator card (操作员卡) application over any transport.

::

    from eport.card.operator import OperatorCard

    with OperatorCard.connect() as card:         # PC/SC, first reader with a card
        holder = card.info().holder_name
        card.verify_pin(getpass.getpass("PIN: "))    # once; never retried by eport
        signature = card.sign(b"...", SignatureAlgorithm.RSA_SHA1)
"""

from __future__ import annotations

import hashlib
import logging
import threading

from eport.card.base import (
    CardInfo,
    certificate_serial_hex,
    certificate_validity,
    check_tries_before_pin,
    key_algorithm_of_certificate,
    warn_if_default_pin,
)
from eport.card.profile import CardProfile, EportCardProfile
from eport.card.protocol import CardProtocol, Transport
from eport.errors import CardError, CertificateError, NotSupportedError, PinPolicyError, UnsupportedAlgorithm
from eport.pki.signer import KeyAlgorithm, SignatureAlgorithm

logger = logging.getLogger(__name__)

#: DER prefixes of PKCS#1 v1.5 DigestInfo structures (RFC 8017 §9.2 note 1).
DIGEST_INFO_PREFIX = {
    "sha1": bytes.fromhex("3021300906052b0e03021a05000414"),
    "sha256": bytes.fromhex("3031300d060960864801650304020105000420"),
}

_RSA_DIGEST = {SignatureAlgorithm.RSA_SHA1: "sha1", SignatureAlgorithm.RSA_SHA256: "sha256"}

_CERT_SLOT = {KeyAlgorithm.RSA: "sign-rsa", KeyAlgorithm.SM2: "sign-sm2"}


def digest_info(algorithm: SignatureAlgorithm, data: bytes) -> bytes:
    """The PKCS#1 v1.5 DigestInfo of ``data`` for an RSA scheme (what the card signs).

    Raises:
        eport.errors.UnsupportedAlgorithm: if ``algorithm`` is not an RSA scheme.
    """
    name = _RSA_DIGEST.get(algorithm)
    if name is None:
        raise UnsupportedAlgorithm(f"{algorithm.value} is not an RSA PKCS#1 v1.5 scheme")
    return DIGEST_INFO_PREFIX[name] + hashlib.new(name, data).digest()


class OperatorCard:
    """The operator card application: card and holder data, certificates, PIN, signatures.

    Creating it SELECTs the application. All methods send APDUs through ``transport``; nothing is retried, and a
    PIN is sent at most once per call.

    Args:
        transport: a :class:`~eport.card.protocol.Transport` (PC/SC, emulator, …) or a ready
            :class:`~eport.card.protocol.CardProtocol`.
        profile: the command profile (default :class:`~eport.card.profile.EportCardProfile`); pass a vendor
            profile for cards that speak differently.
        key_algorithm: which signing key to use when the card holds both an RSA and an SM2 key; default: the RSA
            key if the card has one, else the SM2 key.

    Raises:
        eport.errors.FileNotFound: the card has no E-Port application.
        eport.errors.CardError: reader or card problems.
    """

    def __init__(
        self,
        transport: Transport | CardProtocol,
        *,
        profile: CardProfile | None = None,
        key_algorithm: KeyAlgorithm | None = None,
    ) -> None:
        self.protocol = transport if isinstance(transport, CardProtocol) else CardProtocol(transport)
        self.profile: CardProfile = profile if profile is not None else EportCardProfile()
        self._certificates: dict[str, bytes | None] = {}
        self._key_algorithm = key_algorithm
        self._lock = threading.RLock()  # one operation (several APDUs) at a time
        self.profile.select(self.protocol)

    @classmethod
    def connect(
        cls,
        reader: str | None = None,
        *,
        timeout: float = 0.0,
        exclusive: bool = False,
        profile: CardProfile | None = None,
        key_algorithm: KeyAlgorithm | None = None,
    ) -> OperatorCard:
        """Connect through PC/SC and select the application; close the card (or use ``with``) when done.

        Args:
            reader: reader name; ``None`` takes the first reader holding a card.
            timeout: seconds to wait for a card; ``0`` fails at once when there is none.
            exclusive: keep other applications off the card while connected.
            profile: as for the constructor.
            key_algorithm: as for the constructor.

        Raises:
            eport.errors.CardError: ``PcscUnavailableError``, ``NoReaderError``, ``NoCardError`` or
                ``CardTimeoutError``, see :func:`eport.card.pcsc.connect`.
            eport.errors.FileNotFound: the card has no E-Port application.
            eport.errors.MissingExtraError: pyscard is not installed (the ``pcsc`` extra).
        """
        from eport.card import pcsc

        transport = pcsc.connect(reader, timeout=timeout, exclusive=exclusive)
        try:
            return cls(transport, profile=profile, key_algorithm=key_algorithm)
        except BaseException:
            transport.close()
            raise

    def __repr__(self) -> str:
        return f"OperatorCard(profile={self.profile.name!r})"

    def close(self) -> None:
        """Close the transport (PC/SC: leaves the card powered, so a verified PIN stays verified)."""
        self.protocol.close()

    def __enter__(self) -> OperatorCard:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ data
    def card_id(self) -> str:
        """The card ID (卡号), as printed on the card."""
        with self._lock:
            return self.profile.read_card_id(self.protocol)

    def certificate_number(self) -> str:
        """The number (证书编号) of the signing certificate in use: its serial in lower-case hex (``<ds:KeyName>``)."""
        return certificate_serial_hex(self.signing_certificate())

    def certificate(self, which: str) -> bytes | None:
        """A certificate by slot name (``"sign-rsa"``, ``"sign-sm2"``, ``"encrypt"``), DER, or None if absent."""
        with self._lock:
            if which not in self._certificates:
                self._certificates[which] = self.profile.read_certificate(self.protocol, which)
            return self._certificates[which]

    @property
    def key_algorithm(self) -> KeyAlgorithm:
        """The algorithm of the signing key in use (RSA or SM2)."""
        if self._key_algorithm is None:
            if self.certificate("sign-rsa") is not None:
                self._key_algorithm = KeyAlgorithm.RSA
            elif self.certificate("sign-sm2") is not None:
                self._key_algorithm = KeyAlgorithm.SM2
            else:
                raise CardError("the card holds no signing certificate")
        return self._key_algorithm

    def key_algorithms(self) -> list[KeyAlgorithm]:
        """Every signing key algorithm the card has a certificate for."""
        return [alg for alg, slot in _CERT_SLOT.items() if self.certificate(slot) is not None]

    def signing_certificate(self, key_algorithm: KeyAlgorithm | None = None) -> bytes:
        """The signing certificate (签名证书), DER.

        Raises:
            eport.errors.CertificateError: the card has no signing certificate for that key.
        """
        alg = key_algorithm or self.key_algorithm
        der = self.certificate(_CERT_SLOT.get(alg, ""))
        if der is None:
            raise CertificateError(f"the card has no {alg.value} signing certificate")
        return der

    @property
    def certificate_der(self) -> bytes:
        """The signing certificate of the key in use (part of the Signer protocol)."""
        return self.signing_certificate()

    def encryption_certificate(self) -> bytes | None:
        """The encryption certificate (加密证书), DER, or None if the card has none."""
        return self.certificate("encrypt")

    def info(self) -> CardInfo:
        """Card ID, holder and enterprise, certificate number and validity (no PIN needed)."""
        with self._lock:
            holder = self.profile.read_holder_data(self.protocol)
        cert = self.signing_certificate()
        start, end = certificate_validity(cert)
        return CardInfo(
            card_id=self.card_id(),
            certificate_number=certificate_serial_hex(cert),
            holder_name=holder.holder_name,
            enterprise_code=holder.enterprise_code,
            enterprise_name=holder.enterprise_name,
            key_algorithm=key_algorithm_of_certificate(cert),
            valid_from=start,
            valid_until=end,
        )

    # ------------------------------------------------------------------ PIN
    def pin_tries_left(self) -> int:
        """PIN tries left, read without spending a try."""
        with self._lock:
            return self.profile.pin_tries_left(self.protocol)

    def verify_pin(self, pin: str, *, allow_last_try: bool = False) -> None:
        """Verify the PIN (口令验证), sending it once.

        eport never retries: on a wrong PIN the error tells how many tries remain and the caller decides.

        Args:
            pin: the PIN (never logged; masked in APDU traces).
            allow_last_try: consent to use the last try (a wrong PIN then blocks the card).

        Raises:
            eport.errors.PinPolicyError: malformed PIN, or one try left without ``allow_last_try``.
            eport.errors.PinError: wrong PIN (口令错误), ``tries_left`` says how many remain.
            eport.errors.PinLockedError: the card is blocked (卡已锁定).

        Warns:
            DefaultPinWarning: the PIN is the factory default 88888888.
        """
        with self._lock:
            self.profile.check_pin_format(pin)
            check_tries_before_pin(self.pin_tries_left(), allow_last_try=allow_last_try)
            self.profile.verify_pin(self.protocol, pin)
            logger.info("PIN verified")
            warn_if_default_pin(pin, self.profile.factory_default_pin)

    def change_pin(self, old_pin: str, new_pin: str, *, allow_last_try: bool = False) -> None:
        """Change the PIN (修改口令).

        Raises:
            eport.errors.PinPolicyError: malformed PIN, new PIN equal to the factory default, or one try left
                without ``allow_last_try``.
            eport.errors.PinError: wrong old PIN.
            eport.errors.PinLockedError: the card is blocked.
        """
        self.profile.check_pin_format(old_pin)
        self.profile.check_pin_format(new_pin)
        if new_pin == self.profile.factory_default_pin:
            raise PinPolicyError("the new PIN must not be the factory default")
        with self._lock:
            check_tries_before_pin(self.pin_tries_left(), allow_last_try=allow_last_try)
            self.profile.change_pin(self.protocol, old_pin, new_pin)
        logger.info("PIN changed")

    def unlock_pin(self, unlock_code: str, new_pin: str) -> None:
        """Unblock the PIN with the card's unlock code (解锁码) and set a new one (RESET RETRY COUNTER), once.

        Without an unlock code, the card centre unlocks the card (the PIN then goes back to 88888888).

        Raises:
            eport.errors.NotSupportedError: the card profile has no unblock command.
            eport.errors.PinPolicyError: a malformed code or PIN, or the factory default as the new PIN.
            eport.errors.PinError: wrong unlock code (``tries_left`` of the unlock code).
            eport.errors.PinLockedError: the unlock code is blocked as well.
        """
        unblock = getattr(self.profile, "unblock_pin", None)
        if not callable(unblock):
            raise NotSupportedError(0x6D00, message=f"profile {self.profile.name} cannot unblock a PIN")
        self.profile.check_pin_format(new_pin)
        if new_pin == self.profile.factory_default_pin:
            raise PinPolicyError("the new PIN must not be the factory default")
        with self._lock:
            unblock(self.protocol, unlock_code, new_pin)
        logger.info("PIN unblocked")

    # ------------------------------------------------------------------ signing
    def sign(self, data: bytes, algorithm: SignatureAlgorithm) -> bytes:
        """Sign ``data`` on the card. Requires a verified PIN.

        RSA: PKCS#1 v1.5 over the scheme's digest (the host hashes, the card pads and signs the DigestInfo).
        SM2: the card hashes with SM3 and the ID ``1234567812345678``; the value is DER ``SEQUENCE{r, s}``.

        Raises:
            eport.errors.UnsupportedAlgorithm: the card has no key for ``algorithm``.
            eport.errors.SecurityStatusNotSatisfied: the PIN has not been verified (6982).
        """
        with self._lock:
            key = algorithm.key_algorithm
            if key not in _CERT_SLOT or self.certificate(_CERT_SLOT[key]) is None:
                raise UnsupportedAlgorithm(f"the card has no key for {algorithm.value}")
            payload = digest_info(algorithm, data) if key is KeyAlgorithm.RSA else data
            return self.profile.sign(self.protocol, key, payload)


__all__ = ["DIGEST_INFO_PREFIX", "OperatorCard", "digest_info"]
