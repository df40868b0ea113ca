"""docs/card.md and docs/pki.md are executable: every Python block runs as written, in order, in one namespace per
page (later blocks use names earlier ones defined), in a fresh interpreter.

The page runs against what the docs themselves point to instead of real hardware: the demo card inserted into a
private pcscd through vpcd (``eport card emulate``), the local signing service simulator (``eport card
simulate-service``; its address replaces ``ws://127.0.0.1:61232``, the one substitution made), a SoftHSM2 token
labelled ``eport`` holding the signing key, and a working directory with the files the page opens (a test chain from
:mod:`eport.pki.testing`, an unsigned official CEB621 sample). ``getpass.getpass`` answers the demo PIN. A fresh
interpreter keeps ``SOFTHSM2_CONF`` (read once per process by SoftHSM2) and the trust store apart from other tests.

A block that truly cannot run is marked in the markdown with ``<!-- docs-test: skip: <reason> -->`` on the line
before it; the reason is required.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from eport.card import pcsc
from eport.card.emulator import DEMO_PIN, VpcdCard, demo_card
from eport.card.simulator import LocalServiceSimulator
from eport.pki.pkcs11 import SOFTHSM2_MODULE
from eport.pki.signer import KeyAlgorithm
from eport.pki.testing import make_chain
from eport.pki.xmldsig import remove_signature
from tests.card.pcscd import READER, PcscdUnavailable, running_pcscd, vpcd_port
from tests.edi import samples
from tests.pki import softhsm
from tests.prerequisites import unavailable

DOCS = Path(__file__).resolve().parents[1] / "docs"
BLOCK = re.compile(r"(?:<!-- docs-test: skip: (?P<reason>[^>]*?) -->\n)?```python\n(?P<code>.*?)```", re.S)
LOCAL_SERVICE_URL = "ws://127.0.0.1:61232"
MAX_SKIPPED = 1  # per page: skipping is the exception

RUNNER = """
import getpass, json, os, sys
getpass.getpass = lambda prompt="": os.environ["EPORT_DOCS_PIN"]
namespace = {"__name__": "docs"}
for name, code in json.load(sys.stdin):
    print(f"--- {name}", flush=True)
    exec(compile(code, name, "exec"), namespace)
print("--- done", flush=True)
"""


def blocks(page: str, text: str | None = None) -> tuple[list[tuple[str, str]], list[str]]:
    """The runnable ``(name, code)`` blocks of ``docs/<page>`` (or of ``text``) and the reasons of the skipped ones."""
    runnable: list[tuple[str, str]] = []
    skipped: list[str] = []
    source = (DOCS / page).read_text(encoding="utf-8") if text is None else text
    for index, match in enumerate(BLOCK.finditer(source)):
        if match["reason"] is not None:
            skipped.append(match["reason"].strip())
        else:
            runnable.append((f"{page}[block {index + 1}]", match["code"]))
    return runnable, skipped


def run_page(page: str, cwd: Path, env: dict[str, str], replace: dict[str, str] | None = None) -> str:
    runnable, _ = blocks(page)
    for old, new in (replace or {}).items():
        runnable = [(name, code.replace(old, new)) for name, code in runnable]
    result = subprocess.run(
        [sys.executable, "-c", RUNNER],
        input=json.dumps(runnable),
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "EPORT_DOCS_PIN": DEMO_PIN, **env},
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, f"{page} failed:\n{result.stdout}\n{result.stderr}"
    print(result.stdout)  # shown by pytest on failure (and with -s)
    assert result.stdout.rstrip().endswith("--- done")
    return result.stdout


@pytest.mark.parametrize("page", ["card.md", "pki.md"])
def test_pages_have_blocks_and_few_skips(page: str) -> None:
    runnable, skipped = blocks(page)
    assert len(runnable) >= 3
    assert len(skipped) <= MAX_SKIPPED
    assert all(len(reason) > 10 for reason in skipped), "a skipped block needs its reason"


def test_the_skip_marker_is_recognised() -> None:
    text = (
        "intro\n```python\nprint(1)\n```\n"
        "<!-- docs-test: skip: needs a vendor card, no emulator speaks its commands -->\n```python\nboom()\n```\n"
        "```bash\nls\n```\n```python\nprint(3)\n```\n"
    )
    runnable, skipped = blocks("x.md", text)
    assert runnable == [("x.md[block 1]", "print(1)\n"), ("x.md[block 3]", "print(3)\n")]
    assert skipped == ["needs a vendor card, no emulator speaks its commands"]


# ----------------------------------------------------------------------------------------------- card.md
@pytest.fixture
def demo_card_in_reader(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The demo card inserted into the first vpcd reader of a (private) pcscd, as ``eport card emulate`` does."""
    try:
        with running_pcscd(tmp_path_factory.mktemp("pcscd")):
            card = VpcdCard(demo_card(), port=vpcd_port())
            card.insert()
            try:
                pcsc.wait_for_card(READER, timeout=5)
                yield
            finally:
                card.remove()
                pcsc.wait_for_removal(READER, timeout=5)
    except PcscdUnavailable as exc:
        unavailable(str(exc))


