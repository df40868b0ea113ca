"""The shared HTTP base of the portal JSON services (refund, verification, card login, identity, enterprise).

A :class:`PortalSession` is one logged-in (or anonymous) conversation with one portal: a base URL, cookies kept
between calls, structured timeouts (:class:`~eport.services.Timeout`, never unbounded), TLS verified against the
system store plus the eport trust store of E-Port roots (the same :func:`~eport.services.trust_context` as
:class:`~eport.services.HttpTransport`; verification cannot be switched off), and a retry policy
(:class:`~eport.services.Retry`) applied only where it is safe:

* **idempotent** requests (GET/HEAD/OPTIONS/PUT/DELETE, or a POST the caller marks ``idempotent=True`` such as a
  query) are retried on connection failures, timeouts and HTTP 408, 429 and 5xx, pausing with exponential backoff
  or the server's ``Retry-After`` when that is longer (a ``Retry-After`` beyond ``max_retry_after`` is not waited
  for: the error is raised);
* any other request is retried only when the connection could not be opened at all (no byte left), never after
  it may have reached the portal.

Errors are typed: :class:`~eport.errors.ConnectError` / :class:`~eport.errors.ServiceTimeout` for transport
failures, :class:`~eport.errors.SessionExpiredError` for HTTP 401 or a redirect to the login page,
:class:`~eport.errors.PortalError` (with ``status`` and the JSON ``code``) for every other refusal, and
:class:`~eport.errors.ProtocolError` for an answer that is not the JSON promised. Bodies, form fields and query
strings are never logged (a login form carries the PIN).

:func:`paginate` turns an offset/limit fetch function into an iterator over pages.

Example (against a local sandbox)::

    with PortalSession("http://127.0.0.1:8730") as portal:
        info = portal.get_json("/healthz")
"""

from __future__ import annotations

import json as _json
import logging
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Generic, TypeVar
from urllib.parse import urlsplit

import attrs
import requests

from eport.errors import (
    ConfigurationError,
    ConnectError,
    PortalError,
    ProtocolError,
    ServiceTimeout,
    SessionExpiredError,
    TransportError,
)
from eport.services._retry import DEFAULT_RETRY, Retry, never_sent, retry_after_seconds
from eport.services._tls import client_session
from eport.services.transport import DEFAULT_TIMEOUT, Timeout

logger = logging.getLogger(__name__)

T = TypeVar("T")

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
DEFAULT_LOGIN_MARKERS = ("/cas/login", "/error/showError.jsp")
"""Redirect targets that mean the session ended (the CAS login page; decserver's error page)."""


_SECRET_HEADERS = frozenset({"set-cookie", "cookie", "authorization", "proxy-authorization"})


def _headers_repr(headers: Mapping[str, str]) -> str:
    """Headers for a repr: session cookies and credentials (a CAS ``TGC`` …) are never shown."""
    return repr({name: "<redacted>" if name.lower() in _SECRET_HEADERS else value for name, value in headers.items()})


