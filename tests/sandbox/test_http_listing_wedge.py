"""A damaged receipts listing from the real sandbox over HTTP (the damaging proxy rewrites its replies on the wire)
never wedges polling (#14): receipts after a damaged entry arrive, the damaged entry is kept once for attention,
re-listed receipts are not recorded twice, and a listing unusable as a whole is retried without losing anything."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from eport import edi
from eport.errors import ProtocolError
from eport.pki.signers import InMemorySigner
from eport.sandbox import DEMO_DXP_ID
from eport.services import ClearanceClient, HttpTransport, Stage
from tests.sandbox import messages as m
from tests.sandbox.damaging_proxy import damaging_proxy
from tests.sandbox.process import SandboxProcess

LISTING = "/api/v1/receipts"


def submit_deal(client: ClearanceClient, signer: InMemorySigner) -> Any:
    deal = m.Deal()
    for message in (m.order(deal), m.payment(deal), m.waybill(deal)):
        client.submit(message, signer=signer)
    return client.submit(edi.encode(m.inventory_model(deal)), signer=signer)


def stored(journal: Path) -> list[tuple[str, str | None]]:
    with sqlite3.connect(journal) as db:
        return db.execute("SELECT receipt_id, error FROM receipts ORDER BY recorded_at, receipt_id").fetchall()


def test_damaged_and_relisted_entries_neither_wedge_nor_repeat(
    sandbox: SandboxProcess, signer: InMemorySigner, tmp_path: Path
) -> None:
    first: list[dict[str, Any]] = []

    def damage(reply: dict[str, Any]) -> dict[str, Any]:
        entries = reply["receipts"]
        if entries and not first:
            first.append(dict(entries[0]))
        if first:
            without_seq = {k: v for k, v in first[0].items() if k != "seq"}
            # every listing: the first receipt again (at or before the cursor), then one entry that lost its seq
            reply["receipts"] = [first[0], without_seq, *entries]
        return reply

    journal = tmp_path / "journal.db"
    with damaging_proxy(sandbox.url) as (url, damaged):
        damaged[LISTING] = damage
        transport = HttpTransport(url, dxp_id=DEMO_DXP_ID)
        with ClearanceClient(transport, journal, sender_id=DEMO_DXP_ID, poll_interval=0.02) as client:
            handle = submit_deal(client, signer)

            final = client.wait(handle, until=Stage.CLOSED, timeout=30)

            assert final.stage is Stage.CLOSED
            rows = stored(journal)
            attention = [(rid, error) for rid, error in rows if rid.startswith("entry:")]
            assert len(attention) == 1
            assert "seq" in str(attention[0][1])
            assert len({rid for rid, _ in rows}) == len(rows)  # nothing recorded twice
            cursor = client.journal.cursor(transport.name)
            assert client.poll() == []
            assert client.poll() == []
            assert stored(journal) == rows
            assert client.journal.cursor(transport.name) == cursor


def test_a_listing_unusable_as_a_whole_is_retried_and_loses_nothing(
    sandbox: SandboxProcess, signer: InMemorySigner, tmp_path: Path
) -> None:
    journal = tmp_path / "journal.db"
    with damaging_proxy(sandbox.url) as (url, damaged):
        transport = HttpTransport(url, dxp_id=DEMO_DXP_ID)
        with ClearanceClient(transport, journal, sender_id=DEMO_DXP_ID, poll_interval=0.02) as client:
            client.poll(limit=1000)  # past what other tests left for this receiver
            cursor = client.journal.cursor(transport.name)
            damaged[LISTING] = lambda reply: b"<html>maintenance</html>"
            handle = submit_deal(client, signer)

            with pytest.raises(ProtocolError):
                client.poll()

            assert client.journal.cursor(transport.name) == cursor  # nothing recorded, nothing skipped
            other = submit_deal(client, signer)  # sending goes on
            del damaged[LISTING]
            assert client.wait(handle, until=Stage.CLOSED, timeout=30).stage is Stage.CLOSED
            assert client.wait(other, until=Stage.CLOSED, timeout=30).stage is Stage.CLOSED
