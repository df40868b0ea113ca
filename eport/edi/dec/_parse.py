"""Safe, tolerant XML reading for receipts (which other software writes loosely: any order, GB2312, extra fields).

No DTD, no entities, no network, a size limit; failures become :class:`eport.errors.DecodeError`.
"""

from __future__ import annotations

from lxml import etree

from eport.errors import DecodeError

#: Largest receipt accepted, in bytes.
MAX_RECEIPT_SIZE = 5 * 1024 * 1024


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False
    )


def parse_root(data: bytes, *, max_size: int = MAX_RECEIPT_SIZE) -> etree._Element:
    """Parse ``data`` safely and return the root element.

    Bytes without an encoding declaration that are not UTF-8 are read as GB18030 (a superset of GB2312, which
    legacy ``DEC_DATA`` receipts use).

    Raises:
        DecodeError: not bytes, too large, a DTD, or not well-formed.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise DecodeError(f"expected bytes, got {type(data).__name__}")
    data = bytes(data)
    if len(data) > max_size:
        raise DecodeError(f"document of {len(data)} bytes exceeds the limit of {max_size} bytes")
    if b"<!DOCTYPE" in data[:4096] or b"<!ENTITY" in data[:4096]:
        raise DecodeError("documents with a DTD or entity declarations are refused")
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        if b"encoding=" not in data[:200]:
            try:
                text = data.decode("gb18030")
            except UnicodeDecodeError:
                text = ""
            if text:
                try:
                    return etree.fromstring(text.encode("utf-8"), _parser())
                except etree.XMLSyntaxError:
                    pass
        line, column = exc.position if exc.position else (None, None)
        raise DecodeError(f"not well-formed XML: {exc.msg}", line=line, column=column) from None
    if root is None:
        raise DecodeError("empty document")
    return root


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
