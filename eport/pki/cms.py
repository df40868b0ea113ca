"""Detached CMS/PKCS#7 ``SignedData`` for files, with any :class:`~eport.pki.signer.Signer` (card, token, memory).

``cryptography``'s PKCS7 builder only takes in-memory RSA/EC keys; this module builds ``SignedData`` with asn1crypto
and asks the signer for one signature over the DER signed attributes (content type, signing time, message digest).
RSA uses SHA-256 with PKCS#1 v1.5, EC uses ECDSA-SHA256, SM2 uses SM3 with OIDs of GM/T 0010. Output verifies with
``openssl cms -verify -binary -inform DER -content FILE`` (RSA and EC).

Example::

    p7s = sign_detached(Path("declaration.zip").read_bytes(), signer)
    info = verify_detached(p7s, data, trust=ChainValidator(TrustStore()))
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging

import attrs
from asn1crypto import cms as asn1_cms
from asn1crypto import x509 as asn1_x509

from eport.errors import CertificateError, InvalidSignature, SignatureFormatError, UnsupportedAlgorithm
from eport.pki.certs import Certificate, utcnow
from eport.pki.keys import hash_algorithm
from eport.pki.signer import KeyAlgorithm, SignatureAlgorithm, Signer
from eport.pki.xmldsig import ChainCheck

logger = logging.getLogger(__name__)

SM3_OID = "1.2.156.10197.1.401"
SM2_SM3_OID = "1.2.156.10197.1.501"

#: key algorithm -> (signature algorithm, digest OID/name, signature algorithm OID/name)
_SCHEMES: dict[KeyAlgorithm, tuple[SignatureAlgorithm, str, str]] = {
    KeyAlgorithm.RSA: (SignatureAlgorithm.RSA_SHA256, "sha256", "sha256_rsa"),
    KeyAlgorithm.EC: (SignatureAlgorithm.ECDSA_SHA256, "sha256", "sha256_ecdsa"),
    KeyAlgorithm.SM2: (SignatureAlgorithm.SM2_SM3, SM3_OID, SM2_SM3_OID),
}
_DIGEST_NAMES = {"sha1": "sha1", "sha256": "sha256", "sha384": "sha384", "sha512": "sha512", SM3_OID: "sm3"}
_SIG_HASH = {
    "sha1_rsa": "sha1",
    "sha256_rsa": "sha256",
    "sha384_rsa": "sha384",
    "sha512_rsa": "sha512",
    "sha256_ecdsa": "sha256",
    "sha384_ecdsa": "sha384",
    SM2_SM3_OID: "sm3",
    "1.2.156.10197.1.301.1": "sm3",
}
MAX_CMS_SIZE = 1024 * 1024


def _digest(name: str, data: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes

    h = hashes.Hash(hash_algorithm(name))
    h.update(data)
    return h.finalize()


def _sorted_set(attrs_list: list[asn1_cms.CMSAttribute]) -> asn1_cms.CMSAttributes:
    # DER SET OF: elements sorted by their encoding, so verifiers that re-encode get the same bytes
    return asn1_cms.CMSAttributes(sorted(attrs_list, key=lambda a: a.dump()))


def sign_detached(
    data: bytes,
    signer: Signer,
    *,
    signing_time: dt.datetime | None = None,
    extra_certificates: tuple[Certificate, ...] = (),
) -> bytes:
    """Return a DER ``ContentInfo`` holding a detached ``SignedData`` over ``data``.

    Args:
        data: the file content.
        signer: the key (one signature is requested).
        signing_time: the signed ``signingTime`` attribute (default now).
        extra_certificates: intermediates to embed after the signing certificate.

    Raises:
        UnsupportedAlgorithm: for key types without a CMS scheme.
    """
    scheme = _SCHEMES.get(signer.key_algorithm)
    if scheme is None:  # pragma: no cover - every KeyAlgorithm has a scheme
        raise UnsupportedAlgorithm(f"no CMS scheme for {signer.key_algorithm.value}")
    algorithm, digest_id, signature_id = scheme
    digest_name = _DIGEST_NAMES[digest_id]
    cert = asn1_x509.Certificate.load(signer.certificate_der)
    when = (signing_time or utcnow()).astimezone(dt.timezone.utc).replace(microsecond=0)
    signed_attrs = _sorted_set(
        [
            asn1_cms.CMSAttribute({"type": "content_type", "values": ["data"]}),
            asn1_cms.CMSAttribute({"type": "signing_time", "values": [asn1_cms.Time({"utc_time": when})]}),
            asn1_cms.CMSAttribute({"type": "message_digest", "values": [_digest(digest_name, data)]}),
        ]
    )
    signature = signer.sign(signed_attrs.dump(), algorithm)
    signer_info = asn1_cms.SignerInfo(
        {
            "version": "v1",
            "sid": asn1_cms.SignerIdentifier(
                {
                    "issuer_and_serial_number": asn1_cms.IssuerAndSerialNumber(
                        {
                            "issuer": cert.issuer,
                            "serial_number": cert.serial_number,
                        }
                    )
                }
            ),
            "digest_algorithm": {"algorithm": digest_id},
            "signed_attrs": signed_attrs,
            "signature_algorithm": {"algorithm": signature_id},
            "signature": signature,
        }
    )
    signed_data = asn1_cms.SignedData(
        {
            "version": "v1",
            "digest_algorithms": [{"algorithm": digest_id}],
            "encap_content_info": {"content_type": "data"},
            "certificates": [cert, *(asn1_x509.Certificate.load(c.der) for c in extra_certificates)],
            "signer_infos": [signer_info],
        }
    )
    return bytes(asn1_cms.ContentInfo({"content_type": "signed_data", "content": signed_data}).dump())


@attrs.frozen(kw_only=True)
class VerifiedCms:
    """A verified detached signature: the signer's certificate, its validated path and the signing time."""

    certificate: Certificate
    chain: tuple[Certificate, ...] = attrs.field(repr=False)
    signing_time: dt.datetime | None


