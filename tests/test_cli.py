"""The console script and its top-level behaviour."""

from __future__ import annotations

import subprocess
import sys

from click.testing import CliRunner

from eport import __version__
from eport.cli.main import cli


def test_help_lists_areas() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for area in ("edi", "card", "pki"):
        assert area in result.output


def test_version() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.output


def test_console_script_runs_as_module() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", "import sys; sys.argv=['eport','--help']; from eport.cli import main; main()"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Usage" in proc.stdout
