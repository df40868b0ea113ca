"""A deadline for tests that could hang (a path search, a download never given up): fail instead of waiting."""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator


class StillRunning(Exception):  # noqa: N818 - not an error of the code under test
    """Raised by :func:`deadline` (not a TimeoutError: urllib3 would take that for a socket timeout)."""


@contextlib.contextmanager
def deadline(seconds: float, what: str) -> Iterator[None]:
    """Raise :class:`StillRunning` in the main thread when the block still runs after ``seconds`` (SIGALRM)."""

    def expire(signum: int, frame: object) -> None:
        raise StillRunning(f"{what} still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
