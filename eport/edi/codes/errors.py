"""The error codes of §7 of the CEB specification (海关跨境电商统一版系统企业对接报文规范（202205版）).

Negative codes (table 7-2, ``-621005`` 清单购买金额超过单笔限额) come back as a CEB receipt's ``returnStatus``
(:mod:`eport.edi.ceb.status`); the four-digit codes of table 7-1 (``0002`` 数据包不能通过 schema 验证) are the
data-exchange platform's, used in a DXP ``DxpRep`` ``ResponseCode`` (:mod:`eport.edi.dxp`). Both families read
them here.

The table ships as package data (``eport/edi/data/ceb-error-codes-202205.csv``, see ``data/SOURCES.md``), with
the Chinese text of the specification.

This module is pure and keeps no mutable state.
"""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Mapping
from importlib import resources

import attrs


@attrs.frozen
class ErrorCategory:
    """A range of error codes from §7 of the specification (``-621000`` … ``-621999`` 清单操作错误)."""

    low: int
    high: int
    english: str
    chinese: str

    def __contains__(self, number: object) -> bool:
        return isinstance(number, int) and self.low <= number <= self.high


#: The code ranges of tables 7-1 (exchange platform, four digits) and 7-2 (business, negative).
ERROR_CATEGORIES: tuple[ErrorCategory, ...] = (
    ErrorCategory(1, 999, "message format error", "报文格式错误"),
    ErrorCategory(1000, 1999, "message security error", "报文安全错误"),
    ErrorCategory(2000, 2999, "message business logic error", "报文业务逻辑错误"),
    ErrorCategory(3000, 3999, "system error", "系统级错误"),
    ErrorCategory(4000, 9999, "other error (user extensible)", "其他错误（用户可扩展）"),
    ErrorCategory(-10199, -10101, "company error", "企业错误信息"),
    ErrorCategory(-301999, -301001, "order error", "订单信息错误"),
    ErrorCategory(-401999, -401001, "payment error", "支付单错误"),
    ErrorCategory(-505999, -502001, "waybill or waybill status error", "运单信息及运单状态错误"),
    ErrorCategory(-621999, -621000, "import inventory error", "清单操作错误"),
    ErrorCategory(-623999, -623000, "cancellation error", "撤单申请单错误"),
    ErrorCategory(-625999, -625001, "return (refund) application error", "退货申请单错误"),
    ErrorCategory(-800999, -800000, "warehouse delivery error", "入库明细错误"),
)


@attrs.frozen
class ErrorCode:
    """One error code of the specification.

    Attributes:
        code: the code as written in the specification (``"-621005"``, ``"0002"``).
        text: the Chinese text of the specification; ``[*]`` marks where customs inserts details.
        table: ``"7-1"`` (exchange platform) or ``"7-2"`` (business).
        category: the code's range, ``None`` when outside every documented range.
        known: False when the code is not in the table (then ``text`` is empty).
    """

    code: str
    text: str
    table: str
    category: ErrorCategory | None
    known: bool = True

    @property
    def description(self) -> str:
        """One line: category in English and Chinese, then the specification text."""
        parts = []
        if self.category is not None:
            parts.append(f"{self.category.english} ({self.category.chinese})")
        parts.append(self.text if self.known else "code not in the specification tables")
        return ": ".join(parts)


def _category(number: int) -> ErrorCategory | None:
    for category in ERROR_CATEGORIES:
        if number in category:
            return category
    return None


@functools.lru_cache(maxsize=1)
def error_codes() -> Mapping[str, ErrorCode]:
    """Return every error code of spec §7 (202205 edition), keyed by code as written (``"-621005"``, ``"0002"``)."""
    text = resources.files("eport.edi").joinpath("data/ceb-error-codes-202205.csv").read_text(encoding="utf-8")
    table: dict[str, ErrorCode] = {}
    for row in csv.DictReader(io.StringIO(text)):
        code = row["code"]
        table[code] = ErrorCode(code=code, text=row["text"], table=row["table"], category=_category(int(code)))
    return table


def error_code(code: str | int) -> ErrorCode:
    """Look up an error code; unknown codes give an :class:`ErrorCode` with ``known=False`` (never raises).

    Args:
        code: ``-621005``, ``"-621005"``, ``"0002"`` or ``2`` (exchange codes are padded to four digits).

    Returns:
        The table entry, or a placeholder carrying the code's category when it is not in the table.
    """
    raw = str(code).strip()
    table = error_codes()
    if raw in table:
        return table[raw]
    try:
        number = int(raw)
    except ValueError:
        return ErrorCode(code=raw, text="", table="", category=None, known=False)
    for candidate in (str(number), f"{number:04d}" if number > 0 else str(number)):
        if candidate in table:
            return table[candidate]
    return ErrorCode(code=raw, text="", table="7-1" if number > 0 else "7-2", category=_category(number), known=False)


__all__ = ["ERROR_CATEGORIES", "ErrorCategory", "ErrorCode", "error_code", "error_codes"]
