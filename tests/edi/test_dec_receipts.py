"""Declaration receipts: DecImportResponse, DEC_RESULT, legacy GB2312 DEC_DATA, failInfo; CHANNEL statuses.

The fixtures are our own documents following the shapes of real receipts: the DecImportResponse inside the AS3
capture ``Zzaniu/loop_server:test2/test1/1.xml``, the DEC_RESULT and DEC_DATA shapes quoted in FORMATS.md §2.6
(from ``ryanrong95/HXT`` ``DecReceipt.cs``/``DecData.cs`` and ``Zzaniu/loop_server:test2/test2/x1.py``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from eport.edi.dec.channel import Channel, ChannelGroup, DecStatus
from eport.edi.dec.receipts import (
    CHINA_TZ,
    DecData,
    DecImportResponse,
    DecResult,
    FailInfo,
    parse_dec_receipt,
    parse_notice_date,
)
from eport.errors import DecodeError, EportError

IMPORT_RESPONSE = """<?xml version="1.0" encoding="UTF-8"?>
<ns2:DecImportResponse xmlns:ns2="http://www.chinaport.gov.cn/dec">
  <ns2:ResponseCode>0</ns2:ResponseCode>
  <ns2:ErrorMessage>调用成功</ns2:ErrorMessage>
  <ns2:ClientSeqNo>201802260951588560</ns2:ClientSeqNo>
  <ns2:SeqNo>Z11000001313617428</ns2:SeqNo>
</ns2:DecImportResponse>""".encode()

DEC_RESULT = b"""<?xml version="1.0" encoding="UTF-8"?>
<DEC_RESULT>
  <CUS_CIQ_NO>I20180000147015879</CUS_CIQ_NO>
  <ENTRY_ID/>
  <NOTICE_DATE>2018-12-12T14:40:43</NOTICE_DATE>
  <CHANNEL>7</CHANNEL>
  <NOTE>I20180000147015879\xe7\x9b\xb4\xe6\x8e\xa5\xe7\x94\xb3\xe6\x8a\xa5\xe6\x88\x90\xe5\x8a\x9f</NOTE>
  <CUSTOM_MASTER/><I_E_DATE/><D_DATE/>
</DEC_RESULT>"""

DEC_DATA = """<?xml version="1.0" encoding="GB2312"?>
<DEC_DATA>
  <DEC_RESULT>
    <SEQ_NO>000000001234567890</SEQ_NO>
    <ENTRY_ID>530120181000123456</ENTRY_ID>
    <NOTICE_DATE>20180208T15032200</NOTICE_DATE>
    <CHANNEL>P</CHANNEL>
    <NOTE>海关已放行</NOTE>
    <DECL_PORT>5301</DECL_PORT>
    <NET_WT>17.5</NET_WT>
    <GROSS_WT>20</GROSS_WT>
    <EXTRA_FIELD>ignored</EXTRA_FIELD>
  </DEC_RESULT>
  <RESULT_INFO>放行</RESULT_INFO>
