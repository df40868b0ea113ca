"""ClearanceClient over the in-memory MockTransport: signing, journal rules, receipts, wait, status."""

from __future__ import annotations

import types

import pytest

import eport.services
from eport.errors import ConfigurationError, DuplicateError, RejectedError, ServiceTimeout, TransportError
from eport.services import ClearanceClient, Family, Journal, MockTransport, Outgoing, Stage
from tests.prerequisites import require_module
from tests.services.helpers import (
    ceb622,
    ceb900,
    dec_import_response,
    dec_result,
    declaration,
    fake_sign,
    inventory,
    manifest,
    mt9999,
    receipt_envelope,
)

SENDER = "DXPENT0000000001"


@pytest.fixture
def transport() -> MockTransport:
    return MockTransport()


@pytest.fixture
def client(transport: MockTransport) -> ClearanceClient:
    return ClearanceClient(transport, Journal(":memory:"), sender_id=SENDER, sign=fake_sign, poll_interval=0.01)


def test_exported_names_match_all() -> None:
    exported = {
        name
        for name in dir(eport.services)
        if not name.startswith("_") and not isinstance(getattr(eport.services, name), types.ModuleType)
    }  # submodules (clearance, portal …) appear as attributes once imported
    assert exported == set(eport.services.__all__)
    for name in eport.services.__all__:
        assert getattr(eport.services, name) is not None


def test_submit_signs_wraps_and_records(client: ClearanceClient, transport: MockTransport) -> None:
    handle = client.submit(inventory("COP1"), signer=object())
    sent = transport.sent[handle.cop_msg_id]
    envelope = eport.services.unwrap(sent.envelope)
    assert envelope.cop_msg_id == handle.cop_msg_id
    assert envelope.sender_id == SENDER
    assert envelope.receiver_ids == ("DXPEDCCEB0000002",)
    assert envelope.msg_type == "CEB621Message"
    assert b"ds:Signature" in envelope.data
    sub = client.status(handle)
    assert sub.stage is Stage.SENT
    assert sub.attempts == 1
    assert sub.guid == handle.guids[0]


def test_unsigned_ceb_without_signer_is_refused_before_anything_is_recorded(client: ClearanceClient) -> None:
    with pytest.raises(ConfigurationError, match="signed"):
        client.submit(inventory("COP1"))
    assert client.journal.count() == 0


def test_same_document_twice_is_refused_locally_but_change_and_delete_pass(
    client: ClearanceClient, transport: MockTransport
) -> None:
    client.submit(inventory("COP1"), signer=object())
    with pytest.raises(DuplicateError) as info:
        client.submit(inventory("COP1"), signer=object())
    assert info.value.code == "local"
    assert len(transport.sent) == 1
    client.submit(inventory("COP1", app_type="2"), signer=object())
    client.submit(inventory("COP1", app_type="3"), signer=object())
    assert len(transport.sent) == 3


def test_same_guid_twice_is_refused(client: ClearanceClient) -> None:
    client.submit(inventory("COP1", guid="AAAAAAAA-0000-0000-0000-000000000001"), signer=object())
    with pytest.raises(DuplicateError):
        client.submit(inventory("COP2", guid="AAAAAAAA-0000-0000-0000-000000000001"), signer=object())


def test_a_rejected_document_may_be_declared_again(client: ClearanceClient, transport: MockTransport) -> None:
    handle = client.submit(inventory("COP1"), signer=object())
    transport.push(receipt_envelope(ceb622(handle.guids[0], "100", "退单"), handle.cop_msg_id))
    with pytest.raises(RejectedError) as info:
        client.wait(handle, timeout=2)
    assert info.value.code == "100"
    client.submit(inventory("COP1"), signer=object())


def test_full_ceb_history_to_closed(client: ClearanceClient, transport: MockTransport) -> None:
    handle = client.submit(inventory("COP1"), signer=object())
    guid = handle.guids[0]
    for status in ("2", "120", "399"):
        transport.push(receipt_envelope(ceb622(guid, status), handle.cop_msg_id))
    assert client.wait(handle, until=Stage.ACCEPTED, timeout=2).stage is Stage.CONCLUDED
    for status in ("800", "899"):
        transport.push(receipt_envelope(ceb622(guid, status), handle.cop_msg_id))
    final = client.wait(handle, until=Stage.CLOSED, timeout=2)
    assert [e.code for e in final.history] == ["2", "120", "399", "800", "899"]
    assert final.final
    assert final.stage is Stage.CLOSED
    assert final.code == "899"
    assert transport.acked == ["1", "2", "3", "4", "5"]


def test_receipts_are_recorded_once_even_when_shown_twice(client: ClearanceClient, transport: MockTransport) -> None:
    handle = client.submit(inventory("COP1"), signer=object())
    receipt = receipt_envelope(ceb622(handle.guids[0], "120"), handle.cop_msg_id)
    transport.push(receipt)
    transport.push(receipt)
    updates = client.poll()
    assert len(updates) == 1
    assert len(client.status(handle).history) == 1


