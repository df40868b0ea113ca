"""Issue E-Port-style test certificates (for tests, demos and the card emulator; never for production).

No real E-Port certificate ships with eport, so tests build look-alikes: issuer 中国电子业务证书管理中心, private
extensions under ``1.3.6.1.4.1.5315.100`` and, with ``legacy_ia5=True``, those values as ``IA5String`` holding UTF-8
bytes exactly like the older RSA certificates that strict parsers reject. SHA-1-signed legacy certificates can be
made too (``cryptography`` refuses to create them; this module signs the TBS itself with asn1crypto).

Example::

    chain = make_chain(KeyAlgorithm.SM2)
    chain.leaf.enterprise_name          # '测试进出口有限公司'
    signer = chain.signer()             # an InMemorySigner for the leaf
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable, Mapping

import attrs
from asn1crypto import core as asn1_core
from asn1crypto import crl as asn1_crl
from asn1crypto import keys as asn1_keys
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from eport.errors import ConfigurationError
from eport.pki.certs import EPORT_ARC, Certificate
from eport.pki.signer import KeyAlgorithm
from eport.pki.signers import InMemorySigner, PrivateKey, sign_with, spki_of
from eport.pki.sm2 import SM2_SM3_SIGNATURE_OID, SM2PrivateKey

#: Subject of the real E-Port issuing CA (used as the issuer name of test certificates).
EPORT_CA_NAME: Mapping[str, str] = {
    "country_name": "CN",
    "state_or_province_name": "北京",
    "locality_name": "北京",
    "organization_name": "中国电子口岸",
    "organizational_unit_name": "证书管理中心",
    "common_name": "中国电子业务证书管理中心",
}

#: Private EKU seen in E-Port certificates is not public; tests use clientAuth, emailProtection, smartcard logon.
EPORT_EKUS = ("1.3.6.1.5.5.7.3.2", "1.3.6.1.5.5.7.3.4", "1.3.6.1.4.1.311.20.2.2")

_SIG_OIDS = {
    ("rsa", "sha1"): "1.2.840.113549.1.1.5",
    ("rsa", "sha256"): "1.2.840.113549.1.1.11",
    ("ec", "sha256"): "1.2.840.10045.4.3.2",
    ("sm2", "sm3"): SM2_SM3_SIGNATURE_OID,
}


@attrs.frozen(kw_only=True)
class EportIdentity:
    """The values of the E-Port private extensions.

    Attributes:
        enterprise_name: 企业名称 (``.5.1``).
        id_number: 证件号码 (``.5.8``).
        operator_code: 操作员/卡号 (``.5.9``), e.g. ``03-JJ0G900220752``.
        organization_code: 组织机构代码 (``.5.11``).
        legacy_ia5: write the values as IA5String holding UTF-8 bytes (old RSA certificates); else UTF8String.
    """

    enterprise_name: str = "测试进出口有限公司"
    id_number: str = "110101199001011234"
    operator_code: str = "03-JJ0G900220752"
    organization_code: str = "91110000MA00TEST0X"
    legacy_ia5: bool = True

    def extensions(self) -> list[tuple[str, bytes]]:
        """Return (OID, DER value) pairs for the private extensions."""
        tag = 0x16 if self.legacy_ia5 else 0x0C
        values = {
            ".5.1": self.enterprise_name,
            ".5.8": self.id_number,
            ".5.9": self.operator_code,
            ".5.11": self.organization_code,
        }
        out = []
        for suffix, text in values.items():
            body = text.encode("utf-8")
            out.append((EPORT_ARC + suffix, bytes([tag]) + _der_len(len(body)) + body))
        return out


def _der_len(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    body = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def _key_id(spki: bytes) -> bytes:
    """RFC 5280 method 1 key identifier: SHA-1 of the subjectPublicKey bits."""
    bits = asn1_keys.PublicKeyInfo.load(spki)["public_key"].contents[1:]
    return hashlib.sha1(bits).digest()  # noqa: S324 - an identifier, not a security function


def _key_kind(key: PrivateKey) -> str:
    if isinstance(key, SM2PrivateKey):
        return "sm2"
    return "rsa" if isinstance(key, rsa.RSAPrivateKey) else "ec"


def issue_certificate(
    *,
    subject: Mapping[str, str],
    subject_key: object,
    issuer_key: PrivateKey,
    issuer: Certificate | None = None,
    serial: int | None = None,
    hash_name: str | None = None,
    not_before: dt.datetime | None = None,
    days: int = 3650,
    is_ca: bool = False,
    path_length: int | None = None,
    key_usage: Iterable[str] | None = None,
    extended_key_usage: Iterable[str] | None = None,
    eport: EportIdentity | None = None,
    ocsp_url: str | None = None,
    crl_url: str | None = None,
) -> Certificate:
    """Issue a certificate signed by ``issuer_key`` (self-signed when ``issuer`` is None).

    Args:
        subject: name attributes (asn1crypto names: ``common_name``, ``organization_name`` …).
        subject_key: the subject's public or private key (cryptography RSA/EC, or SM2).
        issuer_key: the key that signs.
        issuer: the issuer certificate; ``None`` for a self-signed certificate.
        serial: serial number (random 64-bit if omitted).
        hash_name: ``sha1`` (legacy), ``sha256`` or ``sm3``; defaults to ``sm3`` for SM2 and ``sha256`` otherwise.
        not_before: start of validity (default: one day ago).
        days: validity length.
        is_ca, path_length: basicConstraints.
        key_usage: key usage names (defaults: CA ``key_cert_sign``/``crl_sign``, leaf ``digital_signature``,
            ``non_repudiation``).
        extended_key_usage: EKU OIDs (default: none for CAs, :data:`EPORT_EKUS` for leaves).
        eport: E-Port private extensions to add.
        ocsp_url, crl_url: revocation pointers.

    Returns:
        The parsed certificate.
    """
    kind = _key_kind(issuer_key)
    hash_name = hash_name or ("sm3" if kind == "sm2" else "sha256")
    sig_oid = _SIG_OIDS.get((kind, hash_name))
    if sig_oid is None:
        raise ConfigurationError(f"cannot sign with {kind}-{hash_name}")
    start = not_before or (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=1)).replace(microsecond=0)
    subject_name = asn1_x509.Name.build(dict(subject))
    issuer_name = asn1_x509.Name.load(issuer.subject_der) if issuer is not None else subject_name
    spki = spki_of(subject_key)
    key_id = _key_id(spki)
    issuer_key_id = _key_id(issuer.spki_der) if issuer is not None else key_id
    usage = (
        set(key_usage)
        if key_usage is not None
        else ({"key_cert_sign", "crl_sign"} if is_ca else {"digital_signature", "non_repudiation"})
    )
    extensions = [
        {
            "extn_id": "basic_constraints",
            "critical": True,
            "extn_value": {"ca": is_ca, "path_len_constraint": path_length},
        },
        {"extn_id": "key_usage", "critical": True, "extn_value": usage},
        {"extn_id": "key_identifier", "critical": False, "extn_value": key_id},
        {"extn_id": "authority_key_identifier", "critical": False, "extn_value": {"key_identifier": issuer_key_id}},
    ]
    ekus = list(extended_key_usage) if extended_key_usage is not None else ([] if is_ca else list(EPORT_EKUS))
    if ekus:
        extensions.append({"extn_id": "extended_key_usage", "critical": False, "extn_value": ekus})
    if ocsp_url:
        extensions.append(
            {
                "extn_id": "authority_information_access",
                "critical": False,
                "extn_value": [
                    {
                        "access_method": "ocsp",
                        "access_location": asn1_x509.GeneralName(name="uniform_resource_identifier", value=ocsp_url),
                    }
                ],
            }
        )
    if crl_url:
        extensions.append(
            {
                "extn_id": "crl_distribution_points",
                "critical": False,
                "extn_value": [
                    {
                        "distribution_point": {
                            "full_name": [asn1_x509.GeneralName(name="uniform_resource_identifier", value=crl_url)]
                        }
                    }
                ],
            }
        )
    built = [asn1_x509.Extension(e) for e in extensions]
    for oid, value in eport.extensions() if eport else []:
        ext = asn1_x509.Extension()
        ext["extn_id"] = asn1_x509.ExtensionId(oid)
        ext["critical"] = False
        ext["extn_value"] = asn1_core.ParsableOctetString(value)
        built.append(ext)
    sig_alg = {"algorithm": sig_oid}
    if kind == "rsa":
        sig_alg["parameters"] = None  # type: ignore[assignment]
    tbs = asn1_x509.TbsCertificate(
        {
            "version": "v3",
            "serial_number": serial if serial is not None else secrets.randbits(63) | (1 << 62),
            "signature": sig_alg,
            "issuer": issuer_name,
            "validity": {
                "not_before": asn1_x509.Time({"utc_time": start}),
                "not_after": asn1_x509.Time({"utc_time": start + dt.timedelta(days=days)})
                if (start + dt.timedelta(days=days)).year < 2050
                else asn1_x509.Time({"general_time": start + dt.timedelta(days=days)}),
            },
            "subject": subject_name,
            "subject_public_key_info": asn1_keys.PublicKeyInfo.load(spki),
            "extensions": built,
        }
    )
    tbs_der = tbs.dump()
    signature = sign_with(issuer_key, tbs_der, hash_name)
    cert = asn1_x509.Certificate(
        {
            "tbs_certificate": asn1_x509.TbsCertificate.load(tbs_der),
            "signature_algorithm": sig_alg,
            "signature_value": signature,
        }
    )
    return Certificate.from_der(cert.dump())


@attrs.frozen(kw_only=True)
class TestChain:
    """A root, an intermediate and an E-Port-style leaf, with their keys (test material only)."""

    __test__ = False  # not a pytest test class

    root: Certificate
    intermediate: Certificate
    leaf: Certificate
    root_key: PrivateKey = attrs.field(repr=False)
    intermediate_key: PrivateKey = attrs.field(repr=False)
    leaf_key: PrivateKey = attrs.field(repr=False)

    def signer(self) -> InMemorySigner:
        """Return an :class:`eport.pki.signers.InMemorySigner` for the leaf."""
        return InMemorySigner(self.leaf_key, self.leaf)


def new_key(algorithm: KeyAlgorithm, *, rsa_bits: int = 2048) -> PrivateKey:
    """Generate a private key: RSA (``rsa_bits``), SM2, or EC P-256."""
    if algorithm is KeyAlgorithm.SM2:
        return SM2PrivateKey.generate()
    if algorithm is KeyAlgorithm.RSA:
        return rsa.generate_private_key(public_exponent=65537, key_size=rsa_bits)
    return ec.generate_private_key(ec.SECP256R1())


def make_chain(
    algorithm: KeyAlgorithm = KeyAlgorithm.RSA,
    *,
    leaf_key: PrivateKey | None = None,
    legacy_sha1: bool = False,
    identity: EportIdentity | None = None,
    not_before: dt.datetime | None = None,
    leaf_days: int = 3650,
    ocsp_url: str | None = None,
    crl_url: str | None = None,
) -> TestChain:
    """Build root -> intermediate (中国电子业务证书管理中心) -> leaf, all of one key algorithm.

    Args:
        algorithm: RSA, SM2 or EC for all three keys (``leaf_key`` may differ).
        leaf_key: use this leaf key instead of a fresh one (e.g. the key imported into SoftHSM2).
        legacy_sha1: sign the leaf with SHA-1 (RSA only), as older E-Port certificates are.
        identity: the leaf's E-Port private extensions (default: :class:`EportIdentity` with IA5 UTF-8 values).
        not_before, leaf_days: the leaf's validity.
        ocsp_url, crl_url: revocation pointers written into the leaf.
    """
    root_key = new_key(algorithm)
    inter_key = new_key(algorithm)
    leaf_key = leaf_key or new_key(algorithm)
    root = issue_certificate(
        subject={"country_name": "CN", "organization_name": "中国电子口岸", "common_name": "ROOTCA"},
        subject_key=root_key,
        issuer_key=root_key,
        is_ca=True,
        days=7300,
        not_before=dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc),
    )
    inter = issue_certificate(
        subject=EPORT_CA_NAME,
        subject_key=inter_key,
        issuer_key=root_key,
        issuer=root,
        is_ca=True,
        path_length=0,
        days=7000,
        not_before=dt.datetime(2020, 1, 2, tzinfo=dt.timezone.utc),
    )
    leaf = issue_certificate(
        subject={
            "country_name": "CN",
            "organization_name": (identity or EportIdentity()).enterprise_name,
            "common_name": (identity or EportIdentity()).operator_code,
        },
        subject_key=leaf_key,
        issuer_key=inter_key,
        issuer=inter,
        hash_name="sha1" if legacy_sha1 else None,
        eport=identity or EportIdentity(),
        not_before=not_before,
        days=leaf_days,
        ocsp_url=ocsp_url,
        crl_url=crl_url,
    )
    return TestChain(
        root=root, intermediate=inter, leaf=leaf, root_key=root_key, intermediate_key=inter_key, leaf_key=leaf_key
    )


def _sig_alg(key: PrivateKey, hash_name: str | None) -> tuple[dict[str, object], str]:
    kind = _key_kind(key)
    hash_name = hash_name or ("sm3" if kind == "sm2" else "sha256")
    alg: dict[str, object] = {"algorithm": _SIG_OIDS[(kind, hash_name)]}
    if kind == "rsa":
        alg["parameters"] = None
    return alg, hash_name


def make_crl(
    issuer: Certificate,
    issuer_key: PrivateKey,
    revoked: Iterable[int] = (),
    *,
    this_update: dt.datetime | None = None,
    next_update: dt.datetime | None = None,
) -> bytes:
    """Return a DER CRL signed by ``issuer_key`` listing the ``revoked`` serial numbers."""
    now = (this_update or dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=1)).replace(microsecond=0)
    alg, hash_name = _sig_alg(issuer_key, None)
    tbs = asn1_crl.TbsCertList(
        {
            "version": "v2",
            "signature": alg,
            "issuer": asn1_x509.Name.load(issuer.subject_der),
            "this_update": asn1_x509.Time({"utc_time": now}),
            "next_update": asn1_x509.Time({"utc_time": next_update or now + dt.timedelta(days=7)}),
            "revoked_certificates": [
                {"user_certificate": serial, "revocation_date": asn1_x509.Time({"utc_time": now})} for serial in revoked
            ]
            or None,
        }
    )
    signature = sign_with(issuer_key, tbs.dump(), hash_name)
    return bytes(
        asn1_crl.CertificateList({"tbs_cert_list": tbs, "signature_algorithm": alg, "signature": signature}).dump()
    )


def make_ocsp_response(
    cert: Certificate,
    issuer: Certificate,
    responder_key: PrivateKey,
    *,
    status: str = "good",
    responder: Certificate | None = None,
    this_update: dt.datetime | None = None,
) -> bytes:
    """Return a DER OCSP response for ``cert`` with ``status`` ``"good"``, ``"revoked"`` or ``"unknown"``.

    Signed by ``responder_key``: the issuer's key, or a delegated responder's (pass its certificate).
    """
    now = (this_update or dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=1)).replace(microsecond=0)
    issuer_tbs = asn1_x509.Certificate.load(issuer.der)["tbs_certificate"]
    cert_id = {
        "hash_algorithm": {"algorithm": "sha1"},
        "issuer_name_hash": hashlib.sha1(issuer.subject_der).digest(),  # noqa: S324
        "issuer_key_hash": hashlib.sha1(issuer_tbs["subject_public_key_info"]["public_key"].contents[1:]).digest(),  # noqa: S324
        "serial_number": cert.serial_number,
    }
    cert_status: object
    if status == "good":
        cert_status = asn1_ocsp.CertStatus(name="good", value=asn1_core.Null())
    elif status == "revoked":
        cert_status = asn1_ocsp.CertStatus(name="revoked", value={"revocation_time": now})
    else:
        cert_status = asn1_ocsp.CertStatus(name="unknown", value=asn1_core.Null())
    signer_cert = responder or issuer
    data = asn1_ocsp.ResponseData(
        {
            "responder_id": asn1_ocsp.ResponderId(name="by_name", value=asn1_x509.Name.load(signer_cert.subject_der)),
            "produced_at": now,
            "responses": [
                {
                    "cert_id": cert_id,
                    "cert_status": cert_status,
                    "this_update": now,
                    "next_update": now + dt.timedelta(days=1),
                }
            ],
        }
    )
    alg, hash_name = _sig_alg(responder_key, None)
    basic = asn1_ocsp.BasicOCSPResponse(
        {
            "tbs_response_data": data,
            "signature_algorithm": alg,
            "signature": sign_with(responder_key, data.dump(), hash_name),
            "certs": [asn1_x509.Certificate.load(responder.der)] if responder is not None else None,
        }
    )
    return bytes(
        asn1_ocsp.OCSPResponse(
            {
                "response_status": "successful",
                "response_bytes": {"response_type": "basic_ocsp_response", "response": basic},
            }
        ).dump()
    )


__all__ = [
    "EPORT_CA_NAME",
    "EPORT_EKUS",
    "EportIdentity",
    "TestChain",
    "issue_certificate",
    "make_chain",
    "make_crl",
    "make_ocsp_response",
    "new_key",
    "sign_with",
    "spki_of",
]
