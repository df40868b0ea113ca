"""Compiled fast readers: the decoder's path for documents that follow their schema's structure.

For each model class a reader function is generated once from its spec: straight-line code that walks the
children in schema order, converts values and builds the model. It never reports problems: at the first
departure from the expected structure (unknown or misplaced element, comment, bad number, text where none is
allowed) it raises :class:`Bail`, and :mod:`eport.edi.core.decoding` re-reads the document with its careful walker,
which names the problem. To notice what the straight-line code does not look at (children of simple elements,
unknown attributes, comments inside values, text beside elements) the reader counts what it consumed and the
decoder compares with the document's counts, computed by libxml2 (:func:`consumed_everything`): elements and
attributes, and text nodes. Only when the text nodes differ (an indented document: whitespace between elements)
does the decoder pay for the exact, slower check that every text beside an element is whitespace.
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Callable, Hashable
from decimal import Decimal
from typing import Any, cast

from lxml import etree

from eport.edi.core.spec import ANY_ELEMENT, TEXT_CONTENT, ValueKind, spec_of

Reader = Callable[[etree._Element, list[Any]], Any]
#: Gives the value of an ``XML`` field from its element (a slice of the source, or a re-serialisation).
XmlValue = Callable[[etree._Element], bytes]

_DECIMAL = re.compile(r"[ \t\r\n]*[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)[ \t\r\n]*").fullmatch
_INTEGER = re.compile(r"[ \t\r\n]*[+-]?[0-9]+[ \t\r\n]*").fullmatch

#: Elements and attributes of a subtree (the readers count both as they consume them).
_COUNT_NODES = etree.XPath("count(descendant-or-self::*) + count(descendant-or-self::*/@*)")
#: Text nodes of a subtree: the readers count one per non-empty simple value.
_COUNT_TEXTS = etree.XPath("count(descendant::text())")
#: Non-whitespace text nodes beside an element (mixed content); ``normalize-space`` strips exactly the XML
#: whitespace characters.
_COUNT_MIXED = etree.XPath("count(descendant-or-self::*[*]/text()[normalize-space()])")


class Bail(Exception):  # noqa: N818 - a control-flow signal, never escapes eport.edi
    """The document departs from the fast path's expectations; use the careful walker."""


def node_count(root: etree._Element) -> int:
    """Return how many elements and attributes the subtree of ``root`` holds."""
    return int(cast(float, _COUNT_NODES(root)))


def new_counter(xml: XmlValue | None = None) -> list[Any]:
    """The tally a reader fills: elements + attributes, text nodes, and the ``XML`` subtrees it kept raw.

    ``xml`` gives the value of an ``XML`` field from its element (default: :func:`raw_element`); the decoder passes
    one that slices the element from the input (:func:`eport.edi.core.textread.element_bytes`).
    """
    return [0, 0, [], xml or raw_element]


def consumed_everything(root: etree._Element, counter: list[Any]) -> bool:
    """True when a reader that filled ``counter`` consumed every node of the document under ``root``.

    Comments and processing instructions anywhere make it False (inside a simple value they would split its
    text). Text nodes: when their number equals the non-empty values read, there is no other text; otherwise
    (whitespace between elements, or worse) every text beside an element must be whitespace, outside the subtrees
    kept raw.
    """
    if next(root.iter(etree.Comment, etree.ProcessingInstruction), None) is not None:
        return False
    if counter[0] != node_count(root):
        return False
    if counter[1] == int(cast(float, _COUNT_TEXTS(root))):
        return True
    mixed = int(cast(float, _COUNT_MIXED(root)))
    return mixed == sum(int(cast(float, _COUNT_MIXED(raw))) for raw in counter[2])


def raw_element(el: etree._Element) -> bytes:
    """Serialise one element with the namespace declarations it had in the source, not those it inherited."""
    parent = el.getparent()
    if parent is None:
        return etree.tostring(el, encoding="utf-8", xml_declaration=False, with_tail=False)
    inherited = parent.nsmap
    own = [p for p, uri in el.nsmap.items() if inherited.get(p) != uri]
    copied = copy.deepcopy(el)
    copied.tail = None
    etree.cleanup_namespaces(copied, keep_ns_prefixes=[p for p in own if p is not None])
    return etree.tostring(copied, encoding="utf-8", xml_declaration=False, with_tail=False)


def _count_subtree(el: etree._Element, cnt: list[Any]) -> int:
    cnt[1] += int(cast(float, _COUNT_TEXTS(el)))
    cnt[2].append(el)
    return node_count(el)


def reader_for(cls: type[Any]) -> Reader:
    """Return the compiled fast reader of a model class (cached)."""
    return _compile(cast(Hashable, cls))


def _clark(namespace: str | None, tag: str) -> str:
    return f"{{{namespace}}}{tag}" if namespace else tag


