"""ISO 7816-4 command and response APDUs, status words, and the one table that maps status words to exceptions.

Only :func:`raise_for_sw` (called by :class:`eport.card.protocol.CardProtocol`) turns a status word into an
exception; card applications give status words meaning with small pure functions such as :func:`tries_from_sw`.
"""

from __future__ import annotations

import enum
from collections.abc import Callable

import attrs

from eport.errors import (
    ApduError,
    BadResponseError,
    ConfigurationError,
    FileNotFound,
    NotSupportedError,
    PinError,
    PinLockedError,
    SecurityStatusNotSatisfied,
    WrongLengthError,
)

#: Largest data field of a short APDU (Lc) and largest short Le (0 encodes 256).
SHORT_MAX_DATA = 255
SHORT_MAX_LE = 256
#: Largest data field and Le of an extended-length APDU (Le 0000 encodes 65536).
EXTENDED_MAX_DATA = 65535
EXTENDED_MAX_LE = 65536


class SW(enum.IntEnum):
    """Status words eport knows by name (ISO 7816-4 §5.6). Unknown status words stay plain ints."""

    OK = 0x9000
    WARNING_END_OF_FILE = 0x6282
    VERIFY_FAIL_NO_INFO = 0x6300
    MEMORY_FAILURE = 0x6581
    WRONG_LENGTH = 0x6700
    LOGICAL_CHANNEL_NOT_SUPPORTED = 0x6881
    SECURE_MESSAGING_NOT_SUPPORTED = 0x6882
    COMMAND_CHAINING_NOT_SUPPORTED = 0x6884
    COMMAND_NOT_ALLOWED = 0x6986
    SECURITY_STATUS_NOT_SATISFIED = 0x6982
    AUTH_METHOD_BLOCKED = 0x6983
    REFERENCE_DATA_NOT_USABLE = 0x6984
    CONDITIONS_NOT_SATISFIED = 0x6985
    INCORRECT_DATA = 0x6A80
    FUNCTION_NOT_SUPPORTED = 0x6A81
    FILE_NOT_FOUND = 0x6A82
    RECORD_NOT_FOUND = 0x6A83
    NOT_ENOUGH_MEMORY = 0x6A84
    INCORRECT_P1P2 = 0x6A86
    REFERENCE_DATA_NOT_FOUND = 0x6A88
    WRONG_P1P2 = 0x6B00
    INS_NOT_SUPPORTED = 0x6D00
    CLA_NOT_SUPPORTED = 0x6E00
    NO_PRECISE_DIAGNOSIS = 0x6F00


def sw_name(sw: int) -> str:
    """A readable name for ``sw``: ``"6A82 FILE_NOT_FOUND"``, ``"63C2 (2 tries left)"`` or just ``"6F12"``."""
    try:
        return f"{sw:04X} {SW(sw).name}"
    except ValueError:
        pass
    if sw >> 4 == 0x63C:
        return f"{sw:04X} (verification failed, {sw & 0xF} tries left)"
    if sw >> 8 == 0x61:
        return f"{sw:04X} ({sw & 0xFF or 256} more bytes available)"
    if sw >> 8 == 0x6C:
        return f"{sw:04X} (wrong Le, exact length {sw & 0xFF or 256})"
    return f"{sw:04X}"


def tries_from_sw(sw: int) -> int | None:
    """PIN tries left encoded in a status word: ``63Cx`` → x, ``6983`` → 0, anything else → ``None``."""
    if sw >> 4 == 0x63C:
        return sw & 0x0F
    if sw == SW.AUTH_METHOD_BLOCKED:
        return 0
    return None


