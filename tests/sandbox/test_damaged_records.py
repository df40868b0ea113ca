"""A damaged value in one record of a sandbox store (a form's state, a declaration's amount) affects that record
only: listings leave it out (logged), reading it raises :class:`DamagedRecordError` naming the column, and the other
records and later actions work. The rows are damaged with sqlite3 directly."""

from __future__ import annotations

import datetime as dt
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest

from eport.errors import DamagedRecordError
from eport.identifiers import EntryId
from eport.sandbox.verification_store import VerificationStore
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
