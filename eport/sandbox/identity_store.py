"""State of the sandbox's 身份认证 and 企业管理 services (``identity.sqlite3``): 报关人员 records with their card
binding, and enterprise 备案 records. Seeded with the demo enterprise and three demo 报关人员 (one matching the demo
card, one with another person's identity, one of another enterprise); all data is synthetic.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from eport.sandbox.login_store import CardRecord
from eport.sandbox.sqlite import SqliteFile
from eport.services.identity import BindingState, DeclarantStatus

_SCHEMA = """
CREATE TABLE IF NOT EXISTS declarants (
    declarant_no TEXT PRIMARY KEY, name TEXT NOT NULL, id_type TEXT NOT NULL, id_number TEXT NOT NULL,
    enterprise_code TEXT NOT NULL, status TEXT NOT NULL, card_id TEXT);
CREATE TABLE IF NOT EXISTS enterprises (
    customs_code TEXT PRIMARY KEY, uscc TEXT NOT NULL, name TEXT NOT NULL, registered_customs TEXT NOT NULL,
    filing_state TEXT NOT NULL, credit_level TEXT NOT NULL, credit_scheme TEXT NOT NULL,
    report_year INTEGER, report_status TEXT, address TEXT NOT NULL DEFAULT '');
"""


class RefusedError(Exception):
    """A binding refusal: ``code`` (``identity_mismatch`` …), message, and the differing fields."""

    def __init__(self, code: str, message: str, fields: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.code = code
        self.fields = fields


def seed(store: IdentityStore, *, holder_name: str, id_number: str, enterprise_code: str, enterprise_name: str) -> None:
    """The demo records (inserted once; a restart keeps what changed)."""
    store.add_enterprise(
        {
            "customsCode": enterprise_code,
            "uscc": "91110108MA01DEMQ0N",
            "name": enterprise_name,
            "registeredCustoms": "0100",
            "filingState": "APPROVED",
            "creditLevel": "CONVENTIONAL",
            "creditScheme": "DECREE_282",
            "annualReport": {"year": 2025, "status": "SUBMITTED"},
            "address": "北京市 (demo address)",
        }
    )
    store.add_enterprise(
        {
            "customsCode": "4403960001",
            "uscc": "91440300MA5EPRT012",
            "name": "eport 演示企业 demo enterprise",
            "registeredCustoms": "5300",
            "filingState": "APPROVED",
            "creditLevel": "一般认证企业",
            "creditScheme": "DECREE_225",
            "annualReport": {"year": 2025, "status": "OVERDUE"},
        }
    )
    for number, name, person_id, enterprise in (
        ("DEMO000000001", holder_name, id_number, enterprise_code),
        ("DEMO000000002", "另一报关员 Other Declarant", "110101198505120029", enterprise_code),
        ("DEMO000000003", holder_name, id_number, "4403960001"),
    ):
        store.add_declarant(
            {
                "declarantNo": number,
                "name": name,
                "idType": "居民身份证",
                "idNumber": person_id,
                "enterpriseCode": enterprise,
            }
        )


class IdentityStore:
    """报关人员 and enterprise records."""

    def __init__(self, path: Path) -> None:
        self.db = SqliteFile(path, _SCHEMA)

    def close(self) -> None:
        """Close the file."""
        self.db.close()

    # ----------------------------------------------------------------------------------------------- records
    def add_declarant(self, record: dict[str, Any]) -> bool:
        """File a 报关人员 (备案); False when the number exists."""
        with self.db.transaction() as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO declarants (declarant_no, name, id_type, id_number, enterprise_code, status)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (record["declarantNo"], record["name"], record["idType"], record["idNumber"],
                 record["enterpriseCode"], record.get("status", DeclarantStatus.FILED.value)),
            )  # fmt: skip
            return cursor.rowcount > 0

    def declarant(self, declarant_no: str) -> dict[str, Any] | None:
        """A 报关人员 record in the wire shape, or None."""
        rows = self.db.query("SELECT * FROM declarants WHERE declarant_no = ?", (declarant_no,))
        return _declarant(rows[0]) if rows else None

    def add_enterprise(self, record: dict[str, Any]) -> bool:
        """Add an enterprise 备案 record; False when the code exists."""
        report = record.get("annualReport") or {}
        with self.db.transaction() as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO enterprises (customs_code, uscc, name, registered_customs, filing_state,"
                " credit_level, credit_scheme, report_year, report_status, address)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (record["customsCode"], record["uscc"], record["name"], record["registeredCustoms"],
                 record["filingState"], record["creditLevel"], record.get("creditScheme", "DECREE_282"),
                 report.get("year"), report.get("status"), record.get("address", "")),
            )  # fmt: skip
            return cursor.rowcount > 0

    def enterprise(self, customs_code: str) -> dict[str, Any] | None:
        """An enterprise record in the wire shape, or None."""
        rows = self.db.query("SELECT * FROM enterprises WHERE customs_code = ?", (customs_code,))
        if not rows:
            return None
        row = rows[0]
        report = (
            {"year": row["report_year"], "status": row["report_status"]} if row["report_year"] is not None else None
        )
        return {
            "customsCode": row["customs_code"],
            "uscc": row["uscc"],
            "name": row["name"],
            "registeredCustoms": row["registered_customs"],
            "filingState": row["filing_state"],
            "creditLevel": row["credit_level"],
            "creditScheme": row["credit_scheme"],
            "annualReport": report,
            "address": row["address"],
        }

    # ----------------------------------------------------------------------------------------------- binding
    def bind(self, declarant_no: str, card: CardRecord) -> dict[str, Any]:
        """Bind to ``card`` if card identity and enterprise match the record (nothing changes otherwise).

        Raises:
            LookupError: no such 报关人员.
            RefusedError: ``identity_mismatch`` (with fields), ``declarant_cancelled``, ``already_bound``.
        """
        with self.db.transaction() as db:
            row = db.execute("SELECT * FROM declarants WHERE declarant_no = ?", (declarant_no,)).fetchone()
            if row is None:
                raise LookupError(declarant_no)
            if row["status"] == DeclarantStatus.CANCELLED.value:
                raise RefusedError("declarant_cancelled", f"报关人员 {declarant_no} is cancelled (注销)")
            differing = tuple(
                name
                for name, mine, theirs in (
                    ("name", card.holder_name, row["name"]),
                    ("id_number", card.id_number.upper(), row["id_number"].upper()),
                    ("enterprise_code", card.enterprise_code, row["enterprise_code"]),
                )
                if mine.strip() != theirs.strip()
            )
            if differing:
                raise RefusedError(
                    "identity_mismatch",
                    f"the card does not match 报关人员 {declarant_no}: {', '.join(differing)} differ(s); nothing bound",
                    differing,
                )
            if row["card_id"] not in (None, card.card_id):
                raise RefusedError(
                    "already_bound", f"报关人员 {declarant_no} is bound to another card; unbind it first"
                )
            db.execute("UPDATE declarants SET card_id = ? WHERE declarant_no = ?", (card.card_id, declarant_no))
            return _declarant(db.execute("SELECT * FROM declarants WHERE declarant_no = ?", (declarant_no,)).fetchone())

    def unbind(self, declarant_no: str, card: CardRecord) -> dict[str, Any]:
        """Unbind from ``card``.

        Raises:
            LookupError: no such 报关人员.
            RefusedError: ``not_bound`` (not bound to this card).
        """
        with self.db.transaction() as db:
            row = db.execute("SELECT * FROM declarants WHERE declarant_no = ?", (declarant_no,)).fetchone()
            if row is None:
                raise LookupError(declarant_no)
            if row["card_id"] != card.card_id:
                raise RefusedError("not_bound", f"报关人员 {declarant_no} is not bound to this card")
            db.execute("UPDATE declarants SET card_id = NULL WHERE declarant_no = ?", (declarant_no,))
            return _declarant(db.execute("SELECT * FROM declarants WHERE declarant_no = ?", (declarant_no,)).fetchone())


def _declarant(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "declarantNo": row["declarant_no"],
        "name": row["name"],
        "idType": row["id_type"],
        "idNumber": row["id_number"],
        "enterpriseCode": row["enterprise_code"],
        "status": row["status"],
        "binding": (BindingState.BOUND if row["card_id"] else BindingState.UNBOUND).value,
        "cardId": row["card_id"],
    }


__all__ = ["IdentityStore", "RefusedError", "seed"]
