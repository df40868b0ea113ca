"""Batch throughput of ``validate_many`` / ``decode_many``: one process against two, wall clock and CPU time.

Run from the repository root (the figures in ``benchmarks/README.md``, § batch, come from it)::

    .venv/bin/python -m benchmarks.batch_throughput                     # 2000 CEB621 of 20 lines, 7 rounds
    taskset -c 0,1 .venv/bin/python -m benchmarks.batch_throughput --documents 2000 --rounds 7 --work validate

Each round runs ``processes=1`` (everything in this process: the baseline) and then ``processes=2``, alternately,
over the same documents (CEB621 inventories of ``--lines`` goods lines, each with its own order number), consuming
the results one by one as a caller would. Per setting it prints the wall-clock time (min / median over the
rounds), the CPU seconds of this process and of its reaped workers (min / median of their sum), and the
throughput ratio ``wall(1) / wall(2)`` from the minima and from the medians. On a shared machine the wall clock
measures the neighbours too; ``2 × cpu(1) / cpu(2)`` is the ratio two idle cores would give when neither process
waits for the other.

``--work`` chooses ``validate`` (``validate_many``), ``decode-then`` (``decode_many`` with each model reduced to
its goods-line count in the process that decoded it) or ``cli`` (``eport edi validate -q -j 1|2`` run as a
command over a folder of the documents; its start-up, timed on one document, is printed too); default: the first
two. ``--input`` gives the documents as a ``list`` (default) or an ``iterator``. ``--chunk-size`` overrides the
default chunking; ``--load`` writes the documents to a temporary folder and passes their paths with
``load=Path.read_bytes`` (each process reads its own files). Run with ``PYTHONPATH=<other tree>`` to measure another
version of eport with the same script (``--load`` needs a version that has it). On a shared machine, run it under
``chrt -f 10`` (as root): the other processes then get the cores only in the 5 % the kernel keeps for them.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from benchmarks.conftest import ceb621
from eport.edi import encode, validate_bytes
from eport.edi.batch import decode_many, validate_many


def goods_lines(message: Any) -> int:
    """What ``then`` keeps of each decoded inventory: its number of goods lines."""
    return sum(len(inventory.inventory_list) for inventory in message.inventory)


def _validate(documents: Iterable[Any], processes: int, options: dict[str, Any]) -> int:
    return sum(report.ok for _, report in validate_many(documents, processes=processes, **options))


def _decode_then(documents: Iterable[Any], processes: int, options: dict[str, Any]) -> int:
    results = decode_many(documents, then=goods_lines, processes=processes, **options)
    return sum(result.ok for result in results)


WORK: dict[str, Callable[[Iterable[Any], int, dict[str, Any]], int]] = {
    "validate": _validate,
    "decode-then": _decode_then,
}


def _cli_command(target: Path, processes: int) -> list[str]:
    run = "from eport.cli import main; main()"
    return [sys.executable, "-c", run, "edi", "validate", "-q", "--no-progress", "-j", str(processes), str(target)]


def _run_cli(target: Path, processes: int) -> None:
    subprocess.run(_cli_command(target, processes), check=True, stdout=subprocess.DEVNULL)


def cli_rounds(args: argparse.Namespace, folder: Path, pairs: list[tuple[str, bytes]]) -> str:
    """``eport edi validate`` over a folder of the documents, 1 and 2 processes alternating; and over one file."""
    for name, data in pairs:
        (folder / name).write_bytes(data)
    one_file = folder / pairs[0][0]
    results: dict[int, list[tuple[float, float, float]]] = {0: [], 1: [], 2: []}
    for _ in range(args.rounds):
        results[0].append(measure_call(lambda: _run_cli(one_file, 1)))
        for processes in (1, 2):
            results[processes].append(measure_call(lambda p=processes: _run_cli(folder, p)))  # type: ignore[misc]
    print("cli (a command per round: CPU = its process and its workers)")
    start = _row("start-up", results[0])
    one = _row("1 process", results[1])
    two = _row("2 processes", results[2])
    return (
        f"{'cli':12s} throughput 2 ÷ 1: wall {one[0] / two[0]:.2f}× (minima), {one[1] / two[1]:.2f}× (medians); "
        f"without the start-up (one document's run): {(one[0] - start[0]) / (two[0] - start[0]):.2f}× (minima), "
        f"{(one[1] - start[1]) / (two[1] - start[1]):.2f}× (medians)"
    )


def measure_call(run: Callable[[], None]) -> tuple[float, float, float]:
    """One command: wall seconds, 0 for this process, CPU seconds of the command and its workers."""
    children, start = _children_cpu(), time.perf_counter()
    run()
    return time.perf_counter() - start, 0.0, _children_cpu() - children


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(run: Callable[[], int], expected: int) -> tuple[float, float, float]:
    """One round: wall seconds, CPU seconds of this process, CPU seconds of the workers reaped during the round."""
    children, own, start = _children_cpu(), time.process_time(), time.perf_counter()
    count = run()
    wall = time.perf_counter() - start
    if count != expected:
        raise SystemExit(f"expected {expected} good results, got {count}")
    return wall, time.process_time() - own, _children_cpu() - children


def _row(label: str, rounds: Iterable[tuple[float, float, float]]) -> tuple[float, float, float, float]:
    walls, cpus, owns = zip(*((wall, own + workers, own) for wall, own, workers in rounds), strict=True)
    wall_min, wall_median = min(walls), statistics.median(walls)
    cpu_min, cpu_median = min(cpus), statistics.median(cpus)
    print(
        f"{label:12s} wall min {wall_min:6.3f} s  median {wall_median:6.3f} s   "
        f"CPU (caller + workers) min {cpu_min:6.3f} s  median {cpu_median:6.3f} s  (caller median "
        f"{statistics.median(owns):6.3f} s)"
    )
    return wall_min, wall_median, cpu_min, cpu_median


def main(argv: list[str] | None = None) -> None:
    """Parse the options and run."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--documents", type=int, default=2000)
    parser.add_argument("--lines", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--work", choices=[*sorted(WORK), "cli", "all"], default="all")
    parser.add_argument("--input", choices=["list", "iterator"], default="list", help="how the documents are given")
    parser.add_argument("--chunk-size", type=int, default=None)
    parser.add_argument("--load", action="store_true", help="pass file paths and load=Path.read_bytes")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        run(args, Path(folder))


def run(args: argparse.Namespace, folder: Path) -> None:
    """Build the documents (in ``folder`` with ``--load``), run the rounds and print the summary."""
    pairs = [(f"inventory-{n}.xml", encode(ceb621(args.lines, order=n))) for n in range(args.documents)]
    validate_bytes(pairs[0][1])  # schemas and plans compiled once, before any round (as a warm caller)
    options: dict[str, Any] = {} if args.chunk_size is None else {"chunk_size": args.chunk_size}
    documents: list[Any] = pairs
    if args.load:
        for name, data in pairs:
            (folder / name).write_bytes(data)
        documents = [folder / name for name, _ in pairs]
        options["load"] = Path.read_bytes
    size = sum(len(data) for _, data in pairs) / len(pairs)
    how = " read by load=" if args.load else ""
    print(f"{args.documents} CEB621 of {args.lines} lines ({size / 1024:.1f} KiB each){how}, given as a {args.input}, ")
    print(f"{args.rounds} rounds, 1 and 2 processes alternating; CPU = this process + its reaped workers")
    summary = []
    if args.work == "cli":
        print(cli_rounds(args, folder, pairs))
        return
    for name in sorted(WORK) if args.work == "all" else [args.work]:
        work = WORK[name]
        results: dict[int, list[tuple[float, float, float]]] = {1: [], 2: []}
        for _ in range(args.rounds):
            for processes in (1, 2):
                given = (lambda: iter(documents)) if args.input == "iterator" else (lambda: documents)
                results[processes].append(
                    measure(lambda p=processes, g=given, w=work: w(g(), p, options), len(documents))  # type: ignore[misc]
                )
        print(name)
        one = _row("1 process", results[1])
        two = _row("2 processes", results[2])
        summary.append(
            f"{name:12s} throughput 2 ÷ 1: wall {one[0] / two[0]:.2f}× (minima), {one[1] / two[1]:.2f}× (medians); "
            f"CPU 2 × cpu(1) ÷ cpu(2) {2 * one[2] / two[2]:.2f}× (minima), {2 * one[3] / two[3]:.2f}× (medians)"
        )
    print("\n".join(summary))


if __name__ == "__main__":
    main()
