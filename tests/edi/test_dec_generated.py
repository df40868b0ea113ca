"""The committed DecMessage models are exactly what ``tools/gen_dec.py`` generates from the reference tables."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = Path(os.environ.get("EPORT_REFERENCE", "/work/shared/reference"))


def test_generated_models_are_up_to_date(tmp_path: Path) -> None:
    if not (REFERENCE / "dec" / "decmessage-structure.txt").is_file():
        pytest.skip(f"reference tables not found under {REFERENCE}")
    out = tmp_path / "models.py"
    run = [sys.executable, str(ROOT / "tools" / "gen_dec.py"), "--reference", str(REFERENCE), "--out", str(out)]
    subprocess.run(run, check=True, capture_output=True)
    config = ["--config", str(ROOT / "pyproject.toml")]
    subprocess.run([sys.executable, "-m", "ruff", "check", "--fix", "-q", *config, str(out)], capture_output=True)
    subprocess.run([sys.executable, "-m", "ruff", "format", "-q", *config, str(out)], check=True, capture_output=True)
    assert out.read_text(encoding="utf-8") == (ROOT / "eport" / "edi" / "dec" / "models.py").read_text(encoding="utf-8")
