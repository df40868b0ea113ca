"""The spec-driven XML decoder: bytes → any eport model, strict or lenient.

:func:`decode` recognises the message from its root element (:mod:`eport.edi.core.registry`), parses safely
(:mod:`eport.edi.core.safexml`: no DTD, no entities, no network, a size limit) and builds the model from its
:class:`~eport.edi.core.spec.ModelSpec`. Strict decoding raises :class:`~eport.errors.DecodeError` at the first
departure from the schema's structure (unknown, misplaced, surplus or missing element, a value that is not a
decimal or integer, mixed content), naming the element path and line. Paths have the form of
:mod:`eport.edi.core.paths`, shared with validation: ``/ceb:CEB621Message/ceb:Inventory[2]/ceb:InventoryHead``.

:func:`decode_lenient` never stops at structure: it returns a :class:`Decoded` with the message, the
:class:`~eport.edi.core.report.Problem` list, and every element it could not place, kept as raw XML with its path
(:class:`Unparsed`), so nothing is lost; an attribute the model does not define is reported (``unknown-attribute``,
path ``…/@name``) and kept the same way, on any element. Attributes of the XML Schema instance namespace are not
unknown: ``xsi:schemaLocation`` and ``xsi:noNamespaceSchemaLocation`` are location hints and are ignored,
``xsi:type`` is ignored (the models have no derived types), and ``xsi:nil="true"`` on an empty element means "no
value", as if the element were absent (a required one is reported missing). Namespace declarations are not
attributes; the encoder writes its own. A required element that is absent is left ``None`` (an empty tuple for a
repeated one) in the model; the problem list names it. Facets (lengths, digits, enumerations) are not checked
here: that is validation's job (``eport.edi.validate``).
"""

from __future__ import annotations

import functools
import logging
import re
from collections import Counter
from collections.abc import Hashable, Iterator
from decimal import Decimal
from functools import partial
from typing import Any, Generic, TypeVar, cast, overload
from xml.sax.saxutils import quoteattr

import attrs
from lxml import etree

from eport.edi.core import registry, textread
from eport.edi.core.fastread import Bail, consumed_everything, new_counter, raw_element, reader_for
from eport.edi.core.paths import clark_step, step
from eport.edi.core.report import Problem, Severity
from eport.edi.core.safexml import DEFAULT_MAX_SIZE, parse
from eport.edi.core.spec import ANY_ELEMENT, TEXT_CONTENT, AttributeSpec, FieldSpec, ValueKind, spec_of
from eport.errors import ConfigurationError, DecodeError, UnknownMessageError

logger = logging.getLogger(__name__)

M = TypeVar("M")

_DECIMAL = re.compile(r"[ \t\r\n]*[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)[ \t\r\n]*")
_INTEGER = re.compile(r"[ \t\r\n]*[+-]?[0-9]+[ \t\r\n]*")
_XSI = "{http://www.w3.org/2001/XMLSchema-instance}"
_XSI_NIL = _XSI + "nil"
#: XML Schema instance attributes accepted on any element and never reported: location hints carry no data,
#: ``xsi:type`` names a type and eport's models have no derived types to substitute, ``xsi:nil`` is read as
#: "no value". Any other attribute in the xsi namespace is unknown.
_XSI_ACCEPTED = frozenset(_XSI + n for n in ("schemaLocation", "noNamespaceSchemaLocation", "type", "nil"))
_WS = " \t\r\n"


@attrs.frozen
class Unparsed:
    """An element lenient decoding could not place in the model, kept verbatim.

    An unknown attribute is kept the same way: its path ends in ``/@name`` and ``xml`` is the attribute as written
    in XML, ``name="value"``.

    Attributes:
        path: where it was, e.g. ``/ceb:CEB214/ceb:RefundReturn[2]/ceb:appSenderId``.
        xml: the element's bytes (UTF-8, with the namespace declarations it needs), or ``name="value"``.
        after: where it stood among its siblings: the path of the element it followed, or its parent's path when
            it was the first child element; ``None`` when not recorded (attributes; the manifest decoder, whose
            paths carry no index). :func:`eport.edi.encode_lenient` puts it back there.
    """

    path: str
    xml: bytes
    after: str | None = None


