"""Reading a listing's rows one by one: a row the client cannot read is kept (raw, with the reason), not fatal.

The listings (:meth:`eport.services.verification.VerificationClient.query`, ``proceeds``) read each page's raw rows
through :func:`read_rows`: the readable rows are yielded in order, the pages go on to the end, and the unreadable
rows are raised together afterwards as :class:`~eport.errors.UnreadableRowsError`.

Rows added while the pages are fetched shift the later pages (a listing newest first, or sorted by a key the new
row falls before), so a row can come twice, on two pages. Each row is given once:

* a readable row once per ``identity`` (its key: the entry id, the form number);
* an unreadable row once per raw text (:attr:`UnreadableRow.identity`: the row as sent, its members sorted). Its
  key is not enough: a row whose key itself is malformed, or missing, has none to go by; two rows sent
  identically are one row. It keeps the position where it was first seen.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
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

    @property
    def identity(self) -> str:
        """What makes two sightings one row: the raw row as canonical JSON (members sorted, no spaces). A row seen
        on two pages (the pages shifted between the fetches) is named once."""
        return json.dumps(self.raw, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=repr)


def count(value: Any) -> int | None:
    """A listing's ``total`` as a count of rows, or ``None`` (unknown) when it is none: ``true`` (a bool is an
    int), a negative number, text, a fraction. A bogus total must not end the pages early (rows would be lost
    silently); unknown, the pages go on to the first short one."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value


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


def read_rows(
    pages: Iterable[Page[Any]],
    read: Callable[[Any], T],
    *,
    key_field: str,
    what: str,
    identity: Callable[[T], Hashable] | None = None,
) -> Iterator[T]:
    """Every readable row of every raw page, in order; then, if any row could not be read, raise.

    Args:
        pages: the raw pages.
        read: reads one raw row; raises :class:`~eport.errors.ProtocolError` for a row it cannot read.
        key_field: the member naming a row (``entryId``), for :attr:`UnreadableRow.key`.
        what: what the listing lists, for the error's message.
        identity: what makes two readable rows one (``lambda row: str(row.entry_id)``): a row pushed onto the
            next page is then yielded once. ``None``: every readable row is yielded. Unreadable rows are named
            once per :attr:`UnreadableRow.identity` in any case.

    Raises:
        eport.errors.UnreadableRowsError: after the last page, naming every unreadable row once (``rows``);
            ``total`` counts the rows yielded and the rows named.
    """
    unreadable: dict[str, UnreadableRow] = {}
    seen: set[Hashable] = set()
    yielded = 0
    for page in pages:
        readable, bad = read_page(page, read, key_field)
        for row in bad:
            unreadable.setdefault(row.identity, row)
        for item in readable:
            if identity is not None:
                name = identity(item)
                if name in seen:
                    continue
                seen.add(name)
            yielded += 1
            yield item
    if unreadable:
        raise UnreadableRowsError(what, tuple(unreadable.values()), yielded + len(unreadable))


def page_of(page: Page[Any], read: Callable[[Any], T], *, key_field: str, what: str) -> Page[T]:
    """One raw page read; raise when a row could not be read, with the page's readable rows on the error.

    Raises:
        eport.errors.UnreadableRowsError: ``rows`` the unreadable rows, ``readable`` the others.
    """
    readable, unreadable = read_page(page, read, key_field)
    if unreadable:
        raise UnreadableRowsError(what, tuple(unreadable), len(page.items), tuple(readable))
    return Page(items=tuple(readable), offset=page.offset, total=page.total)


__all__ = ["UnreadableRow", "count", "page_of", "read_page", "read_rows"]
