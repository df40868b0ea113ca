"""A virtual operator card implementing :class:`eport.card.profile.EportCardProfile` with real keys.

The card runs in-process (:class:`InProcessTransport`, no daemon) for unit tests, or as a client of the vpcd
driver (:class:`VpcdCard`) so pyscard reaches it through a real pcscd, exactly like a card in a reader::

    card = demo_card()
    with VpcdCard(card, port=35963):               # "inserts" the card into reader "Virtual PCD 00 00"
        with pcsc.connect("Virtual PCD 00 00") as transport:
            OperatorCard(transport).verify_pin(DEMO_PIN)

It keeps a PIN retry counter (five tries by default, like the real card), clears the verified state on power off
and reset, answers ``61xx`` for every data response in T=0 mode (``t0=True``), and supports command chaining.
The emulator is a test and demo tool: its keys live in memory and it protects nothing.
"""

from __future__ import annotations

import contextlib
import hmac
import logging
import socket
import struct
import threading
import time
from collections.abc import Callable

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils

from eport.card import demo
from eport.card.apdu import SW, CommandApdu
from eport.card.operator import DIGEST_INFO_PREFIX
from eport.card.profile import EportCardProfile, HolderData
from eport.card.tlv import encode_tlv
from eport.errors import BadResponseError, CardTimeoutError, ConfigurationError
from eport.pki.sm2 import SM2PrivateKey

logger = logging.getLogger(__name__)

#: The demo card's PIN. Deliberately not the factory default 88888888, so the default-PIN warning is testable.
DEMO_PIN = "12345678"

#: The demo card's unlock code (解锁码) for RESET RETRY COUNTER. PUBLIC TEST VALUE.
DEMO_UNLOCK_CODE = "87651234"

#: Default vpcd port of the first virtual reader ("Virtual PCD 00 00"); the second listens on 35964.
VPCD_PORT = 35963

HISTORICAL_BYTES = b"EPORT"


def make_atr(*, t0: bool) -> bytes:
    """An ATR announcing T=0 only (``t0=True``) or T=1 only, with historical bytes ``EPORT``."""
    if t0:
        return bytes((0x3B, len(HISTORICAL_BYTES))) + HISTORICAL_BYTES
    body = bytes((0x80 | len(HISTORICAL_BYTES), 0x01)) + HISTORICAL_BYTES
    tck = 0
    for byte in body:
        tck ^= byte
    return b"\x3b" + body + bytes((tck,))


_HASH_BY_PREFIX = {
    DIGEST_INFO_PREFIX["sha1"]: hashes.SHA1(),  # noqa: S303 - customs still signs RSA-SHA1
    DIGEST_INFO_PREFIX["sha256"]: hashes.SHA256(),
}


def _sw(sw: int, data: bytes = b"") -> tuple[bytes, int]:
    return data, sw


