"""Fault-injection matrix (issue #12): whatever the transport does, no journal row is left stuck in a non-terminal
state once a client recovers, and the next valid submission goes through.

HTTP faults run against the loopback gateway of ``tests/services/helpers.py`` (a real HTTP server over sockets);
"raises before / after send" wrap the real ``HttpTransport``. InBox poison files run against real folders.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from eport.errors import EportError, TransportError
from eport.services import (
    ClearanceClient,
    FileExchangeTransport,
    HttpTransport,
    Journal,
    Outgoing,
    Retry,
    SendResult,
    Stage,
    Timeout,
)
from eport.services._xml import MAX_MESSAGE_BYTES
from tests.services.helpers import Gateway, ceb622, fake_sign, inventory, receipt_envelope, unsupported_compression_zip

SENDER = "DXPENT0000000001"
NOT_STUCK = {Stage.SENT, Stage.REJECTED, Stage.ATTENTION}  # after recovery: sent, or terminal with a reason


class Faulty(HttpTransport):
    """The real HTTP transport with a fault before or after the real send."""

    def __init__(self, url: str, fault: str) -> None:
        super().__init__(url, dxp_id=SENDER, retry=Retry(attempts=2, backoff=0.01), timeout=Timeout(connect=1, read=1))
        self.fault = fault

    def send(self, outgoing: Outgoing) -> SendResult:
        if self.fault == "before":
            raise TransportError("injected: failed before sending")
        result = super().send(outgoing)
        if self.fault == "after":
            raise TransportError("injected: the answer was lost after the gateway stored it")
        return result


def _http(url: str) -> HttpTransport:
    return HttpTransport(url, dxp_id=SENDER, retry=Retry(attempts=2, backoff=0.01), timeout=Timeout(connect=1, read=1))


def _set_fault(gateway: Gateway, fault: str) -> Callable[[str], HttpTransport]:
    """Arm ``fault`` on the gateway; returns how to build the transport of the faulty client."""
    if fault in ("before", "after"):
        return lambda url: Faulty(url, fault)
    if fault == "timeout":
        gateway.delay = 1.5  # longer than the read timeout, on every try
    elif fault == "garbage":
        gateway.fail_next = [200]
        gateway.fail_body = b"<html>not the gateway protocol</html>"
    elif fault == "5xx":
        gateway.fail_next = [503, 503]
    else:
        gateway.fail_next = [int(fault), int(fault)]
        if fault in ("408", "429"):
            gateway.fail_headers = {"Retry-After": "0"}
    return _http


def _clear(gateway: Gateway) -> None:
    gateway.delay = 0.0
    gateway.fail_next = []
    gateway.fail_body = None
    gateway.fail_headers = {}


@pytest.mark.parametrize("fault", ["before", "after", "timeout", "408", "409", "413", "429", "5xx", "garbage"])
def test_http_fault_leaves_nothing_stuck(gateway: Gateway, tmp_path: Path, fault: str) -> None:
    journal = tmp_path / "journal.db"
    with ClearanceClient(_http(gateway.url), journal, sender_id=SENDER, sign=fake_sign) as client:
        client.submit(inventory("COP-BEFORE"), signer=object())  # a healthy submission before the fault

    transport = _set_fault(gateway, fault)(gateway.url)
    faulty = ClearanceClient(transport, journal, sender_id=SENDER, sign=fake_sign)
    with pytest.raises(EportError):  # every fault surfaces as a typed error
        faulty.submit(inventory("COP-FAULT"), signer=object())
    faulty.close()
    _clear(gateway)

    with ClearanceClient(_http(gateway.url), journal, sender_id=SENDER, sign=fake_sign) as client:  # recovers
        stages = {s.cop_msg_id: s.stage for s in client.submissions()}
        assert set(stages.values()) <= NOT_STUCK, stages
        for sub in client.submissions(stage=(Stage.REJECTED, Stage.ATTENTION)):
            assert sub.info, sub  # terminal with its reason
        handle = client.submit(inventory("COP-NEXT"), signer=object())
        assert client.status(handle).stage is Stage.SENT
    assert len(set(gateway.stored)) == len(gateway.stored)
    assert all(count == 1 for count in gateway.copies.values())  # nothing stored twice


def _poison(inbox: Path, kind: str) -> str:
    name = f"poison-{kind}." + ("zip" if kind in ("not-a-zip", "zip-method") else "xml")
    path = inbox / name
    if kind == "oversize":
        with open(path, "wb") as handle:
            handle.truncate(MAX_MESSAGE_BYTES + 1)
    elif kind == "not-a-zip":
        path.write_bytes(b"PK but no archive")
    elif kind == "zip-method":
        path.write_bytes(unsupported_compression_zip(b"<CEB622Message/>"))
    elif kind == "not-xml":
        path.write_bytes(b"\x00\x01 not xml")
    else:  # "not-a-receipt": well-formed XML no parser knows
        path.write_bytes(b"<Something/>")
    os.utime(path, (time.time() - 600, time.time() - 600))  # older than the real receipt: read first
    return name


@pytest.mark.parametrize("kind", ["oversize", "not-a-zip", "zip-method", "not-xml", "not-a-receipt"])
def test_inbox_poison_never_blocks_receipts(tmp_path: Path, kind: str) -> None:
    transport = FileExchangeTransport(tmp_path / "ImpPath")
    journal = Journal(tmp_path / "journal.db")
    client = ClearanceClient(transport, journal, sender_id=SENDER, sign=fake_sign, poll_interval=0.01)
    handle = client.submit(inventory("COP-POISON"), signer=object())
    inbox = tmp_path / "ImpPath" / "CEB" / "InBox"
    name = _poison(inbox, kind)
    (inbox / "receipt.xml").write_bytes(receipt_envelope(ceb622(handle.guids[0], "800"), handle.cop_msg_id))

    assert client.wait(handle, until=Stage.RELEASED, timeout=5).stage is Stage.RELEASED
    assert not (inbox / name).exists()  # quarantined (FailBox) or kept in the journal, never read again
    assert [s.stage for s in journal.submissions()] == [Stage.RELEASED]
    following = client.submit(inventory("COP-NEXT"), signer=object())
    assert client.status(following).stage is Stage.SENT
    client.close()
    journal.close()
