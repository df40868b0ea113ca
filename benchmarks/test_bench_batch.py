"""Batch throughput: ``validate_many`` / ``decode_many`` on two processes against one process.

Groups ``batch-validate``, ``batch-decode`` and ``batch-decode-then`` (each model reduced to its number of goods
lines in the worker, ``then=``): 240 CEB621 inventories of 20 goods lines each (different order
numbers), processed with ``processes=1`` (in the calling process: the one-process baseline, measured in the same
run) and ``processes=2`` (the calling process and one worker started for the call, its start-up included). Throughput
ratio = time on one process ÷ time on two (min / median over alternating rounds of 2000 documents:
``benchmarks/batch_throughput.py``). Each round consumes the results one by one, as a caller would, without
keeping them.

On a shared machine the wall-clock ratio says little (other processes take the second core), so each test also
records in ``extra_info`` the CPU seconds of one more round: the calling process's and its reaped workers'. Their
sum against the one-process figure is the pool's overhead; on two idle cores the throughput ratio is about
``2 × cpu(1) / cpu(2 workers)``, bounded by the calling process's own share.
"""

from __future__ import annotations

import resource
import time
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


def goods_lines(message: Any) -> int:
    """What ``then`` keeps of each decoded inventory: its number of goods lines."""
    return sum(len(inventory.inventory_list) for inventory in message.inventory)


def _decode_then(processes: int) -> int:
    results = decode_many(iter(DOCUMENTS), then=goods_lines, processes=processes)
    return sum(1 for result in results if result.message == 20)


@pytest.fixture(autouse=True)
def _warm() -> None:
    validate_bytes(DOCUMENTS[0][1])  # schemas, writers and readers compiled before the pool forks


def _cpu(run: Any, processes: int, info: dict[str, Any]) -> None:
    """Record the CPU seconds of one round: this process's and its workers' (reaped when the pool shuts down)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    own = time.process_time()
    run(processes)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    info["cpu_caller_s"] = round(time.process_time() - own, 4)
    info["cpu_workers_s"] = round(max(0.0, after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime), 4)


@pytest.mark.parametrize("processes", [1, 2])
def test_batch_validate(benchmark: Any, processes: int) -> None:
    benchmark.group = "batch-validate"
    assert benchmark.pedantic(_validate, args=(processes,), rounds=5, iterations=1) == len(DOCUMENTS)
    _cpu(_validate, processes, benchmark.extra_info)


@pytest.mark.parametrize("processes", [1, 2])
def test_batch_decode(benchmark: Any, processes: int) -> None:
    benchmark.group = "batch-decode"
    assert benchmark.pedantic(_decode, args=(processes,), rounds=5, iterations=1) == len(DOCUMENTS)
    _cpu(_decode, processes, benchmark.extra_info)


@pytest.mark.parametrize("processes", [1, 2])
def test_batch_decode_then(benchmark: Any, processes: int) -> None:
    benchmark.group = "batch-decode-then"
    assert benchmark.pedantic(_decode_then, args=(processes,), rounds=5, iterations=1) == len(DOCUMENTS)
    _cpu(_decode_then, processes, benchmark.extra_info)
