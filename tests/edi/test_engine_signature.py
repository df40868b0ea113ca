"""A signature made by xmlsec1 survives decode → encode: the re-encoded message still verifies (independent check)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import attrs
import pytest

from eport.edi import decode, encode
from eport.edi.ceb import imports
from tests.edi import samples
from tests.prerequisites import require_command

pytestmark = pytest.mark.xmlsec1

TEMPLATE = (
    b'<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo>'
    b'<ds:CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/>'
    b'<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>'
    b'<ds:Reference URI=""><ds:Transforms>'
    b'<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/></ds:Transforms>'
    b'<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue/></ds:Reference>'
    b"</ds:SignedInfo><ds:SignatureValue/><ds:KeyInfo><ds:X509Data><ds:X509Certificate/></ds:X509Data></ds:KeyInfo>"
    b"</ds:Signature>"
)


@pytest.fixture(scope="module")
def keypair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    require_command("xmlsec1", "openssl")
    folder = tmp_path_factory.mktemp("sigkeys")
    key, cert = folder / "key.pem", folder / "cert.pem"
    command = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert)]
    subprocess.run([*command, "-days", "2", "-subj", "/CN=eport test signer"], check=True, capture_output=True)
    return key, cert


def _sign(data: bytes, key: Path, cert: Path, folder: Path) -> bytes:
    template = folder / "template.xml"
    template.write_bytes(data)
    signed = folder / "signed.xml"
    subprocess.run(
        ["xmlsec1", "--sign", "--privkey-pem", f"{key},{cert}", "--output", str(signed), str(template)],
        check=True,
        capture_output=True,
    )
    return signed.read_bytes()


def _verify(data: bytes, cert: Path, folder: Path) -> subprocess.CompletedProcess[bytes]:
    path = folder / "check.xml"
    path.write_bytes(data)
    return subprocess.run(
        ["xmlsec1", "--verify", "--pubkey-cert-pem", str(cert), str(path)], capture_output=True, check=False
    )


def test_signed_sample_verifies_after_decode_and_encode(keypair: tuple[Path, Path], tmp_path: Path) -> None:
    key, cert = keypair
    message = decode(samples.load("import/CEB621Message.xml").data)
    unsigned = attrs.evolve(message, signature=TEMPLATE)
    signed = _sign(encode(unsigned), key, cert, tmp_path)
    assert _verify(signed, cert, tmp_path).returncode == 0

    decoded = decode(signed)
    assert decoded.signature is not None
    assert b"<ds:SignatureValue>" in decoded.signature
    again = encode(decoded)
    assert _verify(again, cert, tmp_path).returncode == 0, "the signature must survive decode → encode"
    assert samples.canonical(again) == samples.canonical(signed)
    assert decode(again) == decoded  # the signature bytes themselves are stable

    tampered = encode(attrs.evolve(decoded, base_transfer=attrs.evolve(decoded.base_transfer, dxp_id="OTHER")))
    assert _verify(tampered, cert, tmp_path).returncode != 0  # and the check is real


def test_signature_bytes_given_by_the_caller_are_emitted_verbatim() -> None:
    odd = TEMPLATE.replace(b"<ds:SignedInfo>", b"<ds:SignedInfo >\n  ")
    bt = imports.BaseTransfer(cop_code="1", cop_name="n", dxp_mode="DXP", dxp_id="1")
    out = encode(imports.CEB411Message(guid="G" * 36, version="1.0", payment=(), base_transfer=bt, signature=odd))
    assert out.endswith(odd + b"</ceb:CEB411Message>")
