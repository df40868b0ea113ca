"""The sandbox's HTTP gateway: the FastAPI app factory and the uvicorn server that runs it in a thread.

Adding a sandbox service: write its ``fastapi.APIRouter`` in its own module (see :mod:`eport.sandbox.web` for how a
route reaches the sandbox's state folder and settings) and add one ``app.include_router(...)`` line in
:func:`create_app`.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
from typing import Any

import uvicorn
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from eport import __version__
from eport.errors import ConnectError, DamagedRecordError
from eport.sandbox import exchange_api, identity_api, login_api, refund_api, verification_api
from eport.sandbox.web import ERRORS, ApiError, SandboxContext, accepts_json

logger = logging.getLogger(__name__)

#: Pending connections the listening socket queues (the kernel caps it at ``net.core.somaxconn``).
BACKLOG = 1024
#: Seconds an idle kept-alive connection stays open.
KEEP_ALIVE = 30


def _error(status: int, code: str, message: str, *, close: bool = False) -> JSONResponse:
    headers = {"Connection": "close"} if close else None
    return JSONResponse({"error": message, "code": code}, status_code=status, headers=headers)


def _codes(status: int) -> str:
    return {404: "not_found", 405: "method_not_allowed", 413: "too_large"}.get(status, "http_error")


def create_app(context: SandboxContext, *, server_url: str | None = None) -> FastAPI:
    """The sandbox's ASGI application.

    Args:
        context: the running sandbox (reached by routes through :data:`eport.sandbox.web.Context`).
        server_url: the gateway's base URL, named in the OpenAPI document's ``servers``.
    """
    app = FastAPI(
        title="eport sandbox: E-Port exchange gateway simulator",
        version=__version__,
        description="Submit DxpMsg envelopes and fetch receipts. Business problems (schema, signature, duplicates, "
        'limits, 三单对碰) come back as receipts, not HTTP errors. Errors are `{"error", "code"}` documents.',
        servers=[{"url": server_url}] if server_url else None,
        docs_url=None,
        redoc_url=None,
        dependencies=[Depends(accepts_json)],  # every route answers JSON only: 406 otherwise
    )
    app.state.sandbox = context

    @app.get("/healthz", summary="Liveness", responses=ERRORS)
    async def healthz() -> dict[str, str]:  # async: answered on the event loop, no worker thread
        return {"status": "ok"}

    # The sandbox services: one router each, in its own module.
    app.include_router(exchange_api.router)
    app.include_router(refund_api.router)
    app.include_router(login_api.router)
    app.include_router(verification_api.router)
    app.include_router(identity_api.router)

    _install_error_handlers(app)
    app.openapi = _openapi(app)  # type: ignore[method-assign]
    return app


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        headers = {"Connection": "close"} if exc.close else None
        return JSONResponse(exc.body(), status_code=exc.status, headers=headers)

    @app.exception_handler(DamagedRecordError)
    async def damaged(request: Request, exc: DamagedRecordError) -> JSONResponse:  # that record only: 409
        return _error(409, "damaged_record", str(exc))

    @app.exception_handler(RequestValidationError)
    async def bad_parameter(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [(_field_path(item.get("loc", ())), str(item.get("msg", "invalid"))) for item in exc.errors()]
        message = "; ".join(f"{where}: {why}" for where, why in problems) or "bad request"
        field, reason = problems[0] if problems else ("request", "bad request")
        return JSONResponse(ApiError(400, "bad_parameter", message, field=field, reason=reason).body(), status_code=400)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = str(exc.detail) if exc.status_code != 404 else f"no route {request.url.path}"
        return _error(exc.status_code, _codes(exc.status_code), message, close=request.method not in ("GET", "HEAD"))


def _field_path(loc: Any) -> str:
    """A validation error's location as the request names it: ``tradeCode``, ``lines[3].qty`` (a body field by its
    JSON path, as the services' own refusals name it; ``body`` for the body as a whole)."""
    parts = list(loc)
    if parts and parts[0] in ("query", "path", "header", "cookie", "body"):
        parts = parts[1:]
    path = ""
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "body"


def _openapi(app: FastAPI) -> Any:
    """The framework's OpenAPI document, without the 422 it adds by default (parameter errors answer 400)."""

    def build() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = FastAPI.openapi(app)
            for path in schema.get("paths", {}).values():
                for operation in path.values():
                    operation.get("responses", {}).pop("422", None)
            for name in ("HTTPValidationError", "ValidationError"):
                schema.get("components", {}).get("schemas", {}).pop(name, None)
            app.openapi_schema = schema
        return app.openapi_schema

    return build


class GatewayServer:
    """uvicorn serving an app, in a background thread, on a socket bound at construction (so the port is known
    before the app is built: the OpenAPI document names it).

    Args:
        host: address to listen on.
        port: TCP port; 0 picks a free one (see :attr:`port`).

    Raises:
        ConnectError: if the address cannot be bound.
    """

    def __init__(self, host: str, port: int) -> None:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        # proto=IPPROTO_TCP matters: asyncio sets TCP_NODELAY only on accepted sockets whose proto says TCP. Without
        # it uvicorn's head and body leave in two segments and Nagle + the client's delayed ACK stall every reply
        # ~40 ms (tests/sandbox/test_http_latency.py).
        self._socket = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        try:
            self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self._socket.bind((host, port))
            self._socket.listen(BACKLOG)
        except OSError as exc:
            self._socket.close()
            raise ConnectError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
        self.host = host
        self.port = int(self._socket.getsockname()[1])
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def start(self, app: Any, timeout: float = 10.0) -> None:
        """Serve ``app``; return once uvicorn accepts connections.

        Raises:
            ConnectError: if uvicorn does not start within ``timeout`` seconds.
        """
        config = uvicorn.Config(
            app,
            http="httptools",
            lifespan="off",
            log_config=None,
            access_log=False,
            timeout_keep_alive=KEEP_ALIVE,
            backlog=BACKLOG,
            server_header=False,
            timeout_graceful_shutdown=5,  # a stop waits this long at most for requests in flight
        )
        server = self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=lambda: asyncio.run(server.serve(sockets=[self._socket])), name="eport-sandbox-http", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise ConnectError("the sandbox's HTTP gateway did not start")
            time.sleep(0.01)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop accepting, finish the requests in flight, and close the socket."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
        self._socket.close()


__all__ = ["BACKLOG", "GatewayServer", "create_app"]
