"""eport.services.portal against a real loopback HTTP server with scripted answers."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from eport.errors import (
    ConfigurationError,
    ConnectError,
    PortalError,
    ProtocolError,
    ServiceTimeout,
    SessionExpiredError,
)
from eport.services import Retry, Timeout
from eport.services.portal import Page, PortalSession, iter_items, paginate, retry_after_seconds
from tests.services.helpers import free_port

Answer = tuple[int, dict[str, str], bytes]


class Scripted:
    """A loopback server answering from a script (the last answer repeats); it records every request."""

    def __init__(self, *answers: Answer, delay: float = 0.0) -> None:
        self.answers = list(answers)
        self.requests: list[dict[str, Any]] = []
        self.delay = delay
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                owner.requests.append(
                    {"method": self.command, "path": self.path, "body": self.rfile.read(length),
                     "cookie": self.headers.get("Cookie")}
                )  # fmt: skip
                if owner.delay:
                    threading.Event().wait(owner.delay)
                status, headers, body = owner.answers.pop(0) if len(owner.answers) > 1 else owner.answers[0]
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = _answer  # noqa: N815

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = False  # server_close() joins the handler threads: nothing outlives a test
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def ok(value: Any, **headers: str) -> Answer:
    return 200, {"Content-Type": "application/json", **headers}, json.dumps(value).encode()


@pytest.fixture
def script() -> Iterator[list[Scripted]]:
    servers: list[Scripted] = []
    yield servers
    for server in servers:
        server.close()


def serve(holder: list[Scripted], *answers: Answer, delay: float = 0.0) -> Scripted:
    server = Scripted(*answers, delay=delay)
    holder.append(server)
    return server


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def session(url: str, sleeps: Sleeps, **kwargs: Any) -> PortalSession:
    return PortalSession(url, retry=Retry(attempts=3, backoff=0.1), sleep=sleeps, **kwargs)


def test_get_json_and_cookies_kept(script: list[Scripted]) -> None:
    server = serve(script, ok({"a": 1}, **{"Set-Cookie": "JSESSIONID=abc; Path=/"}), ok({"b": 2}))
    portal = session(server.url, Sleeps())
    assert portal.get_json("/x", params={"q": "1"}) == {"a": 1}
    assert portal.get_json("y") == {"b": 2}
    assert server.requests[0]["path"] == "/x?q=1"
    assert server.requests[1]["cookie"] == "JSESSIONID=abc"
    assert portal.cookies.get("JSESSIONID") == "abc"


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
def test_idempotent_calls_are_retried_on_transient_statuses(script: list[Scripted], status: int) -> None:
    server = serve(script, (status, {}, b""), ok({"done": True}))
    sleeps = Sleeps()
    assert session(server.url, sleeps).get_json("/q") == {"done": True}
    assert len(server.requests) == 2
    assert sleeps == [0.1]


def test_retry_after_is_honoured_when_longer_than_the_backoff(script: list[Scripted]) -> None:
    server = serve(script, (429, {"Retry-After": "3"}, b""), (503, {"Retry-After": "0"}, b""), ok([]))
    sleeps = Sleeps()
    assert session(server.url, sleeps).get_json("/q") == []
    assert sleeps == [3.0, 0.2]


def test_a_retry_after_beyond_the_limit_is_raised_not_waited(script: list[Scripted]) -> None:
    server = serve(script, (429, {"Retry-After": "3600"}, b'{"code": "rate", "error": "slow down"}'))
    sleeps = Sleeps()
    with pytest.raises(PortalError, match="slow down") as info:
        session(server.url, sleeps).get_json("/q")
    assert (info.value.status, info.value.code) == (429, "rate")
    assert sleeps == []
    assert len(server.requests) == 1


def test_retries_run_out_into_a_typed_error(script: list[Scripted]) -> None:
    server = serve(script, (503, {}, b"busy"))
    sleeps = Sleeps()
    with pytest.raises(PortalError, match="HTTP 503: busy"):
        session(server.url, sleeps).get_json("/q")
    assert len(server.requests) == 3
    assert sleeps == [0.1, 0.2]


def test_a_non_idempotent_post_is_never_repeated_after_it_reached_the_server(script: list[Scripted]) -> None:
    server = serve(script, (503, {}, b""), ok({}))
    sleeps = Sleeps()
    with pytest.raises(PortalError) as info:
        session(server.url, sleeps).post_json("/declare", {"batch": 1})
    assert info.value.status == 503
    assert len(server.requests) == 1
    assert sleeps == []
    # the same POST marked idempotent (a query) is retried
    assert session(server.url, sleeps).post_json("/query", {}, idempotent=True) == {}


def test_4xx_is_a_portal_error_with_code_and_not_retried(script: list[Scripted]) -> None:
    server = serve(script, (409, {}, b'{"code": "state", "error": "batch is declared"}'))
    sleeps = Sleeps()
    with pytest.raises(PortalError, match="batch is declared") as info:
        session(server.url, sleeps).get_json("/q")
    assert (info.value.status, info.value.code) == (409, "state")
    assert sleeps == []


def test_session_expiry_is_typed(script: list[Scripted]) -> None:
    server = serve(
        script,
        (401, {}, b""),
        (302, {"Location": "https://app.singlewindow.cn/cas/login?service=x"}, b""),
        (302, {"Location": "/elsewhere"}, b""),
    )
    portal = session(server.url, Sleeps())
    with pytest.raises(SessionExpiredError, match="401"):
        portal.get_json("/a")
    with pytest.raises(SessionExpiredError, match="login page"):
        portal.get_json("/b")
    with pytest.raises(PortalError, match="unexpected redirect") as info:
        portal.get_json("/c")
    assert not isinstance(info.value, SessionExpiredError)
    # check=False hands the redirect back (the CAS login flow reads it)
    answer = portal.request("GET", "/d", check=False)
    assert (answer.status, answer.location) == (302, "/elsewhere")


def test_malformed_json_is_a_protocol_error(script: list[Scripted]) -> None:
    server = serve(script, (200, {}, b"<html>"))
    with pytest.raises(ProtocolError, match="not JSON"):
        session(server.url, Sleeps()).get_json("/q")


def test_connect_errors_are_retried_for_any_method_then_typed() -> None:
    sleeps = Sleeps()
    portal = session(f"http://127.0.0.1:{free_port()}", sleeps)
    with pytest.raises(ConnectError):
        portal.post_json("/declare", {})  # never reached the server: safe to retry even a POST
    assert sleeps == [0.1, 0.2]


def test_read_timeout_of_a_post_is_not_retried(script: list[Scripted]) -> None:
    server = serve(script, ok({}), delay=0.5)
    sleeps = Sleeps()
    portal = session(server.url, sleeps, timeout=Timeout(connect=1, read=0.1))
    with pytest.raises(ServiceTimeout):
        portal.post_json("/declare", {})
    assert sleeps == []
    with pytest.raises(ServiceTimeout):
        portal.get_json("/q")
    assert sleeps == [0.1, 0.2]


def test_bad_configuration_is_refused() -> None:
    import requests

    with pytest.raises(ConfigurationError):
        PortalSession("ftp://x")
    unsafe = requests.Session()
    unsafe.verify = False
    with pytest.raises(ConfigurationError, match="verification"):
        PortalSession("https://127.0.0.1", session=unsafe)
    with pytest.raises(ConfigurationError, match="cannot load"):
        PortalSession("https://127.0.0.1", trust=[b"not a certificate"])


def test_tls_against_an_unknown_ca_is_refused(script: list[Scripted]) -> None:
    portal = PortalSession(f"https://127.0.0.1:{free_port()}", trust=[], retry=Retry(attempts=1))
    with pytest.raises(ConnectError):
        portal.get_json("/q")


def test_portal_and_gateway_transport_share_one_tls_and_retry_home() -> None:
    """TLS and retry helpers live in eport.services._tls/_retry; no module reaches into another's private names."""
    import ast
    from pathlib import Path

    import eport.services as services
    from eport.services import HttpTransport, _retry, _tls, portal

    root = Path(services.__file__).parent
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("eport.services."):
                module_leaf = (node.module or "").rsplit(".", 1)[-1]
                private = [a.name for a in node.names if a.name.startswith("_")]
                assert module_leaf.startswith("_") or not private, f"{path.name} imports {private} from {node.module}"
    assert portal.Retry is _retry.Retry
    assert portal.retry_after_seconds is _retry.retry_after_seconds
    adapters = [
        PortalSession("https://127.0.0.1")._session.get_adapter("https://127.0.0.1/"),
        HttpTransport("https://127.0.0.1", dxp_id="DXPENT0000000001")._session.get_adapter("https://127.0.0.1/"),
    ]
    assert all(isinstance(adapter, _tls.TrustAdapter) for adapter in adapters)


