"""Encoder and decoder of manifest messages.

Spec-driven like :mod:`eport.edi.core.encoding` and :mod:`eport.edi.core.decoding`, plus the two things manifests
need and the generic engine lacks: the namespace follows ``Head/MessageType`` (every element is in
``urn:Declaration:datamodel:standard:CN:<type>:1``), and elements with text and attributes
(``<GrossMassMeasure unitCode="KGM">233</GrossMassMeasure>``, fields tagged :data:`~eport.edi.manifest.models.TEXT`).
Decoding is safe (no DTD, no entities, no network, a size limit) and strict by default; lenient decoding collects
problems and keeps unknown elements aside.
"""

from __future__ import annotations

import functools
import logging
from decimal import Decimal, InvalidOperation
from typing import Any
from xml.sax.saxutils import quoteattr

import attrs
from lxml import etree

from eport.edi.core import safexml as _xml
from eport.edi.core.decoding import _XSI_NIL, Decoded, Unparsed, empty_value_message, unknown_attributes
from eport.edi.core.encoding import escape_attribute, format_decimal, writer_in_namespace
from eport.edi.core.report import Problem
from eport.edi.core.spec import AttributeSpec, FieldSpec, ValueKind, spec_of
from eport.edi.manifest.message import Manifest, is_road, message_type_of_namespace, namespace_for
from eport.edi.manifest.models import TEXT, Declaration
from eport.edi.manifest.road import RoadDeclaration
from eport.errors import DecodeError, EncodeError, UnknownMessageError

logger = logging.getLogger(__name__)

#: The XML declaration every encoded manifest starts with (the same as the other families write).
_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'


def _format(value: Any, f: FieldSpec, path: str) -> str:
    if f.kind is ValueKind.DECIMAL:
        if not isinstance(value, Decimal):
            raise EncodeError(f"{f.tag} must be a Decimal, got {type(value).__name__}", path=path)
        if not value.is_finite():
            raise EncodeError(f"{f.tag} is not a finite number", path=path)
        return format_decimal(value)
    if not isinstance(value, str):
        raise EncodeError(f"{f.tag} must be a str, got {type(value).__name__}", path=path)
    return value


def _set_text(el: etree._Element, text: str, path: str) -> None:
    try:
        el.text = text
    except ValueError:
        raise EncodeError("text holds characters XML does not allow", path=path) from None


def _write(parent: etree._Element, obj: Any, ns: str, path: str) -> None:
    spec = spec_of(obj)
    for a in spec.attributes:
        value = getattr(obj, a.name)
        if value is not None:
            try:
                parent.set(a.tag, str(value))
            except ValueError:
                raise EncodeError(f"attribute {a.tag} holds characters XML does not allow", path=path) from None
    for f in spec.fields:
        value = getattr(obj, f.name)
        if value is None:
            if f.required:
                raise EncodeError(f"required element {f.tag} is missing", path=path)
            continue
        if f.tag == TEXT:
            _set_text(parent, _format(value, f, path), path)
            continue
        items = value if f.repeated else (value,)
        for i, item in enumerate(items, 1):
            step = f"{path}/{f.tag}" + (f"[{i}]" if f.repeated and len(items) > 1 else "")
            child = etree.SubElement(parent, f"{{{ns}}}{f.tag}")
            if f.kind is ValueKind.MODEL:
                _write(child, item, ns, step)
            else:
                _set_text(child, _format(item, f, step), step)


_MANIFEST_BLOCKS = spec_of(Manifest).fields  # Head, Declaration (sea/air or road), Response


def encode_manifest(manifest: Manifest) -> bytes:
    """Encode a manifest as UTF-8 XML in the namespace of its message type.

    Raises:
        EncodeError: no valid ``Head/MessageType``, a missing required element, or a bad value.
    """
    if manifest.head is None:
        raise EncodeError("required element Head is missing", path="/Manifest")
    message_type = manifest.head.message_type or ""
    try:
        ns = namespace_for(message_type)
    except ValueError as exc:
        raise EncodeError(str(exc), path="/Manifest/Head/MessageType") from None
    parts: list[str] = [f'<Manifest xmlns="{escape_attribute(ns)}">']
    try:  # the compiled writers (as for CEB and declarations); Declaration may be sea/air or road, so per class
        for f in _MANIFEST_BLOCKS:
            block = getattr(manifest, f.name)
            if block is not None:
                writer_in_namespace(type(block), ns, tag=f.tag, nested=True)(block, parts.append)
    except Exception:  # a wrong type or value somewhere: the careful writer below names it
        parts = []
    if not parts:
        root = etree.Element(f"{{{ns}}}Manifest", nsmap={None: ns})  # type: ignore[dict-item]
        _write(root, manifest, ns, "/Manifest")  # raises EncodeError with the path
        return _DECLARATION + etree.tostring(root, encoding="UTF-8")
    parts.append("</Manifest>")
    return _DECLARATION + "".join(parts).encode("utf-8")