class EmulatedCard:
    """A virtual E-Port operator card (state: PIN counter, verified flag, selections, pending response).

    Args:
        card_id: the card ID.
        holder: holder data returned by GET DATA.
        pin: the current PIN.
        rsa_key, rsa_certificate: the RSA signing key and certificate (DER), optional.
        sm2_key, sm2_certificate: the SM2 signing key and certificate (DER), optional.
        encryption_certificate: the encryption certificate (DER), optional.
        max_tries: PIN tries before the card blocks.
        unlock_code: the unlock code (解锁码) accepted by RESET RETRY COUNTER; ``None``: the command is refused.
        profile: identifiers (AID, tags, file IDs, key references) to answer to.
        t0: behave like a T=0 card: every data response comes as ``61xx`` and needs GET RESPONSE.
    """

    def __init__(
        self,
        *,
        card_id: str,
        holder: HolderData,
        pin: str,
        rsa_key: rsa.RSAPrivateKey | None = None,
        rsa_certificate: bytes | None = None,
        sm2_key: SM2PrivateKey | None = None,
        sm2_certificate: bytes | None = None,
        encryption_certificate: bytes | None = None,
        max_tries: int = 5,
        unlock_code: str | None = None,
        profile: EportCardProfile | None = None,
        t0: bool = False,
    ) -> None:
        if not 1 <= max_tries <= 15:
            raise ConfigurationError("max_tries must be in 1..15")
        self.profile = profile or EportCardProfile()
        self.card_id = card_id
        self.holder = holder
        self._pin = pin.encode("ascii")
        self.max_tries = max_tries
        self.tries_left = max_tries
        self._unlock_code = None if unlock_code is None else unlock_code.encode("ascii")
        self.unlock_tries_left = 10
        self.t0 = t0
        self._keys: dict[int, rsa.RSAPrivateKey | SM2PrivateKey] = {}
        if rsa_key is not None:
            self._keys[self.profile.rsa_key_reference] = rsa_key
        if sm2_key is not None:
            self._keys[self.profile.sm2_key_reference] = sm2_key
        files = self.profile.certificate_files
        self.files: dict[int, bytes] = {}
        for slot, der in (
            ("sign-rsa", rsa_certificate),
            ("sign-sm2", sm2_certificate),
            ("encrypt", encryption_certificate),
        ):
            if der is not None:
                self.files[files[slot]] = der
        self._lock = threading.RLock()
        self.commands = 0
        self._reset_state()

    def __repr__(self) -> str:
        return f"EmulatedCard(card_id={self.card_id!r}, tries_left={self.tries_left}, t0={self.t0})"

    @property
    def atr(self) -> bytes:
        """The card's ATR."""
        return make_atr(t0=self.t0)

    @property
    def verified(self) -> bool:
        """Whether the PIN is verified in the current power cycle."""
        return self._verified

    def _reset_state(self) -> None:
        self._selected = False
        self._verified = False
        self._current_ef: int | None = None
        self._key_ref: int | None = None
        self._pending = b""
        self._chain: tuple[int, bytearray] | None = None

    def power_off(self) -> None:
        """Power the card off (the verified PIN is lost)."""
        with self._lock:
            self._reset_state()

    def power_on(self) -> None:
        """Power the card on."""
        with self._lock:
            self._reset_state()

    def reset(self) -> None:
        """Warm reset (the verified PIN is lost)."""
        with self._lock:
            self._reset_state()

    # ------------------------------------------------------------------ APDU processing
    def process(self, apdu: bytes) -> bytes:
        """Process one command APDU and return the response APDU (data + SW1 SW2)."""
        with self._lock:
            self.commands += 1
            try:
                command = CommandApdu.from_bytes(apdu)
            except (BadResponseError, ConfigurationError):
                return SW.WRONG_LENGTH.to_bytes(2, "big")
            data, sw = self._dispatch(command)
            return data + sw.to_bytes(2, "big")

    def _dispatch(self, c: CommandApdu) -> tuple[bytes, int]:
        if c.ins == 0xC0:
            return self._get_response(c)
        self._pending = b""
        if c.cla & ~0x10 & 0xFF != 0x00:
            return _sw(SW.CLA_NOT_SUPPORTED)
        data = c.data
        if c.cla & 0x10:
            if self._chain is None or self._chain[0] != c.ins:
                self._chain = (c.ins, bytearray())
            self._chain[1].extend(c.data)
            return _sw(SW.OK)
        if self._chain is not None:
            if self._chain[0] == c.ins:
                data = bytes(self._chain[1]) + c.data
            self._chain = None
        handler = self._handlers().get(c.ins)
        if handler is None:
            return _sw(SW.INS_NOT_SUPPORTED)
        out, sw = handler(c, data)
        if sw == SW.OK and out:
            return self._deliver(out, c.le)
        return out, sw

    def _handlers(self) -> dict[int, Callable[[CommandApdu, bytes], tuple[bytes, int]]]:
        return {
            0xA4: self._select,
            0xB0: self._read_binary,
            0xCA: self._get_data,
            0x20: self._verify,
            0x24: self._change,
            0x2C: self._unblock,
            0x22: self._mse,
            0x2A: self._pso,
        }

    def _deliver(self, out: bytes, le: int | None) -> tuple[bytes, int]:
        if self.t0:
            self._pending = out
            return _sw(0x6100 | (min(len(out), 256) & 0xFF))
        limit = le or 256
        if len(out) <= limit:
            return out, SW.OK
        self._pending = out[limit:]
        return out[:limit], 0x6100 | (min(len(self._pending), 256) & 0xFF)

    def _get_response(self, c: CommandApdu) -> tuple[bytes, int]:
        if not self._pending:
            return _sw(SW.CONDITIONS_NOT_SATISFIED)
        le = c.le or 256
        if self.t0 and le > len(self._pending):
            return _sw(0x6C00 | (len(self._pending) & 0xFF))
        out, self._pending = self._pending[:le], self._pending[le:]
        if self._pending:
            return out, 0x6100 | (min(len(self._pending), 256) & 0xFF)
        return out, SW.OK

    def _select(self, c: CommandApdu, data: bytes) -> tuple[bytes, int]:
        if c.p1 == 0x04:
            if data == self.profile.aid:
                self._selected = True
                self._current_ef = None
                return encode_tlv(0x6F, encode_tlv(0x84, data)), SW.OK
            self._selected = False
            return _sw(SW.FILE_NOT_FOUND)
        if not self._selected:
            return _sw(SW.CONDITIONS_NOT_SATISFIED)
        if c.p1 == 0x02 and len(data) == 2:
            fid = int.from_bytes(data, "big")
            if fid not in self.files:
                return _sw(SW.FILE_NOT_FOUND)
            self._current_ef = fid
            return _sw(SW.OK)
        return _sw(SW.INCORRECT_P1P2)

    def _read_binary(self, c: CommandApdu, data: bytes) -> tuple[bytes, int]:
        if not self._selected or self._current_ef is None:
            return _sw(SW.COMMAND_NOT_ALLOWED)
        if c.p1 & 0x80:
            return _sw(SW.INCORRECT_P1P2)
        content = self.files[self._current_ef]
        offset = (c.p1 << 8) | c.p2
        if offset > len(content):
            return _sw(SW.WRONG_P1P2)
        le = c.le or 256
        chunk = content[offset : offset + le]
        if len(chunk) < le:
            return chunk, SW.WARNING_END_OF_FILE
        return chunk, SW.OK

    def _get_data(self, c: CommandApdu, data: bytes) -> tuple[bytes, int]:
        if not self._selected:
            return _sw(SW.CONDITIONS_NOT_SATISFIED)
        tag = (c.p1 << 8) | c.p2
        if tag == self.profile.card_id_tag:
            return self.card_id.encode("ascii"), SW.OK
        if tag == self.profile.holder_data_tag:
            return self.holder.to_tlv(), SW.OK
        if tag == self.profile.pin_status_tag:
            return bytes((self.tries_left, self.max_tries)), SW.OK
        return _sw(SW.REFERENCE_DATA_NOT_FOUND)

    def _check_pin(self, block: bytes) -> tuple[bytes, int] | None:
        """Compare a PIN block; None when it matches, else the failure answer (counter already decremented)."""
        if self.tries_left == 0:
            return _sw(SW.AUTH_METHOD_BLOCKED)
        candidate = block.rstrip(b"\xff")
        if hmac.compare_digest(candidate, self._pin):
            self.tries_left = self.max_tries
            return None
        self.tries_left -= 1
        self._verified = False
        if self.tries_left == 0:
            return _sw(SW.AUTH_METHOD_BLOCKED)
        return _sw(0x63C0 | self.tries_left)

    def _verify(self, c: CommandApdu, data: bytes) -> tuple[bytes, int]:
        if not self._selected:
            return _sw(SW.CONDITIONS_NOT_SATISFIED)
        if c.p2 != self.profile.pin_reference:
            return _sw(SW.REFERENCE_DATA_NOT_FOUND)
        if not data:
            if self.tries_left == 0:
                return _sw(SW.AUTH_METHOD_BLOCKED)
            return _sw(SW.OK if self._verified else 0x63C0 | self.tries_left)
        if len(data) != self.profile.pin_block_length:
            return _sw(SW.WRONG_LENGTH)
        failure = self._check_pin(data)
        if failure is not None:
            return failure
        self._verified = True
        return _sw(SW.OK)

    def _change(self, c: CommandApdu, data: bytes) -> tuple[bytes, int]:
        if not self._selected:
            return _sw(SW.CONDITIONS_NOT_SATISFIED)
        if c.p2 != self.profile.pin_reference:
            return _sw(SW.REFERENCE_DATA_NOT_FOUND)
        n = self.profile.pin_block_length
        if len(data) != 2 * n:
            return _sw(SW.WRONG_LENGTH)
        failure = self._check_pin(data[:n])
        if failure is not None:
            return failure
        self._pin = data[n:].rstrip(b"\xff")
        self._verified = True
        return _sw(SW.OK)

    def _unblock(self, c: CommandApdu, data: bytes) -> tuple[bytes, int]:
        if not self._selected:
            return _sw(SW.CONDITIONS_NOT_SATISFIED)
        if self._unlock_code is None:
            return _sw(SW.INS_NOT_SUPPORTED)
        if c.p2 != self.profile.pin_reference:
            return _sw(SW.REFERENCE_DATA_NOT_FOUND)
        n = self.profile.pin_block_length
        if len(data) != 2 * n:
            return _sw(SW.WRONG_LENGTH)
        if self.unlock_tries_left == 0:
            return _sw(SW.AUTH_METHOD_BLOCKED)
        if not hmac.compare_digest(data[:n].rstrip(b"\xff"), self._unlock_code):
            self.unlock_tries_left -= 1
            return _sw(SW.AUTH_METHOD_BLOCKED if self.unlock_tries_left == 0 else 0x63C0 | self.unlock_tries_left)
        self.unlock_tries_left = 10
        self._pin = data[n:].rstrip(b"\xff")
        self.tries_left = self.max_tries
        self._verified = False
        return _sw(SW.OK)

    def _mse(self, c: CommandApdu, data: bytes) -> tuple[bytes, int]:
        if not self._selected:
            return _sw(SW.CONDITIONS_NOT_SATISFIED)
        if (c.p1, c.p2) != (0x41, 0xB6) or len(data) != 3 or data[:2] != b"\x84\x01":
            return _sw(SW.INCORRECT_DATA)
        if data[2] not in self._keys:
            return _sw(SW.REFERENCE_DATA_NOT_FOUND)
        self._key_ref = data[2]
        return _sw(SW.OK)

    def _pso(self, c: CommandApdu, data: bytes) -> tuple[bytes, int]:
        if not self._selected:
            return _sw(SW.CONDITIONS_NOT_SATISFIED)
        if (c.p1, c.p2) != (0x9E, 0x9A):
            return _sw(SW.INCORRECT_P1P2)
        if not self._verified:
            return _sw(SW.SECURITY_STATUS_NOT_SATISFIED)
        ref = self._key_ref if self._key_ref is not None else next(iter(self._keys), None)
        key = self._keys.get(ref) if ref is not None else None
        if key is None:
            return _sw(SW.REFERENCE_DATA_NOT_FOUND)
        if isinstance(key, SM2PrivateKey):
            return key.sign(data), SW.OK
        for prefix, algorithm in _HASH_BY_PREFIX.items():
            if data.startswith(prefix) and len(data) == len(prefix) + algorithm.digest_size:
                digest = data[len(prefix) :]
                return key.sign(digest, padding.PKCS1v15(), utils.Prehashed(algorithm)), SW.OK
        return _sw(SW.INCORRECT_DATA)


