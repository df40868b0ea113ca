"""Customs messages: typed models, encoders, decoders, validation and code tables.

This package is pure: it does no I/O beyond reading its own package data and imports no other eport package
except :mod:`eport.errors` (and :mod:`eport._lazy`, which imports none, for the lazy names below).

The names below are imported on first use (``import eport.edi`` stays cheap; the declaration models, for one,
take a while to build). ``from eport.edi import decode`` and ``eport.edi.decode`` work as usual.

The package is one engine (:mod:`eport.edi.core`) and four message families (:mod:`eport.edi.ceb`,
:mod:`eport.edi.dec`, :mod:`eport.edi.manifest`, :mod:`eport.edi.dxp`) that declare themselves to it; ``decode``,
``decode_lenient``, ``encode`` and ``validate`` handle every family (manifests and DXP envelopes through their
families' codecs). See ``docs/architecture.md``.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

from eport._lazy import lazy_exports

if TYPE_CHECKING:  # what type checkers and IDEs see; at run time module __getattr__ imports these on first use
    from eport.edi.ceb.receipts import Receipt, parse_receipts, receipts
    from eport.edi.ceb.status import ReturnStatus, error_code
    from eport.edi.core.decoding import Decoded, Unparsed, decode_element
    from eport.edi.core.dispatch import decode, decode_lenient
    from eport.edi.core.encoding import encode, encode_many, iter_encode
    from eport.edi.core.reencode import encode_lenient
    from eport.edi.core.report import Problem, Severity, ValidationReport
    from eport.edi.core.validation import validate, validate_bytes
    from eport.edi.dec import DecMessage, classify_receipt, decode_declaration, parse_dec_receipt, validate_declaration
    from eport.edi.dxp import DxpMsg, DxpMsgSv, DxpRep, unwrap, wrap

#: Public name → the module that defines it.
_EXPORTS: dict[str, str] = {
    **dict.fromkeys(
        ("DecMessage", "classify_receipt", "decode_declaration", "parse_dec_receipt", "validate_declaration"),
        "eport.edi.dec",
    ),
    **dict.fromkeys(("decode", "decode_lenient"), "eport.edi.core.dispatch"),  # + the manifest family
    **dict.fromkeys(("encode", "encode_many", "iter_encode"), "eport.edi.core.encoding"),  # manifests included
    **dict.fromkeys(("Decoded", "Unparsed", "decode_element"), "eport.edi.core.decoding"),
    **dict.fromkeys(("DxpMsg", "DxpMsgSv", "DxpRep", "unwrap", "wrap"), "eport.edi.dxp"),
    **dict.fromkeys(("Receipt", "parse_receipts", "receipts"), "eport.edi.ceb.receipts"),
    **dict.fromkeys(("Problem", "Severity", "ValidationReport"), "eport.edi.core.report"),
    "encode_lenient": "eport.edi.core.reencode",
    **dict.fromkeys(("ReturnStatus", "error_code"), "eport.edi.ceb.status"),
    **dict.fromkeys(("validate", "validate_bytes"), "eport.edi.core.validation"),
}


__getattr__, __dir__ = lazy_exports(globals(), _EXPORTS)


class _Package(types.ModuleType):
    """The package's module type: keeps ``eport.edi.receipts`` the function whatever is imported when.

    The function :func:`eport.edi.ceb.receipts.receipts` was defined in a module ``eport.edi.receipts``, whose old
    path still imports for one release (:mod:`eport.edi._moved`). When the import system loads that path it binds
    the module to the package attribute; this property ignores that binding, so ``eport.edi.receipts(message)``
    works whatever is imported when.
    """

    @property
    def receipts(self) -> Any:
        return importlib.import_module("eport.edi.ceb.receipts").receipts

    @receipts.setter
    def receipts(self, value: Any) -> None:
        pass  # the import system binding the submodule: the function keeps the name


class _MovedPaths:
    """Answers for the module paths that moved in the one-engine layout (``eport.edi.spec`` …), for one release.

    Placed last on :data:`sys.meta_path`, it is asked only about modules no other finder has: it hands the
    ``eport.edi.*`` ones to :mod:`eport.edi._moved` (imported then), which warns and aliases the new module.
    """

    @staticmethod
    def find_spec(fullname: str, path: Any = None, target: Any = None) -> Any:
        if not fullname.startswith(__name__ + ".") or fullname == __name__ + "._moved":
            return None
        return importlib.import_module(__name__ + "._moved").FINDER.find_spec(fullname, path, target)


if not any(isinstance(finder, _MovedPaths) for finder in sys.meta_path):
    sys.meta_path.append(_MovedPaths())
sys.modules[__name__].__class__ = _Package

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
    "encode_lenient",
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
