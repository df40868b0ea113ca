"""Lazy re-exports (PEP 562): a package's public names are imported on first use, so importing it stays cheap.

A package lists its public names in a table (public name → the module that defines it) and binds the two module
hooks this function builds::

    if TYPE_CHECKING:  # what type checkers and IDEs see
        from eport.pki.chain import ChainValidator

    _EXPORTS = {"ChainValidator": "eport.pki.chain"}
    __getattr__, __dir__ = lazy_exports(globals(), _EXPORTS)

A name whose module is the package's own submodule of that name (``"imports": "eport.edi.ceb.imports"``) stands for
the submodule itself. This module imports no other eport module, so that every package (the pure :mod:`eport.edi`
too) may use it.
"""

from __future__ import annotations

import importlib
import types
from collections.abc import Callable, Mapping, MutableMapping
from typing import Any


def lazy_exports(
    namespace: MutableMapping[str, Any], table: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """Return a package's module ``__getattr__`` and ``__dir__`` for ``table``.

    Args:
        namespace: the package's ``globals()``; a name, once imported, is kept there (later lookups are plain).
        table: public name → the module that defines it.

    Returns:
        ``__getattr__``, which imports a public name on first use (or a submodule not imported yet, as
        ``eport.pki.keys`` after ``import eport.pki``) and raises :class:`AttributeError` for anything else, and
        ``__dir__``, which lists the public API: the table, the package's ``__all__`` and the submodules imported
        so far (not the package's own imports and helpers).
    """
    package: str = namespace["__name__"]

    def __getattr__(name: str) -> Any:  # noqa: N807 (the module hook, named so in tracebacks)
        module = table.get(name)
        if module is None:
            if not name.startswith("_"):
                try:  # ``import eport.edi; eport.edi.dxp.wrap(...)`` works as it did while packages imported eagerly
                    return importlib.import_module(f"{package}.{name}")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{package}.{name}":
                        raise
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = importlib.import_module(module)
        if module != f"{package}.{name}":
            value = getattr(value, name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:  # noqa: N807
        prefix = f"{package}."
        loaded = (n for n, v in namespace.items() if isinstance(v, types.ModuleType) and v.__name__.startswith(prefix))
        return sorted({*table, *namespace.get("__all__", ()), *loaded})

    __getattr__.__doc__ = f"Import a public name of {package} (or a submodule) on first use and keep it."
    __dir__.__doc__ = f"The public names of {package}, imported or not, and the submodules imported so far."
    return __getattr__, __dir__
