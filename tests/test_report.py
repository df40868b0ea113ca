"""Validation reports."""

from __future__ import annotations

import pytest

from eport.edi import Problem, Severity, ValidationReport
from eport.errors import ValidationError


def test_report_with_only_warnings_is_ok() -> None:
    report = ValidationReport.of([Problem("/a", "w", "careful", Severity.WARNING)])
    assert report.ok
    assert len(report) == 1
    report.raise_for_errors()


def test_report_raises_with_every_error() -> None:
    report = ValidationReport.of([Problem("/a", "x", "one"), Problem("/b", "y", "two")])
    assert not report.ok
    with pytest.raises(ValidationError) as info:
        report.raise_for_errors()
    assert [p.path for p in info.value.problems] == ["/a", "/b"]
    assert "(+1 more)" in str(info.value)


def test_report_renders_as_html_table() -> None:
    report = ValidationReport.of([Problem("/ceb:CEB621Message/ceb:x", "code-table", "bad <currency>")])
    html = report._repr_html_()
    assert "<table" in html
    assert "code-table" in html
    assert "bad &lt;currency&gt;" in html
