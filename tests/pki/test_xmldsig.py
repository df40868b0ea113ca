"""Enveloped XML-DSig: every RSA signature checked by xmlsec1, SM2 by openssl, CEB621 by the official XSD."""

from __future__ import annotations

import base64
import subprocess
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from eport.errors import ChainError, ConfigurationError, InvalidSignature, UnsupportedAlgorithm
from eport.pki.ceb import sign_ceb, signature_followers, signature_position
from eport.pki.chain import ChainValidator
from eport.pki.signer import KeyAlgorithm
from eport.pki.sm2 import raw_to_der
from eport.pki.testing import TestChain, make_chain
from eport.pki.xmldsig import (
    C14N_URI,
    DS_NS,
    Dialect,
    PinnedCertificate,
    VerifyConfig,
    remove_signature,
    sign_enveloped,
    verify_enveloped,
)
from tests.edi import samples
from tests.pki import openssl

from .conftest import require_tool, write_pems

DS = {"ds": DS_NS}
ALL = VerifyConfig(dialects=frozenset(Dialect))


def _unsigned(key: str) -> bytes:
    return remove_signature(samples.load(key).data)


def _xmlsec_verify(tmp_path: Path, signed: bytes, chain: TestChain) -> subprocess.CompletedProcess[str]:
    require_tool("xmlsec1")
    root, inter, _ = write_pems(tmp_path, chain)
    doc = tmp_path / "signed.xml"
    doc.write_bytes(signed)
    return subprocess.run(
        ["xmlsec1", "--verify", "--trusted-pem", str(root), "--untrusted-pem", str(inter), str(doc)],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.xmlsec1
@pytest.mark.parametrize("dialect", [Dialect.RSA_SHA1, Dialect.RSA_SHA256])
@pytest.mark.parametrize("key", ["import/CEB311Message.xml", "import/CEB621Message.xml", "export/CEB303Message.xml"])
def test_rsa_signatures_verify_with_xmlsec1(tmp_path: Path, rsa_chain: TestChain, dialect: Dialect, key: str) -> None:
    signed = sign_ceb(_unsigned(key), rsa_chain.signer(), dialect=dialect)
    result = _xmlsec_verify(tmp_path, signed, rsa_chain)
    assert result.returncode == 0, result.stderr
    assert "OK" in result.stdout + result.stderr
    verified = verify_enveloped(
        signed, trust=ChainValidator([rsa_chain.root], intermediates=[rsa_chain.intermediate]), config=ALL
    )
    assert verified.dialect is dialect
    assert verified.certificate == rsa_chain.leaf
    assert verified.chain[-1] == rsa_chain.root


@pytest.mark.xmlsec1
def test_xmlsec1_rejects_a_tampered_document(tmp_path: Path, rsa_chain: TestChain) -> None:
    signed = sign_ceb(_unsigned("import/CEB621Message.xml"), rsa_chain.signer())
    tampered = signed.replace("李小宝".encode(), "王小宝".encode())
    assert _xmlsec_verify(tmp_path, tampered, rsa_chain).returncode != 0
    with pytest.raises(InvalidSignature, match="digest"):
        verify_enveloped(tampered, trust=PinnedCertificate(rsa_chain.leaf))


# ------------------------------------------------------------------------------ interop in document context
CEB = "http://www.chinaport.gov.cn/ceb"

#: Documents this test writes, each a different namespace/``xml:`` context for SignedInfo (C14N 1.0 renders the
#: apex with every in-scope namespace and inherits the ancestors' ``xml:`` attributes).
CONTEXTS = {
    "prefixed-root": f'<ceb:CEB311Message xmlns:ceb="{CEB}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    "<ceb:Order><ceb:guid>4CDE1CFD-EDED-46B1-946C-B8022E42FC94</ceb:guid></ceb:Order>{sig}</ceb:CEB311Message>",
    "default-root": f'<CEB311Message xmlns="{CEB}"><Order><guid>g-1</guid></Order>{{sig}}</CEB311Message>',
    "no-namespace-root": "<CEB311Message><Order><guid>g-1</guid></Order>{sig}</CEB311Message>",
    "xml-lang-root": f'<ceb:CEB311Message xmlns:ceb="{CEB}" xml:lang="zh-CN"><ceb:Order><ceb:note>进口</ceb:note>'
    "</ceb:Order>{sig}</ceb:CEB311Message>",
    "xml-space-root": f'<CEB311Message xmlns="{CEB}" xml:space="preserve"><Order><note> a </note></Order>{{sig}}'
    "</CEB311Message>",
    "dsig-also-default": f'<ceb:CEB311Message xmlns:ceb="{CEB}" xmlns="{DS_NS}" xml:lang="en"><ceb:Order '
    'xml:lang="zh"><ceb:guid>g-1</ceb:guid></ceb:Order>{sig}</ceb:CEB311Message>',
}


def _xmlsec_sign_default_namespace(tmp_path: Path, chain: TestChain, document: str, dialect: Dialect) -> bytes:
    """xmlsec1 fills a template whose Signature uses the default namespace (no ``ds:`` prefix), as .NET and Java
    signers write it."""
    from cryptography.hazmat.primitives import serialization

    require_tool("xmlsec1")
    spec = dialect.spec
    template = (
        f'<Signature xmlns="{DS_NS}"><SignedInfo><CanonicalizationMethod Algorithm="{C14N_URI}"/>'
        f'<SignatureMethod Algorithm="{spec.signature_uri}"/><Reference URI=""><Transforms>'
        '<Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/></Transforms>'
        f'<DigestMethod Algorithm="{spec.digest_uri}"/><DigestValue/></Reference></SignedInfo><SignatureValue/>'
        f"<KeyInfo><KeyName>{chain.leaf.cert_no}</KeyName><X509Data><X509Certificate>{chain.leaf.to_base64()}"
        "</X509Certificate></X509Data></KeyInfo></Signature>"
    )
    key = tmp_path / "key.pem"
    key.write_bytes(
        chain.leaf_key.private_bytes(  # type: ignore[union-attr]
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    source, out = tmp_path / "template.xml", tmp_path / "signed-by-xmlsec1.xml"
    source.write_text('<?xml version="1.0" encoding="UTF-8"?>\n' + document.format(sig=template), encoding="utf-8")
    result = subprocess.run(
        ["xmlsec1", "--sign", "--privkey-pem", str(key), "--output", str(out), str(source)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return out.read_bytes()


@pytest.mark.xmlsec1
@pytest.mark.parametrize("dialect", [Dialect.RSA_SHA1, Dialect.RSA_SHA256])
@pytest.mark.parametrize("context", CONTEXTS.values(), ids=CONTEXTS.keys())
def test_default_namespace_signatures_made_by_xmlsec1_verify(
    tmp_path: Path, rsa_chain: TestChain, context: str, dialect: Dialect
) -> None:
    signed = _xmlsec_sign_default_namespace(tmp_path, rsa_chain, context, dialect)
    assert b"<ds:" not in signed
    assert b"<SignedInfo>" in signed
    assert _xmlsec_verify(tmp_path, signed, rsa_chain).returncode == 0
    result = verify_enveloped(signed, trust=PinnedCertificate(rsa_chain.leaf), config=ALL)
    assert result.dialect is dialect
    with pytest.raises(InvalidSignature):  # and still nothing else verifies
        verify_enveloped(signed.replace(b"Order>", b"Order>x", 1), trust=PinnedCertificate(rsa_chain.leaf), config=ALL)


@pytest.mark.xmlsec1
@pytest.mark.parametrize("context", CONTEXTS.values(), ids=CONTEXTS.keys())
def test_eport_signatures_in_any_context_verify_with_xmlsec1(
    tmp_path: Path, rsa_chain: TestChain, context: str
) -> None:
    signed = sign_enveloped(context.format(sig="").encode(), rsa_chain.signer())
    result = _xmlsec_verify(tmp_path, signed, rsa_chain)
    assert result.returncode == 0, result.stderr
    verify_enveloped(signed, trust=PinnedCertificate(rsa_chain.leaf))


def test_signed_ceb621_validates_against_the_official_xsd(rsa_chain: TestChain, sm2_chain: TestChain) -> None:
    unsigned = _unsigned("import/CEB621Message.xml")
    assert samples.xsd_errors(unsigned, "ceb-import"), "CEB621 without a signature must fail: ds:Signature is 1..1"
    for chain in (rsa_chain, sm2_chain):
        signed = sign_ceb(unsigned, chain.signer())
        assert samples.xsd_errors(signed, "ceb-import") == []


def test_export_placement_is_before_extend_message(rsa_chain: TestChain) -> None:
    assert signature_followers("CEB303Message") == ("{http://www.chinaport.gov.cn/ceb}ExtendMessage",)
    assert signature_position("CEB621Message") == "last"
    assert signature_position("{http://www.chinaport.gov.cn/ceb}CEB603Message") == "before-extension"
    doc = etree.fromstring(_unsigned("export/CEB303Message.xml"))
    extend = etree.SubElement(doc, "{http://www.chinaport.gov.cn/ceb}ExtendMessage")
    etree.SubElement(extend, "{http://www.chinaport.gov.cn/ceb}note").text = "x"
    signed = sign_ceb(etree.tostring(doc, encoding="UTF-8"), rsa_chain.signer())
    names = [etree.QName(c).localname for c in etree.fromstring(signed) if isinstance(c.tag, str)]
    assert names[-2:] == ["Signature", "ExtendMessage"]
    verify_enveloped(signed, trust=PinnedCertificate(rsa_chain.leaf))


def test_non_ceb_roots_are_refused(rsa_chain: TestChain) -> None:
    with pytest.raises(ConfigurationError):
        sign_ceb(b"<a xmlns='urn:x'/>", rsa_chain.signer())
    with pytest.raises(ConfigurationError):
        sign_ceb(b"<ceb:CEB999Message xmlns:ceb='http://www.chinaport.gov.cn/ceb'/>", rsa_chain.signer())


@pytest.mark.parametrize("dialect", [Dialect.SM2_SM3, Dialect.SM2_W3C_SHA1])
def test_sm2_dialects(tmp_path: Path, sm2_chain: TestChain, dialect: Dialect) -> None:
    signed = sign_ceb(_unsigned("import/CEB311Message.xml"), sm2_chain.signer(), dialect=dialect)
    doc = etree.fromstring(signed)
    spec = dialect.spec
    assert doc.find(".//ds:SignatureMethod", DS).get("Algorithm") == spec.signature_uri  # type: ignore[union-attr]
    assert doc.find(".//ds:DigestMethod", DS).get("Algorithm") == spec.digest_uri  # type: ignore[union-attr]
    assert doc.find(".//ds:CanonicalizationMethod", DS).get("Algorithm") == C14N_URI  # type: ignore[union-attr]
    assert doc.find(".//ds:KeyName", DS).text == sm2_chain.leaf.cert_no  # type: ignore[union-attr]
    value = base64.b64decode(doc.find(".//ds:SignatureValue", DS).text)  # type: ignore[union-attr, arg-type]
    assert len(value) == 64  # raw r || s, as cards return it: 88 base64 characters
    digest = base64.b64decode(doc.find(".//ds:DigestValue", DS).text)  # type: ignore[union-attr, arg-type]
    assert len(digest) == (32 if dialect is Dialect.SM2_SM3 else 20)
    # independent check of the SM2 value: openssl over the canonical SignedInfo
    signed_info = etree.tostring(doc.find(".//ds:SignedInfo", DS), method="c14n")  # type: ignore[arg-type]
    out = openssl.sm2_verify(tmp_path, sm2_chain.leaf.spki_der, signed_info, raw_to_der(value))
    assert out.returncode == 0, out.stderr
    result = verify_enveloped(
        signed, trust=ChainValidator([sm2_chain.root], intermediates=[sm2_chain.intermediate]), config=ALL
    )
    assert result.dialect is dialect
    assert result.certificate.enterprise_name == "测试进出口有限公司"


def test_w3c_sm2_dialect_is_an_explicit_opt_in(sm2_chain: TestChain) -> None:
    signed = sign_ceb(_unsigned("import/CEB311Message.xml"), sm2_chain.signer(), dialect=Dialect.SM2_W3C_SHA1)
    with pytest.raises(UnsupportedAlgorithm, match="not allowed"):
        verify_enveloped(signed, trust=PinnedCertificate(sm2_chain.leaf))


def test_der_sm2_value_is_accepted(sm2_chain: TestChain) -> None:
    signed = sign_ceb(_unsigned("import/CEB311Message.xml"), sm2_chain.signer(), sm2_value="der")
    value = base64.b64decode(etree.fromstring(signed).find(".//ds:SignatureValue", DS).text)  # type: ignore[union-attr, arg-type]
    assert value[0] == 0x30
    verify_enveloped(signed, trust=PinnedCertificate(sm2_chain.leaf))


def test_dialect_must_fit_key(rsa_chain: TestChain) -> None:
    with pytest.raises(UnsupportedAlgorithm):
        sign_ceb(_unsigned("import/CEB311Message.xml"), rsa_chain.signer(), dialect=Dialect.SM2_SM3)


def test_already_signed_is_refused(rsa_chain: TestChain) -> None:
    signed = sign_ceb(_unsigned("import/CEB311Message.xml"), rsa_chain.signer())
    with pytest.raises(ConfigurationError, match="already"):
        sign_ceb(signed, rsa_chain.signer())
    assert remove_signature(signed) == remove_signature(_unsigned("import/CEB311Message.xml"))


def test_signing_preserves_content_exactly(rsa_chain: TestChain) -> None:
    unsigned = _unsigned("import/CEB621Message.xml")
    signed = sign_ceb(unsigned, rsa_chain.signer())
    result = verify_enveloped(signed, trust=PinnedCertificate(rsa_chain.leaf))
    assert result.signed_xml == etree.tostring(etree.ElementTree(etree.fromstring(unsigned)), method="c14n")
    assert etree.QName(result.root).localname == "CEB621Message"


# ------------------------------------------------------------------------------------------- strict verification
@pytest.fixture
def signed311(rsa_chain: TestChain) -> bytes:
    return sign_ceb(_unsigned("import/CEB311Message.xml"), rsa_chain.signer())


def _mutate(signed: bytes, change) -> bytes:  # type: ignore[no-untyped-def]
    doc = etree.fromstring(signed)
    change(doc)
    return etree.tostring(doc, encoding="UTF-8")


def test_wrapping_attack_with_a_second_signature(signed311: bytes, rsa_chain: TestChain) -> None:
    def wrap(doc: etree._Element) -> None:
        sig = doc.find("ds:Signature", DS)
        holder = etree.SubElement(doc[0], "{http://www.chinaport.gov.cn/ceb}note")
        holder.append(etree.fromstring(etree.tostring(sig)))  # type: ignore[arg-type]

    with pytest.raises(InvalidSignature, match="exactly one ds:Signature"):
        verify_enveloped(_mutate(signed311, wrap), trust=PinnedCertificate(rsa_chain.leaf))


def test_signature_moved_out_of_the_root(signed311: bytes, rsa_chain: TestChain) -> None:
    def move(doc: etree._Element) -> None:
        sig = doc.find("ds:Signature", DS)
        doc[0].append(sig)  # type: ignore[arg-type]

    with pytest.raises(InvalidSignature, match="child of the document element"):
        verify_enveloped(_mutate(signed311, move), trust=PinnedCertificate(rsa_chain.leaf))


@pytest.mark.parametrize(
    ("xpath", "attribute", "value", "message"),
    [
        (".//ds:Reference", "URI", "#order", "URI"),
        (".//ds:CanonicalizationMethod", "Algorithm", "http://www.w3.org/2001/10/xml-exc-c14n#", "canonicalization"),
        (".//ds:Transform", "Algorithm", "http://www.w3.org/2001/10/xml-exc-c14n#", "transforms"),
    ],
)
def test_structural_changes_are_rejected(
    signed311: bytes, rsa_chain: TestChain, xpath: str, attribute: str, value: str, message: str
) -> None:
    changed = _mutate(signed311, lambda d: d.find(xpath, DS).set(attribute, value))
    with pytest.raises(InvalidSignature, match=message):
        verify_enveloped(changed, trust=PinnedCertificate(rsa_chain.leaf))


def test_second_reference_is_rejected(signed311: bytes, rsa_chain: TestChain) -> None:
    def add(doc: etree._Element) -> None:
        ref = doc.find(".//ds:Reference", DS)
        ref.addnext(etree.fromstring(etree.tostring(ref)))  # type: ignore[union-attr, arg-type]

    with pytest.raises(InvalidSignature, match="exactly one ds:Reference"):
        verify_enveloped(_mutate(signed311, add), trust=PinnedCertificate(rsa_chain.leaf))


def test_changed_signature_value(signed311: bytes, rsa_chain: TestChain) -> None:
    def flip(doc: etree._Element) -> None:
        el = doc.find(".//ds:SignatureValue", DS)
        raw = bytearray(base64.b64decode(el.text))  # type: ignore[union-attr, arg-type]
        raw[10] ^= 1
        el.text = base64.b64encode(bytes(raw)).decode()  # type: ignore[union-attr]

    with pytest.raises(InvalidSignature, match="does not verify"):
        verify_enveloped(_mutate(signed311, flip), trust=PinnedCertificate(rsa_chain.leaf))


def test_swapped_certificate(signed311: bytes, rsa_chain: TestChain, sha1_chain: TestChain) -> None:
    def swap(doc: etree._Element) -> None:
        doc.find(".//ds:X509Certificate", DS).text = sha1_chain.leaf.to_base64()  # type: ignore[union-attr]
        doc.find(".//ds:KeyName", DS).text = sha1_chain.leaf.cert_no  # type: ignore[union-attr]

    with pytest.raises(InvalidSignature):
        verify_enveloped(_mutate(signed311, swap), trust=PinnedCertificate(sha1_chain.leaf))


def test_key_name_must_match_unless_relaxed(signed311: bytes, rsa_chain: TestChain) -> None:
    changed = _mutate(signed311, lambda d: setattr(d.find(".//ds:KeyName", DS), "text", "0001"))
    with pytest.raises(InvalidSignature, match="KeyName"):
        verify_enveloped(changed, trust=PinnedCertificate(rsa_chain.leaf))
    result = verify_enveloped(
        changed, trust=PinnedCertificate(rsa_chain.leaf), config=VerifyConfig(require_key_name_match=False)
    )
    assert result.key_name == "0001"


def test_chain_is_checked(signed311: bytes, sm2_chain: TestChain) -> None:
    with pytest.raises(ChainError):
        verify_enveloped(signed311, trust=ChainValidator([sm2_chain.root]))


def test_doctype_and_entities_are_refused(rsa_chain: TestChain) -> None:
    evil = b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "boom">]><a>&x;</a>'
    with pytest.raises(InvalidSignature, match="DTD"):
        verify_enveloped(evil, trust=PinnedCertificate(rsa_chain.leaf))
    with pytest.raises(ConfigurationError):
        sign_enveloped(evil, rsa_chain.signer())
    with pytest.raises(InvalidSignature, match="larger"):
        verify_enveloped(b"<a/>" * 10, trust=PinnedCertificate(rsa_chain.leaf), config=VerifyConfig(max_size=8))
    with pytest.raises(InvalidSignature, match="well-formed"):
        verify_enveloped(b"<a>", trust=PinnedCertificate(rsa_chain.leaf))


def test_generic_sign_enveloped_on_any_document(tmp_path: Path, rsa_chain: TestChain) -> None:
    xml = b'<?xml version="1.0" encoding="UTF-8"?>\n<r:doc xmlns:r="urn:x" a="1"><r:b>text &amp; more</r:b></r:doc>'
    signed = sign_enveloped(xml, rsa_chain.signer(), insert_before=["{urn:x}b"])
    assert etree.QName(etree.fromstring(signed)[0]).localname == "Signature"
    result = _xmlsec_verify(tmp_path, signed, rsa_chain)
    assert result.returncode == 0, result.stderr


def test_intermediates_in_x509data_allow_path_building(rsa_chain: TestChain) -> None:
    signed = sign_ceb(
        _unsigned("import/CEB311Message.xml"),
        rsa_chain.signer(),
        extra_certificates=[rsa_chain.intermediate],
    )
    assert len(etree.fromstring(signed).findall(".//ds:X509Certificate", DS)) == 2
    result = verify_enveloped(signed, trust=ChainValidator([rsa_chain.root]))
    assert result.certificate == rsa_chain.leaf
    assert len(result.chain) == 3


_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=40)
_PROPERTY_CHAIN = make_chain(KeyAlgorithm.RSA)


@given(text=_TEXT, attribute=_TEXT)
def test_roundtrip_property_any_content(text: str, attribute: str) -> None:
    doc = etree.Element("{urn:x}doc", nsmap={"x": "urn:x"})
    doc.set("note", attribute)
    etree.SubElement(doc, "{urn:x}item").text = text
    signed = sign_enveloped(etree.tostring(doc, encoding="UTF-8"), _PROPERTY_CHAIN.signer())
    result = verify_enveloped(signed, trust=PinnedCertificate(_PROPERTY_CHAIN.leaf))
    assert result.root.get("note") == attribute
    assert (result.root[0].text or "") == text
    # any change to the content breaks the signature
    tree = etree.fromstring(signed)
    tree[0].text = (tree[0].text or "") + "!"
    with pytest.raises(InvalidSignature, match="digest"):
        verify_enveloped(etree.tostring(tree, encoding="UTF-8"), trust=PinnedCertificate(_PROPERTY_CHAIN.leaf))
