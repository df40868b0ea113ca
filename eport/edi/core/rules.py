"""Business rules the schemas cannot express, one module per message family, plugged in by spec family.

A rule is a function ``rule(message, context) -> Iterable[Problem]`` over a decoded model. Each rule module exposes
a tuple ``RULES`` of such functions. :data:`RULE_MODULES` maps a :attr:`eport.edi.core.spec.ModelSpec.family` to the
module holding its rules; :func:`eport.edi.validate` runs the rules of the message's family after XSD
validation. A new family plugs in by adding a module with ``RULES`` and one line to :data:`RULE_MODULES`;
callers can also pass extra rules to :func:`eport.edi.validate` (``rules=...``).
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs

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

#: Spec family -> module whose ``RULES`` apply to messages of that family.
RULE_MODULES: Mapping[str, str] = {
    "ceb-import": "eport.edi.ceb.rules",
    "ceb-export": "eport.edi.ceb.rules",
    "ceb": "eport.edi.ceb.rules",
    "dec": "eport.edi.dec.rules",
    "manifest": "eport.edi.manifest.rules",
}


@functools.cache
def rules_for(family: str) -> tuple[Rule, ...]:
    """Return the rules registered for a spec family (empty for families without rules)."""
    module_name = RULE_MODULES.get(family)
    if module_name is None:
        return ()
    module = importlib.import_module(module_name)
    return tuple(module.RULES)


__all__ = ["RULE_MODULES", "Rule", "RuleContext", "rules_for"]
