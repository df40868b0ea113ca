"""Safe XML parsing for signatures: no DTD, no entity expansion, no network, a size limit."""

from __future__ import annotations

import re

from lxml import etree

from eport.errors import ConfigurationError, DecodeError, InvalidSignature

#: Largest document accepted by default (bytes).
MAX_XML_SIZE = 32 * 1024 * 1024
#: The position libxml2 appends to its messages (given as ``line`` and ``column`` instead).
_AT = re.compile(r",? line \d+, column \d+$")


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=False,
        remove_comments=False,
        collect_ids=False,
    )


def parse_xml(
    data: bytes,
    *,
    max_size: int = MAX_XML_SIZE,
    error: type[Exception] = ConfigurationError,
    not_xml: type[DecodeError] | None = None,
) -> etree._ElementTree:
    """Parse ``data`` safely and return the tree.

    Args:
        data: the document bytes.
        max_size: refuse larger input.
        error: exception class raised for unsafe or malformed input (``ConfigurationError`` when signing,
            ``InvalidSignature`` when verifying).
        not_xml: exception class raised instead of ``error`` for input that is no well-formed XML at all (empty,
            text, binary, cut short), with the parser's ``line`` and ``column``
            (:class:`~eport.errors.SignatureFormatError` when verifying); ``None``: ``error``.

    Raises:
        ConfigurationError | InvalidSignature | DecodeError: for oversized, malformed or DTD-carrying input.
    """
    if not isinstance(data, bytes | bytearray):
        raise ConfigurationError("XML must be given as bytes (the exact bytes to sign or verify)")
    if len(data) > max_size:
        raise error(f"XML document larger than {max_size} bytes")
    try:
        tree = etree.ElementTree(etree.fromstring(bytes(data), _parser()))
    except etree.XMLSyntaxError as exc:
        if not_xml is not None:
            line, column = exc.position
            reason = _AT.sub("", str(exc.msg or "")) or "not XML"
            raise not_xml(f"not a well-formed XML document: {reason}", line=line, column=column) from None
        raise error(f"XML is not well-formed: {exc}") from None
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:  # type: ignore[attr-defined]
        raise error("XML with a DOCTYPE/DTD is refused")
    return tree


def not_well_formed(data: bytes) -> str | None:
    """Why ``data`` is no well-formed XML document (the parser's message), or ``None`` when it is one.

    A well-formed document may still be refused by :func:`parse_xml` (too large, a DTD); this only tells input
    that is no XML at all (empty, text, binary, cut short) from a document whose signature is then checked.
    """
    try:
        etree.fromstring(bytes(data), _parser())
    except etree.XMLSyntaxError as exc:
        return str(exc) or "not XML"
    return None


__all__ = ["MAX_XML_SIZE", "not_well_formed", "parse_xml"]

_ = InvalidSignature  # re-exported for callers choosing the error class
