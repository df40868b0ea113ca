"""Rules for manifests (舱单) that no available schema expresses: the head.

* ``MessageType`` is a known type and matches the body (Declaration vs Response for MT9999);
* ``MessageID`` present, at most 70 characters; a warning when it does not follow the sample pattern
  ``CN_<type>_<version>_<SenderID>_<SendTime>`` or disagrees with the head;
* ``SendTime`` is ``YYYYMMDDHHmmssfff`` (17 digits, a real time);
* ``FunctionCode`` is one of 2, 3, 5, 9, 11;
* ``SenderID`` is a 4-digit customs code + 9-character organisation code, optionally ``_`` + DXP id
  (``EPORT`` and receipts from customs are exempt);
* consignment item numbers run 1, 2, 3 ….

Each rule is ``rule(message, context) -> Iterable[Problem]``; :data:`RULES` plugs into :mod:`eport.edi.core.rules`,
:func:`validate_manifest` runs them all.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from eport.edi.core.amounts import negative_amounts_in
from eport.edi.core.report import Problem, Severity, ValidationReport
from eport.edi.manifest.message import (
    FUNCTION_CODES,
    MESSAGE_ID_PATTERN,
    MESSAGE_TYPES,
    Manifest,
    is_road,
    parse_send_time,
)
from eport.edi.manifest.models import Declaration
from eport.edi.manifest.road import RoadDeclaration
from eport.errors import ConfigurationError

logger = logging.getLogger(__name__)

_SENDER = re.compile(r"^[0-9]{4}[0-9A-Z]{9}(_[0-9A-Za-z_@]+)?$")
_HEAD = "/Manifest/Head"


def head_rules(message: Manifest, context: Any = None) -> Iterator[Problem]:
    """MessageID, MessageType, SendTime, FunctionCode and SenderID of the head."""
    head = message.head
    mtype = head.message_type or ""
    if mtype not in MESSAGE_TYPES:
        yield Problem(f"{_HEAD}/MessageType", "message-type", f"MessageType {mtype!r} is not a known manifest type")
    if mtype == "MT9999" and message.response is None:
        yield Problem("/Manifest", "body", "an MT9999 message carries a Response")
    if mtype != "MT9999" and message.declaration is None:
        yield Problem("/Manifest", "body", f"an {mtype or 'manifest'} message carries a Declaration")
    if message.declaration is not None and mtype:
        road = isinstance(message.declaration, RoadDeclaration)
        if road != is_road(mtype):
            kind = "road" if road else "sea/air"
            yield Problem("/Manifest/Declaration", "body", f"{mtype} needs the other body than a {kind} Declaration")
    if not head.message_id:
        yield Problem(f"{_HEAD}/MessageID", "required", "MessageID 报文编号 is required")
    else:
        if len(head.message_id) > 70:
            yield Problem(f"{_HEAD}/MessageID", "length", "MessageID 报文编号 has more than 70 characters")
        m = MESSAGE_ID_PATTERN.match(head.message_id)
        if m is None:
            yield Problem(
                f"{_HEAD}/MessageID",
                "message-id",
                f"MessageID {head.message_id!r} does not follow CN_<type>_<version>_<SenderID>_<SendTime>",
                Severity.WARNING,
            )
        elif m.group(1) != mtype or (head.send_time and m.group(3) != head.send_time):
            yield Problem(
                f"{_HEAD}/MessageID",
                "message-id",
                "MessageID disagrees with MessageType or SendTime of the head",
                Severity.WARNING,
            )
    if not head.send_time:
        yield Problem(f"{_HEAD}/SendTime", "required", "SendTime 发送时间 is required")
    else:
        try:
            parse_send_time(head.send_time)
        except ConfigurationError as exc:
            yield Problem(f"{_HEAD}/SendTime", "send-time", str(exc))
    if head.function_code not in FUNCTION_CODES:
        yield Problem(
            f"{_HEAD}/FunctionCode",
            "function-code",
            f"FunctionCode {head.function_code!r} is not one of {', '.join(FUNCTION_CODES)}",
        )
    sender = head.sender_id or ""
    if not sender:
        yield Problem(f"{_HEAD}/SenderID", "required", "SenderID 发送方代码 is required")
    elif mtype != "MT9999" and not _SENDER.match(sender):
        yield Problem(
            f"{_HEAD}/SenderID",
            "sender-id",
            f"SenderID {sender!r} is not <4-digit customs code><9-character organisation code>[_<DXP id>]",
        )
    if not head.receiver_id:
        yield Problem(f"{_HEAD}/ReceiverID", "required", "ReceiverID 接收方代码 is required")


def item_numbers(message: Manifest, context: Any = None) -> Iterator[Problem]:
    """ConsignmentItem/SequenceNumeric runs 1, 2, 3 … in each consignment."""
    body = message.declaration
    if not isinstance(body, Declaration | RoadDeclaration):
        return
    consignments: tuple[Any, ...] = body.consignment
    for c, consignment in enumerate(consignments, 1):
        items = consignment.consignment_item
        for i, item in enumerate(items, 1):
            if item.sequence_numeric != Decimal(i):
                cidx = f"[{c}]" if len(consignments) > 1 else ""
                iidx = f"[{i}]" if len(items) > 1 else ""
                yield Problem(
                    f"/Manifest/Declaration/Consignment{cidx}/ConsignmentItem{iidx}/SequenceNumeric",
                    "item-sequence",
                    f"SequenceNumeric is {item.sequence_numeric}; item {i} must be numbered {i}",
                )


def _adapt(rule: Any) -> Any:
    def run(message: Any, context: Any = None) -> Iterable[Problem]:
        return rule(message, context) if isinstance(message, Manifest) else ()

    run.__name__ = rule.__name__
    run.__qualname__ = rule.__qualname__  # a rule that fails is named by it ("rule-failed")
    run.__doc__ = rule.__doc__
    return run


#: Measures and amounts of a manifest (element tag) where a negative value means nothing: weights, volume,
#: goods value, package and item quantities. Build another set with
#: :func:`eport.edi.core.amounts.negative_amounts_in`.
AMOUNT_FIELDS: frozenset[str] = frozenset(
    {
        "GrossMassMeasure", "GrossVolumeMeasure", "TotalGrossMassMeasure", "ValueAmount", "QuantityQuantity",
        "TotalPackageQuantity",
    }
)  # fmt: skip

#: The manifest's negative-amount rule (``negative-amount``, error) over :data:`AMOUNT_FIELDS`.
negative_amounts = negative_amounts_in(AMOUNT_FIELDS)

#: The rules for :mod:`eport.edi.core.rules` (family ``"manifest"``).
RULES = (_adapt(head_rules), _adapt(item_numbers), _adapt(negative_amounts))


def validate_manifest(message: Manifest) -> ValidationReport:
    """Check a manifest with every rule; return all problems at once."""
    return ValidationReport.of([*head_rules(message), *item_numbers(message)])


__all__ = ["AMOUNT_FIELDS", "RULES", "head_rules", "item_numbers", "negative_amounts", "validate_manifest"]
