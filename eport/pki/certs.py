"""E-Port certificates: tolerant parsing with typed fields.

E-Port signing certificates are issued by 中国电子业务证书管理中心 (China Electronic Business Certificate Management
Centre). Private extensions under ``1.3.6.1.4.1.5315.100`` carry the enterprise name, an ID number, the
operator/card code and the organisation code. In older RSA certificates these are ``IA5String`` values holding
UTF-8 bytes, an ASN.1 violation that strict parsers reject; :class:`Certificate` decodes them anyway.

The meaning of each private OID is reconstructed from two decoded certificates, not from a specification
(unverified): :data:`EPORT_FIELD_OIDS` is the default mapping and :meth:`Certificate.from_der` takes another one.

Example::

    cert = load_certificate(Path("card.cer").read_bytes())      # PEM or DER
    cert.cert_no, cert.enterprise_name, cert.operator_code      # '01691fe9', '某某科技有限公司', '03-JJ0G900220752'
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import logging
import re
from collections.abc import Mapping

import attrs
from asn1crypto import pem as asn1_pem
from asn1crypto import x509 as asn1_x509

from eport.errors import CertificateError
from eport.pki.keys import SIGNATURE_OIDS, PublicKey
from eport.pki.signer import KeyAlgorithm
from eport.pki.sm2 import sm3

logger = logging.getLogger(__name__)

#: The OID arc of the E-Port private certificate extensions.
EPORT_ARC = "1.3.6.1.4.1.5315.100"

#: Default mapping from private extension OID to the typed field it fills (unverified, from decoded samples).
EPORT_FIELD_OIDS: Mapping[str, str] = {
    "1.3.6.1.4.1.5315.100.5.1": "enterprise_name",
    "1.3.6.1.4.1.5315.100.5.8": "id_number",
    "1.3.6.1.4.1.5315.100.5.9": "operator_code",
    "1.3.6.1.4.1.5315.100.5.11": "organization_code",
}

#: Largest certificate accepted, in bytes (E-Port certificates are about 1 KiB).
MAX_CERTIFICATE_SIZE = 64 * 1024

_PEM_RE = re.compile(
    rb"-----BEGIN (?:X509 |TRUSTED )?CERTIFICATE-----.*?-----END (?:X509 |TRUSTED )?CERTIFICATE-----", re.S
)

_KEY_USAGE_NAMES = (
    "digital_signature",
    "non_repudiation",
    "key_encipherment",
    "data_encipherment",
    "key_agreement",
    "key_cert_sign",
    "crl_sign",
    "encipher_only",
    "decipher_only",
)


def _read_tlv(data: bytes, pos: int = 0) -> tuple[int, bytes, int]:
    """Read one DER TLV at ``pos``; return (tag, contents, next position)."""
    tag = data[pos]
    length = data[pos + 1]
    pos += 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 4:
            raise ValueError("unsupported length")
        length = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    end = pos + length
    if end > len(data):
        raise ValueError("truncated")
    return tag, data[pos:end], end


def decode_text(raw: bytes) -> str:
    """Decode a DER string value tolerantly: UTF8String, PrintableString, IA5String (even with UTF-8 or GBK
    bytes), BMPString, T61String or a bare OCTET STRING.

    Raises:
        CertificateError: if ``raw`` is not a single DER value.
    """
    try:
        tag, contents, end = _read_tlv(raw)
    except (IndexError, ValueError):
        raise CertificateError("extension value is not DER") from None
    if end != len(raw):
        raise CertificateError("extension value has trailing bytes")
    if tag == 0x1E:  # BMPString
        return contents.decode("utf-16-be", errors="replace")
    if tag == 0x1C:  # UniversalString
        return contents.decode("utf-32-be", errors="replace")
    for encoding in ("utf-8", "gb18030"):
        try:
            return contents.decode(encoding)
        except UnicodeDecodeError:
            continue
    return contents.decode("latin-1")


def _name_to_str(name: asn1_x509.Name) -> str:
    """RFC 4514-style rendering that survives mis-encoded values."""
    parts: list[str] = []
    for rdn in reversed(list(name.chosen)):
        for attr in rdn:
            oid = attr["type"]
            label = {
                "common_name": "CN",
                "country_name": "C",
                "organization_name": "O",
                "organizational_unit_name": "OU",
                "locality_name": "L",
                "state_or_province_name": "ST",
                "email_address": "E",
                "serial_number": "serialNumber",
            }.get(oid.native, oid.dotted)
            try:
                value = str(attr["value"].native)
            except (ValueError, UnicodeDecodeError):
                value = decode_text(attr["value"].dump())
            parts.append(f"{label}={value}")
    return ", ".join(parts)


@attrs.frozen(kw_only=True, eq=False)
class Certificate:
    """An X.509 certificate with the fields E-Port software needs.

    Attributes:
        der: the DER encoding (the identity of the certificate).
        serial_number: the serial number.
        cert_no: the certificate number (证书编号) customs expects in ``KeyName`` and ``certNo``: the serial in
            lower-case hex, without leading zero bytes removed beyond what the serial has (e.g. ``01691fe9``).
        subject, issuer: RFC 4514-style names.
        not_before, not_after: validity (timezone-aware, UTC).
        key_algorithm: RSA, SM2 or EC.
        key_size: modulus or curve size in bits.
        signature_algorithm_oid: OID of the issuer's signature.
        signature_hash: ``"sha1"``, ``"sha256"``, ``"sm3"`` …
        is_ca: basicConstraints cA.
        path_length: basicConstraints pathLenConstraint, if any.
        key_usage: names such as ``digital_signature``, ``key_cert_sign``.
        extended_key_usage: EKU OIDs (dotted).
        enterprise_name, id_number, operator_code, organization_code: decoded E-Port private extensions.
        eport_extensions: every extension under ``1.3.6.1.4.1.5315.100``, decoded to text.
        subject_key_id, authority_key_id: key identifiers (hex), if present.
        ocsp_urls, crl_urls: revocation pointers from AIA and CRL distribution points.
    """

    der: bytes = attrs.field(repr=False)
    serial_number: int = attrs.field(repr=False)
    cert_no: str
    subject: str
    issuer: str
    not_before: dt.datetime
    not_after: dt.datetime
    key_algorithm: KeyAlgorithm
    key_size: int = attrs.field(repr=False)
    signature_algorithm_oid: str = attrs.field(repr=False)
    signature_hash: str | None = attrs.field(repr=False)
    is_ca: bool = attrs.field(repr=False)
    path_length: int | None = attrs.field(repr=False)
    key_usage: frozenset[str] = attrs.field(repr=False)
    extended_key_usage: tuple[str, ...] = attrs.field(repr=False)
    enterprise_name: str | None = None
    id_number: str | None = attrs.field(default=None, repr=False)
    operator_code: str | None = None
    organization_code: str | None = attrs.field(default=None, repr=False)
    eport_extensions: Mapping[str, str] = attrs.field(factory=dict, repr=False)
    subject_key_id: str | None = attrs.field(default=None, repr=False)
    authority_key_id: str | None = attrs.field(default=None, repr=False)
    ocsp_urls: tuple[str, ...] = attrs.field(default=(), repr=False)
    crl_urls: tuple[str, ...] = attrs.field(default=(), repr=False)

    # ------------------------------------------------------------------------------------------- loading
    @classmethod
    def from_der(cls, der: bytes, *, field_oids: Mapping[str, str] = EPORT_FIELD_OIDS) -> Certificate:
        """Parse a DER certificate tolerantly.

        Args:
            der: the DER bytes.
            field_oids: private extension OID -> field name (``enterprise_name``, ``id_number``,
                ``operator_code``, ``organization_code``).

        Raises:
            CertificateError: if the bytes are not an X.509 certificate.
        """
        if len(der) > MAX_CERTIFICATE_SIZE:
            raise CertificateError(f"certificate larger than {MAX_CERTIFICATE_SIZE} bytes")
        try:
            cert = asn1_x509.Certificate.load(bytes(der), strict=True)
            tbs = cert["tbs_certificate"]
            serial = int(tbs["serial_number"].native)
            validity = tbs["validity"]
            not_before = validity["not_before"].native
            not_after = validity["not_after"].native
            sig_oid = cert["signature_algorithm"]["algorithm"].dotted
            public = PublicKey.from_spki(tbs["subject_public_key_info"].dump())
            subject = _name_to_str(tbs["subject"])
            issuer = _name_to_str(tbs["issuer"])
            _ = bytes(cert["signature_value"].native)  # parsed now so that Certificate.signature_value cannot fail
            extensions = [(ext, ext["extn_id"].dotted, bool(ext["critical"].native)) for ext in tbs["extensions"]]
        except CertificateError:
            raise
        except (ValueError, TypeError, KeyError, IndexError, OverflowError) as exc:
            raise CertificateError(f"not an X.509 certificate: {exc}") from None
        fields: dict[str, str] = {}
        private: dict[str, str] = {}
        is_ca = False
        path_length: int | None = None
        key_usage: frozenset[str] = frozenset()
        eku: tuple[str, ...] = ()
        ski = aki = None
        ocsp: list[str] = []
        crl: list[str] = []
        for ext, oid, critical in extensions:
            try:
                if oid.startswith(EPORT_ARC + "."):
                    text = decode_text(ext["extn_value"].contents)
                    private[oid] = text
                    if oid in field_oids:
                        fields[field_oids[oid]] = text
                elif oid == "2.5.29.19":
                    bc = ext["extn_value"].parsed
                    is_ca = bool(bc["ca"].native)
                    path_length = bc["path_len_constraint"].native
                elif oid == "2.5.29.15":
                    bits = ext["extn_value"].parsed.native
                    key_usage = frozenset(n for n in bits if n in _KEY_USAGE_NAMES)
                elif oid == "2.5.29.37":
                    eku = tuple(p.dotted for p in ext["extn_value"].parsed)
                elif oid == "2.5.29.14":
                    ski = bytes(ext["extn_value"].parsed.native).hex()
                elif oid == "2.5.29.35":
                    kid = ext["extn_value"].parsed["key_identifier"].native
                    aki = bytes(kid).hex() if kid is not None else None
                elif oid == "1.3.6.1.5.5.7.1.1":
                    for desc in ext["extn_value"].parsed:
                        if desc["access_method"].dotted == "1.3.6.1.5.5.7.48.1":
                            ocsp.append(str(desc["access_location"].native))
                elif oid == "2.5.29.31":
                    for point in ext["extn_value"].parsed:
                        name = point["distribution_point"]
                        if name.name == "full_name":
                            crl.extend(str(g.native) for g in name.chosen if g.name == "uniform_resource_identifier")
            except (ValueError, TypeError, KeyError, UnicodeDecodeError, CertificateError) as exc:
                # tolerant: a broken optional extension must not make the whole certificate unusable
                logger.debug("skipping unparsable extension %s: %s", oid, exc)
                if critical:
                    raise CertificateError(f"critical extension {oid} cannot be parsed") from None
        scheme = SIGNATURE_OIDS.get(sig_oid)
        return cls(
            der=bytes(der),
            serial_number=serial,
            cert_no=cert_number(serial),
            subject=subject,
            issuer=issuer,
            not_before=not_before,
            not_after=not_after,
            key_algorithm=public.algorithm,
            key_size=public.key_size,
            signature_algorithm_oid=sig_oid,
            signature_hash=scheme[1] if scheme else None,
            is_ca=is_ca,
            path_length=path_length,
            key_usage=key_usage,
            extended_key_usage=eku,
            enterprise_name=fields.get("enterprise_name"),
            id_number=fields.get("id_number"),
            operator_code=fields.get("operator_code"),
            organization_code=fields.get("organization_code"),
            eport_extensions=private,
            subject_key_id=ski,
            authority_key_id=aki,
            ocsp_urls=tuple(ocsp),
            crl_urls=tuple(crl),
        )

    @classmethod
    def from_pem(cls, pem: bytes | str) -> Certificate:
        """Parse the first PEM certificate in ``pem``.

        Raises:
            CertificateError: if there is no PEM certificate.
        """
        found = load_pem_certificates(pem.encode("ascii", "replace") if isinstance(pem, str) else pem)
        if not found:
            raise CertificateError("no PEM certificate found")
        return found[0]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Certificate) and other.der == self.der

    def __hash__(self) -> int:
        return hash(self.der)

    # ------------------------------------------------------------------------------------------- views
    @property
    def public_key(self) -> PublicKey:
        """The subject public key."""
        return PublicKey.from_spki(self._tbs["subject_public_key_info"].dump())

    @property
    def spki_der(self) -> bytes:
        """The DER ``SubjectPublicKeyInfo``."""
        return bytes(self._tbs["subject_public_key_info"].dump())

    @property
    def tbs_der(self) -> bytes:
        """The DER ``TBSCertificate`` (what the issuer signed)."""
        return bytes(self._tbs.dump())

    @property
    def signature_value(self) -> bytes:
        """The issuer's signature over :attr:`tbs_der`."""
        return bytes(asn1_x509.Certificate.load(self.der)["signature_value"].native)

    @property
    def subject_der(self) -> bytes:
        """DER of the subject name (for exact issuer matching)."""
        return bytes(self._tbs["subject"].dump())

    @property
    def issuer_der(self) -> bytes:
        """DER of the issuer name."""
        return bytes(self._tbs["issuer"].dump())

    @property
    def self_issued(self) -> bool:
        """Whether subject and issuer are the same name."""
        return _normalized_name(self._tbs["subject"]) == _normalized_name(self._tbs["issuer"])

    @property
    def _tbs(self) -> asn1_x509.TbsCertificate:
        return asn1_x509.Certificate.load(self.der)["tbs_certificate"]

    def fingerprint(self, algorithm: str = "sha256") -> str:
        """Return the colon-separated upper-case hex fingerprint (``sha256``, ``sha1`` or ``sm3``)."""
        digest = sm3(self.der) if algorithm == "sm3" else hashlib.new(algorithm, self.der).digest()
        return ":".join(f"{b:02X}" for b in digest)

    def to_pem(self) -> str:
        """Return the PEM encoding."""
        armored: bytes = asn1_pem.armor("CERTIFICATE", self.der)
        return armored.decode("ascii")

    def to_base64(self) -> str:
        """Return the base64 DER on one line (as in ``X509Certificate``)."""
        return base64.b64encode(self.der).decode("ascii")

    def is_valid_at(self, when: dt.datetime) -> bool:
        """Whether ``when`` (timezone-aware) lies within the validity period."""
        return self.not_before <= when <= self.not_after


