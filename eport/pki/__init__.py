"""Certificates, trust store (root CA install), chain validation, signing and verification (RSA and SM2).

Safe recipes at the top level; primitives in submodules (:mod:`eport.pki.sm2`, :mod:`eport.pki.keys`,
:mod:`eport.pki.revocation`). ``eport.pki`` never imports :mod:`eport.card` or :mod:`eport.services`.

Example::

    from eport.pki import ChainValidator, TrustStore, sign_ceb, verify_enveloped

    store = TrustStore()
    store.install(Path("ROOTCA.cer").read_bytes())
    signed = sign_ceb(xml, signer)                                  # card, token or in-memory signer
    result = verify_enveloped(signed, trust=ChainValidator(store))  # raises on any failure

The names below are imported on first use: ``import eport.pki`` (and any submodule such as
:mod:`eport.pki.signer`) stays cheap; cryptography, asn1crypto and lxml load with the first recipe used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from eport._lazy import lazy_exports

if TYPE_CHECKING:  # what type checkers and IDEs see; at run time module __getattr__ imports these on first use
    from eport.pki.ceb import sign_ceb, signature_followers
    from eport.pki.certs import Certificate, cert_number, load_certificate, load_certificates
    from eport.pki.chain import ChainValidator, ValidationPolicy
    from eport.pki.cms import VerifiedCms, sign_detached, verify_detached
    from eport.pki.pay179 import (
        GoodsInfo,
        PayExchangeInfoHead,
        PayExchangeInfoList,
        PayExInfo,
        SignedPayExInfo,
        SignStringStyle,
        sign_pay_ex_info,
        sign_string,
        verify_pay_ex_info,
    )
    from eport.pki.revocation import RevocationMode, RevocationPolicy
    from eport.pki.signer import KeyAlgorithm, SignatureAlgorithm, Signer
    from eport.pki.signers import InMemorySigner, load_private_key
    from eport.pki.sm2 import SM2PrivateKey, SM2PublicKey
    from eport.pki.truststore import TrustStore
    from eport.pki.xmldsig import (
        Dialect,
        PinnedCertificate,
        VerifiedXml,
        VerifyConfig,
        remove_signature,
        sign_enveloped,
        verify_enveloped,
    )

#: Public name → the module that defines it (a new public name: add it here, under TYPE_CHECKING and to __all__).
_EXPORTS: dict[str, str] = {
    **dict.fromkeys(("sign_ceb", "signature_followers"), "eport.pki.ceb"),
    **dict.fromkeys(("Certificate", "cert_number", "load_certificate", "load_certificates"), "eport.pki.certs"),
    **dict.fromkeys(("ChainValidator", "ValidationPolicy"), "eport.pki.chain"),
    **dict.fromkeys(("VerifiedCms", "sign_detached", "verify_detached"), "eport.pki.cms"),
    **dict.fromkeys(
        (
            "GoodsInfo",
            "PayExchangeInfoHead",
            "PayExchangeInfoList",
            "PayExInfo",
            "SignedPayExInfo",
            "SignStringStyle",
            "sign_pay_ex_info",
            "sign_string",
            "verify_pay_ex_info",
        ),
        "eport.pki.pay179",
    ),
    **dict.fromkeys(("RevocationMode", "RevocationPolicy"), "eport.pki.revocation"),
    **dict.fromkeys(("KeyAlgorithm", "SignatureAlgorithm", "Signer"), "eport.pki.signer"),
    **dict.fromkeys(("InMemorySigner", "load_private_key"), "eport.pki.signers"),
    **dict.fromkeys(("SM2PrivateKey", "SM2PublicKey"), "eport.pki.sm2"),
    **dict.fromkeys(("TrustStore",), "eport.pki.truststore"),
    **dict.fromkeys(
        (
            "Dialect",
            "PinnedCertificate",
            "VerifiedXml",
            "VerifyConfig",
            "remove_signature",
            "sign_enveloped",
            "verify_enveloped",
        ),
        "eport.pki.xmldsig",
    ),
}


__getattr__, __dir__ = lazy_exports(globals(), _EXPORTS)


__all__ = [
    "Certificate",
    "ChainValidator",
    "Dialect",
    "GoodsInfo",
    "InMemorySigner",
    "KeyAlgorithm",
    "PayExInfo",
    "PayExchangeInfoHead",
    "PayExchangeInfoList",
    "PinnedCertificate",
    "RevocationMode",
    "RevocationPolicy",
    "SM2PrivateKey",
    "SM2PublicKey",
    "SignStringStyle",
    "SignatureAlgorithm",
    "SignedPayExInfo",
    "Signer",
    "TrustStore",
    "ValidationPolicy",
    "VerifiedCms",
    "VerifiedXml",
    "VerifyConfig",
    "cert_number",
    "load_certificate",
    "load_certificates",
    "load_private_key",
    "remove_signature",
    "sign_ceb",
    "sign_detached",
    "sign_enveloped",
    "sign_pay_ex_info",
    "sign_string",
    "signature_followers",
    "verify_detached",
    "verify_enveloped",
    "verify_pay_ex_info",
]
