"""The one transport protocol every clearance client talks through, and an in-memory transport for tests.

A transport moves bytes and nothing else: it sends one ``DxpMsg`` envelope under its CopMsgId (the idempotency
key), lists receipts after a cursor, and acknowledges receipts once the client has recorded them. File exchange
(:class:`~eport.services.FileExchangeTransport`), HTTP (:class:`~eport.services.HttpTransport`) and, later, an
AMQP transport implement it; clients never look behind it.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import Protocol, runtime_checkable

import attrs

from eport.errors import ConfigurationError, DuplicateError
from eport.services._xml import Family


def _positive(_instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not value > 0:
        raise ConfigurationError(f"{attribute.name} timeout must be a positive number of seconds, not {value!r}")


@attrs.frozen
class Timeout:
    """Timeouts in seconds for one transport operation; never unbounded.

    Attributes:
        connect: establishing a connection (or taking a file lock).
        read: waiting for a reply once connected.
    """

    connect: float = attrs.field(default=5.0, validator=_positive)
    read: float = attrs.field(default=30.0, validator=_positive)


DEFAULT_TIMEOUT = Timeout()
"""5 s to connect, 30 s to read."""


@attrs.frozen(kw_only=True)
class Outgoing:
    """One submission ready to leave: the envelope and what a transport needs to route it.

    Attributes:
        cop_msg_id: the envelope's CopMsgId, the idempotency key.
        msg_type: the business root name (``CEB621Message``, ``DecMessage``, ``MT2101`` …).
        family: CEB, declaration or manifest (chooses the file-exchange box).
        envelope: the ``DxpMsg`` bytes.
        file_name: the file name to use in a file exchange; ``None`` lets the transport choose.
        resend: a recovery re-send of a submission recorded earlier (the same CopMsgId and bytes), which an earlier
            try may already have delivered. A transport that cannot rely on the exchange deduplicating checks first
            (``HttpTransport(retry_unconfirmed_posts=False)``).
    """

    cop_msg_id: str
    msg_type: str
    family: Family
    envelope: bytes = attrs.field(repr=lambda b: f"<{len(b)} bytes>")
    file_name: str | None = None
    resend: bool = False


@attrs.frozen(kw_only=True)
class SendResult:
    """What the exchange said when it took a submission.

    Attributes:
        cop_msg_id: the CopMsgId that was sent.
        duplicate: ``True`` when the exchange already held this CopMsgId with identical bytes (a retry or a
            recovery re-send), so nothing new was stored.
        reference: the exchange's own reference (HTTP ``msgId``, the file path of a file exchange).
    """

    cop_msg_id: str
    duplicate: bool = False
    reference: str = ""


@attrs.frozen(kw_only=True)
class RawReceipt:
    """One receipt as the transport found it, not yet parsed.

    Attributes:
        receipt_id: the transport's id of the receipt (HTTP ``seq``, InBox file name).
        data: the receipt bytes (a ``DxpMsg`` envelope or a bare business receipt).
        cursor: the transport position just after this receipt, when the transport has cursors.
        source_cop_msg_id: the CopMsgId of the submission it answers, when the transport says.
        msg_type: the receipt's message type, when the transport says.
        error: why the transport could not read the entry that should have carried the receipt (the receipts listing
            gave it no usable sequence number); ``data`` then holds the entry as it came, and the client keeps it
            as an unreadable receipt with this error, never parsing it.
    """

    receipt_id: str
    data: bytes = attrs.field(repr=lambda b: f"<{len(b)} bytes>")
    cursor: str | None = None
    source_cop_msg_id: str | None = None
    msg_type: str = ""
    error: str | None = None

    @property
    def digest(self) -> str:
        """SHA-256 of the bytes, used to recognise a receipt seen before."""
        return hashlib.sha256(self.data).hexdigest()


@attrs.frozen
class ReceiveBatch:
    """Receipts listed by one :meth:`Transport.receive` call.

    Attributes:
        receipts: the receipts, oldest first.
        cursor: pass as ``after`` to continue; ``None`` for transports without cursors (a file exchange lists
            what is still in the InBox).
        quarantined: receipts found unreadable for good and set aside (file exchange: moved to FailBox with a
            reason file), as ``"<id>: <reason>"``; they are not in ``receipts``.
    """

    receipts: tuple[RawReceipt, ...]
    cursor: str | None = None
    quarantined: tuple[str, ...] = ()


@runtime_checkable
class Transport(Protocol):
    """Moves envelopes to the exchange and receipts back. Small enough for an AMQP transport to implement."""

    @property
    def name(self) -> str:
        """A stable identifier of the endpoint (the journal keeps one receipt cursor per name)."""
        ...

    def send(self, outgoing: Outgoing) -> SendResult:
        """Hand one envelope to the exchange. Sending the same CopMsgId with the same bytes again is harmless.

        Raises:
            eport.errors.TransportError: the envelope could not be handed over (maybe retried by the caller).
            eport.errors.DuplicateError: the CopMsgId is already held with different bytes.
        """
        ...

    def receive(self, *, after: str | None = None, limit: int = 100) -> ReceiveBatch:
        """List receipts after the cursor ``after`` (all pending ones for transports without cursors).

        Raises:
            eport.errors.TransportError: the exchange could not be reached.
            eport.errors.ProtocolError: the exchange answered nonsense.
        """
        ...

    def ack(self, receipts: Sequence[RawReceipt]) -> None:
        """Tell the transport these receipts are safely recorded (a file exchange moves them out of the InBox)."""
        ...

    def close(self) -> None:
        """Release connections and handles."""
        ...


@runtime_checkable
class BatchingTransport(Protocol):
    """A transport that can share durability work between the sends of one batch (optional for transports).

    :meth:`ClearanceClient.submit_many <eport.services.ClearanceClient.submit_many>` sends a batch inside
    ``with transport.batch():``. A send inside the block may leave work that makes it durable (a file exchange's
    folder fsync) to the end of the block; when the block exits, normally or by an exception, every send that
    returned inside it is as durable as a single :meth:`Transport.send` would have made it.
    """

    def batch(self) -> AbstractContextManager[None]:
        """A block whose sends finish their durability work once, at its end."""
        ...


@runtime_checkable
class CheckingTransport(Protocol):
    """A transport that can tell, without I/O, whether it could ever send a submission (optional for transports).

    :class:`~eport.services.ClearanceClient` calls :meth:`check` before it records a submission in its journal, so
    a submission that could never leave (a file name the exchange refuses …) is refused with nothing recorded.
    """

    def check(self, outgoing: Outgoing) -> None:
        """Raise :class:`~eport.errors.ConfigurationError` if :meth:`Transport.send` would refuse it for good."""
        ...


class MockTransport:
    """An in-memory exchange for unit tests: keeps what is sent, serves receipts you push.

    Args:
        handler: called with every new :class:`Outgoing` before it is stored; raise from it to simulate
            transport failures, or return receipt bytes to queue them.
        name: the transport name.
    """

    def __init__(
        self, handler: Callable[[Outgoing], Sequence[bytes] | None] | None = None, *, name: str = "mock"
    ) -> None:
        self._handler = handler
        self._name = name
        self._lock = threading.Lock()
        self.sent: dict[str, Outgoing] = {}
        """Stored envelopes by CopMsgId."""
        self.send_calls = 0
        """How many times :meth:`send` was called (including retries and duplicates)."""
        self._receipts: list[RawReceipt] = []
        self.acked: list[str] = []
        """Receipt ids acknowledged, in order."""

    @property
    def name(self) -> str:
        """The transport name."""
        return self._name

    def push(self, data: bytes, *, source_cop_msg_id: str | None = None) -> RawReceipt:
        """Queue one receipt for :meth:`receive`."""
        with self._lock:
            seq = len(self._receipts) + 1
            receipt = RawReceipt(receipt_id=str(seq), data=data, cursor=str(seq), source_cop_msg_id=source_cop_msg_id)
            self._receipts.append(receipt)
            return receipt

    def send(self, outgoing: Outgoing) -> SendResult:
        """Store the envelope (idempotent per CopMsgId); see :meth:`Transport.send`."""
        with self._lock:
            self.send_calls += 1
            known = self.sent.get(outgoing.cop_msg_id)
            if known is not None:
                if known.envelope != outgoing.envelope:
                    raise DuplicateError(f"CopMsgId {outgoing.cop_msg_id} was sent with other bytes", code="conflict")
                return SendResult(cop_msg_id=outgoing.cop_msg_id, duplicate=True, reference=outgoing.cop_msg_id)
        replies = self._handler(outgoing) if self._handler is not None else None
        with self._lock:
            self.sent[outgoing.cop_msg_id] = outgoing
        for reply in replies or ():
            self.push(reply, source_cop_msg_id=outgoing.cop_msg_id)
        return SendResult(cop_msg_id=outgoing.cop_msg_id, reference=outgoing.cop_msg_id)

    def receive(self, *, after: str | None = None, limit: int = 100) -> ReceiveBatch:
        """Receipts queued after the cursor."""
        start = int(after or 0)
        with self._lock:
            batch = tuple(self._receipts[start : start + limit])
        return ReceiveBatch(receipts=batch, cursor=batch[-1].cursor if batch else after)

    def ack(self, receipts: Sequence[RawReceipt]) -> None:
        """Record the acknowledged ids."""
        with self._lock:
            self.acked.extend(r.receipt_id for r in receipts)

    def close(self) -> None:
        """Nothing to release."""
