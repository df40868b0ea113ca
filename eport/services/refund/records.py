"""Refund-copy records built from the enterprise's own data: a ``DecMessage`` and its receipts.

What customs sends the tax side per export item (``REFUND_AND_VERIFICATION.md`` §2.3 b) can be rebuilt from the
declaration the enterprise submitted plus the receipts it got back: the 18-digit entry id and the 结关 date come from
the ``CHANNEL R`` (已结关) receipt, the goods and values from the ``DecList`` items. The USD FOB value
(美元离岸价) is derived from the item total by the 成交方式 (FOB as is; CIF less freight and insurance; C&F less
freight, with head-level freight and insurance shared by item value) and converted with the rates the caller
gives (currency → USD per unit), rounded half up (四舍五入) to the cent. The tax side computes its own value; this
is the enterprise's estimate, close enough for the self-check's 1 USD / 5 % tolerance when the rates are those of
the month.

Pure: no I/O.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from eport.edi import codes
from eport.edi.dec import Channel, DecMessage, DecResult
from eport.errors import CodeTableError, FieldError, IdentifierError
from eport.identifiers import EntryId, RefundDeclNo
from eport.services.receipts import StatusEvent
from eport.services.refund.models import ZERO, ClosedDeclaration, RefundRecord

CLOSED = Channel.CLOSED.value
"""CHANNEL ``R`` 已结关 (:attr:`eport.edi.dec.Channel.CLOSED`): only closed declarations have refund-copy records."""
CENT = Decimal("0.01")
CHINA_TZ = dt.timezone(dt.timedelta(hours=8))


def currency_iso(code: str, *, field: str = "currency") -> str:
    """The ISO alpha currency of a numeric (``502``) or alpha (``USD``) code.

    Raises:
        eport.errors.FieldError: unknown currency.
    """
    try:
        return codes.currency(code.strip()).to_iso()
    except (CodeTableError, ValueError, AttributeError) as exc:
        raise FieldError(field, f"unknown currency {code!r:.12}") from exc


def country_numeric(code: str) -> str:
    """The numeric (H2000) country code of a numeric or alpha code; the input when unknown (kept as given)."""
    text = (code or "").strip()
    if not text:
        return ""
    try:
        return codes.country(text).to_numeric()
    except (CodeTableError, ValueError):
        return text


def _result_parts(receipt: DecResult | StatusEvent) -> tuple[str, str, dt.datetime | None, str]:
    """(channel, entry id, notice time, I/E date text) of a declaration receipt."""
    if isinstance(receipt, StatusEvent):
        typed = receipt.receipt
        ie_date = typed.i_e_date or "" if isinstance(typed, DecResult) else ""
        return receipt.code, receipt.entry_id or "", receipt.at, ie_date
    from eport.edi.dec.receipts import parse_notice_date

    return receipt.channel or "", receipt.entry_id or "", parse_notice_date(receipt.notice_date), receipt.i_e_date or ""


def _day(text: str) -> dt.date | None:
    digits = "".join(c for c in text if c.isdigit())
    if len(digits) < 8:
        return None
    try:
        return dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None


def closed_declaration(message: DecMessage, receipts: Iterable[DecResult | StatusEvent]) -> ClosedDeclaration:
    """The 结关信息 row of a closed export declaration.

    Raises:
        eport.errors.FieldError: not an export declaration, or no ``CHANNEL R`` receipt with an entry id.
    """
    head = message.dec_head
    if head is None or (head.ie_flag or "").upper() != "E":
        raise FieldError("dec_head.ie_flag", "refund-copy records exist only for export declarations (IEFlag E)")
    closed: tuple[str, dt.datetime | None] | None = None
    export_date: dt.date | None = _day(head.ie_date or "")
    for receipt in receipts:
        channel, entry_id, at, ie_date = _result_parts(receipt)
        export_date = _day(ie_date) or export_date
        if channel == CLOSED and entry_id:
            closed = (entry_id, at)
    if closed is None:
        raise FieldError("receipts", "the declaration is not closed: no CHANNEL R (已结关) receipt with an entry id")
    entry = EntryId.parse(closed[0], field="receipts.entry_id", direction="E")
    at = closed[1]
    if at is not None and at.tzinfo is not None:
        at = at.astimezone(CHINA_TZ)  # customs dates are China dates
    closed_on = at.date() if at is not None else (export_date or dt.datetime.now(CHINA_TZ).date())
    items = len(message.dec_lists.dec_list) if message.dec_lists is not None else 0
    customs = (head.custom_master or entry.customs)[:4]
    return ClosedDeclaration(entry_id=entry, closed_on=closed_on, customs=customs, export_date=export_date,
                             trade_code=head.trade_code or "", items=items)  # fmt: skip


def _fee_usd(mark: str | None, rate: Decimal | None, curr: str | None, *, value_usd: Decimal,
             gross_kg: Decimal | None, rates: Mapping[str, Decimal], field: str) -> Decimal:  # fmt: skip
    """A head-level freight or insurance amount in USD (0 when not given)."""
    if not mark or rate is None:
        return ZERO
    if mark == "1":  # 率: percent of the value
        return value_usd * rate / 100
    if mark == "2":  # 单价: per tonne of gross weight
        if gross_kg is None:
            raise FieldError(field, "a per-tonne fee (mark 2) needs DecHead/GrossWet")
        amount = rate * gross_kg / 1000
    elif mark == "3":  # 总价
        amount = rate
    else:
        raise FieldError(field, f"unknown fee mark {mark!r} (1 rate, 2 per tonne, 3 total)")
    if not curr:
        raise FieldError(f"{field}_curr", "an amount (mark 2 or 3) needs its currency")
    return amount * _rate(currency_iso(curr, field=f"{field}_curr"), rates, f"{field}_curr")


def _rate(currency: str, rates: Mapping[str, Decimal], field: str) -> Decimal:
    if currency == "USD":
        return Decimal(1)
    rate = rates.get(currency)
    if rate is None:
        raise FieldError(field, f"no USD rate given for currency {currency}")
    if rate <= 0:
        raise FieldError("rates", f"the USD rate of {currency} must be positive")
    return rate


def records_from_declaration(
    message: DecMessage,
    receipts: Iterable[DecResult | StatusEvent],
    *,
    rates: Mapping[str, Decimal] | None = None,
) -> list[RefundRecord]:
    """The refund-copy records (one per item) of a closed export declaration.

    Args:
        message: the declaration as submitted.
        receipts: its receipts (``DecResult`` models or :class:`~eport.services.StatusEvent`); one must be
            ``CHANNEL R`` with the entry id.
        rates: USD value of one unit of each ISO currency (e.g. ``{"CNY": Decimal("0.1385")}``); USD needs none.

    Raises:
        eport.errors.FieldError: not export, not closed, an unknown currency (``dec_lists[<i>].trade_curr``), a
            missing rate, an item number outside 1..99, or a fee that cannot be computed.
    """
    rates = rates or {}
    closed = closed_declaration(message, receipts)
    head = message.dec_head
    assert head is not None  # checked by closed_declaration  # noqa: S101
    items = list(message.dec_lists.dec_list) if message.dec_lists is not None else []
    converted: list[tuple[Any, str, Decimal, Decimal]] = []
    for index, item in enumerate(items):
        where = f"dec_lists[{index}]"
        currency = currency_iso(item.trade_curr or "", field=f"{where}.trade_curr")
        total = item.decl_total if item.decl_total is not None else ZERO
        converted.append((item, currency, total, total * _rate(currency, rates, f"{where}.trade_curr")))
    grand = sum((usd for *_, usd in converted), ZERO)
    trans = (head.trans_mode or "3").strip()
    deduct = ZERO
    if trans in ("1", "2") and grand > 0:  # CIF, C&F: take freight (and for CIF insurance) off the value
        deduct = _fee_usd(head.fee_mark, head.fee_rate, head.fee_curr, value_usd=grand, gross_kg=head.gross_wet,
                          rates=rates, field="dec_head.fee")  # fmt: skip
        if trans == "1":
            deduct += _fee_usd(head.insur_mark, head.insur_rate, head.insur_curr, value_usd=grand, gross_kg=None,
                               rates=rates, field="dec_head.insur")  # fmt: skip
    records: list[RefundRecord] = []
    for index, (item, currency, total, usd_total) in enumerate(converted):
        where = f"dec_lists[{index}]"
        try:
            number = RefundDeclNo.of(closed.entry_id, int(item.g_no or index + 1), field=f"{where}.g_no")
        except ValueError as exc:
            if isinstance(exc, IdentifierError):
                raise
            raise FieldError(f"{where}.g_no", f"not an item number: {item.g_no!r:.10}") from exc
        usd = (usd_total - (deduct * usd_total / grand if grand > 0 else ZERO)).quantize(CENT, ROUND_HALF_UP)
        use_first = item.first_qty is not None and bool(item.first_unit)
        records.append(
            RefundRecord(
                refund_decl_no=number,
                customs=closed.customs,
                export_date=closed.export_date,
                closed_on=closed.closed_on,
                trade_mode=(head.trade_mode or "").strip(),
                trans_mode=trans,
                trade_code=head.trade_code or "",
                destination=country_numeric(item.destination_country or head.trade_country or ""),
                code_ts=(item.code_ts or "").strip(),
                name=item.g_name or "",
                unit=(item.first_unit if use_first else item.g_unit) or "",
                qty=(item.first_qty if use_first else item.g_qty) or ZERO,
                currency=currency,
                total=total,
                usd_fob=usd,
            )
        )
    return records


def records_of(
    declarations: Iterable[tuple[DecMessage, Iterable[DecResult | StatusEvent]]],
    *,
    rates: Mapping[str, Decimal] | None = None,
    skip_open: bool = True,
) -> Iterator[RefundRecord]:
    """Stream the records of many declarations (each with its receipts).

    Args:
        declarations: ``(message, receipts)`` pairs.
        rates: see :func:`records_from_declaration`.
        skip_open: skip import declarations and those not closed yet instead of raising.

    Raises:
        eport.errors.FieldError: a declaration cannot be turned into records (see :func:`records_from_declaration`).
    """
    for message, receipts in declarations:
        try:
            yield from records_from_declaration(message, list(receipts), rates=rates)
        except FieldError as exc:
            if skip_open and exc.field in ("dec_head.ie_flag", "receipts"):
                continue
            raise


__all__ = ["CLOSED", "closed_declaration", "country_numeric", "currency_iso", "records_from_declaration", "records_of"]
