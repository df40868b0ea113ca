"""Reading declarations written by other software, and writing them.

:func:`eport.edi.decode` reads well-formed ``DecMessage`` documents. Declarations from other software are looser,
so :func:`decode_declaration` first normalises what is common in practice and carries no data:

* empty text elements (``<SeqNo/>``, ``<SeqNo></SeqNo>``) decode as ``""`` and are written back as empty
  elements, while an element the file does not have stays ``None`` and is not written (the Single Window client
  writes every element, empty or not: empty and absent stay distinct through decode → encode); empty number
  elements (``<FeeRate></FeeRate>``) are left for the decoder, which reports them (strict: :class:`DecodeError`;
  lenient: ``empty-value``, the element kept in ``Decoded.unparsed``): a number has no empty value, and reading
  one as "no value" made it vanish on re-encoding; empty elements that are no field of the structure carry
  nothing and are dropped; empty blocks (``<DecContainers/>``) are kept;
* a ``DecMessage`` without namespace, or wrapped in the regional ``ImportMessage/SWImpData`` envelope, is taken
  out and put in the ``http://www.chinaport.gov.cn/dec`` namespace.

Re-encoding a decoded declaration gives the same XML after canonicalization, except for the empty unknown
elements (see ``docs/declarations.md``); :func:`eport.edi.encode_lenient` also writes back what lenient decoding
kept (empty number elements included).
"""

from __future__ import annotations

import copy
import functools
import logging
from typing import Any

from lxml import etree

from eport.edi.core import safexml as _xml
from eport.edi.core.decoding import Decoded, decode_element
from eport.edi.core.encoding import encode
from eport.edi.core.spec import ValueKind, spec_of
from eport.edi.dec.models import NS, DecMessage
from eport.errors import DecodeError

logger = logging.getLogger(__name__)


def _local(el: etree._Element) -> str:
    tag = el.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def normalize_declaration(root: etree._Element) -> etree._Element:
    """Return the ``DecMessage`` element of ``root`` in the dec namespace, with empty value elements removed.

    Works on a copy; ``root`` is not changed.

    Raises:
        DecodeError: if there is no ``DecMessage`` in the document.
    """
    el = root
    if _local(el) == "ImportMessage":
        found = next((e for e in el.iter() if _local(e) == "DecMessage"), None)
        if found is None:
            raise DecodeError("ImportMessage holds no DecMessage", path="/ImportMessage")
        el = found
    if _local(el) != "DecMessage":
        raise DecodeError(f"expected DecMessage, found {_local(el)}", path=f"/{_local(el)}")
    if any(isinstance(node.tag, str) and not node.tag.startswith("{") for node in el.iter()):
        el = _in_dec_namespace(el)
    else:
        el = copy.deepcopy(el)  # a detached copy (no re-parse)
    # drop empty value elements, except text fields (empty stays "", distinct from absent) and number fields (no
    # value of their type: the decoder reports them, empty-value); empty blocks (<DecHead/>, <DecContainers/>) are
    # kept: they are structure
    blocks = _block_tags()
    texts = _text_fields()
    numbers = _number_fields()
    for node in reversed(list(el.iter())):
        if node is el or not isinstance(node.tag, str):
            continue
        name = node.tag.rpartition("}")[2]
        if len(node) == 0 and not (node.text or "").strip() and not node.attrib and name not in blocks:
            parent = node.getparent()
            if parent is not None and isinstance(parent.tag, str) and name in texts.get(_local(parent), ()):
                node.text = None  # whitespace only: an empty value, written back as an empty element
                continue
            if parent is not None and isinstance(parent.tag, str) and name in numbers.get(_local(parent), ()):
                continue  # an empty number: the decoder refuses it (strict) or reports and keeps it (lenient)
            if parent is not None:
                _keep_tail(node)
                parent.remove(node)
    etree.cleanup_namespaces(el)
    return el


