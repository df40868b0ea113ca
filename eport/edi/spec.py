"""Schema descriptions that drive encoding, decoding and validation of every eport message model.

Every model class (a frozen attrs class) carries a class attribute ``__eport_spec__`` holding a
:class:`ModelSpec`: the XML element it is written as, its attributes, and its child elements in schema order. The
encoder, the decoder, the validator and the DataFrame helpers read only these specs, so CEB, DecMessage, manifest
and DXP models share one engine.

Value conventions for model attributes:

* a single element of kind ``STRING`` is a ``str``, ``DECIMAL`` a :class:`decimal.Decimal`, ``INTEGER`` an ``int``,
  ``MODEL`` an instance of ``FieldSpec.model``, ``XML`` the raw bytes of one foreign element (``ds:Signature``);
* an optional element (``min_occurs == 0``) that is absent is ``None``;
* a repeated element (``max_occurs`` is ``None`` or > 1) is a ``tuple`` (possibly empty).
"""

from __future__ import annotations

import enum
from decimal import Decimal
from typing import Any, ClassVar, Protocol, runtime_checkable

import attrs


class ValueKind(enum.Enum):
    """How an element's text maps to a Python value."""

    STRING = "string"
    DECIMAL = "decimal"
    INTEGER = "integer"
    MODEL = "model"
    XML = "xml"


@attrs.frozen
class Facets:
    """XSD restriction facets of a simple value. ``None`` or empty means "not restricted"."""

    min_length: int | None = None
    max_length: int | None = None
    length: int | None = None
    total_digits: int | None = None
    fraction_digits: int | None = None
    enumeration: tuple[str, ...] = ()
    pattern: str | None = None
    min_inclusive: Decimal | None = None
    max_inclusive: Decimal | None = None


NO_FACETS = Facets()


@attrs.frozen
class FieldSpec:
    """One child element of a model, in schema order.

    Attributes:
        name: the Python attribute name (snake_case of ``tag``).
        tag: the XML local name.
        kind: how the value is represented.
        min_occurs: 0 for optional elements.
        max_occurs: ``None`` for unbounded.
        facets: restrictions of simple values.
        model: the model class of a ``MODEL`` element.
        namespace: the element's namespace when it differs from the owning model's (``ds:Signature``).
        doc: the schema annotation, usually the Chinese field name (e.g. ``订单编号``).
    """

    name: str
    tag: str
    kind: ValueKind
    min_occurs: int = 1
    max_occurs: int | None = 1
    facets: Facets = NO_FACETS
    model: type[Any] | None = None
    namespace: str | None = None
    doc: str = ""

    @property
    def repeated(self) -> bool:
        """True when the element may occur more than once (value is a tuple)."""
        return self.max_occurs is None or self.max_occurs > 1

    @property
    def required(self) -> bool:
        """True when the element must occur at least once."""
        return self.min_occurs > 0


@attrs.frozen
class AttributeSpec:
    """One XML attribute of a model element (e.g. ``guid`` and ``version`` on CEB roots)."""

    name: str
    tag: str
    required: bool = False
    default: str | None = None
    facets: Facets = NO_FACETS
    doc: str = ""


@attrs.frozen
class ModelSpec:
    """The XML shape of one model class.

    Attributes:
        tag: the element's local name.
        namespace: the element's namespace URI, ``None`` for no namespace.
        prefix: the preferred prefix when writing (``"ceb"``); ``None`` writes a default namespace.
        fields: child elements, in schema order.
        attributes: XML attributes.
        doc: the schema annotation (Chinese description of the entity).
        family: which message family the model belongs to (``"ceb-import"``, ``"dec"``, ``"manifest"``, ``"dxp"``).
    """

    tag: str
    namespace: str | None
    fields: tuple[FieldSpec, ...]
    attributes: tuple[AttributeSpec, ...] = ()
    prefix: str | None = None
    doc: str = ""
    family: str = ""

    def field(self, name: str) -> FieldSpec:
        """Return the field spec with Python name ``name`` (KeyError if absent)."""
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)


@runtime_checkable
class Model(Protocol):
    """Any eport message model: an attrs class with an ``__eport_spec__``."""

    __eport_spec__: ClassVar[ModelSpec]


def spec_of(obj: object) -> ModelSpec:
    """Return the :class:`ModelSpec` of a model instance or class.

    Raises:
        TypeError: if ``obj`` is not an eport model.
    """
    spec = getattr(obj, "__eport_spec__", None)
    if not isinstance(spec, ModelSpec):
        raise TypeError(f"{type(obj).__name__} is not an eport message model")
    return spec


__all__ = [
    "NO_FACETS",
    "AttributeSpec",
    "Facets",
    "FieldSpec",
    "Model",
    "ModelSpec",
    "ValueKind",
    "spec_of",
]
