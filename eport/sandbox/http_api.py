"""The sandbox's HTTP gateway (``docs/exchange-protocol.md``) on ``http.server.ThreadingHTTPServer``.

Handlers only store and read: they never wait for a simulated customs delay.
"""

from __future__ import annotations

import base64
import json
import logging
import urllib.parse
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cryptography import x509

from eport import __version__
from eport.errors import DecodeError
from eport.sandbox.engine import Engine

logger = logging.getLogger(__name__)

MAX_RECEIPTS = 1000


def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 description served at ``/openapi.json``."""
    error = {
        "type": "object",
        "properties": {"error": {"type": "string"}, "code": {"type": "string"}},
        "required": ["error", "code"],
    }
    accepted = {
        "type": "object",
        "properties": {
            "copMsgId": {"type": "string"},
            "msgId": {"type": "integer"},
            "duplicate": {"type": "boolean"},
        },
        "required": ["copMsgId", "msgId", "duplicate"],
    }
    receipt = {
        "type": "object",
        "properties": {
            "seq": {"type": "integer"},
            "copMsgId": {"type": "string"},
            "sourceCopMsgId": {"type": "string"},
            "msgType": {"type": "string"},
            "createdAt": {"type": "string", "format": "date-time"},
            "dxp": {"type": "string", "contentEncoding": "base64", "description": "the receipt DxpMsg XML"},
        },
        "required": ["seq", "copMsgId", "sourceCopMsgId", "msgType", "createdAt", "dxp"],
    }

    def reply(description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"description": description}
        if schema is not None:
            body["content"] = {"application/json": {"schema": schema}}
        return body

    return {
        "openapi": "3.1.0",
        "info": {
            "title": "eport sandbox: E-Port exchange gateway simulator",
            "version": __version__,
            "description": "Submit DxpMsg envelopes and fetch receipts. Business problems (schema, signature, "
            "duplicates, limits, 三单对碰) come back as receipts, not HTTP errors.",
        },
        "servers": [{"url": "http://127.0.0.1:8730"}],
        "paths": {
            "/healthz": {"get": {"summary": "Liveness", "responses": {"200": reply("ok")}}},
            "/openapi.json": {"get": {"summary": "This document", "responses": {"200": reply("OpenAPI 3.1")}}},
            "/api/v1/dxp": {
                "post": {
                    "summary": "Submit one DxpMsg envelope",
                    "parameters": [
                        {
                            "name": "Idempotency-Key",
                            "in": "header",
                            "required": False,
                            "description": "the envelope's CopMsgId; when given it must match",
                            "schema": {"type": "string"},
                        }
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {"application/xml": {"schema": {"type": "string"}}},
                    },
                    "responses": {
                        "202": reply("stored and queued", accepted),
                        "200": reply("already stored with identical bytes (a retry)", accepted),
                        "400": reply("unreadable envelope", error),
                        "409": reply("same CopMsgId, different bytes", error),
                        "413": reply("too large", error),
                    },
                }
            },
            "/api/v1/receipts": {
                "get": {
                    "summary": "Receipts for one receiver after a cursor",
                    "parameters": [
                        {"name": "dxpId", "in": "query", "required": True, "schema": {"type": "string"}},
                        {"name": "after", "in": "query", "schema": {"type": "integer", "default": 0}},
                        {
                            "name": "limit",
                            "in": "query",
                            "schema": {"type": "integer", "default": 100, "maximum": MAX_RECEIPTS},
                        },
                    ],
                    "responses": {
                        "200": reply(
                            "receipts, oldest first; pass next as after",
                            {
                                "type": "object",
                                "properties": {
                                    "receipts": {"type": "array", "items": receipt},
                                    "next": {"type": "integer"},
                                },
                            },
                        ),
                        "400": reply("bad parameters", error),
                    },
                }
            },
            "/api/v1/submissions/{copMsgId}": {
                "get": {
                    "summary": "One submission and its status history",
                    "parameters": [{"name": "copMsgId", "in": "path", "required": True, "schema": {"type": "string"}}],
                    "responses": {"200": reply("the submission"), "404": reply("unknown", error)},
                }
            },
            "/api/v1/stats": {
                "get": {
                    "summary": "Counts of stored submissions, receipts and pending events (sandbox only)",
                    "responses": {"200": reply("counts")},
                }
            },
            "/api/v1/certificates": {
                "get": {"summary": "Registered signing certificates (sandbox only)", "responses": {"200": reply("")}},
                "post": {
                    "summary": "Register a signing certificate, PEM or DER body (sandbox only)",
                    "responses": {"201": reply("registered"), "400": reply("not a certificate", error)},
                },
            },
        },
    }


class SandboxHTTPServer(ThreadingHTTPServer):
    """A threading HTTP server that knows its engine."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], engine: Engine) -> None:
        self.engine = engine
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    """One keep-alive connection.

    Every reply leaves in one ``send``: the status line, headers and body are collected in a buffered ``wfile``
    (``wbufsize``) that ``handle_one_request`` flushes once per request, and ``TCP_NODELAY`` is set on the accepted
    socket. With the stdlib defaults (unbuffered ``wfile``, Nagle on) headers and body went out in two small
    segments; Nagle held the body back until the client ACKed the headers, and the client delays that ACK by
    ~40 ms (Linux delayed ACK): every request took at least 40 ms whatever the work behind it.
    """

    server: SandboxHTTPServer
    protocol_version = "HTTP/1.1"
    server_version = "eport-sandbox"
    timeout = 30.0  # seconds a client may stay silent on its connection
    disable_nagle_algorithm = True  # TCP_NODELAY on the accepted socket
    wbufsize = 64 * 1024  # replies up to this size (headers + body) leave in one send

    def handle_expect_100(self) -> bool:
        """Answer ``Expect: 100-continue`` at once (the buffered ``wfile`` would otherwise hold the interim reply)."""
        accepted = super().handle_expect_100()
        self.wfile.flush()
        return accepted

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s %s", self.address_string(), format % args)

    # ----------------------------------------------------------------------------------------- helpers
    def _json(self, status: int, body: Any) -> None:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, code: str, message: str) -> None:
        self._json(status, {"error": message, "code": code})

    def _body(self) -> bytes | None:
        length_header = self.headers.get("Content-Length")
        if length_header is None or not length_header.isdigit():
            self._error(HTTPStatus.LENGTH_REQUIRED, "length_required", "Content-Length is required")
            return None
        length = int(length_header)
        if length > self.server.engine.config.max_body:
            self._error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "too_large", "body too large")
            self.close_connection = True
            return None
        return self.rfile.read(length)

    # ----------------------------------------------------------------------------------------- routes
    def do_GET(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        if url.path == "/healthz":
            self._json(HTTPStatus.OK, {"status": "ok"})
        elif url.path == "/openapi.json":
            self._json(HTTPStatus.OK, openapi_document())
        elif url.path == "/api/v1/receipts":
            self._receipts(query)
        elif url.path.startswith("/api/v1/submissions/"):
            self._submission(urllib.parse.unquote(url.path.removeprefix("/api/v1/submissions/")))
        elif url.path == "/api/v1/stats":
            self._json(HTTPStatus.OK, self.server.engine.store.stats())
        elif url.path == "/api/v1/certificates":
            store = self.server.engine.store
            self._json(
                HTTPStatus.OK,
                {"certificates": [{"fingerprint": f, "label": label} for f, label in store.certificates()]},
            )
        else:
            self._error(HTTPStatus.NOT_FOUND, "not_found", f"no route {url.path}")

    def do_POST(self) -> None:
        path = urllib.parse.urlsplit(self.path).path
        if path == "/api/v1/dxp":
            self._submit()
        elif path == "/api/v1/certificates":
            self._register()
        else:
            self._error(HTTPStatus.NOT_FOUND, "not_found", f"no route {path}")

    def _submit(self) -> None:
        body = self._body()
        if body is None:
            return
        try:
            envelope, outcome = self.server.engine.accept(body)
        except DecodeError as exc:
            self._error(HTTPStatus.BAD_REQUEST, "bad_envelope", str(exc))
            return
        key = self.headers.get("Idempotency-Key")
        if key is not None and key != envelope.cop_msg_id:
            self._error(HTTPStatus.BAD_REQUEST, "idempotency_key_mismatch", "Idempotency-Key must equal CopMsgId")
            return
        if outcome.conflict:
            self._error(HTTPStatus.CONFLICT, "conflict", f"CopMsgId {envelope.cop_msg_id} was stored with other bytes")
            return
        status = HTTPStatus.ACCEPTED if outcome.created else HTTPStatus.OK
        self._json(status, {"copMsgId": envelope.cop_msg_id, "msgId": outcome.msg_id, "duplicate": not outcome.created})

    def _receipts(self, query: dict[str, list[str]]) -> None:
        dxp_id = (query.get("dxpId") or [""])[0]
        try:
            after = int((query.get("after") or ["0"])[0])
            limit = int((query.get("limit") or ["100"])[0])
        except ValueError:
            self._error(HTTPStatus.BAD_REQUEST, "bad_parameter", "after and limit must be integers")
            return
        if not dxp_id or after < 0 or not 1 <= limit <= MAX_RECEIPTS:
            self._error(
                HTTPStatus.BAD_REQUEST, "bad_parameter", f"dxpId required, after >= 0, 1 <= limit <= {MAX_RECEIPTS}"
            )
            return
        rows = self.server.engine.store.receipts_after(dxp_id, after, limit)
        self._json(
            HTTPStatus.OK,
            {
                "receipts": [
                    {
                        "seq": r.seq,
                        "copMsgId": r.cop_msg_id,
                        "sourceCopMsgId": r.source_cop_msg_id,
                        "msgType": r.msg_type,
                        "createdAt": r.created_at,
                        "dxp": base64.b64encode(r.dxp).decode("ascii"),
                    }
                    for r in rows
                ],
                "next": rows[-1].seq if rows else after,
            },
        )

    def _submission(self, cop_msg_id: str) -> None:
        store = self.server.engine.store
        submission = store.submission(cop_msg_id)
        if submission is None:
            self._error(HTTPStatus.NOT_FOUND, "not_found", f"no submission {cop_msg_id}")
            return
        self._json(
            HTTPStatus.OK,
            {
                "copMsgId": submission.cop_msg_id,
                "msgId": submission.msg_id,
                "msgType": submission.msg_type,
                "state": submission.state,
                "receivedAt": submission.received_at,
                "statuses": store.statuses(cop_msg_id),
            },
        )

    def _register(self) -> None:
        body = self._body()
        if body is None:
            return
        try:
            certificate = (
                x509.load_pem_x509_certificate(body)
                if body.lstrip().startswith(b"-----")
                else x509.load_der_x509_certificate(body)
            )
        except ValueError:
            self._error(HTTPStatus.BAD_REQUEST, "bad_certificate", "body is not a PEM or DER certificate")
            return
        from cryptography.hazmat.primitives.serialization import Encoding

        der = certificate.public_bytes(Encoding.DER)
        fingerprint = self.server.engine.store.add_certificate(der, certificate.subject.rfc4514_string())
        self._json(HTTPStatus.CREATED, {"fingerprint": fingerprint})


__all__ = ["SandboxHTTPServer", "openapi_document"]