@attrs.frozen
class Decoded(Generic[M]):
    """Result of :func:`decode_lenient`.

    Attributes:
        message: the decoded model (required fields may be ``None`` where ``problems`` say they are missing).
        problems: every structural problem found, each with its element path.
        unparsed: elements that could not be placed in the model, kept as raw XML.
    """

    message: M
    problems: tuple[Problem, ...] = ()
    unparsed: tuple[Unparsed, ...] = ()

    @property
    def ok(self) -> bool:
        """True when decoding found no problem (strict decoding would have succeeded)."""
        return not self.problems


# ------------------------------------------------------------------------------------------ plans
@attrs.frozen
class _Plan:
    cls: type[Any]
    by_tag: dict[str, tuple[int, FieldSpec]]
    namespace: str | None
    wildcard: tuple[int, FieldSpec] | None
    text: FieldSpec | None
    fields: tuple[FieldSpec, ...]
    attributes: tuple[AttributeSpec, ...]
    attribute_tags: frozenset[str]


def _clark(namespace: str | None, tag: str) -> str:
    return f"{{{namespace}}}{tag}" if namespace else tag


@functools.lru_cache(maxsize=1024)
def _plan(cls: type[Any]) -> _Plan:
    spec = spec_of(cls)
    by_tag: dict[str, tuple[int, FieldSpec]] = {}
    wildcard = None
    text = None
    for i, f in enumerate(spec.fields):
        if f.tag == ANY_ELEMENT:
            wildcard = (i, f)
            continue
        if f.tag == TEXT_CONTENT:
            text = f
            continue
        if f.kind is ValueKind.MODEL and f.model is not None:
            ns = f.namespace if f.namespace is not None else spec_of(f.model).namespace
        else:
            ns = f.namespace if f.namespace is not None else spec.namespace
        by_tag[_clark(ns, f.tag)] = (i, f)
    return _Plan(
        cls=cls,
        by_tag=by_tag,
        namespace=spec.namespace,
        wildcard=wildcard,
        text=text,
        fields=spec.fields,
        attributes=spec.attributes,
        attribute_tags=frozenset(a.tag for a in spec.attributes),
    )


def _line(el: etree._Element) -> int | None:
    line = el.sourceline
    return line if isinstance(line, int) else None


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


_raw = raw_element


class _State:
    """Per-call collector: strict mode raises, lenient mode records; ``source`` is the document's text, if any."""

    __slots__ = ("after", "problems", "source", "strict", "unparsed")

    def __init__(self, strict: bool, source: textread.Source | None = None) -> None:
        self.strict = strict
        self.source = source
        self.problems: list[Problem] = []
        self.unparsed: list[Unparsed] = []
        #: the path of the element the child being read follows (its parent's when it is the first), see keep()
        self.after: str | None = None

    def problem(self, path: str, code: str, message: str, el: etree._Element | None = None) -> None:
        line = _line(el) if el is not None else None
        if self.strict:
            raise DecodeError(message, path=path, line=line)
        where = f" (line {line})" if line else ""
        self.problems.append(Problem(path=path, code=code, message=message + where, severity=Severity.ERROR))

    def keep(self, path: str, el: etree._Element, *, placed: bool = True) -> None:
        """Keep ``el`` verbatim; ``placed``: it is the child being read, which follows :attr:`after`."""
        self.unparsed.append(Unparsed(path=path, xml=_raw(el), after=self.after if placed else None))


def _text(el: etree._Element, path: str, st: _State) -> str:
    if len(el) == 0:
        return el.text or ""
    parts = [el.text or ""]
    for child in el:
        if isinstance(child.tag, str):
            st.problem(path, "unexpected-content", f"{_local(child.tag)} is not allowed inside a simple value", child)
            st.keep(f"{path}/{clark_step(child.tag)}", child, placed=False)
        parts.append(child.tail or "")
    return "".join(parts)


