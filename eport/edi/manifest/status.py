"""The manifest family's status vocabulary: the MT9999 response statement codes (``StatementCode``, CC020).

The one table of manifest receipt statuses; services and the sandbox read it from here.
"""

from __future__ import annotations

import enum
from typing import Protocol


class HasStatement(Protocol):
    """What carries a statement code: an ``AdditionalInformation`` block of a response."""

    @property
    def statement_code(self) -> str | None: ...


class StatementCode(enum.Enum):
    """``Response/AdditionalInformation/StatementCode`` of MT9999 responses (CC020)."""

    ACCEPTED = "01"
    """海关接受申报 accepted."""
    MANUAL_REVIEW = "02"
    """传输待人工审核 pending manual review."""
    REJECTED = "03"
    """不允许传输, 退单 rejected."""
    RELEASED = "11"
    """提运单放行 B/L released."""
    LOADING_REFUSED = "12"
    """提(运)单或集装箱(器)拒装 refused loading."""
    UNLOADING_FORBIDDEN = "13"
    """禁卸 unloading forbidden."""
    CALL_OK = "0"
    """调用成功 call accepted (client level)."""

    @property
    def meaning(self) -> str:
        """The docstring meaning (Chinese and English)."""
        return _STATEMENTS[self]

    @property
    def is_failure(self) -> bool:
        """True for 03 rejected, 12 refused loading, 13 unloading forbidden."""
        return self in (StatementCode.REJECTED, StatementCode.LOADING_REFUSED, StatementCode.UNLOADING_FORBIDDEN)


_STATEMENTS = {
    StatementCode.ACCEPTED: "海关接受申报 accepted",
    StatementCode.MANUAL_REVIEW: "传输待人工审核 pending manual review",
    StatementCode.REJECTED: "不允许传输, 退单 rejected",
    StatementCode.RELEASED: "提运单放行 B/L released",
    StatementCode.LOADING_REFUSED: "提(运)单或集装箱(器)拒装 loading refused",
    StatementCode.UNLOADING_FORBIDDEN: "禁卸 unloading forbidden",
    StatementCode.CALL_OK: "调用成功 call accepted",
}


def statement_of(info: HasStatement | None) -> StatementCode | None:
    """The :class:`StatementCode` of an ``AdditionalInformation`` block, ``None`` if absent or unknown."""
    if info is None or not info.statement_code:
        return None
    try:
        return StatementCode(info.statement_code.strip())
    except ValueError:
        return None


__all__ = ["HasStatement", "StatementCode", "statement_of"]