def test_bare_receipt_is_correlated_by_guid(client: ClearanceClient, transport: MockTransport) -> None:
    handle = client.submit(inventory("COP1"), signer=object())
    transport.push(ceb622(handle.guids[0], "800", "放行"))
    sub = client.wait(handle, timeout=2)
    assert sub.stage is Stage.RELEASED
    assert sub.history[0].info == "放行"


@pytest.mark.parametrize(("code", "error"), [("-301010", DuplicateError), ("-621005", RejectedError)])
def test_customs_rejections_are_typed(
    client: ClearanceClient, transport: MockTransport, code: str, error: type[Exception]
) -> None:
    handle = client.submit(inventory("COP1"), signer=object())
    transport.push(receipt_envelope(ceb622(handle.guids[0], code, "refused"), handle.cop_msg_id))
    with pytest.raises(error) as info:
        client.wait(handle, timeout=2)
    assert getattr(info.value, "code", None) == code
    assert {"-301010": "已存在相同编号的订单", "-621005": "超过单笔限额"}[code] in str(info.value)
    sub = client.wait(handle, timeout=2, raise_on_reject=False)
    assert sub.history[-1].error_code is not None
    assert sub.history[-1].error_code.known
    assert sub.stage is Stage.REJECTED


def test_ceb900_schema_error_correlates_by_original_cop_msg_id(
    client: ClearanceClient, transport: MockTransport
) -> None:
    handle = client.submit(inventory("COP1"), signer=object())
    transport.push(ceb900(handle.cop_msg_id, "0002", "XSD validation failed"))
    with pytest.raises(RejectedError) as info:
        client.wait(handle, timeout=2)
    assert info.value.code == "0002"
    assert info.value.receipt.receipt_type == "CEB900Message"


def test_declaration_flow_by_client_seq_no_seq_no_and_entry_id(
    client: ClearanceClient, transport: MockTransport
) -> None:
    handle = client.submit(declaration("202611280000000001"))
    assert transport.sent[handle.cop_msg_id].file_name == "Dec202611280000000001.xml"
    assert eport.services.unwrap(transport.sent[handle.cop_msg_id].envelope).receiver_ids == ("DXPEDCDEC0000001",)
    transport.push(dec_import_response("202611280000000001", "I20260000000000001"))
    for channel in ("7", "L", "J", "P"):
        transport.push(dec_result("I20260000000000001", channel, "514120261000000001" if channel == "J" else ""))
    sub = client.wait(handle, until=Stage.RELEASED, timeout=2)
    assert [e.code for e in sub.history] == ["0", "7", "L", "J", "P"]
    assert sub.seq_no == "I20260000000000001"
    assert client.status(seq_no="I20260000000000001").cop_msg_id == handle.cop_msg_id
    assert client.status(entry_id="514120261000000001").cop_msg_id == handle.cop_msg_id
    assert client.status(client_seq_no="202611280000000001").cop_msg_id == handle.cop_msg_id
    transport.push(dec_result("I20260000000000001", "R"))
    assert client.wait(handle, until=Stage.CLOSED, timeout=2).stage is Stage.CLOSED


def test_declaration_rule_temporary_save_then_declare(client: ClearanceClient) -> None:
    client.submit(declaration("202611280000000002", oper_type="G"))
    client.submit(declaration("202611280000000002", oper_type="C"))
    with pytest.raises(DuplicateError):
        client.submit(declaration("202611280000000002", oper_type="C"))


def test_declaration_rejected_channel_e(client: ClearanceClient, transport: MockTransport) -> None:
    handle = client.submit(declaration("202611280000000003"))
    transport.push(dec_import_response("202611280000000003", "I20260000000000003"))
    transport.push(dec_result("I20260000000000003", "E"))
    with pytest.raises(RejectedError) as info:
        client.wait(handle, timeout=2)
    assert info.value.code == "E"


def test_manifest_to_released(client: ClearanceClient, transport: MockTransport) -> None:
    handle = client.submit(manifest("MFT0001"))
    assert handle.family is Family.MANIFEST
    transport.push(receipt_envelope(mt9999("01", "accepted"), handle.cop_msg_id, "MT9999"))
    transport.push(receipt_envelope(mt9999("11", "released"), handle.cop_msg_id, "MT9999"))
    sub = client.wait(handle, until=Stage.RELEASED, timeout=2)
    assert [e.code for e in sub.history] == ["01", "11"]
    with pytest.raises(DuplicateError):
        client.submit(manifest("MFT0001"))


def test_wait_times_out_with_a_typed_error(client: ClearanceClient) -> None:
    handle = client.submit(inventory("COP1"), signer=object())
    with pytest.raises(ServiceTimeout, match="did not reach released"):
        client.wait(handle, timeout=0.05)
    with pytest.raises(ConfigurationError):
        client.wait(handle, timeout=0)


