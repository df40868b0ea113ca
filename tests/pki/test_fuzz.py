"""Fuzzing of every public PKI parser: arbitrary input raises only ``EportError`` subclasses, quickly.

Certificates (DER, PEM, base64, garbage; E-Port private extensions with wrong types), CMS ``SignedData`` parsing and
verification, XML signature verification on mutated signed documents, SM2 signature encodings and public keys.
A table of hand-made nasty inputs (truncated lengths, lengths past the end, deep nesting, empty, overlong) runs
next to the hypothesis properties; every crash found here has a named regression case below.
"""

from __future__ import annotations

import base64
import contextlib
from collections.abc import Callable

import pytest
from asn1crypto import crl as asn1_crl
from asn1crypto import pem as asn1_pem
from asn1crypto import x509 as asn1_x509
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eport.errors import CertificateError, ConfigurationError, EportError, InvalidSignature, RevocationError
from eport.pki import PinnedCertificate, sign_detached, sign_enveloped
from eport.pki.certs import (
    EPORT_ARC,
    Certificate,
    decode_text,
    load_certificate,
    load_certificates,
    load_pem_certificates,
    utcnow,
)
from eport.pki.chain import ChainValidator
from eport.pki.cms import verify_detached
from eport.pki.keys import PublicKey
from eport.pki.pay179 import (
    sign_pay_ex_info,
    verify_pay_ex_info,
)
from eport.pki.revocation import RevocationMode, RevocationPolicy, check_crl, check_ocsp
from eport.pki.signer import SignatureAlgorithm
from eport.pki.signers import load_private_key
from eport.pki.sm2 import SM2PrivateKey, SM2PublicKey, der_to_raw, raw_to_der
from eport.pki.testing import TestChain, make_crl, make_ocsp_response
from eport.pki.xmldsig import remove_signature, verify_enveloped

FUZZ = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
DOC = b'<?xml version="1.0" encoding="UTF-8"?><r xmlns="urn:x"><a>1</a><b k="v">text</b></r>'


def only_eport_errors(call: Callable[[], object]) -> None:
    """Run ``call``; success or an ``EportError`` subclass are the only acceptable outcomes."""
    with contextlib.suppress(EportError):
        call()


def mutate(data: bytes, draw: st.DrawFn) -> bytes:
    """Flip, drop, insert or truncate bytes of ``data``."""
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 4))):
        if not out:
            break
        pos = draw(st.integers(0, len(out) - 1))
        kind = draw(st.sampled_from(["flip", "drop", "insert", "truncate", "set"]))
        if kind == "flip":
            out[pos] ^= 1 << draw(st.integers(0, 7))
        elif kind == "drop":
            del out[pos]
        elif kind == "insert":
            out[pos:pos] = draw(st.binary(min_size=1, max_size=4))
        elif kind == "truncate":
            del out[pos:]
        else:
            out[pos] = draw(st.sampled_from([0x00, 0x30, 0x80, 0x81, 0x84, 0x8F, 0xFF]))
    return bytes(out)


@st.composite
def mutated(draw: st.DrawFn, data: bytes) -> bytes:
    return mutate(data, draw)


# ------------------------------------------------------------------------------------------------ certificates
@FUZZ
@given(data=st.binary(max_size=600))
def test_garbage_certificates(data: bytes) -> None:
    for load in (load_certificate, load_certificates, load_pem_certificates, Certificate.from_der):
        only_eport_errors(lambda load=load: load(data))  # type: ignore[misc]
    only_eport_errors(lambda: load_certificate(b"\x30" + data))
    only_eport_errors(
        lambda: load_certificates(b"-----BEGIN CERTIFICATE-----\n" + data + b"\n-----END CERTIFICATE-----")
    )


