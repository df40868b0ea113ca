"""What every router of the sandbox's HTTP gateway shares: the sandbox context, errors, body reading.

How a sandbox service gets its state (the contract for routers in their own modules, e.g. ``refund_api.py``)::

    from fastapi import APIRouter
    from eport.sandbox.web import ApiError, Context, ERRORS

    router = APIRouter(prefix="/api/v1/refund", tags=["refund"])

    @router.get("/things/{key}", responses=ERRORS)
    def thing(key: str, sandbox: Context) -> Thing:
        store = sandbox.service("refund", lambda: RefundStore(sandbox.data_dir / "refund.sqlite3"))
        ...                                  # raise ApiError(404, "not_found", f"no thing {key}") on a miss

``sandbox.service(name, factory)`` builds the object once per running sandbox (thread-safe) and closes it when
the sandbox stops (if it has a ``close()``); keep its state in ``sandbox.data_dir`` (the sandbox's state folder,
``--state-dir``) so that it survives restarts like the rest. Then add one ``app.include_router(...)`` line in
:func:`eport.sandbox.gateway.create_app`.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any, TypeVar

import attrs
from fastapi import Depends, Query, Request
from pydantic import BaseModel, BeforeValidator, Field, WithJsonSchema

from eport.sandbox.config import SandboxConfig
from eport.sandbox.engine import Engine
from eport.sandbox.store import Store

T = TypeVar("T")


@attrs.define(eq=False)
class SandboxContext:
    """One running sandbox as its HTTP routes see it.

    Attributes:
        config: the sandbox settings.
        engine: intake and scheduler of the exchange.
        store: the exchange's SQLite state.
    """

    config: SandboxConfig
    engine: Engine
    store: Store
    _services: dict[str, Any] = attrs.field(factory=dict, init=False)
    _lock: threading.Lock = attrs.field(factory=threading.Lock, init=False)

    @property
    def data_dir(self) -> Path:
        """The sandbox's state folder: services keep their own SQLite files (or tables) here."""
        return self.config.state_dir

    def service(self, name: str, factory: Callable[[], T]) -> T:
        """The sandbox service ``name``'s state object, built by ``factory()`` on first use and kept until stop."""
        with self._lock:
            if name not in self._services:
                self._services[name] = factory()
            result: T = self._services[name]
            return result

    def close(self) -> None:
        """Close every service state object that has a ``close()`` (called when the sandbox stops)."""
        with self._lock:
            services, self._services = list(self._services.values()), {}
        for item in services:
            close = getattr(item, "close", None)
            if callable(close):
                close()


def sandbox_context(request: Request) -> SandboxContext:
    """FastAPI dependency: the running sandbox (set on ``app.state.sandbox`` by the app factory)."""
    context: SandboxContext = request.app.state.sandbox
    return context


#: Annotate a route parameter with this to receive the :class:`SandboxContext`.
Context = Annotated[SandboxContext, Depends(sandbox_context)]


class ErrorBody(BaseModel):
    """Every error the gateway answers: a human message and a stable machine code; a refused request field is also
    named in ``field`` with what is wrong with it in ``reason`` (400 ``bad_parameter`` / ``invalid``)."""

    error: str
    code: str
    field: str | None = Field(
        None, description="400: the refused field's name or path (tradeCode, lines[3].qty); absent otherwise"
    )
    reason: str | None = Field(None, description="400: what is wrong with that field")


