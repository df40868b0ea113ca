"""``eport._lazy.lazy_exports``: the module hooks behind every package's lazy re-exports."""

from __future__ import annotations

import importlib
import subprocess
import sys
import types
from typing import Any

import pytest

import eport.edi.ceb as ceb
from eport._lazy import lazy_exports

#: The packages that re-export their names through the helper.
LAZY_PACKAGES = (
    "eport.edi",
    "eport.edi.ceb",
    "eport.edi.dec",
    "eport.edi.dxp",
    "eport.edi.manifest",
    "eport.pki",
    "eport.services",
)


def _package(table: dict[str, str], name: str = "eport.edi.core") -> dict[str, Any]:
    """A namespace standing for package ``name`` (a real package, so that its submodules import)."""
    namespace: dict[str, Any] = {"__name__": name, "here": 1}
    namespace["__getattr__"], namespace["__dir__"] = lazy_exports(namespace, table)
    return namespace


def test_a_public_name_is_imported_on_first_use_and_kept() -> None:
    namespace = _package({"Problem": "eport.edi.core.report"})
    from eport.edi.core.report import Problem

    assert "Problem" not in namespace
    assert namespace["__getattr__"]("Problem") is Problem
    assert namespace["Problem"] is Problem  # later lookups do not come back to __getattr__


def test_a_name_of_its_own_submodule_is_the_submodule() -> None:
    namespace = _package({"report": "eport.edi.core.report"})
    value = namespace["__getattr__"]("report")
    assert isinstance(value, types.ModuleType)
    assert value.__name__ == "eport.edi.core.report"


def test_a_submodule_not_in_the_table_resolves() -> None:
    value = _package({})["__getattr__"]("safexml")
    assert value.__name__ == "eport.edi.core.safexml"


def test_unknown_and_private_names_are_attribute_errors() -> None:
    getattr_ = _package({})["__getattr__"]
    with pytest.raises(AttributeError, match=r"module 'eport.edi.core' has no attribute 'no_such_name'"):
        getattr_("no_such_name")
    with pytest.raises(AttributeError, match="_private"):
        getattr_("_private")


def test_a_submodule_that_fails_on_a_missing_import_says_so(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "lazypkg").mkdir()
    (tmp_path / "lazypkg" / "__init__.py").write_text("")
    (tmp_path / "lazypkg" / "broken.py").write_text("import no_such_dependency_of_broken\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    getattr_ = _package({}, "lazypkg")["__getattr__"]
    with pytest.raises(ModuleNotFoundError, match="no_such_dependency_of_broken"):
        getattr_("broken")  # not turned into "no attribute": the missing dependency is named


def test_dir_lists_the_public_names_and_the_submodules_imported() -> None:
    namespace = _package({"Problem": "eport.edi.core.report", "Severity": "eport.edi.core.report"})
    namespace["__all__"] = ["Problem", "Severity", "here"]
    namespace["helper"] = 2  # a module-level helper that is not public
    namespace["importlib"] = importlib  # an import of the package's own
    assert namespace["__dir__"]() == ["Problem", "Severity", "here"]
    namespace["__getattr__"]("safexml")  # a submodule imported, as the import system binds it
    namespace["safexml"] = importlib.import_module("eport.edi.core.safexml")
    assert namespace["__dir__"]() == ["Problem", "Severity", "here", "safexml"]


def test_ceb_submodules_stay_modules() -> None:
    assert isinstance(ceb.imports, types.ModuleType)
    assert ceb.imports.__name__ == "eport.edi.ceb.imports"
    assert ceb.to_edition.__module__ == "eport.edi.ceb.editions"


@pytest.mark.parametrize("package", LAZY_PACKAGES)
def test_every_public_name_of_a_lazy_package_resolves_in_a_fresh_interpreter(package: str) -> None:
    code = (
        f"import {package} as p\n"
        "missing = [n for n in p.__all__ if getattr(p, n, None) is None]\n"
        "unlisted = [n for n in p.__all__ if n not in dir(p)]\n"
        "print(missing, unlisted)"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert run.stdout.strip() == "[] []"
