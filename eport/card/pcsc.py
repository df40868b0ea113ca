"""PC/SC readers and cards through pyscard (pcscd on Linux and macOS, the Smart Card service on Windows).

Every PC/SC failure becomes a typed :mod:`eport.errors` exception with the remedy the E-Port manuals give:

================================  =========================================================================
pcscd / SCardSvr not running      :class:`~eport.errors.PcscUnavailableError` (智能卡服务未启动)
no reader connected               :class:`~eport.errors.NoReaderError` (未检测到读卡器)
reader name unknown               :class:`~eport.errors.ReaderNotFoundError`
no card / card not seated         :class:`~eport.errors.NoCardError` (未插卡 / 卡未插好)
card removed                      :class:`~eport.errors.CardRemovedError`
reset or unpowered by others      :class:`~eport.errors.CardResetError` (after reconnecting: select again,
                                  verify the PIN again)
timeout                           :class:`~eport.errors.CardTimeoutError`
================================  =========================================================================

:meth:`PcscTransport.close` leaves the card powered (``SCARD_LEAVE_CARD``; pyscard's own default powers it down),
so a PIN verified by one process stays verified for the next connection, as with the vendor middleware.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from typing import Any, Literal

import attrs

from eport.errors import (
    CardError,
    CardRemovedError,
    CardResetError,
    CardTimeoutError,
    ConfigurationError,
    MissingExtraError,
    NoCardError,
    NoReaderError,
    PcscUnavailableError,
    ReaderNotFoundError,
)

try:
    from smartcard import scard
except ImportError as exc:  # pyscard is the optional 'pcsc' extra
    if not (exc.name or "").startswith("smartcard"):
        raise
    raise MissingExtraError("PC/SC readers (eport.card.pcsc, pyscard)", "pcsc") from exc

logger = logging.getLogger(__name__)

_MASK = 0xFFFFFFFF
_NO_SERVICE = {scard.SCARD_E_NO_SERVICE & _MASK, scard.SCARD_E_SERVICE_STOPPED & _MASK}
_RESET = {scard.SCARD_W_RESET_CARD & _MASK, scard.SCARD_W_UNPOWERED_CARD & _MASK}
_REMOVED = {scard.SCARD_W_REMOVED_CARD & _MASK, scard.SCARD_E_NO_SMARTCARD & _MASK}
_NO_READERS = scard.SCARD_E_NO_READERS_AVAILABLE & _MASK
_UNKNOWN_READER = {scard.SCARD_E_UNKNOWN_READER & _MASK, scard.SCARD_E_READER_UNAVAILABLE & _MASK}
_TIMEOUT = scard.SCARD_E_TIMEOUT & _MASK
_SHARING = scard.SCARD_E_SHARING_VIOLATION & _MASK

#: Remedies printed with the errors (English and Chinese, after the E-Port manuals' FAQ).
FIX_NO_SERVICE = (
    "start the smart card service: Linux 'sudo systemctl start pcscd' (or 'pcscd --foreground'), "
    "Windows services.msc → Smart Card (启动智能卡服务 SCardSvr)"
)
FIX_NO_READER = "connect the card reader and install its driver (检查读卡器连接并安装驱动)"
FIX_NO_CARD = "insert the operator card with the chip facing up, fully (请将操作员卡芯片朝上插好)"


def _hex(hresult: int) -> str:
    return f"0x{hresult & _MASK:08X}"


def _message(hresult: int) -> str:
    try:
        return str(scard.SCardGetErrorMessage(hresult))
    except Exception:  # pragma: no cover - pyscard without the message table
        return _hex(hresult)


def _raise(hresult: int, what: str, reader: str | None = None) -> None:
    """Raise the eport exception for a failed PC/SC call."""
    code = hresult & _MASK
    detail = f"{what}: {_message(hresult)} ({_hex(hresult)})"
    if code in _NO_SERVICE:
        raise PcscUnavailableError(f"PC/SC service not reachable (智能卡服务未启动) — {detail}; {FIX_NO_SERVICE}")
    if code == _NO_READERS:
        raise NoReaderError(f"no card reader connected (未检测到读卡器) — {FIX_NO_READER}")
    if code in _UNKNOWN_READER:
        raise ReaderNotFoundError(f"reader {reader!r} is not connected — {detail}")
    if code in _RESET:
        raise CardResetError(f"the card was reset or powered down by another application — {detail}")
    if code == scard.SCARD_W_REMOVED_CARD & _MASK:
        raise CardRemovedError(f"the card was removed (卡已拔出) — {detail}")
    if code == scard.SCARD_E_NO_SMARTCARD & _MASK:
        raise NoCardError(f"no card in reader {reader!r} (未插卡) — {FIX_NO_CARD}")
    if code == _TIMEOUT:
        raise CardTimeoutError(f"{what} timed out")
    if code == _SHARING:
        raise CardError(f"the card is in exclusive use by another application (卡被其他程序占用) — {detail}")
    raise CardError(detail)


class _Context:
    """A PC/SC context, released on close."""

    def __init__(self) -> None:
        hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        if hresult != scard.SCARD_S_SUCCESS:
            _raise(hresult, "SCardEstablishContext")
        self.handle: Any = context

    def readers(self) -> list[str]:
        hresult, readers = scard.SCardListReaders(self.handle, [])
        if hresult & _MASK == _NO_READERS:
            return []
        if hresult != scard.SCARD_S_SUCCESS:
            _raise(hresult, "SCardListReaders")
        return [str(r) for r in readers]

    def status(self, readers: list[str], timeout_ms: int = 0, known: dict[str, int] | None = None) -> list[Any]:
        states = [(r, (known or {}).get(r, scard.SCARD_STATE_UNAWARE)) for r in readers]
        hresult, new_states = scard.SCardGetStatusChange(self.handle, timeout_ms, states)
        if hresult & _MASK == _TIMEOUT:
            return []
        if hresult != scard.SCARD_S_SUCCESS:
            _raise(hresult, "SCardGetStatusChange")
        return list(new_states)

    def close(self) -> None:
        scard.SCardReleaseContext(self.handle)

    def __enter__(self) -> _Context:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@attrs.frozen
class ReaderStatus:
    """A reader and what is in it."""

    name: str
    card_present: bool
    atr: bytes = attrs.field(default=b"", repr=lambda a: a.hex(" ").upper() or "-")
    in_use_exclusively: bool = False


def list_readers() -> list[str]:
    """Names of the connected readers (``[]`` when none is connected).

    Raises:
        eport.errors.PcscUnavailableError: pcscd / the Smart Card service is not running.
    """
    with _Context() as context:
        return context.readers()


def reader_status() -> list[ReaderStatus]:
    """Every reader with card presence and ATR, without connecting to any card.

    Raises:
        eport.errors.PcscUnavailableError: pcscd / the Smart Card service is not running.
    """
    with _Context() as context:
        readers = context.readers()
        if not readers:
            return []
        return [_to_status(entry) for entry in context.status(readers)]


def _to_status(entry: Any) -> ReaderStatus:
    name, state, atr = entry
    return ReaderStatus(
        name=str(name),
        card_present=bool(state & scard.SCARD_STATE_PRESENT) and not state & scard.SCARD_STATE_MUTE,
        atr=bytes(atr),
        in_use_exclusively=bool(state & scard.SCARD_STATE_EXCLUSIVE),
    )


def _pick_reader(context: _Context, reader: str | None) -> list[str]:
    readers = context.readers()
    if not readers:
        raise NoReaderError(f"no card reader connected (未检测到读卡器) — {FIX_NO_READER}")
    if reader is None:
        return readers
    if reader not in readers:
        raise ReaderNotFoundError(f"reader {reader!r} is not connected; connected readers: {', '.join(readers)}")
    return [reader]


def _wait(reader: str | None, *, present: bool, timeout: float) -> str:
    if timeout <= 0:
        raise ConfigurationError("timeout must be positive (seconds)")
    deadline = time.monotonic() + timeout
    with _Context() as context:
        candidates = _pick_reader(context, reader)
        known: dict[str, int] = {}
        while True:
            for entry in context.status(candidates, 0, known):
                name, state, _atr = entry
                known[str(name)] = state & ~scard.SCARD_STATE_CHANGED
                card = bool(state & scard.SCARD_STATE_PRESENT) and not state & scard.SCARD_STATE_MUTE
                if card == present:
                    return str(name)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                what = "a card" if present else "the card to be removed"
                where = reader or "any reader"
                raise CardTimeoutError(f"waiting for {what} in {where} timed out after {timeout:g} s")
            context.status(candidates, int(min(remaining, 0.5) * 1000), known)


def wait_for_card(reader: str | None = None, *, timeout: float = 10.0) -> str:
    """Wait until a card is present and return the reader's name.

    Args:
        reader: the reader to watch; ``None`` watches every connected reader.
        timeout: seconds to wait.

    Raises:
        eport.errors.CardTimeoutError: no card within ``timeout`` seconds.
        eport.errors.CardError: ``NoReaderError``, ``ReaderNotFoundError`` or ``PcscUnavailableError``.
    """
    return _wait(reader, present=True, timeout=timeout)


def wait_for_removal(reader: str, *, timeout: float = 10.0) -> None:
    """Wait until the reader is empty.

    Raises:
        eport.errors.CardTimeoutError: the card is still there after ``timeout`` seconds.
    """
    _wait(reader, present=False, timeout=timeout)


@attrs.frozen
class CardEvent:
    """A change seen by :func:`watch`: a reader or a card appeared or went away."""

    kind: Literal["reader-added", "reader-removed", "card-inserted", "card-removed"]
    reader: str
    atr: bytes = b""


def watch(*, duration: float, stop: threading.Event | None = None, poll: float = 0.2) -> Iterator[CardEvent]:
    """Yield reader and card events for ``duration`` seconds (or until ``stop`` is set).

    The state at the start is reported first (``reader-added``, then ``card-inserted`` for cards already present),
    so a consumer sees a consistent picture.

    Raises:
        eport.errors.PcscUnavailableError: pcscd / the Smart Card service is not running.
    """
    deadline = time.monotonic() + duration
    with _Context() as context:
        readers: list[str] = []
        present: dict[str, bool] = {}
        known: dict[str, int] = {}
        while time.monotonic() < deadline and not (stop is not None and stop.is_set()):
            current = context.readers()
            for name in [r for r in readers if r not in current]:
                if present.pop(name, False):
                    yield CardEvent("card-removed", name)
                known.pop(name, None)
                yield CardEvent("reader-removed", name)
            for name in [r for r in current if r not in readers]:
                yield CardEvent("reader-added", name)
            readers = current
            if readers:
                for entry in context.status(readers, 0, known):
                    status = _to_status(entry)
                    known[status.name] = entry[1] & ~scard.SCARD_STATE_CHANGED
                    if status.card_present != present.get(status.name, False):
                        present[status.name] = status.card_present
                        kind: Literal["card-inserted", "card-removed"] = (
                            "card-inserted" if status.card_present else "card-removed"
                        )
                        yield CardEvent(kind, status.name, status.atr if status.card_present else b"")
                context.status(readers, int(poll * 1000), known)
            else:
                time.sleep(poll)


class PcscTransport:
    """A :class:`~eport.card.protocol.Transport` over one PC/SC card connection.

    Use :func:`connect` to make one. ``send_and_receive`` is thread-safe. On "card was reset" / "card is
    unpowered" it reconnects (so the handle is usable again) and raises :class:`~eport.errors.CardResetError`:
    the application must be selected and the PIN verified again; eport never does that silently.
    """

    def __init__(self, context: _Context, reader: str, handle: Any, protocol: int, *, exclusive: bool) -> None:
        self._context = context
        self.reader = reader
        self._handle = handle
        self._protocol = protocol
        self._exclusive = exclusive
        self._lock = threading.Lock()
        self._closed = False

    def __repr__(self) -> str:
        return f"PcscTransport(reader={self.reader!r}, protocol={self.protocol_name}, closed={self._closed})"

    @property
    def protocol_name(self) -> str:
        """``"T=0"`` or ``"T=1"``."""
        return "T=0" if self._protocol == scard.SCARD_PROTOCOL_T0 else "T=1"

    @property
    def atr(self) -> bytes:
        """The card's ATR."""
        hresult, _reader, _state, _protocol, atr = scard.SCardStatus(self._handle)
        if hresult != scard.SCARD_S_SUCCESS:
            _raise(hresult, "SCardStatus", self.reader)
        return bytes(atr)

    def send_and_receive(self, apdu: bytes) -> tuple[bytes, int]:
        """Transmit one APDU.

        Raises:
            eport.errors.CardResetError: the card was reset/unpowered by someone else (reconnected; start over).
            eport.errors.CardRemovedError: the card was removed.
            eport.errors.CardError: any other PC/SC failure.
        """
        with self._lock:
            if self._closed:
                raise CardError("the card connection is closed")
            hresult, response = scard.SCardTransmit(self._handle, self._protocol, list(apdu))
            if hresult & _MASK in _RESET:
                self._reconnect()
            if hresult != scard.SCARD_S_SUCCESS:
                _raise(hresult, "SCardTransmit", self.reader)
        if len(response) < 2:
            raise CardError(f"reader returned {len(response)} bytes, no status word")
        return bytes(response[:-2]), (response[-2] << 8) | response[-1]

    def _reconnect(self) -> None:
        share = scard.SCARD_SHARE_EXCLUSIVE if self._exclusive else scard.SCARD_SHARE_SHARED
        hresult, protocol = scard.SCardReconnect(
            self._handle, share, scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1, scard.SCARD_LEAVE_CARD
        )
        if hresult == scard.SCARD_S_SUCCESS:
            self._protocol = protocol
            logger.info("reconnected to %s after a card reset", self.reader)
        else:
            logger.warning("reconnecting to %s failed: %s", self.reader, _message(hresult))

    def close(self) -> None:
        """Disconnect leaving the card powered (a verified PIN survives) and release the context."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            scard.SCardDisconnect(self._handle, scard.SCARD_LEAVE_CARD)
            self._context.close()

    def __enter__(self) -> PcscTransport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def connect(
    reader: str | None = None,
    *,
    exclusive: bool = False,
    timeout: float = 0.0,
    protocol: Literal["T=0", "T=1", "any"] = "any",
) -> PcscTransport:
    """Connect to the card in ``reader`` (or the first reader holding a card).

    Args:
        reader: reader name (see :func:`list_readers`); ``None`` takes the first reader with a card.
        exclusive: ``SCARD_SHARE_EXCLUSIVE`` instead of shared access.
        timeout: seconds to wait for a card to be inserted; ``0`` fails at once when there is none.
        protocol: which transmission protocol to accept.

    Returns:
        A connected :class:`PcscTransport`; close it (or use ``with``) to disconnect, leaving the card powered.

    Raises:
        eport.errors.PcscUnavailableError: pcscd is not running.
        eport.errors.NoReaderError: no reader is connected.
        eport.errors.ReaderNotFoundError: ``reader`` is not connected.
        eport.errors.NoCardError: no card (and ``timeout`` is 0).
        eport.errors.CardTimeoutError: no card within ``timeout``.
    """
    protocols = {
        "T=0": scard.SCARD_PROTOCOL_T0,
        "T=1": scard.SCARD_PROTOCOL_T1,
        "any": scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1,
    }[protocol]
    if timeout > 0:
        reader = wait_for_card(reader, timeout=timeout)
    context = _Context()
    try:
        candidates = _pick_reader(context, reader)
        if reader is None:
            with_card = [s.name for s in map(_to_status, context.status(candidates)) if s.card_present]
            if not with_card:
                raise NoCardError(f"no card in any reader (未插卡) — {FIX_NO_CARD}")
            reader = with_card[0]
        share = scard.SCARD_SHARE_EXCLUSIVE if exclusive else scard.SCARD_SHARE_SHARED
        # A card that was just swapped can report "unpowered" for one poll period of pcscd (about 0.4 s).
        for attempt in range(6):
            hresult, handle, active = scard.SCardConnect(context.handle, reader, share, protocols)
            if hresult & _MASK not in _RESET:
                break
            logger.debug("card in %s not ready (attempt %d): %s", reader, attempt + 1, _message(hresult))
            time.sleep(0.2)
        if hresult != scard.SCARD_S_SUCCESS:
            _raise(hresult, f"SCardConnect({reader!r})", reader)
    except BaseException:
        context.close()
        raise
    transport = PcscTransport(context, reader, handle, active, exclusive=exclusive)
    logger.debug("connected to %s (%s)", reader, transport.protocol_name)
    return transport


__all__ = [
    "FIX_NO_CARD",
    "FIX_NO_READER",
    "FIX_NO_SERVICE",
    "CardEvent",
    "PcscTransport",
    "ReaderStatus",
    "connect",
    "list_readers",
    "reader_status",
    "wait_for_card",
    "wait_for_removal",
    "watch",
]
