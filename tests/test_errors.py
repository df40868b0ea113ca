"""The exception hierarchy: one root, data in attributes."""

from __future__ import annotations

import inspect

import pytest

from eport import errors


def test_every_public_exception_derives_from_eport_error() -> None:
    classes = [obj for _, obj in inspect.getmembers(errors, inspect.isclass) if issubclass(obj, BaseException)]
    assert len(classes) >= 40
    for cls in classes:
        assert issubclass(cls, errors.EportError), cls
    assert set(errors.__all__) == {c.__name__ for c in classes}


def test_tree_in_docstring_names_every_class() -> None:
    doc = errors.__doc__ or ""
    missing = [name for name in errors.__all__ if name not in doc]
    assert missing == []


def test_apdu_error_carries_status_word() -> None:
    exc = errors.ApduError(0x6A82, b"\x01")
    assert exc.sw == 0x6A82
    assert exc.data == b"\x01"
    assert "6A82" in str(exc)


def test_pin_error_reports_tries_but_no_pin() -> None:
    exc = errors.PinError(0x63C2, tries_left=2)
    assert exc.tries_left == 2
    assert isinstance(exc, errors.CardError)
    assert "2" in str(exc)


def test_decode_error_formats_location() -> None:
    exc = errors.DecodeError("bad", path="/a/b", line=3, column=7)
    assert (exc.path, exc.line, exc.column) == ("/a/b", 3, 7)
    assert str(exc) == "bad (at /a/b; line 3, column 7)"


def test_caller_input_errors_are_value_errors() -> None:
    assert issubclass(errors.ConfigurationError, ValueError)
    assert issubclass(errors.PinPolicyError, ValueError)
    assert not issubclass(errors.PinError, ValueError)


def test_validation_error_keeps_all_problems() -> None:
    exc = errors.ValidationError("two problems", ["a", "b"])
    assert exc.problems == ("a", "b")
    with pytest.raises(errors.EdiError):
        raise exc
