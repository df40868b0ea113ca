"""Signers: in-memory, PKCS#11 (SoftHSM2) and the card emulator make byte-identical RSA signatures."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from eport.card import demo
from eport.card.emulator import DEMO_PIN, InProcessTransport, demo_card
from eport.card.operator import OperatorCard
from eport.card.signer import CardSigner
from eport.errors import CertificateError, ConfigurationError, TokenError, UnsupportedAlgorithm
from eport.pki.ceb import sign_ceb
from eport.pki.certs import Certificate
from eport.pki.chain import ChainValidator
from eport.pki.keys import verify_signature
from eport.pki.pkcs11 import Pkcs11Signer
from eport.pki.signer import KeyAlgorithm, SignatureAlgorithm, Signer
from eport.pki.signers import InMemorySigner, load_private_key
from eport.pki.sm2 import SM2PrivateKey
from eport.pki.testing import TestChain
from eport.pki.xmldsig import Dialect, PinnedCertificate, remove_signature, verify_enveloped
from tests.edi import samples


def _memory_demo() -> InMemorySigner:
    return InMemorySigner(demo.signing_private_key(), demo.signing_certificate_der())


def _card_demo() -> CardSigner:
    card = OperatorCard(InProcessTransport(demo_card()), key_algorithm=KeyAlgorithm.RSA)
    card.verify_pin(DEMO_PIN)
    return CardSigner(card)


@pytest.mark.softhsm
@pytest.mark.xmlsec1
def test_byte_identical_rsa_signatures_memory_softhsm_card(tmp_path: Path, softhsm_token: dict[str, str]) -> None:
    memory = _memory_demo()
    card = _card_demo()
    with Pkcs11Signer.open(
        softhsm_token["module"], token_label=softhsm_token["token_label"], pin=softhsm_token["pin"], key_label="sign"
    ) as token:
        assert token.certificate_der == memory.certificate_der == card.certificate_der
        for algorithm in (SignatureAlgorithm.RSA_SHA1, SignatureAlgorithm.RSA_SHA256):
            data = b"<ds:SignedInfo>" * 40
            reference = memory.sign(data, algorithm)
            assert token.sign(data, algorithm) == reference
            assert card.sign(data, algorithm) == reference
            verify_signature(memory.certificate.spki_der, reference, data, algorithm)
        # whole CEB621 messages are byte-identical too
        unsigned = remove_signature(samples.load("import/CEB621Message.xml").data)
        signed = {name: sign_ceb(unsigned, s) for name, s in (("memory", memory), ("token", token), ("card", card))}
    assert signed["memory"] == signed["token"] == signed["card"]
    root = Certificate.from_der(demo.root_certificate_der())
    result = verify_enveloped(signed["token"], trust=ChainValidator([root]))
    assert result.chain[-1] == root
    # independent check: xmlsec1 verifies the card/token-signed message against the demo root
    (tmp_path / "root.pem").write_text(root.to_pem())
    (tmp_path / "signed.xml").write_bytes(signed["card"])
    out = subprocess.run(
        ["xmlsec1", "--verify", "--trusted-pem", str(tmp_path / "root.pem"), str(tmp_path / "signed.xml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stderr


@pytest.mark.softhsm
def test_softhsm_ec_signer(softhsm_token: dict[str, str]) -> None:
    cert = Certificate.from_der(Path(softhsm_token["ec_cert"]).read_bytes())
    with Pkcs11Signer.open(
        softhsm_token["module"],
        token_label=softhsm_token["token_label"],
        pin=softhsm_token["pin"],
        key_label="ec",
        certificate=cert,
    ) as token:
        assert token.key_algorithm is KeyAlgorithm.EC
        signature = token.sign(b"data", SignatureAlgorithm.ECDSA_SHA256)
        assert signature[0] == 0x30
        verify_signature(cert.spki_der, signature, b"data", SignatureAlgorithm.ECDSA_SHA256)
        with pytest.raises(UnsupportedAlgorithm):
            token.sign(b"data", SignatureAlgorithm.RSA_SHA1)
        assert "123456" not in repr(token)


@pytest.mark.softhsm
def test_softhsm_errors_never_show_the_pin(softhsm_token: dict[str, str]) -> None:
    with pytest.raises(TokenError) as info:
        Pkcs11Signer.open(
            softhsm_token["module"], token_label=softhsm_token["token_label"], pin="999999", key_label="sign"
        )
    assert "999999" not in str(info.value)
    with pytest.raises(TokenError):
        Pkcs11Signer.open(softhsm_token["module"], token_label="nope", pin=softhsm_token["pin"], key_label="sign")
    with pytest.raises(TokenError, match="private keys"):
        Pkcs11Signer.open(
            softhsm_token["module"],
            token_label=softhsm_token["token_label"],
            pin=softhsm_token["pin"],
            key_label="missing",
        )
    with pytest.raises(ConfigurationError):
        Pkcs11Signer.open(softhsm_token["module"], token_label="x", pin="1")


def test_signers_satisfy_the_protocol(rsa_chain: TestChain) -> None:
    assert isinstance(rsa_chain.signer(), Signer)
    assert isinstance(_card_demo(), Signer)


@pytest.mark.parametrize("name", ["rsa_chain", "sm2_chain", "ec_chain"])
def test_in_memory_signer_algorithms(name: str, request: pytest.FixtureRequest) -> None:
    chain: TestChain = request.getfixturevalue(name)
    signer = chain.signer()
    assert isinstance(signer, InMemorySigner)
    algorithm = {
        KeyAlgorithm.RSA: SignatureAlgorithm.RSA_SHA256,
        KeyAlgorithm.SM2: SignatureAlgorithm.SM2_SM3,
        KeyAlgorithm.EC: SignatureAlgorithm.ECDSA_SHA256,
    }[signer.key_algorithm]
    signature = signer.sign(b"payload", algorithm)
    verify_signature(chain.leaf.spki_der, signature, b"payload", algorithm)
    other = next(a for a in SignatureAlgorithm if a.key_algorithm is not signer.key_algorithm)
    with pytest.raises(UnsupportedAlgorithm):
        signer.sign(b"payload", other)


def test_mismatched_certificate_is_refused(rsa_chain: TestChain, sm2_chain: TestChain) -> None:
    with pytest.raises(CertificateError):
        InMemorySigner(rsa_chain.leaf_key, sm2_chain.leaf)


def test_card_emulator_sm2_signs_xml() -> None:
    card = OperatorCard(InProcessTransport(demo_card()), key_algorithm=KeyAlgorithm.SM2)
    card.verify_pin(DEMO_PIN)
    signer = CardSigner(card)
    unsigned = remove_signature(samples.load("import/CEB311Message.xml").data)
    signed = sign_ceb(unsigned, signer, dialect=Dialect.SM2_SM3)
    result = verify_enveloped(signed, trust=PinnedCertificate(Certificate.from_der(signer.certificate_der)))
    assert result.dialect is Dialect.SM2_SM3


def test_load_private_key_formats(tmp_path: Path, rsa_chain: TestChain) -> None:
    rsa_pem = rsa_chain.leaf_key.private_bytes(  # type: ignore[union-attr]
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    assert load_private_key(rsa_pem).public_key().public_numbers() == rsa_chain.leaf_key.public_key().public_numbers()  # type: ignore[union-attr]
    subprocess.run(["openssl", "genpkey", "-algorithm", "SM2", "-out", str(tmp_path / "sm2.pem")], check=True)
    sm2 = load_private_key((tmp_path / "sm2.pem").read_bytes())
    assert isinstance(sm2, SM2PrivateKey)
    pub = subprocess.run(
        ["openssl", "pkey", "-in", str(tmp_path / "sm2.pem"), "-pubout", "-outform", "DER"],
        check=True,
        capture_output=True,
    ).stdout
    assert sm2.public_key().to_spki_der() == pub
    with pytest.raises(ConfigurationError) as info:
        load_private_key(b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
    assert "AAAA" not in str(info.value)
    (tmp_path / "k.pem").write_bytes(rsa_pem)
    (tmp_path / "c.pem").write_text(rsa_chain.leaf.to_pem())
    assert InMemorySigner.from_files(tmp_path / "k.pem", tmp_path / "c.pem").certificate == rsa_chain.leaf


@pytest.mark.pcscd
def test_card_through_real_pcscd_signs_byte_identical(pcscd_for_pki: None) -> None:
    """The demo card inserted into pcscd over vpcd, signing through PC/SC: same bytes as the in-memory key."""
    from eport.card import pcsc
    from eport.card.emulator import VpcdCard
    from tests.card.pcscd import READER, vpcd_port

    vpcd = VpcdCard(demo_card(), port=vpcd_port())
    vpcd.insert()
    try:
        pcsc.wait_for_card(READER, timeout=5)
        transport = pcsc.connect(READER)
        try:
            card = OperatorCard(transport, key_algorithm=KeyAlgorithm.RSA)
            card.verify_pin(DEMO_PIN)
            unsigned = remove_signature(samples.load("import/CEB621Message.xml").data)
            through_pcscd = sign_ceb(unsigned, CardSigner(card))
        finally:
            transport.close()
    finally:
        vpcd.remove()
        pcsc.wait_for_removal(READER, timeout=5)  # the next card must not race pcscd's 0.4 s poll
    assert through_pcscd == sign_ceb(unsigned, _memory_demo())
