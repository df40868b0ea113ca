"""validate_many / decode_many: same results as one-by-one, in input order, lazily, across worker processes."""

from __future__ import annotations

import concurrent.futures
import itertools
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from eport import edi
from eport.edi import batch
from eport.edi.batch import DecodeResult, cpu_count, decode_many, validate_many
from eport.errors import ConfigurationError, DecodeError, EportError, UnknownMessageError, WorkerLostError

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


def worker_pid(message: object) -> int:
    """A ``then`` that tells which process decoded the document (module level, so picklable)."""
    return os.getpid()


def test_two_processes_are_the_caller_and_one_worker() -> None:
    """``processes=2`` starts one worker and the calling process does its share: the first document (before the
    worker starts, so that it inherits warm caches) and more while the worker has the next chunk in order."""
    docs = [receipt(n) for n in range(40)]
    results = list(decode_many(docs, then=worker_pid, processes=2, chunk_size=2))
    pids = [r.message for r in results]
    assert pids[0] == os.getpid()
    assert len(set(pids)) <= 2
    assert [r.source for r in results] == list(range(40))


def test_default_chunks_follow_the_documents_size() -> None:
    """Without ``chunk_size``, chunks close at about 256 KiB or 64 documents: small documents travel many at a time,
    large ones few; the reports are the same as one by one, in order."""
    small = [(f"small-{n}", receipt(n)) for n in range(150)]
    large = [(f"large-{n}", receipt(n).replace(b"<returnInfo>", b"<returnInfo>" + b" " * 300_000)) for n in range(3)]
    docs = small[:70] + large + small[70:]
    got = list(validate_many(docs, processes=2))
    assert [source for source, _ in got] == [name for name, _ in docs]
    assert [report for _, report in got] == [edi.validate_bytes(data) for _, data in docs]
    sizes = [len(ids) for ids, _ in batch._chunks(iter(docs), None)]
    assert sizes == [64, 6 + 1, 1, 1, 64, 16]  # a 300 KB document closes its chunk


@pytest.mark.parametrize("processes", [1, 2])
def test_load_reads_each_document_where_it_is_processed(tmp_path: Path, processes: int) -> None:
    files = []
    for name, data in documents(20):
        (tmp_path / name).write_bytes(data)
        files.append(tmp_path / name)
    got = list(validate_many(files, load=Path.read_bytes, processes=processes))
    assert [source for source, _ in got] == files
    assert [report for _, report in got] == [edi.validate_bytes(path.read_bytes()) for path in files]
    decoded = list(decode_many(files, load=Path.read_bytes, then=worker_pid, processes=processes, chunk_size=3))
    assert [r.source for r in decoded] == files
    assert [r.ok for r in decoded] == [n % 5 != 4 for n in range(20)]


@pytest.mark.parametrize("processes", [1, 2])
def test_a_failing_load_stops_the_batch_with_its_error(tmp_path: Path, processes: int) -> None:
    (tmp_path / "a.xml").write_bytes(receipt(1))
    files = [tmp_path / "a.xml", tmp_path / "missing.xml", tmp_path / "a.xml"]
    with pytest.raises(FileNotFoundError, match=r"missing\.xml"):
        list(validate_many(files, load=Path.read_bytes, processes=processes, chunk_size=1))


def test_a_reused_executor_is_left_running() -> None:
    docs = documents(15)
    with concurrent.futures.ProcessPoolExecutor(max_workers=1) as pool:
        first = list(validate_many(docs, executor=pool, chunk_size=2))
        second = list(validate_many(docs, executor=pool, processes=2, chunk_size=4))
        assert pool.submit(os.getpid).result() != os.getpid()  # still usable
    expected = [(name, edi.validate_bytes(data)) for name, data in docs]
    assert first == second == expected


def test_load_must_be_callable() -> None:
    with pytest.raises(ConfigurationError, match="load"):
        list(validate_many(["a.xml"], load="read"))  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------ session 5: by position
