"""Every page of docs/ runs as written: generic over all pages, so new pages are covered without a new test.

For each page (``docs/**/*.md``) the Python blocks run in order, in one namespace, in a fresh interpreter whose
working folder holds the example files the pages open (:data:`EXAMPLE_FILES`, listed in docs/index.md "About the
examples"). Markers, each an HTML comment on the line before a fenced block:

- ``<!-- docs-test: skip: <reason> -->`` before a Python block: not run (it needs a real card or the network);
  the reason is required.
- ``<!-- docs-test: background -->`` before a bash block: the test runs its command in the background for the
  page (a real process, e.g. the sandbox) and stops it afterwards, waiting first for the port it listens on.

The one substitution: ``/tmp/`` becomes the page's own temporary folder and the documented port ``8730`` a free
port, in both the background command and the Python blocks, so pages never touch shared paths or ports.

Shell blocks (bash, console) are not run; every ``eport …`` command in them must name an existing command and
existing options of the click tree. card.md and pki.md need an emulated card in pcscd and a SoftHSM2 token; they
run in ``tests/test_docs_card_pki.py``, getting-started.md in ``tests/test_getting_started.py``.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import click
import pytest

from eport import edi, examples
from eport.cli.main import cli

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PAGES = sorted(str(p.relative_to(DOCS)) for p in DOCS.rglob("*.md"))
DEDICATED = {
    "card.md": "tests/test_docs_card_pki.py",
    "pki.md": "tests/test_docs_card_pki.py",
    "getting-started.md": "tests/test_getting_started.py",
}
FENCE = re.compile(r"(?:<!-- docs-test: (?P<marker>[^>]*?) -->\n)?```(?P<lang>[a-z]*)\n(?P<code>.*?)```", re.S)
PORT = "8730"
RUNNER = """
import json, sys
namespace = {"__name__": "docs"}
for name, code in json.load(sys.stdin):
    print(f"--- {name}", flush=True)
    exec(compile(code, name, "exec"), namespace)
