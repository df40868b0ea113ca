"""The committed DecMessage models are exactly what ``tools/gen_dec.py`` generates from the reference tables."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests import reference

ROOT = Path(__file__).resolve().parents[2]


def test_generated_models_are_up_to_date(tmp_path: Path) -> None:
    reference.require("dec", "decmessage-structure.txt")
    reference.require("dec", "decmessage-fields.csv")
    out = tmp_path / "models.py"
    tool = str(ROOT / "tools" / "gen_dec.py")
    run = [sys.executable, tool, "--reference", str(reference.REFERENCE), "--out", str(out)]
    subprocess.run(run, check=True, capture_output=True)
    config = ["--config", str(ROOT / "pyproject.toml")]
    subprocess.run([sys.executable, "-m", "ruff", "check", "--fix", "-q", *config, str(out)], capture_output=True)
    subprocess.run([sys.executable, "-m", "ruff", "format", "-q", *config, str(out)], check=True, capture_output=True)
    assert out.read_text(encoding="utf-8") == (ROOT / "eport" / "edi" / "dec" / "models.py").read_text(encoding="utf-8")