_SIMPLE: dict[int, Callable[[int, bytes], ApduError]] = {
    SW.SECURITY_STATUS_NOT_SATISFIED: lambda sw, d: SecurityStatusNotSatisfied(
        sw, d, "security status not satisfied (6982): verify the PIN first"
    ),
    SW.FILE_NOT_FOUND: lambda sw, d: FileNotFound(sw, d, "file or application not found (6A82)"),
    SW.WRONG_LENGTH: lambda sw, d: WrongLengthError(sw, d, "wrong length (6700)"),
    SW.INS_NOT_SUPPORTED: lambda sw, d: NotSupportedError(sw, d, "instruction not supported by the card (6D00)"),
    SW.CLA_NOT_SUPPORTED: lambda sw, d: NotSupportedError(sw, d, "class not supported by the card (6E00)"),
    SW.FUNCTION_NOT_SUPPORTED: lambda sw, d: NotSupportedError(sw, d, "function not supported by the card (6A81)"),
}


def error_for_sw(sw: int, data: bytes = b"") -> ApduError:
    """The exception for a status word other than 9000 (the single status-word → exception table).

    Args:
        sw: the status word, e.g. ``0x63C2``.
        data: response data that came with it.

    Returns:
        The most specific :class:`~eport.errors.ApduError` subclass: :class:`~eport.errors.PinError` for 63Cx
        (with ``tries_left``), :class:`~eport.errors.PinLockedError` for 6983, and so on; plain ``ApduError`` for
        status words without a special meaning.
    """
    if sw >> 4 == 0x63C:
        return PinError(sw, sw & 0x0F)
    if sw == SW.AUTH_METHOD_BLOCKED:
        return PinLockedError(sw)
    if sw >> 8 == 0x6C:
        return WrongLengthError(sw, data, f"wrong Le, the card expects {sw & 0xFF or 256} bytes (6Cxx)")
    factory = _SIMPLE.get(sw)
    if factory is not None:
        return factory(sw, data)
    return ApduError(sw, data, f"APDU failed with status word {sw_name(sw)}")


def raise_for_sw(sw: int, data: bytes = b"") -> None:
    """Raise :func:`error_for_sw` unless ``sw`` is 9000.

    Raises:
        eport.errors.ApduError: or a subclass, for any status word other than 9000.
    """
    if sw != SW.OK:
        raise error_for_sw(sw, data)


#: INS codes whose data field carries a PIN (ISO 7816-4 §11.5): VERIFY (20, 21), CHANGE REFERENCE DATA (24),
#: RESET RETRY COUNTER (2C). Recognised whatever the CLA, since vendor profiles use proprietary classes for them.
PIN_INS = frozenset({0x20, 0x21, 0x24, 0x2C})


