"""A damaged value in one record of a sandbox store (a form's state, a declaration's amount, a refund-copy record)
affects that record
only: listings leave it out (logged), reading it raises :class:`DamagedRecordError` naming the column, and the other
records and later actions work. The rows are damaged with sqlite3 directly."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest

from eport.errors import DamagedRecordError
from eport.identifiers import EntryId, RefundDeclNo
from eport.sandbox.refund import RefundService
from eport.sandbox.store import Store
from eport.sandbox.verification_store import VerificationStore
from eport.services.refund.models import RefundRecord
from eport.services.verification_models import Direction, ProceedsDeclaration

ENTERPRISE = "1101960001"


@pytest.mark.parametrize(
    ("column", "value"), [("state", "ZZZ"), ("applied_at", "soon"), ("amount", "lots"), ("entry_id", "12")]
)
def test_a_damaged_form_is_left_out_of_listings_and_named_when_read(tmp_path: Path, column: str, value: str) -> None:
    store = VerificationStore(tmp_path / "v.sqlite3")
    bad, good = store.apply(ENTERPRISE, 2)
    with sqlite3.connect(tmp_path / "v.sqlite3") as db:
        db.execute(f"UPDATE forms SET {column} = ? WHERE form_no = ?", (value, str(bad.form_no)))  # noqa: S608
    total, page = store.query(ENTERPRISE, [], 0, 50)  # raised ValueError for every listing before
    assert (total, [f.form_no for f in page]) == (1, [good.form_no])
    with pytest.raises(DamagedRecordError) as info:
        store.form(str(bad.form_no), ENTERPRISE)
    assert (info.value.table, info.value.key, info.value.column) == ("forms", str(bad.form_no), column)
    assert store.form(str(good.form_no), ENTERPRISE).form_no == good.form_no
    assert len(store.apply(ENTERPRISE, 1)) == 1


def test_a_damaged_declaration_is_left_out_of_the_proceeds_list(tmp_path: Path) -> None:
    store = VerificationStore(tmp_path / "v.sqlite3")
    for serial in (1, 2):
        store.add_declaration(ENTERPRISE, ProceedsDeclaration(
            entry_id=EntryId(f"53002011000000000{serial}"), direction=Direction.EXPORT,
            ie_date=dt.date(2011, 3, serial), customs="5300", currency="USD", amount=Decimal("1.00"),
        ))  # fmt: skip
    with sqlite3.connect(tmp_path / "v.sqlite3") as db:
        db.execute("UPDATE declarations SET amount = 'x' WHERE entry_id = '530020110000000001'")
    total, rows = store.proceeds(ENTERPRISE, Direction.EXPORT, entry_id=None, date_from=None, date_to=None,
                                 offset=0, limit=50)  # fmt: skip
    assert (total, [str(r.entry_id) for r in rows]) == (1, ["530020110000000002"])


def _refund_record(item: int) -> RefundRecord:
    return RefundRecord(
        refund_decl_no=RefundDeclNo.of("530020261000000123", item), customs="5300", export_date=dt.date(2026, 12, 3),
        closed_on=dt.date(2026, 12, 4), trade_mode="0110", trans_mode="3", trade_code=ENTERPRISE,
        destination="502", code_ts="8471300000", name="laptop", unit="035", qty=Decimal(10), currency="USD",
        total=Decimal(1000), usd_fob=Decimal("1000.00"),
    )  # fmt: skip


@pytest.mark.parametrize("stored", ["{not json", "[1]", '{"refund_decl_no": "x"}'])
def test_a_damaged_refund_record_is_left_out_and_pages_stay_full(tmp_path: Path, stored: str) -> None:
    service = RefundService(tmp_path / "sandbox.sqlite3", tmp_path / "refund.sqlite3")
    try:
        records = [_refund_record(item) for item in (1, 2, 3)]
        with service.db.transaction() as db:
            for record in records:
                db.execute(
                    "INSERT INTO records (refund_decl_no, entry_id, trade_code, record) VALUES (?, ?, ?, ?)",
                    (str(record.refund_decl_no), "530020261000000123", ENTERPRISE, json.dumps(record.to_json())),
                )
            db.execute(
                "UPDATE records SET record = ? WHERE refund_decl_no = ?", (stored, str(records[0].refund_decl_no))
            )
        total, page = service.records(ENTERPRISE, offset=0, limit=1)  # raised for every listing before
        assert (total, [str(r.refund_decl_no) for r in page]) == (2, [str(records[1].refund_decl_no)])
        assert [str(r.refund_decl_no) for r in service.records(ENTERPRISE, offset=1, limit=1)[1]] == [
            str(records[2].refund_decl_no)
        ]
        with pytest.raises(DamagedRecordError) as info:
            service.record(str(records[0].refund_decl_no))
        assert (info.value.table, info.value.column) == ("records", "record")
        assert service.record(str(records[1].refund_decl_no)).refund_decl_no == records[1].refund_decl_no
    finally:
        service.close()


def test_receipt_bytes_rewritten_as_text_or_a_number_do_not_stop_the_receipts_listing(tmp_path: Path) -> None:
    store = Store(tmp_path / "sandbox.sqlite3")
    try:
        with store.db.transaction() as db:
            for n, dxp in enumerate((b"<a/>", "<b/>", 42, b"<d/>"), start=1):
                db.execute(
                    "INSERT INTO receipts (cop_msg_id, source_cop_msg_id, receiver_id, msg_type, created_at, dxp)"
                    " VALUES (?, 'S', 'R', 'CEB622Message', '2026-12-04T00:00:00', ?)",
                    (f"C{n}", dxp),
                )
        listed = store.receipts_after("R", 0, 10)  # raised TypeError for every poll of R before
        assert [(r.cop_msg_id, r.dxp) for r in listed] == [("C1", b"<a/>"), ("C2", b"<b/>"), ("C4", b"<d/>")]
    finally:
        store.close()