@functools.lru_cache(maxsize=1024)
def _compile(cls: type[Any]) -> Reader:
    spec = spec_of(cls)
    env: dict[str, Any] = {
        "_Bail": Bail,
        "_Decimal": Decimal,
        "_dec": _DECIMAL,
        "_int": _INTEGER,
        "_sub": _count_subtree,
        "_next": next,
        "_K": cls,
    }
    has_text = any(f.tag == TEXT_CONTENT for f in spec.fields)
    src = [
        "def read(el, cnt):",
        "    t = el.text",
        "    pass" if has_text else "    if t is not None and t.strip(' \\t\\r\\n'): raise _Bail",
        "    it = iter(el)",
        "    c = _next(it, None)",
        f"    k = {_static_count(spec)}",
        "    m = 0",
    ]
    kwargs = []
    for a in spec.attributes:
        src.append(f"    a_{a.name} = el.get({a.tag!r})")
        if a.required:
            src.append(f"    if a_{a.name} is None: raise _Bail")
        else:
            src.append(f"    if a_{a.name} is not None: k += 1")
        kwargs.append(f"{a.name}=a_{a.name}")
    for i, f in enumerate(spec.fields):
        name = f"v{i}"
        kwargs.append(f"{f.name}={name}")
        if f.tag == TEXT_CONTENT:
            src += [f"    {line}" for line in _text_source(f.kind, name, f.min_occurs == 0)]
            continue
        if f.tag == ANY_ELEMENT:
            match = "c is not None and c.tag.__class__ is str"
        else:
            if f.kind is ValueKind.MODEL and f.model is not None:
                ns = f.namespace if f.namespace is not None else spec_of(f.model).namespace
            else:
                ns = f.namespace if f.namespace is not None else spec.namespace
            env[f"_t{i}"] = _clark(ns, f.tag)
            match = f"c is not None and c.tag == _t{i}"
        counted = f.repeated or f.min_occurs == 0 or f.kind is ValueKind.XML  # else in the static count
        conv = _convert(f.kind, i, env, f.model, counted)
        if f.repeated:
            src.append(f"    {name} = []")
            src.append(f"    while {match}:")
            src += [f"    {line}" for line in conv]
            src.append(f"        {name}.append(x)")
            src.append("        c = _next(it, None)")
            src.append(f"    {name} = tuple({name})")
            if f.max_occurs is not None:
                src.append(f"    if len({name}) > {f.max_occurs}: raise _Bail")
            if f.min_occurs > 0:
                src.append(f"    if not {name}: raise _Bail")
        else:
            src.append(f"    if {match}:")
            src += [f"    {line}" for line in conv]
            src.append(f"        {name} = x")
            src.append("        c = _next(it, None)")
            src.append("    else:")
            src.append("        raise _Bail" if f.min_occurs > 0 else f"        {name} = None")
    src.append("    if c is not None: raise _Bail")
    src.append("    cnt[0] += k")
    src.append("    if m: cnt[1] += m")
    src.append(f"    return _K({', '.join(kwargs)})")
    code = "\n".join(src)
    exec(compile(code, f"<eport reader {cls.__qualname__}>", "exec"), env)  # noqa: S102 - source built from specs
    reader: Reader = env["read"]
    return reader


def _text_source(kind: ValueKind, name: str, optional: bool) -> list[str]:
    """Lines setting ``name`` from the element's own text ``t`` (simple content)."""
    # an empty number is no value of its type: the careful walker reports it (empty-value)
    empty = ("None" if optional else "''") if kind is ValueKind.STRING else "_Bail"
    lines = ["if t is None or t == '':", f"    {name} = {empty}" if empty != "_Bail" else "    raise _Bail"]
    if kind is ValueKind.STRING:
        return [*lines, "else:", f"    {name} = t", "    m += 1"]
    check = "_dec" if kind is ValueKind.DECIMAL else "_int"
    make = "_Decimal" if kind is ValueKind.DECIMAL else "int"
    return [*lines, f"elif not {check}(t): raise _Bail", "else:", f"    {name} = {make}(t)", "    m += 1"]


def _static_count(spec: Any) -> int:
    """Nodes every successful read consumes: the element, its required attributes, required single simple fields."""
    simple = (ValueKind.STRING, ValueKind.DECIMAL, ValueKind.INTEGER)
    fields = sum(
        1
        for f in spec.fields
        if f.kind in simple and not f.repeated and f.min_occurs > 0 and f.tag not in (TEXT_CONTENT, ANY_ELEMENT)
    )
    return 1 + sum(1 for a in spec.attributes if a.required) + fields


def _convert(kind: ValueKind, i: int, env: dict[str, Any], model: type[Any] | None, counted: bool) -> list[str]:
    """Lines (indented for the body of an ``if``/``while``) that set ``x`` from child ``c`` and count it.

    Plain ASCII digit strings (for decimals: with at most one point, ``2050.00``, ``5.``, ``.5``) skip the lexical
    regular expression (``str.isdigit`` alone would accept other scripts' digits, which ``Decimal`` and ``int`` take
    but XML Schema does not).
    """
    count = ["    k += 1"] if counted else []
    if kind is ValueKind.STRING:
        return ["    x = c.text", "    if x is None: x = ''", "    else: m += 1", *count]
    if kind is ValueKind.DECIMAL:
        return [
            "    x = c.text",
            "    if x is None or not (((x.isdigit() or x.replace('.', '', 1).isdigit()) and x.isascii()) or _dec(x)):",
            "        raise _Bail",
            "    x = _Decimal(x)",
            "    m += 1",
            *count,
        ]
    if kind is ValueKind.INTEGER:
        return [
            "    x = c.text",
            "    if x is None or not ((x.isdigit() and x.isascii() and len(x) < 1000) or _int(x)): raise _Bail",
            "    x = int(x)",
            "    m += 1",
            *count,
        ]
    if kind is ValueKind.XML:
        return ["    x = cnt[3](c)", "    k += _sub(c, cnt)"]
    if model is None:
        raise Bail
    env[f"_r{i}"] = _compile(cast(Hashable, model))
    return [f"    x = _r{i}(c, cnt)"]


__all__ = ["Bail", "consumed_everything", "new_counter", "node_count", "raw_element", "reader_for"]
