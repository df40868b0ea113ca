"""SM2: both backends against each other, against OpenSSL's command line, and against GB/T 32918 rules."""

from __future__ import annotations

import base64
import subprocess
from pathlib import Path

import pytest
from asn1crypto import keys as asn1_keys
from hypothesis import given
from hypothesis import strategies as st

from eport.errors import ConfigurationError, InvalidSignature
from eport.pki import sm2
from eport.pki.sm2 import SM2PrivateKey, SM2PublicKey, der_to_raw, raw_to_der
from tests.pki import openssl

BACKENDS = sm2.available_backends()
UID = b"1234567812345678"


def _openssl_key(tmp_path: Path) -> tuple[Path, Path, bytes]:
    """Generate an SM2 key with openssl; return (private pem, public pem, 32-byte scalar)."""
    priv = tmp_path / "sm2.key"
    pub = tmp_path / "sm2.pub"
    subprocess.run(["openssl", "genpkey", "-algorithm", "SM2", "-out", str(priv)], check=True)
    subprocess.run(["openssl", "pkey", "-in", str(priv), "-pubout", "-out", str(pub)], check=True)
    der = subprocess.run(["openssl", "pkey", "-in", str(priv), "-outform", "DER"], check=True, capture_output=True)
    scalar = asn1_keys.ECPrivateKey.load(der.stdout)["private_key"].native  # openssl writes SEC1 for SM2 keys
    return priv, pub, scalar.to_bytes(32, "big")


def test_backends_include_pure_python() -> None:
    assert "python" in BACKENDS


@pytest.mark.parametrize("backend", BACKENDS)
def test_our_signature_verifies_with_openssl_pkeyutl(tmp_path: Path, backend: str) -> None:
    _, pub_pem, scalar = _openssl_key(tmp_path)
    key = SM2PrivateKey.from_bytes(scalar, backend=backend)  # type: ignore[arg-type]
    message = "跨境电商 CEB311 message body".encode() * 10
    result = openssl.sm2_verify(tmp_path, pub_pem, message, key.sign(message))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Signature Verified Successfully" in result.stdout
    # and a wrong distinguishing ID must fail in openssl too
    assert openssl.sm2_verify(tmp_path, pub_pem, message, key.sign(message, uid=b"ALICE123@YAHOO.COM")).returncode != 0


@pytest.mark.parametrize("backend", BACKENDS)
def test_openssl_signature_verifies_with_us(tmp_path: Path, backend: str) -> None:
    priv_pem, _, scalar = _openssl_key(tmp_path)
    message = b"payExchangeInfoHead" * 7
    (tmp_path / "msg").write_bytes(message)
    subprocess.run(
        [
            "openssl",
            "pkeyutl",
            "-sign",
            "-inkey",
            str(priv_pem),
            "-rawin",
            "-digest",
            "sm3",
            "-pkeyopt",
            "distid:1234567812345678",
            "-in",
            str(tmp_path / "msg"),
            "-out",
            str(tmp_path / "sig"),
        ],
        check=True,
    )
    public = SM2PrivateKey.from_bytes(scalar).public_key()
    loaded = SM2PublicKey.from_bytes(public.to_bytes(), backend=backend)  # type: ignore[arg-type]
    signature = (tmp_path / "sig").read_bytes()
    loaded.verify(signature, message)
    with pytest.raises(InvalidSignature):
        loaded.verify(signature, message + b"x")
    with pytest.raises(InvalidSignature):
        loaded.verify(signature, message, uid=b"another-id")


def test_backends_cross_verify() -> None:
    if len(BACKENDS) < 2:
        pytest.skip("only the pure-Python backend is available")
    fast = SM2PrivateKey.generate(backend="openssl")
    slow = SM2PrivateKey.from_bytes(fast.to_bytes(), backend="python")
    assert fast.public_key() == slow.public_key()
    for signer, verifier in ((fast, slow), (slow, fast)):
        signature = signer.sign(b"data")
        verifier.public_key().verify(signature, b"data")
        with pytest.raises(InvalidSignature):
            verifier.public_key().verify(signature, b"date")


def test_gbt32918_public_key_derivation_known_answer() -> None:
    # GB/T 32918.5-2017 Annex A example key (sm2p256v1, the standard curve).
    d = bytes.fromhex("3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8")
    key = SM2PrivateKey.from_bytes(d, backend="python")
    assert key.public_key().to_bytes().hex().upper() == (
        "04"
        "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020"
        "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13"
    )


def test_signatures_are_randomised_and_nonce_independent() -> None:
    key = SM2PrivateKey.generate()
    assert key.sign(b"m") != key.sign(b"m")


@given(st.binary(max_size=300))
def test_pure_python_roundtrip_property(message: bytes) -> None:
    key = _PY_KEY
    signature = key.sign(message)
    key.public_key().verify(signature, message)
    assert len(der_to_raw(signature)) == 64
    assert raw_to_der(der_to_raw(signature)) == signature


_PY_KEY = SM2PrivateKey.generate(backend="python")


def test_malformed_signatures_are_rejected_without_crashing() -> None:
    public = SM2PrivateKey.generate().public_key()
    for bad in (b"", b"\x30\x00", b"\x30\x06\x02\x01\x00\x02\x01\x01", b"\x00" * 72, raw_to_der(b"\x00" * 64)):
        with pytest.raises(InvalidSignature):
            public.verify(bad, b"m")
    with pytest.raises(InvalidSignature):
        raw_to_der(b"\x01" * 63)


def test_invalid_keys_are_configuration_errors_without_key_material() -> None:
    with pytest.raises(ConfigurationError):
        SM2PrivateKey.from_bytes(b"\x01" * 31)
    with pytest.raises(ConfigurationError) as info:
        SM2PrivateKey.from_bytes(b"\xff" * 32)
    assert "ff" not in str(info.value).lower()
    with pytest.raises(ConfigurationError):
        SM2PublicKey.from_bytes(b"\x04" + b"\x01" * 64)
    with pytest.raises(ConfigurationError):
        SM2PrivateKey.generate(backend="nope")  # type: ignore[arg-type]


def test_repr_hides_private_key() -> None:
    key = SM2PrivateKey.generate()
    secret_hex = key.to_bytes().hex()
    text = repr(key)
    assert secret_hex[:8] not in text
    assert base64.b64encode(key.to_bytes()).decode()[:8] not in text
    assert "SM2PublicKey" in text


def test_spki_der_is_accepted_by_openssl(tmp_path: Path) -> None:
    key = SM2PrivateKey.generate()
    (tmp_path / "pub.der").write_bytes(key.public_key().to_spki_der())
    out = subprocess.run(
        ["openssl", "pkey", "-pubin", "-inform", "DER", "-in", str(tmp_path / "pub.der"), "-text", "-noout"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "SM2" in out


def test_pem_export_is_read_by_openssl_and_eport(tmp_path: Path) -> None:
    from eport.pki.signers import load_private_key

    key = SM2PrivateKey.generate()
    (tmp_path / "k.pem").write_bytes(key.to_pem())
    pub = subprocess.run(
        ["openssl", "pkey", "-in", str(tmp_path / "k.pem"), "-pubout", "-outform", "DER"],
        check=True,
        capture_output=True,
    ).stdout
    assert pub == key.public_key().to_spki_der()
    assert load_private_key(key.to_pem()) == key
