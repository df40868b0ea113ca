"""``eport demo``: runs offline in seconds, through click's runner and as the installed console script."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner

from eport import edi
from eport.cli.demo import STEPS, DemoRun, run_demo
from eport.cli.main import cli
from tests.prerequisites import unavailable

EPORT = Path(sys.executable).with_name("eport")


def test_demo_prints_table_and_a_valid_envelope() -> None:
    result = CliRunner().invoke(cli, ["demo", "--offline"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    for name in ("CEB311Message", "CEB411Message", "CEB511Message", "CEB621Message"):
        assert name in out
    assert "1 warning (unsigned-draft)" in out
    xml = out[out.index("<?xml") :].encode()
    envelope = edi.DxpMsg.from_bytes(xml)
    assert envelope.trans_info.msg_type == "CEB621Message"
    inner = edi.decode_lenient(edi.unwrap(envelope)).message  # unsigned: strict decoding wants ds:Signature
    assert inner.inventory[0].inventory_head.cop_no == "INV20261128000001"
    report = edi.validate_bytes(xml)
    assert report.ok
    assert [p.code for p in report] == ["unsigned-draft"]
    assert "wrapped the inventory" in result.stderr


def test_demo_json_and_receiver() -> None:
    result = CliRunner().invoke(cli, ["demo", "--offline", "--json", "--receiver-id", "DXPTEST00000001"])
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert [m["message"] for m in document["messages"]] == [
        "CEB311Message", "CEB411Message", "CEB511Message", "CEB621Message"
    ]  # fmt: skip
    assert "<ReceiverId>DXPTEST00000001</ReceiverId>" in document["envelope"]


def test_steps_are_pluggable() -> None:
    seen: list[str] = []

    def extra(run: DemoRun, echo: object) -> None:
        seen.append(sorted(run.reports)[0])

    run = run_demo(steps=(*STEPS, extra), echo=lambda line: None)
    assert seen == ["inventory"]
    assert run.envelope is not None


def test_demo_as_a_subprocess_is_fast() -> None:
    if not EPORT.exists():
        unavailable("the eport console script is not installed (pip install -e .)")
    start = time.monotonic()
    proc = subprocess.run([str(EPORT), "demo", "--offline"], capture_output=True, text=True, check=False, timeout=60)
    elapsed = time.monotonic() - start
    assert proc.returncode == 0, proc.stderr
    assert "DxpMsg envelope of the inventory" in proc.stdout
    assert elapsed < 30  # "in seconds"; generous for a loaded CI machine
