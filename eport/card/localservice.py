"""Client of the official E-Port client's local signing service (``ws://127.0.0.1:61232``, ``cus-sec_*`` methods).

When the E-Port client (中国电子口岸客户端控件) is installed, its WebSocket service owns the card reader; this module
talks to it instead of to PC/SC. :class:`LocalServiceCard` offers the same interface as
:class:`eport.card.operator.OperatorCard`, so callers do not care which backend they use::

    with LocalServiceClient() as client:
        card = LocalServiceCard(client)
        card.verify_pin(getpass.getpass())
        signature = card.sign(signed_info, SignatureAlgorithm.RSA_SHA1)

The client matches replies by ``_id`` (the official JS library matches by method name, so concurrent calls of the
same method collide there), lets several threads call at once, times every call out, reconnects on the next call
after the connection dropped (never re-sending a call that may have reached the service), and frames payloads above
120 KB as ``BLOCKTXT`` blocks (:mod:`eport.card.frames`).

Error codes: the service's codes for wrong PIN, locked card and missing card are not publicly documented.
:data:`DEFAULT_ERROR_CODES` holds what is known (``Err:Custom50070`` …) and eport's simulator convention
``Err:CardXXXX`` (an ISO 7816 status word, mapped through :func:`eport.card.apdu.error_for_sw`); pass
``error_codes=`` to add the codes you capture on real hardware.
"""

from __future__ import annotations

import base64
import binascii
import inspect
import itertools
import json
import logging
import re
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI
from websockets.sync.client import ClientConnection
from websockets.sync.client import connect as ws_connect

from eport.card.apdu import error_for_sw
from eport.card.base import (
    CardInfo,
    WireLogger,
    certificate_validity,
    key_algorithm_of_certificate,
    warn_if_default_pin,
)
from eport.card.frames import MAX_BLOCK_BYTES, crc16_ccitt, split_text
from eport.errors import (
    BadResponseError,
    CardError,
    CardTimeoutError,
    ConfigurationError,
    LocalServiceError,
    PinPolicyError,
    UnsupportedAlgorithm,
)
from eport.pki.signer import KeyAlgorithm, SignatureAlgorithm
from eport.pki.sm2 import der_to_raw, raw_to_der

logger = logging.getLogger(__name__)

#: Default address of the local signing service (pages served over http:). ``wss://wss.singlewindow.cn:61231`` is
#: the TLS variant used by https: pages.
DEFAULT_URL = "ws://127.0.0.1:61232"
#: The E-Port card's factory default PIN.
FACTORY_DEFAULT_PIN = "88888888"

_CONNECT_FAILED = "Err:Base60408"
# websockets >= 17 warns unless a connection outside a ``with`` block is requested explicitly.
_LEGACY: dict[str, Any] = {"legacy": True} if "legacy" in inspect.signature(ws_connect).parameters else {}
_SW_CODE = re.compile(r"^Err:Card([0-9A-Fa-f]{4})$")


def _service_failure(remedy: str) -> Callable[[str, str], CardError]:
    def make(message: str, code: str) -> CardError:
        return LocalServiceError(f"{message} — {remedy}", code=code)

    return make


#: Known error codes → exception factories ``(message, code) -> CardError``.
DEFAULT_ERROR_CODES: Mapping[str, Callable[[str, str], CardError]] = {
    "Err:Custom50070": _service_failure("the reader could not be reset: reinsert the card, restart the E-Port client"),
    "Err:Custom50200": _service_failure("the reader could not be opened: check the reader, restart the E-Port client"),
}


class _NotSentError(Exception):
    """The connection was closed before the request left."""


_LOST = "the connection to the local signing service was lost (与客户端控件的连接已断开); the call may not have run"


