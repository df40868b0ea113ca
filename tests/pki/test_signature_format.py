"""Input that is no signature document at all (no XML, no DER CMS SignedData, no JSON) used to raise the same
``InvalidSignature`` as a signature that does not verify: a caller could not tell "this file is something else" from
"this signature is forged or the document was changed". It is now ``SignatureFormatError``, a subclass of both
``InvalidSignature`` (a caller catching that still refuses it) and ``DecodeError`` (the bytes do not decode), while
a real verification failure stays a plain ``InvalidSignature``."""

from __future__ import annotations

import pytest

from eport.errors import DecodeError, InvalidSignature, PkiError, SignatureFormatError
from eport.pki.cms import sign_detached, verify_detached
from eport.pki.pay179 import sign_pay_ex_info, verify_pay_ex_info
from eport.pki.testing import TestChain
from eport.pki.xmldsig import PinnedCertificate, sign_enveloped, verify_enveloped

from .test_pay179 import _info

XML = '<Doc xmlns="urn:x"><Name>李小宝</Name></Doc>'.encode()
NOT_XML = [b"", b"hello, not XML\n", bytes(range(256)), b"<Doc><a>", b"\xef\xbb\xbf"]
NOT_CMS = [b"", b"hello, not CMS\n", b"-----BEGIN PKCS7-----\n", b"\x30\x03\x02\x01\x01", bytes(range(256))]


def test_the_class_is_both_an_invalid_signature_and_a_decode_error() -> None:
    assert issubclass(SignatureFormatError, InvalidSignature)
    assert issubclass(SignatureFormatError, DecodeError)
    assert issubclass(SignatureFormatError, PkiError)
    error = SignatureFormatError("not a well-formed XML document: bad", line=1, column=3)
    assert (error.line, error.column) == (1, 3)
    assert str(error) == "not a well-formed XML document: bad (at line 1, column 3)"


@pytest.mark.parametrize("data", NOT_XML, ids=range(len(NOT_XML)))
def test_verify_enveloped_of_no_xml_is_a_format_error(rsa_chain: TestChain, data: bytes) -> None:
    with pytest.raises(SignatureFormatError, match="not a well-formed XML document"):
        verify_enveloped(data, trust=PinnedCertificate(rsa_chain.leaf))


def test_verify_enveloped_failures_of_xml_stay_invalid_signature(rsa_chain: TestChain) -> None:
    signed = sign_enveloped(XML, rsa_chain.signer())
    trust = PinnedCertificate(rsa_chain.leaf)
    assert verify_enveloped(signed, trust=trust).certificate == rsa_chain.leaf
    changed = signed.replace("李小宝".encode(), "张小宝".encode())
    for document in (changed, XML):  # a changed document; a well-formed one that is not signed
        with pytest.raises(InvalidSignature) as info:
            verify_enveloped(document, trust=trust)
        assert not isinstance(info.value, SignatureFormatError), info.value


@pytest.mark.parametrize("der", NOT_CMS, ids=range(len(NOT_CMS)))
def test_verify_detached_of_no_cms_signed_data_is_a_format_error(rsa_chain: TestChain, der: bytes) -> None:
    with pytest.raises(SignatureFormatError, match="not a CMS SignedData"):
        verify_detached(der, XML, trust=PinnedCertificate(rsa_chain.leaf))


def test_verify_detached_failures_of_a_signed_data_stay_invalid_signature(rsa_chain: TestChain) -> None:
    p7s = sign_detached(XML, rsa_chain.signer())
    trust = PinnedCertificate(rsa_chain.leaf)
    assert verify_detached(p7s, XML, trust=trust).certificate == rsa_chain.leaf
    damaged = bytearray(p7s)
    damaged[-5] ^= 0xFF  # inside the signature value: still a SignedData, one that does not verify
    for der, data in ((p7s, XML + b" "), (bytes(damaged), XML)):
        with pytest.raises(InvalidSignature) as info:
            verify_detached(der, data, trust=trust)
        assert not isinstance(info.value, SignatureFormatError), info.value


@pytest.mark.parametrize("text", ["", "hello", "{", '{"sessionID": "x",', "[1, 2"])
def test_verify_pay_ex_info_of_no_json_is_a_format_error(rsa_chain: TestChain, text: str) -> None:
    with pytest.raises(SignatureFormatError, match="not JSON"):
        verify_pay_ex_info(text, rsa_chain.leaf)


def test_verify_pay_ex_info_failures_of_json_stay_invalid_signature(rsa_chain: TestChain) -> None:
    upload = sign_pay_ex_info(_info(), rsa_chain.signer())
    tampered = upload.pay_ex_info_str.replace("fe2374", "fe2375")
    for text in (tampered, "{}", "[]"):
        with pytest.raises(InvalidSignature) as info:
            verify_pay_ex_info(text, rsa_chain.leaf)
        assert not isinstance(info.value, SignatureFormatError), info.value
