"""Validation problems and reports, shared by every message family."""

from __future__ import annotations

import enum
import importlib
from collections.abc import Iterable, Iterator

import attrs

from eport.errors import ValidationError


class Severity(enum.Enum):
    """How bad a problem is. Only ``ERROR`` makes a report invalid."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@attrs.frozen
class Problem:
    """One validation problem.

    Attributes:
        path: where, as an element path such as ``/CEB621Message/Inventory[1]/InventoryList[2]/gnum``.
        code: a stable machine-readable code, e.g. ``"xsd"``, ``"code-table"``, ``"gnum-sequence"``.
        message: English text, with the Chinese field name where it helps (``gnum 商品序号``).
        severity: error, warning or info.
    """

    path: str
    code: str
    message: str
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        return f"{self.severity.value}: {self.path}: [{self.code}] {self.message}"


@attrs.frozen
class ValidationReport:
    """All problems found in one message. Iterable; falsy problems list means valid."""

    problems: tuple[Problem, ...] = ()

    @classmethod
    def of(cls, problems: Iterable[Problem]) -> ValidationReport:
        """Build a report from any iterable of problems."""
        return cls(tuple(problems))

    @property
    def ok(self) -> bool:
        """True when no problem has severity ERROR."""
        return not any(p.severity is Severity.ERROR for p in self.problems)

    @property
    def errors(self) -> tuple[Problem, ...]:
        """Problems of severity ERROR."""
        return tuple(p for p in self.problems if p.severity is Severity.ERROR)

    def __iter__(self) -> Iterator[Problem]:
        return iter(self.problems)

    def __len__(self) -> int:
        return len(self.problems)

    def merge(self, other: ValidationReport) -> ValidationReport:
        """Return a report with the problems of both."""
        return ValidationReport(self.problems + other.problems)

    def _repr_html_(self) -> str:
        """Render the report as an HTML table in Jupyter."""
        # Late-bound like ModelBase._repr_html_: the notebook helpers sit above the families, the engine below.
        return str(importlib.import_module("eport.edi.notebook").render_html(self))

    def raise_for_errors(self) -> None:
        """Raise :class:`eport.errors.ValidationError` carrying every problem when the report has errors."""
        errors = self.errors
        if errors:
            first = errors[0]
            more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
            raise ValidationError(f"{first}{more}", errors)


__all__ = ["Problem", "Severity", "ValidationReport"]