@attrs.frozen
class PortalResponse:
    """One HTTP answer of a portal.

    Attributes:
        status: the HTTP status code.
        headers: the response headers, names lower-cased (cookies and credentials are left out of the repr).
        body: the raw body.
        url: the URL that was requested.
    """

    status: int
    headers: Mapping[str, str] = attrs.field(repr=_headers_repr)
    body: bytes = attrs.field(repr=lambda b: f"<{len(b)} bytes>")
    url: str

    @property
    def location(self) -> str | None:
        """The ``Location`` header of a redirect, if any."""
        return self.headers.get("location")

    def json(self) -> Any:
        """The body parsed as JSON.

        Raises:
            eport.errors.ProtocolError: the body is not JSON.
        """
        try:
            return _json.loads(self.body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ProtocolError(f"{self.url}: HTTP {self.status} answer is not JSON") from exc


def error_from_response(response: PortalResponse, *, login_markers: Sequence[str] = DEFAULT_LOGIN_MARKERS) -> None:
    """Raise the typed error a non-2xx answer means; return for 2xx.

    Raises:
        eport.errors.SessionExpiredError: HTTP 401, or a redirect to one of ``login_markers``.
        eport.errors.PortalError: any other status outside 2xx (``code`` and message from a JSON body with
            ``code`` and ``error``/``message``, when present).
    """
    status = response.status
    if 200 <= status < 300:
        return
    if status == 401:
        raise SessionExpiredError(f"{response.url}: session expired (HTTP 401)", status=401)
    if 300 <= status < 400:
        location = response.location or ""
        if any(marker in location for marker in login_markers):
            raise SessionExpiredError(f"{response.url}: session expired (redirected to the login page)", status=status)
        raise PortalError(f"{response.url}: unexpected redirect (HTTP {status})", status=status)
    code: str | None = None
    text = ""
    try:
        value = _json.loads(response.body)
        if isinstance(value, dict):
            code = None if value.get("code") is None else str(value.get("code"))
            text = str(value.get("error") or value.get("message") or "")
    except (ValueError, UnicodeDecodeError):
        text = response.body[:200].decode("utf-8", "replace")
    detail = f": {text}" if text else ""
    raise PortalError(f"{response.url}: HTTP {status}{detail}", status=status, code=code)


@attrs.frozen
class _Failure:
    """A failed try: the error to raise, whether the request may have reached the server, and the cause."""

    error: TransportError
    reached: bool
    cause: BaseException


class PortalSession:
    """A session with one portal JSON service.

    Args:
        base_url: the service root, e.g. ``http://127.0.0.1:8730`` or ``https://swapp.singlewindow.cn``.
        trust: PEM trust anchors (paths or bytes) used on top of the system store for ``https://``; ``None``
            uses the E-Port roots of the default eport trust store.
        timeout: connect/read timeouts of every request.
        retry: the retry policy (attempts and backoff).
        max_retry_after: the longest ``Retry-After`` in seconds the session waits for; a longer one is raised.
        login_markers: redirect targets that mean the session expired.
        headers: headers sent with every request (e.g. ``Accept``).
        session: a ``requests.Session`` to use (its ``verify`` must be left on).
        sleep: the pause function (tests inject one).
    """

    def __init__(
        self,
        base_url: str,
        *,
        trust: Sequence[str | os.PathLike[str] | bytes] | None = None,
        timeout: Timeout = DEFAULT_TIMEOUT,
        retry: Retry = DEFAULT_RETRY,
        max_retry_after: float = 30.0,
        login_markers: Sequence[str] = DEFAULT_LOGIN_MARKERS,
        headers: Mapping[str, str] | None = None,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._session = client_session(base_url, session, trust)
        if max_retry_after < 0:
            raise ConfigurationError("max_retry_after must not be negative")
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.retry = retry
        self.max_retry_after = max_retry_after
        self.login_markers = tuple(login_markers)
        self._sleep = sleep
        self._session.headers.update({"Accept": "application/json", **(headers or {})})

    def __repr__(self) -> str:
        return f"PortalSession({self.base_url!r})"

    @property
    def cookies(self) -> requests.cookies.RequestsCookieJar:
        """The cookies the session holds (``JSESSIONID``, CAS ``TGC`` …), sent back automatically."""
        return self._session.cookies

    def url(self, path: str) -> str:
        """An absolute URL: ``path`` as is when it already is one, else joined to :attr:`base_url`."""
        if path.startswith(("http://", "https://")):
            return path
        return self.base_url + ("" if path.startswith("/") else "/") + path

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Mapping[str, str] | bytes | None = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
        check: bool = True,
    ) -> PortalResponse:
        """Make one request with the retry policy; redirects are not followed (a login redirect is visible).

        Args:
            method: the HTTP method.
            path: a path under :attr:`base_url`, or an absolute URL.
            params: query parameters.
            json: a JSON body.
            data: a form (mapping) or raw bytes body.
            headers: extra headers for this request.
            idempotent: whether the request may be repeated safely; ``None`` decides by the method.
            check: raise the typed error of a non-2xx answer (:func:`error_from_response`); ``False`` returns
                every answer as is (after the retries), for flows such as a CAS login that read redirects.

        Raises:
            eport.errors.ConnectError: the portal cannot be reached (after retries), or TLS verification failed.
            eport.errors.ServiceTimeout: no answer in time (after retries).
            eport.errors.SessionExpiredError: with ``check``, HTTP 401 or a redirect to the login page.
            eport.errors.PortalError: with ``check``, any other non-2xx answer.
        """
        method = method.upper()
        safe = method in IDEMPOTENT_METHODS if idempotent is None else idempotent
        url = self.url(path)
        what = f"{method} {urlsplit(url).path}"
        pauses = self.retry.pauses()
        while True:
            outcome = self._send_once(method, url, what, params=params, json=json, data=data, headers=headers)
            if isinstance(outcome, PortalResponse):
                if outcome.status not in RETRY_STATUSES or not safe:
                    if check:
                        error_from_response(outcome, login_markers=self.login_markers)
                    return outcome
                server_pause = retry_after_seconds(outcome.headers.get("retry-after"))
                if server_pause is not None and server_pause > self.max_retry_after:
                    logger.info("%s: HTTP %d asks to wait %.0f s; not waiting", what, outcome.status, server_pause)
                    pause = None
                else:
                    pause = next(pauses, None)
                if pause is None:
                    if check:
                        error_from_response(outcome, login_markers=self.login_markers)
                    return outcome
                pause = max(pause, server_pause or 0.0)
                logger.info("%s: HTTP %d; retrying in %.2f s", what, outcome.status, pause)
            else:
                pause = next(pauses, None) if (safe or not outcome.reached) else None
                if pause is None:
                    raise outcome.error from outcome.cause
                logger.info("%s failed (%s); retrying in %.2f s", what, outcome.error, pause)
            self._sleep(pause)

    def _send_once(
        self,
        method: str,
        url: str,
        what: str,
        *,
        params: Mapping[str, Any] | None,
        json: Any,
        data: Mapping[str, str] | bytes | None,
        headers: Mapping[str, str] | None,
    ) -> PortalResponse | _Failure:
        """One try: the answer, or the transport failure (the one place ``requests`` exceptions are translated)."""
        try:
            raw = self._session.request(
                method,
                url,
                params=params,
                json=json,
                data=data,
                headers=dict(headers or {}),
                timeout=(self.timeout.connect, self.timeout.read),
                allow_redirects=False,
            )
            return PortalResponse(
                status=raw.status_code,
                headers={k.lower(): v for k, v in raw.headers.items()},
                body=raw.content,
                url=url,
            )
        except requests.exceptions.SSLError as exc:
            raise ConnectError(f"{what}: TLS certificate verification failed or TLS handshake error") from exc
        except requests.exceptions.ConnectTimeout as exc:
            return _Failure(ServiceTimeout(f"{what}: connection timed out"), reached=False, cause=exc)
        except requests.exceptions.ReadTimeout as exc:
            return _Failure(ServiceTimeout(f"{what}: no reply in time"), reached=True, cause=exc)
        except (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
            error = ConnectError(f"{what}: connection failed or dropped")
            return _Failure(error, reached=not never_sent(exc), cause=exc)
        except requests.exceptions.RequestException as exc:
            raise TransportError(f"{what}: {type(exc).__name__}") from exc

    def get_json(self, path: str, *, params: Mapping[str, Any] | None = None) -> Any:
        """``GET`` a JSON document (retried as an idempotent call).

        Raises:
            eport.errors.PortalError: a non-2xx answer (see :meth:`request`).
            eport.errors.ProtocolError: the answer is not JSON.
        """
        return self.request("GET", path, params=params).json()

    def post_json(self, path: str, body: Any, *, idempotent: bool = False) -> Any:
        """``POST`` a JSON body and return the JSON answer. Mark queries ``idempotent=True`` to allow retries.

        Raises:
            eport.errors.PortalError: a non-2xx answer (see :meth:`request`).
            eport.errors.ProtocolError: the answer is not JSON.
        """
        return self.request("POST", path, json=body, idempotent=idempotent).json()

    def close(self) -> None:
        """Close pooled connections."""
        self._session.close()

    def __enter__(self) -> PortalSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# ------------------------------------------------------------------------------------------------- pagination
@attrs.frozen
class Page(Generic[T]):
    """One page of a paginated listing.

    Attributes:
        items: the rows of this page.
        offset: the index of the first row in the whole listing.
        total: the size of the whole listing when the service tells it, else ``None``.
    """

    items: tuple[T, ...]
    offset: int
    total: int | None = None


def paginate(
    fetch: Callable[[int, int], Page[T]], *, page_size: int = 50, start: int = 0, max_pages: int | None = None
) -> Iterator[Page[T]]:
    """Iterate over the pages of an offset/limit listing, fetching each page only when it is reached.

    Args:
        fetch: ``fetch(offset, limit)`` returns one page.
        page_size: rows asked per page.
        start: the first offset.
        max_pages: stop after this many pages (``None``: until the listing ends).

    The listing ends at an empty page, a short page, or when ``offset + len(items)`` reaches ``total``.

    Raises:
        eport.errors.ConfigurationError: a non-positive page size or a negative start.
        eport.errors.ProtocolError: the service returned more rows than asked (the iteration would be unreliable).
    """
    if page_size < 1 or start < 0 or (max_pages is not None and max_pages < 0):
        raise ConfigurationError("paginate needs page_size >= 1, start >= 0 and max_pages >= 0")
    offset, pages = start, 0
    while max_pages is None or pages < max_pages:
        page = fetch(offset, page_size)
        if len(page.items) > page_size:
            raise ProtocolError(f"asked for {page_size} rows, the service returned {len(page.items)}")
        if not page.items:
            return
        yield page
        pages += 1
        offset += len(page.items)
        if len(page.items) < page_size or (page.total is not None and offset >= page.total):
            return


def iter_items(pages: Iterator[Page[T]]) -> Iterator[T]:
    """The rows of every page, in order."""
    for page in pages:
        yield from page.items


__all__ = [
    "DEFAULT_LOGIN_MARKERS",
    "IDEMPOTENT_METHODS",
    "RETRY_STATUSES",
    "Page",
    "PortalResponse",
    "PortalSession",
    "error_from_response",
    "iter_items",
    "paginate",
    "retry_after_seconds",
]
