"""File exchange through the transfer client's folders (ImpPath): OutBox, InBox, SentBox, FailBox per box.

Layout, as the Single Window import client uses it (see ``docs/exchange-protocol.md``)::

    <ImpPath>/<Box>/OutBox     envelopes to send; written as ``*.temp``, fsync'ed, then renamed to ``*.xml``
    <ImpPath>/<Box>/SentBox    taken by the exchange
    <ImpPath>/<Box>/FailBox    refused by the exchange as unreadable
    <ImpPath>/<Box>/InBox      receipts from the exchange
    <ImpPath>/<Box>/Processed  receipts the client has recorded (eport convention)

Boxes: ``CEB`` (cross-border e-commerce), ``DecCus001`` (declarations), ``Rmft`` (manifests). The Single Window
layout (box and folder names, ``.temp`` names, ``Dec<ClientSeqNo>.xml``, zip packages) comes from
:mod:`eport.edi.dec.filedrop`; this module adds the I/O.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from eport.edi.dec.filedrop import (
    BOXES,
    DECLARATION_DIR,
    FAIL_BOX,
    IN_BOX,
    MANIFEST_DIR,
    OUT_BOX,
    SENT_BOX,
    TEMP_SUFFIX,
    read_package,
    temporary_name,
)
from eport.errors import ConfigurationError, DecodeError, DuplicateError, TransportError
from eport.services._xml import MAX_MESSAGE_BYTES, Family
from eport.services.transport import Outgoing, RawReceipt, ReceiveBatch, SendResult

logger = logging.getLogger(__name__)

CEB_DIR = "CEB"
"""Box folder of cross-border e-commerce messages (eport's name; the Single Window client has none)."""
PROCESSED = "Processed"
"""Where recorded receipts are moved (eport convention)."""
DEFAULT_BOXES: Mapping[Family, str] = {Family.CEB: CEB_DIR, Family.DEC: DECLARATION_DIR, Family.MANIFEST: MANIFEST_DIR}
"""Box folder per family."""
FOLDERS = (*BOXES, PROCESSED)
"""Sub-folders of each box: OutBox, InBox, SentBox, FailBox (:data:`eport.edi.dec.filedrop.BOXES`), Processed."""
_FINAL_SUFFIXES = (".xml", ".zip")


def atomic_write(folder: Path, name: str, data: bytes, *, sync_folder: bool = True) -> Path:
    """Write ``data`` to ``folder/name`` so that readers never see a partial file.

    The bytes go to a ``.temp`` name in the same folder (:func:`eport.edi.dec.filedrop.temporary_name` of a name
    made unique per writer), are flushed and fsync'ed, then renamed over the final
    name; the folder is fsync'ed too (where the platform allows) so the rename survives a power cut.

    Args:
        folder: the target folder.
        name: the final file name.
        data: the bytes.
        sync_folder: fsync the folder after the rename. ``False`` leaves that to the caller (:func:`fsync_folder`
            once after several writes into one folder): until then the rename may be lost on a power cut.

    Returns:
        The final path.

    Raises:
        eport.errors.TransportError: the folder cannot be written.
    """
    final = folder / name
    temp = folder / temporary_name(f"{name}.{os.getpid()}-{uuid.uuid4().hex[:8]}")
    try:
        with open(temp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, final)
    except OSError as exc:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise TransportError(f"cannot write {final}: {exc.strerror or exc}") from exc
    if sync_folder:
        fsync_folder(folder)
    return final


def fsync_folder(folder: Path) -> None:
    """fsync a folder so that the renames and creations in it survive a power cut (a no-op where folders cannot be
    opened, as on Windows)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # Windows cannot open folders
        return
    try:
        os.fsync(fd)
    except OSError:
        logger.debug("fsync of folder %s not supported", folder)
    finally:
        os.close(fd)


class _UnreadableError(TransportError):
    """A receipt file that no retry will ever read (internal: the file is quarantined, never raised to callers)."""


REASON_SUFFIX = ".reason.txt"
"""Suffix of the file next to a quarantined file in a FailBox that says why it was put there."""


def _read_receipt_file(path: Path) -> bytes:
    if path.is_dir():  # a folder named like a receipt: no retry will ever read it
        raise _UnreadableError(f"{path.name} is a folder, not a receipt file")
    with open(path, "rb") as handle:  # the size is checked on the open file, before any byte is read
        size = os.fstat(handle.fileno()).st_size
        if size > MAX_MESSAGE_BYTES:
            raise _UnreadableError(f"receipt {path.name} is larger than {MAX_MESSAGE_BYTES} bytes ({size} bytes)")
        data = handle.read(MAX_MESSAGE_BYTES + 1)
    if len(data) > MAX_MESSAGE_BYTES:
        raise _UnreadableError(f"receipt {path.name} is larger than {MAX_MESSAGE_BYTES} bytes")
    if path.suffix.lower() != ".zip":
        return data
    try:
        xml, _others = read_package(data, max_size=MAX_MESSAGE_BYTES)
    except DecodeError as exc:
        kind = "is not a ZIP file" if "not a zip" in str(exc) else "holds no readable XML"
        raise _UnreadableError(f"receipt archive {path.name} {kind}: {exc}") from exc
    except NotImplementedError as exc:  # a compression method zipfile cannot read
        raise _UnreadableError(f"receipt archive {path.name} uses an unsupported compression: {exc}") from exc
    return xml


def quarantine(path: Path, reason: str) -> Path:
    """Move ``<Box>/<Folder>/<name>`` into ``<Box>/FailBox`` with ``<name>.reason.txt`` next to it saying why.

    Returns:
        The quarantined file's path (a unique name when FailBox already holds one of that name).

    Raises:
        OSError: the file cannot be moved.
    """
    fail_box = path.parent.parent / FAIL_BOX
    fail_box.mkdir(parents=True, exist_ok=True)
    target = fail_box / path.name
    if target.exists():
        target = fail_box / f"{path.stem}.{uuid.uuid4().hex[:8]}{path.suffix}"
    os.replace(path, target)
    target.with_name(target.name + REASON_SUFFIX).write_text(reason + "\n", encoding="utf-8")
    return target


class FileExchangeTransport:
    """A :class:`~eport.services.Transport` over the transfer client's ImpPath folders.

    Args:
        imp_path: the ImpPath root folder.
        boxes: box folder name per family (defaults to :data:`DEFAULT_BOXES`).
        create: create missing folders (otherwise a missing folder is a :class:`ConfigurationError`).

    Receipts are listed from every box's InBox, oldest first; :meth:`ack` moves them to ``Processed``. Files
    whose name does not end in ``.xml`` or ``.zip`` (such as ``*.temp`` files being written) are never read.
    """

    def __init__(
        self, imp_path: str | os.PathLike[str], *, boxes: Mapping[Family, str] | None = None, create: bool = True
    ) -> None:
        self.root = Path(imp_path)
        self.boxes = dict(boxes or DEFAULT_BOXES)
        self._batch = threading.local()  # .folders: OutBoxes awaiting their fsync in this thread's batch
        missing = [f for f in Family if f not in self.boxes]
        if missing:
            raise ConfigurationError(f"no box folder for {', '.join(m.value for m in missing)}")
        for box in set(self.boxes.values()):
            for folder in FOLDERS:
                path = self.root / box / folder
                if create:
                    path.mkdir(parents=True, exist_ok=True)
                elif not path.is_dir():
                    raise ConfigurationError(f"missing exchange folder {path}")

    def __repr__(self) -> str:
        return f"FileExchangeTransport({str(self.root)!r})"

    @property
    def name(self) -> str:
        """``file:<absolute ImpPath>``."""
        return f"file:{self.root.resolve()}"

    def box(self, family: Family) -> Path:
        """The box folder of a family."""
        return self.root / self.boxes[family]

    def check(self, outgoing: Outgoing) -> str:
        """The file name :meth:`send` would write (``outgoing.file_name`` or ``<CopMsgId>.xml``), checked without I/O.

        Raises:
            eport.errors.ConfigurationError: the name is not a plain ``.xml`` / ``.zip`` file name of that folder.
        """
        name = outgoing.file_name or f"{outgoing.cop_msg_id}.xml"
        if (
            not name.lower().endswith(_FINAL_SUFFIXES)
            or any(c in name for c in "/\\:\x00")
            or name.startswith(".")
            or name != name.strip()
        ):
            raise ConfigurationError(
                f"bad exchange file name {name!r}: a plain name ending in .xml or .zip, not hidden, no folder"
            )
        return name

    def send(self, outgoing: Outgoing) -> SendResult:
        """Write the envelope atomically into the OutBox of its family.

        The file is ``outgoing.file_name`` or ``<CopMsgId>.xml``. If a file of that name is still in the OutBox
        or already in the SentBox with the same bytes, nothing is written and the result says ``duplicate``.

        Raises:
            eport.errors.DuplicateError: a file of that name with different bytes waits in the OutBox.
            eport.errors.ConfigurationError: a folder of that name is in the OutBox or SentBox.
            eport.errors.TransportError: the OutBox cannot be written.
        """
        name = self.check(outgoing)
        box = self.box(outgoing.family)
        for folder in (OUT_BOX, SENT_BOX):
            existing = box / folder / name
            if existing.is_dir():  # no retry will write the file: the client records it as needing attention
                raise ConfigurationError(f"{existing} is a folder in the way of the message file; remove it")
            try:
                current = existing.read_bytes()
            except FileNotFoundError:
                continue
            except OSError as exc:
                raise TransportError(f"cannot read {existing}: {exc.strerror or exc}") from exc
            if current == outgoing.envelope:
                return SendResult(cop_msg_id=outgoing.cop_msg_id, duplicate=True, reference=str(existing))
            if folder == OUT_BOX:
                raise DuplicateError(f"{existing} holds a different message not yet taken", code="conflict")
        pending: set[Path] | None = getattr(self._batch, "folders", None)
        path = atomic_write(box / OUT_BOX, name, outgoing.envelope, sync_folder=pending is None)
        if pending is not None:
            pending.add(box / OUT_BOX)
        logger.debug("wrote %s", path)
        return SendResult(cop_msg_id=outgoing.cop_msg_id, reference=str(path))

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Defer the OutBox folder fsync of :meth:`send` to the end of the block: one fsync per folder per batch.

        Each file is still written under a ``.temp`` name, fsync'ed and renamed before :meth:`send` returns (readers
        never see a partial file); only the folder fsync that makes the renames survive a power cut waits. When the
        block exits, normally or by an exception, every folder written to is fsync'ed, so every send that returned
        inside the block is then as durable as a single :meth:`send`. Batches are per thread; nested blocks join
        the outer one.
        """
        if getattr(self._batch, "folders", None) is not None:
            yield
            return
        folders: set[Path] = set()
        self._batch.folders = folders
        try:
            yield
        finally:
            self._batch.folders = None
            for folder in sorted(folders):
                fsync_folder(folder)

    def receive(self, *, after: str | None = None, limit: int = 100) -> ReceiveBatch:
        """Receipts waiting in the InBoxes, oldest first. ``after`` is ignored: recorded receipts are moved away.

        A file that can never be read (larger than the message limit, a ``.zip`` that is no archive, holds no safe
        XML entry or uses an unsupported compression) is quarantined: moved to ``<Box>/FailBox`` with its reason in
        ``<name>.reason.txt`` next to it, listed in :attr:`ReceiveBatch.quarantined`, and the listing goes on, so
        it never blocks the receipts behind it.

        A receipt file that cannot be opened or read now (an I/O error, a permission, a symbolic link loop) stays
        in its InBox, is logged at error and read again at the next poll; an InBox that cannot be listed is logged
        at error and the other boxes are read. Neither blocks the receipts of the others.

        Raises:
            eport.errors.TransportError: no InBox can be listed (the ImpPath is gone or unmounted).
        """
        found: list[tuple[float, str, Path]] = []
        boxes = sorted(set(self.boxes.values()))
        unlisted: list[str] = []
        for box in boxes:
            inbox = self.root / box / IN_BOX
            try:
                entries = list(os.scandir(inbox))
            except OSError as exc:
                unlisted.append(f"cannot list {inbox}: {exc.strerror or exc}")
                continue
            for entry in entries:
                if entry.name.lower().endswith(_FINAL_SUFFIXES) and not entry.name.startswith("."):
                    try:
                        found.append((entry.stat().st_mtime, entry.name, Path(entry.path)))
                    except FileNotFoundError:  # taken by another reader meanwhile
                        continue
                    except OSError as exc:  # a link loop, a permission: read the others, try it again later
                        logger.error("receipt %s left in its InBox, cannot be read now: %s", entry.path, exc)
        if unlisted and len(unlisted) == len(boxes):
            raise TransportError("; ".join(unlisted))
        for problem in unlisted:
            logger.error("%s (the other InBoxes are read)", problem)
        found.sort()
        receipts: list[RawReceipt] = []
        quarantined: list[str] = []
        for _mtime, _name, path in found:
            if len(receipts) >= limit:
                break
            try:
                data = _read_receipt_file(path)
            except FileNotFoundError:  # taken by another reader meanwhile
                continue
            except _UnreadableError as exc:
                try:
                    target = quarantine(path, str(exc))
                except FileNotFoundError:
                    continue
                except OSError as move_error:
                    raise TransportError(f"{exc}; cannot move it to {FAIL_BOX}: {move_error}") from move_error
                logger.error("unreadable receipt quarantined in %s: %s", target, exc)
                quarantined.append(f"{path.parent.parent.name}/{path.name}: {exc}")
                continue
            except OSError as exc:  # transient or not, it stays in place and is read again at the next poll
                logger.error("receipt %s left in its InBox, cannot be read now: %s", path, exc.strerror or exc)
                continue
            receipt_id = f"{path.parent.parent.name}/{path.name}"
            receipts.append(RawReceipt(receipt_id=receipt_id, data=data))
        return ReceiveBatch(receipts=tuple(receipts), quarantined=tuple(quarantined))

    def ack(self, receipts: Sequence[RawReceipt]) -> None:
        """Move recorded receipts from ``<Box>/InBox`` to ``<Box>/Processed``.

        Raises:
            eport.errors.TransportError: a receipt cannot be moved (it stays in the InBox and is read again).
        """
        for receipt in receipts:
            box, _, name = receipt.receipt_id.partition("/")
            source = self.root / box / IN_BOX / name
            try:
                os.replace(source, self.root / box / PROCESSED / name)
            except FileNotFoundError:
                logger.debug("receipt %s already moved", receipt.receipt_id)
            except OSError as exc:
                raise TransportError(f"cannot move {source} to Processed: {exc.strerror or exc}") from exc

    def remove_stale_temp(self, *, older_than: float = 3600.0) -> list[Path]:
        """Delete ``*.temp`` files older than ``older_than`` seconds from the OutBoxes: left by writers that died
        mid-write (no reader ever picks them up, see :func:`atomic_write`).

        Returns:
            The files removed.
        """
        limit = time.time() - older_than
        removed = []
        for box in sorted(set(self.boxes.values())):
            for path in (self.root / box / OUT_BOX).glob(f"*{TEMP_SUFFIX}"):
                with contextlib.suppress(FileNotFoundError):
                    if path.stat().st_mtime < limit:
                        path.unlink()
                        removed.append(path)
                        logger.info("removed stale temporary file %s", path)
        return removed

    def close(self) -> None:
        """Nothing to release."""