@attrs.frozen(kw_only=True)
class CommandApdu:
    """A command APDU (ISO 7816-4 §5.1).

    ``le`` is the number of response bytes expected: ``None`` for no Le field, 1..256 for short APDUs (256 is
    encoded as 00), up to 65536 for extended ones. ``extended`` forces the extended-length encoding; without it the
    short form is used whenever the data and Le fit.

    ``sensitive`` marks commands whose data field is a secret: their data is masked in logs and reprs, and the
    processor chain never resends them. The PIN commands of :data:`PIN_INS` are sensitive whatever the flag says
    (see :attr:`is_sensitive`), so a vendor profile that forgets it cannot leak a PIN or spend a second try.
    """

    cla: int = 0x00
    ins: int
    p1: int = 0x00
    p2: int = 0x00
    data: bytes = attrs.field(default=b"", repr=False)
    le: int | None = None
    extended: bool = False
    sensitive: bool = False

    def __attrs_post_init__(self) -> None:
        for name in ("cla", "ins", "p1", "p2"):
            value = getattr(self, name)
            if not 0 <= value <= 0xFF:
                raise ConfigurationError(f"APDU {name} must be a byte, got {value!r}")
        if len(self.data) > EXTENDED_MAX_DATA:
            raise ConfigurationError(f"APDU data too long: {len(self.data)} bytes (at most {EXTENDED_MAX_DATA})")
        if self.le is not None and not 0 < self.le <= EXTENDED_MAX_LE:
            raise ConfigurationError(f"APDU Le must be in 1..{EXTENDED_MAX_LE}, got {self.le}")

    @property
    def is_sensitive(self) -> bool:
        """Whether the data field is a secret: flagged ``sensitive`` or a PIN command (:data:`PIN_INS`)."""
        return self.sensitive or self.ins in PIN_INS

    @property
    def is_extended(self) -> bool:
        """Whether :meth:`to_bytes` uses the extended-length encoding."""
        if not self.data and self.le is None:
            return False  # case 1 has no length fields
        return self.extended or len(self.data) > SHORT_MAX_DATA or (self.le is not None and self.le > SHORT_MAX_LE)

    def to_bytes(self) -> bytes:
        """Encode the APDU (cases 1 to 4, short or extended)."""
        header = bytes((self.cla, self.ins, self.p1, self.p2))
        if not self.is_extended:
            body = b""
            if self.data:
                body += bytes((len(self.data),)) + self.data
            if self.le is not None:
                body += bytes((self.le & 0xFF,))
            return header + body
        body = b""
        if self.data:
            body += b"\x00" + len(self.data).to_bytes(2, "big") + self.data
        if self.le is not None:
            le = (self.le & 0xFFFF).to_bytes(2, "big")
            body += le if self.data else b"\x00" + le
        return header + body

    @classmethod
    def from_bytes(cls, apdu: bytes) -> CommandApdu:
        """Parse an encoded command APDU (used by the card emulator).

        Raises:
            eport.errors.BadResponseError: if the bytes are not a well-formed APDU.
        """
        if len(apdu) < 4:
            raise BadResponseError(f"command APDU too short: {len(apdu)} bytes")
        cla, ins, p1, p2 = apdu[:4]
        body = apdu[4:]
        data = b""
        le: int | None = None
        extended = False
        if not body:
            pass
        elif len(body) == 1:
            le = body[0] or 256
        elif body[0] == 0 and len(body) >= 3:
            extended = True
            if len(body) == 3:
                le = int.from_bytes(body[1:3], "big") or 65536
            else:
                lc = int.from_bytes(body[1:3], "big")
                rest = body[3:]
                if lc == 0:
                    raise BadResponseError("extended APDU with Lc = 0")
                if len(rest) == lc:
                    data = rest
                elif len(rest) == lc + 2:
                    data = rest[:lc]
                    le = int.from_bytes(rest[lc:], "big") or 65536
                else:
                    raise BadResponseError("extended APDU length fields do not match its size")
        else:
            lc = body[0]
            rest = body[1:]
            if lc == 0:
                raise BadResponseError("short APDU with Lc = 0")
            if len(rest) == lc:
                data = rest
            elif len(rest) == lc + 1:
                data = rest[:lc]
                le = rest[lc] or 256
            else:
                raise BadResponseError("short APDU length fields do not match its size")
        return cls(cla=cla, ins=ins, p1=p1, p2=p2, data=data, le=le, extended=extended)


@attrs.frozen
class ResponseApdu:
    """A response APDU: data and the status word."""

    data: bytes = attrs.field(repr=lambda d: f"<{len(d)} bytes>")
    sw: int = attrs.field(repr=lambda sw: f"0x{sw:04X}")

    @property
    def sw1(self) -> int:
        """First status byte."""
        return self.sw >> 8

    @property
    def sw2(self) -> int:
        """Second status byte."""
        return self.sw & 0xFF

    def to_bytes(self) -> bytes:
        """Encode as data followed by SW1 SW2."""
        return self.data + self.sw.to_bytes(2, "big")

    @classmethod
    def from_bytes(cls, raw: bytes) -> ResponseApdu:
        """Split raw response bytes into data and status word.

        Raises:
            eport.errors.BadResponseError: if fewer than two bytes were received.
        """
        if len(raw) < 2:
            raise BadResponseError(f"response APDU too short: {len(raw)} bytes")
        return cls(raw[:-2], int.from_bytes(raw[-2:], "big"))


__all__ = [
    "EXTENDED_MAX_DATA",
    "EXTENDED_MAX_LE",
    "PIN_INS",
    "SHORT_MAX_DATA",
    "SHORT_MAX_LE",
    "SW",
    "CommandApdu",
    "ResponseApdu",
    "error_for_sw",
    "raise_for_sw",
    "sw_name",
    "tries_from_sw",
]
