"""HTTP transport: DXP envelopes posted to a gateway, receipts fetched with a cursor (``docs/exchange-protocol.md``).

Request building and reply parsing are pure functions (:func:`build_submit`, :func:`parse_submit_reply`,
:func:`parse_receipts_reply`); :class:`HttpTransport` only moves bytes with ``requests`` and translates its
exceptions in one place (:func:`_translate`).

Retries: queries (GET) are retried on connection failures, timeouts, 5xx answers and the two transient 4xx, 408
Request Timeout and 429 Too Many Requests, with exponential backoff; a ``Retry-After`` header (seconds or an HTTP
date) lengthens the pause, up to :attr:`Retry.max_retry_after`. Other 4xx are final. A submission (POST) that
certainly never reached the gateway (the connection could not be opened, or a 408 / 429 answer) is retried
the same way. A POST that *may* have reached it — the read timed out, the connection dropped after the request was
written, or a 5xx answer — is "unconfirmed", and :class:`HttpTransport` has one switch for it,
``retry_unconfirmed_posts``:

* ``True`` (default): POST it again. Safe because the gateway protocol (``docs/exchange-protocol.md``) makes the
  ``Idempotency-Key`` (the CopMsgId, with byte-identical envelopes) store a submission at most once: a retry gets
  ``"duplicate": true`` (or 409 if the bytes differ) instead of a second copy.
* ``False``, for gateways that do not honour the key: never POST it again on the spot. The transport asks the gateway
  instead (``GET /api/v1/submissions/<CopMsgId>``, an idempotent query); if the gateway holds it the send succeeded,
  otherwise the error is raised, the submission stays ``written``, and a later recovery re-send
  (:attr:`~eport.services.Outgoing.resend`) again asks before it posts.

TLS: certificates are verified against the system trust store plus the PEM certificates given as ``trust`` (the
eport trust store of E-Port root CAs, or a private CA). There is no option to switch verification off.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import json
import logging
import os
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any
from urllib.parse import quote

import attrs
import requests

from eport.errors import (
    ConfigurationError,
    ConnectError,
    DuplicateError,
    ProtocolError,
    ServiceTimeout,
    TransportError,
)
from eport.services._retry import DEFAULT_RETRY, retry_after_seconds
from eport.services._retry import Retry as Retry  # re-exported: eport.services.Retry
from eport.services._retry import never_sent as _never_sent
from eport.services._tls import client_session
from eport.services._tls import trust_context as trust_context  # re-exported: eport.services.trust_context
from eport.services.transport import DEFAULT_TIMEOUT, Outgoing, RawReceipt, ReceiveBatch, SendResult, Timeout

logger = logging.getLogger(__name__)


class _Retryable(Exception):  # noqa: N818 - internal signal, never escapes this module
    def __init__(self, error: TransportError, *, reached: bool = True, retry_after: float | None = None) -> None:
        self.error = error
        self.reached = reached  # the request may have reached the server
        self.retry_after = retry_after  # seconds the server asked to wait
        super().__init__(str(error))


#: 4xx answers that say "not now" rather than "never": the request was not processed, try again later.
TRANSIENT_4XX = frozenset({408, 429})


# ------------------------------------------------------------------------------------------- pure request/reply
@attrs.frozen
class Request:
    """An HTTP request to make, built without I/O."""

    method: str
    path: str
    headers: dict[str, str] = attrs.field(factory=dict)
    body: bytes | None = None


def build_submit(outgoing: Outgoing) -> Request:
    """The ``POST /api/v1/dxp`` request for one envelope, with its ``Idempotency-Key``."""
    return Request(
        method="POST",
        path="/api/v1/dxp",
        headers={"Content-Type": "application/xml", "Idempotency-Key": outgoing.cop_msg_id},
        body=outgoing.envelope,
    )


def build_receipts(dxp_id: str, after: str | None, limit: int) -> Request:
    """The ``GET /api/v1/receipts`` request for receipts addressed to ``dxp_id`` after the cursor."""
    if not 1 <= limit <= 1000:
        raise ConfigurationError("limit must be between 1 and 1000")
    query = f"dxpId={quote(dxp_id)}&after={int(after or 0)}&limit={limit}"
    return Request(method="GET", path=f"/api/v1/receipts?{query}", headers={"Accept": "application/json"})


def _json(status: int, body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ProtocolError(f"gateway answered HTTP {status} with a body that is not JSON") from exc
    if not isinstance(value, dict):
        raise ProtocolError(f"gateway answered HTTP {status} with JSON that is not an object")
    return value


def _error_text(status: int, body: bytes) -> str:
    try:
        value = json.loads(body)
        if isinstance(value, dict):
            return f"{value.get('code', '')}: {value.get('error', '')}".strip(": ")
    except (ValueError, UnicodeDecodeError):
        pass
    return body[:200].decode("utf-8", "replace")


def parse_submit_reply(outgoing: Outgoing, status: int, body: bytes) -> SendResult:
    """Interpret the gateway's answer to a submission.

    Raises:
        eport.errors.DuplicateError: 409, the CopMsgId is stored with different bytes (``code="conflict"``).
        eport.errors.ProtocolError: another 4xx (the gateway refused the envelope), or a malformed 2xx body.
        eport.errors.TransportError: 5xx, 408 or 429 (the caller retries).
    """
    if status in (200, 201, 202):
        reply = _json(status, body)
        if reply.get("copMsgId") not in (None, outgoing.cop_msg_id):
            raise ProtocolError("gateway acknowledged a different CopMsgId")
        return SendResult(
            cop_msg_id=outgoing.cop_msg_id,
            duplicate=bool(reply.get("duplicate")),
            reference=str(reply.get("msgId", "")),
        )
    if status == 409:
        raise DuplicateError(f"CopMsgId {outgoing.cop_msg_id} is held with different bytes", code="conflict")
    if 500 <= status < 600 or status in TRANSIENT_4XX:
        raise TransportError(f"gateway error HTTP {status}: {_error_text(status, body)}")
    raise ProtocolError(f"gateway refused the envelope, HTTP {status}: {_error_text(status, body)}")


def _seq(item: Any) -> int | None:
    """The entry's sequence number, ``None`` when it has no usable one (missing, not a whole number, not positive)."""
    value = item.get("seq") if isinstance(item, dict) else None
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value > 0 else None
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value) or None
    return None


