"""The sandbox's core: taking submissions in, and the scheduler thread that processes them and emits receipts.

Nothing here blocks on a simulated delay: every receipt has a due time stored in SQLite, and one scheduler thread
emits what is due. A restarted sandbox resumes pending events (and rewrites InBox files not yet written).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
import time
from pathlib import Path

from eport.errors import DecodeError, EncodeError, EportError
from eport.sandbox import receipts
from eport.sandbox.config import SandboxConfig
from eport.sandbox.customs import decide
from eport.sandbox.customs_forms import FORM_USE_EVENT, record_use
from eport.sandbox.envelope import Envelope, read_envelope, wrap
from eport.sandbox.store import Event, Store, StoredReceipt, SubmitOutcome
from eport.sandbox.verification_store import VerificationStore

logger = logging.getLogger(__name__)

#: Tries of one scheduled event before the scheduler gives it up (logged as an error).
MAX_ATTEMPTS = 5


def atomic_write(folder: Path, name: str, data: bytes) -> Path:
    """Write ``folder/name`` atomically: a ``.temp`` name in the same folder, fsync, then ``os.replace``."""
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / name
    temp = folder / f"{name}.temp"
    with open(temp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, final)
    return final


class Engine:
    """Intake and scheduler of the sandbox.

    Args:
        config: the sandbox settings.
        store: the state.
        forms: the 核销单 registry whose rules customs applies to a declaration's ``ApprNo`` (None: not read).
    """

    def __init__(self, config: SandboxConfig, store: Store, forms: VerificationStore | None = None) -> None:
        self.config = config
        self.store = store
        self.forms = forms
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    # ----------------------------------------------------------------------------------------- intake
    def accept(self, raw: bytes, *, box: str | None = None) -> tuple[Envelope, SubmitOutcome]:
        """Store a DxpMsg submission and queue it.

        Args:
            raw: the envelope bytes.
            box: the file-exchange box it came from, or None for HTTP.

        Raises:
            DecodeError: if the envelope cannot be read.
        """
        if len(raw) > self.config.max_body:
            raise DecodeError(f"message larger than {self.config.max_body} bytes")
        envelope = read_envelope(raw)
        outcome = self.store.add_submission(
            cop_msg_id=envelope.cop_msg_id,
            raw=raw,
            sender_id=envelope.sender_id,
            msg_type=envelope.msg_type or envelope.business_root,
            business_root=envelope.business_root,
            box=box,
            first_due=time.time(),
        )
        if outcome.created:
            logger.info("stored %s (%s) from %s", envelope.cop_msg_id, envelope.business_root, box or "http")
            self._wake.set()
        return envelope, outcome

    # ----------------------------------------------------------------------------------------- scheduler
    def start(self) -> None:
        """Start the scheduler thread (and first write InBox files a previous run left unwritten)."""
        self.flush_files()
        self._thread = threading.Thread(target=self._run, name="eport-sandbox-scheduler", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the scheduler thread."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                worked = self.run_due(time.time())
            except Exception:  # the state itself failed (disk full …): keep the thread alive, try again later
                logger.exception("scheduler step failed")
                worked = False
            if not worked:
                self._wake.wait(self.config.poll_interval)
                self._wake.clear()

    def run_due(self, now: float) -> bool:
        """Run every event due at ``now``. Returns whether anything was done."""
        events = self.store.due_events(now)
        for event in events:
            if self._stop.is_set():
                break
            try:
                if event.kind == "process":
                    self._process(event, now)
                elif event.kind == "emit":
                    self._emit(event)
                elif event.kind == FORM_USE_EVENT:
                    self._use_form(event)
            except Exception:  # one bad event must not stop the others; retried, then given up
                logger.exception("%s event %d for %s failed", event.kind, event.id, event.cop_msg_id)
                if event.attempts + 1 >= MAX_ATTEMPTS:
                    logger.error("giving up %s event %d after %d attempts", event.kind, event.id, MAX_ATTEMPTS)
                    self.store.give_up(event.id)
                else:
                    self.store.retry_later(event.id, now + 2**event.attempts)
        return bool(events)

    def _process(self, event: Event, now: float) -> None:
        submission = self.store.submission(event.cop_msg_id)
        if submission is None:  # pragma: no cover - an event always has its submission
            return
        envelope = read_envelope(submission.raw)
        first_seen = dt.datetime.fromisoformat(submission.received_at).timestamp()
        decision = decide(
            envelope, store=self.store, config=self.config, now=now, first_seen=first_seen, forms=self.forms
        )
        if decision is None:
            self.store.retry_later(event.id, now + max(self.config.poll_interval, 0.05))
            return
        self.store.finish_processing(
            event.id,
            submission.cop_msg_id,
            state="processing",
            planned=decision.planned,
            documents=decision.documents,
            buyer_amounts=decision.buyer_amounts,
        )

    def _use_form(self, event: Event) -> None:
        """Mark a 核销单 USED on the declaration customs accepted (its rules were checked at the decision)."""
        if self.forms is None:
            logger.error("no 核销单 registry for the form use of %s", event.cop_msg_id)
        else:
            try:
                logger.info("%s", record_use(self.forms, event.payload))
            except EportError as exc:  # the form changed between the decision and now (voided …): left as it is
                logger.warning("核销单 use of %s not recorded: %s", event.cop_msg_id, exc)
        self.store.complete(event.id)

    def _emit(self, event: Event) -> None:
        payload = event.payload
        submission = self.store.submission(event.cop_msg_id)
        if submission is None:  # pragma: no cover
            return
        now = dt.datetime.now(dt.timezone.utc)
        business, msg_type, info = self._receipt_body(payload, now)
        cop_msg_id = str(payload["copMsgId"])
        dxp = wrap(
            business,
            cop_msg_id=cop_msg_id,
            sender_id=str(payload["sender"]),
            receiver_id=submission.sender_id,
            msg_type=msg_type,
            created=now,
            source_cop_msg_id=submission.cop_msg_id,
        )
        file_name = f"{now:%Y%m%d%H%M%S%f}_{msg_type}_{cop_msg_id}.xml" if submission.box else None
        receipt = StoredReceipt(
            seq=0,
            cop_msg_id=cop_msg_id,
            source_cop_msg_id=submission.cop_msg_id,
            receiver_id=submission.sender_id,
            msg_type=msg_type,
            created_at=now.isoformat(timespec="milliseconds"),
            dxp=dxp,
            box=submission.box,
            file_name=file_name,
        )
        status = str(payload["status"])
        if self.store.record_receipt(event.id, receipt, status=status, info=info, final_state=status):
            logger.info("receipt %s %s for %s", msg_type, status, submission.cop_msg_id)
            if submission.box:
                self.flush_files()

    @staticmethod
    def _receipt_body(payload: dict[str, object], now: dt.datetime) -> tuple[bytes, str, str]:
        kind = payload["receipt"]
        if kind == "ceb":
            fields = dict(payload["fields"])  # type: ignore[call-overload]
            root = str(payload["root"])
            data = receipts.ceb_receipt(root, str(payload["entity"]), str(payload["guid"]), fields, now)
            return data, root, str(fields.get("returnInfo", ""))
        if kind == "dec_import":
            data = receipts.dec_import_response(
                response_code=str(payload["responseCode"]),
                message=str(payload["message"]),
                client_seq_no=str(payload["clientSeqNo"]),
                seq_no=str(payload["seqNo"]),
            )
            return data, "DecImportResponse", str(payload["message"])
        if kind == "dec_result":
            data = receipts.dec_result(
                seq_no=str(payload["seqNo"]),
                entry_id=str(payload["entryId"]),
                channel=str(payload["channel"]),
                note=str(payload["note"]),
                customs_master=str(payload["customsMaster"]),
                at=now,
                dated=bool(payload["dated"]),
            )
            return data, "DEC_RESULT", str(payload["note"])
        if kind == "mt9999":
            bills = payload["bills"]
            data = receipts.manifest_response(
                message_id=str(payload["messageId"]),
                receiver_id=str(payload["receiverId"]),
                original_message_id=str(payload["bizKey"]),
                journey_id=str(payload["journeyId"]),
                transport_id=str(payload["transportId"]),
                bills=[str(b) for b in bills] if isinstance(bills, list) else [],
                statement_code=str(payload["statementCode"]),
                statement=str(payload["statement"]),
                at=now,
            )
            return data, "MT9999", str(payload["statement"])
        raise EncodeError(f"unknown planned receipt kind {kind!r}")

    def flush_files(self) -> None:
        """Write into their InBox every receipt of a file-exchange submission not written yet.

        A receipt whose InBox cannot be written (a file in the folder's place, no permission) stays unwritten and
        is tried again at the next flush (the next receipt written, the next start); the receipts after it, of its
        box or another, are still written.
        """
        if self.config.imp_path is None:
            return
        for receipt in self.store.unwritten_files():
            if receipt.box is None or receipt.file_name is None:  # pragma: no cover - selected by the query
                continue
            try:
                atomic_write(self.config.imp_path / receipt.box / "InBox", receipt.file_name, receipt.dxp)
            except OSError as exc:
                logger.error("cannot write %s into %s/InBox now (%s); tried again later", receipt.file_name,
                             receipt.box, exc)  # fmt: skip
                continue
            self.store.mark_file_written(receipt.seq)


__all__ = ["Engine", "atomic_write"]
