"""The refund self-check at scale: 100,000 claim lines streamed from CSV against 50,000 declarations (100,000
refund-copy records), on one core, with a baseline in the same run and the peak memory of a streaming check.

* ``refund-selfcheck``: ``read_claim_lines`` (parse and validate every line) → ``self_check`` (every doubt rule) →
  count the doubts;
* ``refund-baseline``: the floor for the same file: ``csv.DictReader`` over it and one dict lookup per line, with
  no validation and no rule;
* ``test_selfcheck_memory_is_bounded``: the peak traced memory of the check itself (records index excluded) for
  the full file and for a tenth of it: streaming keeps it flat instead of growing with the number of lines.

With ``--benchmark-disable`` (the test command's smoke run) the data is 50 times smaller.
"""

from __future__ import annotations

import csv
import datetime as dt
import gc
import tracemalloc
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from eport.identifiers import RefundDeclNo
from eport.services.refund import RefundRecord, index_records, read_claim_lines, self_check
from eport.services.refund.lines import EXPORT_COLUMNS

LINES = 100_000
DECLARATIONS = 50_000
ITEMS = 2


def _scale(config: pytest.Config) -> int:
    return 50 if config.getoption("benchmark_disable", False) else 1


def _entry(n: int) -> str:
    return f"5300{2026}0{n:09d}"


@pytest.fixture(scope="module")
def data(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    scale = _scale(request.config)
    declarations, lines = DECLARATIONS // scale, LINES // scale
    day = dt.date(2026, 11, 30)
    records = index_records(
        RefundRecord(
            refund_decl_no=RefundDeclNo.of(_entry(n), item), customs="5300", export_date=day, closed_on=day,
            trade_mode="0110" if n % 97 else "0214", trans_mode="3", trade_code="4403R10001", destination="502",
            code_ts="8471300000", name="笔记本电脑 laptop", unit="035", qty=Decimal(10), currency="USD",
            total=Decimal("1000"), usd_fob=Decimal("1000.00"), not_refundable=n % 101 == 0,
        )
        for n in range(declarations)
        for item in range(1, ITEMS + 1)
    )  # fmt: skip
    path = tmp_path_factory.mktemp("refund-bench") / "lines.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([heading for heading, _ in EXPORT_COLUMNS])
        for seq in range(1, lines + 1):
            n, item = divmod(seq - 1, ITEMS)
            n = n % declarations if seq % 89 else declarations + seq  # 1 in 89 has no record (WDZXX)
            fob = "1100.00" if seq % 53 == 0 else "1000.00"  # 1 in 53 is 10 % off (USDLAJ_CY)
            writer.writerow([seq, f"L{n}", f"INV{n}", f"{_entry(n)}{item + 1:03d}", "", "2026-11-30", "8471300000",
                             "笔记本电脑 laptop", "035", "10", fob, "", "", "", ""])  # fmt: skip
    return {"records": records, "path": path, "lines": lines}


def _check(path: Path, records: dict[str, RefundRecord]) -> int:
    return sum(1 for _ in self_check(read_claim_lines(path), records))


def _floor(path: Path, records: dict[str, RefundRecord]) -> int:
    found = 0
    with open(path, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            found += row["出口货物报关单号"] in records
    return found


def test_bench_refund_selfcheck(benchmark: Any, data: dict[str, Any]) -> None:
    benchmark.group = "refund-selfcheck"
    benchmark.extra_info["lines"] = data["lines"]
    doubts = benchmark.pedantic(_check, args=(data["path"], data["records"]), rounds=3, iterations=1)
    lines = data["lines"]
    assert doubts > lines // 60  # the seeded problems are found


def test_bench_refund_baseline(benchmark: Any, data: dict[str, Any]) -> None:
    benchmark.group = "refund-selfcheck"
    found = benchmark.pedantic(_floor, args=(data["path"], data["records"]), rounds=3, iterations=1)
    assert found < data["lines"]


def _peak(path: Path, records: dict[str, RefundRecord], limit: int) -> int:
    def lines() -> Any:
        for index, line in enumerate(read_claim_lines(path)):
            if index >= limit:
                return
            yield line

    gc.collect()
    tracemalloc.start()
    try:
        for _ in self_check(lines(), records):
            pass
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_selfcheck_memory_is_bounded(data: dict[str, Any], record_property: Any) -> None:
    lines = data["lines"]
    small, full = _peak(data["path"], data["records"], lines // 10), _peak(data["path"], data["records"], lines)
    record_property("peak_bytes_tenth", small)
    record_property("peak_bytes_full", full)
    print(f"\nself-check peak traced memory: {small / 2**20:.1f} MiB ({lines // 10} lines), "
          f"{full / 2**20:.1f} MiB ({lines} lines)")  # fmt: skip
    # only the set of numbers already claimed grows with the lines (about 100 bytes each); nothing else is kept
    assert full < small + lines * 200
