"""Customs messages: typed models, encoders, decoders, validation and code tables.

This package is pure: it does no I/O beyond reading its own package data and imports no other eport package
except :mod:`eport.errors`.
"""

from eport.edi.decoding import Decoded, Unparsed, decode, decode_element, decode_lenient
from eport.edi.encoding import encode, encode_many, iter_encode
from eport.edi.report import Problem, Severity, ValidationReport

__all__ = [
    "Decoded",
    "Problem",
    "Severity",
    "Unparsed",
    "ValidationReport",
    "decode",
    "decode_element",
    "decode_lenient",
    "encode",
    "encode_many",
    "iter_encode",
]