def demo_card(
    *, t0: bool = False, pin: str = DEMO_PIN, max_tries: int = 5, unlock_code: str | None = DEMO_UNLOCK_CODE
) -> EmulatedCard:
    """A fresh emulated card with the shipped demo identity (RSA-2048 and SM2 keys, PIN :data:`DEMO_PIN`).

    Args:
        t0: behave like a T=0 card (61xx chaining for every data response).
        pin: the PIN to start with (for example the factory default ``88888888``).
        max_tries: PIN tries before the card blocks.
        unlock_code: the unlock code (解锁码), :data:`DEMO_UNLOCK_CODE` by default; ``None`` refuses unblocking.
    """
    h = demo.holder()
    return EmulatedCard(
        card_id=h.card_id,
        holder=HolderData(
            holder_name=h.holder_name,
            enterprise_code=h.enterprise_code,
            enterprise_name=h.enterprise_name,
            certificate_number=h.certificate_number,
        ),
        pin=pin,
        rsa_key=demo.signing_private_key(),
        rsa_certificate=demo.signing_certificate_der(),
        sm2_key=SM2PrivateKey.from_bytes(demo.sm2_private_key_bytes()),
        sm2_certificate=demo.sm2_signing_certificate_der(),
        encryption_certificate=demo.encryption_certificate_der(),
        max_tries=max_tries,
        unlock_code=unlock_code,
        t0=t0,
    )


