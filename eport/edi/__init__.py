"""Customs messages: typed models, encoders, decoders, validation and code tables.

This package is pure: it does no I/O beyond reading its own package data and imports no other eport package
except :mod:`eport.errors`.
"""

from eport.edi.report import Problem, Severity, ValidationReport

__all__ = ["Problem", "Severity", "ValidationReport"]
