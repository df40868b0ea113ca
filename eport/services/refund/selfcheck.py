"""The local self-check (自检): the tax side's doubt (疑点) rules applied to planned claim lines.

Each claim line of the 出口明细申报表 is compared with the customs refund-copy record of the 21-character number it
claims (``REFUND_AND_VERIFICATION.md`` §2.5). The rules and their exact codes:

==============================  =====  ====  ==========================================================================
code (``YDCODE``)               level  pass  rule
==============================  =====  ====  ==========================================================================
``MDT_CKHW_BGD_WDZXX``          E      N     the 报关单号 has no customs electronic record
``MDT_CKHW_BGD_USDLAJ_CY``      E      N     \\|declared − customs USD FOB\\| > 1 USD **and** > 5 % of customs, no
                                             离岸价差异原因说明 for the item (customs value prorated for a
                                             partial claim: :func:`customs_fob`)
``MDT_CKHW_BGD_USDLAJ_GD``      I      Y     the same difference, explained by an amendment (改单) not yet synced
``MDT_CKHW_BGD_LSSBJL``         I      Y     the item was claimed before (or twice in this check): possible duplicate
``MDT_CKHW_BGD_BYTS``           E      N     the item is flagged 不予退税
``MDT_CKHW_BGD_CD``             E      N     a valid 退运证明 with purpose 撤单 exists
``MDT_CKHW_BGD_GD``             E      N     a valid 退运证明 with purpose 改单 exists and no amended data is held
``MDT_CKHW_BGD_SPDM``           E      N     the commodity code differs (compared over the shorter length)
``MDT_CKHW_BGD_MYXZ_BCZ``       E      N     the 监管方式 is missing or has no refund-type entry
``MDT_CKHW_BGD_MYXZ_BTS``       E      N     the 监管方式 is not refundable (refund type ``0``)
``MDT_CKHW_BGD_CKRQ``           E      N     启运港 line: the export date differs from the departure date
``MDT_CKHW_BGD_QYGTS_FQYG``     E      N     启运港 line (``QYGTS``) for an item that is not a 启运港 item *
``MDT_CKHW_BGD_QYGTS_CXCK``     E      N     启运港 line for an item whose export was cancelled (撤销出口) *
``MDT_CKHW_BGD_QYGTS_QYLB``     E      N     启运港 line from an enterprise whose class is not A or B *
``MDT_CKHW_BGD_HZCJ_BYZ``       E      N     红字冲减 (``HZCJ``) amounts differ from the amounts claimed before
``MTS_CKHW_BGD_LMYCL_ZZMDG``    E      N     ``LMYCL`` business type but the destination is not 142 (China)
``XFS_CKMX_XFSSP_WDZXX``        E      N     the 消费税 payment certificate has no electronic record
==============================  =====  ====  ==========================================================================

\\* The reference names the 启运港 family only as ``MDT_CKHW_BGD_QYGTS_*``; the three suffixes are eport's.

The thresholds (1 USD, 5 %) come from one provincial system and may differ (unverified): they are parameters of
:class:`SelfCheckConfig`, like the 监管方式 refund-type table (:data:`DEFAULT_TRADE_MODE_REFUND`, eport's reading of
which 监管方式 are refundable; the tax side keeps the authoritative table).

:func:`check_declarations` takes the enterprise's own data as it is: its ``DecMessage`` documents with their receipts
(from :class:`~eport.services.ClearanceClient`) and the planned claim lines.

The engine streams: records are looked up in a mapping (build it once, e.g. with :func:`index_records`), claim lines
are consumed one at a time and doubts yielded as found, so a check of any number of lines holds only the records and
the set of numbers already seen.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

import attrs

from eport.edi.dec import DecMessage, DecResult
from eport.errors import FieldError
from eport.services.receipts import StatusEvent
from eport.services.refund.lines import ClaimLine
from eport.services.refund.models import Doubt, DoubtLevel, RefundRecord, ReturnPurpose
from eport.services.refund.records import records_of

if TYPE_CHECKING:
    import pandas as pd

WDZXX = "MDT_CKHW_BGD_WDZXX"
USDLAJ_CY = "MDT_CKHW_BGD_USDLAJ_CY"
USDLAJ_GD = "MDT_CKHW_BGD_USDLAJ_GD"
LSSBJL = "MDT_CKHW_BGD_LSSBJL"
BYTS = "MDT_CKHW_BGD_BYTS"
CD = "MDT_CKHW_BGD_CD"
GD = "MDT_CKHW_BGD_GD"
SPDM = "MDT_CKHW_BGD_SPDM"
MYXZ_BCZ = "MDT_CKHW_BGD_MYXZ_BCZ"
MYXZ_BTS = "MDT_CKHW_BGD_MYXZ_BTS"
CKRQ = "MDT_CKHW_BGD_CKRQ"
QYGTS_FQYG = "MDT_CKHW_BGD_QYGTS_FQYG"
QYGTS_CXCK = "MDT_CKHW_BGD_QYGTS_CXCK"
QYGTS_QYLB = "MDT_CKHW_BGD_QYGTS_QYLB"
HZCJ_BYZ = "MDT_CKHW_BGD_HZCJ_BYZ"
LMYCL_ZZMDG = "MTS_CKHW_BGD_LMYCL_ZZMDG"
XFS_WDZXX = "XFS_CKMX_XFSSP_WDZXX"

#: code -> (level, passable, description)
RULES: Mapping[str, tuple[DoubtLevel, bool, str]] = {
    WDZXX: (DoubtLevel.ERROR, False, "出口货物报关单号[{no}]无电子信息！ no customs electronic record"),
    USDLAJ_CY: (DoubtLevel.ERROR, False, "美元离岸价与报关单电子信息不符 USD FOB {declared} vs customs {customs}"),
    USDLAJ_GD: (DoubtLevel.INFO, True, "离岸价差异由改单引起(改单数据未同步) difference explained by an amendment"),
    LSSBJL: (DoubtLevel.INFO, True, "报关单项[{no}]已参与退税申报 item already claimed: possible duplicate"),
    BYTS: (DoubtLevel.ERROR, False, "报关单项[{no}]不予退税 flagged not refundable"),
    CD: (DoubtLevel.ERROR, False, "报关单项[{no}]已开具撤单退运证明 withdrawn (撤单)"),
    GD: (DoubtLevel.ERROR, False, "报关单项[{no}]已开具改单证明但无改单数据 amended without amended data"),
    SPDM: (DoubtLevel.ERROR, False, "出口商品代码[{declared}]与报关单商品代码[{customs}]不符 commodity code differs"),
    MYXZ_BCZ: (DoubtLevel.ERROR, False, "报关单监管方式[{customs}]不存在 trade mode missing or unknown"),
    MYXZ_BTS: (DoubtLevel.ERROR, False, "报关单监管方式[{customs}]不予退税 trade mode not refundable"),
    CKRQ: (DoubtLevel.ERROR, False, "出口日期[{declared}]与启运日期[{customs}]不符 export date differs from departure"),
    QYGTS_FQYG: (DoubtLevel.ERROR, False, "报关单项[{no}]非启运港报关单 not a 启运港 item"),
    QYGTS_CXCK: (DoubtLevel.ERROR, False, "报关单项[{no}]启运港撤销出口 export cancelled"),
    QYGTS_QYLB: (DoubtLevel.ERROR, False, "企业分类[{customs}]不适用启运港退税 enterprise class not A/B"),
    HZCJ_BYZ: (DoubtLevel.ERROR, False, "红字冲减数据[{declared}]与原申报[{customs}]不一致 reversal differs"),
    LMYCL_ZZMDG: (DoubtLevel.ERROR, False, "最终目的国[{customs}]不是中国(142) destination is not China"),
    XFS_WDZXX: (DoubtLevel.ERROR, False, "消费税专用缴款书[{declared}]无电子信息 no consumption-tax record"),
}

#: 监管方式 → refund type (1 refundable, 0 not). eport's reading of the common codes, not the tax table.
DEFAULT_TRADE_MODE_REFUND: Mapping[str, int] = {
    "0110": 1,  # 一般贸易
    "0615": 1,  # 进料对口
    "0654": 1,  # 进料深加工
    "0715": 1,  # 进料非对口
    "1210": 1,  # 保税电商
    "9610": 1,  # 电子商务 (跨境电商 B2C)
    "9710": 1,  # 跨境电商 B2B 直接出口
    "9810": 1,  # 跨境电商出口海外仓
    "0214": 0,  # 来料加工
    "0245": 0,  # 来料料件内销
    "0255": 0,  # 来料深加工
    "0265": 0,  # 来料料件复出
    "0300": 0,  # 来料料件退换
    "1039": 0,  # 市场采购 (免税, not refund)
    "1300": 0,  # 修理物品
    "2225": 0,  # 外资设备物品
    "2600": 0,  # 暂时进出货物
    "3010": 0,  # 货样广告品
    "3100": 0,  # 无代价抵偿
    "4561": 0,  # 退运货物
    "9639": 0,  # 海关处理货物
    "9700": 0,  # 后续补税
}

CHINA = "142"
CENT = Decimal("0.01")


def _number(name: str, value: Any) -> Decimal:
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except ArithmeticError as exc:
        raise FieldError(name, f"not a number: {value!r:.20}") from exc
    if not number.is_finite():
        raise FieldError(name, "must be a finite number")
    return number


def _fob_abs(value: Any) -> Decimal:
    return _number("fob_abs", value)


def _fob_rel(value: Any) -> Decimal:
    return _number("fob_rel", value)


def _refund_types(value: Mapping[str, int]) -> Mapping[str, int]:
    table = dict(value)
    for code, kind in table.items():
        if kind not in (0, 1) or isinstance(kind, bool):
            raise FieldError(
                f"trade_mode_refund[{code}]", f"a refund type is 1 (refundable) or 0 (not), got {kind!r:.10}"
            )
    return table


def _strings(value: Iterable[str]) -> frozenset[str]:
    return frozenset(value)


def _enterprise_class(value: str) -> str:
    text = str(value or "").strip().upper()
    if text not in ("", "A", "B", "C", "D"):
        raise FieldError("enterprise_class", f"an enterprise class is A, B, C or D (or empty), got {value!r:.10}")
    return text


@attrs.frozen(kw_only=True)
class SelfCheckConfig:
    """Parameters of the tax side's checks.

    Attributes:
        fob_abs: the absolute USD FOB tolerance (1 USD).
        fob_rel: the relative tolerance as a fraction of the customs value (0.05).
        trade_mode_refund: 监管方式 → refund type (1 refundable, 0 not).
        explained: 21-character numbers with a 出口货物离岸价差异原因说明表 row.
        consumption_certs: 消费税专用缴款书 numbers the tax side holds.
        enterprise_class: the enterprise's class (A/B/C/D) for 启运港退税; empty when unknown.

    Numbers may be given as ``Decimal``, ``int`` or text (``"0.05"``); any iterable of numbers will do for
    ``explained`` and ``consumption_certs``.

    Raises:
        eport.errors.FieldError: a threshold that is no number or out of range, a refund type other than 0/1, an
            enterprise class other than A-D (a :class:`~eport.errors.ConfigurationError`).
    """

    fob_abs: Decimal = attrs.field(default=Decimal(1), converter=_fob_abs)
    fob_rel: Decimal = attrs.field(default=Decimal("0.05"), converter=_fob_rel)
    trade_mode_refund: Mapping[str, int] = attrs.field(
        factory=lambda: dict(DEFAULT_TRADE_MODE_REFUND), converter=_refund_types
    )
    explained: frozenset[str] = attrs.field(default=frozenset(), converter=_strings)
    consumption_certs: frozenset[str] = attrs.field(default=frozenset(), converter=_strings)
    enterprise_class: str = attrs.field(default="", converter=_enterprise_class)

    def __attrs_post_init__(self) -> None:
        if self.fob_abs < 0:
            raise FieldError("fob_abs", "must be >= 0 (USD)")
        if not 0 <= self.fob_rel <= 1:
            raise FieldError("fob_rel", "must be a fraction within 0..1 (0.05 is 5 %)")


DEFAULT_CONFIG = SelfCheckConfig()


def index_records(records: Iterable[RefundRecord]) -> dict[str, RefundRecord]:
    """Records keyed by their 21-character number (a later record of the same number replaces an earlier one)."""
    return {str(record.refund_decl_no): record for record in records}


def customs_fob(line: ClaimLine, record: RefundRecord) -> Decimal:
    """The customs USD FOB a line's value is compared with: the item's, or for a line claiming part of the item's
    quantity (0 < line qty < customs qty, e.g. the rest after an earlier partial claim) the item's value prorated
    by quantity, to the cent (half up)."""
    if 0 < line.qty < record.qty:
        return (record.usd_fob * line.qty / record.qty).quantize(CENT, ROUND_HALF_UP)
    return record.usd_fob


def _doubt(code: str, line: ClaimLine, **values: Any) -> Doubt:
    level, passable, text = RULES[code]
    return Doubt(code=code, level=level, passable=passable, message=text.format(no=line.refund_decl_no, **values),
                 line=line.seq, refund_decl_no=str(line.refund_decl_no))  # fmt: skip


def check_line(
    line: ClaimLine, record: RefundRecord | None, *, seen: bool = False, config: SelfCheckConfig = DEFAULT_CONFIG
) -> list[Doubt]:
    """The doubts of one claim line against its customs record (``None`` when customs sent none).

    Args:
        line: the claim line.
        record: the customs record of ``line.refund_decl_no``.
        seen: the same number was already claimed earlier in this check.
        config: thresholds and tax-side tables.
    """
    if record is None:
        return [_doubt(WDZXX, line)]
    doubts: list[Doubt] = []
    reversal = line.has_type("HZCJ")
    if reversal:
        if -line.qty != record.claimed_qty or -line.usd_fob != record.claimed_usd:
            doubts.append(_doubt(HZCJ_BYZ, line, declared=f"{line.qty}/{line.usd_fob}",
                                 customs=f"-{record.claimed_qty}/-{record.claimed_usd}"))  # fmt: skip
    elif seen or record.claimed_qty > 0 or record.claimed_usd > 0:
        doubts.append(_doubt(LSSBJL, line))
    if record.not_refundable:
        doubts.append(_doubt(BYTS, line))
    if record.return_purpose is ReturnPurpose.CANCEL:
        doubts.append(_doubt(CD, line))
    elif record.return_purpose is ReturnPurpose.AMEND and not record.amended:
        doubts.append(_doubt(GD, line))
    size = min(len(line.code), len(record.code_ts))
    if size == 0 or line.code[:size] != record.code_ts[:size]:
        doubts.append(_doubt(SPDM, line, declared=line.code, customs=record.code_ts))
    refund_type = config.trade_mode_refund.get(record.trade_mode) if record.trade_mode else None
    if refund_type is None:
        doubts.append(_doubt(MYXZ_BCZ, line, customs=record.trade_mode))
    elif refund_type == 0:
        doubts.append(_doubt(MYXZ_BTS, line, customs=record.trade_mode))
    if not reversal:
        customs_usd = customs_fob(line, record)
        difference = abs(line.usd_fob - customs_usd)
        if difference > config.fob_abs and difference > config.fob_rel * abs(customs_usd):
            if record.amendment_pending:
                doubts.append(_doubt(USDLAJ_GD, line))
            elif str(line.refund_decl_no) not in config.explained:
                doubts.append(_doubt(USDLAJ_CY, line, declared=line.usd_fob, customs=customs_usd))
    if line.has_type("QYGTS"):
        if not record.departure_port:
            doubts.append(_doubt(QYGTS_FQYG, line))
        if record.export_cancelled:
            doubts.append(_doubt(QYGTS_CXCK, line))
        if config.enterprise_class not in ("A", "B"):
            doubts.append(_doubt(QYGTS_QYLB, line, customs=config.enterprise_class or "?"))
        if record.departure_date is None or line.export_date != record.departure_date:
            doubts.append(_doubt(CKRQ, line, declared=line.export_date, customs=record.departure_date))
    if line.has_type("LMYCL") and record.destination != CHINA:
        doubts.append(_doubt(LMYCL_ZZMDG, line, customs=record.destination))
    if line.consumption_tax_cert and line.consumption_tax_cert not in config.consumption_certs:
        doubts.append(_doubt(XFS_WDZXX, line, declared=line.consumption_tax_cert))
    return doubts


def self_check(
    lines: Iterable[ClaimLine],
    records: Mapping[str, RefundRecord],
    *,
    config: SelfCheckConfig = DEFAULT_CONFIG,
) -> Iterator[Doubt]:
    """Check claim lines against customs records, yielding doubts as they are found (streaming).

    Args:
        lines: the claim lines (any iterable; consumed once).
        records: customs records by 21-character number (:func:`index_records`).
        config: thresholds and tax-side tables.
    """
    seen: set[str] = set()
    for line in lines:
        key = str(line.refund_decl_no)
        yield from check_line(line, records.get(key), seen=key in seen, config=config)
        if not line.has_type("HZCJ"):
            seen.add(key)


@attrs.frozen(kw_only=True)
class SelfCheckReport:
    """The outcome of a self-check.

    Attributes:
        lines: number of lines checked.
        doubts: every doubt, in line order.
    """

    lines: int
    doubts: tuple[Doubt, ...]

    @property
    def blocking(self) -> tuple[Doubt, ...]:
        """Doubts with ``PASS_FLAG N``: the batch cannot be declared while any remains."""
        return tuple(d for d in self.doubts if not d.passable)

    @property
    def clean(self) -> bool:
        """At least one line checked, and no doubt at all (a check of no line is not clean: nothing was checked)."""
        return self.lines > 0 and not self.doubts

    @property
    def declarable(self) -> bool:
        """At least one line checked, and no blocking doubt (no line is nothing to declare)."""
        return self.lines > 0 and not self.blocking

    def codes(self) -> set[str]:
        """The distinct doubt codes found."""
        return {d.code for d in self.doubts}

    def to_frame(self) -> pd.DataFrame:
        """The doubts as a DataFrame (needs the ``pandas`` extra)."""
        return doubts_frame(self.doubts)


def run_self_check(
    lines: Iterable[ClaimLine], records: Mapping[str, RefundRecord], *, config: SelfCheckConfig = DEFAULT_CONFIG
) -> SelfCheckReport:
    """Check all lines and collect the doubts into a :class:`SelfCheckReport`."""
    count = 0

    def counted() -> Iterator[ClaimLine]:
        nonlocal count
        for line in lines:
            count += 1
            yield line

    doubts = tuple(self_check(counted(), records, config=config))
    return SelfCheckReport(lines=count, doubts=doubts)


def check_declarations(
    declarations: Iterable[tuple[DecMessage, Iterable[DecResult | StatusEvent]]],
    lines: Iterable[ClaimLine],
    *,
    rates: Mapping[str, Decimal] | None = None,
    config: SelfCheckConfig = DEFAULT_CONFIG,
) -> SelfCheckReport:
    """Self-check planned claim lines against the enterprise's own declarations.

    Args:
        declarations: ``(DecMessage, receipts)`` pairs, e.g. each submitted declaration with
            ``ClearanceClient.wait(...).history``; import declarations and those not closed yet are skipped.
        lines: the planned 出口明细 lines.
        rates: USD rates for the records' USD FOB (see :func:`~eport.services.refund.records_from_declaration`).
        config: thresholds and tax-side tables.

    Raises:
        eport.errors.FieldError: a closed export declaration cannot be valued (unknown currency, missing rate).
    """
    records = index_records(records_of(declarations, rates=rates))
    return run_self_check(lines, records, config=config)


def doubts_frame(doubts: Iterable[Doubt]) -> pd.DataFrame:
    """Doubts as a DataFrame with columns ``line, refund_decl_no, code, level, pass_flag, message``."""
    import pandas as pd

    rows = [(d.line, d.refund_decl_no, d.code, d.level.value, "Y" if d.passable else "N", d.message) for d in doubts]
    frame: pd.DataFrame = pd.DataFrame(
        rows, columns=["line", "refund_decl_no", "code", "level", "pass_flag", "message"]
    )
    return frame


__all__ = [
    "BYTS",
    "CD",
    "CKRQ",
    "DEFAULT_CONFIG",
    "DEFAULT_TRADE_MODE_REFUND",
    "GD",
    "HZCJ_BYZ",
    "LMYCL_ZZMDG",
    "LSSBJL",
    "MYXZ_BCZ",
    "MYXZ_BTS",
    "QYGTS_CXCK",
    "QYGTS_FQYG",
    "QYGTS_QYLB",
    "RULES",
    "SPDM",
    "USDLAJ_CY",
    "USDLAJ_GD",
    "WDZXX",
    "XFS_WDZXX",
    "SelfCheckConfig",
    "SelfCheckReport",
    "check_declarations",
    "check_line",
    "customs_fob",
    "doubts_frame",
    "index_records",
    "run_self_check",
    "self_check",
]