class InProcessTransport:
    """A :class:`~eport.card.protocol.Transport` that hands APDUs straight to an :class:`EmulatedCard`."""

    def __init__(self, card: EmulatedCard) -> None:
        self.card = card

    def __repr__(self) -> str:
        return f"InProcessTransport({self.card!r})"

    def send_and_receive(self, apdu: bytes) -> tuple[bytes, int]:
        """Process ``apdu`` on the emulated card."""
        raw = self.card.process(apdu)
        return raw[:-2], int.from_bytes(raw[-2:], "big")

    def close(self) -> None:
        """Nothing to release; the card stays powered."""


class VpcdCard:
    """Connects an :class:`EmulatedCard` to pcscd's vpcd driver: connecting inserts it, closing removes it.

    vpcd is the TCP server (inside pcscd) and the card the client; each message both ways is a 2-byte big-endian
    length and the payload. Debian's vpcd sends the length and the payload in two writes, so the card sets
    ``TCP_QUICKACK`` before every read (otherwise each APDU costs about 40 ms of delayed ACK).

    Args:
        card: the card to insert.
        host: where pcscd listens (loopback).
        port: vpcd port: 35963 for "Virtual PCD 00 00", 35964 for "Virtual PCD 00 01".
        connect_timeout: how long :meth:`insert` keeps trying to reach vpcd.
        quickack: set ``TCP_QUICKACK`` before every read (only switch it off to measure what it saves).
    """

    def __init__(
        self,
        card: EmulatedCard,
        *,
        host: str = "127.0.0.1",
        port: int = VPCD_PORT,
        connect_timeout: float = 5.0,
        quickack: bool = True,
    ) -> None:
        self.card = card
        self.quickack = quickack
        self.host = host
        self.port = port
        self.connect_timeout = connect_timeout
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:
        return f"VpcdCard({self.card!r}, port={self.port}, inserted={self.inserted})"

    @property
    def inserted(self) -> bool:
        """Whether the card is connected to vpcd."""
        return self._thread is not None and self._thread.is_alive()

    def insert(self) -> None:
        """Connect to vpcd (the card appears in the reader within about 0.5 s).

        Raises:
            eport.errors.CardTimeoutError: vpcd did not accept the connection within ``connect_timeout``.
        """
        if self.inserted:
            return
        deadline = time.monotonic() + self.connect_timeout
        while True:
            try:
                sock = socket.create_connection((self.host, self.port), timeout=1.0)
                break
            except OSError as exc:
                if time.monotonic() >= deadline:
                    raise CardTimeoutError(f"vpcd at {self.host}:{self.port} did not accept the card: {exc}") from None
                time.sleep(0.05)
        sock.settimeout(None)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sock = sock
        self._thread = threading.Thread(target=self._serve, args=(sock,), name=f"vpcd-card-{self.port}", daemon=True)
        self._thread.start()

    def remove(self) -> None:
        """Disconnect from vpcd (pcscd sees the card removed within about 0.5 s)."""
        sock, self._sock = self._sock, None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        if self._thread is not None:
            self._thread.join(timeout=5.0)
            self._thread = None
        self.card.power_off()

    def close(self) -> None:
        """Same as :meth:`remove`."""
        self.remove()

    def __enter__(self) -> VpcdCard:
        self.insert()
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()

    def _serve(self, sock: socket.socket) -> None:
        try:
            while True:
                header = _recv_exact(sock, 2, quickack=self.quickack)
                if header is None:
                    return
                (length,) = struct.unpack(">H", header)
                payload = _recv_exact(sock, length, quickack=self.quickack)
                if payload is None:
                    return
                answer = self._handle(payload)
                if answer is not None:
                    sock.sendall(struct.pack(">H", len(answer)) + answer)
        except OSError:
            return
        finally:
            logger.debug("vpcd card on port %d disconnected", self.port)

    def _handle(self, payload: bytes) -> bytes | None:
        if len(payload) == 1:
            control = payload[0]
            if control == 0x00:
                self.card.power_off()
            elif control == 0x01:
                self.card.power_on()
            elif control == 0x02:
                self.card.reset()
            elif control == 0x04:
                return self.card.atr
            return None
        return self.card.process(payload)


def _recv_exact(sock: socket.socket, n: int, *, quickack: bool) -> bytes | None:
    buffer = bytearray()
    while len(buffer) < n:
        if quickack and hasattr(socket, "TCP_QUICKACK"):
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
        try:
            chunk = sock.recv(n - len(buffer))
        except OSError:
            return None
        if not chunk:
            return None
        buffer += chunk
    return bytes(buffer)


__all__ = [
    "DEMO_PIN",
    "DEMO_UNLOCK_CODE",
    "VPCD_PORT",
    "EmulatedCard",
    "InProcessTransport",
    "VpcdCard",
    "demo_card",
    "make_atr",
]