@pytest.mark.parametrize("client", ["portal", "gateway"])
def test_both_clients_set_up_their_session_alike(client: str) -> None:
    """One session setup (``eport.services._tls.client_session``) for the portal session and the HTTP transport."""
    import requests

    from eport.services import HttpTransport

    def make(url: str, session: requests.Session | None = None) -> requests.Session:
        if client == "portal":
            return PortalSession(url, session=session)._session
        return HttpTransport(url, dxp_id="DXPENT0000000001", session=session)._session

    with pytest.raises(ConfigurationError, match="must start with http"):
        make("ftp://127.0.0.1")
    insecure = requests.Session()
    insecure.verify = False
    with pytest.raises(ConfigurationError, match="verification switched off"):
        make("https://127.0.0.1", insecure)
    assert make("https://localhost:8443").trust_env is False  # loopback: never through an environment proxy
    assert make("https://gateway.example").trust_env is True
    given = requests.Session()
    assert make("https://[::1]:8443/", given) is given
    assert given.trust_env is False


def test_a_response_repr_shows_no_session_cookie_or_credential() -> None:
    from eport.services.portal import PortalResponse

    headers = {"set-cookie": "TGC=TGT-1-s3cr3t; Path=/cas", "authorization": "Bearer t0k3n", "location": "/x"}
    text = repr(PortalResponse(302, headers, b"{}", "https://127.0.0.1/cas/login"))
    assert "s3cr3t" not in text
    assert "t0k3n" not in text
    assert "'location': '/x'" in text


