"""Typed receipts: parse_receipt delegates to the edi parsers and every event carries the edi typed receipt.

CEB receipts come from the official samples (through the one loader ``tests/edi/samples.py``); declaration and
manifest receipts are written the way the Single Window client and the manifest system write them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from eport.edi.ceb.receipts import Receipt
from eport.edi.ceb.status import ReturnStatus
from eport.edi.dec import DecStatus
from eport.edi.dec.filedrop import ReceiptKind, classify_receipt
from eport.edi.dec.receipts import DecData, DecImportResponse, DecResult, FailInfo
from eport.edi.manifest import Response, StatementCode
from eport.errors import DecodeError, DuplicateError, RejectedError
from eport.services import ClearanceClient, Family, Journal, MockTransport, Stage, parse_receipt
from eport.services.receipts import ceb_stage
from tests.edi import samples
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


RECEIPT_SAMPLES = samples.keys_where(
    lambda data: classify_receipt(data) is ReceiptKind.CEB_RECEIPT, samples.valid_keys()
)


def test_the_official_samples_hold_receipts_of_both_directions() -> None:
    samples.folder_keys()  # the classification above needs the documents
    assert {k.split("/")[0] for k in RECEIPT_SAMPLES} == {"import", "export"}
    assert "import/CEB622Message.xml" in RECEIPT_SAMPLES
    assert "import/CEB412Message.xml" in RECEIPT_SAMPLES


@pytest.mark.parametrize("key", RECEIPT_SAMPLES)
def test_official_ceb_receipt_samples_give_typed_events(key: str) -> None:
    sample = samples.load(key)
    receipt_id, events = parse_receipt(sample.data)
    assert receipt_id is None  # a bare receipt has no envelope CopMsgId
    assert events
    for event in events:
        assert isinstance(event.receipt, Receipt)
        assert event.family is Family.CEB
        assert event.receipt_type == f"CEB{sample.code}Message" == event.receipt.message_type
        assert event.code == event.receipt.return_status
        assert event.return_status is event.receipt.status is ReturnStatus.parse(event.code)
        assert event.stage is ceb_stage(event.code)
        assert event.guid == event.receipt.guid
        assert event.numbers == dict(event.receipt.keys)
        assert event.meaning == event.receipt.meaning
        assert event.dec_status is None
        assert event.statement is None


def test_official_payment_receipt_in_detail() -> None:
    _, events = parse_receipt(samples.load("import/CEB412Message.xml").data)
    first = events[0]
    assert len(events) == 10
    assert first.receipt is not None
    assert isinstance(first.receipt, Receipt)
    assert first.receipt.entity == "PaymentReturn"
    assert first.stage is Stage.ACCEPTED
    assert first.return_status is ReturnStatus.ACCEPTED
    assert first.receipt.is_success
    assert first.receipt.is_final
    assert first.numbers["payTransactionId"] == "P0321000433"
    assert first.at is not None
    assert (first.at.year, first.at.month, first.at.day) == (2016, 3, 11)
    assert first.at.utcoffset() is not None
    assert first.at.utcoffset().total_seconds() == 8 * 3600
    assert first.meaning == "accepted into the customs database 海关入库"


def test_official_status_codes_off_the_scale_do_not_move_the_submission() -> None:
    _, events = parse_receipt(samples.load("import/CEB624Message.xml").data)
    assert {e.code for e in events} == {"23"}
    assert all(e.stage is Stage.OTHER and e.return_status is ReturnStatus.UNKNOWN for e in events)
    assert all(e.error() is None for e in events)


def test_official_sample_inside_a_dxp_envelope_names_its_submission() -> None:
    data = receipt_envelope(samples.load("import/CEB622Message.xml").data, "source-cop-msg-id")
    receipt_id, events = parse_receipt(data)
    assert receipt_id is not None
    assert {e.source_cop_msg_id for e in events} == {"source-cop-msg-id"}
    assert all(isinstance(e.receipt, Receipt) and e.receipt.entity == "InventoryReturn" for e in events)
    assert events[0].stage is Stage.STORED
    assert events[0].return_status is ReturnStatus.SAVED


def test_business_messages_are_not_receipts() -> None:
    with pytest.raises(DecodeError, match="not a receipt"):
        parse_receipt(samples.load("import/CEB621Message.xml").data)
    with pytest.raises(DecodeError, match="not a receipt"):
        parse_receipt(declaration())
    with pytest.raises(DecodeError):
        parse_receipt(b"<not-xml")


def test_ceb_rejections_carry_the_spec_error() -> None:
    _, (event,) = parse_receipt(ceb622("G1", "-621005", "超过单次限值"))
    assert isinstance(event.receipt, Receipt)
    assert event.stage is Stage.REJECTED
    assert event.return_status is ReturnStatus.ERROR
    assert event.error_code is not None
    assert event.error_code is event.receipt.error
    assert event.error_code.known
    error = event.error()
    assert isinstance(error, RejectedError)
    assert error.code == "-621005"
    assert error.receipt is event

    _, (dup,) = parse_receipt(ceb622("G1", "-621004", "重复申报"))
    assert isinstance(dup.error(), DuplicateError)


def test_ceb900_read_leniently_correlates_by_ori_cop_msg_id() -> None:
    # written without oriBizMessage (required by the XSD): still read, nothing lost
    _, (event,) = parse_receipt(ceb900("the-submission", "-2", "0002 schema error"))
    assert event.receipt_type == "CEB900Message"
    assert isinstance(event.receipt, Receipt)
    assert event.receipt.entity == "MessageReturn"
    assert event.source_cop_msg_id == "the-submission"
    assert event.stage is Stage.REJECTED
    assert event.numbers["oriMessageType"] == "CEB621Message"
    _, (exchange,) = parse_receipt(ceb900("s", "1001", "1001 signature"))
    assert exchange.stage is Stage.REJECTED  # a four-digit exchange code is a rejection in CEB900


def test_declaration_import_response_is_typed() -> None:
    _, (event,) = parse_receipt(dec_import_response("202611280000000001", "I20261128000000001"))
    assert isinstance(event.receipt, DecImportResponse)
    assert event.receipt.ok
    assert (event.stage, event.code) == (Stage.DECLARING, "0")
    assert (event.client_seq_no, event.seq_no) == ("202611280000000001", "I20261128000000001")
    assert event.dec_status is None
    assert event.return_status is None
    _, (refused,) = parse_receipt(dec_import_response("202611280000000001", "", code="1"))
    assert refused.stage is Stage.REJECTED
    assert isinstance(refused.error(), RejectedError)


@pytest.mark.parametrize(
    ("channel", "stage", "released"),
    [("7", Stage.DECLARING, False), ("L", Stage.ACCEPTED, False), ("P", Stage.RELEASED, True),
     ("R", Stage.CLOSED, True), ("E", Stage.REJECTED, False), ("SpE", Stage.REJECTED, False),
     ("SpK", Stage.RELEASED, True), ("T", Stage.OTHER, False), ("QQ", Stage.OTHER, False)],
)  # fmt: skip
def test_dec_result_channels_are_typed(channel: str, stage: Stage, released: bool) -> None:
    _, (event,) = parse_receipt(receipt_envelope(dec_result("I1", channel, "531620261000000001"), "src", "DEC_RESULT"))
    assert isinstance(event.receipt, DecResult)
    assert event.dec_status == DecStatus.of(channel) == event.receipt.status
    assert event.dec_status is not None
    assert event.dec_status.is_released is released
    assert event.stage is stage
    assert (event.seq_no, event.entry_id, event.source_cop_msg_id) == ("I1", "531620261000000001", "src")
    assert event.meaning == DecStatus.of(channel).meaning


def test_legacy_gb2312_dec_data_receipt() -> None:
    text = (
        '<?xml version="1.0" encoding="GB2312"?>\n<DEC_DATA><DEC_RESULT><SEQ_NO>I20261128000000002</SEQ_NO>'
        "<ENTRY_ID>531620261000000002</ENTRY_ID><NOTICE_DATE>20261128T15032200</NOTICE_DATE><CHANNEL>P</CHANNEL>"
        "<NOTE>放行</NOTE><BILL_NO>BL001</BILL_NO><NET_WT>12.5</NET_WT></DEC_RESULT>"
        "<RESULT_INFO>海关已放行</RESULT_INFO></DEC_DATA>"
    )
    _, (event,) = parse_receipt(text.encode("gb2312"))
    assert isinstance(event.receipt, DecData)
    assert event.receipt_type == "DEC_DATA"
    assert (event.stage, event.code, event.info) == (Stage.RELEASED, "P", "海关已放行")
    assert (event.seq_no, event.entry_id) == ("I20261128000000002", "531620261000000002")
    assert event.numbers == {"billNo": "BL001"}
    assert event.dec_status is not None
    assert event.dec_status.is_released
    assert event.at is not None
    assert (event.at.hour, event.at.minute) == (15, 3)


def test_a_gb2312_receipt_with_gbk_only_characters_keeps_its_status() -> None:
    """Declared GB2312, written GBK (堃 喆 珺 in a company name): the status must not be lost."""
    text = (
        '<?xml version="1.0" encoding="GB2312"?>\n<DEC_DATA><DEC_RESULT><SEQ_NO>I20261128000000003</SEQ_NO>'
        "<ENTRY_ID>531620261000000003</ENTRY_ID><NOTICE_DATE>20261128T15032200</NOTICE_DATE><CHANNEL>P</CHANNEL>"
        "<NOTE>放行</NOTE><AGENT_NAME>深圳市堃喆珺报关行</AGENT_NAME></DEC_RESULT>"
        "<RESULT_INFO>海关已放行</RESULT_INFO></DEC_DATA>"
    )
    _, (event,) = parse_receipt(text.encode("gbk"))
    assert (event.stage, event.code, event.info) == (Stage.RELEASED, "P", "海关已放行")


def test_fail_info_is_a_rejection() -> None:
    text = "<Root><failInfo>报文格式错误 file refused</failInfo></Root>".encode()
    _, (event,) = parse_receipt(text)
    assert isinstance(event.receipt, FailInfo)
    assert (event.stage, event.info, event.family) == (Stage.REJECTED, "报文格式错误 file refused", Family.DEC)


@pytest.mark.parametrize(
    ("code", "stage", "statement"),
    [("01", Stage.ACCEPTED, StatementCode.ACCEPTED), ("03", Stage.REJECTED, StatementCode.REJECTED),
     ("11", Stage.RELEASED, StatementCode.RELEASED), ("13", Stage.REJECTED, StatementCode.UNLOADING_FORBIDDEN)],
)  # fmt: skip
def test_manifest_mt9999_statement_codes_are_typed(code: str, stage: Stage, statement: StatementCode) -> None:
    _, (event,) = parse_receipt(mt9999(code, "说明"))
    assert isinstance(event.receipt, Response)
    assert event.statement is statement is event.receipt.statement
    assert (event.stage, event.code, event.info, event.receipt_type) == (stage, code, "说明", "MT9999")
    assert event.numbers == {"ID": "MFT0001"}
    assert event.meaning == statement.meaning
    assert event.at is not None
    assert event.at.year == 2026


def test_manifest_response_without_a_statement_is_refused() -> None:
    bare = b"""<Manifest xmlns="urn:Declaration:datamodel:standard:CN:MT9999:1"><Head><MessageID>R1</MessageID>
