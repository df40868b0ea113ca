"""Business rules the schemas cannot express, one module per message family, plugged in by spec family.

A rule is a function ``rule(message, context) -> Iterable[Problem]`` over a decoded model. Each rule module exposes
a tuple ``RULES`` of such functions, and each family declares which module holds the rules of each of its spec
families (:attr:`eport.edi.core.family.Family.rules`); :func:`eport.edi.validate` runs the rules of the message's
family after XSD validation. Callers can also pass extra rules to :func:`eport.edi.validate` (``rules=...``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any

import attrs

from eport.edi.core import registry
from eport.edi.core.family import load
from eport.edi.core.report import Problem


@attrs.frozen
class RuleContext:
    """What a rule may need besides the message.

    Attributes:
        edition: the schema edition being validated against.
        root: the path of the message's root element (``/ceb:CEB621Message``).
        nodes: every sub-model with its path (:class:`eport.edi.core.walk.Node`, root first), walked once by
            :func:`eport.edi.validate` and shared by the rules; empty when a caller builds the context itself.
    """

    edition: str = "202205"
    root: str = ""
    nodes: tuple[Any, ...] = attrs.field(default=(), repr=False, eq=False)


#: A business rule: takes the message model and the context, yields problems.
Rule = Callable[[Any, RuleContext], Iterable[Problem]]


@functools.cache
def rules_for(family: str) -> tuple[Rule, ...]:
    """Return the rules registered for a spec family (empty for families without rules).

    Each message family declares its rule modules (:attr:`eport.edi.core.family.Family.rules`, spec family →
    module); the module's ``RULES`` tuple is imported on first use.
    """
    for declared in registry.families():
        module_name = declared.rules.get(family)
        if module_name is not None:
            return tuple(load(module_name).RULES)
    return ()


__all__ = ["Rule", "RuleContext", "rules_for"]
