"""Every ``eport`` command that reads files, given an empty file, a file that is neither XML nor UTF-8 text, a folder
with no files, or a path that does not exist: it fails with the one error line and a documented status, never with
a traceback, and never says "wrote", "valid" or "ok" for what it did not check."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization

from eport.cli._util import EXIT_BAD_SIGNATURE, EXIT_FAIL
from eport.cli.main import cli
from eport.errors import FieldError
from eport.pki.testing import TestChain
from eport.services.refund.lines import read_claim_lines, read_purchase_lines

ERROR_LINE = re.compile(r"^error: [A-Za-z_][A-Za-z0-9_]*: \S")
#: Bytes that are neither XML nor UTF-8 text (a NUL and a byte no UTF-8 text holds).
NOT_TEXT = b"hello, this is not XML\n\x00\xff\xfe"
SENDER, RECEIVER = "DXPENT0000012345", "DXPEDCEB0000002"


@pytest.fixture
def inputs(tmp_path: Path) -> dict[str, Path]:
    (tmp_path / "empty.xml").write_bytes(b"")
    (tmp_path / "binary.xml").write_bytes(NOT_TEXT)
    (tmp_path / "no-files").mkdir()
    (tmp_path / "records.jsonl").write_bytes(b"")
    return {
        "empty file": tmp_path / "empty.xml",
        "not XML, not UTF-8": tmp_path / "binary.xml",
        "folder with no files": tmp_path / "no-files",
        "missing path": tmp_path / "missing.xml",
    }


@pytest.fixture
def keys(tmp_path: Path, rsa_chain: TestChain) -> dict[str, Path]:
    cert, key = tmp_path / "leaf.pem", tmp_path / "leaf.key"
    cert.write_text(rsa_chain.leaf.to_pem())
    key.write_bytes(
        rsa_chain.leaf_key.private_bytes(  # type: ignore[union-attr]
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    source = tmp_path / "payload.xml"
    source.write_bytes(b'<?xml version="1.0" encoding="UTF-8"?><a>1</a>')
    return {"cert": cert, "key": key, "source": source, "store": tmp_path / "store", "out": tmp_path / "out"}


@pytest.fixture(scope="module")
def rsa_chain() -> TestChain:
    from eport.pki.testing import KeyAlgorithm, make_chain

    return make_chain(KeyAlgorithm.RSA)


# what each command is given: its arguments around the one bad path ``p``
COMMANDS: dict[str, Callable[[Path, dict[str, Path]], list[str]]] = {
    "edi validate": lambda p, k: ["edi", "validate", str(p)],
    "edi validate --json": lambda p, k: ["edi", "validate", "--json", str(p)],
    "edi show": lambda p, k: ["edi", "show", str(p)],
    "edi wrap": lambda p, k: [
        "edi",
        "wrap",
        str(p),
        "--sender-id",
        SENDER,
        "--receiver-id",
        RECEIVER,
        "-o",
        str(k["out"]),
    ],
    "edi unwrap": lambda p, k: ["edi", "unwrap", str(p), "-o", str(k["out"])],
    "edi import": lambda p, k: ["edi", "import", str(p), "--out", str(k["out"])],
    "edi import --mapping": lambda p, k: [
        "edi",
        "import",
        str(k["source"]),
        "--mapping",
        str(p),
        "--out",
        str(k["out"]),
    ],
    "pki show": lambda p, k: ["pki", "show", str(p)],
    "pki install-root": lambda p, k: ["pki", "install-root", str(p), "--store", str(k["store"])],
    "pki install-system-root --dry-run": lambda p, k: ["pki", "install-system-root", "--dry-run", str(p)],
    "pki verify-chain": lambda p, k: ["pki", "verify-chain", str(p), "--store", str(k["store"])],
    "pki sign-xml": lambda p, k: [
        "pki",
        "sign-xml",
        str(p),
        str(k["out"]),
        "--key",
        str(k["key"]),
        "--cert",
        str(k["cert"]),
    ],
    "pki sign-xml --key": lambda p, k: [
        "pki",
        "sign-xml",
        str(k["source"]),
        str(k["out"]),
        "--key",
        str(p),
        "--cert",
        str(k["cert"]),
    ],
    "pki sign-xml --cert": lambda p, k: [
        "pki",
        "sign-xml",
        str(k["source"]),
        str(k["out"]),
        "--key",
        str(k["key"]),
        "--cert",
        str(p),
    ],
    "pki verify-xml": lambda p, k: ["pki", "verify-xml", str(p), "--store", str(k["store"])],
    "pki verify-file": lambda p, k: ["pki", "verify-file", str(k["source"]), str(p), "--store", str(k["store"])],
    "refund check": lambda p, k: ["refund", "check", str(p), "--records", str(p.parent / "records.jsonl")],
    "refund check --records": lambda p, k: ["refund", "check", str(k["source"]), "--records", str(p)],
    "verification file --districts": lambda p, k: [
        "verification",
        "file",
        "000000001",
        "--port",
        "5300",
        "--districts",
        str(p),
        "--emulated",
    ],
}


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_bad_input_path_fails_with_the_error_line(
    command: str, inputs: dict[str, Path], keys: dict[str, Path]
) -> None:
    for what, path in inputs.items():
        result = CliRunner().invoke(cli, COMMANDS[command](path, keys), env={"EPORT_PIN": "00000000"})
        assert result.exception is None or isinstance(result.exception, SystemExit), (what, result.exception)
        assert result.exit_code in (EXIT_FAIL, EXIT_BAD_SIGNATURE), (what, result.exit_code, result.output)
        last = result.stderr.strip().splitlines()[-1]
        assert ERROR_LINE.match(last), (what, result.stderr)
        assert not keys["out"].exists(), (what, "wrote output for a bad input")


def test_wrap_names_the_msg_type_it_cannot_find(tmp_path: Path) -> None:
    payload = tmp_path / "report.pdf"
    payload.write_bytes(b"%PDF-1.4 \x00\xff")
    args = ["edi", "wrap", str(payload), "--sender-id", SENDER, "--receiver-id", RECEIVER]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == EXIT_FAIL
    assert result.stdout == ""  # no envelope with an empty MsgType
    assert result.stderr.strip().splitlines()[-1].startswith("error: ConfigurationError: ")
    assert "--msg-type" in result.stderr
    result = CliRunner().invoke(cli, [*args, "--msg-type", "PDF"])  # not UTF-8 text: no IsText UTF-8 label
    assert result.exit_code == EXIT_FAIL
    assert "--binary" in result.stderr
    result = CliRunner().invoke(cli, [*args, "--msg-type", "PDF", "--binary"])  # the user names it: wrapped as asked
    assert result.exit_code == 0
    assert "<MsgType>PDF</MsgType>" in result.stdout
    assert "IsText" not in result.stdout


@pytest.mark.parametrize("reader", [read_claim_lines, read_purchase_lines])
def test_a_csv_that_is_not_utf8_is_a_field_error(tmp_path: Path, reader: Callable[[Path], object]) -> None:
    path = tmp_path / "lines.csv"
    path.write_bytes("出口货物报关单号,进货凭证号\n".encode("gbk"))
    with pytest.raises(FieldError) as info:
        list(reader(path))  # type: ignore[call-overload]
    assert "UTF-8" in str(info.value)
    assert str(path) in str(info.value)
