"""Validate or decode many documents, in worker processes, with bounded memory.

:func:`validate_many` and :func:`decode_many` take an iterable of documents and yield one result per document, in
the order the documents came, each with its source id. The input is read lazily and at most ``window`` chunks of
``chunk_size`` documents are in flight at any time, so an endless iterator (a folder of a million files, a queue) is
processed in constant memory, whatever its length; results are yielded as soon as the next one in order is done and
are not kept.

A document is either ``bytes`` (its source id is then its position, counted from 0) or a pair ``(source, bytes)``
where ``source`` is anything picklable (a file name, a database key). Reading a folder is the caller's part, since
``eport.edi`` does no I/O::

    from pathlib import Path
    from eport.edi.batch import validate_many

    files = sorted(Path("outbox").glob("*.xml"))
    invalid = [name for name, report in validate_many((p.name, p.read_bytes()) for p in files) if not report.ok]

``processes=1`` (the default) runs in the calling process, without a pool; ``processes=N`` starts N worker
processes (the platform's default start method) for the duration of the call. A validation report is small, so
mostly the documents travel; a decoded model costs about as much to send back as to decode (see ``then`` in
:func:`decode_many`). Figures: ``benchmarks/README.md``, § edi-perf, batch.
"""

from __future__ import annotations

import collections
import concurrent.futures
import itertools
import os
from collections.abc import Callable, Hashable, Iterable, Iterator
from typing import Any, TypeVar

import attrs

from eport.edi.core.report import ValidationReport
from eport.edi.core.schema import DEFAULT_EDITION, MAX_DOCUMENT_BYTES, edition_folder
from eport.errors import ConfigurationError, DecodeError

T = TypeVar("T")

#: A document to process: its bytes, or ``(source id, bytes)``.
Source = bytes | tuple[Hashable, bytes]


@attrs.frozen
class DecodeResult:
    """What :func:`decode_many` gives for one document.

    Attributes:
        source: the document's source id (its position when the input gave bare bytes).
        message: the decoded model (or, with ``lenient=True``, a :class:`~eport.edi.core.decoding.Decoded`); ``None``
            when decoding failed.
        error: the :class:`~eport.errors.DecodeError` (or ``UnknownMessageError``) raised for this document, with
            its ``path``, ``line`` and ``column``; ``None`` on success.
    """

    source: Hashable
    message: Any = None
    error: DecodeError | None = None

    @property
    def ok(self) -> bool:
        """True when the document was decoded."""
        return self.error is None


# ------------------------------------------------------------------------------------------ work run in a worker
def _validate_one(data: bytes, options: dict[str, Any]) -> ValidationReport:
    from eport.edi.core.validation import validate_bytes

    return validate_bytes(data, **options)


def _decode_one(data: bytes, options: dict[str, Any]) -> tuple[Any, tuple[Any, ...] | None]:
    """Decode; a failure travels as plain data (an exception's keyword attributes do not survive pickling)."""
    from eport.edi.core import dispatch as _dispatch

    lenient, then = options["lenient"], options["then"]
    kwargs = {k: v for k, v in options.items() if k not in ("lenient", "then")}
    try:
        message = _dispatch.decode_lenient(data, **kwargs) if lenient else _dispatch.decode(data, **kwargs)
    except DecodeError as exc:
        return None, (type(exc), str(exc), exc.path, exc.line, exc.column)
    return (then(message) if then is not None else message), None


def _rebuild_error(cls: type[DecodeError], text: str, path: str | None, line: int | None, col: int | None) -> Any:
    error = cls.__new__(cls)
    Exception.__init__(error, text)
    error.path, error.line, error.column = path, line, col
    return error


def _run_chunk(work: Callable[[bytes, dict[str, Any]], T], chunk: list[bytes], options: dict[str, Any]) -> list[T]:
    return [work(data, options) for data in chunk]


# ------------------------------------------------------------------------------------------ the pool
def _sources(documents: Iterable[Source]) -> Iterator[tuple[Hashable, bytes]]:
    for position, item in enumerate(documents):
        if isinstance(item, (bytes, bytearray, memoryview)):
            yield position, bytes(item)
        elif isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], (bytes, bytearray, memoryview)):
            yield item[0], bytes(item[1])
        else:
            raise ConfigurationError(
                f"document {position} is a {type(item).__name__}: give bytes or a (source, bytes) pair"
            )


def _chunks(sources: Iterator[tuple[Hashable, bytes]], size: int) -> Iterator[tuple[list[Hashable], list[bytes]]]:
    while True:
        chunk = list(itertools.islice(sources, size))
        if not chunk:
            return
        yield [s for s, _ in chunk], [d for _, d in chunk]


def _check(processes: int, chunk_size: int, window: int | None) -> int:
    if processes < 1:
        raise ConfigurationError(f"processes must be at least 1, got {processes}")
    if chunk_size < 1:
        raise ConfigurationError(f"chunk_size must be at least 1, got {chunk_size}")
    if window is not None and window < 1:
        raise ConfigurationError(f"window must be at least 1, got {window}")
    return window if window is not None else 2 * processes


