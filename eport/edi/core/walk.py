"""Walk a message model through its specs, yielding every sub-model with its problem path.

Paths use the canonical prefixes (``ceb:``, ``dxp:``, ``ds:``) and an index ``[n]`` only where a repeated element
occurs more than once, exactly like the paths of XSD problems, so both kinds of problem line up.
"""

from __future__ import annotations

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


def children(node: Node) -> Iterator[Node]:
    """The direct sub-models of ``node``."""
    for field in node.spec.fields:
        if field.kind is not ValueKind.MODEL:
            continue
        value = getattr(node.model, field.name, None)
        if value is None:
            continue
        items = value if isinstance(value, tuple) else (value,)
        for i, item in enumerate(items, 1):
            if item is None:
                continue
            index = i if len(items) > 1 else None
            yield Node(item, spec_of(item), f"{node.path}/{step(node.spec, field, index)}", node)


def walk(model: Any) -> Iterator[Node]:
    """Every model in ``model`` (the root first), depth first in document order."""
    stack = [Node(model, spec_of(model), root_path(model))]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(list(children(node))))


__all__ = ["Node", "children", "qualified", "root_path", "step", "walk"]
