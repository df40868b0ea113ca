"""A missing prerequisite (the reference set, a tool, an extra) skips locally and fails in CI; nothing vanishes."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

PROBE = """
from tests import reference
from tests.edi import samples
from tests.prerequisites import require_command


def test_needs_the_reference():
    reference.require("dec", "decmessage-structure.txt")


def test_needs_a_sample():
    samples.load("import/CEB621Message.xml")


def test_needs_a_command():
    require_command("no-such-command-for-eport-tests")
"""


def _run(tmp_path: Path, *args: str, ci: bool, reference: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env.update(EPORT_REFERENCE=str(reference), PYTHONPATH=str(ROOT))
    if ci:
        env["CI"] = "true"
    command = [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", "-o", "addopts=", *args]
    return subprocess.run(command, capture_output=True, text=True, check=False, cwd=tmp_path, env=env, timeout=120)


@pytest.mark.parametrize("ci", [False, True], ids=["local", "ci"])
def test_a_missing_reference_skips_locally_and_fails_in_ci(tmp_path: Path, ci: bool) -> None:
    (tmp_path / "test_probe.py").write_text(PROBE, encoding="utf-8")
    proc = _run(tmp_path, "test_probe.py", ci=ci, reference=tmp_path / "nowhere")
    summary = proc.stdout.strip().splitlines()[-1]
    if ci:
        assert proc.returncode == 1, proc.stdout
        assert re.match(r"3 failed in ", summary), summary
        assert proc.stdout.count("CI is set: a missing prerequisite fails the run") >= 3
    else:
        assert proc.returncode == 0, proc.stdout
        assert re.match(r"3 skipped in ", summary), summary
        assert "reference file dec/decmessage-structure.txt not found under" in proc.stdout
        assert "set EPORT_REFERENCE" in proc.stdout


def test_the_same_sample_tests_are_collected_without_the_reference(tmp_path: Path) -> None:
    def collected(reference: Path) -> list[str]:
        proc = _run(ROOT, "--co", "tests/edi/test_ceb_samples.py", ci=False, reference=reference)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        return [line for line in proc.stdout.splitlines() if "::" in line]

    without = collected(tmp_path / "nowhere")
    assert len(without) > 60  # every official sample is a case, present or not
    from tests import reference

    if reference.available("ceb", "samples202205"):
        assert collected(reference.REFERENCE) == without
