"""Rules for declaration receipts (报关单回执), which no packaged schema covers: what makes a receipt say something.

* ``DEC_RESULT`` (and the ``DEC_RESULT`` of a legacy ``DEC_DATA``): the 统一编号 (``CUS_CIQ_NO``, ``SEQ_NO`` in
  ``DEC_DATA``) that ties it to a declaration and the ``CHANNEL`` it reports are required; ``NOTICE_DATE`` is a time
  (:func:`~eport.edi.dec.receipts.parse_notice_date`); ``ENTRY_ID``, once assigned, is the 18-digit 海关编号; a
  ``CHANNEL`` eport does not know is a warning (it may be newer than eport's table, FORMATS.md §2.6);
* ``DecImportResponse``: a success (``ResponseCode`` 0) without ``SeqNo`` is a warning, since later receipts are
  keyed by that 统一编号.

Each rule is ``rule(message, context) -> Iterable[Problem]`` and ignores other messages; :data:`RULES` plugs into
:mod:`eport.edi.core.rules` for the ``dec-receipt`` spec family.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from eport.edi.core.report import Problem, Severity
from eport.edi.dec.channel import DecStatus
from eport.edi.dec.receipts import DecData, DecImportResponse, DecResult, parse_notice_date

_ENTRY_ID = re.compile(r"^[0-9]{18}$")


def _root(context: Any, default: str) -> str:
    root = getattr(context, "root", "")
    return root if isinstance(root, str) and root else default


def _result(
    where: str, key_tag: str, key: str | None, channel: str | None, notice_date: str | None, entry_id: str | None
) -> Iterator[Problem]:
    if not key:
        yield Problem(f"{where}/{key_tag}", "required", f"{key_tag} 统一编号 is required: it ties the receipt to its "
                      "declaration")  # fmt: skip
    if not channel:
        yield Problem(f"{where}/CHANNEL", "required", "CHANNEL 处理结果 is required: without it the receipt reports "
                      "no status")  # fmt: skip
    elif DecStatus.of(channel).channel is None:
        yield Problem(f"{where}/CHANNEL", "channel", f"CHANNEL {channel!r} is not a code eport knows (FORMATS.md "
                      "§2.6): its meaning was not checked", Severity.WARNING)  # fmt: skip
    if entry_id and not _ENTRY_ID.match(entry_id):
        yield Problem(f"{where}/ENTRY_ID", "entry-id", f"ENTRY_ID 海关编号 {entry_id!r:.30} is not 18 digits")
    if notice_date and parse_notice_date(notice_date) is None:
        yield Problem(f"{where}/NOTICE_DATE", "time-format", f"NOTICE_DATE 通知时间 {notice_date!r:.30} is not a "
                      "time (2018-12-12T14:40:43, 20180208T15032200 or 20180208150322)")  # fmt: skip


def result_fields(message: Any, context: Any = None) -> Iterator[Problem]:
    """``DEC_RESULT`` / ``DEC_DATA``: 统一编号 and CHANNEL present, a known CHANNEL, a real time, 18-digit ENTRY_ID."""
    if isinstance(message, DecResult):
        where = _root(context, "/DEC_RESULT")
        yield from _result(where, "CUS_CIQ_NO", message.cus_ciq_no, message.channel, message.notice_date,
                           message.entry_id)  # fmt: skip
    elif isinstance(message, DecData):
        where = _root(context, "/DEC_DATA") + "/DEC_RESULT"
        result = message.result
        yield from _result(where, "SEQ_NO", result.seq_no, result.channel, result.notice_date, result.entry_id)


def import_response(message: Any, context: Any = None) -> Iterator[Problem]:
    """``DecImportResponse``: a success names the 统一编号 (``SeqNo``) later receipts are keyed by."""
    if isinstance(message, DecImportResponse) and message.ok and not message.seq_no:
        where = _root(context, "/DecImportResponse")
        yield Problem(f"{where}/SeqNo", "required", "a successful import response (ResponseCode 0) names the SeqNo "
                      "统一编号 that later receipts are keyed by", Severity.WARNING)  # fmt: skip


#: The rules of the ``dec-receipt`` spec family.
RULES = (result_fields, import_response)

__all__ = ["RULES", "import_response", "result_fields"]