def test_updates_iterator_yields_new_statuses(client: ClearanceClient, transport: MockTransport) -> None:
    handle = client.submit(inventory("COP1"), signer=object())
    transport.push(receipt_envelope(ceb622(handle.guids[0], "120"), handle.cop_msg_id))
    transport.push(receipt_envelope(ceb622(handle.guids[0], "800"), handle.cop_msg_id))
    got = list(client.updates(timeout=0.05))
    assert [(u.cop_msg_id, u.event.stage) for u in got] == [
        (handle.cop_msg_id, Stage.ACCEPTED),
        (handle.cop_msg_id, Stage.RELEASED),
    ]
    assert list(client.updates(timeout=0.02)) == []


def test_unmatched_receipts_are_kept_and_acknowledged(client: ClearanceClient, transport: MockTransport) -> None:
    receipt = receipt_envelope(ceb622("OTHER-GUID", "800"), "someone-else")
    transport.push(receipt)
    assert client.poll() == []
    assert transport.acked == ["1"]
    assert client.journal.unmatched_receipts() == [("1", receipt)]


def test_unmatched_receipts_can_be_left_for_their_owner(transport: MockTransport) -> None:
    client = ClearanceClient(transport, Journal(":memory:"), sender_id=SENDER, sign=fake_sign, keep_unmatched=False)
    transport.push(receipt_envelope(ceb622("OTHER-GUID", "800"), "someone-else"))
    assert client.poll() == []
    assert transport.acked == []
    assert client.journal.unmatched_receipts() == []


def test_unreadable_receipt_is_kept_and_acknowledged(client: ClearanceClient, transport: MockTransport) -> None:
    transport.push(b"<not-xml")
    assert client.poll() == []
    assert transport.acked == ["1"]
    assert client.journal.seen(f"sha256:{transport.receive().receipts[0].digest}")


def test_send_failure_leaves_written_and_recover_resends_same_cop_msg_id() -> None:
    failures = [TransportError("down")]

    def handler(outgoing: Outgoing) -> None:
        if failures:
            raise failures.pop()

    transport = MockTransport(handler)
    journal = Journal(":memory:")
    client = ClearanceClient(transport, journal, sender_id=SENDER, sign=fake_sign)
    with pytest.raises(TransportError):
        client.submit(inventory("COP1"), signer=object())
    [written] = journal.unsent()
    assert written.stage is Stage.WRITTEN
    client.close()  # a restart: the next client recovers what this one left
    handles = ClearanceClient(transport, journal, sender_id=SENDER, sign=fake_sign).recover()
    assert [h.cop_msg_id for h in handles] == [written.cop_msg_id]
    assert list(transport.sent) == [written.cop_msg_id]
    assert journal.get(written.cop_msg_id).stage is Stage.SENT  # type: ignore[union-attr]
    assert journal.unsent() == []


def test_status_queries_and_filters(client: ClearanceClient, transport: MockTransport) -> None:
    first = client.submit(inventory("COP1"), signer=object())
    client.submit(inventory("COP2"), signer=object())
    client.submit(declaration("202611280000000009"))
    transport.push(receipt_envelope(ceb622(first.guids[0], "800"), first.cop_msg_id))
    client.poll()
    assert client.status(guid=first.guids[0]).stage is Stage.RELEASED
    assert [s.msg_type for s in client.submissions(family=Family.CEB)] == ["CEB621Message"] * 2
    assert len(client.submissions(stage=Stage.RELEASED)) == 1
    assert len(client.submissions(stage=[Stage.SENT, Stage.RELEASED])) == 3
    assert client.submissions(msg_type="DecMessage")[0].client_seq_no == "202611280000000009"
    with pytest.raises(ConfigurationError):
        client.status()
    with pytest.raises(eport.errors.JournalError):
        client.status(guid="nope")


def test_submissions_frame(client: ClearanceClient, transport: MockTransport) -> None:
    require_module("pandas")
    handle = client.submit(inventory("COP1"), signer=object())
    transport.push(receipt_envelope(ceb622(handle.guids[0], "120"), handle.cop_msg_id))
    client.poll()
    frame = client.submissions_frame()
    assert list(frame["stage"]) == ["accepted"]
    assert frame.loc[0, "history"] == "120"
    assert client.submissions_frame(family=Family.DEC).empty


def test_wait_all_returns_every_outcome_without_raising(client: ClearanceClient, transport: MockTransport) -> None:
    ok = client.submit(inventory("COP1"), signer=object())
    bad = client.submit(inventory("COP2"), signer=object())
    slow = client.submit(inventory("COP3"), signer=object())
    transport.push(receipt_envelope(ceb622(ok.guids[0], "800"), ok.cop_msg_id))
    transport.push(receipt_envelope(ceb622(bad.guids[0], "-621018", "annual limit"), bad.cop_msg_id))
    with pytest.raises(ServiceTimeout, match="1 of 3"):
        client.wait_all([ok, bad, slow], timeout=0.1)
    transport.push(receipt_envelope(ceb622(slow.guids[0], "899"), slow.cop_msg_id))
    subs = client.wait_all([ok, bad, slow.cop_msg_id], timeout=2)
    assert [s.stage for s in subs] == [Stage.RELEASED, Stage.REJECTED, Stage.CLOSED]
    assert isinstance(subs[1].history[-1].error(), RejectedError)
