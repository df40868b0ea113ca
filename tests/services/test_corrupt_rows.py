"""A journal row whose stored envelope became unreadable (disk damage, a hand edit, a tool that rewrote the column)
never wedges recovery: the row ends in ``ATTENTION`` (需处理) with its reason, nothing corrupt is sent, the other
rows are recovered and the next submission goes through."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from eport.errors import TransportError
from eport.services import ClearanceClient, Journal, MockTransport, Outgoing, Stage, unwrap
from tests.services.helpers import fake_sign, inventory

SENDER = "DXPENT0000000001"


def _client(transport: MockTransport, journal: Path) -> ClearanceClient:
    return ClearanceClient(transport, journal, sender_id=SENDER, sign=fake_sign, poll_interval=0.01)


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda env: env[: len(env) // 2], id="truncated"),
        pytest.param(lambda env: b"\x00" * len(env), id="zeroed"),
        pytest.param(lambda env: env.decode().replace("COP-BAD", "COP-XYZ").encode()[:-40], id="edited"),
        pytest.param(lambda env: "not bytes at all", id="text-typed"),
        pytest.param(lambda env: env.replace(b"CopMsgId>", b"CopMsgId>0", 1), id="other-cop-msg-id"),
    ],
)
def test_an_unreadable_stored_envelope_goes_to_attention_and_recovery_goes_on(tmp_path: Path, damage: object) -> None:
    down = [True]
    sent: list[bytes] = []

    def handler(outgoing: Outgoing) -> None:
        if down[0]:
            raise TransportError("exchange down")
        sent.append(outgoing.envelope)

    transport = MockTransport(handler)
    client = _client(transport, tmp_path / "j.db")
    for cop in ("COP-BAD", "COP-A"):
        with pytest.raises(TransportError):
            client.submit(inventory(cop), signer=object())
    [bad, good] = client.journal.submissions()
    client.close()

    with sqlite3.connect(tmp_path / "j.db") as db:
        [(envelope,)] = db.execute("SELECT envelope FROM submissions WHERE cop_msg_id = ?", (bad.cop_msg_id,))
        db.execute(
            "UPDATE submissions SET envelope = ? WHERE cop_msg_id = ?",
            (damage(bytes(envelope)), bad.cop_msg_id),  # type: ignore[operator]
        )
    down[0] = False

    with _client(transport, tmp_path / "j.db") as again:  # recovery runs here and must not raise
        journal: Journal = again.journal
        damaged = journal.get(bad.cop_msg_id)
        assert damaged is not None
        assert damaged.stage is Stage.ATTENTION
        assert "envelope" in (damaged.info or "")
        assert journal.get(good.cop_msg_id).stage is Stage.SENT  # type: ignore[union-attr]
        assert [unwrap(e).cop_msg_id for e in sent] == [good.cop_msg_id]  # nothing corrupt went out
        assert journal.unsent() == []
        for cop in ("COP-BAD", "COP-NEXT"):  # the damaged document can be submitted again, and so can others
            handle = again.submit(inventory(cop), signer=object())
            assert again.status(handle).stage is Stage.SENT


def test_an_unsent_row_with_a_damaged_family_goes_to_attention_and_stays_readable(tmp_path: Path) -> None:
    down = [True]

    def handler(_outgoing: Outgoing) -> None:
        if down[0]:
            raise TransportError("exchange down")

    transport = MockTransport(handler)
    client = _client(transport, tmp_path / "j.db")
    for cop in ("COP-BAD", "COP-A"):
        with pytest.raises(TransportError):
            client.submit(inventory(cop), signer=object())
    [bad, good] = client.journal.submissions()
    client.close()
    with sqlite3.connect(tmp_path / "j.db") as db:
        db.execute("UPDATE submissions SET family = 'x?z' WHERE cop_msg_id = ?", (bad.cop_msg_id,))
    down[0] = False

    with _client(transport, tmp_path / "j.db") as again:  # recovery must not raise
        damaged = again.journal.get(bad.cop_msg_id)
        assert damaged is not None
        assert damaged.stage is Stage.ATTENTION
        assert "x?z" in (damaged.info or "")
        assert [s.stage for s in again.submissions()] == [Stage.ATTENTION, Stage.SENT]
        assert again.journal.get(good.cop_msg_id).stage is Stage.SENT  # type: ignore[union-attr]
        handle = again.submit(inventory("COP-BAD"), signer=object())
        assert again.status(handle).stage is Stage.SENT
