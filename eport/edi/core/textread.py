"""Compiled text readers: the decoder's first path, reading values from the document's text after lxml parsed it.

lxml still parses every document first (:func:`eport.edi.core.safexml.parse`: well-formedness, size limit, no DTD,
no entities), so this module never decides whether a document is acceptable XML; it only reads, faster than a
walk over lxml's tree, documents written in the plain form every CEB sender uses:

* UTF-8 (declared, or no declaration), XML 1.0, no comment, processing instruction or CDATA section from the root
  element on (:func:`source_of`);
* namespaces declared on the root only, one prefix per namespace the model uses; element tags written exactly
  ``<p:tag>``, ``</p:tag>``, ``<p:tag/>`` with nothing but whitespace between elements; no attribute below the
  root (the root's attributes are read from lxml's root element, and any unknown one sends the document down the
  tree path).

For each model class (and the prefixes of the document) one reader is generated from its spec: a regular
expression per run of simple fields, matched once per model instance, its groups converted like
:mod:`eport.edi.core.fastread` converts texts. At the first departure the reader raises
:class:`~eport.edi.core.fastread.Bail` and the decoder falls back to the tree readers, so this path never reports a
problem and yields models equal to the tree path's (``tests/edi/test_textread.py`` checks that on every sample and
on generated documents).

``XML`` fields (``ds:Signature``, wildcards) are kept as the bytes sliced from the input (:func:`slice_element`)
instead of a re-serialisation, plus the namespace declarations of the ancestors the slice uses and does not declare
itself, so the slice means the same element on its own (same exclusive canonical form). The tree readers call
:func:`element_bytes`, which slices the same way when the document has a :class:`Source`, and re-serialises only
when it has none (another encoding, a comment or CDATA in the body, an element decoded on its own).
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Callable, Hashable
from decimal import Decimal
from typing import Any, cast
from xml.sax.saxutils import quoteattr

import attrs
from lxml import etree

from eport.edi.core.fastread import Bail, raw_element
from eport.edi.core.spec import ANY_ELEMENT, TEXT_CONTENT, ValueKind, spec_of

_WS = "[ \t\n]*"
#: XML whitespace (``\s`` would take U+1680 too, a name character in XML, and other Unicode spaces).
_X = "[ \t\r\n]"
_NAME = r"[^ \t\r\n/>]+"
_ATTRIBUTES = rf"""(?:{_X}+[^ \t\r\n=/>]+{_X}*={_X}*(?:"[^"]*"|'[^']*'))*"""
#: One start tag: qualified name, attributes, and "/" when it is an empty-element tag.
_START = re.compile(rf"<({_NAME})({_ATTRIBUTES}){_X}*(/?)>").match
_DECLARATION = re.compile(rf"""{_X}+xmlns(?::([^ \t\r\n=]+))?{_X}*={_X}*(?:"([^"]*)"|'([^']*)')""")
_XML_DECL_ENCODING = re.compile(rb"""\sencoding\s*=\s*["']([^"']*)["']""")
_XML_DECL_VERSION = re.compile(rb"""\sversion\s*=\s*["']([^"']*)["']""")
#: Every start tag of a slice: its name and attribute text.
_TAGS = re.compile(rf"<([^ \t\r\n/>!?]+)({_ATTRIBUTES})")
#: The names of the attributes in a start tag's attribute text.
_ATTRIBUTE_NAMES = re.compile(rf"""([^ \t\r\n=/>]+){_X}*={_X}*(?:"[^"]*"|'[^']*')""")
#: A comment, CDATA section or processing instruction (or a declaration: refused by the parser).
_MARKUP = re.compile("<[!?]").search
_WHITESPACE = re.compile(r"[ \t\n]*").match
#: Every "&": a character reference (its code in hexadecimal or decimal), a predefined entity, or "&" alone.
_REFERENCE = re.compile(r"&(?:#x([0-9a-fA-F]{1,6});|#([0-9]{1,7});|(lt|gt|amp|quot|apos);)?")
_PREDEFINED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}
#: The lexical forms of ``xs:decimal`` and ``xs:integer`` the tree readers accept (line ends are normalised, so no
#: CR but from a character reference: that and any other form leaves the text path).
_DECIMAL_TEXT = r"[ \t\n]*[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)[ \t\n]*"
_INTEGER_TEXT = r"[ \t\n]*[+-]?[0-9]+[ \t\n]*"

#: A generated reader: (text, offset, namespaces in scope, the root element or its attributes) → (model, offset).
Reader = Callable[[str, int, dict[str | None, str], Any], tuple[Any, int]]


@attrs.frozen
class Source:
    """The text of a parsed document, for the text readers and for slicing ``XML`` values.

    Attributes:
        text: the document decoded from UTF-8, line ends normalised as an XML parser does (CR LF and CR → LF).
        start: offset of the root element's ``<`` in ``text``.
    """

    text: str
    start: int