@pytest.mark.pcscd
def test_card_page_runs(demo_card_in_reader: None, tmp_path: Path) -> None:
    with LocalServiceSimulator(demo_card()) as simulator:
        out = run_page("card.md", tmp_path, {}, replace={LOCAL_SERVICE_URL: simulator.url})
    # block 1 (PC/SC), block 2 (vendor profile on the emulator), block 3 (local service simulator)
    assert "JJ0DEMO000001 演示操作员 Demo Operator" in out
    assert "tries left: 5" in out
    assert out.count("JJ0DEMO000001") == 3
    assert "JJ0DEMO000001 None" in out


# ----------------------------------------------------------------------------------------------- pki.md
@pytest.fixture
def pki_workdir(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """The files pki.md opens, a private trust store and a SoftHSM2 token ``eport`` with the signing key."""
    from cryptography.hazmat.primitives import serialization

    rsa, sm2 = make_chain(KeyAlgorithm.RSA), make_chain(KeyAlgorithm.SM2)
    (tmp_path / "ROOTCA.cer").write_bytes(rsa.root.der)
    (tmp_path / "EPORT-CA.cer").write_bytes(rsa.intermediate.der)
    (tmp_path / "cert.pem").write_text(rsa.leaf.to_pem())
    (tmp_path / "key.pem").write_bytes(
        rsa.leaf_key.private_bytes(  # type: ignore[union-attr]
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    (tmp_path / "sm2-cert.pem").write_text(sm2.leaf.to_pem())
    (tmp_path / "sm2-key.pem").write_bytes(sm2.leaf_key.to_pem())  # type: ignore[union-attr]
    (tmp_path / "CEB621.xml").write_bytes(remove_signature(samples.load("import/CEB621Message.xml").data))
    env = {"EPORT_TRUST_DIR": str(tmp_path / "trust")}
    if Path(SOFTHSM2_MODULE).exists():
        conf = softhsm.write_config(tmp_path / "softhsm")
        softhsm.init_token(conf, label="eport", pin=DEMO_PIN, so_pin="87654321")
        softhsm.import_key(
            conf, token="eport", pin=DEMO_PIN, key=rsa.leaf_key, label="sign", key_id="01", certificate_der=rsa.leaf.der
        )
        env["SOFTHSM2_CONF"] = str(conf)
    return tmp_path, env


def test_pki_page_runs(pki_workdir: tuple[Path, dict[str, str]]) -> None:
    workdir, env = pki_workdir
    if "SOFTHSM2_CONF" not in env:
        pytest.fail(f"{SOFTHSM2_MODULE} missing; run scripts/setup.sh")
    out = run_page("pki.md", workdir, env)
    assert "测试进出口有限公司" in out  # block 1 prints the enterprise name and certificate number
    assert out.count("--- pki.md[block") == len(blocks("pki.md")[0])
    assert len(list((workdir / "trust" / "roots").glob("*.pem"))) == 1  # block 1 installed the root …
    assert len(list((workdir / "trust" / "intermediates").glob("*.pem"))) == 1  # … and the CA
