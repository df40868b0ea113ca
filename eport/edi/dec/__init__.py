"""Customs declarations (报关单): the ``DecMessage`` models, receipts and file-drop helpers.

Pure: no I/O. See ``docs/declarations.md``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from eport._lazy import lazy_exports

if TYPE_CHECKING:  # what type checkers and IDEs see; at run time __getattr__ imports these on first use
    from eport.edi.codes import CodeBook, Generation
    from eport.edi.core.report import ValidationReport
    from eport.edi.dec.channel import Channel, ChannelGroup, DecStatus
    from eport.edi.dec.codec import decode_declaration, decode_declaration_lenient, encode_declaration
    from eport.edi.dec.filedrop import ReceiptKind, classify_receipt
    from eport.edi.dec.flags import DataSource, DeclarationMode, DecType, Level, OperType, PromiseItems, SpecDeclFlag
    from eport.edi.dec.models import (
        NS,
        REQUIRED_TO_DECLARE,
        REQUIRED_TO_SAVE,
        DecContainer,
        DecContainers,
        DecCopLimit,
        DecCopLimits,
        DecCopPromise,
        DecCopPromises,
        DecFreeTxt,
        DecGoodsLimit,
        DecGoodsLimits,
        DecGoodsLimitVin,
        DecHead,
        DecLicenseDocus,
        DecList,
        DecLists,
        DecMarkLob,
        DecMarkLobs,
        DecMessage,
        DecOtherPack,
        DecOtherPacks,
        DecRequestCert,
        DecRequestCerts,
        DecRisk,
        DecSign,
        DecSupplementList,
        DecSupplementLists,
        DecUser,
        DecUsers,
        EcoRelation,
        EdocRealation,
        LicenseDocu,
        SddTax,
        SddTaxDetail,
        SddTaxDetails,
        SddTaxHead,
        SddTaxList,
        SddTaxLists,
        TrnContaGoods,
        TrnContaGoodsList,
        TrnContainer,
        TrnContainers,
        TrnHead,
        TrnList,
    )
    from eport.edi.dec.receipts import DecData, DecImportResponse, DecResult, FailInfo, parse_dec_receipt

#: Public name → the module that defines it; imported on first use, so that importing the package (the family
#: registering with the engine, for one) does not build every model.
_LAZY: dict[str, str] = {
    **dict.fromkeys(("Channel", "ChannelGroup", "DecStatus"), "eport.edi.dec.channel"),
    **dict.fromkeys(("decode_declaration", "decode_declaration_lenient", "encode_declaration"), "eport.edi.dec.codec"),
    **dict.fromkeys(("ReceiptKind", "classify_receipt"), "eport.edi.dec.filedrop"),
    **dict.fromkeys(
        ("DataSource", "DeclarationMode", "DecType", "Level", "OperType", "PromiseItems", "SpecDeclFlag"),
        "eport.edi.dec.flags",
    ),
    **dict.fromkeys(
        (
            "NS",
            "REQUIRED_TO_DECLARE",
            "REQUIRED_TO_SAVE",
            "DecContainer",
            "DecContainers",
            "DecCopLimit",
            "DecCopLimits",
            "DecCopPromise",
            "DecCopPromises",
            "DecFreeTxt",
            "DecGoodsLimit",
            "DecGoodsLimits",
            "DecGoodsLimitVin",
            "DecHead",
            "DecLicenseDocus",
            "DecList",
            "DecLists",
            "DecMarkLob",
            "DecMarkLobs",
            "DecMessage",
            "DecOtherPack",
            "DecOtherPacks",
            "DecRequestCert",
            "DecRequestCerts",
            "DecRisk",
            "DecSign",
            "DecSupplementList",
            "DecSupplementLists",
            "DecUser",
            "DecUsers",
            "EcoRelation",
            "EdocRealation",
            "LicenseDocu",
            "SddTax",
            "SddTaxDetail",
            "SddTaxDetails",
            "SddTaxHead",
            "SddTaxList",
            "SddTaxLists",
            "TrnContaGoods",
            "TrnContaGoodsList",
            "TrnContainer",
            "TrnContainers",
            "TrnHead",
            "TrnList",
        ),
        "eport.edi.dec.models",
    ),
    **dict.fromkeys(
        ("DecData", "DecImportResponse", "DecResult", "FailInfo", "parse_dec_receipt"), "eport.edi.dec.receipts"
    ),
}


__getattr__, __dir__ = lazy_exports(globals(), _LAZY)


def validate_declaration(
    message: DecMessage,
    *,
    level: Level | None = None,
    generation: Generation | None = None,
    codebook: CodeBook | None = None,
    total_tolerance: Decimal = Decimal("0.01"),
    price_decimals: int | None = 4,
) -> ValidationReport:
    """Check a declaration with every declaration rule; see :func:`eport.edi.dec.rules.validate_declaration`."""
    from eport.edi.dec import rules

    return rules.validate_declaration(
        message,
        level=level,
        generation=generation,
        codebook=codebook,
        total_tolerance=total_tolerance,
        price_decimals=price_decimals,
    )


__all__ = [
    "NS",
    "REQUIRED_TO_DECLARE",
    "REQUIRED_TO_SAVE",
    "Channel",
    "ChannelGroup",
    "DataSource",
    "DecContainer",
    "DecContainers",
    "DecCopLimit",
    "DecCopLimits",
    "DecCopPromise",
    "DecCopPromises",
    "DecData",
    "DecFreeTxt",
    "DecGoodsLimit",
    "DecGoodsLimitVin",
    "DecGoodsLimits",
    "DecHead",
    "DecImportResponse",
    "DecLicenseDocus",
    "DecList",
    "DecLists",
    "DecMarkLob",
    "DecMarkLobs",
    "DecMessage",
    "DecOtherPack",
    "DecOtherPacks",
    "DecRequestCert",
    "DecRequestCerts",
    "DecResult",
    "DecRisk",
    "DecSign",
    "DecStatus",
    "DecSupplementList",
    "DecSupplementLists",
    "DecType",
    "DecUser",
    "DecUsers",
    "DeclarationMode",
    "EcoRelation",
    "EdocRealation",
    "FailInfo",
    "Level",
    "LicenseDocu",
    "OperType",
    "PromiseItems",
    "ReceiptKind",
    "SddTax",
    "SddTaxDetail",
    "SddTaxDetails",
    "SddTaxHead",
    "SddTaxList",
    "SddTaxLists",
    "SpecDeclFlag",
    "TrnContaGoods",
    "TrnContaGoodsList",
    "TrnContainer",
    "TrnContainers",
    "TrnHead",
    "TrnList",
    "classify_receipt",
    "decode_declaration",
    "decode_declaration_lenient",
    "encode_declaration",
    "parse_dec_receipt",
    "validate_declaration",
]
