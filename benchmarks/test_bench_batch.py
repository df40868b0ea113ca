"""Batch throughput: ``validate_many`` / ``decode_many`` on two worker processes against one process.

Groups ``batch-validate`` and ``batch-decode``: 240 CEB621 inventories of 20 goods lines each (different order
numbers), processed with ``processes=1`` (in the calling process: the one-process baseline, measured in the same
run) and ``processes=2`` (a pool started for the call, its start-up included). Throughput ratio = time on one
process ÷ time on two. Each round consumes the results one by one, as a caller would, without keeping them.
"""

from __future__ import annotations

from typing import Any

import pytest

from benchmarks.conftest import ceb621
from eport.edi import encode, validate_bytes
from eport.edi.batch import decode_many, validate_many

DOCUMENTS = [(f"inventory-{n}.xml", encode(ceb621(20, order=n))) for n in range(240)]


def _validate(processes: int) -> int:
    return sum(report.ok for _, report in validate_many(iter(DOCUMENTS), processes=processes))


def _decode(processes: int) -> int:
    return sum(result.ok for result in decode_many(iter(DOCUMENTS), processes=processes))


@pytest.fixture(autouse=True)
def _warm() -> None:
    validate_bytes(DOCUMENTS[0][1])  # schemas, writers and readers compiled before the pool forks


@pytest.mark.parametrize("processes", [1, 2])
def test_batch_validate(benchmark: Any, processes: int) -> None:
    benchmark.group = "batch-validate"
    assert benchmark.pedantic(_validate, args=(processes,), rounds=5, iterations=1) == len(DOCUMENTS)


@pytest.mark.parametrize("processes", [1, 2])
def test_batch_decode(benchmark: Any, processes: int) -> None:
    benchmark.group = "batch-decode"
    assert benchmark.pedantic(_decode, args=(processes,), rounds=5, iterations=1) == len(DOCUMENTS)
