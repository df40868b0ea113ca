"""Start-up cost of ``import eport.edi`` in a fresh interpreter, against a bare interpreter in the same run.

Groups: ``import-edi`` — ``python -c "import eport.edi"`` (lazy public names), the same plus first use of
``eport.edi.decode``, and the baseline ``python -c "import lxml.etree"`` (the parser every decode needs anyway).
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

CASES = {
    "baseline-lxml": "import lxml.etree",
    "import-eport-edi": "import eport.edi",
    "import-and-decode": "import eport.edi; eport.edi.decode",
    "import-and-DecMessage": "import eport.edi; eport.edi.DecMessage",
}


@pytest.mark.parametrize("case", CASES)
def test_import_time(benchmark: Any, case: str) -> None:
    benchmark.group = "import-edi"
    command = [sys.executable, "-c", CASES[case]]

    def run() -> None:
        subprocess.run(command, check=True, timeout=60)

    benchmark.pedantic(run, rounds=5, iterations=1, warmup_rounds=1)
