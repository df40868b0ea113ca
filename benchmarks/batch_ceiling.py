"""What two cores give at best, against what ``validate_many`` / ``decode_many`` give: run side by side.

Run from the repository root (as root on a shared machine, ``chrt -f 10`` keeps other processes off the cores)::

    .venv/bin/python -m benchmarks.batch_ceiling --documents 8000 --work validate
    .venv/bin/python -m benchmarks.batch_ceiling --documents 8000 --work decode-then

Each round times, in turn: the work in a plain loop in this process; the same work split in two halves over this
process and one bare ``os.fork`` (no hand-over, no results sent back: the machine's ceiling for two processes);
the batch function with ``processes=1``; and with ``processes=2``. It prints the ratio of one process to two for
the bare split and for the batch (minima and medians over the rounds): when the batch is level with the bare
split, what is left below 2× is the machine (shared caches, memory bandwidth, the host), not the hand-over.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

from benchmarks.batch_throughput import goods_lines
from benchmarks.conftest import ceb621
from eport.edi import decode, encode, validate_bytes
from eport.edi.batch import decode_many, validate_many


def _plain(work: str) -> Callable[[list[tuple[str, bytes]]], None]:
    def run(part: list[tuple[str, bytes]]) -> None:
        for _, data in part:
            if work == "validate":
                validate_bytes(data)
            else:
                goods_lines(decode(data))

    return run


def _batch(work: str, documents: list[tuple[str, bytes]], processes: int) -> None:
    if work == "validate":
        sum(report.ok for _, report in validate_many(documents, processes=processes))
    else:
        sum(result.ok for result in decode_many(documents, then=goods_lines, processes=processes))


def _timed(run: Callable[[], Any]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def _split(plain: Callable[[list[tuple[str, bytes]]], None], documents: list[tuple[str, bytes]]) -> None:
    half = len(documents) // 2
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the forked half
        plain(documents[half:])
        os._exit(0)
    plain(documents[:half])
    os.waitpid(pid, 0)


def _ratio(one: list[float], two: list[float]) -> str:
    return f"{min(one) / min(two):.2f}× (minima), {statistics.median(one) / statistics.median(two):.2f}× (medians)"


def main(argv: list[str] | None = None) -> None:
    """Parse the options, run the rounds and print the two ratios."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--documents", type=int, default=8000)
    parser.add_argument("--lines", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--work", choices=["validate", "decode-then"], default="validate")
    args = parser.parse_args(argv)
    documents = [(f"inventory-{n}.xml", encode(ceb621(args.lines, order=n))) for n in range(args.documents)]
    validate_bytes(documents[0][1])
    decode(documents[0][1])
    plain = _plain(args.work)
    times: dict[str, list[float]] = {"loop": [], "split": [], "batch 1": [], "batch 2": []}
    for _ in range(args.rounds):
        times["loop"].append(_timed(lambda: plain(documents)))
        times["split"].append(_timed(lambda: _split(plain, documents)))
        times["batch 1"].append(_timed(lambda: _batch(args.work, documents, 1)))
        times["batch 2"].append(_timed(lambda: _batch(args.work, documents, 2)))
    print(
        f"{args.work}, {args.documents} × {args.lines} lines, {args.rounds} rounds: "
        f"bare fork split {_ratio(times['loop'], times['split'])}; "
        f"batch processes=2 {_ratio(times['batch 1'], times['batch 2'])}"
    )


if __name__ == "__main__":
    main()
