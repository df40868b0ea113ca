"""The CAS card-login challenge: reading it from the login page, signing it, checking a signature over it.

The login page carries hidden inputs ``random`` (the challenge), ``lt`` (CAS login ticket), ``execution`` (Spring
Web Flow state) and ``serverDate`` (``REFUND_AND_VERIFICATION.md`` §4.1). The E-Port client signs ``random`` with
the card (``security_SpcSignRandom``) and the form posts it as ``signData``.

**Unverified:** what exactly ``SpcSignRandom`` signs and how it encodes the result (hash, ``random`` as text or
decoded, output format) is not publicly documented (§9.3). :class:`ChallengeEncoding` makes it pluggable;
:class:`RandomTextEncoding` (the default) is eport's assumption: the UTF-8 bytes of ``random``, SHA1withRSA on RSA
keys and SM3withSM2 on SM2 keys (what ``SpcSignDataAsPEM`` does), base64 of the raw value (SM2 as 64-byte
``r‖s``). Capture one real exchange and pass an encoding that reproduces it before relying on a live portal.
"""

from __future__ import annotations

import base64
import binascii
import json
from html.parser import HTMLParser
from typing import Protocol, runtime_checkable

import attrs

from eport.errors import ProtocolError, UnsupportedAlgorithm
from eport.pki.certs import certificate_from_der
from eport.pki.keys import verify_signature
from eport.pki.signer import KeyAlgorithm, SignatureAlgorithm, Signer
from eport.pki.sm2 import der_to_raw, raw_to_der


@attrs.frozen(kw_only=True)
class Challenge:
    """The login page's challenge (hidden inputs).

    Attributes:
        random: the server challenge to sign.
        lt: the CAS login ticket (``LT-…``).
        execution: the Web Flow state.
        server_date: the server's date as the page gives it.
        extra: the page's other hidden inputs (``swLoginFlag``, ``lpid`` …), posted back unchanged.
    """

    random: str
    lt: str
    execution: str = attrs.field(repr=lambda v: f"<{len(v)} chars>")
    server_date: str = ""
    extra: tuple[tuple[str, str], ...] = ()


class _HiddenInputs(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.values: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs_: list[tuple[str, str | None]]) -> None:
        if tag != "input":
            return
        found = dict(attrs_)
        name = found.get("name") or found.get("id")
        if (found.get("type") or "").lower() == "hidden" and name:
            self.values.setdefault(name, found.get("value") or "")


_KNOWN = {"random", "lt", "execution", "serverDate", "userPin", "signData", "certNo", "icCard", "_eventId"}


def parse_login_page(body: bytes, content_type: str = "") -> Challenge:
    """Read the challenge from the login page: an HTML page with hidden inputs, or the sandbox's JSON of the same
    fields.

    Raises:
        eport.errors.ProtocolError: no ``random`` or no ``lt`` (not a card-login page).
    """
    values: dict[str, str]
    text = body.decode("utf-8", "replace")
    if "json" in content_type.lower() or text.lstrip().startswith("{"):
        try:
            raw = json.loads(text)
        except ValueError:
            raise ProtocolError("the login page is neither HTML nor JSON") from None
        if not isinstance(raw, dict):
            raise ProtocolError("the login page JSON is not an object")
        values = {str(k): str(v) for k, v in raw.items() if isinstance(v, (str, int))}
    else:
        parser = _HiddenInputs()
        parser.feed(text)
        values = parser.values
    if not values.get("random") or not values.get("lt"):
        raise ProtocolError("the login page has no card-login challenge (random, lt)")
    extra = tuple(sorted((k, v) for k, v in values.items() if k not in _KNOWN))
    return Challenge(
        random=values["random"],
        lt=values["lt"],
        execution=values.get("execution", ""),
        server_date=values.get("serverDate", ""),
        extra=extra,
    )


@runtime_checkable
class ChallengeEncoding(Protocol):
    """How a challenge is signed and how the signature travels (pluggable: the real encoding is unverified)."""

    @property
    def name(self) -> str:
        """A short name for docs and errors."""
        ...

    def algorithm(self, key: KeyAlgorithm) -> SignatureAlgorithm:
        """The signature scheme for a key of this algorithm."""
        ...

    def message(self, challenge: str) -> bytes:
        """The bytes that are signed."""
        ...

    def encode(self, signature: bytes, key: KeyAlgorithm) -> str:
        """The ``signData`` text of a signature (as the eport Signer returns it)."""
        ...

    def decode(self, sign_data: str, key: KeyAlgorithm) -> bytes:
        """The signature (as eport verifies it) from ``signData``; raises ProtocolError when malformed."""
        ...


