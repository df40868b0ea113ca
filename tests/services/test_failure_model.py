"""The clearance client never wedges: what can be checked is checked before the journal write, and what still fails
for good ends in a terminal state with its reason (issue #12, item 1)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from eport.errors import ConfigurationError, RejectedError, TransportError
from eport.services import (
    ClearanceClient,
    FileExchangeTransport,
    HttpTransport,
    Journal,
    MockTransport,
    Outgoing,
    Stage,
    unwrap,
)
from tests.services.helpers import (
    Gateway,
    ceb622,
    dec_import_response,
    dec_result,
    declaration,
    fake_sign,
    inventory,
    journal_states,
    receipt_envelope,
    run_and_kill,
)

SENDER = "DXPENT0000000001"


def _client(transport: object, journal: Journal | Path) -> ClearanceClient:
    return ClearanceClient(transport, journal, sender_id=SENDER, sign=fake_sign, poll_interval=0.01)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["../escape.xml", "no-suffix", ".hidden.xml", "a/b.xml"])
def test_bad_file_name_is_refused_before_the_journal_write(tmp_path: Path, name: str) -> None:
    transport = FileExchangeTransport(tmp_path / "ImpPath")
    client = _client(transport, tmp_path / "j.db")
    with pytest.raises(ConfigurationError, match="file name"):
        client.submit(inventory("COP1"), signer=object(), file_name=name)
    assert client.journal.count() == 0  # nothing recorded, nothing to recover
    client.close()

    with _client(transport, tmp_path / "j.db") as again:  # a restart recovers nothing and works
        handle = again.submit(inventory("COP2"), signer=object())
        assert again.status(handle).stage is Stage.SENT


def test_a_permanent_send_failure_moves_the_row_to_attention_with_its_reason(tmp_path: Path) -> None:
    """A transport failure that is not a transport error (a bug, a bad setting found late) is not retried for
    ever: the row ends in ``ATTENTION`` (需处理) with its reason, and restarts and later submissions go on."""

    def handler(outgoing: Outgoing) -> None:
        if b"COP-BAD" in unwrap(outgoing.envelope).data:
            raise ConfigurationError("the exchange cannot route this box")

    transport = MockTransport(handler)
    client = _client(transport, tmp_path / "j.db")
    with pytest.raises(ConfigurationError, match="cannot route"):
        client.submit(inventory("COP-BAD"), signer=object())
    [bad] = client.journal.submissions()
    assert bad.stage is Stage.ATTENTION
    assert bad.final
    assert "cannot route" in (bad.info or "")
    assert client.journal.unsent() == []
    with pytest.raises(RejectedError, match="cannot route") as caught:  # waiting on it says why, at once
        client.wait(bad.cop_msg_id, until=Stage.RELEASED, timeout=5)
    assert caught.value.code == "attention"
    client.close()

    with _client(transport, tmp_path / "j.db") as again:
        assert again.recover() == []
        handle = again.submit(inventory("COP-GOOD"), signer=object())
        assert again.status(handle).stage is Stage.SENT


def test_recover_goes_past_a_poison_row_and_sends_the_others(tmp_path: Path) -> None:
    down = [True]

    def handler(outgoing: Outgoing) -> None:
        if down[0]:
            raise TransportError("exchange down")
        if b"COP-BAD" in unwrap(outgoing.envelope).data:
            raise ConfigurationError("cannot be sent")

    transport = MockTransport(handler)
    journal = Journal(tmp_path / "j.db")
    client = _client(transport, journal)
    for cop in ("COP-BAD", "COP-A", "COP-B"):
        with pytest.raises(TransportError):
            client.submit(inventory(cop), signer=object())
    assert journal.count(Stage.WRITTEN) == 3
    down[0] = False

    client.close()  # a restart
    recovered = _client(transport, journal).recover()

    assert len(recovered) == 2  # the two good ones were sent although the first row failed for good
    assert journal.count(Stage.SENT) == 2
    assert journal.count(Stage.ATTENTION) == 1
    assert journal.unsent() == []


def test_foreign_receipts_never_starve_ones_own(tmp_path: Path) -> None:
    """``keep_unmatched=False`` (a shared ImpPath): more foreign receipts than one batch holds, all older than
    one's own, are left in place, and one's own receipt is still read (issue #12, item 3)."""
    transport = FileExchangeTransport(tmp_path / "ImpPath")
    client = ClearanceClient(transport, tmp_path / "j.db", sender_id=SENDER, sign=fake_sign, poll_interval=0.01,
                             keep_unmatched=False)  # fmt: skip
    handle = client.submit(inventory("COP-MINE"), signer=object())
    inbox = tmp_path / "ImpPath" / "CEB" / "InBox"
    old = time.time() - 600
    for i in range(150):
        path = inbox / f"foreign-{i:03d}.xml"
        path.write_bytes(receipt_envelope(ceb622(f"OTHER-{i}", "800"), f"someone-else-{i}"))
        os.utime(path, (old + i, old + i))
    (inbox / "mine.xml").write_bytes(receipt_envelope(ceb622(handle.guids[0], "800"), handle.cop_msg_id))

    final = client.wait(handle, until=Stage.RELEASED, timeout=5)

    assert final.stage is Stage.RELEASED
    assert len(list(inbox.glob("foreign-*.xml"))) == 150  # left for their owner
    client.close()


@pytest.mark.parametrize("keep_unmatched", [True, False])
def test_dec_result_read_before_its_link_is_matched_when_the_link_arrives(keep_unmatched: bool) -> None:
    """A ``DEC_RESULT`` (keyed by SeqNo only) read before the ``DecImportResponse`` that gives the submission its
    SeqNo is matched once that response is recorded: the release is not lost (issue #12, item 4)."""
    transport = MockTransport()
    client = ClearanceClient(transport, Journal(":memory:"), sender_id=SENDER, sign=fake_sign, poll_interval=0.01,
                             keep_unmatched=keep_unmatched)  # fmt: skip
    handle = client.submit(declaration("202612040000000001"))
    transport.push(dec_result("I20261204000000001", "P", "530120261000000001"))  # the release, too early
    assert client.poll() == []
    transport.push(dec_import_response("202612040000000001", "I20261204000000001"), source_cop_msg_id=handle.cop_msg_id)

    updates = client.poll()

    assert [u.event.code for u in updates] == ["0", "P"]
    final = client.wait(handle, until=Stage.RELEASED, timeout=1)
    assert final.stage is Stage.RELEASED
    assert final.entry_id == "530120261000000001"
    assert client.journal.unmatched_receipts() == []


def test_clients_sharing_a_journal_never_recover_each_others_live_rows(tmp_path: Path) -> None:
    """Issue #12, item 7: a live client's unsent row is its own; another client starting on the same journal leaves
    it alone, and takes it over once that client has closed."""
    down = [True]

    def handler(outgoing: Outgoing) -> None:
        if down[0]:
            raise TransportError("exchange down")

    transport = MockTransport(handler)
    first = _client(transport, tmp_path / "shared.db")
    with pytest.raises(TransportError):
        first.submit(inventory("COP-FIRST"), signer=object())
    down[0] = False

    second = _client(transport, tmp_path / "shared.db")
    assert second.recover() == []  # the first client lives: its row is not re-sent behind its back
    assert transport.sent == {}
    first.close()
    [taken] = second.recover()
    assert list(transport.sent) == [taken.cop_msg_id]
    second.close()


def test_rows_of_a_killed_client_are_recovered_at_once(gateway: Gateway, tmp_path: Path) -> None:
    """The owner of an unsent row died (SIGKILL, no close): the next client on this machine recovers it without
    waiting for its lease."""
    journal = tmp_path / "shared.db"
    gateway.fail_next = [503] * 100
    run_and_kill(
        "try:\n    client.submit(inventory('COP-KILLED'), signer=object())\nexcept Exception:\n    pass\n"
        "import time\ntime.sleep(60)\n",
        gateway,
        journal,
        until=lambda: journal_states(journal) == ["written"] and gateway.posts >= 4,
    )
    gateway.fail_next = []
    with ClearanceClient(HttpTransport(gateway.url, dxp_id=SENDER), journal, sender_id=SENDER, sign=fake_sign) as again:
        assert again.journal.count(Stage.SENT) == 1  # recovered by `with`
    assert len(gateway.stored) == 1
