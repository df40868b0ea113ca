"""The spec-driven XML encoder: any eport model → UTF-8 XML bytes, in exact schema order.

For every model class (and the namespace context it is written in) the encoder builds one writer function the
first time it is needed: Python source generated from the class's :class:`~eport.edi.core.spec.ModelSpec`, compiled
once and cached. A writer reads each field once, appends string pieces to a list and inlines the tags as
constants. Wide, sparse models (a DecHead has 92 optional fields, most of them empty) are the common case, so one
scan over all of a model's strings decides whether any needs escaping, and only the ones that do are escaped;
decimals are written with ``Decimal.__str__`` unless that would use an exponent. When a writer meets a value it
cannot write (a wrong type, an XML-illegal character, a non-finite decimal) the encoder re-walks the model with a
checking walker that raises :class:`~eport.errors.EncodeError` naming the exact path.

Conventions: ``<?xml version="1.0" encoding="UTF-8"?>``; the spec's prefix (``ceb:``) or a default namespace when the
prefix is ``None``; ``Decimal`` written with ``format(d, "f")`` (never exponent form); ``XML`` values (``ds:Signature``)
copied byte for byte; ``None`` elements omitted; an empty string written as an empty element. The encoder writes
what the model holds and does not validate it (use ``eport.edi.validate``); in particular a required field left
``None`` by lenient decoding is omitted, so the document can be re-validated and the gap named.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable, Hashable, Iterable, Iterator
from decimal import Decimal
from typing import IO, Any, cast

import attrs

from eport.edi.core.paths import step
from eport.edi.core.registry import family_of, hook
from eport.edi.core.spec import TEXT_CONTENT, FieldSpec, ModelSpec, ValueKind, spec_of
from eport.errors import ConfigurationError, EncodeError

logger = logging.getLogger(__name__)

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'

_ILLEGAL_CHARS = "\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff"
_ILLEGAL = re.compile(f"[{_ILLEGAL_CHARS}]")
_TEXT_NEEDS = re.compile(f"[&<>\r{_ILLEGAL_CHARS}]").search
_ATTR_NEEDS = re.compile(f'[&<>"\t\n\r{_ILLEGAL_CHARS}]').search

Writer = Callable[[Any, Callable[[str], None]], None]
_Context = tuple[str | None, tuple[tuple[str, str], ...]]
_ROOT_CONTEXT: _Context = (None, (("xml", "http://www.w3.org/XML/1998/namespace"),))


class _Unwritable(Exception):  # noqa: N818 - internal signal, never escapes this module
    """A fast writer met a value it cannot write; the checking walker explains where and why."""


def escape_text(value: str) -> str:
    """Escape character data: ``&``, ``<``, ``>`` and CR (as ``&#13;`` so it survives parsing).

    Raises:
        EncodeError: the text holds a character XML 1.0 cannot represent (most C0 controls, lone surrogates).
    """
    if _ILLEGAL.search(value):
        raise EncodeError(f"character {_ILLEGAL.search(value).group()!r} cannot appear in XML 1.0")  # type: ignore[union-attr]
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def escape_attribute(value: str) -> str:
    """Escape an attribute value: as :func:`escape_text` plus ``"``, TAB and LF (kept through normalisation).

    Raises:
        EncodeError: the value holds a character XML 1.0 cannot represent.
    """
    return escape_text(value).replace('"', "&quot;").replace("\t", "&#9;").replace("\n", "&#10;")


def format_decimal(value: Decimal) -> str:
    """Write a decimal in plain notation (``Decimal("1E+2")`` → ``"100"``), keeping its exponent's digits.

    Raises:
        EncodeError: for NaN and infinities, or a value that is not a ``Decimal``.
    """
    if not isinstance(value, Decimal) or not value.is_finite():
        raise EncodeError(f"{value!r} is not a finite Decimal")
    return format(value, "f")


# ------------------------------------------------------------------------------------------ namespaces
def _qualify(namespace: str | None, prefix: str | None, ctx: _Context) -> tuple[str, str, _Context]:
    """Return (qualified name prefix incl. colon, namespace declarations to add, context for the children)."""
    default, bound = ctx
    if namespace is None:
        if default is None:
            return "", "", ctx
        return "", ' xmlns=""', (None, bound)
    if prefix is not None:
        if (prefix, namespace) in bound:
            return f"{prefix}:", "", ctx
        rebound = tuple(sorted({(p, n) for p, n in bound if p != prefix} | {(prefix, namespace)}))
        return f"{prefix}:", f' xmlns:{prefix}="{escape_attribute(namespace)}"', (default, rebound)
    if default == namespace:
        return "", "", ctx
    for p, n in bound:  # a prefix already bound to this namespace
        if n == namespace:
            return f"{p}:", "", ctx
    return "", f' xmlns="{escape_attribute(namespace)}"', (namespace, bound)


_JOINED_SCAN_MIN = 6  # from this many string fields on, one joined scan beats one scan per field


def _plain_decimal(value: Decimal) -> str:
    """Plain notation of a finite decimal for the writers; a non-finite one is unwritable."""
    if not value.is_finite():
        raise _Unwritable
    return format(value, "f")


@functools.cache
def _inherits_namespace(spec_family: str) -> bool:
    """True when the family of ``spec_family`` writes its models in the namespace of the enclosing element."""
    family = family_of(spec_family)
    return family is not None and family.inherits_namespace


@functools.lru_cache(maxsize=1024)
def _compile(cls: type[Any], tag: str, namespace: str | None, ctx: _Context) -> Writer:
    """Build the writer of ``cls`` written as ``<tag>`` in ``namespace`` under the context ``ctx``.

    The generated function reads every field once into a local, checks all string values for characters that need
    escaping with a single scan (most documents have none, and most fields of a wide model are ``None``), escapes
    only the values that need it, and concatenates the element. Children are rendered by their own compiled
    functions; a value of the wrong type raises inside and the caller re-walks with the checking walker.
    """
    spec = spec_of(cls)
    pfx, decls, inner = _qualify(namespace, spec.prefix if namespace == spec.namespace else None, ctx)
    if _inherits_namespace(spec.family):  # no namespace of its own: children inherit the one written here
        spec = attrs.evolve(spec, namespace=namespace)
    env: dict[str, Any] = {
        "_tneeds": _TEXT_NEEDS,
        "_aneeds": _ATTR_NEEDS,
        "_esc": escape_text,
        "_esca": escape_attribute,
        "_Decimal": Decimal,
        "_Unwritable": _Unwritable,
        "_seq": (tuple, list),
        "_K": cls,
        "_join": "".join,
        "_filter": filter,
        "_dstr": Decimal.__str__,
        "_dplain": _plain_decimal,
    }
    src = ["def write(o, a):", "    if o.__class__ is not _K: raise _Unwritable"]
    texts: list[str] = []  # locals holding escaped-on-demand character data
    for j, attr in enumerate(spec.attributes):
        src.append(f"    t{j} = o.{attr.name}")
    for i, f in enumerate(spec.fields):
        src.append(f"    v{i} = o.{f.name}")
        if not f.repeated and f.kind is ValueKind.STRING:
            texts.append(f"v{i}")
    if spec.attributes:
        scan = ", ".join(f"t{j}" for j in range(len(spec.attributes)))
        src.append(f"    if _aneeds(_join(_filter(None, ({scan},)))):")
        for j in range(len(spec.attributes)):
            src.append(f"        if t{j} is not None and _aneeds(t{j}): t{j} = _esca(t{j})")
    if len(texts) < _JOINED_SCAN_MIN:  # few strings: scan each where it is written
        texts = []
    if texts:
        scan = ", ".join(texts)
        src.append(f"    if _tneeds(_join(_filter(None, ({scan},)))):")
        for name in texts:
            src.append(f"        if {name} is not None and _tneeds({name}): {name} = _esc({name})")
    if spec.attributes:
        src.append(f"    a({'<' + pfx + tag + decls!r})")
        for j, attr in enumerate(spec.attributes):
            src.append(f"    if t{j} is not None: a({' ' + attr.tag + '=' + chr(34)!r} + t{j} + '\"')")
        src.append("    a('>')")
    else:
        src.append(f"    a({'<' + pfx + tag + decls + '>'!r})")
    for i, f in enumerate(spec.fields):
        src += [f"    {line}" for line in _field_source(f, i, spec, inner, env, frozenset(texts))]
    src.append(f"    a({'</' + pfx + tag + '>'!r})")
    code = "\n".join(src)
    exec(compile(code, f"<eport writer {cls.__qualname__}>", "exec"), env)  # noqa: S102 - source built from specs
    writer: Writer = env["write"]
    logger.debug("compiled writer for %s as <%s%s>", cls.__qualname__, pfx, tag)
    return writer


def _simple_source(kind: ValueKind, v: str, open_tag: str, close_tag: str, *, escaped: bool) -> list[str]:
    """Source lines appending the simple value held in local ``v`` between the given tags."""
    if kind is ValueKind.STRING:
        lines = [] if escaped else [f"if _tneeds({v}): {v} = _esc({v})"]
        return [*lines, f"a({open_tag!r} + {v} + {close_tag!r})"]
    if kind is ValueKind.DECIMAL:
        # Decimal.__str__ is plain notation unless it has an exponent ('E') or is NaN/Infinity (last char > '9').
        return [
            f"if {v}.__class__ is not _Decimal and not isinstance({v}, _Decimal): raise _Unwritable",
            f"d = _dstr({v})",
            f"if 'E' in d or d[-1] > '9': d = _dplain({v})",
            f"a({open_tag!r} + d + {close_tag!r})",
        ]
    if kind is ValueKind.INTEGER:
        return [
            f"if {v}.__class__ is not int and (not isinstance({v}, int) or isinstance({v}, bool)): raise _Unwritable",
            f"a({open_tag!r} + str(int({v})) + {close_tag!r})",
        ]
    raise AssertionError(kind)


def _field_source(
    f: FieldSpec, i: int, owner: ModelSpec, ctx: _Context, env: dict[str, Any], scanned: frozenset[str]
) -> list[str]:
    """Source lines writing field ``f`` (held in local ``v<i>``); locals in ``scanned`` are already escaped."""
    v = f"v{i}"
    target = "x" if f.repeated else v  # the local holding one value
    if f.kind is ValueKind.MODEL:
        if f.model is None:
            raise EncodeError(f"field {f.name} of kind MODEL has no model class")
        child = spec_of(f.model)
        ns = f.namespace if f.namespace is not None else child.namespace
        if ns is None and _inherits_namespace(child.family):
            ns = owner.namespace
        env[f"_r{i}"] = _compile(cast(Hashable, f.model), f.tag, ns, ctx)
        if f.repeated:
            return [
                f"if {v} is not None:",
                f"    if {v}.__class__ is not tuple and not isinstance({v}, _seq): raise _Unwritable",
                f"    for x in {v}: _r{i}(x, a)",
            ]
        return [f"if {v} is not None: _r{i}({v}, a)"]
    if f.kind is ValueKind.XML:
        body = [f"a({target}.decode('utf-8'))"]
    elif f.tag == TEXT_CONTENT:
        body = _simple_source(f.kind, target, "", "", escaped=target in scanned)
    else:
        ns = f.namespace if f.namespace is not None else owner.namespace
        pfx, decls, _ = _qualify(ns, owner.prefix if ns == owner.namespace else None, ctx)
        open_tag = "<" + pfx + f.tag + decls + ">"
        close_tag = "</" + pfx + f.tag + ">"
        body = _simple_source(f.kind, target, open_tag, close_tag, escaped=target in scanned)
    if f.repeated:
        return [
            f"if {v} is not None:",
            f"    if {v}.__class__ is not tuple and not isinstance({v}, _seq): raise _Unwritable",
            f"    for x in {v}:",
            *[f"        {b}" for b in body],
        ]
    return [f"if {v} is not None:", *[f"    {b}" for b in body]]


def writer_for(cls: type[Any]) -> Writer:
    """Return the compiled writer of a model class written as a document root (cached).

    The writer takes the model and an ``append`` callable and appends the element's XML text (without the XML
    declaration).

    Raises:
        TypeError: ``cls`` is not an eport model, or is a manifest model (a manifest's namespace depends on its
            ``Head/MessageType``, so it has no writer of its own: use :func:`encode`).
    """
    spec = spec_of(cls)
    if _inherits_namespace(spec.family):
        raise TypeError(f"{cls.__name__} is a manifest model: its namespace comes from Head/MessageType; use encode()")
    return _compile(cast(Hashable, cls), spec.tag, spec.namespace, _ROOT_CONTEXT)


def writer_in_namespace(cls: type[Any], namespace: str, *, tag: str | None = None, nested: bool = False) -> Writer:
    """Return the compiled writer of a model written in ``namespace`` as the default namespace (cached).

    For families whose namespace depends on the message rather than the class: a manifest (舱单) is written in
    ``urn:Declaration:datamodel:standard:CN:<MessageType>:1`` and its children inherit that namespace.

    Args:
        cls: the model class.
        namespace: the namespace to write the element (and, for manifest models, its descendants) in.
        tag: the element name; by default the class's own.
        nested: write the element inside a parent that already made ``namespace`` the default one (no
            ``xmlns`` declaration on this element).

    Raises:
        TypeError: ``cls`` is not an eport model.
    """
    spec = spec_of(cls)
    ctx: _Context = (namespace, _ROOT_CONTEXT[1]) if nested else _ROOT_CONTEXT
    return _compile(cast(Hashable, cls), tag or spec.tag, namespace, ctx)


# ------------------------------------------------------------------------------------------ checking walker
def check(message: Any) -> None:
    """Check that every value of ``message`` can be written (types, characters, decimals), without encoding.

    Raises:
        EncodeError: naming the path of the first value that cannot be written.
        TypeError: ``message`` is not an eport model.
    """
    spec = spec_of(message)
    _check_model(message, spec, "/" + step(spec.namespace, spec.tag))


def _check_model(obj: Any, spec: ModelSpec, path: str) -> None:
    for attr in spec.attributes:
        value = getattr(obj, attr.name, None)
        if value is None:
            continue
        if not isinstance(value, str):
            raise EncodeError(
                f"attribute {attr.tag} must be str, not {type(value).__name__}", path=f"{path}/@{attr.tag}"
            )
        _check_chars(value, f"{path}/@{attr.tag}")
    for f in spec.fields:
        try:
            value = getattr(obj, f.name)
        except AttributeError:
            raise EncodeError(f"{type(obj).__name__} has no attribute {f.name}", path=path) from None
        if value is None:
            continue
        if f.kind is ValueKind.MODEL and f.model is not None and f.namespace is None:
            ns = spec_of(f.model).namespace
        else:
            ns = f.namespace if f.namespace is not None else spec.namespace
        if f.repeated:
            if not isinstance(value, (tuple, list)):
                raise EncodeError(
                    f"{f.name} is a repeated element: expected a tuple, got {type(value).__name__}",
                    path=f"{path}/{step(ns, f.tag)}",
                )
            for n, item in enumerate(value, 1):
                _check_value(item, f, f"{path}/{step(ns, f.tag, n if len(value) > 1 else None)}")
        else:
            _check_value(value, f, path if f.tag == TEXT_CONTENT else f"{path}/{step(ns, f.tag)}")


def _check_value(value: Any, f: FieldSpec, path: str) -> None:
    kind = f.kind
    if kind is ValueKind.STRING:
        if not isinstance(value, str):
            raise EncodeError(f"{f.name} must be str, not {type(value).__name__}", path=path)
        _check_chars(value, path)
    elif kind is ValueKind.DECIMAL:
        if not isinstance(value, Decimal):
            raise EncodeError(f"{f.name} must be a Decimal, not {type(value).__name__}", path=path)
        if not value.is_finite():
            raise EncodeError(f"{f.name} must be a finite Decimal, not {value}", path=path)
    elif kind is ValueKind.INTEGER:
        if not isinstance(value, int) or isinstance(value, bool):
            raise EncodeError(f"{f.name} must be int, not {type(value).__name__}", path=path)
    elif kind is ValueKind.XML:
        if not isinstance(value, bytes):
            raise EncodeError(f"{f.name} must be the raw XML bytes, not {type(value).__name__}", path=path)
        try:
            text = value.decode("utf-8")
        except UnicodeDecodeError:
            raise EncodeError(f"{f.name} is not UTF-8", path=path) from None
        if not text.lstrip().startswith("<"):
            raise EncodeError(f"{f.name} does not hold an XML element", path=path)
    elif kind is ValueKind.MODEL:
        if f.model is None or type(value) is not f.model:
            expected = f.model.__name__ if f.model is not None else "?"
            raise EncodeError(f"{f.name} must be a {expected}, not {type(value).__name__}", path=path)
        _check_model(value, spec_of(f.model), path)


def _check_chars(value: str, path: str) -> None:
    bad = _ILLEGAL.search(value)
    if bad is not None:
        raise EncodeError(f"character {bad.group()!r} at offset {bad.start()} cannot appear in XML 1.0", path=path)


# ------------------------------------------------------------------------------------------ public API
def encode_str(message: Any) -> str:
    """Encode a model as an XML document and return it as ``str`` (with the UTF-8 XML declaration).

    Raises:
        EncodeError: a value cannot be written; ``path`` names it.
        TypeError: ``message`` is not an eport model.
    """
    spec = spec_of(message)
    family_encoder = hook(spec.family, "encoder")
    if family_encoder is not None:  # the family writes its own documents (manifests, DXP envelopes)
        text: str = family_encoder(message).decode("utf-8")
        return text
    writer = _compile(cast(Hashable, type(message)), spec.tag, spec.namespace, _ROOT_CONTEXT)
    parts: list[str] = [XML_DECLARATION]
    try:
        writer(message, parts.append)
    except EncodeError:
        check(message)
        raise
    except Exception as exc:  # a wrong type or value somewhere: find and name it
        check(message)
        raise EncodeError(f"cannot encode {type(message).__name__}: {exc!r}") from exc
    return "".join(parts)


def encode(message: Any, *, edition: str | None = None) -> bytes:
    """Encode a model as a UTF-8 XML document.

    Args:
        message: any eport model instance (a class with ``__eport_spec__``), e.g. ``CEB621Message``, ``DecMessage``
            or a manifest ``Manifest`` (written by its family's codec: the manifest codec, in the namespace of its
            message type).
        edition: for CEB messages, write the structure of this schema edition (``"202205"`` or ``"2018"``),
            converting with :func:`eport.edi.ceb.to_edition`; ``None`` writes the model's own edition.

    Returns:
        The document, starting with ``<?xml version="1.0" encoding="UTF-8"?>``.

    Raises:
        EncodeError: a value cannot be written (wrong type, XML-illegal character, NaN), or the edition cannot
            express the message; ``path`` names it.
        ConfigurationError: ``edition`` given for a message that has no editions, or an unknown edition.
        TypeError: ``message`` is not an eport model.
    """
    if edition is not None:
        to_edition = hook(spec_of(message).family, "to_edition")
        if to_edition is None:
            raise ConfigurationError(f"{type(message).__name__} has no schema editions; call encode without edition=")
        message = to_edition(message, edition)
    return encode_str(message).encode("utf-8")


def iter_encode(messages: Iterable[Any]) -> Iterator[bytes]:
    """Encode messages one at a time, lazily: memory stays flat however many there are.

    Raises:
        EncodeError: as :func:`encode`, for the first message that cannot be written.
    """
    for message in messages:
        yield encode(message)


def encode_many(messages: Iterable[Any], file: IO[bytes], *, separator: bytes = b"\n") -> int:
    """Write each message as one document to a binary file, one after another, and return how many were written.

    Only one message is held in memory at a time. Documents are separated by ``separator``; to write one file per
    message (the E-Port exchange folders want that) use :func:`iter_encode`.

    Raises:
        EncodeError: as :func:`encode`; the documents before the failing one are already written.
    """
    count = 0
    for data in iter_encode(messages):
        if count and separator:
            file.write(separator)
        file.write(data)
        count += 1
    return count


__all__ = [
    "XML_DECLARATION",
    "check",
    "encode",
    "encode_many",
    "encode_str",
    "escape_attribute",
    "escape_text",
    "format_decimal",
    "iter_encode",
    "writer_for",
    "writer_in_namespace",
]
