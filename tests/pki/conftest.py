"""Shared PKI test material: E-Port-style chains built once per session (no real certificate ships with eport)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from eport.pki.signer import KeyAlgorithm
from eport.pki.testing import TestChain, issue_certificate, make_chain, new_key
from tests.prerequisites import unavailable


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

    from eport.card import demo
    from eport.pki.pkcs11 import SOFTHSM2_MODULE
    from tests.pki import softhsm

    require_tool("softhsm2-util")
    require_tool("pkcs11-tool")
    if not Path(SOFTHSM2_MODULE).exists():
        pytest.fail(f"{SOFTHSM2_MODULE} missing; run scripts/setup.sh")
    base = tmp_path_factory.mktemp("softhsm")
    conf = softhsm.write_config(base)
    old = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    token = "eport-test"
    softhsm.init_token(conf, label=token, pin=SOFTHSM_PIN, so_pin=SOFTHSM_SO_PIN)
    softhsm.import_key(
        conf,
        token=token,
        pin=SOFTHSM_PIN,
        key=demo.signing_private_key(),
        label="sign",
        key_id="01",
        certificate_der=demo.signing_certificate_der(),
    )
    ec_key = new_key(KeyAlgorithm.EC)
    softhsm.import_key(conf, token=token, pin=SOFTHSM_PIN, key=ec_key, label="ec", key_id="02")
    ec_cert = issue_certificate(
        subject={"common_name": "ec-token"}, subject_key=ec_key, issuer_key=ec_key, key_usage={"digital_signature"}
    )
    (base / "ec.der").write_bytes(ec_cert.der)
    yield {
        "module": SOFTHSM2_MODULE,
        "token_label": token,
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
        unavailable(str(exc))