@attrs.define
class _State:
    strict: bool
    ns: str
    problems: list[Problem] = attrs.Factory(list)
    unparsed: list[Unparsed] = attrs.Factory(list)

    @property
    def prefix(self) -> str:
        """``{namespace}``, the start of every element tag that belongs to the message."""
        return "{" + self.ns + "}"

    def problem(self, path: str, code: str, message: str, el: etree._Element) -> None:
        line = _line(el)
        if self.strict:
            raise DecodeError(message, path=path, line=line)
        self.problems.append(Problem(path, code, message + (f" (line {line})" if line else "")))


def _line(el: etree._Element) -> int | None:
    line = el.sourceline
    return line if isinstance(line, int) else None


def _local(el: etree._Element) -> tuple[str | None, str]:
    q = etree.QName(el)
    return q.namespace, q.localname


def _simple(text: str, f: FieldSpec, path: str, el: etree._Element, st: _State) -> Any:
    if f.kind is ValueKind.DECIMAL:
        if not text.strip():  # no empty decimal: reported and kept, never read as "no value"
            st.problem(path, "empty-value", empty_value_message(f.tag, f.kind), el)
            if f.tag != TEXT:  # a measure's own text: the block itself is kept and written back empty
                st.unparsed.append(Unparsed(path, etree.tostring(el, with_tail=False)))
            return None
        try:
            value = Decimal(text.strip())
        except InvalidOperation:
            st.problem(path, "bad-value", f"{f.tag} {text[:40]!r} is not a decimal", el)
            return None
        if not value.is_finite():
            st.problem(path, "bad-value", f"{f.tag} {text[:40]!r} is not a finite decimal", el)
            return None
        return value
    return text


def _text_of(el: etree._Element) -> str:
    """The element's own text, comments and processing instructions skipped (``1<!-- x -->2`` → ``12``)."""
    if not len(el):
        return el.text or ""
    return (el.text or "") + "".join(c.tail or "" for c in el if not isinstance(c.tag, str))


@attrs.frozen
class _Plan:
    """What reading one model class needs, worked out once per class."""

    attributes: tuple[AttributeSpec, ...]
    attribute_tags: frozenset[str]
    text_field: FieldSpec | None
    by_tag: dict[str, tuple[int, FieldSpec]]
    fields: tuple[FieldSpec, ...]  # the element fields, without the text field


@functools.cache
def _plan(cls: type[Any]) -> _Plan:
    spec = spec_of(cls)
    elements = tuple(f for f in spec.fields if f.tag != TEXT)
    return _Plan(
        attributes=spec.attributes,
        attribute_tags=frozenset(a.tag for a in spec.attributes),
        text_field=next((f for f in spec.fields if f.tag == TEXT), None),
        by_tag={f.tag: (i, f) for i, f in enumerate(spec.fields) if f.tag != TEXT},
        fields=elements,
    )


def _keep_surplus(
    el: etree._Element, children: list[etree._Element], path: str, known: frozenset[str], st: _State
) -> None:
    """Report unknown attributes and text between child elements; keep the attributes verbatim in ``unparsed``."""
    if el.attrib:
        for name, value in unknown_attributes(el, known):  # the same rules (xsi included) as the generic decoder
            local = etree.QName(name).localname
            where = etree.QName(el).localname
            st.problem(f"{path}/@{local}", "unknown-attribute", f"unknown attribute {name} on {where}", el)
            st.unparsed.append(Unparsed(f"{path}/@{local}", f"{local}={quoteattr(value)}".encode()))
    for child in children:
        tail = child.tail
        if tail and isinstance(child.tag, str) and tail.strip():
            st.problem(path, "unexpected-text", f"text {tail.strip()[:40]!r} is not allowed here", child)


def _read_value(child: etree._Element, f: FieldSpec, cpath: str, tag: str, st: _State) -> Any:
    """A simple value element: its text, after reporting any element, attribute or stray text inside it.

    ``xsi:nil="true"`` on an empty element means no value (``None``), as in the generic decoder.
    """
    nil = child.get(_XSI_NIL)
    if nil is not None and nil.strip() in ("true", "1"):
        _keep_surplus(child, [], cpath, frozenset(), st)
        if len(child) or _text_of(child).strip():
            st.problem(cpath, "bad-value", f"{tag} is xsi:nil but has content", child)
            st.unparsed.append(Unparsed(cpath, etree.tostring(child, with_tail=False)))
        return None  # manifest value elements are all optional in the schema; the rules check what is needed
    inner_nodes = list(child)
    for inner in inner_nodes:
        if isinstance(inner.tag, str):  # an element inside a value: never drop it silently
            ipath = f"{cpath}/{etree.QName(inner).localname}"
            st.problem(ipath, "unknown-element", f"element {inner.tag} inside the value of {tag}", inner)
            st.unparsed.append(Unparsed(ipath, etree.tostring(inner, with_tail=False)))
    _keep_surplus(child, inner_nodes, cpath, frozenset(), st)
    return _simple(_text_of(child), f, cpath, child, st)


