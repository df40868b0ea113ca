"""Clearance services: transports (file exchange, HTTP), the durable submission journal, receipts, and
:class:`ClearanceClient`.

The portal services live in their own modules: export tax refund in :mod:`eport.services.refund`, card login in
:mod:`eport.services.session`, verification forms (出口收汇, historical) in :mod:`eport.services.verification`,
报关人员 binding in :mod:`eport.services.identity` and enterprise records in :mod:`eport.services.enterprise`.

The names below are imported on first use: ``import eport.services`` stays cheap (requests, the PKI and the message
models load only when a client, transport or helper that needs them is used). ``from eport.services import
ClearanceClient`` works as usual.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from eport._lazy import lazy_exports

if TYPE_CHECKING:  # what type checkers and IDEs see; at run time module __getattr__ imports these on first use
    from eport.services._xml import BusinessInfo, DocumentKey, Envelope, Family, business_info, unwrap, wrap
    from eport.services.clearance import DEFAULT_RECEIVERS, ClearanceClient, SubmissionHandle, Update
    from eport.services.filexchange import DEFAULT_BOXES, FileExchangeTransport, atomic_write, fsync_folder
    from eport.services.http import HttpTransport, Retry, trust_context
    from eport.services.journal import Journal, Recorded, Submission
    from eport.services.journal_rows import JournalDamage
    from eport.services.receipts import DUPLICATE_CODES, Stage, StatusEvent, TypedReceipt, parse_receipt
    from eport.services.transport import (
        DEFAULT_TIMEOUT,
        BatchingTransport,
        CheckingTransport,
        MockTransport,
        Outgoing,
        RawReceipt,
        ReceiveBatch,
        SendResult,
        Timeout,
        Transport,
    )

#: Public name → the module that defines it (a new public name: add it here, under TYPE_CHECKING and to __all__).
_EXPORTS: dict[str, str] = {
    **dict.fromkeys(
        ("BusinessInfo", "DocumentKey", "Envelope", "Family", "business_info", "unwrap", "wrap"), "eport.services._xml"
    ),
    **dict.fromkeys(("DEFAULT_RECEIVERS", "ClearanceClient", "SubmissionHandle", "Update"), "eport.services.clearance"),
    **dict.fromkeys(
        ("DEFAULT_BOXES", "FileExchangeTransport", "atomic_write", "fsync_folder"), "eport.services.filexchange"
    ),
    **dict.fromkeys(("HttpTransport", "Retry", "trust_context"), "eport.services.http"),
    **dict.fromkeys(("Journal", "Recorded", "Submission"), "eport.services.journal"),
    "JournalDamage": "eport.services.journal_rows",
    **dict.fromkeys(
        ("DUPLICATE_CODES", "Stage", "StatusEvent", "TypedReceipt", "parse_receipt"), "eport.services.receipts"
    ),
    **dict.fromkeys(
        (
            "DEFAULT_TIMEOUT",
            "BatchingTransport",
            "CheckingTransport",
            "MockTransport",
            "Outgoing",
            "RawReceipt",
            "ReceiveBatch",
            "SendResult",
            "Timeout",
            "Transport",
        ),
        "eport.services.transport",
    ),
}


__getattr__, __dir__ = lazy_exports(globals(), _EXPORTS)


__all__ = [
    "DEFAULT_BOXES",
    "DEFAULT_RECEIVERS",
    "DEFAULT_TIMEOUT",
    "DUPLICATE_CODES",
    "BatchingTransport",
    "BusinessInfo",
    "CheckingTransport",
    "ClearanceClient",
    "DocumentKey",
    "Envelope",
    "Family",
    "FileExchangeTransport",
    "HttpTransport",
    "Journal",
    "JournalDamage",
    "MockTransport",
    "Outgoing",
    "RawReceipt",
    "ReceiveBatch",
    "Recorded",
    "Retry",
    "SendResult",
    "Stage",
    "StatusEvent",
    "Submission",
    "SubmissionHandle",
    "Timeout",
    "Transport",
    "TypedReceipt",
    "Update",
    "atomic_write",
    "business_info",
    "fsync_folder",
    "parse_receipt",
    "trust_context",
    "unwrap",
    "wrap",
]
