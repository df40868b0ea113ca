"""Client-side fault tests: a client process killed mid-submit, and many clients sharing one journal."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from eport.errors import DuplicateError
from eport.services import ClearanceClient, HttpTransport, Journal, Retry, Stage
from tests.services.helpers import Gateway, fake_sign, inventory, journal_states, run_and_kill

SENDER = "DXPENT0000000001"

_SUBMIT_ONE = 'client.submit(inventory("CRASH1"), signer=object())'


@pytest.mark.slow
def test_killed_after_the_gateway_stored_it_recovers_without_a_duplicate(gateway: Gateway, tmp_path: Path) -> None:
    journal = tmp_path / "journal.db"
    gateway.delay_after_store = 5  # the reply never reaches the client before it dies
    run_and_kill(_SUBMIT_ONE, gateway, journal, lambda: len(gateway.stored) == 1)
    assert journal_states(journal) == ["written"]
    gateway.delay_after_store = 0
    client = ClearanceClient(HttpTransport(gateway.url, dxp_id=SENDER), journal, sender_id=SENDER, sign=fake_sign)
    with client:  # entering recovers
        [sub] = client.submissions()
    assert sub.stage is Stage.SENT
    assert list(gateway.stored) == [sub.cop_msg_id]
    assert gateway.posts == 2


@pytest.mark.slow
def test_killed_before_the_gateway_stored_it_recovers_with_the_same_cop_msg_id(
    gateway: Gateway, tmp_path: Path
) -> None:
    journal = tmp_path / "journal.db"
    gateway.delay = 5  # the request is held before it is stored
    run_and_kill(_SUBMIT_ONE, gateway, journal, lambda: journal_states(journal) == ["written"] and gateway.posts == 0)
    gateway.delay = 0
    client = ClearanceClient(HttpTransport(gateway.url, dxp_id=SENDER), journal, sender_id=SENDER, sign=fake_sign)
    [handle] = client.recover()
    assert handle.duplicate_send is False
    assert list(gateway.stored) == [handle.cop_msg_id]
    with pytest.raises(DuplicateError):  # the document itself is still known to the journal
        client.submit(inventory("CRASH1"), signer=object())
    client.close()


@pytest.mark.slow
def test_twenty_clients_sharing_one_journal_send_each_document_once(gateway: Gateway, tmp_path: Path) -> None:
    journal = tmp_path / "shared.db"
    Journal(journal).close()
    errors: list[BaseException] = []
    duplicates: list[int] = []

    def worker(n: int) -> None:
        transport = HttpTransport(gateway.url, dxp_id=SENDER, retry=Retry(attempts=3, backoff=0.01))
        client = ClearanceClient(transport, journal, sender_id=SENDER, sign=fake_sign)
        try:
            for i in range(50):
                client.submit(inventory(f"C{n:02}-{i:02}"), signer=object())
            try:
                client.submit(inventory("SHARED-DOC"), signer=object())
            except DuplicateError:
                duplicates.append(n)
        except BaseException as exc:  # collected for the assertion below
            errors.append(exc)
        finally:
            client.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert len(duplicates) == 19
    assert len(gateway.stored) == 1001
    check = Journal(journal)
    assert check.count() == 1001
    assert check.count(Stage.SENT) == 1001
    check.close()
