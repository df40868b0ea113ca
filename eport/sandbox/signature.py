"""Checking the enveloped XML signature of a business message against the certificates registered in the sandbox.

The cryptography is :func:`eport.pki.xmldsig.verify_enveloped` (strict customs profile, every dialect allowed:
RSA-SHA1, RSA-SHA256, SM2-SM3 and the w3.org SM2 URI). The sandbox adds what customs adds: the signing certificate
must be registered (证书备案). Outcomes carry the exchange error codes of spec §7: ``1001`` (数字签名无效 invalid
signature: no signature, unknown certificate, malformed or unsupported) and ``1004`` (签名与数据不符 the document
changed after signing, or the value does not verify).
"""

from __future__ import annotations

import base64
import binascii
import functools
import logging
from collections.abc import Callable

import attrs
from lxml import etree

from eport.errors import EportError, InvalidSignature
from eport.pki.certs import Certificate
from eport.pki.xmldsig import Dialect, PinnedCertificate, VerifyConfig, verify_enveloped
from eport.sandbox.envelope import DS_NS

logger = logging.getLogger(__name__)

#: Exchange error codes (spec §7, table 7-1).
INVALID_SIGNATURE = "1001"
SIGNATURE_MISMATCH = "1004"

_VERIFY = VerifyConfig(dialects=frozenset(Dialect), require_key_name_match=False)


@attrs.frozen
class SignatureCheck:
    """The outcome of a signature check.

    Attributes:
        present: whether the message carries a ``ds:Signature``.
        ok: whether the signature verified against a registered certificate.
        code: ``1001`` or ``1004`` when not ok, else None.
        reason: English explanation when not ok.
    """

    present: bool
    ok: bool
    code: str | None = None
    reason: str = ""


@functools.lru_cache(maxsize=64)
def _pinned(der: bytes) -> PinnedCertificate:
    """Trust for one registered certificate (parsing a certificate costs milliseconds: cached)."""
    return PinnedCertificate(Certificate.from_der(der))


def _embedded_certificate(root: etree._Element) -> bytes | None:
    node = root.find(f"{{{DS_NS}}}Signature/{{{DS_NS}}}KeyInfo/{{{DS_NS}}}X509Data/{{{DS_NS}}}X509Certificate")
    if node is None:
        return None
    try:
        return base64.b64decode("".join((node.text or "").split()), validate=True)
    except (binascii.Error, ValueError):
        return None


def check_signature(document: bytes, root: etree._Element, *, is_registered: Callable[[bytes], bool]) -> SignatureCheck:
    """Check the enveloped signature of a business message.

    Args:
        document: the message bytes as received.
        root: the same message, parsed.
        is_registered: tells whether a certificate (DER) is registered in the sandbox.

    Returns:
        The outcome; never raises for a bad signature.
    """
    if root.find(f"{{{DS_NS}}}Signature") is None:
        return SignatureCheck(present=False, ok=False, code=INVALID_SIGNATURE, reason="no ds:Signature element")
    der = _embedded_certificate(root)
    if der is None:
        return SignatureCheck(present=True, ok=False, code=INVALID_SIGNATURE, reason="no readable X509Certificate")
    if not is_registered(der):
        return SignatureCheck(
            present=True, ok=False, code=INVALID_SIGNATURE, reason="signing certificate not registered in the sandbox"
        )
    try:
        verify_enveloped(document, trust=_pinned(der), config=_VERIFY)
    except InvalidSignature as exc:
        text = str(exc)
        mismatch = "digest mismatch" in text or "does not verify" in text or "verification failed" in text
        code = SIGNATURE_MISMATCH if mismatch else INVALID_SIGNATURE
        return SignatureCheck(present=True, ok=False, code=code, reason=text[:300])
    except EportError as exc:
        return SignatureCheck(
            present=True, ok=False, code=INVALID_SIGNATURE, reason=f"{type(exc).__name__}: {exc}"[:300]
        )
    return SignatureCheck(present=True, ok=True)


__all__ = ["INVALID_SIGNATURE", "SIGNATURE_MISMATCH", "SignatureCheck", "check_signature"]
