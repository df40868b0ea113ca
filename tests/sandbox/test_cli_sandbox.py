"""``eport sandbox`` as a user runs it: a foreground process that serves until SIGTERM."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.sandbox.process import free_port

pytestmark = pytest.mark.sandbox

EPORT = [sys.executable, "-c", "from eport.cli import main; main()"]


def test_help_touches_nothing(tmp_path: Path) -> None:
    result = subprocess.run([*EPORT, "sandbox", "--help"], capture_output=True, text=True, timeout=30, cwd=tmp_path)
    assert result.returncode == 0
    assert "--imp-path" in result.stdout
    assert list(tmp_path.iterdir()) == []


def test_eport_sandbox_serves_until_sigterm(tmp_path: Path) -> None:
    port = free_port()
    state = tmp_path / "state"
    process = subprocess.Popen(
        [*EPORT, "sandbox", "--state-dir", str(state), "--port", str(port), "--step-delay", "0.05"],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).ok:
                    break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "eport sandbox did not start"
                time.sleep(0.05)
        assert (state / "ImpPath" / "CEB" / "OutBox").is_dir()
        assert (state / "sandbox.sqlite3").is_file()
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=20)
    assert process.returncode == 0
    assert f"listening on http://127.0.0.1:{port}" in stderr
    assert "stopped" in stderr


def test_bad_option_is_a_usage_error(tmp_path: Path) -> None:
    result = subprocess.run(
        [*EPORT, "sandbox", "--state-dir", str(tmp_path), "--inspection-share", "2", "--port", str(free_port())],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1
    assert "inspection_share must be between 0 and 1" in result.stderr


def _serve_once(command: list[str], port: int, state: Path) -> tuple[int, str]:
    process = subprocess.Popen(
        [*command, "--state-dir", str(state), "--port", str(port), "--step-delay", "0.05"],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).ok:
                    break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, f"{command} did not start"
                time.sleep(0.05)
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=20)
    return process.returncode, stderr


def test_python_m_eport_sandbox_prints_what_eport_sandbox_prints(tmp_path: Path) -> None:
    # Before: python -m eport.sandbox printed nothing at all.
    port = free_port()
    cli_status, cli_out = _serve_once([*EPORT, "sandbox"], port, tmp_path / "state")
    module_status, module_out = _serve_once([sys.executable, "-m", "eport.sandbox"], port, tmp_path / "state")
    assert cli_status == module_status == 0
    assert module_out == cli_out
    assert module_out.splitlines() == [
        f"eport sandbox listening on http://127.0.0.1:{port} (OpenAPI: http://127.0.0.1:{port}/openapi.json)",
        f"file exchange: {tmp_path / 'state' / 'ImpPath'}/{{CEB,DecCus001,Rmft}}/OutBox; demo enterprise DXP id "
        "DXPENT0000000001",
        f"state: {tmp_path / 'state' / 'sandbox.sqlite3'}; stop with Ctrl-C",
        "eport sandbox stopped",
    ]
