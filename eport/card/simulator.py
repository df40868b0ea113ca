"""A simulator of the E-Port client's local signing service, on loopback, backed by an emulated card.

It speaks the WebSocket protocol of ``ws://127.0.0.1:61232`` (greeting, ``{"_method","_id","args"}`` requests,
``{"_id","_method","_status","_args":{"Result","Data","Error"}}`` replies, ``BLOCKTXT`` frames with ``_nextBlock``)
and answers the ``cus-sec_*`` methods eport uses by sending APDUs to an :class:`~eport.card.emulator.EmulatedCard`
through :class:`~eport.card.operator.OperatorCard`, the way the real client goes through its card middleware.

Each request runs in its own thread (card access is serialised), so replies can come back out of order, as they
can from the real service; ``delays`` slows chosen methods down to make that visible in tests.

Card errors come back as ``Error: [message, "Err:CardXXXX"]`` with the ISO 7816 status word: an eport convention,
since the real service's codes are not documented (see :mod:`eport.card.localservice`).

::

    with LocalServiceSimulator(demo_card()) as sim:      # sim.url == "ws://127.0.0.1:<port>"
        card = LocalServiceCard(LocalServiceClient(sim.url))
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import Server, ServerConnection, serve

from eport.card.base import WireLogger, certificate_spki
from eport.card.emulator import EmulatedCard, InProcessTransport
from eport.card.frames import crc16_ccitt, is_frame, join_frames, parse_frame
from eport.card.operator import OperatorCard
from eport.errors import ApduError, BadResponseError, EportError, InvalidSignature
from eport.pki.keys import verify_signature
from eport.pki.signer import KeyAlgorithm, SignatureAlgorithm
from eport.pki.sm2 import der_to_raw, raw_to_der

logger = logging.getLogger(__name__)

Handler = Callable[[Mapping[str, Any]], list[str]]


class _MethodError(Exception):
    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


class LocalServiceSimulator:
    """Serves the local signing service protocol on ``127.0.0.1`` for tests and demos.

    Args:
        card: the emulated card behind the service.
        key_algorithm: which of the card's keys the service uses (RSA cards sign SHA1withRSA, SM2 cards SM3withSM2).
        port: TCP port; ``0`` picks a free one (see :attr:`url`).
        delays: seconds to sleep before answering given methods (to test out-of-order replies and timeouts).
        greeting: send the ``open`` greeting on connect, as the real service does.
    """

    def __init__(
        self,
        card: EmulatedCard,
        *,
        key_algorithm: KeyAlgorithm = KeyAlgorithm.RSA,
        port: int = 0,
        delays: Mapping[str, float] | None = None,
        greeting: bool = True,
    ) -> None:
        self.emulated = card
        self.key_algorithm = key_algorithm
        self.delays = dict(delays or {})
        self.greeting = greeting
        self._card_lock = threading.Lock()
        self._card = OperatorCard(InProcessTransport(card), key_algorithm=key_algorithm)
        self._port = port
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self.calls: list[str] = []

    def __repr__(self) -> str:
        return f"LocalServiceSimulator(url={self.url!r}, key={self.key_algorithm.value})"

    @property
    def url(self) -> str:
        """``ws://127.0.0.1:<port>`` once started."""
        return f"ws://127.0.0.1:{self.port}"

    @property
    def port(self) -> int:
        """The listening port (after :meth:`start`)."""
        if self._server is None:
            return self._port
        return int(self._server.socket.getsockname()[1])

    def start(self) -> LocalServiceSimulator:
        """Start serving in a background thread."""
        if self._server is None:
            self._server = serve(
                self._session,
                "127.0.0.1",
                self._port,
                max_size=2**23,
                compression=None,
                logger=WireLogger(logging.getLogger(__name__ + ".wire"), {}),
            )
            self._thread = threading.Thread(target=self._server.serve_forever, name="eport-sim", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close every connection."""
        server, self._server = self._server, None
        if server is not None:
            self._port = int(server.socket.getsockname()[1])
            server.shutdown()
        if self._thread is not None:
            self._thread.join(timeout=5.0)
            self._thread = None

    def __enter__(self) -> LocalServiceSimulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ protocol
    def _session(self, ws: ServerConnection) -> None:
        send_lock = threading.Lock()

        def send(payload: dict[str, Any]) -> None:
            with send_lock, contextlib.suppress(ConnectionClosed):
                ws.send(json.dumps(payload, ensure_ascii=False))

        if self.greeting:
            send({"_id": 0, "_method": "open", "_status": "00", "_args": {"Result": True, "Data": [], "Error": []}})
        groups: dict[str, list[Any]] = {}
        try:
            for message in ws:
                text = message if isinstance(message, str) else message.decode("utf-8", "replace")
                if is_frame(text):
                    text_or_none = self._collect(text, groups, send)
                    if text_or_none is None:
                        continue
                    text = text_or_none
                threading.Thread(target=self._answer, args=(text, send), daemon=True).start()
        except ConnectionClosed:
            return

    def _collect(self, text: str, groups: dict[str, list[Any]], send: Callable[[dict[str, Any]], None]) -> str | None:
        try:
            frame = parse_frame(text, check_code=crc16_ccitt)
        except BadResponseError as exc:
            logger.warning("dropping a damaged frame: %s", exc)
            return None
        group = groups.setdefault(frame.guid, [])
        group.append(frame)
        if len(group) < frame.block_count:
            send({"_method": "_nextBlock", "_args": {"guid": frame.guid, "next": frame.number + 1, "finish": False}})
            return None
        del groups[frame.guid]
        return join_frames(group)

    def _answer(self, text: str, send: Callable[[dict[str, Any]], None]) -> None:
        try:
            request = json.loads(text)
            method = str(request["_method"])
            call_id = request["_id"]
            args = request.get("args") or {}
        except (ValueError, KeyError, TypeError):
            logger.warning("ignoring a malformed request")
            return
        self.calls.append(method)
        delay = self.delays.get(method, 0.0)
        if delay:
            time.sleep(delay)
        handler = self._handlers().get(method)
        result: dict[str, Any]
        if handler is None:
            result = {"Result": False, "Data": [], "Error": [f"未知方法 unknown method {method}", "Err:Base50000"]}
        else:
            try:
                with self._card_lock:
                    data = handler(args)
                result = {"Result": True, "Data": data, "Error": []}
            except _MethodError as exc:
                result = {"Result": False, "Data": [], "Error": [str(exc), exc.code]}
            except ApduError as exc:
                result = {"Result": False, "Data": [], "Error": [str(exc), f"Err:Card{exc.sw:04X}"]}
            except EportError as exc:
                result = {"Result": False, "Data": [], "Error": [str(exc), "Err:Custom50200"]}
        send({"_id": call_id, "_method": method, "_status": "00", "_args": result})

    def _handlers(self) -> dict[str, Handler]:
        card = self._card

        def cert() -> bytes:
            return card.signing_certificate()

        return {
            "cus-sec_SpcInitEnvEx": lambda a: [],
            "cus-sec_SpcClearEnv": lambda a: [],
            "cus-sec_SpcGetCardID": lambda a: [card.card_id()],
            "cus-sec_SpcGetCertNo": lambda a: [card.certificate_number()],
            "cus-sec_SpcGetUName": lambda a: [self._holder().holder_name],
            "cus-sec_SpcGetEntID": lambda a: [self._holder().enterprise_code],
            "cus-sec_SpcGetEntName": lambda a: [self._holder().enterprise_name],
            "cus-sec_SpcGetSignCert": lambda a: [base64.b64encode(cert()).decode("ascii")],
            "cus-sec_SpcGetSignCertAsPEM": lambda a: [base64.b64encode(cert()).decode("ascii")],
            "cus-sec_SpcGetEnvCert": lambda a: [base64.b64encode(card.encryption_certificate() or b"").decode()],
            "cus-sec_SpcGetEnvCertAsPEM": lambda a: [base64.b64encode(card.encryption_certificate() or b"").decode()],
            "cus-sec_SpcGetValidTimeFromCert": self._validity,
            "cus-sec_SpcVerifyPIN": self._verify_pin,
            "cus-sec_SpcChangePIN": self._change_pin,
            "ra_unlockPasswd": self._unlock_pin,
            "security_SpcSignRandom": self._sign_random,
            "cus-sec_SpcSignDataAsPEM": self._sign,
            "cus-sec_SpcVerifySignData": self._verify_signature,
        }

    def _holder(self) -> Any:
        return self._card.profile.read_holder_data(self._card.protocol)

    def _validity(self, args: Mapping[str, Any]) -> list[str]:
        info = self._card.info()
        fmt = "%Y%m%d%H%M%S"
        start = info.valid_from.strftime(fmt) if info.valid_from else ""
        end = info.valid_until.strftime(fmt) if info.valid_until else ""
        return [json.dumps({"szStartTime": start, "szEndTime": end})]

    def _verify_pin(self, args: Mapping[str, Any]) -> list[str]:
        pin = args.get("passwd")
        if not isinstance(pin, str) or not pin:
            raise _MethodError("参数错误 missing passwd", "Err:Base50000")
        self._card.profile.verify_pin(self._card.protocol, pin)
        return []

    def _change_pin(self, args: Mapping[str, Any]) -> list[str]:
        old, new = args.get("oldPin"), args.get("newPin")
        if not isinstance(old, str) or not isinstance(new, str):
            raise _MethodError("参数错误 missing oldPin/newPin", "Err:Base50000")
        self._card.profile.change_pin(self._card.protocol, old, new)
        return []

    def _unlock_pin(self, args: Mapping[str, Any]) -> list[str]:
        code, new = args.get("unlockPWD"), args.get("newUserPWD")
        if not isinstance(code, str) or not isinstance(new, str):
            raise _MethodError("参数错误 missing unlockPWD/newUserPWD", "Err:Base50000")
        self._card.profile.unblock_pin(self._card.protocol, code, new)  # type: ignore[attr-defined]
        return []

    def _sign_random(self, args: Mapping[str, Any]) -> list[str]:
        """The login challenge: verify the PIN, sign the UTF-8 text of ``random`` (eport's assumption of what the
        real service does; SM2 as base64 ``r || s``)."""
        pin, challenge = args.get("passwd"), args.get("random")
        if not isinstance(pin, str) or not isinstance(challenge, str) or not challenge:
            raise _MethodError("参数错误 missing passwd/random", "Err:Base50000")
        self._card.profile.verify_pin(self._card.protocol, pin)
        signature = self._card.sign(challenge.encode("utf-8"), self._algorithm())
        if self.key_algorithm is KeyAlgorithm.SM2:
            signature = der_to_raw(signature)
        return [base64.b64encode(signature).decode("ascii")]

    def _algorithm(self) -> SignatureAlgorithm:
        return SignatureAlgorithm.SM2_SM3 if self.key_algorithm is KeyAlgorithm.SM2 else SignatureAlgorithm.RSA_SHA1

    def _sign(self, args: Mapping[str, Any]) -> list[str]:
        data = args.get("inData")
        if not isinstance(data, str):
            raise _MethodError("参数错误 missing inData", "Err:Base50000")
        pin = args.get("passwd")
        if isinstance(pin, str) and pin:
            self._card.profile.verify_pin(self._card.protocol, pin)
        signature = self._card.sign(data.encode("utf-8"), self._algorithm())
        if self.key_algorithm is KeyAlgorithm.SM2:
            signature = der_to_raw(signature)
        return [base64.b64encode(signature).decode("ascii"), self._card.certificate_number()]

    def _verify_signature(self, args: Mapping[str, Any]) -> list[str]:
        data, sig = args.get("inData"), args.get("signData")
        if not isinstance(data, str) or not isinstance(sig, str):
            raise _MethodError("参数错误 missing inData/signData", "Err:Base50000")
        try:
            value = base64.b64decode(sig)
            if self.key_algorithm is KeyAlgorithm.SM2:
                value = raw_to_der(value)
            spki = certificate_spki(self._card.signing_certificate())
            verify_signature(spki, value, data.encode("utf-8"), self._algorithm())
        except (InvalidSignature, ValueError) as exc:
            raise _MethodError(f"验证签名失败 signature does not verify: {exc}", "Err:Custom60001") from None
        return ["成功!"]


__all__ = ["LocalServiceSimulator"]
