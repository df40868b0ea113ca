"""Pure helpers for the Single Window import client's file drop (ImpPath folders).

The folder I/O (writing into OutBox atomically, watching InBox, moving files) belongs to the file-exchange
transport in :mod:`eport.services`; this module gives it the layout, the file names, the EdocID naming rule, zip
packages built in memory, and :func:`classify_receipt`, which tells receipt kinds apart by content.

Layout under ``ImpPath`` (FORMATS.md §2.5, [IMPL]: seen in two production integrations)::

    ImpPath/DecCus001/{OutBox,InBox,SentBox,FailBox}   declarations (报关单)
    ImpPath/Rmft/{OutBox,InBox,SentBox,FailBox}        manifests (舱单)
    ImpPath/Sas/OutBox                                 金关二期 (out of scope)

Files are written under a temporary name (:func:`temporary_name`) and renamed when complete, so the client never
picks up half a file.
"""

from __future__ import annotations

import enum
import io
import logging
import re
import zipfile
import zlib
from collections.abc import Iterable, Mapping
from pathlib import PurePath

import attrs

from eport.edi.dec._parse import child_texts, local, namespace, parse_root
from eport.errors import ConfigurationError, DecodeError, EncodeError

logger = logging.getLogger(__name__)

#: Box (folder) names inside a channel folder.
OUT_BOX = "OutBox"
IN_BOX = "InBox"
SENT_BOX = "SentBox"
FAIL_BOX = "FailBox"
BOXES = (OUT_BOX, IN_BOX, SENT_BOX, FAIL_BOX)

#: Channel folders under ImpPath.
DECLARATION_DIR = "DecCus001"
MANIFEST_DIR = "Rmft"
SAS_DIR = "Sas"

#: Suffix of files being written; the client ignores them until renamed.
TEMP_SUFFIX = ".temp"

#: Largest package :func:`read_package` unpacks (sum of member sizes), against zip bombs.
MAX_PACKAGE_SIZE = 200 * 1024 * 1024

_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")
_FIXED_ZIP_TIME = (2018, 1, 1, 0, 0, 0)


@attrs.frozen
class BoxLayout:
    """The four boxes of one channel folder (``DecCus001`` or ``Rmft``) under an ImpPath.

    Paths are :class:`pathlib.PurePath`: building them does no I/O.
    """

    root: PurePath

    @property
    def out_box(self) -> PurePath:
        """Where files to send go (OutBox)."""
        return self.root / OUT_BOX

    @property
    def in_box(self) -> PurePath:
        """Where receipts arrive (InBox)."""
        return self.root / IN_BOX

    @property
    def sent_box(self) -> PurePath:
        """Where the client moves sent files (SentBox)."""
        return self.root / SENT_BOX

    @property
    def fail_box(self) -> PurePath:
        """Where the client moves files it could not send (FailBox)."""
        return self.root / FAIL_BOX

    @property
    def boxes(self) -> tuple[PurePath, ...]:
        """All four boxes."""
        return (self.out_box, self.in_box, self.sent_box, self.fail_box)


def declaration_layout(imp_path: str | PurePath) -> BoxLayout:
    """Return the declaration boxes ``ImpPath/DecCus001/*``."""
    return BoxLayout(PurePath(imp_path) / DECLARATION_DIR)


def manifest_layout(imp_path: str | PurePath) -> BoxLayout:
    """Return the manifest boxes ``ImpPath/Rmft/*``."""
    return BoxLayout(PurePath(imp_path) / MANIFEST_DIR)


def _check_id(value: str, what: str) -> str:
    if not _SAFE_ID.match(value or ""):
        raise ConfigurationError(
            f"{what} {value!r} cannot be used in a file name: use 1-64 letters, digits, '_', '-' or '.'"
        )
    return value


