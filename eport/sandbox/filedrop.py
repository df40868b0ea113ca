"""The exchange side of file exchange: a thread that takes files from each ``<ImpPath>/<Box>/OutBox``.

Only names ending in ``.xml`` or ``.zip`` are read (a producer's ``.temp`` file is never touched). A file holding
a ``DxpMsg`` is taken as is; a bare business message is wrapped as if the demo enterprise had sent it, with a
CopMsgId derived from the box, the file name and the content, so a file picked up again after a crash is recognised
as the same submission. Accepted files move to ``SentBox``. A file that can never be taken (unreadable, too large,
an archive that cannot be opened, whatever the reason) is quarantined in ``FailBox`` with its reason in
``<name>.reason.txt`` next to it, so one poison file never stops the files behind it. The file is moved only after
the submission is committed to the state, so a killed sandbox loses nothing.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import os
import sqlite3
import threading
import uuid
import zipfile
from pathlib import Path

from eport.errors import DecodeError
from eport.sandbox.config import (
    BOX_CEB,
    BOX_DEC,
    BOX_MFT,
    BOXES,
    CEB_DXP_ID,
    DEC_DXP_ID,
    DEMO_DXP_ID,
    MFT_DXP_ID,
)
from eport.sandbox.engine import Engine
from eport.sandbox.envelope import root_name, wrap
from eport.sandbox.store import sha256_hex

logger = logging.getLogger(__name__)

_FOLDERS = ("OutBox", "InBox", "SentBox", "FailBox")
_RECEIVER = {BOX_CEB: CEB_DXP_ID, BOX_DEC: DEC_DXP_ID, BOX_MFT: MFT_DXP_ID}
_NAMESPACE = uuid.UUID("6f1c3a52-2d43-4c43-9a0e-6b1f7c7e0d11")


def make_folders(imp_path: Path) -> None:
    """Create ``<ImpPath>/<Box>/{OutBox,InBox,SentBox,FailBox}`` for every box."""
    for box in BOXES:
        for folder in _FOLDERS:
            (imp_path / box / folder).mkdir(parents=True, exist_ok=True)


def bare_cop_msg_id(box: str, file_name: str, data: bytes) -> str:
    """The CopMsgId the sandbox gives a bare business message dropped as ``<box>/OutBox/<file_name>``.

    Derived from the box, the file name and the (unzipped) content, so the same file picked up twice after a crash
    is recognised as one submission; receipts name it in ``AddInfo/BizKey/Key[@name="SourceCopMsgId"]``.
    """
    return str(uuid.uuid5(_NAMESPACE, f"{box}/{file_name}/{sha256_hex(data)}"))


def _unzip(data: bytes, limit: int) -> bytes:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = [m for m in archive.infolist() if m.filename.lower().endswith(".xml")]
            if not members:
                raise DecodeError("zip without an .xml member")
            member = members[0]
            if member.file_size > limit:
                raise DecodeError(f"zip member larger than {limit} bytes")
            with archive.open(member) as stream:  # the declared size may lie: never inflate past the limit
                xml = stream.read(limit + 1)
            if len(xml) > limit:
                raise DecodeError(f"zip member larger than {limit} bytes")
            return xml
    except zipfile.BadZipFile as exc:
        raise DecodeError(f"not a zip file: {exc}") from None
    except NotImplementedError as exc:  # compression methods zipfile cannot read (97, 98, 99 …)
        raise DecodeError(f"zip with an unsupported compression method: {exc}") from None


def _read_limited(path: Path, limit: int) -> bytes:
    """The file's bytes, refused from its size before reading when over ``limit`` (and while reading, for a file
    that grows).

    Raises:
        DecodeError: the file is larger than ``limit``.
    """
    with open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size > limit:
            raise DecodeError(f"file larger than {limit} bytes ({size} bytes)")
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise DecodeError(f"file larger than {limit} bytes")
    return data


def _move(source: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / source.name
    if target.exists():
        target = folder / f"{source.stem}.{uuid.uuid4().hex[:8]}{source.suffix}"
    os.replace(source, target)
    return target


def quarantine(source: Path, folder: Path, reason: str) -> Path:
    """Move a file that can never be taken into ``folder`` (a FailBox) with ``<name>.reason.txt`` next to it."""
    target = _move(source, folder)
    reason_file = target.with_name(f"{target.name}.reason.txt")
    reason_file.write_text(reason + "\n", encoding="utf-8")
    return target


class FolderWatcher:
    """Polls the OutBox folders and hands each complete file to the engine.

    Args:
        engine: the sandbox engine.
        imp_path: the ImpPath root.
        interval: seconds between scans.
    """

    def __init__(self, engine: Engine, imp_path: Path, interval: float) -> None:
        self._engine = engine
        self._imp_path = imp_path
        self._interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Create the folders and start scanning."""
        make_folders(self._imp_path)
        self._thread = threading.Thread(target=self._run, name="eport-sandbox-filedrop", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop scanning."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.scan()
            except Exception:  # a bad file must not stop the watcher
                logger.exception("OutBox scan failed")
            self._stop.wait(self._interval)

    def scan(self) -> int:
        """Take every complete file from every OutBox once. Returns how many files were handled."""
        handled = 0
        for box in BOXES:
            outbox = self._imp_path / box / "OutBox"
            try:
                names = sorted(os.listdir(outbox))
            except FileNotFoundError:
                continue
            for name in names:
                if not name.lower().endswith((".xml", ".zip")):
                    continue
                try:
                    self._take(box, outbox / name)
                except (OSError, sqlite3.Error):  # transient (state or folder): leave the file, go on with the others
                    logger.exception("cannot take %s/OutBox/%s now; retried at the next scan", box, name)
                    continue
                handled += 1
        return handled

    def _take(self, box: str, path: Path) -> None:
        limit = self._engine.config.max_body
        failbox = self._imp_path / box / "FailBox"
        try:
            data = _read_limited(path, limit)
            if path.suffix.lower() == ".zip":
                data = _unzip(data, limit)
            if root_name(data) != "DxpMsg":
                data = self._wrap_bare(box, path.name, data)
            _, outcome = self._engine.accept(data, box=box)
        except FileNotFoundError:  # taken away meanwhile
            return
        except DecodeError as exc:
            logger.warning("unreadable file %s in %s/OutBox quarantined: %s", path.name, box, exc)
            quarantine(path, failbox, f"unreadable: {exc}")
            return
        except (OSError, sqlite3.Error):  # the state or the folder failed, not the file: try again at the next scan
            raise
        except Exception as exc:  # anything else this file causes would recur at every scan: quarantine it
            logger.exception("file %s in %s/OutBox cannot be taken; quarantined", path.name, box)
            quarantine(path, failbox, f"cannot be taken: {type(exc).__name__}: {exc}")
            return
        if outcome.conflict:
            logger.warning("file %s reuses a CopMsgId with different content", path.name)
            quarantine(path, failbox, "conflict: its CopMsgId was stored with different content")
            return
        _move(path, self._imp_path / box / "SentBox")

    @staticmethod
    def _wrap_bare(box: str, name: str, data: bytes) -> bytes:
        business = root_name(data)
        if business == "Unknown":
            raise DecodeError("neither a DxpMsg nor a readable business message")
        cop_msg_id = bare_cop_msg_id(box, name, data)
        return wrap(
            data,
            cop_msg_id=cop_msg_id,
            sender_id=DEMO_DXP_ID,
            receiver_id=_RECEIVER[box],
            msg_type=business,
            created=dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc),  # fixed: the same file wraps to the same bytes
            file_name=name,
        )


__all__ = ["FolderWatcher", "bare_cop_msg_id", "make_folders", "quarantine"]
