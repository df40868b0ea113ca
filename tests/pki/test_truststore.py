"""The managed trust store and the explicit operating-system store install (sandboxed update-ca-certificates)."""

from __future__ import annotations

from pathlib import Path

import pytest

from eport.errors import TrustStoreError
from eport.pki.certs import load_pem_certificates
from eport.pki.testing import TestChain
from eport.pki.truststore import Role, TrustStore, default_trust_dir


def test_install_list_remove_export(tmp_path: Path, rsa_chain: TestChain, sm2_chain: TestChain) -> None:
    store = TrustStore(tmp_path / "trust")
    entry = store.install(rsa_chain.root.to_pem().encode())
    assert entry.role is Role.ROOT
    assert entry.fingerprint == rsa_chain.root.fingerprint()
    assert entry.path.is_file()
    assert store.install(rsa_chain.root).path == entry.path  # idempotent
    inter = store.install(rsa_chain.intermediate.der)
    assert inter.role is Role.INTERMEDIATE
    store.install(sm2_chain.root)
    assert {c.der for c in store.roots()} == {rsa_chain.root.der, sm2_chain.root.der}
    assert store.intermediates() == [rsa_chain.intermediate]
    bundle = store.pem_bundle()
    assert {c.der for c in load_pem_certificates(bundle.encode())} == {rsa_chain.root.der, sm2_chain.root.der}
    full = store.export(tmp_path / "all.pem", include_intermediates=True)
    assert len(load_pem_certificates(full.read_bytes())) == 3
    removed = store.remove(sm2_chain.root.fingerprint()[:11])
    assert removed.certificate == sm2_chain.root
    assert store.roots() == [rsa_chain.root]


def test_refuses_non_ca(tmp_path: Path, rsa_chain: TestChain) -> None:
    store = TrustStore(tmp_path)
    with pytest.raises(TrustStoreError, match="not a CA"):
        store.install(rsa_chain.leaf)
    assert list(store.entries()) == []


def test_refuses_intermediate_as_root(tmp_path: Path, rsa_chain: TestChain) -> None:
    with pytest.raises(TrustStoreError, match="as a root"):
        TrustStore(tmp_path).install(rsa_chain.intermediate, role=Role.ROOT)


def test_remove_ambiguous_or_missing(tmp_path: Path, rsa_chain: TestChain) -> None:
    store = TrustStore(tmp_path)
    store.install(rsa_chain.root)
    store.install(rsa_chain.intermediate)
    with pytest.raises(TrustStoreError):
        store.remove("")  # matches both
    with pytest.raises(TrustStoreError):
        store.remove("ffff")


def test_damaged_file_is_reported(tmp_path: Path, rsa_chain: TestChain) -> None:
    store = TrustStore(tmp_path)
    store.install(rsa_chain.root)
    (tmp_path / "roots" / "bad.pem").write_text("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
    with pytest.raises(TrustStoreError, match="damaged"):
        store.roots()


def test_default_location_is_overridable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("EPORT_TRUST_DIR", str(tmp_path / "x"))
    assert default_trust_dir() == tmp_path / "x"
    monkeypatch.delenv("EPORT_TRUST_DIR")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    assert default_trust_dir() == tmp_path / "cfg" / "eport" / "trust"