def _normalized_name(name: asn1_x509.Name) -> object:
    try:
        return name.hashable  # normalised: case, spaces and string types folded (RFC 5280 7.1)
    except (ValueError, UnicodeDecodeError):
        return bytes(name.dump())


def names_match(a: Certificate, b_issuer_of: Certificate) -> bool:
    """Whether certificate ``a``'s subject is the issuer of ``b_issuer_of`` (normalised comparison)."""
    sub = asn1_x509.Certificate.load(a.der)["tbs_certificate"]["subject"]
    iss = asn1_x509.Certificate.load(b_issuer_of.der)["tbs_certificate"]["issuer"]
    return bool(_normalized_name(sub) == _normalized_name(iss))


@functools.lru_cache(maxsize=64)
def certificate_from_der(der: bytes) -> Certificate:
    """Like :meth:`Certificate.from_der` with the default field mapping, memoised (certificates are immutable).

    Signing many messages with one certificate then parses it once.

    Raises:
        CertificateError: if the bytes are not an X.509 certificate.
    """
    return Certificate.from_der(der)


def cert_number(serial: int) -> str:
    """Return the E-Port certificate number: the serial in lower-case hex, even length (``0x1691fe9``: ``01691fe9``)."""
    text = f"{serial:x}"
    return text if len(text) % 2 == 0 else "0" + text


