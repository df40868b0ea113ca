"""Revocation checking by OCSP or CRL. Off by default; fetching from the network is an explicit online mode.

E-Port certificates name an OCSP responder (``http://ocsp.chinaport.gov.cn:8800/``) and CRLs (LDAP and
``http://ldap.chinaport.gov.cn:8088/dzka000-1.crl``). Offline, callers hand in CRLs or OCSP responses they obtained
themselves; online (``online=True``), eport fetches over HTTP with a timeout (LDAP URLs are skipped).

Example::

    policy = RevocationPolicy(mode=RevocationMode.HARD_FAIL, online=True, timeout=5.0)
    ChainValidator(store, revocation=policy).validate(cert)
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import logging
import time
from collections.abc import Callable

import attrs
from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import x509 as asn1_x509

from eport.errors import ConfigurationError, InvalidSignature, PkiError, RevocationError, UnsupportedAlgorithm
from eport.pki.certs import Certificate
from eport.pki.keys import SIGNATURE_OIDS

logger = logging.getLogger(__name__)

OCSP_SIGNING_EKU = "1.3.6.1.5.5.7.3.9"
MAX_RESPONSE_SIZE = 16 * 1024 * 1024

#: ``fetch(url, body, timeout) -> bytes``: GET when ``body`` is None, else POST an OCSP request.
Fetcher = Callable[[str, "bytes | None", float], bytes]


class RevocationMode(enum.Enum):
    """How revocation is checked.

    ``OFF``: not checked. ``SOFT_FAIL``: a revoked certificate fails, an unknown status passes (logged).
    ``HARD_FAIL``: only a known good status passes.
    """

    OFF = "off"
    SOFT_FAIL = "soft-fail"
    HARD_FAIL = "hard-fail"


class Status(enum.Enum):
    """A revocation status."""

    GOOD = "good"
    REVOKED = "revoked"
    UNKNOWN = "unknown"


@attrs.frozen(kw_only=True)
class RevocationPolicy:
    """Revocation settings.

    Attributes:
        mode: OFF (default), SOFT_FAIL or HARD_FAIL.
        crls: DER CRLs supplied by the caller (offline use).
        ocsp_responses: DER OCSP responses supplied by the caller (offline use).
        online: fetch OCSP responses and CRLs from the URLs in the certificates.
        timeout: seconds per network request.
        fetcher: replaces the HTTP client (``requests``) in online mode.
        leaf_only: check only the signing certificate, not the intermediate CAs (whose certificates often carry
            no OCSP or CRL pointer).
    """

    mode: RevocationMode = RevocationMode.OFF
    crls: tuple[bytes, ...] = ()
    ocsp_responses: tuple[bytes, ...] = ()
    online: bool = False
    timeout: float = 10.0
    fetcher: Fetcher | None = attrs.field(default=None, repr=False)
    leaf_only: bool = False

    def __attrs_post_init__(self) -> None:
        if not 0 < self.timeout <= 300:
            raise ConfigurationError("revocation timeout must be between 0 and 300 seconds")


@attrs.frozen
class RevocationResult:
    """The status found and where it came from (``"ocsp"``, ``"crl"`` or ``"none"``)."""

    status: Status
    source: str
    reason: str | None = None


def http_fetch(url: str, body: bytes | None, timeout: float) -> bytes:
    """Default online fetcher: HTTP GET (CRL) or POST (OCSP) with ``requests``.

    ``timeout`` bounds the connection, each read, and the whole download (a responder that stalls or trickles its
    answer is given up after ``timeout`` seconds); the response is always closed.

    Raises:
        RevocationError: on network errors, timeouts, non-200 replies or oversized answers.
    """
    import requests
    import urllib3

    if not url.startswith(("http://", "https://")):
        raise RevocationError(f"cannot fetch {url}: only http(s) is supported")
    deadline = time.monotonic() + timeout
    data = bytearray()
    try:
        if body is None:
            reply = requests.get(url, timeout=timeout, stream=True)
        else:
            reply = requests.post(
                url, data=body, timeout=timeout, stream=True, headers={"Content-Type": "application/ocsp-request"}
            )
        with reply:
            reply.raise_for_status()
            # read1: at most one socket read per call, so the deadline is checked however slowly bytes arrive
            while chunk := reply.raw.read1(65536, decode_content=True):
                data += chunk
                if len(data) > MAX_RESPONSE_SIZE:
                    raise RevocationError(f"answer from {url} is too large")
                if time.monotonic() > deadline:
                    raise RevocationError(f"cannot fetch {url}: no complete answer within {timeout} s")
    except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
        # urllib3's errors (ReadTimeoutError when a responder stalls after its headers …) come straight from read1
        raise RevocationError(f"cannot fetch {url}: {type(exc).__name__}") from None
    return bytes(data)


def _verify_with(issuer: Certificate, signature_oid: str, signature: bytes, data: bytes) -> None:
    scheme = SIGNATURE_OIDS.get(signature_oid)
    if scheme is None:
        raise UnsupportedAlgorithm(f"unsupported signature algorithm {signature_oid}")
    issuer.public_key.verify(signature, data, scheme[1])


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


def check_crl(cert: Certificate, issuer: Certificate, crl_der: bytes, at: dt.datetime) -> RevocationResult | None:
    """Check ``cert`` against one CRL; ``None`` if the CRL is not from ``cert``'s issuer.

    Raises:
        RevocationError: if the CRL is malformed, badly signed or out of date.
    """
    try:
        crl = asn1_crl.CertificateList.load(crl_der)
        tbs = crl["tbs_cert_list"]
        if tbs["issuer"].hashable != asn1_x509.Certificate.load(cert.der)["tbs_certificate"]["issuer"].hashable:
            return None
        sig_oid = crl["signature_algorithm"]["algorithm"].dotted
        this_update = _aware(tbs["this_update"].native)
        next_update = tbs["next_update"].native
        revoked = {int(r["user_certificate"].native): r for r in tbs["revoked_certificates"]}
        signature = bytes(crl["signature"].native)
        signed = tbs.dump()
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError) as exc:
        raise RevocationError(f"malformed CRL: {exc}") from None
    try:
        _verify_with(issuer, sig_oid, signature, signed)
    except (InvalidSignature, UnsupportedAlgorithm) as exc:
        raise RevocationError(f"CRL signature from {issuer.subject} does not verify: {exc}") from None
    if this_update > at or (next_update is not None and _aware(next_update) < at):
        raise RevocationError(f"CRL of {issuer.subject} is not current at {at:%Y-%m-%d %H:%M}")
    entry = revoked.get(cert.serial_number)
    if entry is None:
        return RevocationResult(Status.GOOD, "crl")
    when = entry["revocation_date"].native
    return RevocationResult(Status.REVOKED, "crl", f"revoked on {when:%Y-%m-%d}")


def ocsp_request(cert: Certificate, issuer: Certificate) -> bytes:
    """Build a DER OCSP request (SHA-1 CertID, as E-Port responders expect)."""
    issuer_tbs = asn1_x509.Certificate.load(issuer.der)["tbs_certificate"]
    key_bits = issuer_tbs["subject_public_key_info"]["public_key"].contents[1:]
    request = asn1_ocsp.OCSPRequest(
        {
            "tbs_request": {
                "request_list": [
                    {
                        "req_cert": {
                            "hash_algorithm": {"algorithm": "sha1"},
                            "issuer_name_hash": hashlib.sha1(issuer.subject_der).digest(),  # noqa: S324 - OCSP CertID
                            "issuer_key_hash": hashlib.sha1(key_bits).digest(),  # noqa: S324
                            "serial_number": cert.serial_number,
                        }
                    }
                ]
            }
        }
    )
    return bytes(request.dump())


def check_ocsp(cert: Certificate, issuer: Certificate, response_der: bytes, at: dt.datetime) -> RevocationResult | None:
    """Check ``cert`` against one OCSP response; ``None`` if the response does not cover it.

    The response must be signed by the issuer, or by a responder certificate the issuer signed with the
    OCSP-signing EKU.

    Raises:
        RevocationError: if the response is malformed, unsuccessful, badly signed or out of date.
    """
    try:
        response = asn1_ocsp.OCSPResponse.load(response_der)
        if response["response_status"].native != "successful":
            raise RevocationError(f"OCSP responder answered {response['response_status'].native}")
        basic = response["response_bytes"]["response"].parsed
        data = basic["tbs_response_data"]
        sig_oid = basic["signature_algorithm"]["algorithm"].dotted
        signature = bytes(basic["signature"].native)
        embedded = [Certificate.from_der(c.dump()) for c in basic["certs"]] if basic["certs"].native else []
        single = next(
            (r for r in data["responses"] if int(r["cert_id"]["serial_number"].native) == cert.serial_number), None
        )
    except RevocationError:
        raise
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError, PkiError) as exc:
        raise RevocationError(f"malformed OCSP response: {exc}") from None
    if single is None:
        return None
    signer = issuer
    for candidate in embedded:
        if candidate.der == issuer.der:
            break
        if OCSP_SIGNING_EKU in candidate.extended_key_usage:
            try:
                _verify_with(issuer, candidate.signature_algorithm_oid, candidate.signature_value, candidate.tbs_der)
            except (InvalidSignature, UnsupportedAlgorithm):
                continue
            if candidate.is_valid_at(at):
                signer = candidate
                break
    try:
        _verify_with(signer, sig_oid, signature, data.dump())
    except (InvalidSignature, UnsupportedAlgorithm) as exc:
        raise RevocationError(f"OCSP response signature does not verify: {exc}") from None
    this_update = _aware(single["this_update"].native)
    next_update = single["next_update"].native
    if this_update > at + dt.timedelta(minutes=5) or (next_update is not None and _aware(next_update) < at):
        raise RevocationError("OCSP response is not current")
    status = single["cert_status"].name
    if status == "good":
        return RevocationResult(Status.GOOD, "ocsp")
    if status == "revoked":
        when = single["cert_status"].chosen["revocation_time"].native
        return RevocationResult(Status.REVOKED, "ocsp", f"revoked on {when:%Y-%m-%d}")
    return RevocationResult(Status.UNKNOWN, "ocsp", "responder does not know the certificate")


def check(cert: Certificate, issuer: Certificate, policy: RevocationPolicy, at: dt.datetime) -> RevocationResult:
    """Find the revocation status of ``cert`` per ``policy`` and enforce the mode.

    Raises:
        RevocationError: if revoked, or if the status is unknown in HARD_FAIL mode.
    """
    if policy.mode is RevocationMode.OFF:
        return RevocationResult(Status.UNKNOWN, "none", "revocation checking is off")
    problems: list[str] = []
    result: RevocationResult | None = None
    for der in policy.ocsp_responses:
        result = _attempt(problems, lambda d=der: check_ocsp(cert, issuer, d, at))  # type: ignore[misc]
        if result:
            break
    if result is None:
        for der in policy.crls:
            result = _attempt(problems, lambda d=der: check_crl(cert, issuer, d, at))  # type: ignore[misc]
            if result:
                break
    if result is None and policy.online:
        fetch = policy.fetcher or http_fetch
        for url in cert.ocsp_urls:
            result = _attempt(
                problems,
                lambda u=url: check_ocsp(  # type: ignore[misc]
                    cert, issuer, fetch(u, ocsp_request(cert, issuer), policy.timeout), at
                ),
            )
            if result and result.status is not Status.UNKNOWN:
                break
        if result is None or result.status is Status.UNKNOWN:
            for url in cert.crl_urls:
                if not url.startswith(("http://", "https://")):
                    continue
                found = _attempt(
                    problems,
                    lambda u=url: check_crl(  # type: ignore[misc]
                        cert, issuer, fetch(u, None, policy.timeout), at
                    ),
                )
                if found:
                    result = found
                    break
    result = result or RevocationResult(Status.UNKNOWN, "none", "; ".join(problems) or "no OCSP or CRL available")
    if result.status is Status.REVOKED:
        raise RevocationError(
            f"certificate {cert.cert_no} ({cert.subject}) is revoked: {result.reason} (source {result.source})"
        )
    if result.status is Status.UNKNOWN:
        if policy.mode is RevocationMode.HARD_FAIL:
            raise RevocationError(f"revocation status of {cert.cert_no} ({cert.subject}) unknown: {result.reason}")
        logger.warning("revocation status of %s unknown (%s); accepted in soft-fail mode", cert.cert_no, result.reason)
    return result


def _attempt(problems: list[str], action: Callable[[], RevocationResult | None]) -> RevocationResult | None:
    try:
        return action()
    except RevocationError as exc:
        problems.append(str(exc))
        return None


__all__ = [
    "Fetcher",
    "RevocationMode",
    "RevocationPolicy",
    "RevocationResult",
    "Status",
    "check",
    "check_crl",
    "check_ocsp",
    "http_fetch",
    "ocsp_request",
]