def _in_dec_namespace(src: etree._Element) -> etree._Element:
    """A detached copy of ``src`` with un-namespaced elements in the dec namespace, declared as default namespace.

    The copy's children move under a new root that declares the dec namespace as default before they are re-tagged,
    so elements kept verbatim (``Decoded.unparsed``) read ``<PayWay xmlns="http://www.chinaport.gov.cn/dec">``
    rather than with a generated ``ns0:`` prefix. Source lines are kept for problem messages.
    """
    dup = copy.deepcopy(src)
    nsmap: Any = {None: NS}
    tag = dup.tag if dup.tag.startswith("{") else f"{{{NS}}}{dup.tag}"
    root = etree.Element(tag, nsmap=nsmap)
    root.attrib.update(dup.attrib)
    root.text = dup.text
    root.sourceline = dup.sourceline
    root.extend(list(dup))
    for node in root.iter():
        name = node.tag
        if isinstance(name, str) and not name.startswith("{"):
            node.tag = f"{{{NS}}}{name}"
    return root


@functools.lru_cache(maxsize=1)
def _block_tags() -> frozenset[str]:
    """Tags of every element that is a block (a model), not a value."""
    tags: set[str] = set()
    todo: list[type[Any]] = [DecMessage]
    seen: set[type[Any]] = set()
    while todo:
        cls = todo.pop()
        if cls in seen:
            continue
        seen.add(cls)
        for f in spec_of(cls).fields:
            if f.kind is ValueKind.MODEL and f.model is not None:
                tags.add(f.tag)
                todo.append(f.model)
    return frozenset(tags)


@functools.lru_cache(maxsize=1)
def _text_fields() -> dict[str, frozenset[str]]:
    """Block tag (``DecMessage``, ``DecHead``, ``DecList`` …) → tags of its text (string) value fields."""
    return _value_fields((ValueKind.STRING,))


@functools.lru_cache(maxsize=1)
def _number_fields() -> dict[str, frozenset[str]]:
    """Block tag → tags of its number (decimal, integer) value fields."""
    return _value_fields((ValueKind.DECIMAL, ValueKind.INTEGER))


def _value_fields(kinds: tuple[ValueKind, ...]) -> dict[str, frozenset[str]]:
    """Block tag → tags of its value fields of one of ``kinds``."""
    fields: dict[str, set[str]] = {}
    todo: list[tuple[str, type[Any]]] = [(spec_of(DecMessage).tag, DecMessage)]
    seen: set[tuple[str, type[Any]]] = set()
    while todo:
        tag, cls = todo.pop()
        if (tag, cls) in seen:
            continue
        seen.add((tag, cls))
        for f in spec_of(cls).fields:
            if f.kind is ValueKind.MODEL and f.model is not None:
                todo.append((f.tag, f.model))
            elif f.kind in kinds:
                fields.setdefault(tag, set()).add(f.tag)
    return {tag: frozenset(names) for tag, names in fields.items()}


def _keep_tail(node: etree._Element) -> None:
    # whitespace tails only; a non-blank tail is text in the wrong place and is kept for the decoder to report
    tail = node.tail
    if tail and tail.strip():
        prev = node.getprevious()
        parent = node.getparent()
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        elif parent is not None:
            parent.text = (parent.text or "") + tail


def decode_declaration(data: bytes, *, max_size: int = _xml.DEFAULT_MAX_SIZE) -> DecMessage:
    """Decode a declaration written by any software, strictly (unknown or misplaced elements fail).

    Args:
        data: the document's bytes.
        max_size: largest accepted document in bytes.

    Returns:
        The :class:`DecMessage`.

    Raises:
        DecodeError: not well-formed, unsafe, not a declaration, or not in the structure's order.
    """
    root = normalize_declaration(_xml.parse(data, max_size=max_size))
    return decode_element(root, DecMessage, strict=True).message


def decode_declaration_lenient(data: bytes, *, max_size: int = _xml.DEFAULT_MAX_SIZE) -> Decoded[DecMessage]:
    """Decode a declaration, collecting problems (unknown elements, order) instead of failing.

    Elements that do not fit the model (pre-2018 fields such as ``PayWay``) are kept verbatim in
    :attr:`Decoded.unparsed`.

    Raises:
        DecodeError: not well-formed, unsafe or not a declaration.
    """
    root = normalize_declaration(_xml.parse(data, max_size=max_size))
    return decode_element(root, DecMessage, strict=False)


def encode_declaration(message: DecMessage) -> bytes:
    """Encode a declaration as UTF-8 XML in the structure file's element order (same as :func:`eport.edi.encode`).

    Raises:
        EncodeError: if a value cannot be written.
    """
    return encode(message)


__all__ = ["decode_declaration", "decode_declaration_lenient", "encode_declaration", "normalize_declaration"]
