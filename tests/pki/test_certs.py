"""Tolerant parsing of E-Port certificates built the way the real ones are (asn1crypto, IA5String with UTF-8)."""

from __future__ import annotations

import base64
import datetime as dt
import subprocess
from pathlib import Path

import pytest
from cryptography import x509 as crypto_x509

from eport.errors import CertificateError
from eport.pki.certs import Certificate, cert_number, decode_text, load_certificate, load_certificates
from eport.pki.signer import KeyAlgorithm
from eport.pki.testing import EportIdentity, TestChain, issue_certificate, make_chain, new_key
from tests.pki import openssl

from .conftest import write_pems


def test_legacy_ia5_utf8_extensions_decode(rsa_chain: TestChain) -> None:
    leaf = rsa_chain.leaf
    assert leaf.enterprise_name == "测试进出口有限公司"
    assert leaf.operator_code == "03-JJ0G900220752"
    assert leaf.id_number == "110101199001011234"
    assert leaf.organization_code == "91110000MA00TEST0X"
    assert leaf.eport_extensions["1.3.6.1.4.1.5315.100.5.1"] == "测试进出口有限公司"
    # the raw extension really is an IA5String (tag 0x16) holding UTF-8: what strict parsers reject
    raw = crypto_x509.load_der_x509_certificate(leaf.der).extensions.get_extension_for_oid(
        crypto_x509.ObjectIdentifier("1.3.6.1.4.1.5315.100.5.1")
    )
    value = raw.value.value  # type: ignore[attr-defined]
    assert value[0] == 0x16
    assert "测试".encode() in value


def test_utf8string_extensions_decode(sm2_chain: TestChain) -> None:
    chain = make_chain(KeyAlgorithm.SM2, identity=EportIdentity(enterprise_name="海南测试公司", legacy_ia5=False))
    assert chain.leaf.enterprise_name == "海南测试公司"
    assert sm2_chain.leaf.key_algorithm is KeyAlgorithm.SM2


def test_typed_fields(rsa_chain: TestChain) -> None:
    leaf = rsa_chain.leaf
    assert leaf.cert_no == f"{leaf.serial_number:x}".rjust(len(leaf.cert_no), "0")
    assert leaf.key_algorithm is KeyAlgorithm.RSA
    assert leaf.key_size == 2048
    assert leaf.signature_hash == "sha256"
    assert not leaf.is_ca
    assert "digital_signature" in leaf.key_usage
    assert "中国电子业务证书管理中心" in leaf.issuer
    assert leaf.not_before < dt.datetime.now(dt.timezone.utc) < leaf.not_after
    assert rsa_chain.intermediate.is_ca
    assert rsa_chain.root.self_issued


def test_cert_number_is_lowercase_even_length_hex() -> None:
    assert cert_number(0x1691FE9) == "01691fe9"
    assert cert_number(0x03000000000CDE6F) == "03000000000cde6f"
    assert cert_number(0xAB) == "ab"


def test_sm2_certificate_loads_and_its_signature_verifies(sm2_chain: TestChain) -> None:
    leaf = sm2_chain.leaf
    assert leaf.signature_algorithm_oid == "1.2.156.10197.1.501"
    assert leaf.signature_hash == "sm3"
    sm2_chain.intermediate.public_key.verify(leaf.signature_value, leaf.tbs_der, "sm3")


def test_sm2_certificate_signature_verified_by_openssl(tmp_path: Path, sm2_chain: TestChain) -> None:
    """Independent check: openssl verifies the SM2 certificate signature (ID 1234567812345678)."""
    leaf = sm2_chain.leaf
    result = openssl.sm2_verify(tmp_path, sm2_chain.intermediate.spki_der, leaf.tbs_der, leaf.signature_value)
    assert result.returncode == 0, result.stderr