def declaration_file_name(client_seq_no: str) -> str:
    """``Dec<ClientSeqNo>.xml``, the name the import client expects for a declaration.

    Raises:
        ConfigurationError: if the number holds characters unsafe in a file name.
    """
    return f"Dec{_check_id(client_seq_no, 'ClientSeqNo')}.xml"


def declaration_package_name(client_seq_no: str) -> str:
    """``Dec<ClientSeqNo>.zip``, a declaration with attached documents."""
    return f"Dec{_check_id(client_seq_no, 'ClientSeqNo')}.zip"


def manifest_file_name(client_seq_no: str) -> str:
    """``Manifest<ClientSeqNo>.xml`` (the number starts with ``K`` for 原始舱单, ``L`` for 预配 in practice)."""
    return f"Manifest{_check_id(client_seq_no, 'ClientSeqNo')}.xml"


def temporary_name(name: str) -> str:
    """The name to write under before the atomic rename (``Dec1.zip`` → ``Dec1.zip.temp``)."""
    return name + TEMP_SUFFIX


_RECEIPT_NO = re.compile(r"[A-Z][0-9]{17}|[0-9]{18}")


def client_seq_no_from_name(file_name: str) -> str | None:
    """Extract an 18-character number (18 digits, or a letter and 17) from a receipt file name."""
    m = _RECEIPT_NO.search(PurePath(file_name).name)
    return m.group(0) if m else None


# --------------------------------------------------------------------------------------------- EdocID
_EDOC_ID = re.compile(r"^(?P<port>[0-9A-Za-z]{4})(?P<code>[0-9A-Za-z]{8})IM(?P<serial>[0-9]{18})\.pdf$")


@attrs.frozen
class EdocId:
    """An attached document's ID (随附单据编号), which is also its file name in the package.

    Rule [IMPL]: 申报口岸 (4) + 随附单据类别代码 (8, e.g. ``00000001`` invoice) + ``IM`` + 18-digit serial + ``.pdf``.
    """

    port: str
    edoc_code: str
    serial: int

    def __attrs_post_init__(self) -> None:
        if not re.fullmatch(r"[0-9A-Za-z]{4}", self.port):
            raise ConfigurationError(f"declaration port {self.port!r} must be 4 characters (e.g. 3713)")
        if not re.fullmatch(r"[0-9A-Za-z]{8}", self.edoc_code):
            raise ConfigurationError(f"document code {self.edoc_code!r} must be 8 characters (e.g. 00000001)")
        if not 0 <= self.serial < 10**18:
            raise ConfigurationError(f"serial {self.serial} does not fit in 18 digits")

    @classmethod
    def parse(cls, value: str) -> EdocId:
        """Parse an EdocID such as ``371300000001IM000000000000000001.pdf``.

        Raises:
            ConfigurationError: if ``value`` does not follow the rule.
        """
        m = _EDOC_ID.match(value)
        if not m:
            raise ConfigurationError(f"EdocID {value!r} does not follow <port 4><code 8>IM<serial 18>.pdf")
        return cls(port=m["port"], edoc_code=m["code"], serial=int(m["serial"]))

    def __str__(self) -> str:
        return f"{self.port}{self.edoc_code}IM{self.serial:018d}.pdf"


def edoc_id(port: str, edoc_code: str, serial: int) -> str:
    """Build an EdocID string (see :class:`EdocId`).

    Raises:
        ConfigurationError: if a part has the wrong length.
    """
    return str(EdocId(port=port, edoc_code=edoc_code, serial=serial))


