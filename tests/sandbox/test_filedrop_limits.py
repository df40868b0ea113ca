"""The OutBox watcher refuses an oversize file from its size, before reading it (issue #12, item 9), in process:
the end-to-end quarantine of every poison kind is in ``test_http_wire.py`` against the sandbox process."""

from __future__ import annotations

from pathlib import Path

from eport.sandbox import Sandbox, SandboxConfig
from eport.sandbox.filedrop import FolderWatcher, make_folders


def test_a_huge_outbox_file_is_quarantined_without_being_read(tmp_path: Path) -> None:
    sandbox = Sandbox(SandboxConfig(state_dir=tmp_path / "state", port=0, poll_interval=3600.0))  # not started
    imp_path = tmp_path / "ImpPath"
    make_folders(imp_path)
    huge = imp_path / "CEB" / "OutBox" / "huge.xml"
    with open(huge, "wb") as handle:
        handle.truncate(2**40)  # 1 TiB on paper (sparse): reading it whole would exhaust memory
    try:
        assert FolderWatcher(sandbox.engine, imp_path, 3600.0).scan() == 1
    finally:
        sandbox.stop()
    fail_box = imp_path / "CEB" / "FailBox"
    assert (fail_box / "huge.xml").exists()
    assert "larger than" in (fail_box / "huge.xml.reason.txt").read_text(encoding="utf-8")
