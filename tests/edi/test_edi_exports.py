"""``eport.edi`` re-exports its public names lazily: each resolves, and importing the package stays cheap."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

import eport.edi as edi


@pytest.mark.parametrize("name", edi.__all__)
def test_every_public_name_resolves(name: str) -> None:
    value = getattr(edi, name)
    assert value is not None
    assert getattr(value, "__name__", name) == name  # the object itself, not a module of the same name
    assert name in dir(edi)


def test_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_name"):
        _ = edi.no_such_name
    assert not hasattr(edi, "no_such_name")


def _fresh(code: str) -> str:
    run = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120, check=True
    )
    return run.stdout.strip()


def test_import_does_not_build_the_heavy_modules() -> None:
    out = _fresh(
        """
        import sys
        import eport.edi
        print(sorted(m for m in sys.modules if m.startswith("eport.edi.")))
        """
    )
    assert out == "[]"


def test_star_import_and_from_import_in_a_fresh_interpreter() -> None:
    out = _fresh(
        """
        from eport.edi import *
        import eport.edi
        assert all(name in globals() for name in eport.edi.__all__)
        from eport.edi import DecMessage, decode
        assert DecMessage.__module__ == "eport.edi.dec.models" and decode.__module__ == "eport.edi.core.dispatch"
        print("ok")
        """
    )
    assert out == "ok"


def test_receipts_stays_the_function_whichever_import_comes_first() -> None:
    out = _fresh(
        """
        import eport.edi.ceb.receipts
        import eport.edi
        from eport.edi import receipts
        import importlib
        module = importlib.import_module("eport.edi.ceb.receipts")
        assert callable(receipts) and receipts is module.receipts and eport.edi.receipts is module.receipts
        print("ok")
        """
    )
    assert out == "ok"


def test_subpackages_resolve_as_attributes_in_a_fresh_interpreter() -> None:
    out = _fresh(
        """
        import eport.edi
        assert eport.edi.dxp.wrap is eport.edi.wrap
        assert eport.edi.dec.DecMessage is eport.edi.DecMessage
        assert eport.edi.codes.currency("502").alpha == "USD"
        assert not hasattr(eport.edi, "no_such_module")
        print("ok")
        """
    )
    assert out == "ok"