# --------------------------------------------------------------------------------------------- packages
def build_package(xml_name: str, xml: bytes, attachments: Mapping[str, bytes] | None = None) -> bytes:
    """Build a declaration zip package in memory: the message XML plus attached documents.

    Entries get a fixed timestamp so the same input gives the same bytes.

    Args:
        xml_name: the message's name inside the zip (``Dec<ClientSeqNo>.xml``).
        xml: the encoded message.
        attachments: file name (the EdocID) → content.

    Returns:
        The zip file's bytes.

    Raises:
        ConfigurationError: for unsafe or duplicate entry names.
    """
    names = [xml_name, *(attachments or {})]
    for name in names:
        _check_id(name, "package entry name")
    if len(set(names)) != len(names):
        raise ConfigurationError("package entry names must be unique")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, content in [(xml_name, xml), *(attachments or {}).items()]:
            info = zipfile.ZipInfo(name, date_time=_FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, content)
    return buf.getvalue()


def package_declaration(
    client_seq_no: str,
    xml: bytes,
    attachments: Mapping[str, bytes] | None = None,
    *,
    edoc_ids: Iterable[str] = (),
) -> tuple[str, bytes]:
    """Package a declaration and its documents, checking that documents and ``EdocRealation`` entries match.

    Args:
        client_seq_no: ``DecSign/ClientSeqNo``.
        xml: the encoded DecMessage.
        attachments: EdocID → PDF bytes.
        edoc_ids: the ``EdocID`` of every unstructured (``US``) ``EdocRealation`` of the message
            (``[e.edoc_id for e in msg.edoc_realation if e.edoc_fomat_type == "US"]``).

    Returns:
        ``(file name, zip bytes)``, e.g. ``("Dec2018….zip", b"PK…")``.

    Raises:
        EncodeError: a referenced document is missing, or a document is not referenced.
        ConfigurationError: unsafe names.
    """
    attachments = dict(attachments or {})
    wanted = set(edoc_ids)
    missing = sorted(wanted - set(attachments))
    extra = sorted(set(attachments) - wanted)
    if missing:
        raise EncodeError(f"EdocRealation names documents that are not attached: {', '.join(missing)}")
    if extra:
        raise EncodeError(f"attached documents have no EdocRealation entry: {', '.join(extra)}")
    name = declaration_package_name(client_seq_no)
    return name, build_package(declaration_file_name(client_seq_no), xml, attachments)


def read_package(data: bytes, *, max_size: int = MAX_PACKAGE_SIZE) -> tuple[bytes, dict[str, bytes]]:
    """Unpack a declaration package: the first ``.xml`` entry and the other entries.

    Raises:
        DecodeError: not a zip, no XML entry, unsafe names, or larger than ``max_size`` unpacked.
    """
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except _ZIP_ERRORS as exc:
        raise DecodeError(f"not a zip package: {exc}") from None
    try:
        return _unpack(zf, max_size)
    except _ZIP_ERRORS as exc:  # a damaged member: bad CRC, truncated data, unsupported method …
        raise DecodeError(f"damaged zip package: {type(exc).__name__}: {exc}") from None


#: What the standard library raises on damaged archives besides BadZipFile (RuntimeError: a member marked
#: encrypted, which needs a password eport never has).
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, OSError, ValueError, RuntimeError)


def _unpack(zf: zipfile.ZipFile, max_size: int) -> tuple[bytes, dict[str, bytes]]:
    with zf:
        infos = zf.infolist()
        if sum(i.file_size for i in infos) > max_size:
            raise DecodeError(f"package unpacks to more than {max_size} bytes")
        xml: bytes | None = None
        xml_name = ""
        others: dict[str, bytes] = {}
        for info in infos:
            if "/" in info.filename or "\\" in info.filename or info.filename.startswith("."):
                raise DecodeError(f"unsafe entry name {info.filename!r} in package")
            if info.filename in others or (xml is not None and info.filename == xml_name):
                raise DecodeError(f"entry {info.filename!r} occurs twice in the package")
            content = zf.read(info)
            if xml is None and info.filename.lower().endswith(".xml"):
                xml_name = info.filename
                xml = content
            else:
                others[info.filename] = content
    if xml is None:
        raise DecodeError("package holds no .xml message")
    return xml, others


