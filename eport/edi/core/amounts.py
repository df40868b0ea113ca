"""The ``negative-amount`` rule shared by the message families: an amount or quantity below zero.

The schemas type prices, totals, quantities, freight, insurance, taxes and weights as plain ``xs:decimal``, which
allows a sign; for these fields a negative value means nothing. Each family names its fields (XML tags) and the
messages it exempts, and builds its rule with :func:`negative_amounts_in`. A field holding an element's own text
(a manifest measure, ``<GrossMassMeasure unitCode="KGM">-1</GrossMassMeasure>``) is named by its element's tag.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

from eport.edi.core.report import Problem
from eport.edi.core.rules import Rule, RuleContext
from eport.edi.core.spec import TEXT_CONTENT, ValueKind, spec_of
from eport.edi.core.walk import walk


def negative_amounts_in(
    fields: frozenset[str],
    exempt_roots: frozenset[str] = frozenset(),
    label: Callable[[str], str] = str,
) -> Rule:
    """A rule reporting ``negative-amount`` (error) at each number field whose tag is in ``fields`` and whose value
    is below zero, in every message whose root tag is not in ``exempt_roots``; ``label`` names a tag in the
    message (``freight 运费``)."""

    def negative_amounts(message: Any, context: RuleContext) -> Iterator[Problem]:
        nodes = getattr(context, "nodes", ()) or tuple(walk(message))  # a context may be None
        if not nodes or nodes[0].spec.tag in exempt_roots:
            return
        for node in nodes:
            for name, tag in _amount_fields(type(node.model), fields):  # type: ignore[arg-type]  # hashable
                value = node.value(name)
                if isinstance(value, Decimal) and value.is_nan():
                    continue  # no order: "encode" reports a value that is not a number
                if not (isinstance(value, Decimal | int) and value < 0):
                    continue
                if tag == TEXT_CONTENT:
                    path = node.path
                    tag = path.rpartition("/")[2].partition("[")[0]
                    if tag not in fields:
                        continue
                else:
                    path = node.field_path(name)
                text = f"{label(tag)} is negative ({value}): an amount or quantity cannot be below zero"
                yield Problem(path, "negative-amount", text)

    return negative_amounts


@functools.lru_cache(maxsize=1024)
def _amount_fields(cls: type[Any], fields: frozenset[str]) -> tuple[tuple[str, str], ...]:
    """``(name, tag)`` of the single number fields of ``cls`` named in ``fields``, and of its own text."""
    number = (ValueKind.DECIMAL, ValueKind.INTEGER)
    chosen = (
        f
        for f in spec_of(cls).fields
        if f.kind in number and not f.repeated and (f.tag in fields or f.tag == TEXT_CONTENT)
    )
    return tuple((f.name, f.tag) for f in chosen)


__all__ = ["negative_amounts_in"]
