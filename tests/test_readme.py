"""The README's Python snippet runs as written: against the demo card inserted into pcscd through vpcd (what
``eport card emulate`` does), the PIN typed at the ``getpass`` prompt, in a fresh interpreter."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from eport.card.emulator import DEMO_PIN
from tests.test_docs_card_pki import RUNNER, demo_card_in_reader  # noqa: F401 - the fixture

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_the_readme_has_one_python_snippet_and_keeps_its_two_commands() -> None:
    assert len(BLOCKS) == 1
    text = README.read_text(encoding="utf-8")
    assert "bash scripts/demo.sh" in text
    assert "bash scripts/test.sh" in text
    assert "not yet verified on a real E-Port card" in text


@pytest.mark.pcscd
@pytest.mark.usefixtures("demo_card_in_reader")
def test_the_readme_snippet_runs_as_written(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", RUNNER],
        input=json.dumps([("README.md", BLOCKS[0])]),
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "EPORT_DOCS_PIN": DEMO_PIN},
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-2:] == ["True", "--- done"]  # validated after signing: report.ok
    assert DEMO_PIN not in result.stdout + result.stderr
