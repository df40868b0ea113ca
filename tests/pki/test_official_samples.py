"""The official 202205 samples: their embedded E-Port test certificate, their (placeholder) signatures, and
re-signing every valid sample so that it still validates against the official XSD."""

from __future__ import annotations

import base64

import pytest
from lxml import etree

from eport.errors import ChainError, ConfigurationError, InvalidSignature
from eport.pki.ceb import sign_ceb, signature_followers
from eport.pki.certs import Certificate
from eport.pki.chain import ChainValidator, ValidationPolicy
from eport.pki.signer import KeyAlgorithm
from eport.pki.testing import TestChain
from eport.pki.xmldsig import DS_NS, Dialect, PinnedCertificate, VerifyConfig, remove_signature, verify_enveloped
from tests.edi import samples

SIGNED_KEYS = samples.keys_where(lambda data: b"<ds:Signature" in data, samples.sample_keys())


def _sample_certificate(key: str = "import/CEB621Message.xml") -> Certificate:
    root = etree.fromstring(samples.load(key).data)
    node = root.find(f".//{{{DS_NS}}}X509Certificate")
    assert node is not None
    return Certificate.from_der(base64.b64decode("".join((node.text or "").split())))


def test_official_sample_certificate_is_parsed() -> None:
    """A real E-Port test certificate (2015, RSA-1024, sha1WithRSA, GBK bytes in an IA5String, BMPString names)."""
    cert = _sample_certificate()
    assert cert.cert_no == "9927"
    assert cert.key_algorithm is KeyAlgorithm.RSA
    assert cert.key_size == 1024
    assert cert.signature_hash == "sha1"
    assert cert.subject == "CN=13号密钥测试服务器开发区"
    assert "中国电子口岸数据中心开发区" in cert.issuer
    # 1.3.6.1.4.1.5315.100.5.1 is an IA5String holding GBK bytes in this certificate
    assert cert.enterprise_name == "中国电子口岸数据中心开发区"
    assert cert.operator_code == "S020120038"
    assert cert.eport_extensions["1.3.6.1.4.1.5315.100.5.6"] == "S020120038"
    assert cert.ocsp_urls == ("http://ocsp.chinaport.gov.cn:8088",)
    assert cert.crl_urls[0].startswith("http://ldap.chinaport.gov.cn:8088/")
    assert {"digital_signature", "non_repudiation"} <= cert.key_usage


def test_sample_certificate_chain_error_names_the_missing_issuer(rsa_chain: TestChain) -> None:
    cert = _sample_certificate()
    validator = ChainValidator([rsa_chain.root], policy=ValidationPolicy(allow_sha1=True))
    with pytest.raises(ChainError) as info:
        validator.validate(cert)
    assert "中国电子口岸数据中心开发区" in info.value.reason
    assert info.value.certificate == cert.subject


@pytest.mark.parametrize("key", SIGNED_KEYS)
def test_placeholder_signatures_of_the_samples_fail_cleanly(key: str) -> None:
    """The samples carry 2022 SM2 URIs over an RSA certificate and a stale digest: a typed error, never a crash."""
    data = samples.load(key).data
    with pytest.raises(InvalidSignature):
        verify_enveloped(
            data,
            trust=PinnedCertificate(_sample_certificate(key)),
            config=VerifyConfig(dialects=frozenset(Dialect), require_key_name_match=False),
        )


def _has_signature_slot(key: str) -> bool:
    try:
        signature_followers(key.split("/")[1].removesuffix(".xml"))
    except ConfigurationError:
        return False
    return True


SIGNABLE = [k for k in samples.valid_keys() if _has_signature_slot(k)]
RECEIPTS = [k for k in samples.valid_keys() if not _has_signature_slot(k)]


def test_sample_partition() -> None:
    """Business messages (odd codes) have a signature slot; receipts (回执, even codes) do not."""
    assert len(SIGNABLE) == 11
    assert all(int(k.split("/")[1][3:6]) % 2 == 1 for k in SIGNABLE)
    assert all(int(k.split("/")[1][3:6]) % 2 == 0 for k in RECEIPTS)


@pytest.mark.parametrize("key", RECEIPTS)
def test_receipts_have_no_signature_slot(key: str, rsa_chain: TestChain) -> None:
    with pytest.raises(ConfigurationError, match="not a signed CEB message"):
        sign_ceb(samples.load(key).data, rsa_chain.signer())


@pytest.mark.parametrize("key", SIGNABLE)
def test_every_valid_sample_re_signed_still_validates(key: str, rsa_chain: TestChain, sm2_chain: TestChain) -> None:
    family = "ceb-import" if key.startswith("import/") else "ceb-export"
    unsigned = remove_signature(samples.load(key).data)
    for chain in (rsa_chain, sm2_chain):
        signed = sign_ceb(unsigned, chain.signer())
        assert samples.xsd_errors(signed, family) == []
        result = verify_enveloped(signed, trust=PinnedCertificate(chain.leaf))
        assert result.certificate == chain.leaf
