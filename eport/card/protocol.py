"""The transport protocol and the APDU processors stacked on it.

A :class:`Transport` has one primitive, ``send_and_receive(apdu: bytes) -> (data, sw)``: pyscard
(:mod:`eport.card.pcsc`), the in-process emulator (:mod:`eport.card.emulator`) or anything else that moves bytes.
:class:`CardProtocol` stacks processors on it, outermost first:

1. :class:`ResponseChainingProcessor`: ``61xx`` → GET RESPONSE until the whole answer is read; ``6Cxx`` → resend
   with the exact Le (T=0 cards need both).
2. :class:`CommandChainingProcessor`: data longer than 255 bytes goes out in chained short APDUs (CLA bit 0x10),
   unless the card takes extended-length APDUs.
3. :class:`FormattingProcessor`: encodes, logs the traffic at level :data:`TRAFFIC` with secret data masked, and
   calls the transport.

Only :meth:`CardProtocol.send_apdu` turns a status word other than 9000 into an exception.
"""

from __future__ import annotations

import logging
from typing import Protocol, runtime_checkable

from eport.card.apdu import SHORT_MAX_DATA, SHORT_MAX_LE, CommandApdu, ResponseApdu, raise_for_sw, sw_name

logger = logging.getLogger(__name__)

#: Log level of raw APDU traffic, below DEBUG (enable with ``logging.getLogger("eport.card").setLevel(5)``).
TRAFFIC = 5
logging.addLevelName(TRAFFIC, "TRAFFIC")

#: INS of GET RESPONSE.
INS_GET_RESPONSE = 0xC0


@runtime_checkable
class Transport(Protocol):
    """Moves one command APDU to a card and its answer back."""

    def send_and_receive(self, apdu: bytes) -> tuple[bytes, int]:
        """Send an encoded command APDU and return the response data and status word.

        Raises:
            eport.errors.CardError: a subclass telling what went wrong with the reader or the card.
        """
        ...

    def close(self) -> None:
        """Release the transport (for PC/SC: disconnect leaving the card powered)."""
        ...


class ApduProcessor(Protocol):
    """One layer of the processor chain."""

    def send_apdu(self, apdu: CommandApdu) -> ResponseApdu:
        """Send ``apdu`` and return the response, without interpreting the status word."""
        ...


def format_apdu_for_log(apdu: CommandApdu) -> str:
    """Hex of an APDU for the traffic log, with the data field masked when the command is sensitive."""
    if not apdu.is_sensitive:
        return apdu.to_bytes().hex(" ").upper()
    header = bytes((apdu.cla, apdu.ins, apdu.p1, apdu.p2)).hex(" ").upper()
    return f"{header} <{len(apdu.data)} secret bytes masked>"


