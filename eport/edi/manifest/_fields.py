"""Spec helpers shared by the manifest models (sea/air, road and the message head): one place for how a manifest
field is declared.

Every manifest element is optional (only what a message carries is written), so the helpers default to
``min_occurs=0``; every model is in the manifest family and carries no namespace (the codec writes the one of
``Head/MessageType``).
"""

from __future__ import annotations

from typing import Any

from eport.edi.spec import NO_FACETS, AttributeSpec, Facets, FieldSpec, ModelSpec, ValueKind

#: ``ModelSpec.family`` of every manifest model.
FAMILY = "manifest"


def string(name: str, tag: str, doc: str = "", facets: Facets = NO_FACETS, *, many: bool = False) -> FieldSpec:
    """An optional text element (``many``: repeated, a tuple of strings)."""
    return FieldSpec(
        name=name,
        tag=tag,
        kind=ValueKind.STRING,
        min_occurs=0,
        max_occurs=None if many else 1,
        facets=facets,
        doc=doc,
    )


def decimal(name: str, tag: str, doc: str = "") -> FieldSpec:
    """An optional number element, read and written as :class:`~decimal.Decimal`."""
    return FieldSpec(name=name, tag=tag, kind=ValueKind.DECIMAL, min_occurs=0, doc=doc)


def model(name: str, tag: str, cls: type[Any], doc: str = "", *, many: bool = False) -> FieldSpec:
    """An optional child block (``many``: repeated, a tuple of ``cls``)."""
    return FieldSpec(
        name=name, tag=tag, kind=ValueKind.MODEL, min_occurs=0, max_occurs=None if many else 1, model=cls, doc=doc
    )


def spec(tag: str, *fields: FieldSpec, attributes: tuple[AttributeSpec, ...] = (), doc: str = "") -> ModelSpec:
    """The spec of a manifest model: no namespace, family ``manifest``."""
    return ModelSpec(tag=tag, namespace=None, fields=fields, attributes=attributes, doc=doc, family=FAMILY)


__all__ = ["FAMILY", "decimal", "model", "spec", "string"]
