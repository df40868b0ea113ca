"""Export tax refund (出口退税): refund-copy records, claim lines, the local self-check, forms and the client.

* :mod:`~eport.services.refund.records`: refund-copy records (one per item, keyed by the 21-character number)
  rebuilt from the enterprise's own ``DecMessage`` and receipts;
* :mod:`~eport.services.refund.lines`: 出口明细 / 进货明细 rows, validated with errors naming line and field;
* :mod:`~eport.services.refund.selfcheck`: the tax side's doubt (疑点) rules, streaming;
* :mod:`~eport.services.refund.forms`: the declaration forms as xlsx or CSV, 关联号 linked;
* :mod:`~eport.services.refund.client`: :class:`RefundClient` over a portal session (the sandbox implements the API).

See ``docs/refund.md``.
"""

from eport.services.refund.client import Batch, DeclarationView, LegacyRow, RefundClient
from eport.services.refund.forms import FormHeader, check_forms, claim_lines, write_forms, write_lines_csv
from eport.services.refund.lines import ClaimLine, PurchaseLine, read_claim_lines, read_purchase_lines
from eport.services.refund.models import (
    BatchState,
    ClosedDeclaration,
    Condition,
    Doubt,
    DoubtLevel,
    LegacyState,
    RefundRecord,
    ReturnPurpose,
)
from eport.services.refund.records import closed_declaration, records_from_declaration, records_of
from eport.services.refund.selfcheck import (
    RULES,
    SelfCheckConfig,
    SelfCheckReport,
    check_declarations,
    check_line,
    doubts_frame,
    index_records,
    run_self_check,
    self_check,
)

__all__ = [
    "RULES",
    "Batch",
    "BatchState",
    "ClaimLine",
    "ClosedDeclaration",
    "Condition",
    "DeclarationView",
    "Doubt",
    "DoubtLevel",
    "FormHeader",
    "LegacyRow",
    "LegacyState",
    "PurchaseLine",
    "RefundClient",
    "RefundRecord",
    "ReturnPurpose",
    "SelfCheckConfig",
    "SelfCheckReport",
    "check_declarations",
    "check_forms",
    "check_line",
    "claim_lines",
    "closed_declaration",
    "doubts_frame",
    "index_records",
    "read_claim_lines",
    "read_purchase_lines",
    "records_from_declaration",
    "records_of",
    "run_self_check",
    "self_check",
    "write_forms",
    "write_lines_csv",
]
