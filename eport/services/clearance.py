"""``ClearanceClient``: sign, wrap, journal and send customs messages, then follow their receipts.

::

    from eport.services import ClearanceClient, FileExchangeTransport, Stage

    with ClearanceClient(FileExchangeTransport("/data/ImpPath"), journal="eport.db",
                         sender_id="DXPENT0000000001") as client:
        handle = client.submit(inventory_xml, signer=card_signer)
        final = client.wait(handle, until=Stage.RELEASED, timeout=120)
        codes = [event.code for event in final.history]

Every submission is recorded in the journal *before* it is sent; a crash between the two is repaired by
:meth:`ClearanceClient.recover` (run by ``with`` and by the first :meth:`~ClearanceClient.submit`), which re-sends
the recorded envelope with the same CopMsgId, so the exchange stores it at most once.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any

import attrs

from eport.edi.dec.filedrop import declaration_file_name
from eport.errors import (
    ConfigurationError,
    DecodeError,
    DuplicateError,
    JournalError,
    ProtocolError,
    RejectedError,
    ServiceTimeout,
    TransportError,
)
from eport.pki.signer import Signer
from eport.services._xml import BusinessInfo, Family, business_info, new_cop_msg_id, unwrap, wrap
from eport.services.journal import Journal, Submission, client_owner
from eport.services.receipts import Stage, StatusEvent, parse_receipt
from eport.services.transport import (
    BatchingTransport,
    CheckingTransport,
    Outgoing,
    RawReceipt,
    SendResult,
    Transport,
)

if TYPE_CHECKING:
    import pandas

logger = logging.getLogger(__name__)

DEFAULT_RECEIVERS: Mapping[Family, tuple[str, ...]] = {
    Family.CEB: ("DXPEDCCEB0000002",),
    Family.DEC: ("DXPEDCDEC0000001",),
    Family.MANIFEST: ("DXPEDCMFT0000001",),
}
"""Receiver DXP ids per family: the customs CEB system, the declaration system, the manifest system (the
values the sandbox uses; real deployments get theirs from E-Port and pass ``receivers=``)."""

_CN = dt.timezone(dt.timedelta(hours=8), "CST")

SignFunction = Callable[[bytes, Signer], bytes]
"""Signs a CEB message: takes the unsigned XML and a signer, returns the XML with its ``ds:Signature``."""


def _default_sign(payload: bytes, signer: Signer) -> bytes:
    try:
        ceb = importlib.import_module("eport.pki.ceb")
    except ImportError as exc:  # pragma: no cover - only while eport.pki.ceb is missing
        raise ConfigurationError("signing needs eport.pki.ceb.sign_ceb, which is not available") from exc
    signed: bytes = ceb.sign_ceb(payload, signer)
    return signed


def _encode(message: object) -> bytes:
    if isinstance(message, bytes):
        return message
    if isinstance(message, str):
        raise ConfigurationError("pass the message as bytes (UTF-8 XML) or as an eport.edi model, not str")
    edi = importlib.import_module("eport.edi")
    encode = getattr(edi, "encode", None)
    if encode is None:
        raise ConfigurationError(f"cannot encode {type(message).__name__}: eport.edi.encode is not available")
    data: bytes = encode(message)
    return data


@attrs.frozen(kw_only=True)
class SubmissionHandle:
    """What :meth:`ClearanceClient.submit` returns: the keys to follow one submission.

    Attributes:
        cop_msg_id: the CopMsgId (also the idempotency key at the exchange).
        msg_type: the business root name.
        family: CEB, declaration or manifest.
        guids: the CEB document guids.
        client_seq_no: declaration 客户端编号.
        duplicate_send: the exchange already held this envelope (a recovery re-send).
    """

    cop_msg_id: str
    msg_type: str
    family: Family
    guids: tuple[str, ...] = ()
    client_seq_no: str | None = None
    duplicate_send: bool = False


@attrs.frozen
class Update:
    """One new status for one submission, as yielded by :meth:`ClearanceClient.updates`."""

    cop_msg_id: str
    event: StatusEvent


class ClearanceClient:
    """Submit customs messages over a transport and follow their receipts, with a durable local journal.

    Args:
        transport: any :class:`~eport.services.Transport` (file exchange, HTTP …).
        journal: a :class:`~eport.services.Journal` or the path of its SQLite file.
        sender_id: the enterprise DXP id (``SenderId`` of every envelope).
        receivers: receiver DXP ids per family (defaults to :data:`DEFAULT_RECEIVERS`).
        sign: the CEB signing function (defaults to ``eport.pki.ceb.sign_ceb``).
        poll_interval: seconds between receipt polls in :meth:`wait` and :meth:`updates`.
        keep_unmatched: record (and acknowledge) receipts that match no submission of this journal, as
            "unmatched" (:meth:`Journal.unmatched_receipts`), so foreign receipts never pile up in an InBox. Set
            ``False`` when several journals share one ImpPath: foreign receipts are then left for their owner.
        lease: seconds this client holds the submissions it recorded against recovery by clients on other
            machines sharing the journal; clients on this machine wait for its process to end (or for
            :meth:`close`).
        clock: returns the current time (timezone-aware), injected by tests.
    """

    def __init__(
        self,
        transport: Transport,
        journal: Journal | str | os.PathLike[str],
        *,
        sender_id: str,
        receivers: Mapping[Family, tuple[str, ...]] | None = None,
        sign: SignFunction | None = None,
        poll_interval: float = 0.2,
        keep_unmatched: bool = True,
        lease: float = 600.0,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        if not 1 <= len(sender_id) <= 16:
            raise ConfigurationError("sender_id must be a DXP id of 1 to 16 characters")
        if poll_interval <= 0:
            raise ConfigurationError("poll_interval must be positive")
        self.transport = transport
        self.journal = journal if isinstance(journal, Journal) else Journal(journal)
        self._owns_journal = not isinstance(journal, Journal)
        self.sender_id = sender_id
        self.receivers = dict(receivers or DEFAULT_RECEIVERS)
        self._sign = sign or _default_sign
        self.poll_interval = poll_interval
        self.keep_unmatched = keep_unmatched
        if lease <= 0:
            raise ConfigurationError("lease must be positive")
        self.lease = lease
        self.owner = client_owner()
        self._clock = clock or (lambda: dt.datetime.now(_CN))
        self._recovered = False
        self._poll_lock = threading.Lock()
        self._foreign: set[str] = set()  # receipts of other journals left in place, seen at the last poll

    def __repr__(self) -> str:
        return f"ClearanceClient({self.transport!r}, journal={self.journal!r}, sender_id={self.sender_id!r})"

    def __enter__(self) -> ClearanceClient:
        self.recover()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the transport, and the journal if this client opened it. Submissions it could not send are left
        for the next client's :meth:`recover`."""
        self.transport.close()
        try:
            self.journal.release(self.owner)
        except JournalError as exc:
            logger.warning("cannot release this client's unsent submissions: %s", exc)
        if self._owns_journal:
            self.journal.close()

    # -------------------------------------------------------------------------------------------------- submit
    def prepare(self, message: object, *, signer: Signer | None = None) -> tuple[bytes, BusinessInfo]:
        """Encode and, for CEB messages without a signature, sign a message. No I/O, no journal.

        Returns:
            The business XML to send and its keys.

        Raises:
            eport.errors.ConfigurationError: a CEB message has no signature and no ``signer`` was given, or the
                message is not of a family the client sends.
            eport.errors.DecodeError: the bytes are not safe XML.
        """
        payload = _encode(message)
        info = business_info(payload)
        if info.family is Family.CEB and not info.signed:
            if signer is None:
                raise ConfigurationError(f"{info.root} must be signed (加签): pass signer= (card or key signer)")
            payload = self._sign(payload, signer)
            info = business_info(payload)
        return payload, info

    def submit(
        self, message: object, *, signer: Signer | None = None, file_name: str | None = None
    ) -> SubmissionHandle:
        """Sign where needed, wrap in DXP, record in the journal, send.

        Args:
            message: business XML bytes (CEB…Message, DecMessage, Manifest) or an ``eport.edi`` model.
            signer: signs CEB messages that carry no ``ds:Signature`` yet.
            file_name: the file-exchange name; declarations default to ``Dec<ClientSeqNo>.xml``.

        Returns:
            A handle to follow the submission with :meth:`wait` and :meth:`status`.

        Raises:
            eport.errors.DuplicateError: the document was already submitted (``code="local"``; see
                :mod:`eport.services.journal` for the rule), or the exchange holds the CopMsgId with other bytes.
            eport.errors.ConfigurationError: the transport can tell it could never send it (a bad ``file_name``):
                nothing is recorded.
            eport.errors.TransportError: sending failed; the submission stays ``written`` in the journal and
                :meth:`recover` sends it again with the same CopMsgId.
            eport.errors.ProtocolError: the exchange refused the envelope for good (recorded as rejected).
            Exception: any other failure of the transport is recorded as :attr:`Stage.ATTENTION` with its reason
                (terminal: never re-sent, never blocking recovery) and raised.
        """
        return self._submit_all([(message, file_name)], signer)[0]

    def submit_many(self, messages: Iterable[object], *, signer: Signer | None = None) -> list[SubmissionHandle]:
        """:meth:`submit` several messages with shared durability work: one journal transaction (one fsync) records
        them all before the first is sent, and a transport that batches (file exchange: one OutBox folder fsync,
        see :class:`~eport.services.BatchingTransport`) makes them durable together; "sent" is one transaction.

        The crash guarantees of :meth:`submit` hold for each message: every one is recorded before any is sent, and
        one is marked ``sent`` only once its file or request is durable at the exchange, so a crash at any point
        leaves the rest ``written`` for :meth:`recover` to re-send with the same CopMsgId.

        Args:
            messages: business XML bytes or ``eport.edi`` models, sent in this order. Declarations get their
                ``Dec<ClientSeqNo>.xml`` file names.
            signer: signs CEB messages that carry no ``ds:Signature`` yet.

        Returns:
            One handle per message, in order.

        Raises:
            eport.errors.ConfigurationError: a message cannot be prepared (nothing is recorded).
            eport.errors.DecodeError: a message is not safe XML (nothing is recorded).
            eport.errors.DuplicateError: a message repeats a submitted document, or another one of the batch
                (``code="local"``; nothing is recorded), or the exchange holds a CopMsgId with other bytes.
            eport.errors.TransportError: sending stopped at one message: the ones before it are sent, it and the
                ones after it stay ``written`` and :meth:`recover` sends them.
            eport.errors.ProtocolError: the exchange refused one for good: it is recorded as rejected, the ones
                before it are sent, the ones after it stay ``written`` (:meth:`recover` sends them).
        """
        return self._submit_all([(message, None) for message in messages], signer)

    def _submit_all(self, items: Sequence[tuple[object, str | None]], signer: Signer | None) -> list[SubmissionHandle]:
        if not self._recovered:
            self.recover()
        prepared = [self._outgoing(message, signer, file_name) for message, file_name in items]
        if isinstance(self.transport, CheckingTransport):  # what can be checked is checked before the journal
            for outgoing, _ in prepared:
                self.transport.check(outgoing)
        self.journal.record_many(
            [(o.cop_msg_id, info, o.envelope, o.file_name) for o, info in prepared],
            transport=self.transport.name,
            owner=self.owner,
            lease=self.lease,
        )
        for outgoing, _ in prepared:
            logger.info("recorded %s %s", outgoing.msg_type, outgoing.cop_msg_id)
        results = self._send_all([outgoing for outgoing, _ in prepared])
        return [
            SubmissionHandle(
                cop_msg_id=outgoing.cop_msg_id,
                msg_type=info.root,
                family=info.family,
                guids=tuple(dict.fromkeys(d.guid for d in info.documents if d.guid)),
                client_seq_no=info.client_seq_no,
                duplicate_send=result.duplicate,
            )
            for (outgoing, info), result in zip(prepared, results, strict=True)
        ]

    def _outgoing(self, message: object, signer: Signer | None, file_name: str | None) -> tuple[Outgoing, BusinessInfo]:
        """Prepare, wrap under a new CopMsgId and name one message (no I/O)."""
        payload, info = self.prepare(message, signer=signer)
        cop_msg_id = new_cop_msg_id()
        receivers = self.receivers.get(info.family)
        if not receivers:
            raise ConfigurationError(f"no receiver DXP id configured for {info.family.value} messages")
        envelope = wrap(
            payload,
            cop_msg_id=cop_msg_id,
            sender_id=self.sender_id,
            receiver_ids=receivers,
            msg_type=info.root,
            created=self._clock(),
        )
        if file_name is None and info.family is Family.DEC and info.client_seq_no:
            file_name = declaration_file_name(info.client_seq_no)  # Dec<ClientSeqNo>.xml
        outgoing = Outgoing(
            cop_msg_id=cop_msg_id, msg_type=info.root, family=info.family, envelope=envelope, file_name=file_name
        )
        return outgoing, info

    def _send_all(self, outgoings: Sequence[Outgoing]) -> list[SendResult]:
        """Send in order inside one transport batch; stop at the first failure. Those that were sent are marked
        ``sent`` once the batch has made them durable; a refusal is recorded as rejected."""
        sent: list[SendResult] = []
        batch = self.transport.batch() if isinstance(self.transport, BatchingTransport) else contextlib.nullcontext()
        try:
            with batch:
                for outgoing in outgoings:
                    try:
                        sent.append(self.transport.send(outgoing))
                    except TransportError:  # transient: stays ``written``, recovery sends it again
                        raise
                    except (ProtocolError, DuplicateError) as exc:
                        code = getattr(exc, "code", None) or "refused"
                        self.journal.mark_refused(outgoing.cop_msg_id, code=code, info=str(exc))
                        raise
                    except Exception as exc:  # no retry will fix it: terminal, with its reason, never wedging
                        reason = f"{type(exc).__name__}: {exc}"
                        logger.error("%s cannot be sent and needs attention: %s", outgoing.cop_msg_id, reason)
                        self.journal.mark_attention(outgoing.cop_msg_id, reason=reason)
                        raise
        finally:  # after the batch: its folder fsync is done
            done = outgoings[: len(sent)]
            self.journal.mark_sent_many([outgoing.cop_msg_id for outgoing in done])
            for outgoing, result in zip(done, sent, strict=True):
                again = " again" if result.duplicate else ""
                logger.info("sent %s (%s)%s", outgoing.cop_msg_id, outgoing.msg_type, again)
        return sent

    def recover(self) -> list[SubmissionHandle]:
        """Send again, with the same CopMsgId and bytes, every submission left ``written`` by a crash or failure.

        Only submissions no live client holds are taken (this client's own, those of clients that closed or whose
        process is gone, and those whose lease ran out: :meth:`Journal.claim_unsent`), so clients sharing a journal
        never re-send each other's submissions on their way out.

        A submission refused for good on the way (a 4xx, a conflict, or a failure no retry fixes) is recorded as
        rejected or :attr:`Stage.ATTENTION` with its reason and recovery goes on with the others.

        Returns:
            Handles of the submissions re-sent.

        Raises:
            eport.errors.TransportError: the transport is still failing (the ones not re-sent stay ``written``).
        """
        self._recovered = True
        subs = self.journal.claim_unsent(self.transport.name, self.owner, lease=self.lease)
        for sub in subs:
            logger.warning("recovering %s %s recorded at %s", sub.msg_type, sub.cop_msg_id, sub.created_at)
        handles: list[SubmissionHandle] = []
        for sub in subs:  # one at a time: a row refused for good is marked and the others still go
            envelope = self._stored_envelope(sub)
            if envelope is None:
                continue
            outgoing = Outgoing(
                cop_msg_id=sub.cop_msg_id,
                msg_type=sub.msg_type,
                family=sub.family,
                envelope=envelope,
                file_name=sub.file_name,
                resend=True,
            )
            try:
                [result] = self._send_all([outgoing])
            except TransportError:
                raise  # the transport is down: the rest stays ``written`` for the next recovery
            except Exception as exc:  # recorded as rejected or needing attention by _send_all
                logger.error("recovery of %s failed for good: %s", sub.cop_msg_id, exc)
                continue
            handles.append(
                SubmissionHandle(
                    cop_msg_id=sub.cop_msg_id,
                    msg_type=sub.msg_type,
                    family=sub.family,
                    guids=(sub.guid,) if sub.guid else (),
                    client_seq_no=sub.client_seq_no,
                    duplicate_send=result.duplicate,
                )
            )
        return handles

    def _stored_envelope(self, sub: Submission) -> bytes | None:
        """The recorded envelope of an unsent submission, checked before it is sent again. One that no longer reads
        back as this submission's DxpMsg (damaged storage, a hand edit) is never sent: the row moves to
        :attr:`Stage.ATTENTION` with the reason, and ``None`` is returned."""
        try:
            envelope = self.journal.envelope(sub.cop_msg_id)
            found = unwrap(envelope).cop_msg_id
            if found != sub.cop_msg_id:
                raise DecodeError(f"it carries CopMsgId {found!r}")
        except (DecodeError, JournalError, ValueError) as exc:
            reason = f"the stored envelope is unreadable, submit the message again: {exc}"
            logger.error("%s cannot be recovered and needs attention: %s", sub.cop_msg_id, reason)
            self.journal.mark_attention(sub.cop_msg_id, reason=reason)
            return None
        return envelope

    # ------------------------------------------------------------------------------------------------ receipts
    def poll(self, *, limit: int = 100) -> list[Update]:
        """Fetch new receipts once, record them in the journal, acknowledge them to the transport.

        Receipts that belong to no submission of this journal are kept as "unmatched" and acknowledged, or left
        alone when ``keep_unmatched=False`` (a file stays in the InBox); unreadable receipts are kept in the
        journal with their error and acknowledged, so none is lost.

        Returns:
            The new status updates, in receipt order.

        Raises:
            eport.errors.TransportError: the transport failed (nothing is lost; poll again).
            eport.errors.ProtocolError: the exchange's listing was unusable as a whole (not JSON, no receipts
                array): nothing is recorded and the cursor stays, so nothing is lost; poll again later. One damaged
                entry in a listing is no error: it is kept as an unreadable receipt and the others are read.
        """
        with self._poll_lock:
            name = self.transport.name
            cursor = self.journal.cursor(name)
            # Receipts of other journals left in place (keep_unmatched=False, a transport without cursor) are
            # listed again at every poll: ask for that many more, so they never fill the batch.
            batch = self.transport.receive(after=cursor, limit=limit + len(self._foreign))
            for item in batch.quarantined:
                logger.error("receipt quarantined by the transport (kept, never read): %s", item)
            updates: list[Update] = []
            done: list[RawReceipt] = []
            foreign: set[str] = set()
            for raw in batch.receipts:
                recorded = self._record(name, raw)
                if recorded is not None:
                    updates.extend(recorded)
                    done.append(raw)
                elif raw.cursor is None:
                    foreign.add(raw.receipt_id)
            self._foreign = foreign
            if done:
                self.transport.ack(done)
            if batch.cursor is not None and batch.cursor != cursor:
                self.journal.set_cursor(name, batch.cursor)
            return updates

    def _record(self, transport: str, raw: RawReceipt) -> list[Update] | None:
        try:
            if raw.error is not None:  # the transport could not read the entry: never parsed, kept as it came
                raise DecodeError(raw.error)
            receipt_id, events = parse_receipt(raw.data)
        except DecodeError as exc:
            recorded = self.journal.record_receipt(
                receipt_key=f"sha256:{raw.digest}",  # the same bytes listed again are stored once
                transport=transport,
                receipt_id=raw.receipt_id,
                data=raw.data,
                events=(),
                error=str(exc),
            )
            if recorded.new:
                logger.warning("unreadable receipt %s kept in the journal: %s", raw.receipt_id, exc)
            return []
        if raw.source_cop_msg_id:
            events = [e if e.source_cop_msg_id else attrs.evolve(e, source_cop_msg_id=raw.source_cop_msg_id)
                      for e in events]  # fmt: skip
        key = f"dxp:{receipt_id}" if receipt_id else f"sha256:{raw.digest}"
        recorded = self.journal.record_receipt(
            receipt_key=key,
            transport=transport,
            receipt_id=raw.receipt_id,
            data=raw.data,
            events=events,
            keep_unmatched=self.keep_unmatched,
            remember_foreign=raw.cursor is not None,  # a cursor transport will not list it again
        )
        if not recorded.kept:
            logger.debug("receipt %s belongs to no submission in this journal; left in place", raw.receipt_id)
            return None
        if recorded.new and recorded.unmatched:
            logger.info("receipt %s matches no submission in this journal; kept as unmatched", raw.receipt_id)
        return [Update(cop_msg_id=owner, event=event) for owner, event in recorded.events]

    def updates(self, *, timeout: float, poll_interval: float | None = None) -> Iterator[Update]:
        """Yield new status updates as they arrive, polling until ``timeout`` seconds have passed.

        Raises:
            eport.errors.TransportError: the transport failed.
        """
        if timeout <= 0:
            raise ConfigurationError("timeout must be positive")
        deadline = time.monotonic() + timeout
        interval = poll_interval or self.poll_interval
        while True:
            yield from self.poll()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            time.sleep(min(interval, remaining))

    def wait(
        self,
        handle: SubmissionHandle | str,
        *,
        until: Stage = Stage.RELEASED,
        timeout: float = 60.0,
        raise_on_reject: bool = True,
    ) -> Submission:
        """Poll receipts until the submission reaches ``until`` (or a later stage) or a final state.

        Args:
            handle: the handle or CopMsgId.
            until: the stage to wait for (``Stage.RELEASED`` 放行, ``Stage.CLOSED`` 结关, ``Stage.ACCEPTED`` …).
            timeout: seconds to wait at most (required to be finite and positive).
            raise_on_reject: raise when customs rejects; otherwise return the rejected submission.

        Returns:
            The submission with its full status history.

        Raises:
            eport.errors.ServiceTimeout: the stage was not reached in time (``timeout``).
            eport.errors.DuplicateError: customs rejected it as a duplicate (-301010, -401007, -301014 …).
            eport.errors.RejectedError: customs rejected it (退单), with the code and the receipt event; or it could
                never be sent (:attr:`Stage.ATTENTION`, code ``"attention"``, the reason in the message).
            eport.errors.JournalError: unknown submission.
        """
        if timeout <= 0:
            raise ConfigurationError("timeout must be positive")
        cop_msg_id = handle if isinstance(handle, str) else handle.cop_msg_id
        deadline = time.monotonic() + timeout
        while True:
            sub = self.journal.get(cop_msg_id)
            if sub is None:
                raise JournalError(f"no submission {cop_msg_id} in the journal")
            if sub.stage in (Stage.REJECTED, Stage.CANCELLED, Stage.ATTENTION):
                if raise_on_reject:
                    raise _rejection(sub)
                return sub
            if sub.stage.rank >= until.rank or sub.final:
                return sub
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ServiceTimeout(
                    f"{sub.msg_type} {cop_msg_id} did not reach {until.value} in {timeout:g} s (now {sub.stage.value})"
                )
            if not self.poll():
                time.sleep(min(self.poll_interval, max(remaining, 0.0)))

    def wait_all(
        self, handles: Iterable[SubmissionHandle | str], *, until: Stage = Stage.RELEASED, timeout: float = 60.0
    ) -> list[Submission]:
        """Poll receipts until every submission reaches ``until`` (or a later stage) or a final state.

        Unlike :meth:`wait`, rejections are not raised: inspect ``stage`` (and :meth:`StatusEvent.error`) of the
        returned submissions.

        Returns:
            The submissions, in the order of ``handles``.

        Raises:
            eport.errors.ServiceTimeout: some did not get there in time; the message counts them.
            eport.errors.JournalError: an unknown submission.
        """
        if timeout <= 0:
            raise ConfigurationError("timeout must be positive")
        ids = [h if isinstance(h, str) else h.cop_msg_id for h in handles]
        deadline = time.monotonic() + timeout
        while True:
            subs = []
            for cop_msg_id in ids:
                sub = self.journal.get(cop_msg_id)
                if sub is None:
                    raise JournalError(f"no submission {cop_msg_id} in the journal")
                subs.append(sub)
            waiting = [s for s in subs if not s.final and s.stage.rank < until.rank]
            if not waiting:
                return subs
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ServiceTimeout(
                    f"{len(waiting)} of {len(subs)} submissions did not reach {until.value} in {timeout:g} s"
                )
            if not self.poll(limit=1000):
                time.sleep(min(self.poll_interval, max(remaining, 0.0)))

    # -------------------------------------------------------------------------------------------------- status
    def status(
        self,
        handle: SubmissionHandle | None = None,
        *,
        cop_msg_id: str | None = None,
        guid: str | None = None,
        client_seq_no: str | None = None,
        seq_no: str | None = None,
        entry_id: str | None = None,
    ) -> Submission:
        """The journal's view of one submission, found by handle, CopMsgId, guid, ClientSeqNo (客户端编号),
        SeqNo (统一编号) or EntryId (海关编号). Does not poll; call :meth:`poll` for news.

        Raises:
            eport.errors.ConfigurationError: no key given.
            eport.errors.JournalError: no such submission.
        """
        if handle is not None:
            cop_msg_id = handle.cop_msg_id
        keys = {"cop_msg_id": cop_msg_id, "guid": guid, "client_seq_no": client_seq_no, "seq_no": seq_no}
        keys["entry_id"] = entry_id
        if not any(keys.values()):
            raise ConfigurationError(
                "status() needs a handle or one of cop_msg_id, guid, client_seq_no, seq_no, entry_id"
            )
        found = self.journal.find(**keys)
        if found is None:
            given = ", ".join(f"{k}={v}" for k, v in keys.items() if v)
            raise JournalError(f"no submission with {given} in the journal")
        return found

    def submissions(
        self,
        *,
        stage: Stage | Iterable[Stage] | None = None,
        msg_type: str | None = None,
        family: Family | None = None,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        limit: int = 1000,
    ) -> list[Submission]:
        """Submissions in the journal matching every filter given, oldest first."""
        return self.journal.submissions(
            stage=stage, msg_type=msg_type, family=family, since=since, until=until, limit=limit
        )

    def submissions_frame(self, **filters: Any) -> pandas.DataFrame:
        """:meth:`submissions` as a pandas DataFrame (one row per submission; needs ``eport[pandas]``).

        Raises:
            eport.errors.ConfigurationError: pandas is not installed.
        """
        try:
            pd = importlib.import_module("pandas")
        except ImportError as exc:
            raise ConfigurationError("submissions_frame() needs pandas: pip install 'eport[pandas]'") from exc
        rows = [s.as_row() for s in self.submissions(**filters)]
        columns = list(rows[0]) if rows else list(_EMPTY_ROW_COLUMNS)
        frame: pandas.DataFrame = pd.DataFrame(rows, columns=columns)
        return frame


_EMPTY_ROW_COLUMNS = (
    "cop_msg_id", "msg_type", "family", "stage", "code", "info", "guid", "client_seq_no", "seq_no", "entry_id",
    "created_at", "sent_at", "updated_at", "history",
)  # fmt: skip


def _rejection(sub: Submission) -> DuplicateError | RejectedError:
    for event in reversed(sub.history):
        error = event.error()
        if error is not None:
            return error
    return RejectedError(f"{sub.msg_type} {sub.cop_msg_id} was refused: {sub.code} {sub.info}", code=sub.code)