def _entry_bytes(item: Any) -> bytes:
    """The entry as it came, canonical (sorted members): the same entry listed again gives the same bytes."""
    return json.dumps(item, ensure_ascii=False, sort_keys=True).encode()


def parse_receipts_reply(status: int, body: bytes, after: str | None) -> ReceiveBatch:
    """Interpret a receipts listing.

    One damaged entry never blocks the entries after it (``docs/services.md``, HTTP):

    * an entry whose ``dxp`` is not base64 is returned with the entry's JSON as its data, for the client to keep
      as an unreadable receipt; the cursor moves past it with its ``seq``;
    * an entry without a usable ``seq`` is returned the same way, with :attr:`RawReceipt.error` set and the
      identity ``entry:<sha256 of its canonical JSON>``, so the same entry listed again is recognised (the journal
      stores it once). It never moves the cursor by itself;
    * an entry whose ``seq`` is at or before the cursor (a re-delivery, or a gateway that ignores ``after``) is
      returned as usual and logged at warning: the journal keeps it when it is new and ignores it when it already
      has it, so a receipt the gateway numbered late is not lost. The cursor never moves backwards.

    The cursor returned is the listing's ``next`` (never before ``after`` or the last valid ``seq``), else the last
    valid ``seq``, else ``after``.

    Raises:
        eport.errors.ProtocolError: not a 200 listing, or one unusable as a whole (not a JSON object, no
            ``receipts`` array, a malformed ``next``): nothing is recorded and the cursor stays, poll again later.
        eport.errors.TransportError: 5xx, 408 or 429.
    """
    if 500 <= status < 600 or status in TRANSIENT_4XX:
        raise TransportError(f"gateway error HTTP {status}: {_error_text(status, body)}")
    if status != 200:
        raise ProtocolError(f"receipts listing failed, HTTP {status}: {_error_text(status, body)}")
    reply = _json(status, body)
    items = reply.get("receipts")
    if not isinstance(items, list):
        raise ProtocolError("receipts listing without a receipts array")
    next_cursor = reply.get("next")
    if next_cursor is not None:
        try:
            next_value: int | None = int(next_cursor)
        except (TypeError, ValueError) as exc:
            raise ProtocolError("receipts listing with a malformed next cursor") from exc
    else:
        next_value = None
    receipts: list[RawReceipt] = []
    start = last = int(after or 0)
    for item in items:
        seq = _seq(item)
        if seq is None:
            entry = _entry_bytes(item)
            identity = f"entry:{hashlib.sha256(entry).hexdigest()}"
            logger.warning("receipts listing entry without a usable seq kept as unreadable receipt %s", identity)
            receipts.append(RawReceipt(receipt_id=identity, data=entry, cursor=str(last),
                                       error="receipts listing entry without a usable seq"))  # fmt: skip
            continue
        try:
            data = base64.b64decode(item["dxp"], validate=True)
        except (KeyError, TypeError, ValueError, binascii.Error):
            # The entry itself, as it came: the client keeps it as an unreadable receipt with its error and the
            # cursor moves past it, so one damaged entry never blocks the receipts after it.
            data = _entry_bytes(item)
        if seq <= last:
            # Passed on, not skipped: the journal ignores a receipt it has (same receipt key) and keeps one it has
            # not, which a gateway committing receipts out of order could list behind the cursor.
            logger.warning("receipt seq %d listed at or before the cursor %d: kept only if new", seq, last)
        last = max(last, seq)
        receipts.append(
            RawReceipt(
                receipt_id=str(seq),
                data=data,
                cursor=str(last),
                source_cop_msg_id=item.get("sourceCopMsgId") or None,
                msg_type=str(item.get("msgType") or ""),
            )
        )
    if next_value is not None and next_value < last:
        logger.warning("receipts listing next cursor %d is behind the cursor %d: ignored", next_value, last)
    cursor = max(last, next_value) if next_value is not None else last
    if cursor < start:  # pragma: no cover - last starts at ``after`` and only grows
        cursor = start
    return ReceiveBatch(receipts=tuple(receipts), cursor=str(cursor))