class FormattingProcessor:
    """Encodes APDUs, logs the traffic (secrets masked) and calls the transport."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def send_apdu(self, apdu: CommandApdu) -> ResponseApdu:
        """Encode ``apdu``, send it and return the raw response."""
        if logger.isEnabledFor(TRAFFIC):
            logger.log(TRAFFIC, "SEND %s", format_apdu_for_log(apdu))
        data, sw = self._transport.send_and_receive(apdu.to_bytes())
        if logger.isEnabledFor(TRAFFIC):
            logger.log(TRAFFIC, "RECV %s SW=%s", data.hex(" ").upper() or "-", sw_name(sw))
        return ResponseApdu(data, sw)


class CommandChainingProcessor:
    """Splits long data fields into chained short APDUs (ISO 7816-4 §5.1.1.1), unless extended APDUs are used."""

    def __init__(self, delegate: ApduProcessor, *, extended: bool = False, chunk_size: int = SHORT_MAX_DATA) -> None:
        self._delegate = delegate
        self._extended = extended
        self._chunk = chunk_size

    def send_apdu(self, apdu: CommandApdu) -> ResponseApdu:
        """Send ``apdu``, chaining it when its data does not fit one short APDU."""
        if self._extended or len(apdu.data) <= self._chunk:
            if self._extended and (len(apdu.data) > SHORT_MAX_DATA or (apdu.le or 0) > SHORT_MAX_LE):
                apdu = _evolve(apdu, extended=True)
            return self._delegate.send_apdu(apdu)
        data = apdu.data
        while len(data) > self._chunk:
            chunk, data = data[: self._chunk], data[self._chunk :]
            response = self._delegate.send_apdu(_evolve(apdu, cla=apdu.cla | 0x10, data=chunk, le=None))
            if response.sw != 0x9000:
                return response
        return self._delegate.send_apdu(_evolve(apdu, data=data, le=min(apdu.le, SHORT_MAX_LE) if apdu.le else None))


class ResponseChainingProcessor:
    """Reads long answers: ``61xx`` → GET RESPONSE (Le = xx), ``6Cxx`` → resend with Le = xx.

    Sensitive commands (PIN verification, change and reset, flagged or not) are never resent: their ``6Cxx`` is
    returned as is.

    Args:
        delegate: the next processor.
        ins_get_response: INS of GET RESPONSE (``C0`` per ISO 7816-4).
        max_rounds: upper bound of GET RESPONSE rounds, against cards that never stop answering 61xx.
    """

    def __init__(
        self, delegate: ApduProcessor, *, ins_get_response: int = INS_GET_RESPONSE, max_rounds: int = 1024
    ) -> None:
        self._delegate = delegate
        self._ins = ins_get_response
        self._max_rounds = max_rounds

    def send_apdu(self, apdu: CommandApdu) -> ResponseApdu:
        """Send ``apdu`` and follow 61xx/6Cxx until the final answer."""
        response = self._delegate.send_apdu(apdu)
        if response.sw1 == 0x6C and not apdu.is_sensitive:
            # Never for sensitive commands: resending a VERIFY would be a second PIN try the caller did not make.
            response = self._delegate.send_apdu(_evolve(apdu, le=response.sw2 or 256))
        buffer = bytearray(response.data)
        rounds = 0
        while response.sw1 == 0x61:
            rounds += 1
            if rounds > self._max_rounds:
                break
            get_response = CommandApdu(cla=apdu.cla & 0x0F, ins=self._ins, le=response.sw2 or 256)
            response = self._delegate.send_apdu(get_response)
            if response.sw1 == 0x6C:
                response = self._delegate.send_apdu(_evolve(get_response, le=response.sw2 or 256))
            buffer += response.data
        return ResponseApdu(bytes(buffer), response.sw)


def _evolve(apdu: CommandApdu, **changes: object) -> CommandApdu:
    fields = {
        "cla": apdu.cla,
        "ins": apdu.ins,
        "p1": apdu.p1,
        "p2": apdu.p2,
        "data": apdu.data,
        "le": apdu.le,
        "extended": apdu.extended,
        "sensitive": apdu.sensitive,
    }
    fields.update(changes)
    return CommandApdu(**fields)  # type: ignore[arg-type]


class CardProtocol:
    """APDU exchange with a card over a :class:`Transport`, with chaining, logging and status-word checks.

    Args:
        transport: the transport.
        extended: send extended-length APDUs instead of command chaining (only if the card and reader support it).
    """

    def __init__(self, transport: Transport, *, extended: bool = False) -> None:
        self.transport = transport
        self._chain: ApduProcessor = ResponseChainingProcessor(
            CommandChainingProcessor(FormattingProcessor(transport), extended=extended)
        )

    def transmit(self, apdu: CommandApdu) -> ResponseApdu:
        """Send ``apdu`` through the processors and return the final response without checking the status word."""
        return self._chain.send_apdu(apdu)

    def send_apdu(
        self,
        cla: int,
        ins: int,
        p1: int,
        p2: int,
        data: bytes = b"",
        le: int | None = None,
        *,
        sensitive: bool = False,
    ) -> bytes:
        """Send a command and return its response data.

        Args:
            cla, ins, p1, p2: the header.
            data: the data field.
            le: expected response length (``None``: no Le; 256: "as much as the card has" in short APDUs).
            sensitive: mask the data field in logs (PINs).

        Returns:
            The response data, chained responses joined.

        Raises:
            eport.errors.ApduError: or a subclass from :func:`eport.card.apdu.error_for_sw` if SW ≠ 9000.
        """
        apdu = CommandApdu(cla=cla, ins=ins, p1=p1, p2=p2, data=data, le=le, sensitive=sensitive)
        response = self.transmit(apdu)
        raise_for_sw(response.sw, response.data)
        return response.data

    def select(self, aid: bytes) -> bytes:
        """SELECT an application by AID (``00 A4 04 00``) and return the FCI, if any.

        Raises:
            eport.errors.FileNotFound: if the card has no such application (6A82).
        """
        return self.send_apdu(0x00, 0xA4, 0x04, 0x00, aid, 256)

    def close(self) -> None:
        """Close the transport."""
        self.transport.close()


__all__ = [
    "INS_GET_RESPONSE",
    "TRAFFIC",
    "ApduProcessor",
    "CardProtocol",
    "CommandChainingProcessor",
    "FormattingProcessor",
    "ResponseChainingProcessor",
    "Transport",
    "format_apdu_for_log",
]
