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

Wildcards: a field whose ``tag`` is :data:`ANY_ELEMENT` (``"*"``) and whose kind is ``XML`` matches any one element
(``xs:any``); its value is the raw bytes of that element.

Simple content: a field whose ``tag`` is :data:`TEXT_CONTENT` (``"#text"``) holds the element's own text, for
elements with attributes and a value (``<GrossMassMeasure unitCode="KGM">233</GrossMassMeasure>``); such a model
has no other element fields. An optional string text field decodes an empty element as ``None``; an empty
number (there is no empty ``xs:decimal``) is refused by strict decoding and reported ``empty-value`` by lenient.

Lenient decoding (:func:`eport.edi.decode_lenient`) may leave ``None`` (or an empty tuple) in a *required* field
when the document lacks it; the returned problems name every such gap. Strict decoding never does.
"""

from __future__ import annotations

import enum
import importlib
from decimal import Decimal
from typing import Any, ClassVar, Protocol, TypeVar, runtime_checkable

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
    white_space: str | None = None


NO_FACETS = Facets()

#: ``FieldSpec.tag`` of a wildcard (``xs:any``) field: matches any one element, value kind ``XML``.
ANY_ELEMENT = "*"

#: ``FieldSpec.tag`` of a field holding the element's own text (simple content with attributes).
TEXT_CONTENT = "#text"


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
        default: the schema's ``default`` value of the element, if any (informative: the encoder never fills it in).
        fixed: the schema's ``fixed`` value of the element, if any (checked by validation, not by the encoder).
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
    default: str | None = None
    fixed: str | None = None

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


_M = TypeVar("_M", bound="ModelBase")


class ModelBase:
    """Optional base of generated models: conveniences on top of the spec-driven engine.

    It keeps no state (empty ``__slots__``), so attrs' frozen, slotted subclasses stay slotted.
    """

    __slots__ = ()

    @classmethod
    def from_bytes(cls: type[_M], data: bytes) -> _M:
        """Decode a document whose root is this model, strictly (same as ``eport.edi.decode(data, model=cls)``).

        Raises:
            eport.errors.DecodeError: the document is unsafe, not well-formed, or not this model's structure.
        """
        # Late-bound: the engine's readers and writers build on these specs, so this module does not import them.
        decode = importlib.import_module("eport.edi.core.decoding").decode
        message: _M = decode(data, model=cls)
        return message

    def to_bytes(self) -> bytes:
        """Encode this model as a UTF-8 XML document (same as :func:`eport.edi.core.encoding.encode`).

        Raises:
            eport.errors.EncodeError: if a value cannot be written.
        """
        data: bytes = importlib.import_module("eport.edi.core.encoding").encode(self)
        return data

    def _repr_html_(self) -> str:
        """Render the model as HTML in Jupyter (delegates to ``eport.edi.notebook.render_html``)."""
        try:
            render_html = importlib.import_module("eport.edi.notebook").render_html
        except (ImportError, AttributeError):
            import html

            return f"<pre>{html.escape(repr(self))}</pre>"
        return str(render_html(self))


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
    "ANY_ELEMENT",
    "NO_FACETS",
    "TEXT_CONTENT",
    "AttributeSpec",
    "Facets",
    "FieldSpec",
    "Model",
    "ModelBase",
    "ModelSpec",
    "ValueKind",
    "spec_of",
]
