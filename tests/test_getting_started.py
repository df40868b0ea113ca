"""The getting-started tour is executable: every Python block in docs/getting-started.md runs as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[1] / "docs" / "getting-started.md"
BLOCKS = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


def test_the_tour_has_its_three_steps() -> None:
    assert len(BLOCKS) == 3


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_tour_block_runs(index: int, capsys: pytest.CaptureFixture[str]) -> None:
    exec(compile(BLOCKS[index], f"{DOC.name}[{index}]", "exec"), {"__name__": "tour"})  # noqa: S102
    out = capsys.readouterr().out
    expected = ["EPORT-DEMO-20261128-0001 485.90 142", "03000000000de301", "CEB621Message ['2', '120', '399'"]
    assert expected[index] in out
