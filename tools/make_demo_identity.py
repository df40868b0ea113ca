"""Generate the demo identity shipped in ``eport/card/demo/`` (PUBLIC TEST KEYS, NOT FOR PRODUCTION).

Writes a demo root CA, an operator RSA-2048 signing certificate and key in the E-Port style, an encryption
certificate, an SM2 key pair with its certificate (built with asn1crypto, since ``cryptography`` has no SM2 keys),
and ``identity.json`` (card ID and holder data). Re-runnable: every run makes new keys; commit the result.

Usage: ``.venv/bin/python tools/make_demo_identity.py [OUTPUT_DIR]``
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

from asn1crypto import algos as asn1_algos
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from eport.pki.sm2 import SM2PrivateKey

OUT = Path(__file__).resolve().parents[1] / "eport" / "card" / "demo"
NOT_BEFORE = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
NOT_AFTER = dt.datetime(2036, 1, 1, tzinfo=dt.timezone.utc)

IDENTITY = {
    "card_id": "JJ0DEMO000001",
    "holder_name": "演示操作员 Demo Operator",
    "enterprise_code": "1101960001",
    "enterprise_name": "eport 演示贸易有限公司 (demo enterprise, not real)",
}
RSA_SERIAL = 0x03000000000DE301
SM2_SERIAL = 0x03000000000DE302
ENC_SERIAL = 0x03000000000DE303


def _name(common_name: str, org: str, unit: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, "北京"),
            x509.NameAttribute(NameOID.LOCALITY_NAME, "北京"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


ROOT_NAME = _name("eport demo root CA (NOT FOR PRODUCTION)", "中国电子口岸 (eport demo)", "证书管理中心 (demo)")
OPERATOR_NAME = _name(IDENTITY["holder_name"], IDENTITY["enterprise_name"], IDENTITY["enterprise_code"])


def _leaf(public_key: rsa.RSAPublicKey, serial: int, root_key: rsa.RSAPrivateKey, *, signing: bool) -> x509.Certificate:
    usage = x509.KeyUsage(
        digital_signature=signing,
        content_commitment=signing,
        key_encipherment=not signing,
        data_encipherment=not signing,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )
    return (
        x509.CertificateBuilder()
        .subject_name(OPERATOR_NAME)
        .issuer_name(ROOT_NAME)
        .public_key(public_key)
        .serial_number(serial)
        .not_valid_before(NOT_BEFORE)
        .not_valid_after(NOT_AFTER)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.EMAIL_PROTECTION]),
            critical=False,
        )
        .sign(root_key, hashes.SHA256())
    )


def _sm2_certificate(sm2: SM2PrivateKey, root: x509.Certificate, root_key: rsa.RSAPrivateKey) -> bytes:
    """An X.509 certificate for the SM2 key, signed by the RSA demo root (sha256WithRSAEncryption)."""
    template = _leaf(
        rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key(), SM2_SERIAL, root_key, signing=True
    )
    tbs = asn1_x509.TbsCertificate.load(template.tbs_certificate_bytes)
    tbs = tbs.copy()
    tbs["subject_public_key_info"] = asn1_keys.PublicKeyInfo.load(sm2.public_key().to_spki_der())
    tbs_der = tbs.dump(force=True)
    signature = root_key.sign(tbs_der, padding.PKCS1v15(), hashes.SHA256())
    cert = asn1_x509.Certificate(
        {
            "tbs_certificate": asn1_x509.TbsCertificate.load(tbs_der),
            "signature_algorithm": asn1_algos.SignedDigestAlgorithm({"algorithm": "sha256_rsa"}),
            "signature_value": signature,
        }
    )
    del root
    return cert.dump()


def main(out: Path = OUT) -> None:
    """Generate every file of the demo identity into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    root_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    root = (
        x509.CertificateBuilder()
        .subject_name(ROOT_NAME)
        .issuer_name(ROOT_NAME)
        .public_key(root_key.public_key())
        .serial_number(1)
        .not_valid_before(NOT_BEFORE)
        .not_valid_after(NOT_AFTER)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False)
        .sign(root_key, hashes.SHA256())
    )
    signing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    signing = _leaf(signing_key.public_key(), RSA_SERIAL, root_key, signing=True)
    encryption = _leaf(
        rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key(),
        ENC_SERIAL,
        root_key,
        signing=False,
    )
    sm2 = SM2PrivateKey.generate()
    sm2_cert = _sm2_certificate(sm2, root, root_key)

    pem = serialization.Encoding.PEM
    (out / "root-ca.pem").write_bytes(root.public_bytes(pem))
    (out / "signing-rsa.pem").write_bytes(signing.public_bytes(pem))
    (out / "encryption-rsa.pem").write_bytes(encryption.public_bytes(pem))
    (out / "signing-rsa.key").write_bytes(
        signing_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    (out / "signing-sm2.der").write_bytes(sm2_cert)
    (out / "signing-sm2.key.hex").write_text(sm2.to_bytes().hex() + "\n", encoding="ascii")
    identity = dict(IDENTITY)
    identity["certificate_number"] = format(RSA_SERIAL, "016x")
    identity["sm2_certificate_number"] = format(SM2_SERIAL, "016x")
    identity["warning"] = "PUBLIC TEST KEYS generated by tools/make_demo_identity.py: NOT FOR PRODUCTION"
    (out / "identity.json").write_text(json.dumps(identity, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    sys.stderr.write(f"demo identity written to {out}\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
