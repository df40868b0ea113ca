"""Writing a leniently decoded message back with what the model could not hold: :func:`encode_lenient`.

Lenient decoding keeps every element and attribute it could not place in the model verbatim
(:attr:`eport.edi.core.decoding.Decoded.unparsed`: unknown elements, a second occurrence of an element allowed once,
a value that is not a number …). :func:`eport.edi.encode` writes the model only; :func:`encode_lenient` writes the
model and puts each kept element back, byte for byte, where it stood: right after the sibling it followed in the
source (:attr:`~eport.edi.core.decoding.Unparsed.after`), or first in its parent when it was the first child, so
a round trip keeps document order (the model still decides the order of what it knows: elements out of schema
order come back in schema order). An item whose place was not recorded (``after`` is ``None``: the manifest
decoder's), or whose anchor is no longer in the model, goes last in its parent. Each kept attribute goes back on
its element. Nothing read is lost on re-encoding, and decoding the result leniently gives
the same message and the same kept items.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

from eport.edi.core import safexml
from eport.edi.core.decoding import Decoded
from eport.edi.core.encoding import XML_DECLARATION, encode
from eport.edi.core.paths import clark_step
from eport.errors import DecodeError, EncodeError

_STEP = re.compile(r"^(?P<name>[^\[\]]+)(?:\[(?P<index>[1-9][0-9]*)\])?$")


def _find(root: etree._Element, path: str) -> etree._Element | None:
    """The element at ``path`` (the decoder's path form, ``/ceb:CEB816Message/ceb:Tax[2]/ceb:TaxHeadRd``)."""
    steps = path.strip("/").split("/")
    first = _STEP.match(steps[0])
    if first is None or first.group("name") != clark_step(root.tag):
        return None
    node = root
    for text in steps[1:]:
        match = _STEP.match(text)
        if match is None:
            return None
        same = [c for c in node if isinstance(c.tag, str) and clark_step(c.tag) == match.group("name")]
        index = int(match.group("index") or 1)
        if len(same) < index:
            return None
        node = same[index - 1]
    return node


def _place(
    root: etree._Element, parent: etree._Element, parent_path: str, after: str | None, el: etree._Element
) -> None:
    """Put ``el`` into ``parent`` right after the element at path ``after`` (first when ``after`` is the parent's
    path; last when ``after`` is ``None`` or no longer a child of ``parent``). Items are placed in document order,
    so an item that followed another kept item finds it already in place."""
    if after == parent_path:
        parent.insert(0, el)
        return
    anchor = _find(root, after) if after else None
    if anchor is not None and anchor.getparent() is parent:
        anchor.addnext(el)
    else:
        parent.append(el)


def encode_lenient(decoded: Decoded[Any]) -> bytes:
    """Encode a leniently decoded message with the elements and attributes it kept verbatim put back.

    Args:
        decoded: what :func:`eport.edi.decode_lenient` returned (or a copy with ``message`` changed).

    Returns:
        The document: the model as :func:`eport.edi.encode` writes it, each kept element put back verbatim where
        it stood (after the sibling it followed), each kept attribute set on its element.

    Raises:
        EncodeError: the model cannot be written, or a kept item has no place in it any more (its parent element
            is absent from the model, or an attribute is already set); ``path`` names the item.
    """
    data = encode(decoded.message)
    if not decoded.unparsed:
        return data
    try:
        root = safexml.parse(data)
    except DecodeError as exc:  # our own output: only a size limit can refuse it
        raise EncodeError(f"the encoded message cannot be read back: {exc}") from None
    for item in decoded.unparsed:
        parent_path, _, last = item.path.rpartition("/")
        parent = _find(root, parent_path)
        if parent is None:
            raise EncodeError(f"kept item has no place in the message: {parent_path} is absent", path=item.path)
        if last.startswith("@"):
            holder = safexml.parse(b"<a " + item.xml + b"/>")
            for name, value in holder.attrib.items():
                if name in parent.attrib:
                    raise EncodeError(f"kept attribute {item.path} is already set by the model", path=item.path)
                parent.set(name, value)
        else:
            _place(root, parent, parent_path, item.after, safexml.parse(item.xml))
    body: bytes = etree.tostring(root, encoding="UTF-8", xml_declaration=False)
    return XML_DECLARATION.encode() + body


__all__ = ["encode_lenient"]