class LocalServiceClient:
    """A thread-safe WebSocket client of the local signing service.

    Args:
        url: service address (loopback).
        timeout: seconds to wait for each reply.
        connect_timeout: seconds to wait for the connection.
        max_block_bytes: requests larger than this (UTF-8) are sent as ``BLOCKTXT`` frames.
        check_code: check-code function of the frames (unverified; see :mod:`eport.card.frames`).
        error_codes: extra service error codes → exception factories ``(message, code) -> CardError``, merged over
            :data:`DEFAULT_ERROR_CODES` (for codes captured on real hardware).
    """

    def __init__(
        self,
        url: str = DEFAULT_URL,
        *,
        timeout: float = 10.0,
        connect_timeout: float = 5.0,
        max_block_bytes: int = MAX_BLOCK_BYTES,
        check_code: Callable[[bytes], str] = crc16_ccitt,
        error_codes: Mapping[str, Callable[[str, str], CardError]] | None = None,
    ) -> None:
        if timeout <= 0 or connect_timeout <= 0:
            raise ConfigurationError("timeouts must be positive")
        self.url = url
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self.max_block_bytes = max_block_bytes
        self._check_code = check_code
        self._error_codes = {**DEFAULT_ERROR_CODES, **(error_codes or {})}
        self._ids = itertools.count(1)  # the greeting uses _id 0
        self._lock = threading.Lock()
        self._send_lock = threading.Lock()
        self._ws: ClientConnection | None = None
        self._reader: threading.Thread | None = None
        self._pending: dict[int, Future[dict[str, Any]]] = {}
        self._blocks: dict[str, Future[dict[str, Any]]] = {}

    def __repr__(self) -> str:
        return f"LocalServiceClient(url={self.url!r}, connected={self._ws is not None})"

    def __enter__(self) -> LocalServiceClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ connection
    def _connection(self) -> ClientConnection:
        with self._lock:
            if self._ws is not None:
                return self._ws
            try:
                ws: ClientConnection = ws_connect(
                    self.url,
                    open_timeout=self.connect_timeout,
                    close_timeout=1.0,
                    max_size=4 * self.max_block_bytes + 65536,
                    compression=None,
                    logger=WireLogger(logging.getLogger(__name__ + ".wire"), {}),
                    **_LEGACY,
                )
            except (OSError, InvalidHandshake, InvalidURI, TimeoutError) as exc:
                raise LocalServiceError(
                    f"cannot connect to the E-Port client's local signing service at {self.url} "
                    f"(连接客户端控件服务失败): {exc}; start or restart the E-Port client (中国电子口岸客户端)",
                    code=_CONNECT_FAILED,
                ) from None
            self._ws = ws
            self._reader = threading.Thread(target=self._read_loop, args=(ws,), name="eport-localservice", daemon=True)
            self._reader.start()
            logger.debug("connected to %s", self.url)
            return ws

    def _read_loop(self, ws: ClientConnection) -> None:
        try:
            for message in ws:
                self._dispatch(message if isinstance(message, str) else message.decode("utf-8", "replace"))
        except ConnectionClosed:
            pass
        finally:
            with self._lock:
                if self._ws is ws:
                    self._ws = None
                pending = list(self._pending.values()) + list(self._blocks.values())
                self._pending.clear()
                self._blocks.clear()
            for future in pending:
                if not future.done():
                    future.set_exception(LocalServiceError(_LOST, code=_CONNECT_FAILED))

    def _dispatch(self, text: str) -> None:
        try:
            reply = json.loads(text)
        except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
            logger.warning("ignoring a non-JSON message from the local signing service")
            return
        if not isinstance(reply, dict):
            return
        if reply.get("_method") == "_nextBlock":
            args = reply.get("_args")
            if not isinstance(args, dict):
                logger.debug("ignoring a _nextBlock message without arguments")
                return
            with self._lock:
                future = self._blocks.pop(str(args.get("guid")), None)
            if future is not None and not future.done():
                future.set_result(args)
            return
        reply_id = reply.get("_id")
        with self._lock:
            # Exactly an int: ``True`` and ``1.0`` compare (and hash) equal to call 1 but are not its id.
            future = self._pending.pop(reply_id, None) if type(reply_id) is int else None
        if future is None:
            if reply.get("_method") != "open":
                logger.debug("ignoring an unmatched reply (_id=%r)", reply_id)
            return
        if not future.done():
            future.set_result(reply)

    def close(self) -> None:
        """Close the connection (pending calls fail with LocalServiceError)."""
        with self._lock:
            ws, self._ws = self._ws, None
            reader = self._reader
        if ws is not None:
            ws.close()
        if reader is not None:
            reader.join(timeout=2.0)

    # ------------------------------------------------------------------ calls
    def call(self, method: str, args: Mapping[str, str] | None = None, *, timeout: float | None = None) -> list[str]:
        """Call ``method`` and return its ``Data`` list.

        Args:
            method: e.g. ``"cus-sec_SpcGetCardID"``.
            args: the ``args`` object (values are strings; PINs are never logged).
            timeout: seconds to wait for the reply; default the client's ``timeout``.

        Raises:
            eport.errors.LocalServiceError: connection failure or an error reply (``code`` set).
            eport.errors.PinError, eport.errors.PinLockedError …: error replies the client recognises.
            eport.errors.CardTimeoutError: no reply in time (the call may still run in the service).
        """
        wait = self.timeout if timeout is None else timeout
        for attempt in (1, 2):
            ws = self._connection()
            call_id = next(self._ids)
            future: Future[dict[str, Any]] = Future()
            with self._lock:
                self._pending[call_id] = future
            text = json.dumps({"_method": method, "_id": call_id, "args": dict(args or {})}, ensure_ascii=False)
            logger.debug("call %s (_id=%d, %d bytes)", method, call_id, len(text))
            try:
                self._send(ws, text, wait)
                reply = future.result(timeout=wait)
            except _NotSentError:
                # The connection had dropped before anything was sent: reconnect once and send it then.
                if attempt == 2:
                    raise LocalServiceError(_LOST, code=_CONNECT_FAILED) from None
                logger.info("reconnecting to %s", self.url)
                continue
            except FutureTimeout:
                raise CardTimeoutError(f"the local signing service did not answer {method} within {wait:g} s") from None
            finally:
                with self._lock:
                    self._pending.pop(call_id, None)
            return self._result(method, reply)
        raise LocalServiceError(_LOST, code=_CONNECT_FAILED)  # pragma: no cover - the loop always returns or raises

    def _send(self, ws: ClientConnection, text: str, wait: float) -> None:
        sent_any = False
        try:
            if len(text.encode("utf-8")) <= self.max_block_bytes:
                with self._send_lock:
                    ws.send(text)
                return
            frames = split_text(text, max_block_bytes=self.max_block_bytes, check_code=self._check_code)
            for frame in frames:
                ack: Future[dict[str, Any]] = Future()
                last = frame.number == frame.block_count - 1
                if not last:
                    with self._lock:
                        self._blocks[frame.guid] = ack
                with self._send_lock:
                    ws.send(frame.to_text())
                sent_any = True
                if not last:
                    try:
                        args = ack.result(timeout=wait)
                    except FutureTimeout:
                        raise CardTimeoutError("the local signing service did not ask for the next block") from None
                    if args.get("next") != frame.number + 1:
                        raise LocalServiceError(f"the service asked for block {args.get('next')!r} out of order")
        except ConnectionClosed:
            with self._lock:
                if self._ws is ws:
                    self._ws = None
            if not sent_any:
                raise _NotSentError from None
            raise LocalServiceError(_LOST, code=_CONNECT_FAILED) from None

    def _result(self, method: str, reply: dict[str, Any]) -> list[str]:
        args = reply.get("_args")
        if not isinstance(args, dict):
            status = reply.get("_status")
            raise BadResponseError(f"{method}: reply without _args (status {status!r})")
        if args.get("Result") is True:
            data = args.get("Data") or []
            if not isinstance(data, list):
                raise BadResponseError(f"{method}: Data is not a list")
            return [str(item) for item in data]
        raw_errors = args.get("Error") or []
        errors = [str(e) for e in raw_errors] if isinstance(raw_errors, list) else [str(raw_errors)]
        message = errors[0] if errors else f"{method} failed"
        code = next((e for e in errors if e.startswith("Err:")), None)
        raise self._error(message, code)

    def _error(self, message: str, code: str | None) -> CardError:
        if code is not None:
            factory = self._error_codes.get(code)
            if factory is not None:
                return factory(message, code)
            match = _SW_CODE.match(code)
            if match:
                return error_for_sw(int(match.group(1), 16))
        return LocalServiceError(message, code=code)