print("--- done", flush=True)
"""


def fences(page: str) -> list[tuple[str, str, str]]:
    """``(language, marker, code)`` of every fenced block of ``docs/<page>``."""
    text = (DOCS / page).read_text(encoding="utf-8")
    return [(m["lang"], (m["marker"] or "").strip(), m["code"]) for m in FENCE.finditer(text)]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# ---------------------------------------------------------------------------------------------- example files
def _dec_result() -> bytes:
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<DEC_RESULT><CUS_CIQ_NO>I20180000147015879</CUS_CIQ_NO>'
        b"<ENTRY_ID>530120181000123456</ENTRY_ID><NOTICE_DATE>2018-12-12T14:40:43</NOTICE_DATE><CHANNEL>P</CHANNEL>"
        b"<NOTE>\xe6\xb5\xb7\xe5\x85\xb3\xe5\xb7\xb2\xe6\x94\xbe\xe8\xa1\x8c</NOTE></DEC_RESULT>"
    )


def _code_tables() -> str:
    rows = ["cit_currency,币制,142,人民币,CNY", "cit_currency,币制,502,美元,USD", "cit_currency,币制,999,测试币,XTS"]
    return "dict_code,dict_name,code,text,description\n" + "\n".join(rows) + "\n"


def _waybills(path: Path) -> None:
    import openpyxl

    from tests.edi.sheet_data import as_matrix, waybill_rows

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "运单"
    for line in as_matrix(waybill_rows(6, with_errors=True)):
        sheet.append(line)
    book.save(path)


def _signed_inventory() -> bytes:
    from eport.card import demo
    from eport.pki.ceb import sign_ceb
    from eport.pki.signers import InMemorySigner

    signer = InMemorySigner(demo.signing_private_key(), demo.signing_certificate_der())
    return sign_ceb(edi.encode(examples.inventory()), signer)


def _official(key: str) -> bytes:
    from tests.edi.samples import load

    return load(key).data


#: The files the pages open, as a user following along would have them: file name → writer.
EXAMPLE_FILES = {
    "CEB621Message.xml": lambda path: path.write_bytes(_signed_inventory()),
    "CEB622Message.xml": lambda path: path.write_bytes(_official("import/CEB622Message.xml")),
    "CEB303Message.xml": lambda path: path.write_bytes(_official("export/CEB303Message.xml")),
    "Dec202401050000000001.xml": lambda path: path.write_bytes(
        (ROOT / "tests" / "edi" / "data" / "dec" / "dec_import_air_full.xml").read_bytes()
    ),
    "MT9999_reply.xml": lambda path: path.write_bytes(
        (ROOT / "tests" / "edi" / "data" / "manifest" / "mt9999_response.xml").read_bytes()
    ),
    "Receipt_I20180000147015879.xml": lambda path: path.write_bytes(_dec_result()),
    "my-tables.csv": lambda path: path.write_text(_code_tables(), encoding="utf-8"),
    "waybills.xlsx": _waybills,
}


# --------------------------------------------------------------------------------------------- running a page
def _wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, f"background command exited with {process.returncode}"
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError(f"nothing listens on {port} after {timeout} s")


@contextmanager
def _background(command: str, cwd: Path, port: int) -> Iterator[subprocess.Popen[bytes]]:
    """Run a documented shell command (``python -m eport.sandbox … &``) until the block ends."""
    lines = [line.split("#", 1)[0].strip().removesuffix("&").strip() for line in command.splitlines()]
    argv = shlex.split(" ".join(line for line in lines if line))
    if argv[0] == "python":
        argv[0] = sys.executable
    elif argv[0] == "eport":
        argv = [sys.executable, "-c", "from eport.cli import main; main()", *argv[1:]]
    log = (cwd / "background.log").open("wb")
    process = subprocess.Popen(argv, cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_for_port(port, process)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
        log.close()


def run_page(page: str, workdir: Path) -> str:
    """Run the Python blocks of ``page`` in ``workdir`` (with its background commands); return the output."""
    tmp = workdir / "tmp"
    tmp.mkdir()
    port = _free_port()

    def substitute(code: str) -> str:
        return code.replace("/tmp/", f"{tmp}/").replace(PORT, str(port))

    blocks = [
        (f"{page}[block {i + 1}]", substitute(code))
        for i, (lang, marker, code) in enumerate(fences(page))
        if lang == "python" and not marker.startswith("skip:")
    ]
    backgrounds = [substitute(code) for lang, marker, code in fences(page) if marker == "background"]
    assert len(backgrounds) <= 1, "one background command per page"
    with ExitStack() as stack:
        for command in backgrounds:
            stack.enter_context(_background(command, workdir, port))
        result = subprocess.run(
            [sys.executable, "-c", RUNNER],
            input=json.dumps(blocks),
            capture_output=True,
            text=True,
            cwd=workdir,
            env={**os.environ, "MPLBACKEND": "Agg"},
            timeout=180,
            check=False,
        )
    assert result.returncode == 0, f"{page} failed:\n{result.stdout[-3000:]}\n{result.stderr[-5000:]}"
    assert result.stdout.rstrip().endswith("--- done")
    return result.stdout


GENERIC = [page for page in PAGES if page not in DEDICATED]


@pytest.mark.parametrize("page", GENERIC)
def test_page_runs_as_written(page: str, tmp_path: Path) -> None:
    for name, write in EXAMPLE_FILES.items():
        write(tmp_path / name)
    out = run_page(page, tmp_path)
    runnable = [f for f in fences(page) if f[0] == "python" and not f[1].startswith("skip:")]
    assert out.count(f"--- {page}[block") == len(runnable)


def test_every_page_is_covered() -> None:
    for page, test in DEDICATED.items():
        assert (DOCS / page).is_file(), page
        assert page in (ROOT / test).read_text(encoding="utf-8"), f"{test} does not run {page}"
    assert set(GENERIC) | set(DEDICATED) == set(PAGES)


@pytest.mark.parametrize("page", PAGES)
def test_markers_are_known_and_skips_have_reasons(page: str) -> None:
    for lang, marker, _ in fences(page):
        if not marker:
            continue
        if marker.startswith("skip:"):
            assert lang == "python"
            assert len(marker.removeprefix("skip:").strip()) > 10, f"{page}: a skipped block needs its reason"
        else:
            assert marker == "background", f"{page}: unknown marker {marker!r}"
            assert lang == "bash"


# ------------------------------------------------------------------------------------------------ shell blocks
def _eport_commands(page: str) -> Iterator[list[str]]:
    for lang, _, code in fences(page):
        if lang not in ("bash", "console", "sh", "shell"):
            continue
        for raw in code.splitlines():
            line = raw.removeprefix("$ ").split("#", 1)[0].strip().removesuffix("&").strip()
            words = shlex.split(line) if line else []
            if words[:1] == ["sudo"]:
                words = words[1:]
            if words[:1] == ["eport"]:
                yield words[1:]


def _check_command(words: list[str]) -> None:
    command: click.Command = cli
    rest = list(words)
    while isinstance(command, click.Group) and rest and not rest[0].startswith("-"):
        name = rest.pop(0)
        sub = command.get_command(click.Context(command), name)
        assert sub is not None, f"eport has no command {name!r} ({' '.join(words)})"
        command = sub
    known = {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)}
    known |= {"--help", "-h", "--version", "--debug"}
    for word in rest:
        if word.startswith("-") and word != "-" and not word.startswith("[-"):
            assert word.split("=", 1)[0] in known, f"unknown option {word} in `eport {' '.join(words)}`"


@pytest.mark.parametrize("page", PAGES)
def test_shell_blocks_name_real_commands_and_options(page: str) -> None:
    for words in _eport_commands(page):
        _check_command([w for w in words if not w.startswith("[")])
