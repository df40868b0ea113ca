"""Walk a message model through its specs, yielding every sub-model with its problem path.

Paths use the canonical prefixes (``ceb:``, ``dxp:``, ``ds:``) and an index ``[n]`` only where a repeated element
occurs more than once, exactly like the paths of XSD problems, so both kinds of problem line up.

What the walk needs of a model class (its sub-model fields with their path steps, its field names) is worked out
once per class and cached, so a walk costs one step per sub-model.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

import attrs

from eport.edi.core.schema import PREFIXES
from eport.edi.core.spec import FieldSpec, ModelSpec, ValueKind, spec_of


@attrs.frozen
class Node:
    """One model in a message: the model, its spec, its path and its parent node (``None`` for the root)."""

    model: Any
    spec: ModelSpec
    path: str
    parent: Node | None = None

    def field_path(self, name: str) -> str:
        """Path of the child element of Python field ``name`` (e.g. ``…/ceb:OrderHead/ceb:orderNo``)."""
        return f"{self.path}/{step(self.spec, self.spec.field(name))}"

    def value(self, name: str) -> Any:
        """Value of field ``name``, ``None`` when the model has no such field."""
        return getattr(self.model, name, None)

    def has(self, name: str) -> bool:
        """True when the spec has a field with Python name ``name``."""
        if spec_of(type(self.model)) is self.spec:
            return name in field_names(type(self.model))
        return any(f.name == name for f in self.spec.fields)


def qualified(namespace: str | None, tag: str) -> str:
    """``ceb:tag`` for known namespaces, else the bare tag."""
    prefix = PREFIXES.get(namespace or "")
    return f"{prefix}:{tag}" if prefix else tag


def step(spec: ModelSpec, field: FieldSpec, index: int | None = None) -> str:
    """One path step for ``field`` of a model with ``spec``; ``index`` is 1-based, written when not ``None``."""
    text = qualified(field.namespace or spec.namespace, field.tag)
    return text if index is None else f"{text}[{index}]"


def root_path(model: Any) -> str:
    """Path of the root element of ``model``: ``/ceb:CEB621Message``."""
    spec = spec_of(model)
    return "/" + qualified(spec.namespace, spec.tag)


@functools.lru_cache(maxsize=2048)
def _model_steps(cls: type[Any]) -> tuple[tuple[str, str], ...]:
    spec = spec_of(cls)
    return tuple((f.name, step(spec, f)) for f in spec.fields if f.kind is ValueKind.MODEL)


def field_names(cls: type[Any]) -> frozenset[str]:
    """The Python names of the fields of model class ``cls`` (cached per class)."""
    return _field_names(cls)  # type: ignore[arg-type]  # a class is hashable


@functools.lru_cache(maxsize=2048)
def _field_names(cls: type[Any]) -> frozenset[str]:
    return frozenset(f.name for f in spec_of(cls).fields)


def children(node: Node) -> Iterator[Node]:
    """The direct sub-models of ``node``."""
    model, path = node.model, node.path
    if spec_of(type(model)) is not node.spec:  # a node built by hand with another spec: read that spec
        steps = tuple((f.name, step(node.spec, f)) for f in node.spec.fields if f.kind is ValueKind.MODEL)
    else:
        steps = _model_steps(type(model))  # type: ignore[arg-type]  # a class is hashable
    for name, text in steps:
        value = getattr(model, name, None)
        if value is None:
            continue
        if not isinstance(value, tuple):
            yield Node(value, spec_of(value), f"{path}/{text}", node)
            continue
        several = len(value) > 1
        for i, item in enumerate(value, 1):
            if item is not None:
                yield Node(item, spec_of(item), f"{path}/{text}[{i}]" if several else f"{path}/{text}", node)


def walk(model: Any) -> Iterator[Node]:
    """Every model in ``model`` (the root first), depth first in document order."""
    stack = [Node(model, spec_of(model), root_path(model))]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(list(children(node))))


__all__ = ["Node", "children", "field_names", "qualified", "root_path", "step", "walk"]