class LocalServiceCard:
    """The operator card as seen through the local signing service; same interface as
    :class:`~eport.card.operator.OperatorCard`.

    Differences, because the service does not offer them: :meth:`pin_tries_left` returns ``None`` (so the
    last-try guard of :meth:`verify_pin` cannot apply); RSA signatures are SHA-1 only (``SpcSignDataAsPEM``
    hashes internally); data to sign must be UTF-8 text, as the service takes it as a string.

    Args:
        client: the connection to the service.
    """

    def __init__(self, client: LocalServiceClient) -> None:
        self.client = client
        self._certificate: bytes | None = None

    def __repr__(self) -> str:
        return f"LocalServiceCard({self.client.url!r})"

    def close(self) -> None:
        """Close the client connection."""
        self.client.close()

    def _one(self, method: str, args: Mapping[str, str] | None = None) -> str:
        data = self.client.call(method, args)
        if not data:
            raise BadResponseError(f"{method} returned no data")
        return data[0]

    def card_id(self) -> str:
        """The card ID (卡号)."""
        return self._one("cus-sec_SpcGetCardID")

    def certificate_number(self) -> str:
        """The signing certificate number, lower-case hex."""
        return self._one("cus-sec_SpcGetCertNo").lower()

    def signing_certificate(self) -> bytes:
        """The signing certificate, DER (``cus-sec_SpcGetSignCert``)."""
        if self._certificate is None:
            self._certificate = _b64(self._one("cus-sec_SpcGetSignCert"), "signing certificate")
        return self._certificate

    @property
    def certificate_der(self) -> bytes:
        """The signing certificate (Signer protocol)."""
        return self.signing_certificate()

    def encryption_certificate(self) -> bytes | None:
        """The encryption certificate, DER (``cus-sec_SpcGetEnvCert``)."""
        return _b64(self._one("cus-sec_SpcGetEnvCert"), "encryption certificate")

    @property
    def key_algorithm(self) -> KeyAlgorithm:
        """RSA or SM2, from the signing certificate."""
        return key_algorithm_of_certificate(self.signing_certificate())

    def info(self) -> CardInfo:
        """Card, holder and certificate data."""
        cert = self.signing_certificate()
        start, end = certificate_validity(cert)
        return CardInfo(
            card_id=self.card_id(),
            certificate_number=self.certificate_number(),
            holder_name=self._one("cus-sec_SpcGetUName"),
            enterprise_code=self._one("cus-sec_SpcGetEntID"),
            enterprise_name=self._one("cus-sec_SpcGetEntName"),
            key_algorithm=key_algorithm_of_certificate(cert),
            valid_from=start,
            valid_until=end,
        )

    def validity(self) -> tuple[str, str]:
        """``(start, end)`` as the service reports them (``cus-sec_SpcGetValidTimeFromCert``)."""
        raw = self._one("cus-sec_SpcGetValidTimeFromCert")
        try:
            value = json.loads(raw)
            return str(value["szStartTime"]), str(value["szEndTime"])
        except (ValueError, KeyError, TypeError):
            raise BadResponseError("SpcGetValidTimeFromCert returned an unexpected value") from None

    def pin_tries_left(self) -> int | None:
        """Always ``None``: the service has no call that reads the retry counter without spending a try."""
        return None

    def verify_pin(self, pin: str, *, allow_last_try: bool = False) -> None:
        """Verify the PIN once (``cus-sec_SpcVerifyPIN``).

        ``allow_last_try`` is accepted for interface compatibility; the service cannot tell the tries left.

        Raises:
            eport.errors.PinPolicyError: malformed PIN.
            eport.errors.PinError, eport.errors.PinLockedError, eport.errors.LocalServiceError.
        """
        _check_pin(pin)
        self.client.call("cus-sec_SpcVerifyPIN", {"passwd": pin})
        warn_if_default_pin(pin, FACTORY_DEFAULT_PIN)

    def change_pin(self, old_pin: str, new_pin: str, *, allow_last_try: bool = False) -> None:
        """Change the PIN (``cus-sec_SpcChangePIN``).

        Raises:
            eport.errors.PinPolicyError: malformed PIN or the factory default as the new PIN.
        """
        _check_pin(old_pin)
        _check_pin(new_pin)
        if new_pin == FACTORY_DEFAULT_PIN:
            raise PinPolicyError("the new PIN must not be the factory default")
        self.client.call("cus-sec_SpcChangePIN", {"oldPin": old_pin, "newPin": new_pin})

    def sign_random(self, random: str, pin: str) -> str:
        """Sign a login challenge as the official login page does (``security_SpcSignRandom``): the service verifies
        the PIN (once) and returns ``signData`` in the portal's own encoding, ready for the login form.

        Raises:
            eport.errors.PinPolicyError: malformed PIN.
            eport.errors.PinError, eport.errors.PinLockedError, eport.errors.LocalServiceError: the service refused.
        """
        _check_pin(pin)
        return self._one("security_SpcSignRandom", {"passwd": pin, "random": random})

    def unlock_pin(self, unlock_code: str, new_pin: str) -> None:
        """Unblock the PIN with the unlock code (解锁码) and set a new one (``ra_unlockPasswd``), once.

        Raises:
            eport.errors.PinPolicyError: malformed code or PIN, or the factory default as the new PIN.
            eport.errors.PinError, eport.errors.PinLockedError, eport.errors.LocalServiceError: the service refused.
        """
        _check_pin(unlock_code)
        _check_pin(new_pin)
        if new_pin == FACTORY_DEFAULT_PIN:
            raise PinPolicyError("the new PIN must not be the factory default")
        self.client.call("ra_unlockPasswd", {"unlockPWD": unlock_code, "newUserPWD": new_pin})

    def sign(self, data: bytes, algorithm: SignatureAlgorithm) -> bytes:
        """Sign with ``cus-sec_SpcSignDataAsPEM`` (SHA1withRSA or SM3withSM2, chosen by the card). Needs a verified PIN.

        Returns:
            RSA: PKCS#1 v1.5 signature; SM2: DER ``SEQUENCE{r, s}`` (converted from the service's 64-byte r‖s).

        Raises:
            eport.errors.UnsupportedAlgorithm: anything but RSA-SHA1 on an RSA card or SM2-SM3 on an SM2 card.
            eport.errors.ConfigurationError: ``data`` is not UTF-8 text.
        """
        key = self.key_algorithm
        if (key, algorithm) not in {
            (KeyAlgorithm.RSA, SignatureAlgorithm.RSA_SHA1),
            (KeyAlgorithm.SM2, SignatureAlgorithm.SM2_SM3),
        }:
            raise UnsupportedAlgorithm(
                f"the local signing service signs rsa-sha1 with RSA cards and sm2-sm3 with SM2 cards, "
                f"not {algorithm.value} with this {key.value} card"
            )
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise ConfigurationError("the local signing service signs text: data must be UTF-8") from None
        value = _b64(self._one("cus-sec_SpcSignDataAsPEM", {"inData": text}), "signature")
        if key is KeyAlgorithm.SM2:
            if len(value) != 64:
                raise BadResponseError(f"SM2 signature of {len(value)} bytes, expected 64 (r || s)")
            return raw_to_der(value)
        return value

    def verify_with_service(self, data: bytes, signature: bytes) -> None:
        """Ask the service to verify ``signature`` over ``data`` with the card's certificate.

        Raises:
            eport.errors.LocalServiceError: the service says the signature does not verify.
        """
        value = der_to_raw(signature) if self.key_algorithm is KeyAlgorithm.SM2 else signature
        self.client.call(
            "cus-sec_SpcVerifySignData",
            {"inData": data.decode("utf-8"), "signData": base64.b64encode(value).decode("ascii")},
        )


def _check_pin(pin: str) -> None:
    if not isinstance(pin, str) or not pin.isascii() or not pin.isprintable() or not 6 <= len(pin) <= 16:
        raise PinPolicyError("a PIN is 6 to 16 printable ASCII characters")


def _b64(value: str, what: str) -> bytes:
    try:
        return base64.b64decode("".join(value.split()), validate=True)
    except (binascii.Error, ValueError):
        raise BadResponseError(f"the {what} from the local signing service is not base64") from None


__all__ = ["DEFAULT_ERROR_CODES", "DEFAULT_URL", "LocalServiceCard", "LocalServiceClient"]