def _read(el: etree._Element, cls: type[Any], path: str, st: _State) -> Any:
    plan = _plan(cast(Hashable, cls))
    kwargs: dict[str, Any] = {}
    attrib = el.attrib
    for a in plan.attributes:
        value = attrib.get(a.tag)
        if value is None and a.required:
            st.problem(f"{path}/@{a.tag}", "missing-attribute", f"required attribute {a.tag} is missing", el)
        kwargs[a.name] = value
    if attrib:
        _check_attributes(el, plan.attribute_tags, path, st)
    values: dict[str, Any] = {}
    counts: dict[str, int] = {}
    siblings = Counter(child.tag for child in el if isinstance(child.tag, str))
    seen: dict[str, int] = {}
    if plan.text is not None:
        values[plan.text.name] = _text_content(el, plan.text, path, st)
        counts[plan.text.name] = 1
    elif el.text is not None and el.text.strip(_WS):
        st.problem(path, "unexpected-text", f"text {el.text.strip(_WS)[:40]!r} is not allowed here", el)
    last = -1
    previous = path  # the path of the element the next child follows: the parent's for the first
    for child in el:
        tag = child.tag
        if not isinstance(tag, str):
            continue  # comments and processing instructions carry no data
        if child.tail is not None and child.tail.strip(_WS):
            st.problem(path, "unexpected-text", f"text {child.tail.strip(_WS)[:40]!r} is not allowed here", child)
        nth = seen.get(tag, 0) + 1
        seen[tag] = nth
        cpath = f"{path}/{clark_step(tag, nth if siblings[tag] > 1 else None)}"
        st.after, previous = previous, cpath
        entry = plan.by_tag.get(tag)
        if entry is None:
            entry = plan.wildcard
            if entry is None:
                st.problem(cpath, "unknown-element", f"unknown element {_local(tag)} in {_local(el.tag)}", child)
                st.keep(cpath, child)
                continue
        index, f = entry
        n = counts.get(f.name, 0) + 1
        counts[f.name] = n
        if index < last:
            st.problem(cpath, "element-order", f"{f.tag} is out of schema order in {_local(el.tag)}", child)
        else:
            last = index
        if f.max_occurs is not None and n > f.max_occurs:
            limit = "once" if f.max_occurs == 1 else f"{f.max_occurs} times"
            st.problem(cpath, "surplus-element", f"{f.tag} may occur at most {limit}", child)
            st.keep(cpath, child)
            continue
        if child.attrib and _is_nil(child, f, cpath, st):
            continue
        value = _value(child, f, cpath, st)
        if f.repeated:
            values.setdefault(f.name, []).append(value)
        else:
            values[f.name] = value
    for f in plan.fields:
        value = values.get(f.name)
        if f.repeated:
            items = tuple(v for v in value if v is not None) if value is not None else ()
            if len(items) < f.min_occurs and f.name not in counts:
                _missing(f, plan.namespace, path, el, st)
            kwargs[f.name] = items
        else:
            if f.name not in counts and f.min_occurs > 0:
                _missing(f, plan.namespace, path, el, st)
            kwargs[f.name] = value
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as exc:  # a model with validators refused the values
        raise DecodeError(f"cannot build {cls.__name__}: {exc}", path=path, line=_line(el)) from None


def _read_text(root: etree._Element, cls: type[Any], source: textread.Source) -> Any | None:
    """Decode with the compiled text readers; ``None`` when the document is not in their plain form."""
    try:
        return textread.read(root, cls, source)
    except (Bail, TypeError, ValueError) as exc:
        logger.debug("%s: text reader stopped (%s); using the tree", cls.__name__, type(exc).__name__)
        return None


def _read_fast(root: etree._Element, cls: type[Any], source: textread.Source | None = None) -> Any | None:
    """Decode with the compiled tree readers; ``None`` when the document needs the careful walker.

    ``source`` (the document's text) lets ``XML`` values be sliced from it, as the text readers keep them.
    """
    counter = new_counter(None if source is None else partial(textread.element_bytes, source=source))
    try:
        message = reader_for(cls)(root, counter)
    except (Bail, TypeError, ValueError) as exc:
        logger.debug("%s: fast reader stopped (%s); using the careful walker", cls.__name__, type(exc).__name__)
        return None
    if not consumed_everything(root, counter):
        logger.debug("%s: document holds nodes the fast reader did not consume", cls.__name__)
        return None
    return message


