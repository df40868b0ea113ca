"""Customs messages: typed models, encoders, decoders, validation and code tables.

This package is pure: it does no I/O beyond reading its own package data and imports no other eport package
except :mod:`eport.errors`.
"""

from eport.edi.dec import DecMessage, classify_receipt, decode_declaration, parse_dec_receipt, validate_declaration
from eport.edi.decoding import Decoded, Unparsed, decode, decode_element, decode_lenient
from eport.edi.dxp import DxpMsg, DxpMsgSv, DxpRep, unwrap, wrap
from eport.edi.encoding import encode, encode_many, iter_encode
from eport.edi.receipts import Receipt, parse_receipts, receipts
from eport.edi.report import Problem, Severity, ValidationReport
from eport.edi.return_codes import ReturnStatus, error_code
from eport.edi.validation import validate, validate_bytes

__all__ = [
    "DecMessage",
    "Decoded",
    "DxpMsg",
    "DxpMsgSv",
    "DxpRep",
    "Problem",
    "Receipt",
    "ReturnStatus",
    "Severity",
    "Unparsed",
    "ValidationReport",
    "classify_receipt",
    "decode",
    "decode_declaration",
    "decode_element",
    "decode_lenient",
    "encode",
    "encode_many",
    "error_code",
    "iter_encode",
    "parse_dec_receipt",
    "parse_receipts",
    "receipts",
    "unwrap",
    "validate",
    "validate_bytes",
    "validate_declaration",
    "wrap",
]
