"""``eport pki`` end to end through the real command group (files in a temp dir)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization

from eport.cli.main import cli
from eport.pki.testing import TestChain
from eport.pki.xmldsig import remove_signature
from tests.edi import samples

from .conftest import write_pems


@pytest.fixture
def files(tmp_path: Path, rsa_chain: TestChain) -> dict[str, Path]:
    root, inter, leaf = write_pems(tmp_path, rsa_chain)
    key = tmp_path / "leaf.key"
    key.write_bytes(
        rsa_chain.leaf_key.private_bytes(  # type: ignore[union-attr]
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    xml = tmp_path / "621.xml"
    xml.write_bytes(remove_signature(samples.load("import/CEB621Message.xml").data))
    return {"root": root, "inter": inter, "leaf": leaf, "key": key, "xml": xml, "store": tmp_path / "store"}


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def test_install_list_export_remove(files: dict[str, Path], rsa_chain: TestChain, tmp_path: Path) -> None:
    store = str(files["store"])
    code, out = _run("pki", "install-root", str(files["root"]), "--store", store)
    assert code == 0, out
    assert rsa_chain.root.fingerprint() in out
    code, out = _run("pki", "install-root", str(files["leaf"]), "--store", store)
    assert code != 0
    code, out = _run("pki", "install-root", str(files["inter"]), "--store", store)
    assert "intermediate" in out
    code, out = _run("pki", "roots", "--store", store)
    assert rsa_chain.root.cert_no in out
    assert rsa_chain.intermediate.cert_no in out
    code, out = _run("pki", "export-roots", str(tmp_path / "bundle.pem"), "--store", store)
    assert code == 0
    assert (tmp_path / "bundle.pem").read_text() == rsa_chain.root.to_pem()
    code, out = _run("pki", "verify-chain", str(files["leaf"]), "--store", store)
    assert code == 0, out
    assert "chain OK" in out
    code, out = _run("pki", "remove-root", rsa_chain.intermediate.fingerprint()[:20], "--store", store)
    assert code == 0, out


def test_show(files: dict[str, Path]) -> None:
    code, out = _run("pki", "show", str(files["leaf"]))
    assert code == 0
    assert "测试进出口有限公司" in out
    assert "03-JJ0G900220752" in out


def test_sign_and_verify_xml(files: dict[str, Path], tmp_path: Path) -> None:
    store = str(files["store"])
    _run("pki", "install-root", str(files["root"]), "--store", store)
    signed = tmp_path / "signed.xml"
    code, out = _run(
        "pki", "sign-xml", str(files["xml"]), str(signed), "--key", str(files["key"]), "--cert", str(files["leaf"])
    )
    assert code == 0, out
    code, out = _run("pki", "verify-xml", str(signed), "--store", store, "--intermediate", str(files["inter"]))
    assert code == 0, out
    assert "signature OK (RSA_SHA1)" in out
    signed.write_bytes(signed.read_bytes().replace("李小宝".encode(), "张小宝".encode()))
    # through the console entry point: a bad signature exits with status 3 and one line on stderr
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "from eport.cli import main; main()",
            "pki",
            "verify-xml",
            str(signed),
            "--store",
            store,
            "--intermediate",
            str(files["inter"]),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 3, proc.stderr
    assert "InvalidSignature" in proc.stderr
    assert "digest mismatch" in proc.stderr


def test_sign_and_verify_file(files: dict[str, Path], tmp_path: Path) -> None:
    store = str(files["store"])
    _run("pki", "install-root", str(files["root"]), "--store", store)
    p7s = tmp_path / "x.p7s"
    code, out = _run(
        "pki", "sign-file", str(files["xml"]), str(p7s), "--key", str(files["key"]), "--cert", str(files["leaf"])
    )
    assert code == 0, out
    code, out = _run(
        "pki", "verify-file", str(files["xml"]), str(p7s), "--store", store, "--intermediate", str(files["inter"])
    )
    assert code == 0, out


def test_install_system_root_dry_run(files: dict[str, Path]) -> None:
    code, out = _run("pki", "install-system-root", str(files["root"]), "--dry-run")
    assert code == 0, out
    assert "update-ca-certificates" in out


def test_vectors_tool_and_sm2_cli_round_trip(tmp_path: Path) -> None:
    from tools.make_pki_vectors import main as make_vectors

    out = tmp_path / "vec"
    assert make_vectors([str(out), "--algorithm", "sm2"]) == 0
    store = str(tmp_path / "store")
    for name in ("root.pem", "intermediate.pem"):
        code, text = _run("pki", "install-root", str(out / name), "--store", store)
        assert code == 0, text
    unsigned = tmp_path / "311.xml"
    unsigned.write_bytes(remove_signature(samples.load("import/CEB311Message.xml").data))
    signed = tmp_path / "311.signed.xml"
    code, text = _run(
        "pki",
        "sign-xml",
        str(unsigned),
        str(signed),
        "--key",
        str(out / "leaf.key"),
        "--cert",
        str(out / "leaf.pem"),
        "--dialect",
        "sm2-w3c-sha1",
    )
    assert code == 0, text
    code, text = _run("pki", "verify-xml", str(signed), "--store", store)
    assert code != 0  # the W3C SM2 dialect is an explicit opt-in
    code, text = _run("pki", "verify-xml", str(signed), "--store", store, "--dialect", "sm2-w3c-sha1")
    assert code == 0, text
    assert "SM2_W3C_SHA1" in text


def test_verification_says_whether_revocation_was_checked(files: dict[str, Path], tmp_path: Path) -> None:
    """ "chain OK" / "signature OK" used to be all that was printed, whether or not revocation was looked at: offline
    it never is, and online an unknown status (no OCSP or CRL reachable) passed silently in soft-fail mode."""
    store = str(files["store"])
    _run("pki", "install-root", str(files["root"]), "--store", store)
    chain = ("pki", "verify-chain", str(files["leaf"]), "--store", store, "--intermediate", str(files["inter"]))
    code, out = _run(*chain)
    assert code == 0, out
    assert "revocation: not checked (offline; --online asks the certificate's OCSP responder or CRL)" in out
    code, out = _run(*chain, "--online")  # the test leaf names no OCSP responder and no CRL: nothing to ask
    assert code == 0, out
    assert "revocation: UNKNOWN, not verified: no OCSP or CRL available" in out
    assert "accepted in soft-fail mode; --require-revocation refuses it" in out
    code, out = _run(*chain, "--online", "--require-revocation")
    assert code == 1
    assert "chain OK" not in out
    assert "error: RevocationError: revocation status of" in out
    signed = tmp_path / "signed.xml"
    _run("pki", "sign-xml", str(files["xml"]), str(signed), "--key", str(files["key"]), "--cert", str(files["leaf"]))
    code, out = _run("pki", "verify-xml", str(signed), "--store", store, "--intermediate", str(files["inter"]))
    assert code == 0, out
    assert "revocation: not checked (offline" in out
    code, out = _run("pki", "verify-xml", str(signed), "--pin-cert", str(files["leaf"]))
    assert code == 0, out
    assert "revocation: not checked (a pinned certificate)" in out
    p7s = tmp_path / "x.p7s"
    _run("pki", "sign-file", str(files["xml"]), str(p7s), "--key", str(files["key"]), "--cert", str(files["leaf"]))
    verify_file = ("pki", "verify-file", str(files["xml"]), str(p7s), "--store", store, "--intermediate")
    code, out = _run(*verify_file, str(files["inter"]), "--online")
    assert code == 0, out
    assert "revocation: UNKNOWN, not verified" in out
