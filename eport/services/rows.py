"""Reading a listing's rows one by one: a row the client cannot read is kept (raw, with the reason), not fatal.

The listings (:meth:`eport.services.verification.VerificationClient.query`, ``proceeds``) read each page's raw rows
through :func:`read_rows`: the readable rows are yielded in order, the pages go on to the end, and the unreadable
rows are raised together afterwards as :class:`~eport.errors.UnreadableRowsError`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, TypeVar

import attrs

from eport.errors import ProtocolError, UnreadableRowsError
from eport.services.portal import Page

T = TypeVar("T")


@attrs.frozen
class UnreadableRow:
    """A row of a listing the client could not read.

    Attributes:
        position: the row's index in the whole listing (0-based, as the service's ``offset`` counts).
        key: the row's key as the service sent it (``formNo``, ``entryId``), or ``None`` when it has none.
        raw: the row exactly as decoded from the service's JSON.
        reason: why it could not be read.
    """

    position: int
    key: str | None
    raw: Any
    reason: str


def _key(raw: Any, key_field: str) -> str | None:
    value = raw.get(key_field) if isinstance(raw, Mapping) else None
    return None if value in (None, "") else str(value)


def read_page(page: Page[Any], read: Callable[[Any], T], key_field: str) -> tuple[list[T], list[UnreadableRow]]:
    """The readable rows of one raw page and its unreadable ones (``read`` raises ProtocolError for those)."""
    readable: list[T] = []
    unreadable: list[UnreadableRow] = []
    for index, raw in enumerate(page.items):
        try:
            readable.append(read(raw))
        except ProtocolError as exc:
            unreadable.append(UnreadableRow(page.offset + index, _key(raw, key_field), raw, str(exc)))
    return readable, unreadable


def read_rows(pages: Iterable[Page[Any]], read: Callable[[Any], T], *, key_field: str, what: str) -> Iterator[T]:
    """Every readable row of every raw page, in order; then, if any row could not be read, raise.

    Raises:
        eport.errors.UnreadableRowsError: after the last page, naming every unreadable row (``rows``).
    """
    unreadable: list[UnreadableRow] = []
    total = 0
    for page in pages:
        readable, bad = read_page(page, read, key_field)
        total += len(page.items)
        unreadable.extend(bad)
        yield from readable
    if unreadable:
        raise UnreadableRowsError(what, tuple(unreadable), total)


def page_of(page: Page[Any], read: Callable[[Any], T], *, key_field: str, what: str) -> Page[T]:
    """One raw page read; raise when a row could not be read, with the page's readable rows on the error.

    Raises:
        eport.errors.UnreadableRowsError: ``rows`` the unreadable rows, ``readable`` the others.
    """
    readable, unreadable = read_page(page, read, key_field)
    if unreadable:
        raise UnreadableRowsError(what, tuple(unreadable), len(page.items), tuple(readable))
    return Page(items=tuple(readable), offset=page.offset, total=page.total)


__all__ = ["UnreadableRow", "page_of", "read_page", "read_rows"]
