"""CEB schema editions: which one a model belongs to, and converting a message between them.

The 202205 edition (default) and the 2018 edition (公告2018年第113号) share the namespace and the root names. What
differs (see ``docs/edi.md``): the import schema only in two facets (``InventoryList/itemNo`` maxLength 20 vs 30,
``tradeCountry`` length); the export schema of 2018 lacks CEB213–CEB216 (退货申请单, 理货明细单) and their entities,
and some default/fixed values changed. Models of both editions are generated; :func:`to_edition` maps a message to
the other edition's classes, refusing what that edition cannot express.
"""

from __future__ import annotations

import logging
from types import ModuleType
from typing import Any

from eport.edi.ceb import exports, exports2018, imports, imports2018
from eport.edi.core.spec import ValueKind, spec_of
from eport.errors import ConfigurationError, EncodeError

logger = logging.getLogger(__name__)

#: Edition names, newest first.
EDITIONS = ("202205", "2018")

_MODULES: dict[tuple[str, str], ModuleType] = {
    ("ceb-import", "202205"): imports,
    ("ceb-export", "202205"): exports,
    ("ceb-import", "2018"): imports2018,
    ("ceb-export", "2018"): exports2018,
}


def edition_of(message: Any) -> str:
    """Return the edition (``"202205"`` or ``"2018"``) of a CEB model instance or class.

    Raises:
        ConfigurationError: ``message`` is not a CEB model.
    """
    cls = message if isinstance(message, type) else type(message)
    for (_, edition), module in _MODULES.items():
        if getattr(module, cls.__name__, None) is cls:
            return edition
    raise ConfigurationError(f"{cls.__name__} is not a CEB model")


def to_edition(message: Any, edition: str) -> Any:
    """Return ``message`` rebuilt with the model classes of another CEB edition.

    Args:
        message: a CEB model instance (any entity, usually a ``CEBxxxMessage``).
        edition: ``"202205"`` or ``"2018"``.

    Returns:
        The same message in the target edition's classes (``message`` itself when it is already of that edition).

    Raises:
        ConfigurationError: unknown edition, or ``message`` is not a CEB model.
        EncodeError: the target edition has no such entity, or lacks a field the message fills; ``path`` says where.
    """
    if edition not in EDITIONS:
        raise ConfigurationError(f"unknown CEB edition {edition!r}; known: {', '.join(EDITIONS)}")
    if edition_of(message) == edition:
        return message
    spec = spec_of(message)
    return _convert(message, _MODULES[(spec.family, edition)], "/" + spec.tag, edition)


def _convert(obj: Any, module: ModuleType, path: str, edition: str) -> Any:
    cls = type(obj)
    target = getattr(module, cls.__name__, None)
    if target is None:
        raise EncodeError(f"{cls.__name__} does not exist in the {edition} edition", path=path)
    spec, target_spec = spec_of(obj), spec_of(target)
    target_fields = {f.name for f in target_spec.fields} | {a.name for a in target_spec.attributes}
    kwargs: dict[str, Any] = {a.name: getattr(obj, a.name) for a in spec.attributes}
    for f in spec.fields:
        value = getattr(obj, f.name)
        if f.name not in target_fields:
            if value is None or value == ():
                continue
            raise EncodeError(f"{f.tag} does not exist in the {edition} edition", path=f"{path}/{f.tag}")
        if f.kind is ValueKind.MODEL and value is not None:
            if f.repeated:
                value = tuple(_convert(v, module, f"{path}/{f.tag}[{n}]", edition) for n, v in enumerate(value, 1))
            else:
                value = _convert(value, module, f"{path}/{f.tag}", edition)
        kwargs[f.name] = value
    for name in target_fields - set(kwargs):
        kwargs[name] = None
    return target(**kwargs)


__all__ = ["EDITIONS", "edition_of", "to_edition"]