def _signed_data(signature: bytes) -> tuple[asn1_cms.ContentInfo | None, str | None]:
    """The outer ``ContentInfo`` of ``signature`` when it holds a ``SignedData``, else why it is none."""
    try:
        info = asn1_cms.ContentInfo.load(bytes(signature), strict=True)
        kind = info["content_type"].native
    except (ValueError, TypeError, KeyError) as exc:
        return None, str(exc).splitlines()[0] if str(exc) else "not DER"
    return (info, None) if kind == "signed_data" else (None, f"content type {kind!r}")


def not_signed_data(signature: bytes) -> str | None:
    """Why ``signature`` is no DER CMS ``ContentInfo`` holding a ``SignedData``, or ``None`` when it is one.

    Only the outer structure is read: a SignedData that is damaged inside is a signature that does not verify
    (:func:`verify_detached` raises :class:`~eport.errors.InvalidSignature`), not a file of another kind
    (:class:`~eport.errors.SignatureFormatError`).
    """
    return _signed_data(signature)[1]


def verify_detached(signature: bytes, data: bytes, *, trust: ChainCheck) -> VerifiedCms:
    """Verify a detached CMS ``SignedData`` (one signer) over ``data`` and the signer's certificate chain.

    Raises:
        SignatureFormatError: ``signature`` is no DER CMS ``ContentInfo`` holding a ``SignedData`` at all (empty,
            text, PEM, another structure); an :class:`InvalidSignature` too, caught first to tell it apart.
        InvalidSignature: a SignedData malformed inside, a digest mismatch or a bad signature; a structure over
            ``MAX_CMS_SIZE``.
        ChainError, RevocationError: from ``trust``.
    """
    if len(signature) > MAX_CMS_SIZE:
        raise InvalidSignature("CMS structure too large")
    info, problem = _signed_data(signature)
    if info is None:
        raise SignatureFormatError(f"not a CMS SignedData (DER): {problem}")
    try:
        sd = info["content"]
        if sd["encap_content_info"]["content"].native is not None:
            raise InvalidSignature("not a detached signature (content is embedded)")
        signer_infos = list(sd["signer_infos"])
        if len(signer_infos) != 1:
            raise InvalidSignature(f"expected one signer, found {len(signer_infos)}")
        si = signer_infos[0]
        certs = [Certificate.from_der(c.chosen.dump()) for c in sd["certificates"] if c.name == "certificate"]
        sid = si["sid"].chosen
        serial = int(sid["serial_number"].native)
        issuer_hash = sid["issuer"].hashable
        leaf = next(
            (
                c
                for c in certs
                if c.serial_number == serial and asn1_x509.Name.load(c.issuer_der).hashable == issuer_hash
            ),
            None,
        )
        if leaf is None:
            raise InvalidSignature("the signer's certificate is not in the CMS structure")
        digest_id = si["digest_algorithm"]["algorithm"]
        digest_name = _DIGEST_NAMES.get(digest_id.native) or _DIGEST_NAMES.get(digest_id.dotted)
        sig_id = si["signature_algorithm"]["algorithm"]
        sig_hash = _SIG_HASH.get(sig_id.native) or _SIG_HASH.get(sig_id.dotted)
        if sig_id.native == "rsassa_pkcs1v15":
            sig_hash = digest_name
        if digest_name is None or sig_hash != digest_name:
            raise UnsupportedAlgorithm(f"unsupported CMS algorithms {digest_id.dotted}/{sig_id.dotted}")
        attributes = {a["type"].native: a["values"] for a in si["signed_attrs"]}
        if attributes.get("content_type") is None or attributes["content_type"][0].native != "data":
            raise InvalidSignature("signed content type is not id-data")
        expected = bytes(attributes["message_digest"][0].native)
        signing_time = attributes["signing_time"][0].native if "signing_time" in attributes else None
        signed_bytes = b"\x31" + si["signed_attrs"].dump()[1:]
        value = bytes(si["signature"].native)
    except InvalidSignature:
        raise
    except (ValueError, KeyError, TypeError, CertificateError) as exc:
        raise InvalidSignature(f"malformed CMS SignedData: {exc}") from None
    if not hmac.compare_digest(_digest(digest_name, data), expected):
        raise InvalidSignature("message digest mismatch: the file is not the one that was signed")
    leaf.public_key.verify(value, signed_bytes, digest_name)
    chain = tuple(trust.validate(leaf, [c for c in certs if c.der != leaf.der]))
    return VerifiedCms(certificate=leaf, chain=chain, signing_time=signing_time)


__all__ = ["VerifiedCms", "not_signed_data", "sign_detached", "verify_detached"]
