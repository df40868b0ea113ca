"""The module paths that moved when ``eport.edi`` became one engine and four families (#16), for one release.

Importing an old path (``eport.edi.spec``, ``eport.edi.rules.ceb`` …) warns with :class:`DeprecationWarning` and
gives a stand-in module whose attributes are the new module's (and, for the few names that moved to a family,
that family's: ``eport.edi.registry.CEB_NS``). No file is left at the old paths (so that git follows the moved
files): the finder :mod:`eport.edi` places last on :data:`sys.meta_path` hands them to :data:`FINDER`. Removed in
the next release; see CHANGELOG.
"""

from __future__ import annotations

import importlib
import sys
import types
import warnings
from collections.abc import Mapping, Sequence
from importlib.machinery import ModuleSpec
from types import MappingProxyType
from typing import Any

#: Old module path → new module path.
MOVED: Mapping[str, str] = MappingProxyType(
    {
        "eport.edi.spec": "eport.edi.core.spec",
        "eport.edi._paths": "eport.edi.core.paths",
        "eport.edi._xml": "eport.edi.core.safexml",
        "eport.edi.encoding": "eport.edi.core.encoding",
        "eport.edi.decoding": "eport.edi.core.decoding",
        "eport.edi._fastread": "eport.edi.core.fastread",
        "eport.edi.registry": "eport.edi.core.registry",
        "eport.edi.report": "eport.edi.core.report",
        "eport.edi._dispatch": "eport.edi.core.dispatch",
        "eport.edi.validation": "eport.edi.core.validation",
        "eport.edi.rules": "eport.edi.core.rules",
        "eport.edi.rules.walk": "eport.edi.core.walk",
        "eport.edi.rules.schema": "eport.edi.core.schema",
        "eport.edi.rules.ceb": "eport.edi.ceb.rules",
        "eport.edi.rules.dec": "eport.edi.dec.rules",
        "eport.edi.rules.manifest": "eport.edi.manifest.rules",
        "eport.edi.receipts": "eport.edi.ceb.receipts",
        "eport.edi.return_codes": "eport.edi.ceb.status",
        "eport.edi._generated": "eport.edi.ceb._generated",
        "eport.edi._generated.ceb202205_import": "eport.edi.ceb._generated.ceb202205_import",
        "eport.edi._generated.ceb202205_export": "eport.edi.ceb._generated.ceb202205_export",
        "eport.edi._generated.ceb2018_import": "eport.edi.ceb._generated.ceb2018_import",
        "eport.edi._generated.ceb2018_export": "eport.edi.ceb._generated.ceb2018_export",
        "eport.edi._dxp_codec": "eport.edi.dxp.codec",
    }
)

#: Old paths that were packages (their old submodules are in :data:`MOVED` too).
PACKAGES = frozenset({"eport.edi.rules", "eport.edi._generated"})

#: Names that left a moved module for a family: old module → name → ``"module:attribute"``.
LEFT: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "eport.edi.registry": MappingProxyType(
            {
                "CEB_NS": "eport.edi.ceb.family:NS",
                "MANIFEST_NS_TEMPLATE": "eport.edi.manifest.names:NS_TEMPLATE",
                "MANIFEST_NS_PATTERN": "eport.edi.manifest.names:NS_PATTERN",
                "manifest_type": "eport.edi.manifest.names:manifest_type",
            }
        ),
    }
)


class _Alias(types.ModuleType):
    """The stand-in at an old path: every attribute is looked up on the new module."""

    def __getattr__(self, name: str) -> Any:
        target = self.__dict__.get("__eport_target__")
        if target is None:  # during the import itself
            raise AttributeError(name)
        try:
            return getattr(target, name)
        except AttributeError:
            moved = LEFT.get(self.__name__, {}).get(name)
            if moved is None:
                raise
            module_name, _, attr = moved.partition(":")
            return getattr(importlib.import_module(module_name), attr)

    def __dir__(self) -> list[str]:
        target = self.__dict__.get("__eport_target__")
        return sorted({*self.__dict__, *dir(target), *LEFT.get(self.__name__, {})})


def _machinery(frame: types.FrameType) -> bool:
    """True for a frame of the import system, of ``eport.edi``'s attribute lookup (:mod:`eport._lazy`) or of this
    module."""
    module = frame.f_globals.get("__name__", "")
    frozen = frame.f_code.co_filename.startswith("<frozen")
    machinery = ("eport.edi", "eport._lazy", __name__)
    return frozen or module == "importlib" or module.startswith("importlib.") or module in machinery


def _stacklevel() -> int:
    """The ``stacklevel`` that points the warning at the code doing the import.

    :func:`warnings.warn` itself passes over the import system's bootstrap frames; the others are counted.
    """
    level, frame = 2, sys._getframe(2)
    while frame.f_back is not None and _machinery(frame):
        if not ("importlib" in frame.f_code.co_filename and "_bootstrap" in frame.f_code.co_filename):
            level += 1
        frame = frame.f_back
    return level


class AliasFinder:
    """Finds and loads the old module paths of :data:`MOVED` (a :data:`sys.meta_path` finder and loader)."""

    def find_spec(self, fullname: str, path: Sequence[str] | None = None, target: object = None) -> ModuleSpec | None:
        """A spec for an old path, ``None`` for every other module."""
        if fullname not in MOVED:
            return None
        return ModuleSpec(fullname, self, is_package=fullname in PACKAGES)  # type: ignore[arg-type]

    def create_module(self, spec: ModuleSpec) -> types.ModuleType:
        """The stand-in module (empty until :meth:`exec_module`)."""
        return _Alias(spec.name)

    def exec_module(self, module: types.ModuleType) -> None:
        """Warn, import the new module and point the stand-in at it."""
        new = MOVED[module.__name__]
        warnings.warn(
            f"{module.__name__} moved to {new}; the old path is removed in the next release",
            DeprecationWarning,
            stacklevel=_stacklevel(),
        )
        module.__dict__["__eport_target__"] = importlib.import_module(new)
        module.__doc__ = f"Deprecated alias of :mod:`{new}`."


#: The finder that loads the old paths (:mod:`eport.edi` asks it about missing ``eport.edi.*`` modules).
FINDER = AliasFinder()


__all__ = ["FINDER", "LEFT", "MOVED", "PACKAGES", "AliasFinder"]