def load_pem_certificates(data: bytes) -> list[Certificate]:
    """Return every certificate in a PEM bundle, in order.

    Raises:
        CertificateError: if a PEM block is not a certificate.
    """
    found = []
    for block in _PEM_RE.findall(data):
        try:
            _, _, der = asn1_pem.unarmor(block)
        except ValueError as exc:
            raise CertificateError(f"bad PEM block: {exc}") from None
        found.append(Certificate.from_der(der))
    return found


def load_certificate(data: bytes) -> Certificate:
    """Load one certificate from PEM, DER or base64 DER (as copied from ``X509Certificate``).

    Raises:
        CertificateError: if ``data`` holds no certificate.
    """
    if data[:1] == b"\x30":  # DER: binary, never stripped (its last byte may well be a whitespace byte)
        return Certificate.from_der(data)
    stripped = data.strip()
    if b"-----BEGIN" in stripped:
        return Certificate.from_pem(stripped)
    try:
        der = base64.b64decode(b"".join(stripped.split()), validate=True)
    except ValueError:
        raise CertificateError("neither PEM, DER nor base64 DER") from None
    return Certificate.from_der(der)


def load_certificates(data: bytes) -> list[Certificate]:
    """Load all certificates from a PEM bundle, or the single certificate in DER/base64.

    Raises:
        CertificateError: if ``data`` holds no certificate.
    """
    if b"-----BEGIN" in data:
        found = load_pem_certificates(data)
        if not found:
            raise CertificateError("no PEM certificate found")
        return found
    return [load_certificate(data)]


def utcnow() -> dt.datetime:
    """The current time, timezone-aware (UTC)."""
    return dt.datetime.now(dt.timezone.utc)


__all__ = [
    "EPORT_ARC",
    "EPORT_FIELD_OIDS",
    "Certificate",
    "cert_number",
    "certificate_from_der",
    "decode_text",
    "load_certificate",
    "load_certificates",
    "load_pem_certificates",
    "utcnow",
]
