"""How a manifest model is declared, in one place for the sea/air, road and head models.

Each field is written once, as an attrs attribute whose default says what it is in XML::

    @manifest_model("Location")
    @attrs.frozen(kw_only=True)
    class Location:
        __eport_spec__: ClassVar[ModelSpec]
        id: str | None = text("ID", "地点代码")
        arrival_date: str | None = text("ArrivalDate", "到达日期")

:func:`manifest_model` then builds the class's :class:`~eport.edi.core.spec.ModelSpec` from the attributes, in their
order. Every manifest element is optional unless declared ``required`` (only what a message carries is written);
every model is in the ``manifest`` family and carries no namespace (the codec writes the one of
``Head/MessageType``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import attrs

from eport.edi.core.spec import NO_FACETS, AttributeSpec, Facets, FieldSpec, ModelSpec, ValueKind

T = TypeVar("T")

#: Key of the declaration in an attrs attribute's metadata.
_KEY = "eport.edi.manifest"

#: ``ModelSpec.family`` of every manifest model (the family declares it inherits the namespace: a message is written
#: in the namespace of its message type and every descendant inherits it).
FAMILY = "manifest"


def spec(tag: str, *fields: FieldSpec, attributes: tuple[AttributeSpec, ...] = (), doc: str = "") -> ModelSpec:
    """The spec of a manifest model: no namespace, family ``manifest``."""
    return ModelSpec(tag=tag, namespace=None, fields=fields, attributes=attributes, doc=doc, family=FAMILY)


@attrs.frozen(kw_only=True)
class _Declared:
    """What an attribute is in XML: an element (of a kind, maybe repeated or required) or an attribute."""

    tag: str
    doc: str
    kind: ValueKind = ValueKind.STRING
    model: type[Any] | None = None
    many: bool = False
    required: bool = False
    facets: Facets = NO_FACETS
    is_attribute: bool = False


def _declare(declared: _Declared, default: Any) -> Any:
    if declared.required:
        return attrs.field(metadata={_KEY: declared})
    return attrs.field(default=default, metadata={_KEY: declared})


def text(tag: str, doc: str = "", facets: Facets = NO_FACETS, *, default: str | None = None) -> Any:
    """An optional text element (``tag`` :data:`~eport.edi.core.spec.TEXT_CONTENT`: the element's own text)."""
    return _declare(_Declared(tag=tag, doc=doc, facets=facets), default)


def texts(tag: str, doc: str = "") -> Any:
    """A repeated text element, a tuple of strings (default empty)."""
    return _declare(_Declared(tag=tag, doc=doc, many=True), ())


def number(tag: str, doc: str = "") -> Any:
    """An optional number element, a :class:`~decimal.Decimal` (``tag`` may be the element's own text)."""
    return _declare(_Declared(tag=tag, doc=doc, kind=ValueKind.DECIMAL), None)


def child(tag: str, cls: type[Any], doc: str = "", *, required: bool = False) -> Any:
    """A child block of model ``cls``: optional (default ``None``) unless ``required`` (then no default)."""
    return _declare(_Declared(tag=tag, doc=doc, kind=ValueKind.MODEL, model=cls, required=required), None)


def children(tag: str, cls: type[Any], doc: str = "") -> Any:
    """A repeated child block of model ``cls``, a tuple (default empty)."""
    return _declare(_Declared(tag=tag, doc=doc, kind=ValueKind.MODEL, model=cls, many=True), ())


def attribute(tag: str, doc: str = "") -> Any:
    """An optional XML attribute of the element (``unitCode``, ``currencyID`` …)."""
    return _declare(_Declared(tag=tag, doc=doc, is_attribute=True), None)


def manifest_model(tag: str, *, doc: str = "") -> Callable[[type[T]], type[T]]:
    """Give an attrs class declared with the helpers above its ``__eport_spec__`` (apply above ``attrs.frozen``).

    Raises:
        TypeError: an attribute is not declared with one of the helpers.
    """

    def apply(cls: type[T]) -> type[T]:
        elements: list[FieldSpec] = []
        attributes: list[AttributeSpec] = []
        for a in attrs.fields(cast(Any, cls)):  # an attrs class: manifest_model goes above attrs.frozen
            declared = a.metadata.get(_KEY)
            if not isinstance(declared, _Declared):
                raise TypeError(f"{cls.__name__}.{a.name} is not declared with a manifest field helper")
            if declared.is_attribute:
                attributes.append(AttributeSpec(name=a.name, tag=declared.tag, doc=declared.doc))
                continue
            elements.append(
                FieldSpec(
                    name=a.name,
                    tag=declared.tag,
                    kind=declared.kind,
                    min_occurs=1 if declared.required else 0,
                    max_occurs=None if declared.many else 1,
                    facets=declared.facets,
                    model=declared.model,
                    doc=declared.doc,
                )
            )
        setattr(cls, "__eport_spec__", spec(tag, *elements, attributes=tuple(attributes), doc=doc))  # noqa: B010
        return cls

    return apply


__all__ = [
    "FAMILY",
    "attribute",
    "child",
    "children",
    "manifest_model",
    "number",
    "spec",
    "text",
    "texts",
]
