"""Claim lines: the rows of the 出口明细申报表 (export details) and 进货明细申报表 (purchase details).

Rows come from code (:class:`ClaimLine`, :class:`PurchaseLine`) or from the forms' columns (:meth:`ClaimLine.from_row`
with Chinese or English column names); every value is validated and an error names the line and field, e.g.
``lines[3].refund_decl_no: item (项号) must be 001..099, got 000``.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator, Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import attrs

from eport.errors import FieldError
from eport.identifiers import RefundDeclNo, Uscc

#: 出口明细申报表 columns in form order: (Chinese heading, attribute).
EXPORT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("序号", "seq"),
    ("关联号", "link_no"),
    ("出口发票号", "invoice_no"),
    ("出口货物报关单号", "refund_decl_no"),
    ("代理出口货物证明号", "agent_cert_no"),
    ("出口日期", "export_date"),
    ("出口商品代码", "code"),
    ("出口商品名称", "name"),
    ("计量单位", "unit"),
    ("出口数量", "qty"),
    ("美元离岸价", "usd_fob"),
    ("申报商品代码", "declared_code"),
    ("退（免）税业务类型", "business_type"),
    ("备注", "remark"),
    ("消费税专用缴款书号", "consumption_tax_cert"),
)

#: 进货明细申报表 columns in form order.
PURCHASE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("序号", "seq"),
    ("关联号", "link_no"),
    ("税种", "tax_kind"),
    ("凭证种类", "voucher_type"),
    ("进货凭证号", "voucher_no"),
    ("供货方纳税人识别号", "supplier_tax_id"),
    ("开票日期", "invoice_date"),
    ("出口商品代码", "code"),
    ("商品名称", "name"),
    ("计量单位", "unit"),
    ("数量", "qty"),
    ("计税金额", "taxable_amount"),
    ("征税率(%)", "tax_rate"),
    ("退税率(%)", "refund_rate"),
    ("可退税额", "refundable"),
    ("备注", "remark"),
)

#: 凭证种类 codes of the purchase table.
VOUCHER_TYPES = {"01": "增值税专用发票", "02": "海关进口增值税专用缴款书", "03": "消费税专用缴款书"}


def _where(index: int | None, name: str, table: str = "lines") -> str:
    return name if index is None else f"{table}[{index}].{name}"


def _required(value: Any, field: str) -> str:
    text = "" if value is None else str(value).strip()
    if not text:
        raise FieldError(field, "is required")
    return text


def _dec(value: Any, field: str, *, places: int | None = None) -> Decimal:
    if isinstance(value, float):
        raise FieldError(field, "give money and quantities as Decimal or text, not float")
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError) as exc:
        raise FieldError(field, f"not a number: {str(value)[:30]!r}") from exc
    if not number.is_finite():
        raise FieldError(field, "must be a finite number")
    if places is not None and number.as_tuple().exponent < -places:  # type: ignore[operator]
        raise FieldError(field, f"has more than {places} decimal places")
    return number


def _day(value: Any, field: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _required(value, field)
    try:
        if len(text) == 8 and text.isdigit():
            return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
        return dt.date.fromisoformat(text[:10])
    except ValueError as exc:
        raise FieldError(field, f"not a date (YYYY-MM-DD or YYYYMMDD): {text[:20]!r}") from exc


def _hs(value: Any, field: str) -> str:
    text = _required(value, field)
    if not (text.isascii() and text.isdigit()) or not 4 <= len(text) <= 10:
        raise FieldError(field, "a commodity code (商品代码) is 4-10 digits")
    return text


def _seq(value: Any, field: str) -> int:
    try:
        seq = int(str(value).strip())
    except ValueError as exc:
        raise FieldError(field, f"序号 must be an integer, got {str(value)[:20]!r}") from exc
    if seq < 1:
        raise FieldError(field, "序号 must be 1 or more")
    return seq


def _refuse_unknown(
    row: Mapping[str, Any], columns: tuple[tuple[str, str], ...], index: int | None, table: str
) -> None:
    """Refuse a key that is no column of the form: its value would be dropped unchecked (``businessType`` for
    ``business_type`` would lose every 启运港 rule). Empty keys (blank CSV headings) carry nothing and pass."""
    known = {name for pair in columns for name in pair}
    unknown = [str(key) for key in row if key and key not in known]
    if unknown:
        raise FieldError(
            table if index is None else f"{table}[{index}]",
            f"unknown field(s) {', '.join(map(repr, unknown))}: give the form's Chinese headings or attribute names",
        )


def _get(row: Mapping[str, Any], heading: str, attr: str) -> Any:
    if attr in row:
        return row[attr]
    return row.get(heading)


@attrs.frozen(kw_only=True)
class ClaimLine:
    """One row of the 出口明细申报表 (what the exporter claims for one declaration item).

    Attributes:
        seq: 序号 (the line pointer doubts refer to).
        link_no: 关联号 (the same value on the purchase lines that back this export).
        invoice_no: 出口发票号.
        refund_decl_no: 出口货物报关单号 (21 characters).
        export_date: 出口日期.
        code: 出口商品代码 (HS code as declared).
        name: 出口商品名称.
        unit: 计量单位.
        qty: 出口数量 (negative on 红字冲减 lines).
        usd_fob: 美元离岸价 (2 decimals; negative on 红字冲减 lines).
        declared_code: 申报商品代码 for the refund-rate lookup (defaults to ``code``).
        business_type: 退（免）税业务类型 (``HZCJ`` 红字冲减, ``QYGTS`` 启运港退税, ``LMYCL`` …; empty = normal).
        agent_cert_no: 代理出口货物证明号 (agent exports).
        remark: 备注.
        consumption_tax_cert: 消费税专用缴款书号 backing a consumption-tax claim, if any.
    """

    seq: int
    link_no: str
    invoice_no: str
    refund_decl_no: RefundDeclNo
    export_date: dt.date
    code: str
    name: str
    unit: str
    qty: Decimal
    usd_fob: Decimal
    declared_code: str = ""
    business_type: str = ""
    agent_cert_no: str = ""
    remark: str = ""
    consumption_tax_cert: str = ""

    @classmethod
    def from_row(cls, row: Mapping[str, Any], *, index: int | None = None) -> ClaimLine:
        """Validate one row given by Chinese headings (``出口货物报关单号`` …) or attribute names.

        Raises:
            eport.errors.FieldError: a value is missing or malformed; ``field`` is ``lines[<index>].<attribute>``;
                a key that is no column of the form (``lines[<index>]``).
        """
        _refuse_unknown(row, EXPORT_COLUMNS, index, "lines")
        values = {attr: _get(row, heading, attr) for heading, attr in EXPORT_COLUMNS}

        def where(name: str) -> str:
            return _where(index, name)

        number = RefundDeclNo.parse(_required(values["refund_decl_no"], where("refund_decl_no")),
                                    field=where("refund_decl_no"))  # fmt: skip
        code = _hs(values["code"], where("code"))
        declared = str(values["declared_code"] or "").strip()
        business_type = str(values["business_type"] or "").strip().upper()
        qty = _dec(_required(values["qty"], where("qty")), where("qty"))
        usd_fob = _dec(_required(values["usd_fob"], where("usd_fob")), where("usd_fob"), places=2)
        if not (business_type == "HZCJ" or business_type.startswith("HZCJ-")):
            for name, amount in (("qty", qty), ("usd_fob", usd_fob)):
                if amount <= 0:
                    raise FieldError(where(name), "must be more than 0 (negative amounts only on 红字冲减 HZCJ lines)")
        return cls(
            seq=_seq(values["seq"], where("seq")),
            link_no=_required(values["link_no"], where("link_no")),
            invoice_no=str(values["invoice_no"] or "").strip(),
            refund_decl_no=number,
            export_date=_day(values["export_date"], where("export_date")),
            code=code,
            name=str(values["name"] or "").strip(),
            unit=str(values["unit"] or "").strip(),
            qty=qty,
            usd_fob=usd_fob,
            declared_code=_hs(declared, where("declared_code")) if declared else code,
            business_type=business_type,
            agent_cert_no=str(values["agent_cert_no"] or "").strip(),
            remark=str(values["remark"] or "").strip(),
            consumption_tax_cert=str(values["consumption_tax_cert"] or "").strip(),
        )

    def has_type(self, code: str) -> bool:
        """Whether the business type names ``code`` (``HZCJ`` matches ``HZCJ-TY`` too)."""
        return self.business_type == code or self.business_type.startswith(code + "-")

    def to_row(self) -> dict[str, str]:
        """The row under the Chinese headings (text values, dates ISO)."""
        return {heading: _text(getattr(self, attr)) for heading, attr in EXPORT_COLUMNS}

    def to_json(self) -> dict[str, str]:
        """The row under the attribute names (the sandbox API)."""
        return {attr: _text(getattr(self, attr)) for _, attr in EXPORT_COLUMNS}


@attrs.frozen(kw_only=True)
class PurchaseLine:
    """One row of the 进货明细申报表 (the purchase invoice behind exported goods).

    Attributes:
        seq: 序号.
        link_no: 关联号 (links to the export lines).
        tax_kind: 税种: ``V`` 增值税 or ``C`` 消费税.
        voucher_type: 凭证种类 code (:data:`VOUCHER_TYPES`).
        voucher_no: 进货凭证号.
        supplier_tax_id: 供货方纳税人识别号 (USCC).
        invoice_date: 开票日期.
        code, name, unit, qty: the goods.
        taxable_amount: 计税金额 (CNY).
        tax_rate: 征税率 in percent.
        refund_rate: 退税率 in percent.
        remark: 备注.
    """

    seq: int
    link_no: str
    tax_kind: str
    voucher_type: str
    voucher_no: str
    supplier_tax_id: str
    invoice_date: dt.date
    code: str
    name: str
    unit: str
    qty: Decimal
    taxable_amount: Decimal
    tax_rate: Decimal
    refund_rate: Decimal
    remark: str = ""

    @property
    def refundable(self) -> Decimal:
        """可退税额 = 计税金额 × 退税率 / 100, rounded half up (四舍五入) to the fen."""
        return (self.taxable_amount * self.refund_rate / 100).quantize(Decimal("0.01"), ROUND_HALF_UP)

    @classmethod
    def from_row(cls, row: Mapping[str, Any], *, index: int | None = None) -> PurchaseLine:
        """Validate one row given by Chinese headings or attribute names.

        Raises:
            eport.errors.FieldError: a value is missing or malformed; ``field`` is
                ``purchases[<index>].<attribute>``.
        """
        _refuse_unknown(row, PURCHASE_COLUMNS, index, "purchases")
        values = {attr: _get(row, heading, attr) for heading, attr in PURCHASE_COLUMNS}

        def where(name: str) -> str:
            return _where(index, name, "purchases")

        kind = _required(values["tax_kind"], where("tax_kind")).upper()
        if kind not in ("V", "C"):
            raise FieldError(where("tax_kind"), "税种 is V (增值税) or C (消费税)")
        voucher = _required(values["voucher_type"], where("voucher_type"))
        if voucher not in VOUCHER_TYPES:
            raise FieldError(where("voucher_type"), f"凭证种类 must be one of {', '.join(VOUCHER_TYPES)}")
        rates = {}
        for name in ("tax_rate", "refund_rate"):
            rates[name] = _dec(_required(values[name], where(name)), where(name))
            if not 0 <= rates[name] <= 100:
                raise FieldError(where(name), "a rate is a percentage 0..100")
        if rates["refund_rate"] > rates["tax_rate"]:
            raise FieldError(where("refund_rate"), "退税率 cannot exceed 征税率")
        return cls(
            seq=_seq(values["seq"], where("seq")),
            link_no=_required(values["link_no"], where("link_no")),
            tax_kind=kind,
            voucher_type=voucher,
            voucher_no=_required(values["voucher_no"], where("voucher_no")),
            supplier_tax_id=Uscc.parse(
                _required(values["supplier_tax_id"], where("supplier_tax_id")), field=where("supplier_tax_id")
            ),
            invoice_date=_day(values["invoice_date"], where("invoice_date")),
            code=_hs(values["code"], where("code")),
            name=str(values["name"] or "").strip(),
            unit=str(values["unit"] or "").strip(),
            qty=_dec(_required(values["qty"], where("qty")), where("qty")),
            taxable_amount=_dec(
                _required(values["taxable_amount"], where("taxable_amount")), where("taxable_amount"), places=2
            ),
            tax_rate=rates["tax_rate"],
            refund_rate=rates["refund_rate"],
            remark=str(values["remark"] or "").strip(),
        )

    def to_row(self) -> dict[str, str]:
        """The row under the Chinese headings."""
        return {heading: _text(getattr(self, attr)) for heading, attr in PURCHASE_COLUMNS}

    def to_json(self) -> dict[str, str]:
        """The row under the attribute names (without the computed 可退税额)."""
        return {attr: _text(getattr(self, attr)) for _, attr in PURCHASE_COLUMNS if attr != "refundable"}


def _text(value: object) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    return "" if value is None else str(value)


_PARENS = str.maketrans({"（": "(", "）": ")", " ": "", "\u3000": ""})


def _canonical(heading: str) -> str:
    """A heading compared without regard to full- or half-width parentheses and spaces (``退(免)税业务类型``)."""
    return heading.strip().translate(_PARENS)


def _headings(row: list[str], columns: tuple[tuple[str, str], ...]) -> list[str]:
    """The heading row's names as the form's own (Chinese heading or attribute name).

    Raises:
        eport.errors.FieldError: (``columns``) a heading that is no column of the form, or one given twice: its
            values would otherwise be dropped (a 业务类型 typed differently loses every 启运港 rule) or overwritten.
    """
    known = {_canonical(heading): heading for heading, _ in columns}
    known.update((attr, attr) for _, attr in columns)
    names: list[str] = []
    unknown: list[str] = []
    for cell in row:
        text = cell.strip()
        if not text:
            names.append("")
            continue
        name = known.get(_canonical(text)) or known.get(text)
        if name is None:
            unknown.append(text)
        elif name in names:
            raise FieldError("columns", f"column {text!r} is given twice")
        names.append(name or text)
    if unknown:
        expected = ", ".join(heading for heading, _ in columns)
        raise FieldError(
            "columns", f"unknown column(s) {', '.join(map(repr, unknown))}: their values would not be read; the "
            f"form's columns are {expected} (or their attribute names)"
        )  # fmt: skip
    return names


def _dict_rows(
    path: str | Path, marker: tuple[str, str], columns: tuple[tuple[str, str], ...]
) -> Iterator[dict[str, str]]:
    """Rows of a CSV file as dicts, from the heading row on (a form's header block above it is skipped).

    Raises:
        eport.errors.FieldError: no heading row, a heading that is no column of the form (:func:`_headings`), or
            bytes that are no UTF-8 text (a GBK export: save it as UTF-8) or no CSV.
    """
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            for row in reader:
                if any(cell.strip() in marker for cell in row):
                    headings = _headings(row, columns)
                    break
            else:
                raise FieldError(str(path), f"no heading row (a column named {marker[0]} or {marker[1]})")
            for row in reader:
                if any(cell.strip() for cell in row):
                    yield dict(zip(headings, row, strict=False))
    except UnicodeDecodeError as exc:
        raise FieldError(str(path), f"not UTF-8 text (byte {exc.start}): save the CSV as UTF-8") from None
    except csv.Error as exc:
        raise FieldError(str(path), f"not a CSV file: {exc}") from None


def read_claim_lines(path: str | Path) -> Iterator[ClaimLine]:
    """Stream the export lines of a CSV file (UTF-8, with or without BOM; Chinese or English headings; a form's
    header block above the headings is skipped).

    Lines are validated one at a time as they are read; nothing is held beyond the current line. Headings match
    with full- or half-width parentheses (``退(免)税业务类型``); a heading that is no column of the form is refused,
    since its values would not be checked.

    Raises:
        eport.errors.FieldError: a line is malformed (``lines[<n>].<field>``, ``n`` counting data rows from 1), or
            a heading is unknown or repeated (``columns``).
    """
    for index, row in enumerate(_dict_rows(path, ("出口货物报关单号", "refund_decl_no"), EXPORT_COLUMNS), start=1):
        yield ClaimLine.from_row(row, index=index)


def read_purchase_lines(path: str | Path) -> Iterator[PurchaseLine]:
    """Stream the purchase lines of a CSV file (like :func:`read_claim_lines`).

    Raises:
        eport.errors.FieldError: a line is malformed (``purchases[<n>].<field>``).
    """
    for index, row in enumerate(_dict_rows(path, ("进货凭证号", "voucher_no"), PURCHASE_COLUMNS), start=1):
        yield PurchaseLine.from_row(row, index=index)


__all__ = [
    "EXPORT_COLUMNS",
    "PURCHASE_COLUMNS",
    "VOUCHER_TYPES",
    "ClaimLine",
    "PurchaseLine",
    "read_claim_lines",
    "read_purchase_lines",
]
