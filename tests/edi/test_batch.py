"""validate_many / decode_many: same results as one-by-one, in input order, lazily, across worker processes."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from eport import edi
from eport.edi.batch import DecodeResult, cpu_count, decode_many, validate_many
from eport.errors import ConfigurationError, DecodeError, UnknownMessageError

GUID = "4CDE1CFD-EDED-46B1-946C-B8022E42FC94"


def receipt(n: int, return_time: str = "20261128120000123") -> bytes:
    """A CEB622 清单回执 (one InventoryReturn); ``return_time`` may be made invalid."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<CEB622Message guid="{GUID}" version="1.0" xmlns="http://www.chinaport.gov.cn/ceb"><InventoryReturn>
<guid>{GUID}</guid><customsCode>5141</customsCode><ebpCode>4403960001</ebpCode><ebcCode>4403960001</ebcCode>
<agentCode>4403960001</agentCode><copNo>COP{n:05d}</copNo><preNo>B20261128000000001</preNo><invtNo>31002026I000000001</invtNo><returnStatus>800</returnStatus>
<returnTime>{return_time}</returnTime><returnInfo>放行</returnInfo></InventoryReturn></CEB622Message>""".encode()


def documents(count: int) -> list[tuple[str, bytes]]:
    """Valid receipts, every third one with a bad time, every fifth one not XML at all."""
    out = []
    for n in range(count):
        data = receipt(n, "2026-11-28" if n % 3 == 1 else "20261128120000123")
        if n % 5 == 4:
            data = b"<CEB622Message><broken>"
        out.append((f"doc-{n}.xml", data))
    return out


@pytest.mark.parametrize("processes", [1, 2])
def test_validate_many_matches_validate_bytes_in_order(processes: int) -> None:
    docs = documents(23)
    got = list(validate_many(docs, processes=processes, chunk_size=3))
    assert [source for source, _ in got] == [name for name, _ in docs]
    assert [report for _, report in got] == [edi.validate_bytes(data) for _, data in docs]
    assert any(not report.ok for _, report in got)
    assert any(report.ok for _, report in got)


def test_bare_bytes_get_their_position_as_source() -> None:
    got = list(validate_many([receipt(0), receipt(1)]))
    assert [source for source, _ in got] == [0, 1]


@pytest.mark.parametrize("processes", [1, 2])
def test_decode_many_keeps_errors_with_their_details(processes: int) -> None:
    docs = [
        ("good", receipt(7)),
        ("broken", b"<a><b></a>"),
        ("unknown", b"<Nothing xmlns='urn:x'/>"),
        ("good2", receipt(8)),
    ]
    results = list(decode_many(docs, processes=processes, chunk_size=1))
    assert [r.source for r in results] == ["good", "broken", "unknown", "good2"]
    assert [r.ok for r in results] == [True, False, False, True]
    assert results[0].message == edi.decode(receipt(7))
    assert results[0].message.inventory_return[0].cop_no == "COP00007"
    broken, unknown = results[1].error, results[2].error
    assert isinstance(broken, DecodeError)
    assert broken.line == 1
    assert isinstance(unknown, UnknownMessageError)
    assert unknown.path == "/Nothing"
    with pytest.raises(DecodeError) as expected:
        edi.decode(b"<a><b></a>")
    assert str(broken) == str(expected.value)


def test_decode_many_lenient_gives_problems() -> None:
    bad = receipt(1).replace(b"</copNo>", b"</copNo><surplus>1</surplus>")
    [result] = decode_many([bad], lenient=True, processes=2)
    assert isinstance(result, DecodeResult)
    assert result.ok
    assert [p.code for p in result.message.problems] == ["unknown-element"]


def test_input_is_read_lazily_and_memory_stays_bounded() -> None:
    pulled = 0

    def endless() -> Iterator[bytes]:
        nonlocal pulled
        for n in itertools.count():
            pulled += 1
            yield receipt(n)

    results = validate_many(endless(), processes=2, chunk_size=2, window=3)
    first = list(itertools.islice(results, 5))
    assert [source for source, _ in first] == [0, 1, 2, 3, 4]
    assert pulled <= (3 + 3) * 2  # the window of chunks in flight, plus the chunks refilled while yielding
    results.close()  # stopping early shuts the pool down without waiting for the endless input


def test_in_process_mode_pulls_one_document_at_a_time() -> None:
    pulled = 0

    def counted() -> Iterator[bytes]:
        nonlocal pulled
        for n in range(100):
            pulled += 1
            yield receipt(n)

    results = validate_many(counted())
    next(results)
    assert pulled == 1


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"processes": 0}, "processes"),
        ({"chunk_size": 0}, "chunk_size"),
        ({"window": 0}, "window"),
        ({"edition": "1999"}, "edition"),
    ],
)
def test_bad_settings_are_refused(kwargs: dict[str, object], fragment: str) -> None:
    with pytest.raises(ConfigurationError, match=fragment):
        list(validate_many([receipt(0)], **kwargs))  # type: ignore[arg-type]


@pytest.mark.parametrize("processes", [1, 2])
def test_a_document_of_the_wrong_type_names_its_position(processes: int) -> None:
    with pytest.raises(ConfigurationError, match="document 1 is a str"):
        list(decode_many([receipt(0), "not bytes"], processes=processes))  # type: ignore[list-item]


def test_cpu_count_is_positive() -> None:
    assert cpu_count() >= 1


def cop_no(message: object) -> str:
    """A ``then`` for decode_many: reduce a CEB622 to its first cop number (module level, so picklable)."""
    return str(message.inventory_return[0].cop_no)  # type: ignore[attr-defined]


@pytest.mark.parametrize("processes", [1, 2])
def test_then_runs_where_the_document_was_decoded(processes: int) -> None:
    docs = [receipt(3), b"<broken", receipt(4)]
    results = list(decode_many(docs, then=cop_no, processes=processes))
    assert [r.message for r in results] == ["COP00003", None, "COP00004"]
    assert results[1].error is not None