def source_of(data: bytes) -> Source | None:
    """Return the :class:`Source` of a document lxml parsed, or ``None`` when it is not in the plain form.

    ``None`` for another encoding than UTF-8 or for XML 1.1; the readers then use the tree.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if data.startswith(b"<?xml"):
        end = data.find(b"?>")
        declaration = data[:end]
        encoding = _XML_DECL_ENCODING.search(declaration)
        if encoding is not None and encoding.group(1).lower() not in (b"utf-8", b"utf8"):
            return None
        version = _XML_DECL_VERSION.search(declaration)
        if version is not None and version.group(1) != b"1.0":
            return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    start = _root_start(text)
    return None if start < 0 else Source(text, start)


def _root_start(text: str) -> int:
    """Offset of the root element's ``<``, stepping over the prolog's declaration, PIs and comments (-1: none)."""
    find, position = text.find, 0
    while True:
        start = find("<", position)
        if start < 0:
            return -1
        if text.startswith("<?", start):
            end, step = find("?>", start + 2), 2
        elif text.startswith("<!--", start):
            end, step = find("-->", start + 4), 3
        elif text.startswith("<!", start):
            return -1
        else:
            return start
        if end < 0:
            return -1
        position = end + step


# ------------------------------------------------------------------------------------------ plain documents
#: The largest document read without lxml: far below libxml2's limits without ``huge_tree`` (10 MB in one text
#: node), far above CEB messages; larger documents take the lxml path.
PLAIN_MAX_SIZE = 4 * 1024 * 1024

_CONTROLS = bytes([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])
#: Bytes whose presence asks for a closer look: C0 controls (never allowed), "]" ("]]>"), 0xEF (the lead byte of
#: U+FFFE and U+FFFF).
_RARE = _CONTROLS + b"]\xef"
_COMMON = bytes(sorted(set(range(256)) - set(_RARE)))
_S = "[ \t\n]"  # XML whitespace once line ends are normalised
#: The prolog the plain path accepts: an optional XML 1.0 declaration (UTF-8 or no encoding), then whitespace.
_PLAIN_PROLOG = re.compile(
    rf"""(?:<\?xml{_S}+version{_S}*={_S}*(?:"1\.0"|'1\.0')"""
    rf"""(?:{_S}+encoding{_S}*={_S}*(?:"(?i:utf-8)"|'(?i:utf-8)'))?"""
    rf"""(?:{_S}+standalone{_S}*={_S}*(?:"(?:yes|no)"|'(?:yes|no)'))?{_S}*\?>)?{_S}*"""
).match
_NCNAME = r"[A-Za-z_][A-Za-z0-9._-]*"
#: The root's start tag: ASCII names, attribute values without "<", "&", tab or line end (no normalisation).
_ROOT_TAG = re.compile(
    rf"""<({_NCNAME})(?::({_NCNAME}))?((?:{_S}+{_NCNAME}(?::{_NCNAME})?{_S}*={_S}*"""
    rf"""(?:"[^<&"\t\n]*"|'[^<&'\t\n]*'))*){_S}*>"""
).match
_ROOT_ATTRIBUTE = re.compile(rf"""({_NCNAME})(?::({_NCNAME}))?{_S}*={_S}*(?:"([^"]*)"|'([^']*)')""")
_RESERVED_NAMESPACES = ("http://www.w3.org/XML/1998/namespace", "http://www.w3.org/2000/xmlns/")


class _Attributes(dict[str, str]):
    """The root's attributes read from the text, with the two members the root reader uses of an lxml element."""

    @property
    def attrib(self) -> dict[str, str]:
        return self


class _Proving(dict[str | None, str]):
    """The root's namespace declarations, marking a read without lxml: each ``XML`` slice is proved well-formed."""


@attrs.frozen
class Plain:
    """A document proved well-formed up to its root's content, read from its text without lxml.

    Attributes:
        source: the document's text.
        namespace: the root's namespace (``None``: none).
        local: the root's local name.
        declarations: the root's namespace declarations (prefix ``None``: the default namespace).
        attributes: the root's other attributes, all unprefixed.
        body: offset just past the root's start tag.
    """

    source: Source
    namespace: str | None
    local: str
    declarations: dict[str | None, str]
    attributes: _Attributes
    body: int


def plain_of(data: bytes, max_size: int) -> Plain | None:
    """Read the prolog and the root's start tag of ``data`` from its text; ``None`` when it is not plain.

    Plain: at most ``max_size`` and :data:`PLAIN_MAX_SIZE` bytes of UTF-8 (an optional BOM), an optional XML 1.0
    declaration naming UTF-8 or no encoding, whitespace, then the root's start tag with ASCII names, unprefixed
    attributes and namespace declarations, none twice, no "<", "&", tab or line end in their values; no C0 control
    but tab, CR and LF, no U+FFFE or U+FFFF, no "]]>" anywhere. Whatever :func:`read_plain` then matches is proved
    well-formed by its patterns, the references in its values by :func:`_unescape`, each ``XML`` slice by an lxml
    parse of its own.
    """
    if type(data) is not bytes or len(data) > max_size or len(data) > PLAIN_MAX_SIZE:
        return None
    rare = data.translate(None, _COMMON)
    if rare:
        if rare.translate(None, b"]\xef"):
            return None  # a control character
        if b"]" in rare and b"]]>" in data:
            return None
        if b"\xef" in rare and (b"\xef\xbf\xbe" in data or b"\xef\xbf\xbf" in data):
            return None
    try:
        text = data.decode("utf-8")  # refuses surrogates, overlong forms and cut sequences, as libxml2 does
    except UnicodeDecodeError:
        return None
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    start = _PLAIN_PROLOG(text).end()  # type: ignore[union-attr]  # always matches
    tag = _ROOT_TAG(text, start)
    if tag is None:
        return None
    first, second, attribute_text = tag.groups()
    prefix, local = (first, second) if second is not None else (None, first)
    declarations: dict[str | None, str] = {}
    attributes = _Attributes()
    for first, second, double, single in _ROOT_ATTRIBUTE.findall(attribute_text):
        name_prefix, name = (first, second) if second else ("", first)
        value = double or single
        if not name_prefix and name == "xmlns":
            key: str | None = None
        elif name_prefix == "xmlns":
            key = name
        elif name_prefix or name.lower().startswith("xml"):
            return None  # a prefixed attribute, or a reserved name: the lxml path decides
        else:
            if name in attributes:
                return None
            attributes[name] = value
            continue
        if key in declarations or key in ("xml", "xmlns") or not value or value in _RESERVED_NAMESPACES:
            return None
        declarations[key] = value
    if prefix is not None and prefix not in declarations:
        return None
    items = tuple(declarations.items())
    proved = _proved_declarations(items) if cacheable(items) else _proved_declarations.__wrapped__(items)
    if not proved:
        return None
    return Plain(Source(text, tag.start()), declarations.get(prefix), local, declarations, attributes, tag.end())


@functools.lru_cache(maxsize=256)
def _proved_declarations(declarations: tuple[tuple[str | None, str], ...]) -> bool:
    """True when lxml accepts these namespace declarations on an element: libxml2 refuses a namespace name it
    cannot parse as a URI (``a b``, ``1:x``, ``http://host:port``), so each set a document declares is parsed once
    on an empty element and the answer kept."""
    element = "<r" + "".join(f" xmlns{':' + p if p else ''}={quoteattr(uri)}" for p, uri in declarations) + "/>"
    try:
        _prove(element.encode("utf-8"))
    except Bail:
        return False
    return True


def read_plain(plain: Plain, cls: type[Any]) -> Any:
    """Read a plain document as ``cls`` (its root's class), proving the rest of it well-formed as it goes.

    Every character from the root's start tag to the end is matched by the generated patterns (values without
    "<", numbers in their lexical forms, whitespace between elements, the root's end tag, whitespace); every "&"
    of a value starts a predefined entity or a reference to a character XML 1.0 has (:func:`_unescape`, else
    :class:`Bail`); each ``XML`` value is a slice parsed by lxml on its own with the declarations it borrows.

    Raises:
        Bail: the document is not in the form the text readers read, or not well-formed; use the lxml path.
    """
    reader = _reader(cls, tuple(plain.declarations.items()))
    text = plain.source.text
    message, end = reader(text, plain.body, _Proving(plain.declarations), plain.attributes)
    if end != len(text):
        raise Bail
    return message


#: libxml2 refuses a document nested deeper than 256 elements (no ``huge_tree``): a slice is proved inside as many
#: elements as any ``XML`` field of a model has ancestors at most, so a slice too deep in place is too deep alone.
#: Stricter than in place for shallower fields: such a document is handed over, and lxml decides.
_MAX_XML_ANCESTORS = 16
_MAX_DEPTH = 256
_ANCESTORS_OPEN = b"<a>" * _MAX_XML_ANCESTORS
_ANCESTORS_CLOSE = b"</a>" * _MAX_XML_ANCESTORS

_parsers = threading.local()  # lxml parsers are not shared between threads


def _prove(piece: bytes) -> None:
    """Parse an ``XML`` slice on its own (no DTD, no entities, no network); :class:`Bail` when it is not
    well-formed."""
    parser = getattr(_parsers, "parser", None)
    if parser is None:
        parser = _parsers.parser = etree.XMLParser(
            resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, collect_ids=False
        )
    try:
        etree.fromstring(piece, parser)
    except etree.XMLSyntaxError:
        raise Bail from None


def _skip(text: str, position: int) -> int:
    """The offset of the first character at or after ``position`` that is not XML whitespace."""
    return _WHITESPACE(text, position).end()  # type: ignore[union-attr]  # always matches


def _unescape(text: str) -> str:
    """Replace the predefined entity and character references.

    Raises:
        Bail: an "&" that starts neither, or a reference to a character XML 1.0 does not have (a document lxml
            parsed has none; on the plain path this is where the references of the values are proved).
    """
    if "&#" in text:
        return _REFERENCE.sub(_reference, text)
    out = (text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'")).replace(
        "&amp;", "&"
    )  # last: "&amp;lt;" is "&lt;"
    count = text.count
    if count("&") != count("&amp;") + count("&lt;") + count("&gt;") + count("&quot;") + count("&apos;"):
        raise Bail  # each reference starts with the only "&" it holds: the counts do not overlap
    return out


def _reference(match: re.Match[str]) -> str:
    hexadecimal, decimal, name = match.groups()
    if name is not None:
        return _PREDEFINED[name]
    if hexadecimal is None and decimal is None:
        raise Bail  # a lone "&"
    code = int(hexadecimal, 16) if hexadecimal is not None else int(decimal)
    if not (0x20 <= code <= 0xD7FF or code in (0x9, 0xA, 0xD) or 0xE000 <= code <= 0xFFFD or 0xFFFF < code <= 0x10FFFF):
        raise Bail
    return chr(code)


#: The longest element name :func:`slice_element` slices (a pattern is compiled from it and kept).
_MAX_SLICED_NAME = 256


@functools.lru_cache(maxsize=256)
def _tag_pattern(qname: str) -> re.Pattern[str]:
    """Start (group 1 empty) or end tags (group 1 ``/``) of elements named ``qname``."""
    return re.compile(rf"<(/?){re.escape(qname)}(?=[ \t\r\n/>])")


def _element_end(text: str, start: int) -> tuple[int, str, str]:
    """End offset, qualified name and attribute text of the element whose start tag is at ``start``.

    Counts the start and end tags of the same name: no text or attribute value holds ``<``, so each ``<name`` is a
    tag unless a comment, CDATA section or PI holds it, and the caller refuses an element holding one (a comment
    that ends the count too early lies within the counted text).
    """
    tag = _START(text, start)
    if tag is None:
        raise Bail
    qname, attributes, empty = tag.groups()
    if len(qname) > _MAX_SLICED_NAME:
        raise Bail  # no pattern is compiled from an attacker's long name (the tree path re-serialises it)
    if empty:
        return tag.end(), qname, attributes
    pattern = _tag_pattern(qname)
    depth, position = 1, tag.end()
    while True:
        found = pattern.search(text, position)
        if found is None:
            raise Bail
        if found.group(1):
            close = text.find(">", found.end())
            if close < 0:
                raise Bail
            depth -= 1
            if depth == 0:
                return close + 1, qname, attributes
            position = close + 1
        else:
            inner = _START(text, found.start())
            if inner is None:
                raise Bail
            if not inner.group(3):
                depth += 1
            position = inner.end()


def _declared(attributes: str) -> dict[str | None, str]:
    """The namespace declarations in a start tag's attribute text (prefix ``None``: the default namespace)."""
    if "xmlns" not in attributes:
        return {}
    out: dict[str | None, str] = {}
    for prefix, double, single in _DECLARATION.findall(attributes):
        value = double if double or not single else single
        out[prefix or None] = _unescape(value) if "&" in value else value
    return out


def slice_element(text: str, start: int, inscope: dict[str | None, str]) -> tuple[bytes, int, str, str | None]:
    """Slice the element whose start tag is at ``start`` and make it stand on its own.

    Args:
        text: the document text (:attr:`Source.text`).
        start: offset of the element's ``<``.
        inscope: the namespaces in scope at the element's parent (``lxml``'s ``nsmap``).

    Returns:
        The element's UTF-8 bytes, with a declaration added to its start tag for each prefix (and the default
        namespace) the slice uses but does not declare on that tag, bound as in ``inscope``; the offset just past
        the element; its local name and namespace.

    Raises:
        Bail: the element cannot be delimited, or holds a comment, CDATA section or processing instruction (its
            slice would keep them; the tree readers re-serialise such an element).
    """
    end, qname, attributes = _element_end(text, start)
    piece = text[start:end]
    if _MARKUP(piece) is not None:
        raise Bail
    own = _declared(attributes)
    prefix, _, local = qname.rpartition(":")
    namespace = own.get(prefix or None, inscope.get(prefix or None)) or None
    extra, used = "", None
    for p in inscope if len(inscope) < 2 else sorted(inscope, key=lambda p: p or ""):
        if p in own or p == "xml" or not inscope[p] or (p is not None and p + ":" not in piece):
            continue  # declared on the element itself, or not used: "p:" appears nowhere
        if used is None:
            used = _prefixes(piece)
        if p in used:
            extra += f" xmlns:{p}={quoteattr(inscope[p])}" if p is not None else f" xmlns={quoteattr(inscope[p])}"
    if extra:
        cut = 1 + len(qname)
        piece = piece[:cut] + extra + piece[cut:]
    return piece.encode("utf-8"), end, local, namespace


def _prefixes(piece: str) -> set[str | None]:
    """The namespace prefixes the element names and attribute names in ``piece`` use (``None``: an unprefixed
    element, which takes the default namespace); ``xml`` and ``xmlns`` are left out."""
    used: set[str | None] = set()
    for name, attributes in _TAGS.findall(piece):
        prefix, colon, _ = name.partition(":")
        used.add(prefix if colon else None)
        if ":" in attributes:
            for attribute in _ATTRIBUTE_NAMES.findall(attributes):
                prefix, colon, _ = attribute.partition(":")
                if colon:
                    used.add(prefix)
    used.discard("xml")
    used.discard("xmlns")
    return used


def element_bytes(el: etree._Element, source: Source | None) -> bytes:
    """The value of an ``XML`` field read from the tree: the slice of ``el`` in ``source``, or its serialisation.

    The slice is the one :func:`slice_element` makes (what the text readers keep); without a source (another
    encoding, a comment or CDATA in the body, an element decoded on its own) the element is re-serialised with the
    namespace declarations it had in the source (:func:`eport.edi.core.fastread.raw_element`).
    """
    parent = el.getparent()
    if source is None or parent is None:
        return raw_element(el)
    qname = etree.QName(el)
    prefix = el.prefix
    name = f"{prefix}:{qname.localname}" if prefix else qname.localname
    if len(name) > _MAX_SLICED_NAME:
        return raw_element(el)
    index = 0
    for other in el.getroottree().getroot().iter("{*}" + qname.localname):
        if other is el:
            break
        if other.prefix == prefix:
            index += 1
    markup = _MARKUP(source.text, source.start)
    limit = len(source.text) if markup is None else markup.start()  # before it each "<name" is a tag
    for found in _tag_pattern(name).finditer(source.text, source.start, limit):
        if not found.group(1):
            if index == 0:
                try:
                    return slice_element(source.text, found.start(), dict(parent.nsmap))[0]
                except Bail:
                    break
            index -= 1
    return raw_element(el)


# ------------------------------------------------------------------------------------------ compiled readers
def read(root: etree._Element, cls: type[Any], source: Source) -> Any:
    """Read the document of ``source`` (parsed as ``root``) as ``cls``; raise :class:`Bail` when it is not plain.

    Raises:
        Bail: the document is not in the form the text readers read; use the tree readers.
    """
    inscope = root.nsmap
    reader = _reader(cls, tuple(inscope.items()))
    text = source.text
    tag = _START(text, source.start)
    if tag is None or tag.group(3):
        raise Bail
    message, _ = reader(text, _skip(text, tag.end()), inscope, root)
    return message


#: The longest set of root declarations (characters of prefixes and names) kept as a cache key: larger sets are
#: proved and matched again for each document, never kept (distinct megabyte names would fill the memory).
_CACHED_DECLARATIONS = 2048
#: How many sets of prefixes other than the models' own (``ceb``, or the default namespace) readers are compiled
#: for; later ones, and any prefix longer than :data:`MAX_PREFIX`, take the tree readers. Compiling costs ~13 ms
#: (seconds for long prefixes): an attacker rotating prefixes must not make each document pay it.
MAX_PREFIX_SETS = 32
MAX_PREFIX = 32
_admitted: set[tuple[tuple[str | None, str | None], ...]] = set()


def cacheable(declarations: tuple[tuple[str | None, str], ...]) -> bool:
    """True when ``declarations`` are small enough to be a cache key."""
    return sum(len(uri) + len(prefix or "") for prefix, uri in declarations) <= _CACHED_DECLARATIONS


def _reader(cls: type[Any], declarations: tuple[tuple[str | None, str], ...]) -> Reader:
    """The root reader of ``cls`` for a root declaring ``declarations`` (cached when they are small).

    Raises:
        Bail: see :func:`_cached_reader`.
    """
    if cacheable(declarations):
        return _cached_reader(cast(Hashable, cls), declarations)
    return _cached_reader.__wrapped__(cls, declarations)


@functools.lru_cache(maxsize=1024)
def _cached_reader(cls: type[Any], declarations: tuple[tuple[str | None, str], ...]) -> Reader:
    """The root reader of ``cls`` for a root declaring ``declarations`` (its ``nsmap`` items).

    Raises:
        Bail: a namespace the model uses has no prefix, or more than one, or no namespace is wanted where the
            default namespace is declared.
    """
    prefixes = []
    for namespace in _namespaces(cast(Hashable, cls)):
        bound = [p for p, uri in declarations if uri == namespace]
        if namespace is None:
            if any(p is None for p, _ in declarations):
                raise Bail
            bound = [None]
        if len(bound) != 1 or len(bound[0] or "") > MAX_PREFIX:
            raise Bail
        prefixes.append((namespace, bound[0]))
    key = tuple(prefixes)
    if key not in _admitted and not _usual(cls, key):
        if len(_admitted) >= MAX_PREFIX_SETS:
            raise Bail
        _admitted.add(key)
    return _compile(cast(Hashable, cls), key, None)


@functools.lru_cache(maxsize=256)
def _usual_prefixes(cls: type[Any]) -> dict[str | None, set[str | None]]:
    """The prefixes the models read by ``cls`` write for each namespace, and ``None`` (the default namespace)."""
    found: dict[str | None, set[str | None]] = {}

    def visit(model: type[Any], seen: set[type[Any]]) -> None:
        spec = spec_of(model)
        found.setdefault(spec.namespace, {None}).add(spec.prefix)
        seen.add(model)
        for f in spec.fields:
            if f.kind is ValueKind.MODEL and f.model is not None and f.model not in seen:
                visit(f.model, seen)

    visit(cls, set())
    return found


def _usual(cls: type[Any], prefixes: tuple[tuple[str | None, str | None], ...]) -> bool:
    """True when each namespace of ``prefixes`` has a prefix the models write (always compiled: few sets)."""
    usual = _usual_prefixes(cast(Hashable, cls))
    return all(prefix in usual.get(namespace, ()) for namespace, prefix in prefixes)


@functools.lru_cache(maxsize=256)
def _namespaces(cls: type[Any]) -> tuple[str | None, ...]:
    """Namespaces of the elements the readers of ``cls`` match by tag (models and simple fields, not XML fields)."""
    found: dict[str | None, None] = {}

    def visit(model: type[Any], seen: set[type[Any]]) -> None:
        spec = spec_of(model)
        found[spec.namespace] = None
        seen.add(model)
        for f in spec.fields:
            if f.kind is ValueKind.MODEL and f.model is not None:
                if f.namespace is not None:
                    found[f.namespace] = None
                if f.model not in seen:
                    visit(f.model, seen)
            elif f.kind is not ValueKind.XML and f.tag not in (TEXT_CONTENT, ANY_ELEMENT):
                found[f.namespace if f.namespace is not None else spec.namespace] = None

    visit(cls, set())
    return tuple(found)


def _qname(prefixes: dict[str | None, str | None], namespace: str | None, tag: str) -> str:
    prefix = prefixes[namespace]
    return f"{prefix}:{tag}" if prefix else tag


def _unsupported(*_: Any) -> tuple[Any, int]:
    raise Bail


@functools.lru_cache(maxsize=1024)
def _compile(cls: type[Any], prefixes: tuple[tuple[str | None, str | None], ...], close: str | None) -> Reader:
    """Generate the reader of ``cls`` for a document whose namespaces have ``prefixes``.

    ``close`` is the end tag of the element the model is read from (its field's tag), ``None`` for the root.

    The reader is called with the offset just past the element's start tag (and the whitespace after it) and
    returns the model and the offset past its end tag and the whitespace after it. Readers of nested models get
    no element (``None``); the root's reader reads its attributes from the lxml element.
    """
    spec = spec_of(cls)
    names = dict(prefixes)
    root = close is None
    if close is None:
        close = "</" + _qname(names, spec.namespace, spec.tag) + ">"
    if (spec.attributes and not root) or any(f.tag == TEXT_CONTENT for f in spec.fields):
        return _unsupported
    env: dict[str, Any] = {
        "_Bail": Bail,
        "_Decimal": Decimal,
        "_unesc_all": _unescape_all,
        "_xml": _take_xml,
        "_skip": _skip,
        "_K": cls,
    }
    src = ["def read(s, pos, ins, el):", "    if not s.startswith('<', pos): pos = _skip(s, pos)"]
    kwargs: list[str] = []
    if root:
        for a in spec.attributes:
            src.append(f"    a_{a.name} = el.get({a.tag!r})")
            if a.required:
                src.append(f"    if a_{a.name} is None: raise _Bail")
            kwargs.append(f"{a.name}=a_{a.name}")
        present = " + ".join(f"(a_{a.name} is not None)" for a in spec.attributes) or "0"
        src.append(f"    if len(el.attrib) != {present}: raise _Bail")
    run: list[tuple[int, Any]] = []
    counter = [0]

    def flush(final: bool) -> None:
        """Emit one regular expression for the pending run of simple fields (and the end tag when final)."""
        if not run and not final:
            return
        n = counter[0]
        counter[0] += 1
        pattern, group, strings = [], 0, []
        for i, f in run:
            q = _qname(names, f.namespace if f.namespace is not None else spec.namespace, f.tag)
            o, c, e = re.escape(f"<{q}>"), re.escape(f"</{q}>"), re.escape(f"<{q}/>")
            g = f"a{n}_{group}"
            if f.kind is ValueKind.STRING:
                strings.append(group)
                if f.min_occurs > 0:
                    pattern.append(f"(?:{o}([^<]*){c}|{e}){_WS}")
                    values[i] = f"{g} or ''"
                    group += 1
                else:  # the empty group marks an empty-element tag: '' where an absent element leaves None
                    pattern.append(f"(?:{o}([^<]*){c}{_WS}|{e}(){_WS})?")
                    values[i] = f"{g} if {g} is not None else a{n}_{group + 1}"
                    group += 2
                continue
            number = _DECIMAL_TEXT if f.kind is ValueKind.DECIMAL else _INTEGER_TEXT
            make = "_Decimal" if f.kind is ValueKind.DECIMAL else "int"
            if f.min_occurs > 0:
                pattern.append(f"{o}({number}){c}{_WS}")
                values[i] = f"{make}({g})"
            else:
                pattern.append(f"(?:{o}({number}){c}{_WS})?")
                values[i] = f"None if {g} is None else {make}({g})"
            group += 1
        if final:
            pattern.append(re.escape(close) + _WS)
        # Compact documents first (no whitespace between elements: a third faster), then indented ones.
        whole = "".join(pattern)
        env[f"_m{n}"] = re.compile(whole.replace(_WS, "") + _WS).match  # ends where the next element starts
        env[f"_w{n}"] = re.compile(whole).match
        src.append(f"    m = _m{n}(s, pos) or _w{n}(s, pos)")
        src.append("    if m is None: raise _Bail")
        if group:
            src.append(f"    g{n} = m.groups()")
            if strings:
                env[f"_s{n}"] = tuple(strings)
                src.append(f"    if s.find('&', pos, m.end()) >= 0: g{n} = _unesc_all(g{n}, _s{n})")
            src.append(f"    {', '.join(f'a{n}_{k}' for k in range(group))}, = g{n}")  # locals: faster than g[k]
        src.append("    pos = m.end()")
        run.clear()

    values: dict[int, str] = {}
    for i, f in enumerate(spec.fields):
        kwargs.append(f"{f.name}=v{i}")
        simple = f.kind in (ValueKind.STRING, ValueKind.DECIMAL, ValueKind.INTEGER)
        if simple and f.tag != ANY_ELEMENT:
            if f.repeated:
                return _unsupported
            run.append((i, f))
            continue
        flush(False)
        if f.kind is ValueKind.XML:
            if f.tag == ANY_ELEMENT:
                expected = None
            else:
                ns = f.namespace if f.namespace is not None else spec.namespace
                expected = (ns, f.tag)
            env[f"_x{i}"] = expected
            take = f"_xml(s, pos, ins, _x{i})"
        elif f.kind is ValueKind.MODEL and f.model is not None:
            ns = f.namespace if f.namespace is not None else spec_of(f.model).namespace
            if ns not in names:
                return _unsupported
            env[f"_o{i}"] = "<" + _qname(names, ns, f.tag) + ">"
            env[f"_e{i}"] = "<" + _qname(names, ns, f.tag) + "/>"  # an empty-element tag: read as "<q></q>"
            env[f"_c{i}"] = "</" + _qname(names, ns, f.tag) + ">"
            env[f"_r{i}"] = _compile(cast(Hashable, f.model), prefixes, env[f"_c{i}"])
            take = None
        else:
            return _unsupported
        if f.repeated:
            src.append(f"    v{i} = []")
            if take is None:
                src.append("    while True:")
                src.append(f"        if s.startswith(_o{i}, pos):")
                src.append(f"            x, pos = _r{i}(s, pos + {len(env[f'_o{i}'])}, ins, None)")
                src.append(f"        elif s.startswith(_e{i}, pos):")
                src.append(f"            x = _r{i}(_c{i}, 0, ins, None)[0]")
                src.append(f"            pos = _skip(s, pos + {len(env[f'_e{i}'])})")
                src.append("        else: break")
                src.append(f"        v{i}.append(x)")
            else:
                src.append("    while True:")
                src.append(f"        x, pos = {take}")
                src.append("        if x is None: break")
                src.append(f"        v{i}.append(x)")
            src.append(f"    v{i} = tuple(v{i})")
            if f.max_occurs is not None:
                src.append(f"    if len(v{i}) > {f.max_occurs}: raise _Bail")
            if f.min_occurs > 0:
                src.append(f"    if len(v{i}) < {f.min_occurs}: raise _Bail")
        else:
            if take is None:
                src.append(f"    if s.startswith(_o{i}, pos):")
                src.append(f"        v{i}, pos = _r{i}(s, pos + {len(env[f'_o{i}'])}, ins, None)")
                src.append(f"    elif s.startswith(_e{i}, pos):")
                src.append(f"        v{i} = _r{i}(_c{i}, 0, ins, None)[0]")
                src.append(f"        pos = _skip(s, pos + {len(env[f'_e{i}'])})")
                src.append("    else:")
                src.append("        raise _Bail" if f.min_occurs > 0 else f"        v{i} = None")
            else:
                src.append(f"    v{i}, pos = {take}")
                if f.min_occurs > 0:
                    src.append(f"    if v{i} is None: raise _Bail")
    flush(True)
    arguments = kwargs[: len(spec.attributes)] + [
        f"{f.name}={values.get(i, f'v{i}')}" for i, f in enumerate(spec.fields)
    ]
    setters = _slot_setters(cls, [a.split("=", 1)[0] for a in arguments])
    if setters is None:
        src.append(f"    return _K({', '.join(arguments)}), pos")
    else:  # the values are already typed and the class checks nothing: set its slots directly
        src.append("    o = _new(_K)")
        for j, argument in enumerate(arguments):
            env[f"_d{j}"] = setters[j]
            src.append(f"    _d{j}(o, {argument.split('=', 1)[1]})")
        src.append("    return o, pos")
        env["_new"] = object.__new__
    code = "\n".join(src)
    exec(compile(code, f"<eport text reader {cls.__qualname__}>", "exec"), env)  # noqa: S102 - source built from specs
    reader: Reader = env["read"]
    return reader


def _slot_setters(cls: type[Any], names: list[str]) -> list[Callable[[Any, Any], None]] | None:
    """The slot setters of ``names`` when an instance of ``cls`` may be built without its ``__init__``.

    That is when ``cls`` is a slotted attrs class whose generated ``__init__`` only stores its arguments: no
    validator, no converter, no pre/post-init hook, no hidden slot (a cached hash), and ``names`` are exactly its
    fields. ``None`` otherwise (the reader then calls the class).
    """
    if not attrs.has(cls) or "__slots__" not in cls.__dict__:
        return None
    fields = attrs.fields(cls)
    if sorted(f.name for f in fields) != sorted(names):
        return None
    if any(f.validator is not None or f.converter is not None or not f.init for f in fields):
        return None
    if hasattr(cls, "__attrs_post_init__") or hasattr(cls, "__attrs_pre_init__"):
        return None
    init = cls.__dict__.get("__init__")
    if init is None or not getattr(getattr(init, "__code__", None), "co_filename", "").startswith("<attrs generated"):
        return None
    slots: set[str] = set()
    for klass in cls.__mro__:
        slots.update(klass.__dict__.get("__slots__", ()))
    if slots - set(names) - {"__weakref__"}:
        return None
    return [cls.__dict__[name].__set__ for name in names]


def _unescape_all(groups: tuple[str | None, ...], strings: tuple[int, ...]) -> list[str | None]:
    """The groups of a match with the references in the ``strings`` groups replaced (numbers never hold one)."""
    out = list(groups)
    for i in strings:
        value = out[i]
        if value and "&" in value:
            out[i] = _unescape(value)
    return out


def _take_xml(
    text: str, position: int, inscope: dict[str | None, str], expected: tuple[str | None, str] | None
) -> tuple[bytes | None, int]:
    """The ``XML`` value at ``position`` when an element (named ``expected``, if given) starts there."""
    if not text.startswith("<", position) or text.startswith("</", position):
        return None, position
    value, end, local, namespace = slice_element(text, position, inscope)
    if expected is not None and (namespace, local) != expected:
        return None, position
    if type(inscope) is _Proving:
        # its depth is at most its number of tags: a slice with fewer cannot reach libxml2's limit in place
        deep = value.count(b"<") + _MAX_XML_ANCESTORS >= _MAX_DEPTH
        _prove(_ANCESTORS_OPEN + value + _ANCESTORS_CLOSE if deep else value)
    return value, _skip(text, end)


__all__ = [
    "PLAIN_MAX_SIZE",
    "Plain",
    "Source",
    "element_bytes",
    "plain_of",
    "read",
    "read_plain",
    "slice_element",
    "source_of",
]
