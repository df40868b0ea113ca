"""Clearance services: transports (file exchange, HTTP), the durable submission journal, receipts, and
:class:`ClearanceClient`.

Export tax refund (出口退税) and verification (核销) clients are not provided yet: no public interface for them
could be backed with real behaviour (see ``docs/services.md``).
"""

from eport.services._xml import BusinessInfo, DocumentKey, Envelope, Family, business_info, unwrap, wrap
from eport.services.clearance import DEFAULT_RECEIVERS, ClearanceClient, SubmissionHandle, Update
from eport.services.filexchange import DEFAULT_BOXES, FileExchangeTransport, atomic_write, fsync_folder
from eport.services.http import HttpTransport, Retry, trust_context
from eport.services.journal import Journal, Recorded, Submission
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
