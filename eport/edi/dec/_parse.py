"""Safe, tolerant XML reading for receipts (which other software writes loosely: any order, GB2312, extra fields).

No DTD, no entities, no network, a size limit; failures become :class:`eport.errors.DecodeError`.
"""

from __future__ import annotations

from lxml import etree

from eport.edi.core import safexml as _xml
from eport.errors import DecodeError

#: Largest receipt accepted, in bytes.
MAX_RECEIPT_SIZE = 5 * 1024 * 1024


def parse_root(data: bytes, *, max_size: int = MAX_RECEIPT_SIZE) -> etree._Element:
    """Parse ``data`` safely and return the root element.

    Parsing goes through :func:`eport.edi.core.safexml.parse` (no DTD anywhere in the document, no entities, no network,
    bounded size). Bytes without an encoding declaration that are not UTF-8 are read as GB18030 (a superset of
    GB2312, which legacy ``DEC_DATA`` receipts use).

    Raises:
        DecodeError: not bytes, too large, a DTD or entity, or not well-formed.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise DecodeError(f"expected bytes, got {type(data).__name__}")
    data = bytes(data)
    if len(data) > max_size:
        raise DecodeError(f"document of {len(data)} bytes exceeds the limit of {max_size} bytes")
    try:
        return _xml.parse(data, max_size=max_size)
    except DecodeError as exc:
        if b"encoding=" in data[:200] or b"<!DOCTYPE" in data:
            raise
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise exc from None
        if not text:
            raise
        recoded = text.encode("utf-8")
        try:
            return _xml.parse(recoded, max_size=max(max_size, len(recoded)))
        except DecodeError:
            raise exc from None


def local(el: etree._Element) -> str:
    """The local name of an element (``""`` for comments and processing instructions)."""
    tag = el.tag
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]


def namespace(el: etree._Element) -> str | None:
    """The namespace URI of an element, ``None`` for none."""
    tag = el.tag
    if isinstance(tag, str) and tag.startswith("{"):
        return tag[1:].partition("}")[0]
    return None


def child_texts(el: etree._Element) -> dict[str, str]:
    """Map local name → stripped text of the element's simple children (first occurrence wins)."""
    out: dict[str, str] = {}
    for child in el:
        name = local(child)
        if name and len(child) == 0:
            out.setdefault(name, (child.text or "").strip())
    return out
