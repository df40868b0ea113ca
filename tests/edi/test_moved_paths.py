"""The module paths moved by the one-engine layout (#16) still import for one release, with a DeprecationWarning."""

from __future__ import annotations

import importlib
import re
import sys
from collections.abc import Iterator

import pytest

import eport.edi
from eport.edi._moved import LEFT, MOVED, PACKAGES


@pytest.fixture
def fresh() -> Iterator[None]:
    """Forget the old paths before and after the test, so that each import runs (and warns) again."""

    def forget() -> None:
        for name in MOVED:
            sys.modules.pop(name, None)
            eport.edi.__dict__.pop(name.removeprefix("eport.edi.").partition(".")[0], None)

    forget()
    yield
    forget()


def _moved(old: str) -> str:
    """The warning an old path gives, as a ``match`` pattern."""
    return rf"^{re.escape(old)} moved to {re.escape(MOVED[old])};"


def _old(old: str) -> object:
    parent = old.rpartition(".")[0]
    if parent in MOVED and parent not in sys.modules:  # an old package: importing it warns on its own
        _old(parent)
    with pytest.warns(DeprecationWarning, match=_moved(old)):
        return importlib.import_module(old)


@pytest.mark.usefixtures("fresh")
@pytest.mark.parametrize("old", sorted(MOVED))
def test_old_path_warns_and_gives_the_new_module(old: str) -> None:
    new = importlib.import_module(MOVED[old])
    parent = old.rpartition(".")[0]
    if parent in MOVED:
        _old(parent)
    with pytest.warns(DeprecationWarning, match=_moved(old)) as caught:
        alias = importlib.import_module(old)
    assert caught[-1].filename == __file__  # the warning names the importing code, not the import machinery
    names = sorted(getattr(new, "__all__", None) or [n for n in vars(new) if not n.startswith("__")])
    assert all(getattr(alias, name) is getattr(new, name) for name in names)
    assert set(names) <= set(dir(alias))
    assert hasattr(alias, "__path__") is (old in PACKAGES)


@pytest.mark.usefixtures("fresh")
def test_an_old_path_reached_as_an_attribute_warns_at_the_caller() -> None:
    with pytest.warns(DeprecationWarning, match=_moved("eport.edi.spec")) as caught:
        alias = eport.edi.spec  # type: ignore[attr-defined]  # through the package's lazy __getattr__
    assert caught[-1].filename == __file__  # not eport/_lazy.py, where the attribute lookup runs
    assert alias.ModelSpec is importlib.import_module("eport.edi.core.spec").ModelSpec


@pytest.mark.usefixtures("fresh")
def test_from_imports_through_old_paths() -> None:
    from eport.edi.ceb.rules import RULES
    from eport.edi.core.report import ValidationReport

    old_rules = _old("eport.edi.rules.ceb")
    old_report = _old("eport.edi.report")
    assert old_rules.RULES is RULES  # type: ignore[attr-defined]
    assert [getattr(old_report, name) for name in old_report.__all__] == [  # type: ignore[attr-defined]
        getattr(importlib.import_module("eport.edi.core.report"), name)
        for name in old_report.__all__  # type: ignore[attr-defined]
    ]
    assert old_report.ValidationReport is ValidationReport  # type: ignore[attr-defined]


@pytest.mark.usefixtures("fresh")
def test_names_that_left_for_a_family_are_still_on_the_old_path() -> None:
    old = _old("eport.edi.registry")
    for name, target in LEFT["eport.edi.registry"].items():
        module, _, attr = target.partition(":")
        assert getattr(old, name) is getattr(importlib.import_module(module), attr)
    with pytest.raises(AttributeError):
        _ = old.no_such_name  # type: ignore[attr-defined]


@pytest.mark.usefixtures("fresh")
def test_receipts_stays_the_function_after_the_old_module_path_is_imported() -> None:
    from eport.edi.ceb.receipts import receipts

    _old("eport.edi.receipts")
    assert eport.edi.receipts is receipts


def test_missing_modules_stay_missing() -> None:
    with pytest.raises(ModuleNotFoundError, match=r"eport\.edi\.no_such_module"):
        importlib.import_module("eport.edi.no_such_module")
    with pytest.raises(ModuleNotFoundError, match=r"eport\.edi\.core\.no_such_module"):
        importlib.import_module("eport.edi.core.no_such_module")
