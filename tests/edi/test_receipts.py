"""Receipts: returnStatus meanings, spec §7 error codes, and the uniform receipt view over official samples."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from eport import edi
from eport.edi.ceb.receipts import ENDS_AT_ACCEPTED, parse_return_time
from eport.edi.ceb.status import ERROR_CATEGORIES, ReturnStatus, error_code, error_codes
from tests.edi.samples import load, sample_keys

RECEIPT_SAMPLES = [
    k for k in sample_keys() if k.endswith(("2Message.xml", "4Message.xml", "6Message.xml", "8Message.xml"))
]
RECEIPT_SAMPLES = [k for k in RECEIPT_SAMPLES if "CEB214" not in k and "CEB792" not in k]


@pytest.mark.parametrize(
    ("code", "member", "chinese"),
    [
        ("1", ReturnStatus.SAVED, "电子口岸已暂存"),
        ("2", ReturnStatus.DECLARING, "电子口岸申报中"),
        ("3", ReturnStatus.SENT_TO_CUSTOMS, "发送海关成功"),
        ("4", ReturnStatus.SEND_FAILED, "发送海关失败"),
        ("100", ReturnStatus.REJECTED, "海关退单"),
        ("120", ReturnStatus.ACCEPTED, "海关入库"),
        ("300", ReturnStatus.MANUAL_REVIEW, "人工审核"),
        ("399", ReturnStatus.CONCLUDED, "海关审结"),
        ("500", ReturnStatus.INSPECTION, "查验"),
        ("501", ReturnStatus.DETAINED_CLEARANCE, "扣留移送通关"),
        ("502", ReturnStatus.DETAINED_ANTI_SMUGGLING, "扣留移送缉私"),
        ("503", ReturnStatus.DETAINED_LEGAL, "扣留移送法规"),
        ("505", ReturnStatus.HANDED_OVER, "移交"),
        ("550", ReturnStatus.DETAINED_OTHER, "其它扣留"),
        ("599", ReturnStatus.DETAINED_OTHER, "其它扣留"),
        ("600", ReturnStatus.SUSPENDED, "挂起"),
        ("700", ReturnStatus.RETURNED, "退运"),
        ("800", ReturnStatus.RELEASED, "放行"),
        ("899", ReturnStatus.CLOSED, "结关"),
        ("-621005", ReturnStatus.ERROR, "处理异常"),
        (" 800 ", ReturnStatus.RELEASED, "放行"),
        ("18", ReturnStatus.UNKNOWN, "未知状态"),
        ("abc", ReturnStatus.UNKNOWN, "未知状态"),
        ("", ReturnStatus.UNKNOWN, "未知状态"),
        ("+800", ReturnStatus.UNKNOWN, "未知状态"),  # only ASCII digits and a minus sign are a number
        ("٨٠٠", ReturnStatus.UNKNOWN, "未知状态"),  # Arabic-Indic digits: int() reads them as 800
        ("5_50", ReturnStatus.UNKNOWN, "未知状态"),
    ],
)
def test_return_status_meanings(code: str, member: ReturnStatus, chinese: str) -> None:
    status = ReturnStatus.parse(code)
    assert status is member
    assert status.chinese == chinese
    assert status.meaning == f"{status.english} {chinese}"


def test_status_classes() -> None:
    assert ReturnStatus.RELEASED.is_final
    assert ReturnStatus.RELEASED.is_success
    assert not ReturnStatus.RELEASED.is_error
    assert ReturnStatus.REJECTED.is_error
    assert ReturnStatus.REJECTED.is_final
    assert ReturnStatus.ERROR.is_error
    assert not ReturnStatus.DECLARING.is_final
    assert not ReturnStatus.DECLARING.is_success
    assert not ReturnStatus.UNKNOWN.is_final
    assert not ReturnStatus.INSPECTION.is_final
    assert ReturnStatus.ACCEPTED.is_success
    assert not ReturnStatus.ACCEPTED.is_final
    assert ReturnStatus.parse(800) is ReturnStatus.RELEASED


def test_error_code_table_from_spec_section_7() -> None:
    table = error_codes()
    assert len(table) > 150
    assert table["-621005"].text == "清单[*]的购买金额超过单笔限额[[*]]"
    assert table["-621029"].text == "验签失败！"
    assert table["0002"].text == "数据包不能通过 schema 验证"
    assert table["-301010"].text == "已存在相同编号的订单"
    assert "请确认表体 gnum 无重复" in table["-621027"].text  # listed twice in the spec: both texts kept
    for entry in table.values():
        assert entry.category is not None, entry.code
        assert entry.text
        assert entry.table in {"7-1", "7-2"}
    assert ERROR_CATEGORIES


def test_error_code_lookup_is_total() -> None:
    assert error_code(-621005).code == "-621005"
    assert error_code(2).code == "0002"
    unknown = error_code("-621998")
    assert not unknown.known
    assert unknown.category is not None
    assert unknown.category.chinese == "清单操作错误"
    assert "not in the specification" in unknown.description
    assert not error_code("xyz").known


@pytest.mark.parametrize("key", RECEIPT_SAMPLES)
def test_every_official_receipt_gets_a_typed_view(key: str) -> None:
    found = edi.parse_receipts(load(key).data)
    assert len(found) == 10
    for receipt in found:
        assert receipt.message_type == key.split("/")[1][:-4]
        assert receipt.entity.endswith("Return")
        assert receipt.return_status
        assert receipt.status is ReturnStatus.parse(receipt.return_status)
        assert receipt.time is not None
        assert receipt.time.tzinfo is not None
        assert receipt.keys
        assert "returnStatus" not in receipt.keys


def test_order_receipt_keys_and_meaning() -> None:
    first = edi.parse_receipts(load("import/CEB312Message.xml").data)[0]
    assert first.key("orderNo") == "order20160321116420545"
    assert first.status is ReturnStatus.DECLARING
    assert first.time == dt.datetime(2016, 4, 28, 18, 22, 38, tzinfo=first.time.tzinfo)
    assert first.path == "/ceb:CEB312Message/ceb:OrderReturn[1]"
    assert not first.is_final
    assert "CEB312Message 2 being declared" in str(first)


def test_error_receipt_carries_the_spec_text() -> None:
    data = load("import/CEB622Message.xml").data
    start = data.index(b"<returnStatus>") + len(b"<returnStatus>")
    end = data.index(b"</returnStatus>")
    edited = data[:start] + b"-621005" + data[end:]
    receipt = edi.parse_receipts(edited)[0]
    assert receipt.status is ReturnStatus.ERROR
    assert receipt.is_error
    assert receipt.is_final
    assert receipt.error is not None
    assert receipt.error.text == "清单[*]的购买金额超过单笔限额[[*]]"
    assert "import inventory error (清单操作错误)" in receipt.meaning
    assert receipt.key("copNo") == "cop2016032211000"


def test_payment_lifecycle_ends_at_accepted() -> None:
    receipt = edi.parse_receipts(load("import/CEB412Message.xml").data)[0]
    assert receipt.status is ReturnStatus.ACCEPTED
    assert "CEB412Message" in ENDS_AT_ACCEPTED
    assert receipt.is_final
    assert receipt.is_success
    assert not receipt.is_final_with(frozenset())


def test_unknown_status_falls_back() -> None:
    receipt = edi.parse_receipts(load("import/CEB712Message.xml").data)[0]
    assert receipt.status is ReturnStatus.UNKNOWN
    assert receipt.meaning == "unknown status 未知状态 18"
    assert not receipt.is_final


def test_data_messages_have_no_receipts() -> None:
    assert edi.receipts(edi.decode(load("import/CEB311Message.xml").data)) == ()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("20160512102646001", dt.datetime(2016, 5, 12, 10, 26, 46, 1000)),
        ("20160512102646", dt.datetime(2016, 5, 12, 10, 26, 46)),
        ("2016-05-12", None),
        ("20161312102646001", None),
        (None, None),
    ],
)
def test_return_time(text: str | None, expected: dt.datetime | None) -> None:
    value = parse_return_time(text)
    if expected is None:
        assert value is None
    else:
        assert value is not None
        assert value.replace(tzinfo=None) == expected
        assert value.utcoffset() == dt.timedelta(hours=8)


@given(st.text(max_size=20))
def test_return_status_parse_never_raises(text: str) -> None:
    status = ReturnStatus.parse(text)
    assert isinstance(status, ReturnStatus)
    assert status.meaning


@given(st.integers(min_value=-999_999, max_value=-1))
def test_every_negative_code_is_an_error_with_a_lookup(code: int) -> None:
    assert ReturnStatus.parse(str(code)) is ReturnStatus.ERROR
    assert error_code(code).code.lstrip("-0") == str(code).lstrip("-0")


def test_receipts_inside_an_envelope() -> None:
    data = load("import/CEB622Message.xml").data
    envelope = edi.wrap(data, sender_id="DXPEDCCEB0000002", receiver_ids="DXPENT0000458763").to_bytes(line_length=76)
    assert edi.parse_receipts(envelope) == edi.parse_receipts(data)