def _map(
    work: Callable[[bytes, dict[str, Any]], T],
    documents: Iterable[Source],
    options: dict[str, Any],
    processes: int,
    chunk_size: int,
    window: int,
) -> Iterator[tuple[Hashable, T]]:
    sources = _sources(documents)
    if processes == 1:
        for source, data in sources:
            yield source, work(data, options)
        return
    chunks = _chunks(sources, chunk_size)
    pending: collections.deque[tuple[list[Hashable], concurrent.futures.Future[list[T]]]] = collections.deque()
    with concurrent.futures.ProcessPoolExecutor(max_workers=processes) as pool:
        try:
            for ids, chunk in itertools.islice(chunks, window):
                pending.append((ids, pool.submit(_run_chunk, work, chunk, options)))
            while pending:
                ids, future = pending.popleft()
                results = future.result()
                for ids_next, chunk in itertools.islice(chunks, 1):  # keep the window full
                    pending.append((ids_next, pool.submit(_run_chunk, work, chunk, options)))
                yield from zip(ids, results, strict=True)
        finally:
            for _, future in pending:  # the caller stopped early or a document failed: drop queued work
                future.cancel()


def validate_many(
    documents: Iterable[Source],
    *,
    edition: str = DEFAULT_EDITION,
    max_size: int = MAX_DOCUMENT_BYTES,
    processes: int = 1,
    chunk_size: int = 4,
    window: int | None = None,
) -> Iterator[tuple[Hashable, ValidationReport]]:
    """Validate many documents (:func:`eport.edi.validate_bytes` on each), yielding ``(source, report)`` in order.

    Args:
        documents: ``bytes`` or ``(source, bytes)`` pairs; read lazily.
        edition: schema edition, ``"202205"`` (default) or ``"2018"``.
        max_size: largest accepted document in bytes.
        processes: worker processes; 1 validates in the calling process.
        chunk_size: documents sent to a worker at once (amortises the hand-over for small documents).
        window: chunks in flight at most (default ``2 * processes``); bounds memory with ``chunk_size``.

    Yields:
        ``(source, ValidationReport)`` per document, in input order.

    Raises:
        ConfigurationError: an unknown edition, bad pool settings, or a document that is neither bytes nor a
            ``(source, bytes)`` pair.
    """
    edition_folder(edition)
    limit = _check(processes, chunk_size, window)
    options = {"edition": edition, "max_size": max_size}
    yield from _map(_validate_one, documents, options, processes, chunk_size, limit)


def decode_many(
    documents: Iterable[Source],
    *,
    edition: str | None = None,
    lenient: bool = False,
    then: Callable[[Any], Any] | None = None,
    max_size: int = MAX_DOCUMENT_BYTES,
    processes: int = 1,
    chunk_size: int = 4,
    window: int | None = None,
) -> Iterator[DecodeResult]:
    """Decode many documents (:func:`eport.edi.decode`, or ``decode_lenient``), yielding one result each, in order.

    A document that cannot be decoded does not stop the batch: its :class:`DecodeResult` carries the error.

    Sending a decoded model from a worker process back costs about as much as decoding it (pickling every
    sub-model), so worker processes pay off when ``then`` reduces each model where it was decoded: a module-level
    function (picklable) run in the worker, whose smaller result comes back instead of the model (a row for a
    database, a total, a verdict). An exception ``then`` raises stops the batch.

    Args:
        documents: ``bytes`` or ``(source, bytes)`` pairs; read lazily.
        edition: CEB edition for the root lookup (default: the newest).
        lenient: decode leniently (``message`` is then a ``Decoded`` with its problems).
        then: applied to each decoded message in the worker; its result is yielded instead of the message.
        max_size: largest accepted document in bytes.
        processes: worker processes; 1 decodes in the calling process.
        chunk_size: documents sent to a worker at once.
        window: chunks in flight at most (default ``2 * processes``).

    Yields:
        A :class:`DecodeResult` per document, in input order.

    Raises:
        ConfigurationError: bad pool settings, or a document that is neither bytes nor a ``(source, bytes)`` pair.
    """
    if edition is not None:
        edition_folder(edition)
    limit = _check(processes, chunk_size, window)
    options = {"edition": edition, "lenient": lenient, "then": then, "max_size": max_size}
    for source, (message, failure) in _map(_decode_one, documents, options, processes, chunk_size, limit):
        error = _rebuild_error(*failure) if failure is not None else None
        yield DecodeResult(source, message, error)


def cpu_count() -> int:
    """Processes this process may run on (its CPU affinity where the platform tells), at least 1."""
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity is not None else os.cpu_count() or 1


__all__ = ["DecodeResult", "Source", "cpu_count", "decode_many", "validate_many"]
