"""Key hygiene: no private-key material (the raw scalar ``d``, primes, PEM body) and no token PIN in any repr, str,
exception or log record of eport.pki objects: in-memory signers (RSA, SM2, EC), SM2 keys, PKCS#11 signers, and the
errors raised for bad keys, wrong passwords, mismatched certificates and wrong PINs."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from eport.card import demo
from eport.errors import EportError
from eport.pki import sign_detached, sign_enveloped
from eport.pki.signer import SignatureAlgorithm
from eport.pki.signers import InMemorySigner, load_private_key
from eport.pki.sm2 import SM2PrivateKey
from eport.pki.testing import TestChain
from tests.pki.secrets_forms import assert_no_secret, describe, key_forms, pin_forms

DOC = b"<r><a>1</a></r>"


def _pem(key: object, password: bytes | None = None) -> bytes:
    if isinstance(key, SM2PrivateKey):
        return key.to_pem()
    encryption = serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
    return key.private_bytes(  # type: ignore[attr-defined, no-any-return]
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )


def _failures(chain: TestChain, other: TestChain, tmp_path: Path) -> list[Callable[[], object]]:
    """Operations on ``chain``'s key that must fail."""
    key = chain.leaf_key
    pem = _pem(key)
    lines = pem.splitlines()
    damaged = b"\n".join([*lines[:2], lines[2][:-4] + b"!!!!", *lines[3:]])
    (tmp_path / "key.pem").write_bytes(pem)
    (tmp_path / "other.pem").write_text(other.leaf.to_pem())
    wrong_algorithm = SignatureAlgorithm.RSA_SHA1 if isinstance(key, SM2PrivateKey) else SignatureAlgorithm.SM2_SM3
    failures: list[Callable[[], object]] = [
        lambda: InMemorySigner(key, other.leaf),
        lambda: InMemorySigner.from_files(tmp_path / "key.pem", tmp_path / "other.pem"),
        lambda: load_private_key(damaged),
        lambda: load_private_key(pem[: len(pem) // 2]),
        lambda: InMemorySigner(key, chain.leaf).sign(b"x", wrong_algorithm),
    ]
    if not isinstance(key, SM2PrivateKey):
        encrypted = _pem(key, b"right password")
        failures += [
            lambda: load_private_key(encrypted, b"wrong password"),
            lambda: load_private_key(encrypted),
        ]
    else:
        failures.append(lambda: SM2PrivateKey.from_bytes(key.to_bytes()[:31]))
    return failures


@pytest.mark.parametrize("which", ["rsa", "sm2", "ec"])
def test_no_key_material_anywhere(
    which: str,
    request: pytest.FixtureRequest,
    rsa_chain: TestChain,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(1)  # everything, TRAFFIC included
    chain: TestChain = request.getfixturevalue(f"{which}_chain")
    forms = key_forms(chain.leaf_key)
    assert forms  # the check has something to look for
    signer = InMemorySigner(chain.leaf_key, chain.leaf)
    texts = [repr(signer), str(signer), repr(chain), str(chain)]
    if isinstance(chain.leaf_key, SM2PrivateKey):
        texts += [repr(chain.leaf_key), str(chain.leaf_key), repr(chain.leaf_key.public_key())]
    loaded = InMemorySigner(load_private_key(_pem(chain.leaf_key)), chain.leaf)
    texts += [repr(loaded), str(loaded)]
    if which != "ec":  # customs XML-DSig has no EC dialect
        sign_enveloped(DOC, signer)
    sign_detached(DOC, signer)
    other = rsa_chain if which != "rsa" else request.getfixturevalue("ec_chain")
    for failure in _failures(chain, other, tmp_path):
        with pytest.raises(EportError) as info:
            failure()
        texts.append(describe(info.value))
    texts += [caplog.text, *(r.getMessage() for r in caplog.records)]
    assert_no_secret("\n".join(texts), forms)


def test_the_forms_are_found_when_present(sm2_chain: TestChain, rsa_chain: TestChain) -> None:
    """Control: the helper does see key material, so the test above can fail."""
    for key in (sm2_chain.leaf_key, rsa_chain.leaf_key):
        with pytest.raises(AssertionError, match="leaked"):
            assert_no_secret(_pem(key).decode(), key_forms(key))
    sm2 = sm2_chain.leaf_key
    assert isinstance(sm2, SM2PrivateKey)
    with pytest.raises(AssertionError, match="leaked"):
        assert_no_secret(f"value {int.from_bytes(sm2.to_bytes(), 'big')}", key_forms(sm2))


def test_pkcs11_signer_and_its_errors(softhsm_token: dict[str, str], caplog: pytest.LogCaptureFixture) -> None:
    from eport.pki.pkcs11 import Pkcs11Signer

    caplog.set_level(1)
    forms = key_forms(demo.signing_private_key()) + pin_forms(softhsm_token["pin"])
    texts: list[str] = []
    with Pkcs11Signer.open(
        softhsm_token["module"], token_label=softhsm_token["token_label"], pin=softhsm_token["pin"], key_label="sign"
    ) as signer:
        sign_enveloped(DOC, signer)
        texts += [repr(signer), str(signer)]
    wrong = "93715284"
    for attempt in (
        lambda: Pkcs11Signer.open(
            softhsm_token["module"], token_label=softhsm_token["token_label"], pin=wrong, key_label="sign"
        ),
        lambda: Pkcs11Signer.open(
            softhsm_token["module"], token_label=softhsm_token["token_label"], pin=softhsm_token["pin"], key_label="no"
        ),
    ):
        with pytest.raises(EportError) as info:
            attempt()
        texts.append(describe(info.value))
    texts += [caplog.text, *(r.getMessage() for r in caplog.records)]
    assert_no_secret("\n".join(texts), forms + pin_forms(wrong))


def test_logging_is_quiet_about_keys_at_every_level(rsa_chain: TestChain, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(1, logger="eport")
    logging.getLogger("eport").log(1, "probe")  # the capture works at this level
    signer = InMemorySigner(load_private_key(_pem(rsa_chain.leaf_key)), rsa_chain.leaf)
    sign_enveloped(DOC, signer)
    assert "probe" in caplog.text
    assert_no_secret(caplog.text, key_forms(rsa_chain.leaf_key))
