"""``retry_unconfirmed_posts``: what HttpTransport does when a submission may have reached the gateway.

Against a real loopback gateway (``tests/services/helpers.Gateway``) that can also play one which does NOT honour the
``Idempotency-Key`` (``idempotent=False``: every POST is stored again), to show why the switch exists.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Iterator

import pytest
import requests

from eport.errors import ConnectError, ServiceTimeout, TransportError
from eport.services import ClearanceClient, Family, HttpTransport, Journal, Outgoing, Retry, Stage, Timeout, wrap
from eport.services.http import _never_sent
from tests.services.helpers import Gateway, fake_sign, free_port, inventory

SENDER = "DXPENT0000000001"


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    server = Gateway()
    yield server
    server.close()


def _transport(url: str, *, confirm: bool, sleeps: Sleeps | None = None, **kwargs: object) -> HttpTransport:
    kwargs.setdefault("retry", Retry(attempts=3, backoff=0.01, max_backoff=0.02))
    return HttpTransport(
        url,
        dxp_id=SENDER,
        retry_unconfirmed_posts=not confirm,
        sleep=sleeps if sleeps is not None else Sleeps(),
        **kwargs,  # type: ignore[arg-type]
    )


def _client(transport: HttpTransport, journal: Journal) -> ClearanceClient:
    return ClearanceClient(transport, journal, sender_id=SENDER, sign=fake_sign, poll_interval=0.01)


def _outgoing() -> Outgoing:
    cop_msg_id = str(uuid.uuid4())
    envelope = wrap(
        b"<x>1</x>",
        cop_msg_id=cop_msg_id,
        sender_id=SENDER,
        receiver_ids=("DXPEDCCEB0000002",),
        msg_type="CEB621Message",
        created=dt.datetime.now(dt.timezone.utc),
    )
    return Outgoing(cop_msg_id=cop_msg_id, msg_type="CEB621Message", family=Family.CEB, envelope=envelope)


def test_the_default_retries_unconfirmed_posts_and_relies_on_the_idempotency_key(gateway: Gateway) -> None:
    assert HttpTransport(gateway.url, dxp_id=SENDER).retry_unconfirmed_posts is True
    gateway.drop_after_store = 1
    handle = _client(_transport(gateway.url, confirm=False), Journal(":memory:")).submit(inventory(), signer=object())
    assert gateway.posts == 2
    assert gateway.copies == {handle.cop_msg_id: 1}  # the gateway deduplicated the retry
    assert handle.duplicate_send is True


def test_a_gateway_ignoring_the_key_stores_a_blind_retry_twice(gateway: Gateway) -> None:
    """Why the switch exists: the default is only safe with a deduplicating gateway."""
    gateway.idempotent = False
    gateway.drop_after_store = 1
    handle = _client(_transport(gateway.url, confirm=False), Journal(":memory:")).submit(inventory(), signer=object())
    assert gateway.copies == {handle.cop_msg_id: 2}


def test_dropped_answer_is_confirmed_by_a_lookup_not_by_posting_again(gateway: Gateway) -> None:
    gateway.idempotent = False
    gateway.drop_after_store = 1
    journal = Journal(":memory:")
    handle = _client(_transport(gateway.url, confirm=True), journal).submit(inventory(), signer=object())
    assert gateway.posts == 1
    assert gateway.copies == {handle.cop_msg_id: 1}
    assert handle.duplicate_send is False  # our own first try stored it
    assert journal.get(handle.cop_msg_id).stage is Stage.SENT  # type: ignore[union-attr]


def test_read_timeout_is_not_posted_again_and_recovery_asks_before_posting(gateway: Gateway) -> None:
    gateway.idempotent = False
    gateway.delay = 0.6  # the gateway stores only after the client gave up waiting
    journal = Journal(":memory:")
    transport = _transport(gateway.url, confirm=True, timeout=Timeout(connect=1, read=0.2))
    first = _client(transport, journal)
    with pytest.raises(ServiceTimeout, match="no reply in time"):
        first.submit(inventory(), signer=object())
    first.close()  # a restart: the next client recovers what this one left
    [written] = journal.unsent()
    deadline = time.monotonic() + 5
    while written.cop_msg_id not in gateway.stored and time.monotonic() < deadline:
        time.sleep(0.05)
    gateway.delay = 0
    [handle] = _client(_transport(gateway.url, confirm=True), journal).recover()
    assert handle.cop_msg_id == written.cop_msg_id
    assert handle.duplicate_send is True
    assert gateway.posts == 1  # the recovery saw it held and did not post
    assert gateway.copies == {written.cop_msg_id: 1}
    assert journal.unsent() == []


def test_5xx_is_not_posted_again_but_recovery_posts_what_the_gateway_does_not_hold(gateway: Gateway) -> None:
    gateway.idempotent = False
    gateway.fail_next = [503]
    journal = Journal(":memory:")
    sleeps = Sleeps()
    first = _client(_transport(gateway.url, confirm=True, sleeps=sleeps), journal)
    with pytest.raises(TransportError, match="HTTP 503"):
        first.submit(inventory(), signer=object())
    first.close()  # a restart: the next client recovers what this one left
    assert gateway.posts == 1
    assert sleeps == []
    [written] = journal.unsent()
    [handle] = _client(_transport(gateway.url, confirm=True), journal).recover()
    assert handle.duplicate_send is False
    assert gateway.posts == 2
    assert gateway.copies == {written.cop_msg_id: 1}


def test_connection_refused_is_retried_in_both_modes_since_nothing_was_sent() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    for confirm in (True, False):
        sleeps = Sleeps()
        with pytest.raises(ConnectError, match="connection failed"):
            _transport(url, confirm=confirm, sleeps=sleeps).send(_outgoing())
        assert len(sleeps) == 2


def test_recovery_without_an_answer_to_the_lookup_posts_nothing() -> None:
    journal = Journal(":memory:")
    url = f"http://127.0.0.1:{free_port()}"
    client = _client(_transport(url, confirm=True), journal)
    with pytest.raises(ConnectError):
        client.submit(inventory(), signer=object())
    with pytest.raises(ConnectError):
        client.recover()
    assert len(journal.unsent()) == 1


def test_a_refused_connection_is_told_apart_from_a_dropped_answer(gateway: Gateway) -> None:
    session = requests.Session()
    session.trust_env = False
    with pytest.raises(requests.exceptions.ConnectionError) as refused:
        session.post(f"http://127.0.0.1:{free_port()}/api/v1/dxp", data=b"<x/>", timeout=2)
    assert _never_sent(refused.value)
    gateway.drop_after_store = 1
    outgoing = _outgoing()
    with pytest.raises(requests.exceptions.ConnectionError) as dropped:
        session.post(
            gateway.url + "/api/v1/dxp", data=outgoing.envelope, headers={"Idempotency-Key": outgoing.cop_msg_id}
        )
    assert not _never_sent(dropped.value)
    assert outgoing.cop_msg_id in gateway.stored
    session.close()