def _read_root(root: etree._Element, cls: type[Any], path: str, st: _State) -> Any:
    message = None if st.source is None else _read_text(root, cls, st.source)
    if message is None:
        message = _read_fast(root, cls, st.source)
    return message if message is not None else _read(root, cls, path, st)


def _text_content(el: etree._Element, f: FieldSpec, path: str, st: _State) -> Any:
    text = _text(el, path, st)
    if f.kind is ValueKind.STRING:
        return None if not text and f.min_occurs == 0 else text
    return _number(text, f, path, el, st)  # an empty number is reported, never read as "no value"


def _missing(f: FieldSpec, owner_ns: str | None, path: str, el: etree._Element, st: _State) -> None:
    doc = f" ({f.doc[:30]})" if f.doc else ""
    ns = f.namespace if f.namespace is not None else owner_ns
    if f.kind is ValueKind.MODEL and f.model is not None and f.namespace is None:
        ns = spec_of(f.model).namespace
    st.problem(f"{path}/{step(ns, f.tag)}", "missing-element", f"required element {f.tag}{doc} is missing", el)


def unknown_attributes(el: etree._Element, known: frozenset[str]) -> Iterator[tuple[str, str]]:
    """Yield ``(name, value)`` of each attribute of ``el`` that no decoder may drop silently.

    Those are the attributes neither in ``known`` nor accepted XML Schema instance attributes
    (``xsi:schemaLocation``, ``noNamespaceSchemaLocation``, ``type``, ``nil``); ``name`` is in Clark notation. The
    one attribute rule the generic and the manifest decoders share.
    """
    for key, raw in el.attrib.items():
        name = key.decode() if isinstance(key, bytes) else key
        if name not in known and name not in _XSI_ACCEPTED:
            yield name, raw.decode() if isinstance(raw, bytes) else raw


def _check_attributes(el: etree._Element, known: frozenset[str], path: str, st: _State) -> None:
    """Report every attribute of ``el`` that :func:`unknown_attributes` yields.

    Each one is kept in ``unparsed`` as ``name="value"`` under the path ``…/@name``.
    """
    for name, value in unknown_attributes(el, known):
        qname = etree.QName(name)
        written = qname.localname
        if qname.namespace is not None:
            prefix = next((p for p, uri in el.nsmap.items() if uri == qname.namespace and p), None)
            written = f"{prefix}:{written}" if prefix else name
        apath = f"{path}/@{written}"
        st.problem(apath, "unknown-attribute", f"unknown attribute {written} on {_local(el.tag)}", el)
        st.unparsed.append(Unparsed(path=apath, xml=f"{written}={quoteattr(value)}".encode()))


def _is_nil(child: etree._Element, f: FieldSpec, path: str, st: _State) -> bool:
    """Check the attributes of a child element; True when it is ``xsi:nil="true"`` (no value, like an absent one)."""
    if f.kind is not ValueKind.MODEL and f.kind is not ValueKind.XML:
        _check_attributes(child, frozenset(), path, st)  # a simple value has no attributes of its own
    nil = child.get(_XSI_NIL)
    if nil is None or nil.strip(_WS) not in ("true", "1"):
        return False
    if len(child) or (child.text or "").strip(_WS):
        st.problem(path, "bad-value", f"{f.tag} is xsi:nil but has content", child)
        st.keep(path, child)
    elif f.min_occurs > 0 and not f.repeated:
        st.problem(path, "missing-element", f"required element {f.tag} is xsi:nil (no value)", child)
    return True


def _value(child: etree._Element, f: FieldSpec, path: str, st: _State) -> Any:
    kind = f.kind
    if kind is ValueKind.STRING:
        return _text(child, path, st)
    if kind is ValueKind.MODEL:
        assert f.model is not None  # noqa: S101 - guaranteed by the spec's construction
        return _read(child, f.model, path, st)
    if kind is ValueKind.XML:
        return textread.element_bytes(child, st.source)
    return _number(_text(child, path, st), f, path, child, st)