class ApiError(Exception):
    """Raise in a route to answer ``status`` with an :class:`ErrorBody` (``{"error": message, "code": code}``).

    Args:
        status: HTTP status.
        code: stable machine code (``not_found``, ``conflict``…).
        message: what went wrong, naming the field.
        close: close the connection after the reply (for bodies left unread).
        field: the refused request field, answered as ``field`` (with ``reason``).
        reason: what is wrong with ``field``.
    """

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        close: bool = False,
        field: str | None = None,
        reason: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.close = close
        self.field = field
        self.reason = reason

    def body(self) -> dict[str, str]:
        """The JSON document answered (:class:`ErrorBody`)."""
        answer = {"error": self.message, "code": self.code}
        if self.field is not None:
            answer["field"] = self.field
            answer["reason"] = self.reason or "invalid"
        return answer


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` entry documenting error statuses of a route with the :class:`ErrorBody` schema."""
    return {status: {"model": ErrorBody} for status in statuses}


#: Errors any route can answer (unreadable parameters, refused content types).
ERRORS = error_responses(400, 406)


MAX_OFFSET = 2**53 - 1
"""The largest page offset or cursor a route takes: SQLite integers are 64-bit (a larger one could not be bound),
and every integer up to here is exact as a JSON number in any client (so the declared ``maximum`` means the same to
a validator that reads numbers as doubles)."""

DATE_PATTERN = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
"""``YYYY-MM-DD``: with JSON Schema ``format: date``, a real calendar day (RFC 3339 full-date)."""


def _wire_date(value: object) -> dt.date:
    """A :data:`WireDate`: a text of exactly ``YYYY-MM-DD`` naming a calendar day."""
    if isinstance(value, str) and re.fullmatch(DATE_PATTERN, value) is not None:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError("a date is YYYY-MM-DD (a calendar day)")


def _wire_int(value: object) -> int:
    """A :data:`WireInt`: a JSON integer (``5`` or ``5.0``), never ``true`` or a text."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise ValueError("an integer")


WireDate = Annotated[dt.date, BeforeValidator(_wire_date), WithJsonSchema({"type": "string", "format": "date"})]
"""A date in a JSON body: exactly ``YYYY-MM-DD`` (``format: date``), no time, no timestamp number."""

WireInt = Annotated[int, BeforeValidator(_wire_int)]
"""An integer in a JSON body: a JSON number without fraction, never a boolean or a text (JSON Schema ``integer``)."""


AMOUNT_PATTERN = "^[0-9]{1,18}(?:[.][0-9]{1,8})?$"
"""A non-negative decimal amount as text (``"12345.60"``): what clients send to keep every digit."""


def _amount(value: object) -> Decimal:
    """A :data:`WireAmount`: a JSON number >= 0 or a text of :data:`AMOUNT_PATTERN`."""
    if isinstance(value, str):
        if re.search(AMOUNT_PATTERN, value) is None:
            raise ValueError("an amount is a number >= 0, or its digits as text (12345.60)")
        return Decimal(value.strip())
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            number = Decimal("NaN")
        if number.is_finite() and number >= 0:
            return number
    raise ValueError("an amount is a number >= 0, or its digits as text (12345.60)")


WireAmount = Annotated[
    Decimal,
    BeforeValidator(_amount),
    WithJsonSchema({"anyOf": [{"type": "number", "minimum": 0}, {"type": "string", "pattern": AMOUNT_PATTERN}]}),
]
"""A non-negative amount in a JSON body: a number, or its digits as text; declared as exactly that."""


def date_query(description: str = "YYYY-MM-DD", *, alias: str | None = None) -> Any:
    """A query parameter (for ``Annotated[str | None, date_query()] = None``) declared as ``format: date`` with
    :data:`DATE_PATTERN`; the route still reads it with :func:`query_date`, which refuses a day the calendar lacks
    (2026-02-30)."""
    return Query(alias=alias, pattern=DATE_PATTERN, description=description, json_schema_extra={"format": "date"})


def query_date(value: str | None, field: str) -> dt.date | None:
    """A :func:`date_query` parameter as a date.

    Raises:
        ApiError: 400 ``bad_parameter`` naming ``field``: no such calendar day.
    """
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        reason = "not a calendar day (YYYY-MM-DD)"
        raise ApiError(400, "bad_parameter", f"{field}: {reason}", field=field, reason=reason) from None


def accepts_json(request: Request) -> None:
    """Dependency: refuse (406) a request whose ``Accept`` excludes JSON, the only type the gateway answers in."""
    accept = request.headers.get("accept")
    if accept is None:
        return
    for item in accept.split(","):
        media = item.split(";")[0].strip().lower()
        if media in ("", "*/*", "application/*", "application/json") or media.endswith("+json"):
            return
    raise ApiError(406, "not_acceptable", "this endpoint answers application/json only (Accept header)")


async def read_body(request: Request, media_types: tuple[str, ...], limit: int) -> bytes:
    """The request body, checked before and while it is read.

    Refuses a ``Content-Type`` not in ``media_types`` (415) and a body over ``limit`` bytes (413) from its
    ``Content-Length`` without reading it, or as soon as a chunked body passes the limit; both replies close the
    connection, so an unread body can never be taken for a further request.

    Raises:
        ApiError: 415 or 413.
    """
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in media_types:
        raise ApiError(
            415,
            "unsupported_media_type",
            f"Content-Type must be one of {', '.join(media_types)}, got {content_type or 'none'}",
            close=True,
        )
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise ApiError(413, "too_large", f"body of {declared} bytes is over the limit of {limit} bytes", close=True)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiError(413, "too_large", f"body over the limit of {limit} bytes", close=True)
        chunks.append(chunk)
    return b"".join(chunks)


__all__ = [
    "AMOUNT_PATTERN",
    "DATE_PATTERN",
    "ERRORS",
    "MAX_OFFSET",
    "ApiError",
    "Context",
    "ErrorBody",
    "SandboxContext",
    "WireAmount",
    "WireDate",
    "WireInt",
    "accepts_json",
    "date_query",
    "error_responses",
    "query_date",
    "read_body",
    "sandbox_context",
]
