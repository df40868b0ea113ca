"""The diagnosis steps, with an injected clock and without pcscd."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Callable

import pytest

from eport.card.doctor import STEPS, run_checks
from eport.card.emulator import EmulatedCard, VpcdCard, demo_card

Insert = Callable[[EmulatedCard], VpcdCard]


def _at(year: int, month: int = 1, day: int = 1) -> Callable[[], dt.datetime]:
    return lambda: dt.datetime(year, month, day, tzinfo=dt.timezone.utc)


@pytest.mark.pcscd
def test_certificate_dates(insert: Insert) -> None:
    insert(demo_card())
    expired = list(run_checks(now=_at(2040)))
    assert [r.step for r in expired] == list(STEPS)
    cert = expired[5]
    assert cert.status == "fail"
    assert "not valid now" in cert.detail
    assert "证书延期" in cert.fix_zh
    assert expired[6].status == "skipped"
    soon = list(run_checks(now=_at(2035, 12, 20)))
    assert soon[5].status == "warn"
    assert soon[6].status == "ok"


@pytest.mark.pcscd
def test_card_without_the_application(insert: Insert) -> None:
    card = demo_card()
    card.profile = type(card.profile)(aid=bytes.fromhex("A000000003000000"))  # answers to another AID only
    insert(card)
    results = list(run_checks())
    assert results[4].status == "fail"
    assert "6A82" in results[4].detail


def test_pcscd_unreachable() -> None:
    env = dict(os.environ, PCSCLITE_CSOCK_NAME="/nonexistent/pcscd.comm")
    code = (
        "import json; from eport.card.doctor import run_checks; print(json.dumps([r.as_dict() for r in run_checks()]))"
    )
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    steps = json.loads(result.stdout)
    assert steps[0]["status"] == "fail"
    assert "智能卡服务" in steps[0]["fix_zh"]
    assert {s["status"] for s in steps[1:]} == {"skipped"}
