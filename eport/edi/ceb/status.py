"""Receipt status codes (``returnStatus`` 回执状态) and the error-code tables of the CEB specification.

``returnStatus`` is a short string in every CEB receipt (CEB312 ``OrderReturn``, CEB622 ``InventoryReturn`` …).
Positive values are processing states (``800`` 放行 released); negative values are error codes from §7 of
海关跨境电商统一版系统企业对接报文规范（202205版）, table 7-2 (``-621005`` 清单购买金额超过单笔限额). The four-digit
codes of table 7-1 (``0002`` 数据包不能通过 schema 验证) are the data-exchange platform's codes, used in ``DxpRep``
``ResponseCode``.

The error-code table ships as package data (``eport/edi/data/ceb-error-codes-202205.csv``, see
``data/SOURCES.md``), with the Chinese text of the specification.

This module is pure and keeps no mutable state.
"""

from __future__ import annotations

import enum
import logging
import re
from collections.abc import Mapping

from eport.edi.codes.errors import ERROR_CATEGORIES, ErrorCategory, ErrorCode, error_code, error_codes

logger = logging.getLogger(__name__)

_ASCII_INTEGER = re.compile(r"-?[0-9]+")


class ReturnStatus(enum.Enum):
    """The meaning of a receipt's ``returnStatus`` (回执状态).

    Known positive codes are members whose value is the code (``ReturnStatus("800") is ReturnStatus.RELEASED``).
    Every negative code maps to :attr:`ERROR` (look the number up with :func:`error_code`); any other code maps to
    :attr:`UNKNOWN` instead of failing. Use :meth:`parse` for wire text.
    """

    SAVED = "1"
    DECLARING = "2"
    SENT_TO_CUSTOMS = "3"
    SEND_FAILED = "4"
    REJECTED = "100"
    ACCEPTED = "120"
    MANUAL_REVIEW = "300"
    CONCLUDED = "399"
    INSPECTION = "500"
    DETAINED_CLEARANCE = "501"
    DETAINED_ANTI_SMUGGLING = "502"
    DETAINED_LEGAL = "503"
    HANDED_OVER = "505"
    DETAINED_OTHER = "599"
    SUSPENDED = "600"
    RETURNED = "700"
    RELEASED = "800"
    CLOSED = "899"
    ERROR = "error"
    UNKNOWN = "unknown"

    @classmethod
    def parse(cls, text: str | int) -> ReturnStatus:
        """Map a ``returnStatus`` value to a member; never raises.

        Args:
            text: the wire value, e.g. ``"800"``, ``"-621005"``, or an int.

        Returns:
            The member; :attr:`ERROR` for negative numbers, :attr:`UNKNOWN` for codes the specification does not
            define (``"501"`` … ``"599"`` other than the named ones count as detained, :attr:`DETAINED_OTHER`).
        """
        value = str(text).strip()
        try:
            return cls(value)
        except ValueError:
            pass
        if not _ASCII_INTEGER.fullmatch(value):  # int() would also take "٨٠٠", "5_50" and "+800"
            logger.debug("unrecognised returnStatus %r", value)
            return cls.UNKNOWN
        number = int(value)
        if number < 0:
            return cls.ERROR
        if 501 <= number <= 599:
            return cls.DETAINED_OTHER
        if str(number) != value:  # "0800" and similar spellings
            return cls.parse(number)
        return cls.UNKNOWN

    @property
    def meaning(self) -> str:
        """English meaning with the Chinese term of the specification, e.g. ``"released 放行"``."""
        english, chinese = _MEANINGS[self]
        return f"{english} {chinese}"

    @property
    def english(self) -> str:
        """English meaning only."""
        return _MEANINGS[self][0]

    @property
    def chinese(self) -> str:
        """The Chinese term of the specification (``放行``)."""
        return _MEANINGS[self][1]

    @property
    def is_error(self) -> bool:
        """True for processing errors, failed sending and customs rejection (negative codes, 4, 100)."""
        return self in _ERRORS

    @property
    def is_success(self) -> bool:
        """True for states where customs accepted the document: 120 入库, 399 审结, 800 放行, 899 结关."""
        return self in _SUCCESSES

    @property
    def is_final(self) -> bool:
        """True when customs' decision on the document is final in any message family.

        Final: errors (negative codes, 4 发送海关失败, 100 海关退单), 700 退运, 800 放行, 899 结关. An inventory
        released (800) may still get a 899 结关 receipt later; nothing changes the release. For orders,
        payments and waybills (CEB311/411/511…) the lifecycle already ends at 120 海关入库: use
        :attr:`eport.edi.ceb.receipts.Receipt.is_final`, which knows the message type.
        """
        return self in _FINALS


_MEANINGS: Mapping[ReturnStatus, tuple[str, str]] = {
    ReturnStatus.SAVED: ("saved at E-Port", "电子口岸已暂存"),
    ReturnStatus.DECLARING: ("being declared by E-Port", "电子口岸申报中"),
    ReturnStatus.SENT_TO_CUSTOMS: ("sent to customs", "发送海关成功"),
    ReturnStatus.SEND_FAILED: ("sending to customs failed", "发送海关失败"),
    ReturnStatus.REJECTED: ("rejected by customs", "海关退单"),
    ReturnStatus.ACCEPTED: ("accepted into the customs database", "海关入库"),
    ReturnStatus.MANUAL_REVIEW: ("manual review", "人工审核"),
    ReturnStatus.CONCLUDED: ("review concluded", "海关审结"),
    ReturnStatus.INSPECTION: ("inspection", "查验"),
    ReturnStatus.DETAINED_CLEARANCE: ("detained, handed to clearance", "扣留移送通关"),
    ReturnStatus.DETAINED_ANTI_SMUGGLING: ("detained, handed to anti-smuggling", "扣留移送缉私"),
    ReturnStatus.DETAINED_LEGAL: ("detained, handed to legal affairs", "扣留移送法规"),
    ReturnStatus.HANDED_OVER: ("handed over", "移交"),
    ReturnStatus.DETAINED_OTHER: ("detained, other", "其它扣留"),
    ReturnStatus.SUSPENDED: ("suspended", "挂起"),
    ReturnStatus.RETURNED: ("returned", "退运"),
    ReturnStatus.RELEASED: ("released", "放行"),
    ReturnStatus.CLOSED: ("closed", "结关"),
    ReturnStatus.ERROR: ("processing error", "处理异常"),
    ReturnStatus.UNKNOWN: ("unknown status", "未知状态"),
}
_ERRORS = frozenset({ReturnStatus.ERROR, ReturnStatus.SEND_FAILED, ReturnStatus.REJECTED})
_SUCCESSES = frozenset({ReturnStatus.ACCEPTED, ReturnStatus.CONCLUDED, ReturnStatus.RELEASED, ReturnStatus.CLOSED})
_FINALS = frozenset(_ERRORS | {ReturnStatus.RETURNED, ReturnStatus.RELEASED, ReturnStatus.CLOSED})


__all__ = ["ERROR_CATEGORIES", "ErrorCategory", "ErrorCode", "ReturnStatus", "error_code", "error_codes"]