<MessageType>MT9999</MessageType></Head><Response><ID>X</ID></Response></Manifest>"""
    with pytest.raises(DecodeError, match="AdditionalInformation"):
        parse_receipt(bare)


# ----------------------------------------------------------------------------------- through the client
@pytest.fixture
def journal_path(tmp_path: Path) -> Path:
    return tmp_path / "journal.db"


def _client(transport: MockTransport, path: Path) -> ClearanceClient:
    return ClearanceClient(transport, path, sender_id=SENDER, sign=fake_sign, poll_interval=0.01)


def test_official_payment_and_its_receipt_through_the_client(journal_path: Path) -> None:
    transport = MockTransport()
    with _client(transport, journal_path) as client:
        handle = client.submit(samples.load("import/CEB411Message.xml").data, signer=object())
        transport.push(samples.load("import/CEB412Message.xml").data)  # bare: correlated by guid
        updates = client.poll()
        assert len(updates) == 10
        assert all(u.cop_msg_id == handle.cop_msg_id for u in updates)
        assert all(isinstance(u.event.receipt, Receipt) for u in updates)
        final = client.wait(handle, until=Stage.ACCEPTED, timeout=2)
    assert final.stage is Stage.ACCEPTED
    # a new process: the history read back from the journal still carries the typed receipts
    with _client(MockTransport(), journal_path) as again:
        history = again.status(handle).history
    assert len(history) == 10
    for event in history:
        assert isinstance(event.receipt, Receipt)
        assert event.receipt.entity == "PaymentReturn"
        assert event.receipt.key("payTransactionId") == "P0321000433"
        assert event.return_status is ReturnStatus.ACCEPTED


def test_history_of_each_family_exposes_its_typed_receipt(journal_path: Path) -> None:
    transport = MockTransport()
    with _client(transport, journal_path) as client:
        ceb = client.submit(inventory("COP9"), signer=object())
        dec = client.submit(declaration("202611280000000009"))
        mft = client.submit(manifest("MFT0009"))
        for status in ("2", "120", "800"):
            transport.push(receipt_envelope(ceb622(ceb.guids[0], status, cop_no="COP9"), ceb.cop_msg_id))
        transport.push(dec_import_response("202611280000000009", "I20261128000000009"))
        for channel in ("L", "P"):
            transport.push(dec_result("I20261128000000009", channel, "531620261000000009"))
        for code in ("01", "11"):
            transport.push(receipt_envelope(mt9999(code), mft.cop_msg_id, "MT9999"))
        subs = client.wait_all([ceb, dec, mft], until=Stage.RELEASED, timeout=5)
        assert [s.stage for s in subs] == [Stage.RELEASED] * 3
        assert client.status(entry_id="531620261000000009").cop_msg_id == dec.cop_msg_id

    with _client(MockTransport(), journal_path) as again:
        ceb_history = again.status(ceb).history
        dec_history = again.status(dec).history
        mft_history = again.status(mft).history
    assert [e.return_status for e in ceb_history] == [
        ReturnStatus.DECLARING, ReturnStatus.ACCEPTED, ReturnStatus.RELEASED,
    ]  # fmt: skip
    assert all(isinstance(e.receipt, Receipt) for e in ceb_history)
    assert ceb_history[-1].receipt is not None
    assert ceb_history[-1].receipt.is_final
    assert [type(e.receipt) for e in dec_history] == [DecImportResponse, DecResult, DecResult]
    assert [e.dec_status.is_released if e.dec_status else None for e in dec_history] == [None, False, True]
    assert [e.statement for e in mft_history] == [StatementCode.ACCEPTED, StatementCode.RELEASED]
    assert all(isinstance(e.receipt, Response) for e in mft_history)


def test_rejection_raised_by_wait_carries_the_typed_receipt(journal_path: Path) -> None:
    transport = MockTransport()
    with _client(transport, journal_path) as client:
        handle = client.submit(inventory("COP7"), signer=object())
        transport.push(receipt_envelope(ceb622(handle.guids[0], "-621018", "超过年度限值", "COP7"), handle.cop_msg_id))
        with pytest.raises(RejectedError) as info:
            client.wait(handle, timeout=2)
    event = info.value.receipt
    assert event.code == "-621018"
    assert isinstance(event.receipt, Receipt)
    assert event.receipt.status is ReturnStatus.ERROR
    assert event.receipt.error is not None
    assert event.receipt.error.known


def test_journal_survives_a_receipt_it_can_no_longer_parse(journal_path: Path) -> None:
    journal = Journal(journal_path)
    transport = MockTransport()
    client = ClearanceClient(transport, journal, sender_id=SENDER, sign=fake_sign, poll_interval=0.01)
    handle = client.submit(inventory("COP5"), signer=object())
    transport.push(receipt_envelope(ceb622(handle.guids[0], "120", cop_no="COP5"), handle.cop_msg_id))
    client.poll()
    # damage the stored bytes: the recorded facts stay, only the typed view is gone
    journal._db.execute("UPDATE receipts SET data = ?", (b"<broken",))
    fresh = Journal(journal_path)
    (event,) = fresh.get(handle.cop_msg_id).history  # type: ignore[union-attr]
    assert (event.code, event.stage, event.receipt) == ("120", Stage.ACCEPTED, None)
    assert event.return_status is ReturnStatus.ACCEPTED  # still derived from the recorded code
    fresh.close()
    client.close()


@pytest.mark.parametrize(("code", "exchange"), [("0002", "0002"), ("-2", "0002"), ("1001", "1001"), ("-1004", "1004")])
def test_ceb900_exchange_codes_read_as_errors_with_their_spec_entry(code: str, exchange: str) -> None:
    _, (event,) = parse_receipt(ceb900("s", code, "details"))
    assert event.stage is Stage.REJECTED
    assert event.return_status is ReturnStatus.ERROR  # not the "2 申报中" a bare ReturnStatus.parse("0002") gives
    assert event.error_code is not None
    assert event.error_code.code == exchange
    assert event.error_code.known
    assert event.error_code.description in event.meaning
    assert isinstance(event.error(), RejectedError)


def test_ceb_stage_reads_wire_values_and_return_statuses() -> None:
    assert ceb_stage("800") is ceb_stage(ReturnStatus.RELEASED) is Stage.RELEASED
    assert ceb_stage("0800") is Stage.RELEASED
    assert ceb_stage("-301010") is Stage.REJECTED
    assert ceb_stage("4") is Stage.REJECTED
    assert ceb_stage("501") is Stage.OTHER
    assert ceb_stage("700") is Stage.OTHER
    assert ceb_stage("abc") is Stage.OTHER
