"""The clearance client never wedges: what can be checked is checked before the journal write, and what still fails
for good ends in a terminal state with its reason (issue #12, item 1)."""

from __future__ import annotations

from pathlib import Path

import pytest

from eport.errors import ConfigurationError, TransportError
from eport.services import ClearanceClient, FileExchangeTransport, Journal, MockTransport, Outgoing, Stage, unwrap
from tests.services.helpers import fake_sign, inventory

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

    recovered = _client(transport, journal).recover()

    assert len(recovered) == 2  # the two good ones were sent although the first row failed for good
    assert journal.count(Stage.SENT) == 2
    assert journal.count(Stage.ATTENTION) == 1
    assert journal.unsent() == []
