"""``eport pki verify-xml`` / ``verify-file`` on a file that is no XML (or no CMS SignedData): an input error (exit
status 1, ``error: SignatureFormatError: …`` naming the file), not "the signature does not verify" (status 3),
which stays for real verification failures: a changed document, a document without a signature, a damaged signature."""

# ruff: noqa: F811 - the files fixture is imported from test_cli and named as an argument

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from eport.cli._util import EXIT_BAD_SIGNATURE, EXIT_FAIL
from eport.cli.main import cli

from .test_cli import files  # noqa: F401 - the fixture

NOT_XML = {"empty": b"", "text": b"hello, not XML\n", "binary": bytes(range(256)), "truncated": b"<CEB621Message><a>"}


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def signed(files: dict[str, Path], tmp_path: Path) -> tuple[Path, Path, list[str]]:
    """A signed XML document, a detached signature of the unsigned one, and the trust options that verify both."""
    store = str(files["store"])
    assert _run("pki", "install-root", str(files["root"]), "--store", store)[0] == 0
    key = ["--key", str(files["key"]), "--cert", str(files["leaf"])]
    xml, p7s = tmp_path / "signed.xml", tmp_path / "x.p7s"
    assert _run("pki", "sign-xml", str(files["xml"]), str(xml), *key)[0] == 0
    assert _run("pki", "sign-file", str(files["xml"]), str(p7s), *key)[0] == 0
    return xml, p7s, ["--store", store, "--intermediate", str(files["inter"])]


@pytest.mark.parametrize("content", NOT_XML.values(), ids=NOT_XML.keys())
def test_verify_xml_of_no_xml_is_an_input_error(
    signed: tuple[Path, Path, list[str]], tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "input.xml"
    path.write_bytes(content)
    code, out, err = _run("pki", "verify-xml", str(path), *signed[2])
    assert code == EXIT_FAIL, err
    assert out == ""
    last = err.strip().splitlines()[-1]
    assert last.startswith(f"error: SignatureFormatError: {path}: not a well-formed XML document"), last


def test_verify_xml_still_exits_3_when_the_signature_does_not_verify(
    signed: tuple[Path, Path, list[str]], files: dict[str, Path], tmp_path: Path
) -> None:
    xml, _, trust = signed
    assert _run("pki", "verify-xml", str(xml), *trust)[0] == 0
    changed = tmp_path / "changed.xml"
    changed.write_bytes(xml.read_bytes().replace("李小宝".encode(), "张小宝".encode()))
    code, _, err = _run("pki", "verify-xml", str(changed), *trust)
    assert (code, "digest mismatch" in err) == (EXIT_BAD_SIGNATURE, True)
    code, _, err = _run("pki", "verify-xml", str(files["xml"]), *trust)  # well-formed, not signed
    assert code == EXIT_BAD_SIGNATURE, err


@pytest.mark.parametrize("content", [b"", b"hello, not CMS\n", b"-----BEGIN PKCS7-----\n", b"\x30\x03\x02\x01\x01"])
def test_verify_file_of_a_signature_that_is_no_cms_is_an_input_error(
    signed: tuple[Path, Path, list[str]], files: dict[str, Path], tmp_path: Path, content: bytes
) -> None:
    p7s = tmp_path / "input.p7s"
    p7s.write_bytes(content)
    code, out, err = _run("pki", "verify-file", str(files["xml"]), str(p7s), *signed[2])
    assert code == EXIT_FAIL, err
    assert out == ""
    assert err.strip().splitlines()[-1].startswith(f"error: SignatureFormatError: {p7s}: not a CMS SignedData (DER)")


def test_verify_file_still_exits_3_when_the_signature_does_not_verify(
    signed: tuple[Path, Path, list[str]], files: dict[str, Path], tmp_path: Path
) -> None:
    _, p7s, trust = signed
    assert _run("pki", "verify-file", str(files["xml"]), str(p7s), *trust)[0] == 0
    other = tmp_path / "other.xml"
    other.write_bytes(files["xml"].read_bytes() + b" ")
    code, _, err = _run("pki", "verify-file", str(other), str(p7s), *trust)
    assert (code, "digest mismatch" in err) == (EXIT_BAD_SIGNATURE, True)
    empty = tmp_path / "empty"
    empty.write_bytes(b"")  # empty data is data: its signature does not verify
    assert _run("pki", "verify-file", str(empty), str(p7s), *trust)[0] == EXIT_BAD_SIGNATURE
    damaged = tmp_path / "damaged.p7s"
    der = bytearray(p7s.read_bytes())
    der[-5] ^= 0xFF  # inside the signature value: still a SignedData, one that does not verify
    damaged.write_bytes(bytes(der))
    code, _, err = _run("pki", "verify-file", str(files["xml"]), str(damaged), *trust)
    assert code == EXIT_BAD_SIGNATURE, err
