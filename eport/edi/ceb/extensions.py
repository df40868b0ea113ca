"""Known real-world extensions of the CEB schemas: elements real messages carry that the published XSD lacks.

Real CEB816 tax receipts (电子税单) from two different customs districts carry ``orderNo`` (订单编号) and
``logisticsNo`` (物流运单编号) as the last children of ``TaxHeadRd``; the published schemas (2018 and 202205) end
``TaxHeadRd`` at ``customsCode``. Strict decoding refused such receipts and lenient decoding lost the two numbers on
re-encoding. eport's generated models (``tools/gen_models.py``) therefore carry them as typed, optional fields after
the schema's own, in both editions; validation reports them as ``known-extension`` warnings (the official schema
still does not allow them, so customs software that validates strictly may refuse them). The lengths are not
published: the limits below follow the same numbers elsewhere in the schema (``orderNo`` and ``logisticsNo`` of
CEB311/CEB511, at most 60 characters) and are not verified.

Any other element the schema lacks is kept verbatim by :func:`eport.edi.decode_lenient` (``Decoded.unparsed``) and
written back by :func:`eport.edi.encode_lenient`.

This module is pure data (the generator reads it); it imports nothing from eport.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

#: One extension field: its XML tag, its maximum length and its documentation.
Extension = tuple[str, int, str]

#: Entity (the schema's element name) → the extension fields appended after its schema fields, in order.
EXTENSIONS: Mapping[str, tuple[Extension, ...]] = MappingProxyType(
    {
        "TaxHeadRd": (
            ("orderNo", 60, "订单编号 (extension: carried by real CEB816 receipts, not in the published XSD)"),
            ("logisticsNo", 60, "物流运单编号 (extension: carried by real CEB816 receipts, not in the published XSD)"),
        ),
    }
)


def is_extension(entity: str, tag: str) -> bool:
    """Whether ``tag`` is a known extension field of ``entity`` (``("TaxHeadRd", "orderNo")`` → True)."""
    return any(name == tag for name, _, _ in EXTENSIONS.get(entity, ()))


__all__ = ["EXTENSIONS", "Extension", "is_extension"]