def test_retry_after_parsing() -> None:
    import datetime as dt

    now = dt.datetime(2026, 12, 4, 12, 0, tzinfo=dt.timezone.utc)
    assert retry_after_seconds("7") == 7.0
    assert retry_after_seconds("Fri, 04 Dec 2026 12:00:30 GMT", now=now) == 30.0
    assert retry_after_seconds("Fri, 04 Dec 2026 11:00:00 GMT", now=now) == 0.0
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None


# ------------------------------------------------------------------------------------------------- pagination
def _listing(rows: int, *, with_total: bool) -> tuple[list[tuple[int, int]], Any]:
    calls: list[tuple[int, int]] = []

    def fetch(offset: int, limit: int) -> Page[int]:
        calls.append((offset, limit))
        return Page(tuple(range(offset, min(offset + limit, rows))), offset, rows if with_total else None)

    return calls, fetch


@pytest.mark.parametrize("with_total", [True, False])
@pytest.mark.parametrize("rows", [0, 1, 9, 10, 11, 25])
def test_paginate_visits_every_row_once(rows: int, with_total: bool) -> None:
    calls, fetch = _listing(rows, with_total=with_total)
    assert list(iter_items(paginate(fetch, page_size=10))) == list(range(rows))
    exact = with_total or rows % 10  # without a total, a full last page needs one more (empty) fetch
    assert len(calls) == max(1, -(-rows // 10) + (0 if exact else 1))


def test_paginate_is_lazy_and_bounded() -> None:
    calls, fetch = _listing(100, with_total=True)
    pages = paginate(fetch, page_size=10, start=20, max_pages=2)
    assert calls == []
    assert [p.offset for p in pages] == [20, 30]
    assert calls == [(20, 10), (30, 10)]


def test_paginate_refuses_oversized_pages_and_bad_arguments() -> None:
    with pytest.raises(ProtocolError, match="returned 3"):
        list(paginate(lambda o, n: Page((1, 2, 3), o), page_size=2))
    with pytest.raises(ConfigurationError):
        list(paginate(lambda o, n: Page((), o), page_size=0))
