"""Retry building blocks shared by eport's HTTP clients (the gateway transport and the portal session).

Private to :mod:`eport.services`: :class:`Retry` is public as ``eport.services.Retry``; the policy itself (what is
retried when) stays with each client, which applies these pieces.
"""

from __future__ import annotations

import datetime as dt
import email.utils
from collections.abc import Iterator

import attrs
import urllib3

from eport.errors import ConfigurationError


@attrs.frozen
class Retry:
    """Retry policy for connection failures, timeouts, 5xx, 408 and 429 answers (never other 4xx).

    Attributes:
        attempts: total tries, the first included (1 = no retry).
        backoff: first pause in seconds; doubled after each try.
        max_backoff: longest pause in seconds.
        max_retry_after: longest pause a ``Retry-After`` header may ask for; a gateway asking for more is not waited
            for: the error is raised at once (a submission stays ``written``, :meth:`ClearanceClient.recover` sends it
            later).
    """

    attempts: int = 4
    backoff: float = 0.2
    max_backoff: float = 5.0
    max_retry_after: float = 60.0

    def __attrs_post_init__(self) -> None:
        if self.attempts < 1 or self.backoff < 0 or self.max_backoff < 0 or self.max_retry_after < 0:
            raise ConfigurationError("Retry needs attempts >= 1 and non-negative pauses")

    def pauses(self) -> Iterator[float]:
        """The pauses between tries (``attempts - 1`` values)."""
        pause = self.backoff
        for _ in range(self.attempts - 1):
            yield min(pause, self.max_backoff)
            pause *= 2


DEFAULT_RETRY = Retry()


def retry_after_seconds(value: str | None, now: dt.datetime | None = None) -> float | None:
    """The pause a ``Retry-After`` header asks for, in seconds (``None`` when absent or unreadable).

    Accepts both forms of RFC 9110: a number of seconds (``"120"``) or an HTTP date.
    """
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return max(0.0, (when - (now or dt.datetime.now(dt.timezone.utc))).total_seconds())


_NOT_CONNECTED = (urllib3.exceptions.NewConnectionError, urllib3.exceptions.ConnectTimeoutError, ConnectionRefusedError)


def never_sent(exc: BaseException) -> bool:
    """Whether a ``requests`` failure happened before any byte of the request left (no connection was made)."""
    seen: set[int] = set()
    pending: list[object] = [exc]
    while pending:
        item = pending.pop()
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, _NOT_CONNECTED):
            return True
        pending += [*item.args, getattr(item, "reason", None), item.__cause__, item.__context__]
    return False


__all__ = ["DEFAULT_RETRY", "Retry", "never_sent", "retry_after_seconds"]