@attrs.frozen
class RandomTextEncoding:
    """eport's assumed encoding (unverified): sign the UTF-8 text of ``random``; RSA-SHA1 / SM2-SM3 /
    ECDSA-SHA256 by key; base64 of the raw signature, SM2 as 64-byte ``r‖s`` (the local service's format).

    Args:
        rsa_algorithm: the RSA scheme (``RSA_SHA1`` as the card service signs; ``RSA_SHA256`` if a capture says so).
    """

    rsa_algorithm: SignatureAlgorithm = SignatureAlgorithm.RSA_SHA1

    @property
    def name(self) -> str:
        """``random-text``."""
        return "random-text"

    def algorithm(self, key: KeyAlgorithm) -> SignatureAlgorithm:
        """RSA: :attr:`rsa_algorithm`; SM2: SM2-SM3; EC: ECDSA-SHA256."""
        if key is KeyAlgorithm.RSA:
            return self.rsa_algorithm
        if key is KeyAlgorithm.SM2:
            return SignatureAlgorithm.SM2_SM3
        return SignatureAlgorithm.ECDSA_SHA256

    def message(self, challenge: str) -> bytes:
        """``challenge`` as UTF-8."""
        return challenge.encode("utf-8")

    def encode(self, signature: bytes, key: KeyAlgorithm) -> str:
        """Base64 of the raw signature (SM2: DER → ``r‖s``)."""
        raw = der_to_raw(signature) if key is KeyAlgorithm.SM2 else signature
        return base64.b64encode(raw).decode("ascii")

    def decode(self, sign_data: str, key: KeyAlgorithm) -> bytes:
        """The signature back from base64 (SM2: ``r‖s`` → DER).

        Raises:
            eport.errors.ProtocolError: not base64, or an SM2 value that is not 64 bytes.
        """
        try:
            raw = base64.b64decode("".join(sign_data.split()), validate=True)
        except (binascii.Error, ValueError):
            raise ProtocolError("signData is not base64") from None
        if key is KeyAlgorithm.SM2:
            if len(raw) != 64:
                raise ProtocolError("an SM2 signData is 64 bytes (r || s)")
            return raw_to_der(raw)
        return raw


#: The default challenge encoding (an assumption; see the module docstring).
DEFAULT_ENCODING = RandomTextEncoding()


def sign_challenge(signer: Signer, challenge: str, encoding: ChallengeEncoding = DEFAULT_ENCODING) -> str:
    """The ``signData`` for ``challenge``, made by any eport Signer (card, local service, PKCS#11, in memory).

    A card backend must have its PIN verified beforehand.

    Raises:
        eport.errors.UnsupportedAlgorithm: the key cannot make the encoding's scheme.
    """
    key = signer.key_algorithm
    signature = signer.sign(encoding.message(challenge), encoding.algorithm(key))
    return encoding.encode(signature, key)


def verify_challenge(
    certificate_der: bytes, challenge: str, sign_data: str, encoding: ChallengeEncoding = DEFAULT_ENCODING
) -> None:
    """Check ``sign_data`` over ``challenge`` against a certificate (what the login service does).

    Raises:
        eport.errors.InvalidSignature: it does not verify.
        eport.errors.ProtocolError: ``sign_data`` is malformed.
        eport.errors.CertificateError: ``certificate_der`` is not a certificate.
    """
    cert = certificate_from_der(certificate_der)
    key = cert.key_algorithm
    try:
        signature = encoding.decode(sign_data, key)
        verify_signature(cert.spki_der, signature, encoding.message(challenge), encoding.algorithm(key))
    except UnsupportedAlgorithm as exc:
        raise ProtocolError(f"signData does not fit the certificate's key: {exc}") from exc


__all__ = [
    "DEFAULT_ENCODING",
    "Challenge",
    "ChallengeEncoding",
    "RandomTextEncoding",
    "parse_login_page",
    "sign_challenge",
    "verify_challenge",
]
