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

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import attrs
from fastapi import Depends, Request
from pydantic import BaseModel

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
    """Every error the gateway answers: a human message and a stable machine code."""

    error: str
    code: str


class ApiError(Exception):
    """Raise in a route to answer ``status`` with an :class:`ErrorBody` (``{"error": message, "code": code}``).

    Args:
        status: HTTP status.
        code: stable machine code (``not_found``, ``conflict``…).
        message: what went wrong, naming the field.
        close: close the connection after the reply (for bodies left unread).
    """

    def __init__(self, status: int, code: str, message: str, *, close: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.close = close


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` entry documenting error statuses of a route with the :class:`ErrorBody` schema."""
    return {status: {"model": ErrorBody} for status in statuses}


#: Errors any route can answer (unreadable parameters, refused content types).
ERRORS = error_responses(400, 406)


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
    "ERRORS",
    "ApiError",
    "Context",
    "ErrorBody",
    "SandboxContext",
    "accepts_json",
    "error_responses",
    "read_body",
    "sandbox_context",
]