def empty_value_message(tag: str, kind: ValueKind) -> str:
    """The message of an ``empty-value`` problem: a number element written without a value."""
    what = "a decimal" if kind is ValueKind.DECIMAL else "an integer"
    return f"{tag} is empty: the schema wants {what} here (leave the element out when there is no value)"


def _number(text: str, f: FieldSpec, path: str, el: etree._Element, st: _State) -> Any:
    if not text.strip(_WS):  # XML Schema has no empty xs:decimal or xs:int: not "no value", a problem
        st.problem(path, "empty-value", empty_value_message(f.tag, f.kind), el)
        if f.tag != TEXT_CONTENT:
            st.keep(path, el)
        return None
    if f.kind is ValueKind.DECIMAL:
        if _DECIMAL.fullmatch(text):
            return Decimal(text.strip())
        st.problem(path, "bad-value", f"{f.tag} {text[:40]!r} is not a decimal", el)
    else:
        if _INTEGER.fullmatch(text) and len(text) <= 1000:
            return int(text)
        st.problem(path, "bad-value", f"{f.tag} {text[:40]!r} is not an integer", el)
    if f.tag != TEXT_CONTENT:
        st.keep(path, el)
    return None


# ------------------------------------------------------------------------------------------ public API
def _root_class(
    root: etree._Element, model: type[Any] | None, edition: str | None, st: _State
) -> tuple[type[Any], str]:
    qname = etree.QName(root)
    namespace, local = qname.namespace, qname.localname
    root_path = "/" + step(namespace, local)
    if model is not None:
        spec = spec_of(model)
        if (spec.namespace, spec.tag) != (namespace, local):
            st.problem(root_path, "root-name", f"root element {local} is not {spec.tag}", root)
        return model, root_path
    cls = registry.lookup(namespace, local, edition=edition)
    if cls is not None:
        return cls, root_path
    if not st.strict:
        guess = registry.lookup(namespace, local + "Message", edition=edition)
        if guess is not None:
            st.problem(root_path, "root-name", f"root element {local} should be {local}Message", root)
            return guess, root_path
    where = f"{{{namespace}}}{local}" if namespace else local
    raise UnknownMessageError(f"unknown message root element {where}", path=root_path, line=_line(root))


def decode_element(element: etree._Element, model: type[M], *, strict: bool = True) -> Decoded[M]:
    """Decode an already parsed element (e.g. a message inside an envelope) as ``model``.

    Args:
        element: the element, from :func:`eport.edi.core.safexml.parse` or another safe parser.
        model: the model class the element stands for.
        strict: raise at the first problem (``True``) or collect problems (``False``).

    Returns:
        The decoded message with problems and unparsed elements (both empty in strict mode).

    Raises:
        DecodeError: in strict mode, naming the element path.
    """
    st = _State(strict)
    cls, path = _root_class(element, model, None, st)
    message = _read_root(element, cls, path, st)
    return Decoded(message, tuple(st.problems), tuple(st.unparsed))


@overload
def decode(data: bytes, *, model: type[M], edition: str | None = ..., max_size: int = ...) -> M: ...
@overload
def decode(data: bytes, *, model: None = ..., edition: str | None = ..., max_size: int = ...) -> Any: ...
def decode(
    data: bytes, *, model: type[Any] | None = None, edition: str | None = None, max_size: int = DEFAULT_MAX_SIZE
) -> Any:
    """Decode a message strictly.

    Args:
        data: the XML document.
        model: decode as this class instead of looking the root up in :mod:`eport.edi.core.registry`.
        edition: CEB edition for the lookup, ``"202205"`` (default) or ``"2018"``.
        max_size: the largest accepted document in bytes (default 50 MiB).

    Returns:
        The message model, e.g. a ``CEB621Message``.

    Raises:
        UnknownMessageError: the root element is not a known message.
        DecodeError: the bytes are unsafe, not well-formed, or do not follow the schema's structure; ``path`` and
            ``line`` say where.
    """
    message = decode_plain(data, model, edition, max_size)
    return message if message is not None else decode_tree(data, model, edition, max_size)


