"""``eport demo``, the main job end to end, as a user runs it: one process, under a minute."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from eport.services import Journal, Stage

pytestmark = pytest.mark.sandbox

EPORT = [sys.executable, "-c", "from eport.cli import main; main()"]


def test_demo_runs_the_exchange_to_release_in_under_a_minute(tmp_path: Path) -> None:
    start = time.monotonic()
    result = subprocess.run(
        [*EPORT, "demo", "--workdir", str(tmp_path), "--step-delay", "0.2"],
        capture_output=True,
        text=True,
        timeout=90,
    )
    elapsed = time.monotonic() - start

    assert result.returncode == 0, result.stderr[-3000:]
    assert elapsed < 60
    out = result.stdout
    for text in ("CEB311Message", "CEB621Message", "CEB622Message", "899", "DEC_RESULT", "结关"):
        assert text in out
    assert "demo PIN verified" in result.stderr
    assert "sandbox listening on http://127.0.0.1:" in result.stderr
    sent = sorted(p.name for p in (tmp_path / "ImpPath" / "CEB" / "SentBox").iterdir())
    assert len(sent) == 4
    assert len(list((tmp_path / "ImpPath" / "DecCus001" / "SentBox").glob("Dec*.xml"))) == 2  # import + export
    assert "export tax refund (出口退税)" in out
    assert "self-check 0 doubts; batch APPROVED" in out
    journal = Journal(tmp_path / "journal.sqlite3")
    try:
        stages = {s.msg_type: s.stage for s in journal.submissions()}
    finally:
        journal.close()
    assert stages == {
        "CEB311Message": Stage.CONCLUDED,
        "CEB411Message": Stage.CONCLUDED,
        "CEB511Message": Stage.CONCLUDED,
        "CEB621Message": Stage.CLOSED,
        "DecMessage": Stage.CLOSED,
    }


def test_demo_json_history(tmp_path: Path) -> None:
    result = subprocess.run(
        [*EPORT, "demo", "--json", "--workdir", str(tmp_path), "--step-delay", "0.1"],
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    document = json.loads(result.stdout)
    by_document: dict[str, list[str]] = {}
    for row in document["history"]:
        by_document.setdefault(row["document"], []).append(row["code"])
    assert by_document["inventory"] == ["2", "120", "399", "800", "899"]
    assert by_document["declaration"] == ["0", "7", "L", "J", "P", "R"]
    assert by_document["export declaration"] == ["0", "7", "L", "J", "P", "R"]
    assert document["refund"]["lines"] == 2
    assert (document["refund"]["localDoubts"], document["refund"]["serviceDoubts"]) == (0, 0)
    assert document["refund"]["batchState"] == "APPROVED"
    assert by_document["order"] == ["2", "120", "399"]
    assert [row["validation"] for row in document["messages"]] == ["valid"] * 4
    assert document["card"].startswith("card ")