def _read(el: etree._Element, cls: type[Any], path: str, st: _State) -> Any:
    plan = _plan(cls)  # type: ignore[arg-type]  # classes are hashable; mypy thinks type[Any] is not
    kwargs: dict[str, Any] = {a.name: el.get(a.tag) for a in plan.attributes}
    children = list(el)
    _keep_surplus(el, children, path, plan.attribute_tags, st)
    text_field = plan.text_field
    if text_field is not None:  # the element's own text, kept as written (numbers: around their whitespace)
        raw = _text_of(el)
        if text_field.kind is not ValueKind.STRING:
            kwargs[text_field.name] = _simple(raw.strip(), text_field, path, el, st)
        else:
            kwargs[text_field.name] = raw or None
    elif el.text and el.text.strip():
        st.problem(path, "unexpected-text", f"text {el.text.strip()[:40]!r} is not allowed here", el)
    prefix = st.prefix
    cut = len(prefix)
    by_tag = plan.by_tag
    values: dict[str, list[Any]] = {}
    last = -1
    for child in children:
        qname = child.tag
        if not isinstance(qname, str):
            continue
        entry = by_tag.get(qname[cut:]) if qname.startswith(prefix) else None
        if entry is None:
            ns, tag = _local(child)
            cpath = f"{path}/{tag}"
            st.problem(cpath, "unknown-element", f"unknown element {{{ns}}}{tag} in {etree.QName(el).localname}", child)
            st.unparsed.append(Unparsed(cpath, etree.tostring(child)))
            continue
        index, f = entry
        tag = f.tag
        cpath = f"{path}/{tag}"
        if index < last:
            st.problem(cpath, "element-order", f"{tag} is out of order in {etree.QName(el).localname}", child)
        last = max(last, index)
        if f.kind is ValueKind.MODEL:
            model = f.model
            if cls is Manifest and f.name == "declaration":
                model = st_declaration_class(st)
            assert model is not None  # noqa: S101 - MODEL fields have a model
            value = _read(child, model, cpath, st)
        elif not len(child) and not child.attrib:  # the common case: a plain value element
            value = _simple(child.text or "", f, cpath, child, st)
        else:
            value = _read_value(child, f, cpath, tag, st)
        found = values.get(f.name)
        if found is None:
            values[f.name] = [value]
        else:
            found.append(value)
    for f in plan.fields:
        found = values.get(f.name, [])
        if f.repeated:
            kwargs[f.name] = tuple(v for v in found if v is not None)
        else:
            if len(found) > 1:
                st.problem(f"{path}/{f.tag}", "surplus-element", f"{f.tag} may occur at most once", el)
            kwargs[f.name] = found[0] if found else None
            if not found and f.required:
                st.problem(f"{path}/{f.tag}", "missing-element", f"required element {f.tag} is missing", el)
    try:
        return cls(**kwargs)
    except TypeError as exc:
        raise DecodeError(f"cannot build {cls.__name__}: {exc}", path=path) from None


def st_declaration_class(st: _State) -> type[Any]:
    """The body class for the message type of the namespace being read."""
    return RoadDeclaration if is_road(message_type_of_namespace(st.ns)) else Declaration


def _decode(data: bytes, strict: bool, max_size: int) -> Decoded[Manifest]:
    root = _xml.parse(data, max_size=max_size)
    ns, tag = _local(root)
    message_type = message_type_of_namespace(ns)
    if tag != "Manifest" or message_type is None:
        raise UnknownMessageError(f"not a manifest: root {{{ns}}}{tag}", path=f"/{tag}", line=_line(root))
    st = _State(strict=strict, ns=ns or "")
    manifest = _read(root, Manifest, "/Manifest", st)
    if manifest.head is None:
        raise DecodeError("manifest without Head", path="/Manifest/Head")
    if manifest.head.message_type not in (None, message_type):
        st.problem(
            "/Manifest/Head/MessageType",
            "message-type",
            f"MessageType {manifest.head.message_type} does not match the namespace's {message_type}",
            root,
        )
    return Decoded(manifest, tuple(st.problems), tuple(st.unparsed))


def decode_manifest(data: bytes, *, max_size: int = _xml.DEFAULT_MAX_SIZE) -> Manifest:
    """Decode a manifest strictly: unknown or misplaced elements and bad values raise.

    Raises:
        UnknownMessageError: the root is not a ``Manifest`` in a manifest namespace.
        DecodeError: not well-formed, unsafe, or not matching the models.
    """
    return _decode(data, True, max_size).message


def decode_manifest_lenient(data: bytes, *, max_size: int = _xml.DEFAULT_MAX_SIZE) -> Decoded[Manifest]:
    """Decode a manifest, collecting problems and keeping unknown elements in ``unparsed``.

    Raises:
        UnknownMessageError: the root is not a ``Manifest`` in a manifest namespace.
        DecodeError: not well-formed or unsafe.
    """
    return _decode(data, False, max_size)


__all__ = ["decode_manifest", "decode_manifest_lenient", "encode_manifest"]
