"""Customs declarations (报关单): the ``DecMessage`` models, receipts and file-drop helpers.

Pure: no I/O. See ``docs/declarations.md``.
"""

from __future__ import annotations

from decimal import Decimal

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