_CALLER = os.getpid()  # forked workers inherit this value, so it tells them apart from the calling process


class Unpicklable:
    """A source id that cannot be pickled: it can reach a worker only if the worker already holds it."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def __reduce__(self) -> Any:
        raise TypeError("this source id is not to be pickled")


def data_of(item: Unpicklable) -> bytes:
    """A ``load`` for :class:`Unpicklable` ids (module level)."""
    return item.data


def test_a_list_reaches_forked_workers_by_position_not_by_value() -> None:
    """Given a list (or tuple) and forked workers, only index ranges travel: the workers already hold the input.
    Source ids that cannot be pickled prove it (they used to fail on their way to the worker)."""
    if multiprocessing.get_start_method() != "fork":
        pytest.skip("index ranges need forked workers")
    items = [Unpicklable(data) for _, data in documents(40)]
    got = list(decode_many(items, load=data_of, then=worker_pid, processes=2, chunk_size=2))
    assert [r.source for r in got] == items
    assert {r.message for r in got if r.ok} == {os.getpid(), *({r.message for r in got} - {os.getpid(), None})}
    assert len({r.message for r in got if r.ok} - {os.getpid()}) == 1  # one worker did some of them
    reports = list(validate_many(tuple(items), load=data_of, processes=2, chunk_size=3))
    assert [report for _, report in reports] == [edi.validate_bytes(item.data) for item in items]


@pytest.mark.parametrize("processes", [2, 3])
@pytest.mark.parametrize("chunk_size", [None, 1, 5])
def test_a_list_gives_what_an_iterator_gives_in_the_same_order(processes: int, chunk_size: int | None) -> None:
    docs = documents(47) + [receipt(n) for n in range(10)]  # (source, bytes) pairs, then bare bytes
    by_position = list(validate_many(docs, processes=processes, chunk_size=chunk_size))
    by_value = list(validate_many(iter(docs), processes=processes, chunk_size=chunk_size))
    in_process = list(validate_many(docs))
    assert by_position == by_value == in_process
    decoded = [(r.source, r.message, str(r.error)) for r in decode_many(tuple(docs), then=cop_no, processes=processes)]
    assert decoded == [(r.source, r.message, str(r.error)) for r in decode_many(iter(docs), then=cop_no)]


def test_one_process_starts_no_worker_for_a_list_or_an_iterator() -> None:
    docs = [receipt(n) for n in range(30)]
    for given in (docs, iter(docs)):
        assert {r.message for r in decode_many(given, then=worker_pid)} == {os.getpid()}


def die_in_worker(message: object) -> object:
    """A ``then`` that kills the worker process it runs in (as the OOM killer would), not the calling process."""
    if os.getpid() != _CALLER:
        os.kill(os.getpid(), signal.SIGKILL)
    return cop_no(message)


def _consume(results: Iterator[Any], got: list[Any], raised: list[BaseException]) -> None:
    try:
        for result in results:
            got.append(result)
    except BaseException as exc:
        raised.append(exc)


def consume_in_thread(results: Iterator[Any]) -> tuple[list[Any], list[BaseException]]:
    """The results read on a daemon thread and what was raised; fails the test if the batch hangs."""
    got: list[Any] = []
    raised: list[BaseException] = []
    thread = threading.Thread(target=_consume, args=(results, got, raised), daemon=True)
    thread.start()
    thread.join(60)
    assert not thread.is_alive(), "the batch hung on a dead worker"
    return got, raised


@pytest.mark.parametrize("given", ["list", "iterator"])
def test_a_killed_worker_is_a_typed_error_naming_the_documents_lost(given: str) -> None:
    """A worker killed mid-run (kill -9) ends the batch with ``WorkerLostError`` naming the documents it had, after
    the results before them: never a hang, never results silently missing."""
    docs = [(f"doc-{n}.xml", receipt(n)) for n in range(60)]
    results = decode_many(docs if given == "list" else iter(docs), then=die_in_worker, processes=2, chunk_size=4)
    got, raised = consume_in_thread(results)
    [error] = raised
    assert isinstance(error, WorkerLostError)
    assert isinstance(error, EportError)
    names = [name for name, _ in docs]
    assert [r.source for r in got] == names[: len(got)]  # the results before the loss, in order
    assert all(r.ok for r in got)
    assert error.sources
    assert error.sources[0] == names[len(got)]  # the next result in order was the worker's: lost with it
    assert sorted(error.sources, key=names.index) == list(error.sources)  # in input order, each once
    assert set(error.sources) <= set(names[len(got) :])
    assert error.sources[0] in str(error)
    assert error.status == "was killed by signal 9 (SIGKILL)"  # a worker forked for the call, list or iterator
    assert "signal 9" in str(error)


def load_or_die(path: Path) -> bytes:
    """A ``load`` that kills the worker process reading ``c.xml``."""
    if path.name == "c.xml" and os.getpid() != _CALLER:
        os.kill(os.getpid(), signal.SIGKILL)
    return path.read_bytes()


def test_a_worker_killed_while_validating_is_a_typed_error(tmp_path: Path) -> None:
    for name in ("a.xml", "b.xml", "c.xml", "d.xml"):
        (tmp_path / name).write_bytes(receipt(1))
    files = [tmp_path / name for name in ("a.xml", "b.xml", "c.xml", "d.xml")] * 10
    results = validate_many(files, load=load_or_die, processes=2, chunk_size=1)
    got, raised = consume_in_thread(results)
    [error] = raised
    assert isinstance(error, WorkerLostError)
    assert tmp_path / "c.xml" in error.sources
    assert [source for source, _ in got] == files[: len(got)]


def test_stopping_early_ends_the_forked_worker() -> None:
    docs = [receipt(n) for n in range(400)]
    results = validate_many(docs, processes=2, chunk_size=2)
    assert next(results)[0] == 0
    started = time.perf_counter()
    results.close()
    assert time.perf_counter() - started < 5


# ------------------------------------------------------------------------------------------ session 6: any input
def threads_while_running(results: Iterator[Any]) -> tuple[list[Any], int]:
    """The results, and the most threads this process had while producing them."""
    got, most = [], threading.active_count()
    for result in results:
        got.append(result)
        most = max(most, threading.active_count())
    return got, most


@pytest.mark.parametrize("given", ["iterator", "generator", "list"])
def test_any_input_goes_to_forked_workers_without_threads(given: str) -> None:
    """An iterator is handed to forked workers over pipes, as a list is: no executor, so no feeder or manager
    thread in the calling process (an executor's threads contend with the caller for the interpreter), and the
    worker's exit status is known if it dies."""
    docs = documents(60)
    source = {"iterator": lambda: iter(docs), "generator": lambda: (d for d in docs), "list": lambda: docs}[given]
    before = threading.active_count()
    got, most = threads_while_running(decode_many(source(), then=worker_pid, processes=2, chunk_size=2))
    assert most == before
    assert len({r.message for r in got if r.ok} - {os.getpid()}) == 1  # one worker did some of them
    reports, most = threads_while_running(validate_many(source(), processes=3, chunk_size=3))
    assert most == before
    assert reports == [(name, edi.validate_bytes(data)) for name, data in docs]


def test_source_ids_of_an_iterator_stay_in_the_calling_process() -> None:
    """Without ``load`` only the documents travel: source ids that cannot be pickled are fine."""
    items = [(Unpicklable(data), data) for _, data in documents(30)]
    got = list(validate_many(iter(items), processes=2, chunk_size=2))
    assert [source for source, _ in got] == [source for source, _ in items]
    assert [report for _, report in got] == [edi.validate_bytes(data) for _, data in items]


def test_load_ids_that_cannot_travel_are_a_configuration_error() -> None:
    """With ``load``, an iterator's source ids go to the worker that reads them: one that cannot be pickled is a
    typed error naming it (it used to surface as pickle's own ``TypeError``)."""
    items = [Unpicklable(data) for _, data in documents(20)]
    with pytest.raises(ConfigurationError, match="cannot be sent to a worker process") as caught:
        list(validate_many(iter(items), load=data_of, processes=2, chunk_size=3))
    assert "must pickle" in str(caught.value)


def test_chunks_larger_than_a_pipe_neither_block_nor_deadlock() -> None:
    """Chunks of several MiB each way (documents out, whole models back) are larger than any pipe buffer: the
    caller writes what the pipe takes and reads results meanwhile, so neither side waits on the other for ever."""
    docs = [receipt(n) for n in range(6000)]
    assert sum(map(len, docs[:2000])) > 1 << 20  # one chunk is more than a pipe holds
    results = decode_many(iter(docs), processes=2, chunk_size=2000)
    got, raised = consume_in_thread(results)
    assert not raised
    assert [r.message.inventory_return[0].cop_no for r in got] == [f"COP{n:05d}" for n in range(len(docs))]
    assert got[-1].message == edi.decode(docs[-1])


def chunk_sizes(count: int, total: int | None, processes: int = 2, padding: int = 0) -> list[int]:
    docs = [(n, receipt(n).replace(b"<returnInfo>", b"<returnInfo>" + b" " * padding)) for n in range(count)]
    return [len(ids) for ids, _ in batch._chunks(iter(docs), None, total, processes)]


def test_the_last_chunks_shrink_when_the_length_is_known() -> None:
    """Knowing how many documents remain, the chunks near the end shrink (a quarter of the bytes that remain per
    process, down to 16 KiB), so no process waits at the end while another works through a large queued chunk."""
    sizes = chunk_sizes(1000, 1000, padding=18_000)  # 15 documents of ≈ 18.7 KB make 256 KiB
    assert sum(sizes) == 1000
    assert sizes[:5] == [15] * 5
    assert sizes[-3:] == [1, 1, 1]
    assert all(a >= b for a, b in itertools.pairwise(sizes))
    assert len(sizes) < 1.3 * len(chunk_sizes(1000, None, padding=18_000))  # a few more hand-overs at the end
    assert chunk_sizes(1000, None, padding=18_000)[-1] == 1000 % 15  # unknown length: as before
    small = chunk_sizes(2000, 2000)  # ≈ 700-byte receipts: the last chunks keep 16 KiB (≈ 23 receipts)
    assert min(small[:-1]) >= 16 * 1024 // 720
    assert len(small) <= len(chunk_sizes(2000, None)) + 8


def test_a_wrong_length_hint_costs_no_results() -> None:
    """A hint that is too short, too long or failing changes chunk sizes only; past a too-short hint the chunks
    return to their default size instead of one document each."""
    short = chunk_sizes(1000, 100, padding=18_000)
    assert sum(short) == 1000
    assert short[-1] == 1000 - sum(short[:-1])
    assert max(short[len(short) // 2 :]) == 15  # back to 256 KiB chunks past the hint
    assert sum(chunk_sizes(300, 10_000)) == 300

    class Hinted:
        def __init__(self, items: list[tuple[str, bytes]], hint: object) -> None:
            self.items, self.hint = iter(items), hint

        def __iter__(self) -> Hinted:
            return self

        def __next__(self) -> tuple[str, bytes]:
            return next(self.items)

        def __length_hint__(self) -> Any:
            if isinstance(self.hint, Exception):
                raise self.hint
            return self.hint

    docs = documents(40)
    expected = list(validate_many(docs))
    for hint in (3, 10_000, -1, "many", RuntimeError("no idea")):
        assert list(validate_many(Hinted(docs, hint), processes=2)) == expected


# ------------------------------------------------------------------------------------------ session 6: red team
def test_two_batches_read_side_by_side_both_end() -> None:
    """Two batches open at once (``zip`` of two, or two threads): the workers forked for the second must not hold
    the first batch's pipes, or the first one's worker never reads the end of its tasks and the first batch waits
    for it for ever when it ends."""
    docs = [receipt(n) for n in range(30)]
    both = zip(
        validate_many(docs, processes=2, chunk_size=2),
        validate_many(iter(docs), processes=2, chunk_size=2),
        strict=True,
    )
    got, raised = consume_in_thread(both)
    assert not raised
    assert [(a[0], b[0]) for a, b in got] == [(n, n) for n in range(30)]


def test_batches_on_two_threads_at_once_end() -> None:
    docs = [receipt(n) for n in range(40)]
    counts: list[int] = []

    def four_batches() -> Iterator[int]:
        for _ in range(4):
            yield len(list(validate_many(iter(docs), processes=2, chunk_size=2)))

    threads = [threading.Thread(target=lambda: counts.extend(four_batches()), daemon=True) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(thread.is_alive() for thread in threads), "two threads' batches hung"
    assert counts == [40] * 8


_HELD = threading.Lock()
_HOLDING = threading.Event()


def hold_in_caller(message: object) -> str:
    """A ``then`` that, on the thread named "holder" in the calling process, holds a lock for a while (as lxml holds
    a shared parser's lock while it parses); in a worker it takes the lock briefly (a forked worker that inherited
    the lock held would wait for it for ever)."""
    if os.getpid() != _CALLER:
        with _HELD:
            pass
    elif threading.current_thread().name == "holder":
        with _HELD:
            _HOLDING.set()
            time.sleep(0.5)
    return cop_no(message)


def test_a_batch_forks_no_worker_while_another_thread_is_in_its_share_of_the_work() -> None:
    """A worker forked while another thread of the caller is inside its share of a batch would inherit the locks
    that thread holds (lxml's parser locks) held, and wait for them for ever: forks wait for the other threads'
    shares to end (and shares wait for a fork due)."""
    docs = [receipt(n) for n in range(6)]
    got: dict[str, list[Any]] = {}
    holder = threading.Thread(
        target=lambda: got.update(holder=[r.message for r in decode_many(docs, then=hold_in_caller, processes=2)]),
        name="holder",
        daemon=True,
    )
    holder.start()
    assert _HOLDING.wait(30)
    results, raised = consume_in_thread(decode_many(docs, then=hold_in_caller, processes=2, chunk_size=1))
    holder.join(30)
    assert not raised
    assert [r.message for r in results] == got["holder"] == [f"COP{n:05d}" for n in range(6)]


@pytest.mark.parametrize("processes", [1, 2])
def test_a_list_changed_during_the_batch_gives_each_source_its_own_report(processes: int) -> None:
    """The workers hold the list as it was when they were forked: an item replaced afterwards must not be
    reported with the old document's report under its new source id (a broken document reported valid), and an
    item added must not be looked up past the end of their copy (an ``IndexError``)."""
    docs: list[Any] = [(f"old-{n}", receipt(n)) for n in range(40)]
    got = []
    for source, report in validate_many(docs, processes=processes, chunk_size=2, window=1):
        got.append((source, report))
        if source == "old-0":
            docs[20:] = [(f"new-{n}", b"<broken") for n in range(20, 40)]
            docs.extend((f"added-{n}", receipt(n)) for n in range(40, 44))
    by_source = dict(got)
    assert len(by_source) == len(got)
    for source, report in got:  # whichever version of the list each item came from, its report is its own
        assert report.ok == (not str(source).startswith("new-")), source
    assert [s for s, _ in got[:20]] == [f"old-{n}" for n in range(20)]


def a_function_of(message: object) -> object:
    """A ``then`` whose result does not pickle (a local function)."""
    return lambda: cop_no(message)


def a_lock_for(message: object) -> object:
    """A ``then`` whose result does not pickle (a lock)."""
    return threading.Lock()


@pytest.mark.parametrize("then", [a_function_of, a_lock_for])
def test_a_result_that_cannot_come_back_from_a_worker_is_a_configuration_error(then: Any) -> None:
    """``then`` runs in the worker and its result travels back: one that cannot be pickled is a typed error that
    says so and names the chunk (it used to be pickle's own ``AttributeError`` / ``TypeError``)."""
    docs = [(f"doc-{n}.xml", receipt(n)) for n in range(12)]
    got, raised = consume_in_thread(decode_many(docs, then=then, processes=2, chunk_size=3))
    [error] = raised
    assert isinstance(error, ConfigurationError)
    assert "cannot be sent back from a worker process" in str(error)
    assert "then" in str(error)
    assert "doc-" in str(error)
    assert [r.source for r in got] == [name for name, _ in docs[: len(got)]]


class NeedsKeywordError(Exception):
    """An exception that pickles but cannot be rebuilt from its pickle (a required keyword-only argument)."""

    def __init__(self, text: str, *, code: int) -> None:
        super().__init__(text)
        self.code = code


def raise_in_worker(message: object) -> object:
    if os.getpid() != _CALLER:
        raise NeedsKeywordError("the worker's own failure", code=7)
    return cop_no(message)


def test_an_exception_that_cannot_be_rebuilt_keeps_its_name_message_and_traceback() -> None:
    """An exception raised in a worker that cannot be rebuilt in the caller is an ``EdiError`` naming it, with the
    worker's traceback as its cause: not the ``TypeError`` of its rebuilding, which hid the real failure."""
    docs = [receipt(n) for n in range(12)]
    _, raised = consume_in_thread(decode_many(docs, then=raise_in_worker, processes=2, chunk_size=3))
    [error] = raised
    assert isinstance(error, EportError)
    assert "NeedsKeywordError" in str(error)
    assert "the worker's own failure" in str(error)
    assert "raise_in_worker" in str(error.__cause__)


def test_an_executor_gives_the_same_typed_errors_for_what_cannot_travel() -> None:
    """With ``executor=`` (and where processes do not fork) the same two cases are the same typed errors: a load id
    that cannot be sent, a ``then`` result that cannot come back (they used to be pickle's own errors)."""
    docs = [(f"doc-{n}.xml", receipt(n)) for n in range(12)]
    with concurrent.futures.ProcessPoolExecutor(max_workers=1) as pool:
        with pytest.raises(ConfigurationError, match="cannot be sent back from a worker process") as back:
            list(decode_many(docs, then=a_lock_for, executor=pool, processes=2, chunk_size=3))
        assert "doc-" in str(back.value)
        items = [Unpicklable(data) for _, data in documents(12)]
        with pytest.raises(ConfigurationError, match="cannot be sent to a worker process"):
            list(validate_many(iter(items), load=data_of, executor=pool, processes=2, chunk_size=3))
        assert pool.submit(os.getpid).result() != os.getpid()  # still usable


def a_batch_of_four(message: object) -> int:
    """A ``then`` that runs a batch of its own (with a worker) on four documents."""
    return len(list(validate_many(iter([receipt(n) for n in range(4)]), processes=2, chunk_size=1)))


def test_threads_whose_then_starts_a_batch_do_not_wait_for_each_other() -> None:
    """A ``then`` that starts a batch forks from within its thread's share of the outer batch: with several threads
    doing so at once, none may wait for the others' shares to end (they would wait for each other)."""
    docs = [receipt(n) for n in range(12)]
    got: dict[int, list[Any]] = {}

    def outer(key: int) -> None:
        got[key] = [r.message for r in decode_many(docs, then=a_batch_of_four, processes=2, chunk_size=1)]

    threads = [threading.Thread(target=outer, args=(key,), daemon=True) for key in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(thread.is_alive() for thread in threads), "threads' nested batches waited for each other"
    assert got == {key: [4] * 12 for key in range(3)}
