"""Installing into the OS store: a sandboxed real update-ca-certificates run, then openssl trusts the chain."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest

from eport.errors import TrustStoreError
from eport.pki.system_store import install_into_system, plan_system_install, remove_from_system
from eport.pki.testing import TestChain

from .conftest import require_tool, write_pems


def _sandbox(tmp_path: Path) -> tuple[Path, list[str]]:
    conf = tmp_path / "ca-certificates.conf"
    conf.write_text("")
    for d in ("share", "local", "etc", "hooks"):
        (tmp_path / d).mkdir()
    command = [
        "update-ca-certificates",
        "--certsconf",
        str(conf),
        "--certsdir",
        str(tmp_path / "share"),
        "--localcertsdir",
        str(tmp_path / "local"),
        "--etccertsdir",
        str(tmp_path / "etc"),
        "--hooksdir",
        str(tmp_path / "hooks"),
    ]
    return tmp_path / "local", command


def test_debian_install_in_a_sandbox(tmp_path: Path, rsa_chain: TestChain) -> None:
    require_tool("update-ca-certificates")
    local, command = _sandbox(tmp_path)
    plan = install_into_system(rsa_chain.root, platform="debian", ca_dir=local, update_command=command)
    assert plan.target is not None
    assert plan.target.suffix == ".crt"
    assert plan.target.parent == local
    _, inter, leaf = write_pems(tmp_path, rsa_chain)
    out = subprocess.run(
        ["openssl", "verify", "-CApath", str(tmp_path / "etc"), "-untrusted", str(inter), str(leaf)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    removed = remove_from_system(rsa_chain.root, ca_dir=local, update_command=[*command, "--fresh"])
    assert not removed.exists()
    out = subprocess.run(
        ["openssl", "verify", "-CApath", str(tmp_path / "etc"), "-untrusted", str(inter), str(leaf)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode != 0


def test_windows_and_macos_plans(rsa_chain: TestChain) -> None:
    calls: list[tuple[str, ...]] = []

    def runner(command: Sequence[str], timeout: float) -> None:
        calls.append(tuple(command))
        assert Path(command[-1]).read_text().startswith("-----BEGIN CERTIFICATE-----")

    plan = install_into_system(rsa_chain.root, platform="windows", user_store=True, runner=runner)
    assert calls[0][:5] == ("certutil", "-user", "-addstore", "-f", "Root")
    assert plan.target is not None
    assert not plan.target.exists()  # temporary file removed afterwards
    mac = plan_system_install(rsa_chain.root, platform="macos")
    assert mac.commands[0][:2] == ("security", "add-trusted-cert")
    assert rsa_chain.root.fingerprint() in mac.describe()


def test_refuses_non_ca_and_reports_tool_failures(tmp_path: Path, rsa_chain: TestChain) -> None:
    with pytest.raises(TrustStoreError):
        plan_system_install(rsa_chain.leaf, platform="debian")
    with pytest.raises(TrustStoreError, match="not found"):
        install_into_system(rsa_chain.root, platform="debian", ca_dir=tmp_path, update_command=["no-such-tool-x"])
    with pytest.raises(TrustStoreError, match="not installed by eport"):
        remove_from_system(rsa_chain.intermediate, ca_dir=tmp_path)
