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

``processes=1`` (the default) runs in the calling process, without a pool. ``processes=N`` forks N − 1 worker
processes for the duration of the call, and the calling process works too: it does the first document itself
before the workers start (so that they inherit warm schemas and compiled plans), then a chunk of its own whenever
the next result in order is still in a worker. Chunks are sized by bytes by default (about 256 KiB), so each
hand-over carries a few milliseconds of work. Workers and caller talk over two pipes per worker, without threads:
a list or tuple goes by position (the workers hold it since the fork, so only index ranges travel), any other
iterable as each chunk's documents (their source ids stay in the calling process; with ``load`` the ids are what
travels, so they must pickle). A validation report is small, so mostly the documents travel; a decoded model costs
about as much to send back as to decode (see ``then`` in :func:`decode_many`). A list is read as it stands when
the first result is asked for (what the workers hold): items appended later are read too, as a list's iterator
reads them (up to where the batch has read ahead: the window), items replaced later are not. A worker that dies
ends the batch with :class:`~eport.errors.WorkerLostError`, naming the documents it took with it and how it ended.

Batches may be open side by side (``zip`` of two) and run on several threads at once: a worker forked for one
holds none of another's pipes, and a fork waits while another thread does its share of a batch in the calling
process (a process forked while a thread is inside lxml would inherit that thread's locks held). A thread that
uses eport *outside* a batch while a batch forks is not waited for: keep such threads out of processes that fork.

Where processes do not start by fork (Windows, macOS's default, or a caller that chose ``spawn``), or when the
caller passes its own ``executor`` (to reuse warm workers across many batches), the chunks go through that
executor instead, the documents pickled. Figures: ``benchmarks/README.md``, § batch.
"""

from __future__ import annotations

import collections
import concurrent.futures
import contextlib
import functools
import gc
import itertools
import multiprocessing
import operator
import os
import pickle
import select
import signal
import struct
import threading
import traceback
from collections.abc import Callable, Hashable, Iterable, Iterator
from typing import Any, TypeVar

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Windows
    fcntl = None  # type: ignore[assignment]

import attrs

from eport.edi.core.report import ValidationReport
from eport.edi.core.schema import DEFAULT_EDITION, MAX_DOCUMENT_BYTES, edition_folder
from eport.errors import ConfigurationError, DecodeError, EdiError, WorkerLostError

T = TypeVar("T")

#: A document to process: its bytes, or ``(source id, bytes)``.
Source = bytes | tuple[Hashable, bytes]
#: Reads a document from its source id (``load=``), in whichever process handles it: ``pathlib.Path.read_bytes``.
Loader = Callable[[Any], bytes]


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


def _run_chunk(
    work: Callable[[bytes, dict[str, Any]], T], chunk: list[Any], options: dict[str, Any], load: Loader | None
) -> list[T]:
    """Run ``work`` on each document of a chunk (in a worker, or in the calling process), reading it first with
    ``load`` when given."""
    if load is None:
        return [work(data, options) for data in chunk]
    return [work(load(item), options) for item in chunk]


# ------------------------------------------------------------------------------------------ the pool
#: With ``chunk_size=None``, a chunk closes once its documents reach this many bytes (or :data:`_CHUNK_DOCS`
#: documents): a few milliseconds of work each, whatever the document size, so a hand-over (≈ 0.1–0.3 ms) is small
#: against the work it carries and the last chunks leave little waiting at the end.
_CHUNK_BYTES = 256 * 1024
_CHUNK_DOCS = 64
#: The smallest chunk by bytes near the end of an input of known length (see :func:`_chunks`): below it, the
#: hand-over would cost more than the waiting it saves.
_TAIL_BYTES = 16 * 1024
#: With ``load``, the sizes are unknown until read: chunks of this many documents by default.
_CHUNK_LOADED = 16


def _source(position: int, item: Any, load: Loader | None) -> tuple[Hashable, Any]:
    """The ``(source id, document)`` of one input item; with ``load``, the document is its source id, read later."""
    if load is not None:
        return item, item
    if isinstance(item, (bytes, bytearray, memoryview)):
        return position, bytes(item)
    if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], (bytes, bytearray, memoryview)):
        return item[0], bytes(item[1])
    raise ConfigurationError(f"document {position} is a {type(item).__name__}: give bytes or a (source, bytes) pair")


def _sources(documents: Iterable[Any], load: Loader | None) -> Iterator[tuple[Hashable, Any]]:
    """``(source id, document)`` pairs, read lazily."""
    for position, item in enumerate(documents):
        yield _source(position, item, load)


def _held_then_added(held: tuple[Any, ...], documents: list[Any] | tuple[Any, ...]) -> Iterator[Any]:
    """A list's items as they were at the call (``held``), then those added to it since, as its iterator would."""
    yield from held
    position = len(held)
    while position < len(documents):
        yield documents[position]
        position += 1


def _chunks(
    sources: Iterator[tuple[Hashable, Any]], size: int | None, total: int | None = None, processes: int = 1
) -> Iterator[tuple[list[Hashable], list[Any]]]:
    """Chunks of ``size`` documents; with ``size=None``, of about :data:`_CHUNK_BYTES` each (adaptive).

    With ``total`` (the input's length, when known) and ``size=None``, the chunks near the end shrink to a quarter
    of the bytes that remain per process (estimated from the documents so far, down to :data:`_TAIL_BYTES`), so
    that the processes finish together instead of one waiting while another works through its last queued chunks.
    """
    done = seen = 0
    while True:
        chunk: list[tuple[Hashable, Any]]
        if size is not None:
            chunk = list(itertools.islice(sources, size))
        else:
            budget = _CHUNK_BYTES
            if total is not None and 0 < done < total:  # past a length hint that was too short: as without one
                remaining = (total - done) * seen // done
                budget = max(_TAIL_BYTES, min(_CHUNK_BYTES, remaining // (4 * processes)))
            chunk, nbytes = [], 0
            for source, data in sources:
                chunk.append((source, data))
                nbytes += len(data)
                if nbytes >= budget or len(chunk) >= _CHUNK_DOCS:
                    break
            seen += nbytes
        if not chunk:
            return
        done += len(chunk)
        yield [s for s, _ in chunk], [d for _, d in chunk]


def _length(documents: Iterable[Any]) -> int | None:
    """The input's length if it tells: a list's or tuple's, else its ``__length_hint__`` (``iter(list)`` has one;
    a generator has none). Used only to size the last chunks: a wrong hint costs speed, never results."""
    if isinstance(documents, list | tuple):
        return len(documents)
    try:
        hint = operator.length_hint(documents, 0)
    except Exception:  # a hint that fails (raises, not an int) is no hint: it must never stop the batch
        return None
    return hint if hint > 0 else None


@attrs.frozen
class _PoolOptions:
    processes: int
    chunk_size: int | None
    window: int
    executor: concurrent.futures.Executor | None
    load: Loader | None


def _check(
    processes: int,
    chunk_size: int | None,
    window: int | None,
    executor: concurrent.futures.Executor | None,
    load: Loader | None,
) -> _PoolOptions:
    if processes < 1:
        raise ConfigurationError(f"processes must be at least 1, got {processes}")
    if chunk_size is not None and chunk_size < 1:
        raise ConfigurationError(f"chunk_size must be at least 1, got {chunk_size}")
    if window is not None and window < 1:
        raise ConfigurationError(f"window must be at least 1, got {window}")
    if load is not None and not callable(load):
        raise ConfigurationError(f"load must be callable, got {type(load).__name__}")
    return _PoolOptions(processes, chunk_size, window if window is not None else 5 * processes, executor, load)


class _RemoteTraceback(Exception):  # noqa: N818 - not raised on its own: the cause of a worker's exception
    """The traceback of an exception raised in a worker process, as text (attached as ``__cause__``)."""

    def __str__(self) -> str:
        return str(self.args[0])


# ------------------------------------------------------------------------------------------ forked workers
#: A message on a worker's pipes: its length, then its pickle.
_HEADER = struct.Struct("<Q")
#: Chunks queued in a worker at most: one running, two waiting while the caller does a chunk of its own.
_QUEUED = 3


def _frame(value: Any) -> bytes:
    data = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
    return _HEADER.pack(len(data)) + data


def _forking() -> bool:
    """Whether worker processes start by fork (then they hold the caller's input from the start)."""
    return hasattr(os, "fork") and multiprocessing.get_start_method() == "fork"


def _run_task(
    work: Callable[[bytes, dict[str, Any]], T],
    documents: list[Any] | tuple[Any, ...] | None,
    options: dict[str, Any],
    load: Loader | None,
    task: tuple[int, int] | list[Any],
) -> list[T]:
    """Run ``work`` on one task in a forked worker: an index range ``(start, stop)`` of ``documents`` (the input,
    held since the fork), or a chunk's documents themselves (bytes, or source ids with ``load``)."""
    if isinstance(task, list):
        return _run_chunk(work, task, options, load)
    out = []
    for position in range(*task):
        _, data = _source(position, documents[position], load)  # type: ignore[index]
        out.append(work(data if load is None else load(data), options))
    return out


def _serve(tasks: int, results: int, run: Callable[[Any], list[Any]]) -> None:
    """A forked worker's loop: read a task, write back its results (or the exception), until the caller closes
    the tasks pipe."""
    with os.fdopen(tasks, "rb") as inbox, os.fdopen(results, "wb") as outbox:
        while len(header := inbox.read(_HEADER.size)) == _HEADER.size:
            task = pickle.loads(inbox.read(_HEADER.unpack(header)[0]))  # noqa: S301 - from the caller
            try:
                done = run(task)
            except Exception as exc:
                frame = _failure(exc)
            else:
                try:
                    frame = _frame(("ok", done))
                except Exception as exc:  # pickle raises whatever a __reduce__ raises
                    frame = _frame(("unsent", f"{type(exc).__name__}: {exc}"))
            outbox.write(frame)
            outbox.flush()


def _failure(exc: Exception) -> bytes:
    """An exception's frame: its pickle on its own (which may fail to pickle here, or to load in the caller), with
    its name, message and traceback as text, so that the caller can say what it was whatever becomes of the pickle."""
    text = "".join(traceback.format_exception(exc))
    try:
        pickled: bytes | None = pickle.dumps(exc, pickle.HIGHEST_PROTOCOL)
    except Exception:
        pickled = None
    return _frame(("error", pickled, f"{type(exc).__name__} in a worker process: {exc}", text))


def _raised(pickled: bytes | None, summary: str) -> BaseException:
    """The exception a worker sent back; an :class:`~eport.errors.EdiError` with its summary when it cannot be
    rebuilt here (an ``__init__`` that its pickle does not satisfy)."""
    if pickled is None:
        return EdiError(summary)
    try:
        error: BaseException = pickle.loads(pickled)  # noqa: S301 - from our worker
    except Exception:
        return EdiError(summary)
    return error


#: The calling process's ends of the pipes of every forked worker still running, whatever batch or thread it is
#: for. Only the process that forked a worker may hold them: a copy in any other process (a worker forked later for
#: another batch open at the same time, a thread's batch, a caller's own fork) would keep that worker's tasks pipe
#: open, so the worker would never read its end, and the batch that waits for it to leave would wait for ever. So
#: every process forked from this one closes them first thing (:func:`_forget_ends`, run by ``os.fork``); the lock
#: keeps the set in step with the descriptors (changed only under it, and no fork between a pipe's creation and its
#: entry here, or between its closing and its removal).
_CALLER_ENDS: set[int] = set()
_ENDS_LOCK = threading.RLock()


def _forget_ends() -> None:
    """In a process just forked: close the pipe ends of the forking process's workers, take a fresh lock and gate."""
    global _ENDS_LOCK, _GATE  # held across the fork (a fork due): the child needs its own
    _ENDS_LOCK = threading.RLock()
    _GATE = _ForkGate()
    for fd in _CALLER_ENDS:
        with contextlib.suppress(OSError):
            os.close(fd)
    _CALLER_ENDS.clear()


def _lock_ends() -> None:
    _ENDS_LOCK.acquire()


def _unlock_ends() -> None:
    _ENDS_LOCK.release()


if hasattr(os, "register_at_fork"):  # pragma: no branch - every POSIX platform
    os.register_at_fork(before=_lock_ends, after_in_parent=_unlock_ends, after_in_child=_forget_ends)


class _ForkGate:
    """Keeps forks and the calling threads' shares of the work apart.

    A process forked while another thread is inside lxml inherits the locks that thread holds (a shared parser's
    lock) held, for ever: its worker would wait on them and its batch on the worker. So a fork for a batch waits
    until no other thread is doing its share of a batch (a chunk in its calling process), and a share waits while a
    fork is due; a fork from within a share (a ``then`` that starts a batch) waits only for shares still at work,
    not for those waiting to fork too. One lock round per chunk, not per document. Threads that use eport outside
    batches are not covered (see the module).
    """

    def __init__(self) -> None:
        self._state = threading.Condition()
        self._working: collections.Counter[int] = collections.Counter()
        self._forking = 0
        self._waiting: set[int] = set()

    @contextlib.contextmanager
    def share(self) -> Iterator[None]:
        """Around a chunk done in the calling process."""
        me = threading.get_ident()
        with self._state:
            while self._forking and not self._working[me]:
                self._state.wait()
            self._working[me] += 1
        try:
            yield
        finally:
            with self._state:
                self._working[me] -= 1
                if not self._working[me]:
                    del self._working[me]
                    self._state.notify_all()

    @contextlib.contextmanager
    def fork(self) -> Iterator[None]:
        """Around the forks of a batch's workers."""
        me = threading.get_ident()
        with self._state:
            self._forking += 1
            self._waiting.add(me)
            self._state.notify_all()
            # A thread waiting here is in no lxml call: threads whose ``then`` starts a batch from their shares do
            # not wait for each other's shares, only for those still at work.
            while any(ident != me and ident not in self._waiting for ident in self._working):
                self._state.wait()
            self._waiting.discard(me)
        try:
            yield
        finally:
            with self._state:
                self._forking -= 1
                self._state.notify_all()


_GATE = _ForkGate()


def _child(tasks: int, results: int, inherited: list[int], run: Callable[[Any], list[Any]]) -> None:
    """The forked worker: serve, then leave at once (no ``atexit`` handlers, no flushing the caller's buffers).

    ``inherited`` are the caller's ends of this worker's own pipes (other workers' ends are closed at the fork).
    """
    status = 1
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the caller's: it ends its workers itself
        for fd in inherited:
            os.close(fd)
        _serve(tasks, results, run)
        status = 0
    finally:
        os._exit(status)


def _ended(status: int) -> str:
    code = os.waitstatus_to_exitcode(status)
    if code < 0:
        return f"was killed by signal {-code} ({signal.Signals(-code).name})"
    return f"exited with status {code}"


def _unsendable(ids: list[Hashable], exc: Exception) -> ConfigurationError:
    return ConfigurationError(
        f"a document of the chunk from {ids[0]!r} cannot be sent to a worker process "
        f"({type(exc).__name__}: {exc}); with load=, the source ids travel and must pickle"
    )


def _unreturnable(ids: list[Hashable], reason: str) -> ConfigurationError:
    return ConfigurationError(
        f"the results of the chunk from {ids[0]!r} cannot be sent back from a worker process ({reason}): "
        "with workers, what then= returns must pickle"
    )


class _Unsent(Exception):  # noqa: N818 - not raised to callers: the caller turns it into a ConfigurationError
    """Raised in an executor's worker: its results do not pickle (the reason as text)."""


def _run_chunk_pickled(
    work: Callable[[bytes, dict[str, Any]], T], chunk: list[Any], options: dict[str, Any], load: Loader | None
) -> bytes:
    """:func:`_run_chunk` in an executor's worker, its results pickled here so that a result that does not pickle
    is told apart from an exception of the work itself."""
    results = _run_chunk(work, chunk, options, load)
    try:
        return pickle.dumps(results, pickle.HIGHEST_PROTOCOL)
    except Exception as exc:  # pickle raises whatever a __reduce__ raises
        raise _Unsent(f"{type(exc).__name__}: {exc}") from None


@attrs.define(eq=False)
class _Worker:
    """A forked worker as the caller sees it: the pipes' ends, the chunks it has (in order), and the bytes read from
    it or still to write to it. Both pipes are non-blocking on the caller's side: a chunk's documents wait in
    ``outgoing`` while the pipe is full, so the caller never blocks on a worker that is itself blocked writing
    results."""

    pid: int
    tasks: int
    results: int
    queued: collections.deque[list[Hashable]] = attrs.field(factory=collections.deque)
    buffer: bytearray = attrs.field(factory=bytearray)
    outgoing: bytearray = attrs.field(factory=bytearray)
    eof: bool = False
    gone: bool = False

    def send(self, ids: list[Hashable], task: tuple[int, int] | list[Any]) -> None:
        """Hand over a task: an index range (a few bytes) or a chunk's documents (written as the pipe takes them)."""
        try:
            frame = _frame(task)
        except Exception as exc:  # pickle raises whatever a __reduce__ raises
            raise _unsendable(ids, exc) from None
        self.queued.append(ids)
        self.outgoing += frame
        self.flush()

    def flush(self) -> None:
        """Write what the tasks pipe takes now, without waiting."""
        while self.outgoing and not self.gone:
            try:
                written = os.write(self.tasks, self.outgoing)
            except BlockingIOError:
                return
            except (BrokenPipeError, OSError):  # dead: the loss shows when its results are awaited
                self.gone = True
                self.outgoing.clear()
                return
            del self.outgoing[:written]

    def _complete(self) -> bool:
        if len(self.buffer) < _HEADER.size:
            return False
        size: int = _HEADER.unpack_from(self.buffer)[0]
        return len(self.buffer) >= _HEADER.size + size

    def _pull(self) -> bool:
        """Read what the pipe holds (without waiting); False when there was nothing."""
        try:
            data = os.read(self.results, 1 << 20)
        except BlockingIOError:
            return False
        self.buffer += data
        self.eof = not data
        return bool(data)

    def ready(self) -> bool:
        """Whether its oldest chunk's results (or its end) are here; writes and reads what it can, never waits."""
        self.flush()
        while not self._complete() and not self.eof:
            if not self._pull():
                return False
        return True

    def receive(self) -> list[Any]:
        """The results of its oldest chunk, waiting for them; :class:`WorkerLostError` if it died first."""
        while not self._complete():
            if self.eof:
                raise WorkerLostError([s for ids in self.queued for s in ids], self.stop(kill=True))
            self.flush()
            writing = [self.tasks] if self.outgoing and not self.gone else []
            select.select([self.results], writing, [])
            self._pull()
        size = _HEADER.unpack_from(self.buffer)[0]
        frame = self.buffer[_HEADER.size : _HEADER.size + size]
        del self.buffer[: _HEADER.size + size]
        ids = self.queued.popleft()
        try:
            message = pickle.loads(frame)  # noqa: S301 - from our worker
        except Exception as exc:  # the results pickled in the worker but do not load here
            message = ("unsent", f"{type(exc).__name__}: {exc}")
        if message[0] == "error":
            raise _raised(*message[1:3]) from _RemoteTraceback(message[3])
        if message[0] == "unsent":
            raise _unreturnable(ids, message[1])
        return list(message[1])

    def stop(self, *, kill: bool) -> str:
        """End it (at once with ``kill``; else it leaves when it reads the end of its tasks) and reap it."""
        with _ENDS_LOCK:
            for fd in (self.tasks, self.results):
                if fd in _CALLER_ENDS:
                    _CALLER_ENDS.discard(fd)
                    os.close(fd)
        if kill:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
        try:
            return _ended(os.waitpid(self.pid, 0)[1])
        except ChildProcessError:
            return "ended"


#: Pipe capacity asked for on Linux (the default is 64 KiB): room for the chunks queued in a worker.
_PIPE_BYTES = 1 << 20


def _widen(fd: int) -> None:
    """Ask for a larger pipe buffer where the platform allows it (Linux; up to ``/proc/sys/fs/pipe-max-size``)."""
    setting = getattr(fcntl, "F_SETPIPE_SZ", None) if fcntl is not None else None
    if setting is not None:
        with contextlib.suppress(OSError):
            fcntl.fcntl(fd, setting, _PIPE_BYTES)


def _fork(count: int, run: Callable[[Any], list[Any]]) -> list[_Worker]:
    """Fork ``count`` workers, each with its own two pipes; the caller's objects frozen for the GC meanwhile (see
    :func:`_submit_first`)."""
    with _GATE.fork():
        return _fork_now(count, run)


def _fork_now(count: int, run: Callable[[Any], list[Any]]) -> list[_Worker]:
    workers: list[_Worker] = []
    frozen = gc.get_freeze_count() == 0
    if frozen:
        gc.freeze()
    try:
        for _ in range(count):
            with _ENDS_LOCK:  # no fork, in any thread, between the pipes' creation and their entry in the set
                tasks_in, tasks_out = os.pipe()
                results_in, results_out = os.pipe()
                try:
                    pid = os.fork()
                except BaseException:
                    for fd in (tasks_in, tasks_out, results_in, results_out):
                        os.close(fd)
                    raise
                if pid == 0:  # pragma: no cover - the worker (coverage is not written by os._exit)
                    _child(tasks_in, results_out, [tasks_out, results_in], run)
                workers.append(_Worker(pid, tasks_out, results_in))
                _CALLER_ENDS.update((tasks_out, results_in))
                os.close(tasks_in)
                os.close(results_out)
            for fd in (tasks_out, results_in):
                _widen(fd)
                os.set_blocking(fd, False)
    except BaseException:
        for worker in workers:
            worker.stop(kill=True)
        raise
    finally:
        if frozen:
            gc.unfreeze()
    return workers


# ------------------------------------------------------------------------------------------ the caller's loop
@attrs.define
class _Chunk:
    """One chunk in flight, in input order: done in the calling process (``results``), in an executor
    (``future``) or in a forked worker (``worker``)."""

    ids: list[Hashable]
    results: list[Any] = attrs.field(factory=list)
    future: concurrent.futures.Future[bytes] | None = None
    worker: _Worker | None = None

    @property
    def remote(self) -> bool:
        return self.future is not None or self.worker is not None

    def ready(self) -> bool:
        if self.worker is not None:
            return self.worker.ready()
        return self.future is None or self.future.done()

    def values(self) -> list[Any]:
        if self.worker is not None:
            return self.worker.receive()
        if self.future is None:
            return self.results
        try:
            values: list[Any] = pickle.loads(self.future.result())  # noqa: S301 - from our executor's worker
        except _Unsent as exc:
            raise _unreturnable(self.ids, str(exc)) from None
        return values


class _Forked:
    """The workers forked for one call: a chunk goes to the worker with the fewest queued, as its index range when
    the workers hold it (the first ``positions`` documents of the input), else as its documents."""

    def __init__(self, count: int, run: Callable[[Any], list[Any]], *, positions: int) -> None:
        self.workers = _fork(count, run)
        self.positions = positions

    def room(self) -> bool:
        return any(len(worker.queued) < _QUEUED for worker in self.workers)

    def send(self, ids: list[Hashable], data: list[Any], start: int) -> _Chunk:
        worker = min(self.workers, key=lambda w: len(w.queued))
        by_position = start + len(ids) <= self.positions  # not for documents added to a list after the fork
        worker.send(ids, (start, start + len(ids)) if by_position else data)
        return _Chunk(ids, worker=worker)

    def flush(self) -> None:
        for worker in self.workers:
            if worker.outgoing:
                worker.flush()

    def close(self, *, finished: bool) -> None:
        for worker in self.workers:
            worker.stop(kill=not finished)


class _Executor:
    """An executor's workers: a chunk goes as its documents (pickled), at most three per worker at a time."""

    def __init__(
        self,
        count: int,
        executor: concurrent.futures.Executor | None,
        work: Callable[..., Any],
        options: dict[str, Any],
        load: Loader | None,
    ) -> None:
        self.own = executor is None
        self.pool = concurrent.futures.ProcessPoolExecutor(max_workers=count) if executor is None else executor
        self.limit, self.remote = _QUEUED * count, 0
        self.args = (work, options, load)
        self.submit: Callable[..., Any] = functools.partial(_submit_first, self.pool)

    def room(self) -> bool:
        return self.remote < self.limit

    def send(self, ids: list[Hashable], data: list[Any], start: int) -> _Chunk:
        work, options, load = self.args
        if load is not None:  # the source ids travel: one that does not pickle is told here, typed
            try:
                pickle.dumps(data, pickle.HIGHEST_PROTOCOL)
            except Exception as exc:  # pickle raises whatever a __reduce__ raises
                raise _unsendable(ids, exc) from None
        future = self.submit(_run_chunk_pickled, work, data, options, load)
        self.submit = self.pool.submit
        self.remote += 1
        return _Chunk(ids, future=future)

    def flush(self) -> None:
        """Nothing to do: the executor's own threads feed its workers."""

    def close(self, *, finished: bool) -> None:
        if self.own:
            self.pool.shutdown(wait=True, cancel_futures=True)


def _submit_first(pool: concurrent.futures.Executor, fn: Callable[..., list[T]], *args: Any) -> Any:
    """Submit the first chunk; a pool of forked workers starts now, with the parent's objects frozen for the GC.

    ``gc.freeze`` before the fork keeps the workers' garbage collector off the objects they inherit (schemas'
    wrappers, compiled plans, modules): scanning them would write to their pages and copy them, one by one. The
    parent's objects are unfrozen right after. Skipped when the caller froze objects itself.
    """
    frozen = (
        isinstance(pool, concurrent.futures.ProcessPoolExecutor)
        and multiprocessing.get_start_method() == "fork"
        and gc.get_freeze_count() == 0
    )
    if frozen:
        gc.freeze()
    try:
        return pool.submit(fn, *args)
    finally:
        if frozen:
            gc.unfreeze()


def _map(
    work: Callable[[bytes, dict[str, Any]], T],
    documents: Iterable[Any],
    options: dict[str, Any],
    pool_options: _PoolOptions,
) -> Iterator[tuple[Hashable, T]]:
    """Yield ``(source, work(document))`` in input order.

    With workers, the calling process works too: whenever the next chunk in order is still in a worker, it takes a
    new chunk from the input and does it itself (or, once the window is full, waits). So ``processes=2`` is one
    worker plus the caller, and neither waits for the other while there is input. The first document is done in
    the caller before any worker starts.

    With workers started by fork and no ``executor``, chunks go over pipes, without threads: a list or tuple by
    index range (the workers hold it since the fork), anything else as the chunk's documents. Otherwise they go
    through the executor (the documents pickled).
    """
    processes, window, executor, load = (
        pool_options.processes,
        pool_options.window,
        pool_options.executor,
        pool_options.load,
    )
    length = _length(documents)
    forked = processes > 1 and executor is None and _forking()
    held: tuple[Any, ...] | None = None
    if forked and isinstance(documents, list | tuple):
        # What the workers will hold since their fork, and what the caller reads too: a list changed during the
        # batch cannot pair a source id with another document's result, nor send a position past their copy.
        held = tuple(documents)
        documents = _held_then_added(held, documents)
    sources = _sources(documents, load)
    if processes == 1 and executor is None:
        for source, data in sources:
            yield source, work(data if load is None else load(data), options)
        return
    chunk_size = pool_options.chunk_size if pool_options.chunk_size or load is None else _CHUNK_LOADED
    chunks = _chunks(sources, chunk_size, length, processes)
    first = next(chunks, None)
    if first is None:
        return
    # The first document here, before any worker starts: forked workers inherit warm schemas, plans and readers.
    with _GATE.share():
        done = _run_chunk(work, first[1][:1], options, load)
    pending = collections.deque([_Chunk(first[0][:1], results=done)])
    if len(first[0]) > 1:
        chunks = itertools.chain([(first[0][1:], first[1][1:])], chunks)
    position = 1  # of the next chunk's first document in the input
    pool: _Forked | _Executor
    if forked:
        run = functools.partial(_run_task, work, held, options, load)  # forked workers hold a list already
        pool = _Forked(processes - 1, run, positions=len(held) if held is not None else 0)
    else:
        pool = _Executor(max(1, processes - 1), executor, work, options, load)
    exhausted = finished = False
    try:
        while True:
            pool.flush()  # the rest of a chunk the pipe could not take at once
            while not exhausted and pool.room() and len(pending) < window:
                chunk = next(chunks, None)
                if chunk is None:
                    exhausted = True
                    break
                pending.append(_sent(pool, chunk[0], chunk[1], position, pending))
                position += len(chunk[0])
            if not exhausted and (not pending or (not pending[0].ready() and len(pending) < window)):
                chunk = next(chunks, None)  # the caller's share, while a worker has the next chunk in order
                if chunk is None:
                    exhausted = True
                else:
                    with _GATE.share():
                        done = _run_chunk(work, chunk[1], options, load)
                    pending.append(_Chunk(chunk[0], results=done))
                    position += len(chunk[0])
                continue
            if not pending:
                finished = True
                return
            head = pending[0]
            values = _values(head, pending)  # waits for the worker if need be
            pending.popleft()
            if isinstance(pool, _Executor) and head.future is not None:
                pool.remote -= 1
            yield from zip(head.ids, values, strict=True)
    finally:
        for entry in pending:  # the caller stopped early or a document failed: drop queued work
            if entry.future is not None:
                entry.future.cancel()
        pool.close(finished=finished)


def _sent(pool: _Forked | _Executor, ids: list[Hashable], data: list[Any], start: int, pending: Any) -> _Chunk:
    try:
        return pool.send(ids, data, start)
    except concurrent.futures.BrokenExecutor as exc:  # a worker of the executor died earlier
        raise _lost(pending) from exc


def _values(head: _Chunk, pending: collections.deque[_Chunk]) -> list[Any]:
    try:
        return head.values()
    except concurrent.futures.BrokenExecutor as exc:  # a worker of the executor died: the pool is broken
        raise _lost(pending) from exc


def _lost(pending: Iterable[_Chunk]) -> WorkerLostError:
    """The executor's workers took every chunk they had with them."""
    return WorkerLostError([s for entry in pending if entry.remote for s in entry.ids], "ended abruptly")


def validate_many(
    documents: Iterable[Any],
    *,
    edition: str = DEFAULT_EDITION,
    max_size: int = MAX_DOCUMENT_BYTES,
    processes: int = 1,
    chunk_size: int | None = None,
    window: int | None = None,
    executor: concurrent.futures.Executor | None = None,
    load: Loader | None = None,
) -> Iterator[tuple[Hashable, ValidationReport]]:
    """Validate many documents (:func:`eport.edi.validate_bytes` on each), yielding ``(source, report)`` in order.

    Args:
        documents: ``bytes`` or ``(source, bytes)`` pairs (source ids with ``load``); read lazily.
        edition: schema edition, ``"202205"`` (default) or ``"2018"``.
        max_size: largest accepted document in bytes.
        processes: processes at work, the calling process included: 1 validates in the calling process only, 2
            starts one worker process and the caller validates too.
        chunk_size: documents handed over at once; ``None`` (default): as many as make about 256 KiB (at most 64),
            so each hand-over carries a few milliseconds of work whatever the document size.
        window: chunks in flight at most (default ``5 * processes``); bounds memory with ``chunk_size``.
        executor: an executor to reuse instead of forking worker processes for this call (it is not shut down;
            ``processes`` then counts its workers plus the caller). Its workers should be warm (see the module).
        load: reads a document from its source id; ``documents`` then gives source ids (paths), and each is read
            in the process that validates it, so that workers read their own files instead of receiving the bytes
            (a picklable function such as ``pathlib.Path.read_bytes``; an exception it raises stops the batch).

    Yields:
        ``(source, ValidationReport)`` per document, in input order.

    Raises:
        ConfigurationError: an unknown edition, bad pool settings, a document that is neither bytes nor a
            ``(source, bytes)`` pair, or (with ``load`` and workers) a source id that cannot be pickled.
        WorkerLostError: a worker process died (killed, out of memory); it names the documents it had.
    """
    edition_folder(edition)
    pool_options = _check(processes, chunk_size, window, executor, load)
    options = {"edition": edition, "max_size": max_size}
    yield from _map(_validate_one, documents, options, pool_options)


def decode_many(
    documents: Iterable[Any],
    *,
    edition: str | None = None,
    lenient: bool = False,
    then: Callable[[Any], Any] | None = None,
    max_size: int = MAX_DOCUMENT_BYTES,
    processes: int = 1,
    chunk_size: int | None = None,
    window: int | None = None,
    executor: concurrent.futures.Executor | None = None,
    load: Loader | None = None,
) -> Iterator[DecodeResult]:
    """Decode many documents (:func:`eport.edi.decode`, or ``decode_lenient``), yielding one result each, in order.

    A document that cannot be decoded does not stop the batch: its :class:`DecodeResult` carries the error.

    Sending a decoded model from a worker process back costs about as much as decoding it (pickling every
    sub-model), so worker processes pay off when ``then`` reduces each model where it was decoded: a module-level
    function (picklable) run in the worker, whose smaller result comes back instead of the model (a row for a
    database, a total, a verdict). An exception ``then`` raises stops the batch.

    Args:
        documents: ``bytes`` or ``(source, bytes)`` pairs (source ids with ``load``); read lazily.
        edition: CEB edition for the root lookup (default: the newest).
        lenient: decode leniently (``message`` is then a ``Decoded`` with its problems).
        then: applied to each decoded message in the worker; its result is yielded instead of the message.
        max_size: largest accepted document in bytes.
        processes: processes at work, the calling process included (1: the calling process only).
        chunk_size: documents handed over at once (default: about 256 KiB of documents, at most 64).
        window: chunks in flight at most (default ``5 * processes``).
        executor: an executor to reuse instead of starting worker processes for this call (not shut down here).
        load: reads a document from its source id, in the process that decodes it (see :func:`validate_many`).

    Yields:
        A :class:`DecodeResult` per document, in input order.

    Raises:
        ConfigurationError: bad pool settings, a document that is neither bytes nor a ``(source, bytes)`` pair,
            (with ``load`` and workers) a source id that cannot be pickled, or (with workers) a result of ``then``
            that cannot be pickled back.
        WorkerLostError: a worker process died (killed, out of memory); it names the documents it had.
        EdiError: an exception raised in a worker (by ``then`` or ``load``) that cannot be rebuilt in the calling
            process; it names the exception, whose traceback is its ``__cause__``.
    """
    if edition is not None:
        edition_folder(edition)
    pool_options = _check(processes, chunk_size, window, executor, load)
    options = {"edition": edition, "lenient": lenient, "then": then, "max_size": max_size}
    for source, (message, failure) in _map(_decode_one, documents, options, pool_options):
        error = _rebuild_error(*failure) if failure is not None else None
        yield DecodeResult(source, message, error)


def cpu_count() -> int:
    """Processes this process may run on (its CPU affinity where the platform tells), at least 1."""
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity is not None else os.cpu_count() or 1


__all__ = ["DecodeResult", "Loader", "Source", "cpu_count", "decode_many", "validate_many"]
