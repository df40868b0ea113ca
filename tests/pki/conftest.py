"""Shared PKI test material: E-Port-style chains built once per session (no real certificate ships with eport)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from eport.pki.signer import KeyAlgorithm
from eport.pki.testing import TestChain, make_chain


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