class _Unconfirmed(Exception):  # noqa: N818 - internal signal, never escapes this module
    def __init__(self, error: TransportError) -> None:
        self.error = error
        super().__init__(str(error))


# ------------------------------------------------------------------------------------------------------ I/O
@contextlib.contextmanager
def _translate(what: str) -> Iterator[None]:
    """The one place where ``requests`` exceptions become eport errors."""
    try:
        yield
    except requests.exceptions.SSLError as exc:
        raise ConnectError(f"{what}: TLS certificate verification failed or TLS handshake error") from exc
    except requests.exceptions.ConnectTimeout as exc:
        raise _Retryable(ServiceTimeout(f"{what}: connection timed out"), reached=False) from exc
    except requests.exceptions.ReadTimeout as exc:
        raise _Retryable(ServiceTimeout(f"{what}: no reply in time")) from exc
    except (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
        raise _Retryable(ConnectError(f"{what}: connection failed or dropped"), reached=not _never_sent(exc)) from exc
    except requests.exceptions.RequestException as exc:
        raise TransportError(f"{what}: {type(exc).__name__}") from exc


class HttpTransport:
    """A :class:`~eport.services.Transport` over the eport HTTP gateway protocol (the sandbox speaks it).

    Args:
        base_url: the gateway root, e.g. ``http://127.0.0.1:8730``.
        dxp_id: the enterprise DXP id whose receipts are fetched.
        trust: PEM trust anchors (paths or bytes) used on top of the system store for ``https://`` URLs;
            ``None`` uses the E-Port roots of the default eport trust store (``eport pki roots``).
        timeout: connect/read timeouts of every request.
        retry: the retry policy for connection failures, timeouts and 5xx.
        retry_unconfirmed_posts: POST a submission again when the first try may have reached the gateway (read
            timeout, connection dropped after sending, 5xx). ``True`` (default) relies on the gateway storing one
            CopMsgId at most once (the ``Idempotency-Key`` rule of the eport gateway protocol, which the sandbox
            implements). Set ``False`` for a gateway that does not deduplicate: the transport then confirms with
            ``GET /api/v1/submissions/<CopMsgId>`` instead of posting again (see the module docstring).
        session: a ``requests.Session`` to use (its ``verify`` must be left on).
        sleep: the pause function (tests inject one).
    """

    def __init__(
        self,
        base_url: str,
        *,
        dxp_id: str,
        trust: Sequence[str | os.PathLike[str] | bytes] | None = None,
        timeout: Timeout = DEFAULT_TIMEOUT,
        retry: Retry = DEFAULT_RETRY,
        retry_unconfirmed_posts: bool = True,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._session = client_session(base_url, session, trust)
        self.base_url = base_url.rstrip("/")
        self.dxp_id = dxp_id
        self.timeout = timeout
        self.retry = retry
        self.retry_unconfirmed_posts = retry_unconfirmed_posts
        self._sleep = sleep

    def __repr__(self) -> str:
        return f"HttpTransport({self.base_url!r}, dxp_id={self.dxp_id!r})"

    @property
    def name(self) -> str:
        """``<base_url>#<dxp_id>``."""
        return f"{self.base_url}#{self.dxp_id}"

    def _call(self, request: Request, parse: Callable[[int, bytes], Any], *, unconfirmed_retry: bool = True) -> Any:
        """Make a request with the retry policy. ``unconfirmed_retry=False``: a failure after which the request may
        have reached the server is raised at once (wrapped in :class:`_Unconfirmed`) instead of being retried."""
        url = self.base_url + request.path
        what = f"{request.method} {url}"
        pauses = self.retry.pauses()
        while True:
            try:
                with _translate(what):
                    response = self._session.request(
                        request.method,
                        url,
                        data=request.body,
                        headers=request.headers,
                        timeout=(self.timeout.connect, self.timeout.read),
                        allow_redirects=False,
                    )
                    body = response.content
                status = response.status_code
                if 500 <= status < 600 or status in TRANSIENT_4XX:
                    try:
                        parse(status, body)
                    except TransportError as exc:
                        wait = retry_after_seconds(response.headers.get("Retry-After"))
                        # 408 and 429: the gateway did not process the request, so even a POST is safe to repeat
                        raise _Retryable(exc, reached=status >= 500, retry_after=wait) from exc
                return parse(status, body)
            except _Retryable as signal:
                if signal.reached and not unconfirmed_retry:
                    raise _Unconfirmed(signal.error) from signal.__cause__
                pause = next(pauses, None)
                if pause is None:
                    raise signal.error from signal.__cause__
                if signal.retry_after is not None:
                    if signal.retry_after > self.retry.max_retry_after:
                        raise TransportError(
                            f"{signal.error}; the gateway asks to retry after {signal.retry_after:g} s, more than"
                            f" max_retry_after ({self.retry.max_retry_after:g} s)"
                        ) from signal.__cause__
                    pause = max(pause, signal.retry_after)
                logger.info("%s failed (%s); retrying in %.2f s", what, signal.error, pause)
                self._sleep(pause)

    def send(self, outgoing: Outgoing) -> SendResult:
        """POST the envelope with its ``Idempotency-Key``; retried on connection errors, timeouts and 5xx (for an
        unconfirmed try only with ``retry_unconfirmed_posts``; otherwise the gateway is asked whether it holds it).

        Raises:
            eport.errors.ConnectError: the gateway cannot be reached (after retries), or TLS verification failed.
            eport.errors.ServiceTimeout: no answer in time (after retries).
            eport.errors.DuplicateError: the CopMsgId is held with different bytes.
            eport.errors.ProtocolError: the gateway refused the envelope (4xx) or answered nonsense.
        """
        if self.retry_unconfirmed_posts:
            result: SendResult = self._call(build_submit(outgoing), lambda s, b: parse_submit_reply(outgoing, s, b))
            return result
        if outgoing.resend:  # a recovery: ask first; if the gateway cannot tell, the error keeps it ``written``
            held = self._held(outgoing, self.submission(outgoing.cop_msg_id))
            if held is not None:
                logger.info("%s is already held by the gateway; not posted again", outgoing.cop_msg_id)
                return held
        try:
            result = self._call(
                build_submit(outgoing), lambda s, b: parse_submit_reply(outgoing, s, b), unconfirmed_retry=False
            )
        except _Unconfirmed as unconfirmed:
            try:
                held = self._held(outgoing, self.submission(outgoing.cop_msg_id))
            except (TransportError, ProtocolError) as exc:
                logger.warning("cannot ask the gateway about %s: %s", outgoing.cop_msg_id, exc)
                held = None
            if held is not None:
                logger.info("%s: %s, but the gateway holds it", outgoing.cop_msg_id, unconfirmed.error)
                return held
            logger.warning("%s: %s; not posted again (retry_unconfirmed_posts=False)", outgoing.cop_msg_id,
                           unconfirmed.error)  # fmt: skip
            raise unconfirmed.error from unconfirmed.__cause__
        return result

    @staticmethod
    def _held(outgoing: Outgoing, found: dict[str, Any] | None) -> SendResult | None:
        """The send result when the gateway's lookup shows it holds the submission, else ``None``."""
        if found is None or found.get("copMsgId") not in (None, outgoing.cop_msg_id):
            return None
        return SendResult(cop_msg_id=outgoing.cop_msg_id, duplicate=outgoing.resend, reference=outgoing.cop_msg_id)

    def receive(self, *, after: str | None = None, limit: int = 100) -> ReceiveBatch:
        """Fetch receipts for :attr:`dxp_id` after the cursor.

        Raises:
            eport.errors.TransportError: the gateway cannot be reached (after retries).
            eport.errors.ProtocolError: a malformed listing.
        """
        batch: ReceiveBatch = self._call(
            build_receipts(self.dxp_id, after, limit), lambda s, b: parse_receipts_reply(s, b, after)
        )
        return batch

    def ack(self, receipts: Sequence[RawReceipt]) -> None:
        """Nothing to do: the cursor, kept by the client's journal, marks what was recorded."""

    def submission(self, cop_msg_id: str) -> dict[str, Any] | None:
        """The gateway's view of one submission (``GET /api/v1/submissions/<copMsgId>``), ``None`` if unknown.

        Raises:
            eport.errors.TransportError: the gateway cannot be reached.
        """

        def parse(status: int, body: bytes) -> dict[str, Any] | None:
            if status == 404:
                return None
            if 500 <= status < 600 or status in TRANSIENT_4XX:
                raise TransportError(f"gateway error HTTP {status}")
            if status != 200:
                raise ProtocolError(f"submission lookup failed, HTTP {status}: {_error_text(status, body)}")
            return _json(status, body)

        result: dict[str, Any] | None = self._call(
            Request(method="GET", path=f"/api/v1/submissions/{quote(cop_msg_id, safe='')}"), parse
        )
        return result

    def close(self) -> None:
        """Close pooled connections."""
        self._session.close()