@FUZZ
@given(data=st.data())
def test_mutated_der_certificates(rsa_chain: TestChain, sm2_chain: TestChain, data: st.DataObject) -> None:
    der = data.draw(st.sampled_from([rsa_chain.leaf.der, sm2_chain.leaf.der, rsa_chain.root.der]))
    bad = data.draw(mutated(der))

    def load_and_read() -> None:
        cert = Certificate.from_der(bad)
        # every view of a loaded certificate must work too
        _ = (cert.public_key, cert.spki_der, cert.tbs_der, cert.signature_value, cert.self_issued, cert.fingerprint())

    only_eport_errors(load_and_read)
    only_eport_errors(lambda: load_certificate(base64.b64encode(bad)))


@FUZZ
@given(data=st.data())
def test_mutated_pem_certificates(rsa_chain: TestChain, data: st.DataObject) -> None:
    pem = (rsa_chain.leaf.to_pem() + rsa_chain.root.to_pem()).encode("ascii")
    only_eport_errors(lambda: load_certificates(data.draw(mutated(pem))))


def _der(tag: int, body: bytes) -> bytes:
    n = len(body)
    length = (
        bytes([n])
        if n < 0x80
        else bytes([0x80 | ((n.bit_length() + 7) // 8)]) + n.to_bytes((n.bit_length() + 7) // 8, "big")
    )
    return bytes([tag]) + length + body


def _with_extension_values(der: bytes, value: bytes, *, critical: bool = False) -> bytes:
    """``der`` with every E-Port private extension (and, when ``critical``, every extension) holding ``value``.

    Built from raw DER (the signature no longer matches, which the parser does not check).
    """
    cert = asn1_x509.Certificate.load(der)
    tbs = cert["tbs_certificate"]
    raw_exts = b""
    for ext in tbs["extensions"]:
        oid = ext["extn_id"]
        if critical or oid.dotted.startswith(EPORT_ARC):
            raw_exts += _der(0x30, oid.dump() + (b"\x01\x01\xff" if critical else b"") + _der(0x04, value))
        else:
            raw_exts += ext.dump()
    return _with_extensions_block(der, _der(0xA3, _der(0x30, raw_exts)))


def _with_extensions_block(der: bytes, block: bytes) -> bytes:
    """``der`` with its ``[3] Extensions`` element replaced by the raw bytes ``block``."""
    cert = asn1_x509.Certificate.load(der)
    tbs = cert["tbs_certificate"]
    fields = b"".join(tbs[name].dump() for name, _, _ in tbs._fields if name != "extensions" and tbs[name].contents)
    new_tbs = _der(0x30, fields + block)
    return _der(0x30, new_tbs + cert["signature_algorithm"].dump() + cert["signature_value"].dump())


BAD_EXTENSION_BLOCKS = {
    # regression: asn1crypto parsed the extensions lazily, outside the error handling (ValueError escaped)
    "primitive-extensions-sequence": _der(0xA3, _der(0x10, b"\x06\x03\x55\x1d\x13")),
    "extension-not-a-sequence": _der(0xA3, _der(0x30, b"\x05\x00")),
    "extension-without-value": _der(0xA3, _der(0x30, _der(0x30, b"\x06\x03\x55\x1d\x13"))),
    "extension-oid-garbage": _der(0xA3, _der(0x30, _der(0x30, b"\x06\x01\xff\x04\x00"))),
    "critical-not-boolean": _der(0xA3, _der(0x30, _der(0x30, b"\x06\x03\x55\x1d\x13\x02\x01\x01\x04\x00"))),
    "empty-block": _der(0xA3, b""),
}


@pytest.mark.parametrize("block", BAD_EXTENSION_BLOCKS.values(), ids=BAD_EXTENSION_BLOCKS.keys())
def test_bad_extension_blocks(rsa_chain: TestChain, block: bytes) -> None:
    """Loaded tolerantly (an unknown non-critical extension) or refused with CertificateError, nothing else."""
    der = _with_extensions_block(rsa_chain.leaf.der, block)
    try:
        cert = Certificate.from_der(der)
    except CertificateError:
        return
    assert cert.cert_no == rsa_chain.leaf.cert_no


def test_primitive_extensions_block_is_a_certificate_error(rsa_chain: TestChain) -> None:
    with pytest.raises(CertificateError, match=r"not an X\.509 certificate"):
        Certificate.from_der(
            _with_extensions_block(rsa_chain.leaf.der, BAD_EXTENSION_BLOCKS["primitive-extensions-sequence"])
        )


def test_broken_private_extension_keeps_the_certificate(rsa_chain: TestChain) -> None:
    """Regression: a non-DER private extension value made the whole certificate unloadable (CertificateError)."""
    cert = Certificate.from_der(_with_extension_values(rsa_chain.leaf.der, b"\x0c\x05AB"))
    assert cert.cert_no == rsa_chain.leaf.cert_no
    assert cert.enterprise_name is None
    assert cert.key_usage == rsa_chain.leaf.key_usage


@FUZZ
@given(value=st.binary(max_size=64), critical=st.booleans())
def test_eport_extensions_with_wrong_types(rsa_chain: TestChain, value: bytes, critical: bool) -> None:
    """Any bytes in the private (and, when critical, the standard) extensions: a certificate or a CertificateError."""
    bad = _with_extension_values(rsa_chain.leaf.der, value, critical=critical)
    only_eport_errors(lambda: Certificate.from_der(bad))


WRONG_TYPED_VALUES = {
    "integer": b"\x02\x01\x05",
    "boolean": b"\x01\x01\xff",
    "sequence": b"\x30\x03\x0c\x01A",
    "null": b"\x05\x00",
    "bmp-odd-length": b"\x1e\x03\x00A\x00",
    "universal-string-bad": b"\x1c\x02\xff\xfe",
    "indefinite-length": b"\x0c\x80A\x00\x00",
    "length-past-end": b"\x0c\x05AB",
    "overlong-length-bytes": b"\x0c\x85\x00\x00\x00\x00\x01A",
    "empty": b"",
    "trailing-bytes": b"\x0c\x01A\x00",
}


@pytest.mark.parametrize("value", WRONG_TYPED_VALUES.values(), ids=WRONG_TYPED_VALUES.keys())
def test_eport_extension_wrong_type_table(rsa_chain: TestChain, value: bytes) -> None:
    bad = _with_extension_values(rsa_chain.leaf.der, value)
    cert = Certificate.from_der(bad)  # tolerant: a broken private extension is text or skipped, never a crash
    assert cert.cert_no == rsa_chain.leaf.cert_no
    for text in cert.eport_extensions.values():
        assert isinstance(text, str)


@pytest.mark.parametrize("value", WRONG_TYPED_VALUES.values(), ids=WRONG_TYPED_VALUES.keys())
def test_decode_text_table(value: bytes) -> None:
    only_eport_errors(lambda: decode_text(value))


NASTY_DER = {
    "empty": b"",
    "one-byte": b"\x30",
    "length-past-end": b"\x30\x82\xff\xff\x30\x00",
    "overlong-length": b"\x30\x89" + b"\xff" * 9,
    "indefinite": b"\x30\x80\x30\x80\x00\x00\x00\x00",
    "deep-nesting": b"\x30\x80" * 5000,
    "deep-definite": b"".join(b"\x30\x81\xff" for _ in range(300)),
    "huge-length": b"\x30\x84\x7f\xff\xff\xff",
    "zero-length-seq": b"\x30\x00",
    "whitespace": b"   \n\t ",
    "pem-no-end": b"-----BEGIN CERTIFICATE-----\nMIIB",
    "pem-empty": b"-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n",
    "pem-garbage": b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n",
    "pem-wrong-type": b"-----BEGIN PRIVATE KEY-----\nMAA=\n-----END PRIVATE KEY-----\n",
    "base64-not-der": base64.b64encode(b"hello world"),
    "oversized": b"\x30\x84\x01\x00\x00\x00" + b"\x00" * (1 << 20),
}


@pytest.mark.parametrize("data", NASTY_DER.values(), ids=NASTY_DER.keys())
def test_nasty_certificate_table(data: bytes) -> None:
    for load in (load_certificate, load_certificates, Certificate.from_der):
        with pytest.raises(EportError):
            load(data)


@pytest.mark.parametrize("data", NASTY_DER.values(), ids=NASTY_DER.keys())
def test_nasty_cms_and_keys_table(data: bytes, rsa_chain: TestChain) -> None:
    with pytest.raises(EportError):
        verify_detached(data, b"x", trust=PinnedCertificate(rsa_chain.leaf))
    with pytest.raises(EportError):
        PublicKey.from_spki(data)


# ------------------------------------------------------------------------------------------------ CMS
@pytest.fixture(scope="module")
def p7s(rsa_chain: TestChain) -> bytes:
    return sign_detached(b"payload", rsa_chain.signer(), extra_certificates=(rsa_chain.intermediate,))


@FUZZ
@given(data=st.data())
def test_mutated_cms(p7s: bytes, rsa_chain: TestChain, data: st.DataObject) -> None:
    bad = data.draw(mutated(p7s))
    only_eport_errors(lambda: verify_detached(bad, b"payload", trust=PinnedCertificate(rsa_chain.leaf)))


@FUZZ
@given(data=st.binary(max_size=300))
def test_garbage_cms(data: bytes, rsa_chain: TestChain) -> None:
    only_eport_errors(lambda: verify_detached(data, b"payload", trust=PinnedCertificate(rsa_chain.leaf)))
    only_eport_errors(lambda: verify_detached(b"\x30\x82" + data, b"payload", trust=PinnedCertificate(rsa_chain.leaf)))


# ------------------------------------------------------------------------------------------------ XML-DSig
@pytest.fixture(scope="module")
def signed_docs(rsa_chain: TestChain, sm2_chain: TestChain) -> list[tuple[bytes, TestChain]]:
    return [(sign_enveloped(DOC, chain.signer()), chain) for chain in (rsa_chain, sm2_chain)]


@FUZZ
@given(data=st.data())
def test_mutated_signed_xml_bytes(signed_docs: list[tuple[bytes, TestChain]], data: st.DataObject) -> None:
    signed, chain = data.draw(st.sampled_from(signed_docs))
    bad = data.draw(mutated(signed))
    only_eport_errors(lambda: verify_enveloped(bad, trust=PinnedCertificate(chain.leaf)))
    only_eport_errors(lambda: remove_signature(bad))


@FUZZ
@given(data=st.data())
def test_mutated_signed_xml_elements(signed_docs: list[tuple[bytes, TestChain]], data: st.DataObject) -> None:
    """Replace the text of one element or the value of one attribute with hostile text (structure kept)."""
    from lxml import etree

    signed, chain = data.draw(st.sampled_from(signed_docs))
    root = etree.fromstring(signed)
    nodes = list(root.iter())
    node = data.draw(st.sampled_from(nodes))
    text = data.draw(
        st.one_of(
            st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=40),
            st.binary(max_size=48).map(lambda b: base64.b64encode(b).decode()),
            st.sampled_from(["", "====", "A", "AAAA" * 3, "MA==", "#", "http://www.w3.org/2000/09/xmldsig#rsa-sha1"]),
        )
    )
    action = data.draw(st.sampled_from(["text", "attr", "remove", "duplicate"]))
    if action == "text":
        node.text = text
    elif action == "attr" and node.attrib:
        node.set(data.draw(st.sampled_from(sorted(node.attrib))), text)
    elif action == "remove" and (parent := node.getparent()) is not None:
        parent.remove(node)
    elif action == "duplicate" and node.getparent() is not None:
        node.addnext(etree.fromstring(etree.tostring(node)))
    bad = etree.tostring(root)
    only_eport_errors(lambda: verify_enveloped(bad, trust=PinnedCertificate(chain.leaf)))


def test_relative_namespace_uri_is_a_typed_error(signed_docs: list[tuple[bytes, TestChain]]) -> None:
    """Regression: C14N 1.0 refuses relative namespace URIs and lxml's C14NError escaped from sign and verify."""
    signed, chain = signed_docs[0]
    assert b'xmlns="urn:x"' in signed
    with pytest.raises(InvalidSignature, match="canonicalized"):
        verify_enveloped(signed.replace(b'xmlns="urn:x"', b'xmlns="x"'), trust=PinnedCertificate(chain.leaf))
    with pytest.raises(ConfigurationError, match="canonicalized"):
        sign_enveloped(DOC.replace(b'xmlns="urn:x"', b'xmlns="x"'), chain.signer())


NASTY_XML = {
    "empty": b"",
    "not-xml": b"hello",
    "text-only-root": b"<r/>",
    "str-not-bytes": "<r/>",
    "deep": b"<a>" * 5000 + b"</a>" * 5000,
    "unclosed": b"<r><ds:Signature xmlns:ds='http://www.w3.org/2000/09/xmldsig#'>",
    "signature-is-root": b"<ds:Signature xmlns:ds='http://www.w3.org/2000/09/xmldsig#'/>",
    "two-signatures": b"<r><ds:Signature xmlns:ds='http://www.w3.org/2000/09/xmldsig#'/>"
    b"<ds:Signature xmlns:ds='http://www.w3.org/2000/09/xmldsig#'/></r>",
    "nul-bytes": b"<r>\x00</r>",
    "bad-encoding": b'<?xml version="1.0" encoding="x-nope"?><r/>',
    "utf16-bom": "\ufeff<r/>".encode("utf-16"),
}


@pytest.mark.parametrize("data", NASTY_XML.values(), ids=NASTY_XML.keys())
def test_nasty_xml_table(data: bytes, rsa_chain: TestChain) -> None:
    with pytest.raises(EportError):
        verify_enveloped(data, trust=PinnedCertificate(rsa_chain.leaf))


# ------------------------------------------------------------------------------------------------ SM2 encodings
@FUZZ
@given(data=st.binary(max_size=200))
def test_sm2_encodings(data: bytes) -> None:
    only_eport_errors(lambda: der_to_raw(data))
    only_eport_errors(lambda: raw_to_der(data))
    only_eport_errors(lambda: SM2PublicKey.from_bytes(data))
    only_eport_errors(lambda: PublicKey.from_spki(data))


_SM2_SIGNATURES: dict[bytes, bytes] = {}


def _sm2_signature(chain: TestChain) -> bytes:
    """One SM2 signature per key (SM2 signing is randomised; hypothesis needs the same input on replay)."""
    return _SM2_SIGNATURES.setdefault(chain.leaf.der, chain.signer().sign(b"message", SignatureAlgorithm.SM2_SM3))


@FUZZ
@given(data=st.data())
def test_sm2_verify_mutated(sm2_chain: TestChain, data: st.DataObject) -> None:
    key = sm2_chain.leaf.public_key
    sig = _sm2_signature(sm2_chain)
    bad = data.draw(mutated(sig))
    only_eport_errors(lambda: key.verify(bad, b"message", "sm3"))


# ------------------------------------------------------------------------------------------------ private keys
def _key_encodings(chain: TestChain) -> list[bytes]:
    from cryptography.hazmat.primitives import serialization

    key = chain.leaf_key
    if isinstance(key, SM2PrivateKey):
        pem = key.to_pem()
        return [pem, asn1_pem.unarmor(pem)[2]]
    return [
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
        key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
    ]


@FUZZ
@given(data=st.data())
def test_mutated_private_keys(
    rsa_chain: TestChain, sm2_chain: TestChain, ec_chain: TestChain, data: st.DataObject
) -> None:
    encoded = data.draw(st.sampled_from([e for c in (rsa_chain, sm2_chain, ec_chain) for e in _key_encodings(c)]))
    only_eport_errors(lambda: load_private_key(data.draw(mutated(encoded))))


SM2_OID = _der(0x06, bytes.fromhex("2a811ccf5501822d"))  # 1.2.156.10197.1.301
NASTY_KEYS = {
    # regressions, all ConfigurationError now: a 33-byte SM2 scalar raised OverflowError (int.to_bytes); an EC key
    # without curve parameters AttributeError (asn1crypto Void); an SM2 scalar of 0, >= n or empty fell through to
    # cryptography, which raised its own UnsupportedAlgorithm ("Curve 1.2.156.10197.1.301 is not supported")
    "sec1-without-parameters": _der(0x30, b"\x02\x01\x01" + _der(0x04, b"\x01" * 32)),
    "sm2-sec1-scalar-too-long": _der(0x30, b"\x02\x01\x01" + _der(0x04, b"\x01" * 33) + _der(0xA0, SM2_OID)),
    "sm2-sec1-scalar-zero": _der(0x30, b"\x02\x01\x01" + _der(0x04, b"\x00" * 32) + _der(0xA0, SM2_OID)),
    "sm2-sec1-scalar-order": _der(0x30, b"\x02\x01\x01" + _der(0x04, b"\xff" * 32) + _der(0xA0, SM2_OID)),
    "sm2-sec1-scalar-empty": _der(0x30, b"\x02\x01\x01" + _der(0x04, b"") + _der(0xA0, SM2_OID)),
    # regression: a PKCS#8 key with an unknown algorithm and no parameters raised AttributeError
    "pkcs8-unknown-algorithm": _der(
        0x30, b"\x02\x01\x00" + _der(0x30, _der(0x06, bytes.fromhex("2b0601040182"))) + _der(0x04, b"\x30\x00")
    ),
    "empty": b"",
    "pem-garbage": b"-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----\n",
    "pem-empty": b"-----BEGIN EC PRIVATE KEY-----\n-----END EC PRIVATE KEY-----\n",
    "deep": b"\x30\x80" * 3000,
}


@pytest.mark.parametrize("data", NASTY_KEYS.values(), ids=NASTY_KEYS.keys())
def test_nasty_private_keys(data: bytes) -> None:
    with pytest.raises(ConfigurationError):
        load_private_key(data)


def test_unknown_key_type_is_a_configuration_error(ec_chain: TestChain) -> None:
    """Regression: cryptography's own UnsupportedAlgorithm ("Unknown key type") escaped from load_private_key."""
    der = _key_encodings(ec_chain)[1]
    ec_public_key = bytes.fromhex("06072a8648ce3d0201")  # 1.2.840.10045.2.1
    assert ec_public_key in der
    bad = der.replace(ec_public_key, bytes.fromhex("06072b8648ce3d0201"))  # 1.3.840.10045.2.1
    with pytest.raises(ConfigurationError, match="cannot load the private key"):
        load_private_key(bad)


# ------------------------------------------------------------------------------------------------ revocation data
@pytest.fixture(scope="module")
def revocation_data(rsa_chain: TestChain) -> tuple[bytes, bytes]:
    crl = make_crl(rsa_chain.intermediate, rsa_chain.intermediate_key, revoked=[rsa_chain.leaf.serial_number])
    ocsp = make_ocsp_response(rsa_chain.leaf, rsa_chain.intermediate, rsa_chain.intermediate_key)
    return crl, ocsp


@FUZZ
@given(data=st.data())
def test_mutated_crls_and_ocsp(rsa_chain: TestChain, revocation_data: tuple[bytes, bytes], data: st.DataObject) -> None:
    crl, ocsp = revocation_data
    now = utcnow()
    bad_crl, bad_ocsp = data.draw(mutated(crl)), data.draw(mutated(ocsp))
    only_eport_errors(lambda: check_crl(rsa_chain.leaf, rsa_chain.intermediate, bad_crl, now))
    only_eport_errors(lambda: check_ocsp(rsa_chain.leaf, rsa_chain.intermediate, bad_ocsp, now))
    policy = RevocationPolicy(mode=RevocationMode.HARD_FAIL, crls=(bad_crl,), ocsp_responses=(bad_ocsp,))
    validator = ChainValidator([rsa_chain.root], intermediates=[rsa_chain.intermediate], revocation=policy)
    only_eport_errors(lambda: validator.validate(rsa_chain.leaf))


@pytest.mark.parametrize("data", NASTY_DER.values(), ids=NASTY_DER.keys())
def test_nasty_revocation_data(rsa_chain: TestChain, data: bytes) -> None:
    now = utcnow()
    for check in (check_crl, check_ocsp):
        with pytest.raises(RevocationError):
            check(rsa_chain.leaf, rsa_chain.intermediate, data, now)


# ------------------------------------------------------------------------------------------------ 179 payment data
@pytest.fixture(scope="module")
def pay_upload(rsa_chain: TestChain) -> str:
    from tests.pki.test_pay179 import _info

    return sign_pay_ex_info(_info(), rsa_chain.signer()).pay_ex_info_str


@FUZZ
@given(data=st.data())
def test_mutated_pay_ex_info(rsa_chain: TestChain, pay_upload: str, data: st.DataObject) -> None:
    chars = list(pay_upload)
    for _ in range(data.draw(st.integers(1, 3))):
        pos = data.draw(st.integers(0, len(chars) - 1))
        action = data.draw(st.sampled_from(["set", "drop", "truncate"]))
        if action == "set":
            chars[pos] = data.draw(st.sampled_from(['"', "{", "}", "[", ":", ",", "\\", "0", "x", " "]))
        elif action == "drop":
            del chars[pos]
        else:
            del chars[pos:]
        if not chars:
            break
    only_eport_errors(lambda: verify_pay_ex_info("".join(chars), rsa_chain.leaf))


NASTY_PAY = {
    "empty": "",
    "list": "[1]",
    # regression: RecursionError escaped from json.loads
    "deep": "[" * 100_000 + "]" * 100_000,
    "marker-at-end": '{"x": "", "payExchangeInfoHead":',
    "marker-in-a-string": '{"a": "\\"payExchangeInfoHead\\":", "sessionID": "s"}',
    "head-not-json": '{"payExchangeInfoHead": 1, "payExchangeInfoLists": 2, "sessionID": 1, "serviceTime": 1}',
    "sign-value-number": (
        '{"sessionID":"s","payExchangeInfoHead":{},"payExchangeInfoLists":[],"serviceTime":1,"certNo":"1",'
        '"signValue":5}'
    ),
}


@pytest.mark.parametrize("text", NASTY_PAY.values(), ids=NASTY_PAY.keys())
def test_nasty_pay_ex_info(rsa_chain: TestChain, text: str) -> None:
    with pytest.raises(InvalidSignature):
        verify_pay_ex_info(text, rsa_chain.leaf)


def test_crl_with_a_malformed_signature_bit_string(rsa_chain: TestChain, revocation_data: tuple[bytes, bytes]) -> None:
    """Regression: the CRL's signature was decoded outside the error handling (asn1crypto ValueError escaped)."""
    crl = asn1_crl.CertificateList.load(revocation_data[0])
    signature = crl["signature"].dump()
    broken = signature[: len(signature) - len(crl["signature"].contents)] + b"\x09" + crl["signature"].contents[1:]
    bad = revocation_data[0].replace(signature, broken)
    with pytest.raises(RevocationError, match="malformed CRL"):
        check_crl(rsa_chain.leaf, rsa_chain.intermediate, bad, utcnow())
