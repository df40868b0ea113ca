"""Rules for DXP envelopes that the schema cannot express.

Problem code: ``msg-type`` — the envelope's ``MsgType`` names one CEB message (``CEB621Message``) and its payload is
another (``CEB311Message``). For CEB the ``MsgType`` is the payload's root name; E-Port routes the envelope by it.
Other types (``DECMSG``, a manifest's ``MT2101``) are agreed between the parties and are not compared.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from eport.edi.core.report import Problem
from eport.edi.core.rules import Rule, RuleContext

_CEB_TYPE = re.compile(r"CEB\d{3}Message").fullmatch


def msg_type(message: Any, context: RuleContext) -> Iterator[Problem]:
    """A CEB ``MsgType`` must name the CEB message the envelope carries."""
    from eport.edi.dxp import DxpMsg, DxpMsgSv, message_type_of

    msg = message.msg if isinstance(message, DxpMsgSv) else message
    if not isinstance(msg, DxpMsg):
        return
    declared = msg.trans_info.msg_type
    carried = message_type_of(msg.data)
    if _CEB_TYPE(declared) and _CEB_TYPE(carried) and declared != carried:
        prefix = "/dxp:DxpMsgSv/dxp:DxpMsg" if isinstance(message, DxpMsgSv) else "/dxp:DxpMsg"
        yield Problem(
            f"{prefix}/dxp:TransInfo/dxp:MsgType",
            "msg-type",
            f"MsgType 报文类型 {declared!r} does not name the message the envelope carries ({carried})",
        )


#: The rules run for every DXP envelope.
RULES: tuple[Rule, ...] = (msg_type,)

__all__ = ["RULES", "msg_type"]
