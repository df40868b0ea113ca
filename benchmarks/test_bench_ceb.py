"""CEB encoding and decoding: eport's compiled writers and readers against plain lxml, measured in the same run.

Groups pair eport with its baseline: ``encode-<n>`` / ``decode-<n>`` for a CEB621 inventory with n goods lines
(1, 20, 99 — the schema's maximum; decoding has two baselines, the find-per-field reader and the hardened
lxml → dict walk into the same models), and ``batch-100`` for 100 messages of 5 lines each.
"""

from __future__ import annotations

import io
from typing import Any

import pytest

from benchmarks.conftest import ceb621, lxml_decode, lxml_dict_decode, lxml_encode, measure
from eport.edi import decode, encode, encode_many
from eport.edi.ceb import imports as ceb

SIZES = [1, 20, 99]


@pytest.mark.parametrize("items", SIZES)
def test_encode_eport(benchmark: Any, items: int) -> None:
    out = measure(benchmark, f"encode-{items}", encode, ceb621(items))
    assert out.count(b"<ceb:InventoryList>") == items


@pytest.mark.parametrize("items", SIZES)
def test_encode_lxml_baseline(benchmark: Any, items: int) -> None:
    out = measure(benchmark, f"encode-{items}", lxml_encode, ceb621(items))
    assert out.count(b"<ceb:InventoryList>") == items


@pytest.mark.parametrize("items", SIZES)
def test_decode_eport(benchmark: Any, items: int) -> None:
    message = ceb621(items)
    assert measure(benchmark, f"decode-{items}", decode, encode(message)) == message


@pytest.mark.parametrize("items", SIZES)
def test_decode_lxml_baseline(benchmark: Any, items: int) -> None:
    message = ceb621(items)
    decoded = measure(benchmark, f"decode-{items}", lxml_decode, encode(message), ceb.CEB621Message)
    assert decoded.inventory == message.inventory


@pytest.mark.parametrize("items", SIZES)
def test_decode_dict_walk_baseline(benchmark: Any, items: int) -> None:
    message = ceb621(items)
    decoded = measure(benchmark, f"decode-{items}", lxml_dict_decode, encode(message), ceb.CEB621Message)
    assert decoded.inventory == message.inventory
    assert decoded.base_transfer == message.base_transfer


BATCH = [ceb621(5, order=n) for n in range(100)]


def test_batch_encode_eport(benchmark: Any) -> None:
    benchmark.group = "batch-100-encode"

    def run() -> int:
        sink = io.BytesIO()
        return encode_many(BATCH, sink)

    assert benchmark(run) == 100


def test_batch_encode_lxml_baseline(benchmark: Any) -> None:
    benchmark.group = "batch-100-encode"

    def run() -> int:
        sink = io.BytesIO()
        for m in BATCH:
            sink.write(lxml_encode(m))
        return len(BATCH)

    assert benchmark(run) == 100


BATCH_DATA = [encode(m) for m in BATCH]


def test_batch_decode_eport(benchmark: Any) -> None:
    benchmark.group = "batch-100-decode"
    out = benchmark(lambda: [decode(d) for d in BATCH_DATA])
    assert out == BATCH


def test_batch_decode_lxml_baseline(benchmark: Any) -> None:
    benchmark.group = "batch-100-decode"
    out = benchmark(lambda: [lxml_decode(d, ceb.CEB621Message) for d in BATCH_DATA])
    assert len(out) == 100
