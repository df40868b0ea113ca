"""Shared PKI test material: E-Port-style chains built once per session (no real certificate ships with eport)."""

from __future__ import annotations

import functools
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from eport.pki.signer import KeyAlgorithm
from eport.pki.testing import TestChain, issue_certificate, make_chain, new_key


@pytest.fixture(scope="session")
def rsa_chain() -> TestChain:
    return make_chain(KeyAlgorithm.RSA)


@pytest.fixture(scope="session")
def sm2_chain() -> TestChain:
    return make_chain(KeyAlgorithm.SM2)


@pytest.fixture(scope="session")
def ec_chain() -> TestChain:
    return make_chain(KeyAlgorithm.EC)


@pytest.fixture(scope="session")
def sha1_chain() -> TestChain:
    return make_chain(KeyAlgorithm.RSA, legacy_sha1=True)


def write_pems(directory: Path, chain: TestChain) -> tuple[Path, Path, Path]:
    """Write root, intermediate and leaf PEM files; return their paths."""
    paths = []
    for name, cert in (("root", chain.root), ("inter", chain.intermediate), ("leaf", chain.leaf)):
        path = directory / f"{name}.pem"
        path.write_text(cert.to_pem())
        paths.append(path)
    return paths[0], paths[1], paths[2]


def require_tool(name: str) -> str:
    """Return the path of a command-line tool, or fail (CI installs them via scripts/setup.sh)."""
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed; run scripts/setup.sh")
    return path


SOFTHSM_PIN = "123456"
SOFTHSM_SO_PIN = "12345678"


@pytest.fixture(scope="session")
def softhsm_token(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A SoftHSM2 token in a temp dir holding the card demo RSA key and certificate (label/id ``sign``/01)
    and an EC P-256 key (``ec``/02). Yields the settings for :meth:`Pkcs11Signer.open`."""
    import os

    from cryptography.hazmat.primitives import serialization

    from eport.card import demo
    from eport.pki.pkcs11 import SOFTHSM2_MODULE

    require_tool("softhsm2-util")
    require_tool("pkcs11-tool")
    if not Path(SOFTHSM2_MODULE).exists():
        pytest.fail(f"{SOFTHSM2_MODULE} missing; run scripts/setup.sh")
    base = tmp_path_factory.mktemp("softhsm")
    (base / "tokens").mkdir()
    conf = base / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {base / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n"
        "slots.removable = false\n"
    )
    old = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    key_pem = base / "sign.key"
    key_pem.write_bytes(
        demo.signing_private_key().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    (base / "sign.der").write_bytes(demo.signing_certificate_der())
    ec_key = new_key(KeyAlgorithm.EC)
    (base / "ec.key").write_bytes(
        ec_key.private_bytes(  # type: ignore[union-attr]
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    run = functools.partial(subprocess.run, check=True, capture_output=True)
    run(
        [
            "softhsm2-util",
            "--init-token",
            "--free",
            "--label",
            "eport-test",
            "--so-pin",
            SOFTHSM_SO_PIN,
            "--pin",
            SOFTHSM_PIN,
        ]
    )
    run(
        [
            "softhsm2-util",
            "--import",
            str(key_pem),
            "--token",
            "eport-test",
            "--label",
            "sign",
            "--id",
            "01",
            "--pin",
            SOFTHSM_PIN,
        ]
    )
    run(
        [
            "softhsm2-util",
            "--import",
            str(base / "ec.key"),
            "--token",
            "eport-test",
            "--label",
            "ec",
            "--id",
            "02",
            "--pin",
            SOFTHSM_PIN,
        ]
    )
    run(
        [
            "pkcs11-tool",
            "--module",
            SOFTHSM2_MODULE,
            "--token-label",
            "eport-test",
            "--login",
            "--pin",
            SOFTHSM_PIN,
            "--write-object",
            str(base / "sign.der"),
            "--type",
            "cert",
            "--label",
            "sign",
            "--id",
            "01",
        ]
    )
    ec_cert = issue_certificate(
        subject={"common_name": "ec-token"}, subject_key=ec_key, issuer_key=ec_key, key_usage={"digital_signature"}
    )
    (base / "ec.der").write_bytes(ec_cert.der)
    yield {
        "module": SOFTHSM2_MODULE,
        "token_label": "eport-test",
        "pin": SOFTHSM_PIN,
        "ec_cert": str(base / "ec.der"),
        "ec_key": str(base / "ec.key"),
    }
    if old is None:
        os.environ.pop("SOFTHSM2_CONF", None)
    else:
        os.environ["SOFTHSM2_CONF"] = old


@pytest.fixture(scope="session")
def pcscd_for_pki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """A pcscd with vpcd readers, from the card area's helper (tests/card/pcscd.py): one daemon per process,
    shared with the card tests and benchmarks whatever order they run in."""
    from tests.card.pcscd import PcscdUnavailable, running_pcscd

    try:
        with running_pcscd(tmp_path_factory.mktemp("pcscd")):
            yield
    except PcscdUnavailable as exc:
        pytest.skip(str(exc))
