"""Streaming many messages: one document at a time, memory stays flat."""

from __future__ import annotations

import io
import tracemalloc
from collections.abc import Iterator

from eport.edi import decode, encode, encode_many, iter_encode
from eport.edi.ceb import imports

GUID = "4CDE1CFD-EDED-46B1-946C-B8022E42FC94"


def _messages(count: int) -> Iterator[imports.CEB412Message]:
    for n in range(count):
        ret = imports.PaymentReturn(
            guid=GUID,
            pay_code="1105910159",
            pay_transaction_id=f"T{n:08d}",
            return_status="2",
            return_time="20220101120000000",
            return_info=f"第{n}条 & <ok>",
        )
        yield imports.CEB412Message(guid=GUID, version="1.0", payment_return=(ret,) * 5)


class _CountingSink(io.RawIOBase):
    """A binary sink that keeps nothing but a byte count."""

    def __init__(self) -> None:
        self.size = 0
        self.documents = 0

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self.size += len(data)
        self.documents += data.startswith(b"<?xml")
        return len(data)


def test_encode_many_writes_every_document() -> None:
    sink = io.BytesIO()
    assert encode_many(_messages(3), sink) == 3
    docs = sink.getvalue().split(b"\n<?xml")
    assert len(docs) == 3
    assert decode(docs[0]).payment_return[0].pay_transaction_id == "T00000000"
    assert decode(b"<?xml" + docs[2]).payment_return[0].pay_transaction_id == "T00000002"


def test_iter_encode_is_lazy() -> None:
    produced = iter_encode(_messages(10**9))
    first = next(produced)
    assert first == encode(next(_messages(1)))


def test_memory_stays_flat_for_many_messages() -> None:
    def peak(count: int) -> tuple[int, int]:
        sink = _CountingSink()
        tracemalloc.start()
        try:
            encode_many(_messages(count), sink)
            _, top = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        return top, sink.size

    encode_many(_messages(2), _CountingSink())  # warm the writer cache outside the measurement
    small_peak, small_size = peak(200)
    big_peak, big_size = peak(4000)
    assert big_size > 19 * small_size  # twenty times the output …
    assert big_peak < small_peak * 1.5 + 64 * 1024  # … in about the same memory
    assert big_peak < big_size / 10