def decode_plain(data: bytes, model: type[Any] | None, edition: str | None, max_size: int) -> Any | None:
    """Decode a plain document from its text without lxml (:func:`eport.edi.core.textread.plain_of`).

    ``None`` when the document is not plain (which includes every document lxml refuses), its root is not a
    registered message (or not ``model``'s), the edition is unknown, or a reader stops: :func:`decode_tree` then
    decides, and reports any problem. A model returned is the one :func:`decode_tree` would return.
    """
    plain = textread.plain_of(data, max_size)
    if plain is None:
        return None
    try:
        cls = model if model is not None else registry.lookup(plain.namespace, plain.local, edition=edition)
    except ConfigurationError:  # an unknown edition: the lxml path raises it where it always did
        return None
    if cls is None:
        return None
    spec = spec_of(cls)
    if (spec.namespace, spec.tag) != (plain.namespace, plain.local):
        return None
    try:
        return textread.read_plain(plain, cls)
    except (Bail, TypeError, ValueError) as exc:
        logger.debug("%s: plain path stopped (%s); using lxml", cls.__name__, type(exc).__name__)
        return None


def decode_tree(data: bytes, model: type[Any] | None, edition: str | None, max_size: int) -> Any:
    """:func:`decode` without the plain path: through lxml (:func:`eport.edi.core.safexml.parse`), then the text
    or tree readers."""
    root = parse(data, max_size=max_size)
    st = _State(strict=True, source=textread.source_of(data))
    cls, path = _root_class(root, model, edition, st)
    return _read_root(root, cls, path, st)


@overload
def decode_lenient(data: bytes, *, model: type[M], edition: str | None = ..., max_size: int = ...) -> Decoded[M]: ...
@overload
def decode_lenient(
    data: bytes, *, model: None = ..., edition: str | None = ..., max_size: int = ...
) -> Decoded[Any]: ...
def decode_lenient(
    data: bytes, *, model: type[Any] | None = None, edition: str | None = None, max_size: int = DEFAULT_MAX_SIZE
) -> Decoded[Any]:
    """Decode a message, collecting structural problems instead of stopping at the first.

    A root named without its ``Message`` suffix (``ceb:CEB214`` in an official sample) is recognised and reported.

    Args:
        data: the XML document.
        model: decode as this class instead of looking the root up.
        edition: CEB edition for the lookup, ``"202205"`` (default) or ``"2018"``.
        max_size: the largest accepted document in bytes (default 50 MiB).

    Returns:
        A :class:`Decoded` with the message, the problems and the elements that could not be placed.

    Raises:
        UnknownMessageError: the root element is not a known message (not even with a ``Message`` suffix).
        DecodeError: the bytes are unsafe or not well-formed XML.
    """
    root = parse(data, max_size=max_size)
    return decode_lenient_parsed(root, model=model, edition=edition, source=data)


def decode_lenient_parsed(
    root: etree._Element,
    *,
    model: type[Any] | None = None,
    edition: str | None = None,
    source: bytes | None = None,
) -> Decoded[Any]:
    """:func:`decode_lenient` of a document already parsed by :func:`eport.edi.core.safexml.parse` (its root).

    Validation parses once and hands the same tree to the XSD check and to this decoder; the tree is not changed.
    ``source``, the bytes ``root`` was parsed from, lets the decoder read their text and keep ``XML`` values
    (``ds:Signature``) as slices of them, as :func:`decode_lenient` does; without it they are re-serialised.

    Raises:
        UnknownMessageError: the root element is not a known message (not even with a ``Message`` suffix).
    """
    st = _State(strict=False, source=None if source is None else textread.source_of(source))
    cls, path = _root_class(root, model, edition, st)
    message = _read_root(root, cls, path, st)
    return Decoded(message, tuple(st.problems), tuple(st.unparsed))


__all__ = [
    "Decoded",
    "Unparsed",
    "decode",
    "decode_element",
    "decode_lenient",
    "decode_lenient_parsed",
    "decode_plain",
    "decode_tree",
    "empty_value_message",
    "unknown_attributes",
]