def test_rsa_and_sha1_chains_verify_with_openssl(tmp_path: Path, rsa_chain: TestChain, sha1_chain: TestChain) -> None:
    for chain in (rsa_chain, sha1_chain):
        root, inter, leaf = write_pems(tmp_path, chain)
        out = subprocess.run(
            ["openssl", "verify", "-CAfile", str(root), "-untrusted", str(inter), str(leaf)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert out.returncode == 0, out.stdout + out.stderr


def test_loaders_accept_pem_der_and_base64(rsa_chain: TestChain) -> None:
    leaf = rsa_chain.leaf
    assert load_certificate(leaf.der) == leaf
    assert load_certificate(leaf.to_pem().encode()) == leaf
    assert load_certificate(leaf.to_base64().encode()) == leaf
    wrapped = "\n".join(leaf.to_base64()[i : i + 64] for i in range(0, len(leaf.to_base64()), 64))
    assert load_certificate(wrapped.encode()) == leaf
    bundle = (rsa_chain.root.to_pem() + rsa_chain.intermediate.to_pem()).encode()
    assert [c.cert_no for c in load_certificates(bundle)] == [rsa_chain.root.cert_no, rsa_chain.intermediate.cert_no]


def test_der_ending_in_a_whitespace_byte_loads(rsa_chain: TestChain) -> None:
    # Regression: load_certificate stripped whitespace before looking at the bytes, so a DER certificate whose
    # signature happened to end in 0x09-0x0d or 0x20 (about 1 in 43) was cut short. RSA PKCS#1 v1.5 signatures are
    # deterministic: try serial numbers until the DER ends in such a byte.
    for serial in range(1, 2000):
        cert = issue_certificate(
            subject={"common_name": "whitespace"},
            subject_key=rsa_chain.leaf_key,
            issuer_key=rsa_chain.intermediate_key,
            issuer=rsa_chain.intermediate,
            serial=serial,
        )
        if cert.der[-1:].isspace():
            break
    else:
        pytest.fail("no certificate ending in a whitespace byte in 2,000 serials")
    assert load_certificate(cert.der) == cert
    assert load_certificate(b"\n" + cert.to_pem().encode() + b"\n") == cert


@pytest.mark.parametrize("bad", [b"", b"garbage", b"\x30\x03\x02\x01\x01", b"-----BEGIN CERTIFICATE-----\n-----END"])
def test_garbage_is_a_certificate_error(bad: bytes) -> None:
    with pytest.raises(CertificateError):
        load_certificate(bad)


def test_oversized_input_is_refused() -> None:
    with pytest.raises(CertificateError):
        Certificate.from_der(b"\x30" * (70 * 1024))


def test_decode_text_variants() -> None:
    assert decode_text(b"\x16\x06" + "中国".encode()) == "中国"
    assert decode_text(b"\x0c\x06" + "中国".encode()) == "中国"
    assert decode_text(b"\x1e\x04" + "中国".encode("utf-16-be")) == "中国"
    assert decode_text(b"\x16\x04" + "中国".encode("gbk")) == "中国"
    with pytest.raises(CertificateError):
        decode_text(b"\x16\x05ab")


def test_custom_field_mapping(rsa_chain: TestChain) -> None:
    cert = Certificate.from_der(rsa_chain.leaf.der, field_oids={"1.3.6.1.4.1.5315.100.5.8": "operator_code"})
    assert cert.operator_code == "110101199001011234"
    assert cert.enterprise_name is None


def test_fingerprints(rsa_chain: TestChain) -> None:
    fp = rsa_chain.root.fingerprint()
    assert len(fp.split(":")) == 32
    assert len(rsa_chain.root.fingerprint("sm3").split(":")) == 32
    assert base64.b64decode(rsa_chain.root.to_base64()) == rsa_chain.root.der


def test_repr_is_short_and_has_no_der(rsa_chain: TestChain) -> None:
    text = repr(rsa_chain.leaf)
    assert rsa_chain.leaf.cert_no in text
    assert rsa_chain.leaf.to_base64()[:20] not in text


def test_ecdsa_issued_certificate() -> None:
    key = new_key(KeyAlgorithm.EC)
    cert = issue_certificate(subject={"common_name": "ec"}, subject_key=key, issuer_key=key, is_ca=True)
    assert cert.key_algorithm is KeyAlgorithm.EC
    assert cert.key_size == 256
    cert.public_key.verify(cert.signature_value, cert.tbs_der, "sha256")


def test_certificates_compare_and_hash_by_der(rsa_chain: TestChain) -> None:
    again = Certificate.from_der(rsa_chain.leaf.der)
    assert again == rsa_chain.leaf
    assert len({again, rsa_chain.leaf, rsa_chain.root}) == 2
    assert rsa_chain.leaf != rsa_chain.root