</DEC_DATA>""".encode("gb2312")


def test_import_response_with_prefix_decodes() -> None:
    r = parse_dec_receipt(IMPORT_RESPONSE)
    assert isinstance(r, DecImportResponse)
    assert r.ok
    assert (r.client_seq_no, r.seq_no, r.error_message) == ("201802260951588560", "Z11000001313617428", "调用成功")


def test_failed_import_response_is_not_ok() -> None:
    data = IMPORT_RESPONSE.replace(b">0<", b">1<")
    r = parse_dec_receipt(data)
    assert isinstance(r, DecImportResponse)
    assert not r.ok


def test_dec_result_channel_and_time() -> None:
    r = parse_dec_receipt(DEC_RESULT)
    assert isinstance(r, DecResult)
    assert r.seq_no == "I20180000147015879"
    assert r.entry_id is None  # empty element
    assert r.status.channel is Channel.DECLARED
    assert r.status.group is ChannelGroup.CLIENT
    assert not r.status.is_released
    assert r.notice_time == dt.datetime(2018, 12, 12, 14, 40, 43, tzinfo=CHINA_TZ)
    assert r.note is not None
    assert r.note.endswith("直接申报成功")


def test_legacy_gb2312_dec_data_decodes_with_extra_fields() -> None:
    r = parse_dec_receipt(DEC_DATA)
    assert isinstance(r, DecData)
    assert r.status.is_released
    assert r.entry_id == "530120181000123456"
    assert r.result.net_wt == Decimal("17.5")
    assert r.result.note == "海关已放行"
    assert r.result_info == "放行"
    assert r.notice_time == dt.datetime(2018, 2, 8, 15, 3, 22, tzinfo=CHINA_TZ)


def test_gb2312_without_declaration_is_read_as_gb18030() -> None:
    data = "<DEC_RESULT><CHANNEL>Z</CHANNEL><NOTE>退回修改</NOTE></DEC_RESULT>".encode("gb2312")
    r = parse_dec_receipt(data)
    assert isinstance(r, DecResult)
    assert r.note == "退回修改"
    assert r.status.is_failure


def test_fail_info() -> None:
    r = parse_dec_receipt("<Root><failInfo>报文格式错误</failInfo></Root>".encode())
    assert r == FailInfo(message="报文格式错误")


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not xml",
        b"<a><b></a>",
        b'<!DOCTYPE x [<!ENTITY e "boom">]><DEC_RESULT>&e;</DEC_RESULT>',
        b"<Manifest/>",
        b"<DecImportResponse xmlns='http://www.chinaport.gov.cn/dec'/>",
        b"<DEC_DATA/>",
    ],
)
def test_bad_receipts_raise_typed_errors(data: bytes) -> None:
    with pytest.raises(DecodeError):
        parse_dec_receipt(data)


def test_decode_error_is_an_eport_error() -> None:
    with pytest.raises(EportError):
        parse_dec_receipt(b"\xff\xfe")


@pytest.mark.parametrize(
    ("code", "group", "released"),
    [
        ("L", ChannelGroup.ENTERED, False),
        ("J", ChannelGroup.RELEASED, False),  # 审结: concluded, the release (P) comes after
        ("G", ChannelGroup.RELEASED, False),
        ("C", ChannelGroup.RELEASED, False),  # 查验通知: an inspection notice is not a release
        ("#", ChannelGroup.RELEASED, False),
        ("B", ChannelGroup.ENTERED, True),  # 担保放行: released on guarantee
        ("K", ChannelGroup.RELEASED, True),
        ("I", ChannelGroup.RELEASED, True),
        ("W", ChannelGroup.RELEASED, True),
        ("F", ChannelGroup.RELEASED, True),
        ("P", ChannelGroup.RELEASED, True),
        ("R", ChannelGroup.RELEASED, True),
        ("E", ChannelGroup.NOT_RELEASED, False),
        ("S", ChannelGroup.CIQ, False),
        ("SpK", ChannelGroup.TWO_STEP, True),
        ("SpL", ChannelGroup.TWO_STEP, False),
        ("S0", ChannelGroup.CLIENT, False),
        ("??", ChannelGroup.UNKNOWN, False),
    ],
)
def test_channel_groups(code: str, group: ChannelGroup, released: bool) -> None:
    status = DecStatus.of(code)
    assert status.group is group
    assert status.is_released is released
    assert status.code == code


def test_every_channel_has_a_meaning_and_group() -> None:
    for channel in Channel:
        assert channel.meaning
        assert isinstance(channel.group, ChannelGroup)
    assert "unknown" in DecStatus.of("QQ").meaning
    assert str(DecStatus.of("P")) == "P 海关已放行 released"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2018-12-12T14:40:43", dt.datetime(2018, 12, 12, 14, 40, 43, tzinfo=CHINA_TZ)),
        ("20180208150322123", dt.datetime(2018, 2, 8, 15, 3, 22, 123000, tzinfo=CHINA_TZ)),
        ("20180208", dt.datetime(2018, 2, 8, tzinfo=CHINA_TZ)),
        ("", None),
        ("2018", None),
        ("20181399000000", None),
    ],
)
def test_notice_date_formats(text: str, expected: dt.datetime | None) -> None:
    assert parse_notice_date(text) == expected


def test_channel_enum_covers_the_status_table() -> None:
    from eport.edi import codes

    table = codes.post2018("channel")
    # 01..06 are an ERP's own draft states, not customs channels
    customs = {e.code for e in table if not (e.code.isdigit() and len(e.code) == 2)}
    assert customs <= {c.value for c in Channel}


def _codes(data: bytes) -> list[tuple[str, str, str]]:
    from eport.edi import validate_bytes

    return [(p.severity.value, p.path, p.code) for p in validate_bytes(data) if p.code != "no-schema"]


def test_a_receipt_that_says_nothing_is_not_valid() -> None:
    """Declaration receipts had no rules at all: ``<DEC_RESULT/>`` (no 统一编号, no CHANNEL), a receipt time that is
    no time and an ENTRY_ID of four digits were all "valid" (exit status 0 in ``eport edi validate``)."""
    assert _codes(DEC_RESULT) == []
    assert _codes(IMPORT_RESPONSE) == []
    assert _codes(b"<DEC_RESULT/>") == [
        ("error", "/DEC_RESULT/CUS_CIQ_NO", "required"),
        ("error", "/DEC_RESULT/CHANNEL", "required"),
    ]
    bad = DEC_RESULT.replace(b"2018-12-12T14:40:43", b"yesterday").replace(b"<ENTRY_ID/>", b"<ENTRY_ID>5300</ENTRY_ID>")
    assert _codes(bad) == [
        ("error", "/DEC_RESULT/ENTRY_ID", "entry-id"),
        ("error", "/DEC_RESULT/NOTICE_DATE", "time-format"),
    ]
    unknown_channel = DEC_RESULT.replace(b"<CHANNEL>7<", b"<CHANNEL>Q9<")
    assert _codes(unknown_channel) == [("warning", "/DEC_RESULT/CHANNEL", "channel")]
    assert _codes(b"<DEC_DATA><DEC_RESULT/></DEC_DATA>") == [
        ("error", "/DEC_DATA/DEC_RESULT/SEQ_NO", "required"),
        ("error", "/DEC_DATA/DEC_RESULT/CHANNEL", "required"),
    ]
    no_seq = IMPORT_RESPONSE.replace(b"<ns2:SeqNo>Z11000001313617428</ns2:SeqNo>", b"")
    assert _codes(no_seq) == [("warning", "/DecImportResponse/SeqNo", "required")]
    assert _codes(no_seq.replace(b">0<", b">1<")) == []  # a refusal carries no 统一编号
