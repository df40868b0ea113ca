"""Safe XML parsing for eport.edi: no DTD, no entity expansion, no network, a size limit.

Every decoder of eport goes through :func:`parse`. It refuses documents with a document type declaration (which
is where entity bombs and external entities live), never loads anything, and maps every parser failure to
:class:`eport.errors.DecodeError` with line and column.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from lxml import etree

from eport.errors import DecodeError

logger = logging.getLogger(__name__)

#: Default largest document :func:`parse` accepts, in bytes (50 MiB). CEB messages are far smaller.
DEFAULT_MAX_SIZE = 50 * 1024 * 1024


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=False,
        remove_pis=False,
        strip_cdata=True,
        collect_ids=False,
    )


_DOCTYPE = b"<!DOCTYPE"
_DOCTYPE_MARKERS = (_DOCTYPE, "<!DOCTYPE".encode("utf-16-le"), "<!DOCTYPE".encode("utf-16-be"))


def _has_doctype(data: bytes) -> bool:
    """True when ``data`` declares a document type, looked for before the parser sees it.

    A DOCTYPE can only stand in the prolog, before the root element, among the XML declaration, processing
    instructions, comments and whitespace: for an ASCII-compatible encoding (UTF-8, GB18030, GBK …) only the prolog
    is read, stepping over those. Anything else (UTF-16 and UTF-32 put zero bytes among the first four) is searched
    whole for the marker in each UTF-16 byte order. The parser's document information is checked after parsing too.
    """
    if b"\x00" in data[:4]:
        return any(marker in data for marker in _DOCTYPE_MARKERS)
    find, position = data.find, 0
    while True:
        start = find(b"<", position)
        if start < 0:
            return False
        if data.startswith(b"<?", start):
            end, step = find(b"?>", start + 2), 2
        elif data.startswith(b"<!--", start):
            end, step = find(b"-->", start + 4), 3
        else:
            return data.startswith(_DOCTYPE, start)  # the root element, or a declaration in the prolog
        if end < 0:
            return False  # unterminated: the parser reports it
        position = end + step


#: The encoding declaration of a GB2312 or GBK document (GB18030 is a superset of both).
_GB_DECLARATION = re.compile(
    rb"""^(\xef\xbb\xbf)?(<\?xml[^>]*?\sencoding\s*=\s*["'])(gb2312|gb_2312-80|gbk|cp936|x-gbk|euc-cn)(["'])""",
    re.IGNORECASE,
)


def _as_gb18030(data: bytes) -> etree._Element | None:
    """Parse again as GB18030 a document declared GB2312 or GBK that did not parse; ``None`` if it is not one.

    Other software declares ``encoding="GB2312"`` and writes GBK (company names with 堃, 喆, 珺 …): libxml2 then
    refuses the whole document and a receipt's status would be lost. GB18030 reads every GB2312 and GBK byte
    sequence the same way.
    """
    match = _GB_DECLARATION.match(data[:256])
    if match is None:
        return None
    recoded = data[: match.start(3)] + b"GB18030" + data[match.end(3) :]
    try:
        return etree.fromstring(recoded, _parser())
    except etree.XMLSyntaxError:
        return None
    except (ValueError, LookupError):
        return None


def parse(data: bytes, *, max_size: int = DEFAULT_MAX_SIZE) -> etree._Element:
    """Parse ``data`` as an XML document safely and return its root element.

    Args:
        data: the document's bytes (any encoding the XML declaration names; a UTF-8 BOM is fine; a GB2312 or GBK
            declaration over bytes it cannot read is read again as GB18030, its superset).
        max_size: the largest accepted document in bytes.

    Returns:
        The root element.

    Raises:
        DecodeError: the input is not bytes, too large, not well-formed, or has a DTD or entity references.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise DecodeError(f"expected bytes, got {type(data).__name__}")
    if not isinstance(data, bytes):
        data = bytes(data)
    if len(data) > max_size:
        raise DecodeError(f"document of {len(data)} bytes exceeds the limit of {max_size} bytes")
    if not data or data.isspace():
        raise DecodeError("empty document")
    if _has_doctype(data):
        raise DecodeError("document type declarations (DOCTYPE) are not accepted")
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        root = _as_gb18030(data)  # a GB2312/GBK declaration over GBK-only characters (堃 喆 珺)
        if root is None:
            line, column = exc.position if exc.position else (None, None)
            raise DecodeError(f"not well-formed XML: {exc.msg}", line=int(line or 0) or None, column=column) from None
    except (ValueError, LookupError) as exc:  # bad encoding declarations and the like
        raise DecodeError(f"cannot parse XML: {exc}") from None
    if root is None:
        raise DecodeError("no root element")
    docinfo: Any = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise DecodeError("document type declarations (DOCTYPE) are not accepted")
    for node in root.iter(etree.Entity):
        raise DecodeError(
            "entity references are not accepted", line=node.sourceline if isinstance(node.sourceline, int) else None
        )
    return root


__all__ = ["DEFAULT_MAX_SIZE", "parse"]