# --------------------------------------------------------------------------------------------- receipts
class ReceiptKind(enum.Enum):
    """What a file found in an InBox is, decided by its content."""

    DEC_IMPORT_RESPONSE = "DecImportResponse"
    """报关单导入回执 (client accepted or refused the declaration file)."""
    DEC_RESULT = "DEC_RESULT"
    """报关单回执 with a CHANNEL status."""
    DEC_DATA = "DEC_DATA"
    """Legacy QP/H2000 receipt (GB2312)."""
    FAIL_INFO = "failInfo"
    """``<Root><failInfo>`` the client refused the file."""
    MANIFEST_RESPONSE = "MT9999"
    """舱单回执 (Manifest with a Response block)."""
    CEB_RECEIPT = "CEB receipt"
    """A cross-border e-commerce receipt (``CEBxxxMessage`` holding ``*Return`` blocks)."""
    CEB_MESSAGE = "CEB message"
    """A cross-border e-commerce business message (not a receipt)."""
    DEC_MESSAGE = "DecMessage"
    """A declaration itself (e.g. a copy in SentBox)."""
    MANIFEST = "Manifest"
    """A manifest message that is not a response."""
    DXP_ENVELOPE = "DxpMsg"
    """A DXP envelope; unwrap its Data to classify the payload."""
    UNKNOWN = "unknown"
    """Well-formed XML eport does not recognise."""


CEB_NS = "http://www.chinaport.gov.cn/ceb"
DXP_NS = "http://www.chinaport.gov.cn/dxp"


def classify_receipt(data: bytes) -> ReceiptKind:
    """Tell what a received file is by its content (root element, namespace and children), not its name.

    Args:
        data: the file's bytes.

    Returns:
        The :class:`ReceiptKind`; ``UNKNOWN`` for well-formed XML of another kind.

    Raises:
        DecodeError: the bytes are not well-formed, safe XML.
    """
    root = parse_root(data)
    name, ns = local(root), namespace(root)
    children = [local(c) for c in root]
    if name == "DecImportResponse":
        return ReceiptKind.DEC_IMPORT_RESPONSE
    if name == "DEC_RESULT":
        return ReceiptKind.DEC_RESULT
    if name == "DEC_DATA":
        return ReceiptKind.DEC_DATA
    if name == "DecMessage":
        return ReceiptKind.DEC_MESSAGE
    if name == "Manifest":
        head = next((c for c in root if local(c) == "Head"), None)
        msg_type = child_texts(head).get("MessageType", "") if head is not None else ""
        if "Response" in children or msg_type == "MT9999" or (ns or "").endswith(":MT9999:1"):
            return ReceiptKind.MANIFEST_RESPONSE
        return ReceiptKind.MANIFEST
    if ns == CEB_NS and name.startswith("CEB"):
        if any(c.endswith("Return") for c in children):
            return ReceiptKind.CEB_RECEIPT
        return ReceiptKind.CEB_MESSAGE
    if name in {"DxpMsg", "DxpMsgSv"}:
        return ReceiptKind.DXP_ENVELOPE
    if any(local(el) == "failInfo" for el in root.iter()):
        return ReceiptKind.FAIL_INFO
    return ReceiptKind.UNKNOWN


__all__ = [
    "BOXES",
    "DECLARATION_DIR",
    "FAIL_BOX",
    "IN_BOX",
    "MANIFEST_DIR",
    "MAX_PACKAGE_SIZE",
    "OUT_BOX",
    "SAS_DIR",
    "SENT_BOX",
    "TEMP_SUFFIX",
    "BoxLayout",
    "EdocId",
    "ReceiptKind",
    "build_package",
    "classify_receipt",
    "client_seq_no_from_name",
    "declaration_file_name",
    "declaration_layout",
    "declaration_package_name",
    "edoc_id",
    "manifest_file_name",
    "manifest_layout",
    "package_declaration",
    "read_package",
    "temporary_name",
]
