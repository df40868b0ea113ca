"""One malformed entry in the gateway's receipts listing (a ``dxp`` that is not base64) never blocks the receipts
after it: it is kept in the journal as an unreadable receipt with its error, and polling goes on (#12 review).
Runs against the loopback gateway (a real HTTP server over sockets)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from eport.services import ClearanceClient, HttpTransport, Retry, Stage, Timeout
from tests.services.helpers import Gateway, ceb622, fake_sign, inventory

SENDER = "DXPENT0000000001"


def test_a_malformed_listing_entry_is_kept_as_unreadable_and_the_next_receipts_are_read(
    gateway: Gateway, tmp_path: Path
) -> None:
    transport = HttpTransport(
        gateway.url, dxp_id=SENDER, retry=Retry(attempts=2, backoff=0.01), timeout=Timeout(connect=1, read=1)
    )
    with ClearanceClient(transport, tmp_path / "j.db", sender_id=SENDER, sign=fake_sign, poll_interval=0.01) as client:
        handle = client.submit(inventory("COP-HTTP"), signer=object())
        gateway.add_receipt(ceb622(handle.guids[0], "800"), handle.cop_msg_id)
        gateway.receipts[-1]["dxp"] = "%%% not base64 %%%"  # damaged on the gateway's side
        gateway.add_receipt(ceb622(handle.guids[0], "800"), handle.cop_msg_id)

        final = client.wait(handle, until=Stage.RELEASED, timeout=5)

        assert final.stage is Stage.RELEASED
        with sqlite3.connect(tmp_path / "j.db") as db:
            kept = db.execute("SELECT receipt_id, data, error FROM receipts WHERE error IS NOT NULL").fetchall()
        assert [(receipt_id, b"not base64" in data) for receipt_id, data, _ in kept] == [("1", True)]
        assert client.poll() == []  # the cursor moved past it
