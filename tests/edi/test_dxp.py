"""DXP envelope: wrap/unwrap, every element, transfer envelopes and platform responses, checked by the official XSD
(lxml via the test loader, and xmllint as an independent implementation)."""

from __future__ import annotations

import base64
import datetime as dt
import subprocess
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from eport import edi
from eport.edi import dxp
from eport.errors import ConfigurationError, DecodeError, UnknownMessageError
from tests.edi.samples import SCHEMAS_DIR, load, xsd_errors
from tests.prerequisites import require_command

SENDER = "DXPENT0000016069"
RECEIVER = "DXPEDCCEB0000002"
WHEN = dt.datetime(2026, 11, 28, 9, 52, 14, 670000, tzinfo=dxp.CHINA_TZ)
SIGNATURE = (
    b'<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo>'
    b'<ds:CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/>'
    b'<ds:SignatureMethod Algorithm="http://www.w3.org/2000/09/xmldsig#rsa-sha1"/>'
    b'<ds:Reference URI=""><ds:DigestMethod Algorithm="http://www.w3.org/2000/09/xmldsig#sha1"/>'
    b"<ds:DigestValue>AAAA</ds:DigestValue></ds:Reference></ds:SignedInfo>"
    b"<ds:SignatureValue>AAAA</ds:SignatureValue></ds:Signature>"
)


@pytest.fixture
def inventory() -> bytes:
    return load("import/CEB621Message.xml").data


def test_wrap_unwrap_round_trip_is_schema_valid(inventory: bytes) -> None:
    envelope = dxp.wrap(
        inventory,
        sender_id=SENDER,
        receiver_ids=[RECEIVER],
        created=WHEN,
        file_name="CEB621Message.xml",
        ic_card="1234567890123",
        biz_keys=(dxp.BizKey(value="cop2016032211000", name="copNo"),),
        id="CL01",
    )
    assert envelope.trans_info.msg_type == "CEB621Message"
    assert envelope.trans_info.cop_msg_id.startswith(SENDER)
    data = envelope.to_bytes()
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<DxpMsg xmlns="http://www.chinaport.gov.cn/dxp"')
    assert xsd_errors(data, "dxp-terminal") == []
    assert dxp.DxpMsg.from_bytes(data) == envelope
    assert edi.unwrap(data) == inventory
    assert b"<CreatTime>2026-11-28T09:52:14.670+08:00</CreatTime>" in data
    assert b'<Key name="copNo">cop2016032211000</Key>' in data
    assert b'<IsText Encode="UTF-8"/>' in data


def test_line_broken_base64_is_accepted(inventory: bytes) -> None:
    envelope = dxp.wrap(inventory, sender_id=SENDER, receiver_ids=RECEIVER, created=WHEN)
    broken = envelope.to_bytes(line_length=76)
    assert b"\n" in broken.split(b"<Data>")[1].split(b"</Data>")[0]
    assert xsd_errors(broken, "dxp-terminal") == []
    crlf = broken.replace(b"\n", b"\r\n")
    assert dxp.unwrap(crlf) == inventory
    assert dxp.DxpMsg.from_bytes(broken) == envelope


def test_capture_shaped_envelope_decodes() -> None:
    # the shape of a real AS3 capture (FORMATS.md §4.3): default namespace, Id, line-broken Data, IsText
    payload = '<?xml version="1.0" encoding="UTF-8"?><DecImportResponse>报关单</DecImportResponse>'.encode()
    text = base64.b64encode(payload).decode()
    lines = "\n".join(text[i : i + 20] for i in range(0, len(text), 20))
    data = f"""<DxpMsg ver="1.0" Id="CL01" xmlns="http://www.chinaport.gov.cn/dxp"
 xmlns:ds="http://www.w3.org/2000/09/xmldsig#" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <TransInfo><CopMsgId>DXPENT0000016069201802260951588560</CopMsgId>
     <SenderId>DXPEDCDEC0000001</SenderId>
     <ReceiverIds><ReceiverId>DXPENT0000016069</ReceiverId></ReceiverIds>
     <CreatTime>2018-02-26T09:52:14.670+08:00</CreatTime><MsgType>DECMSG</MsgType></TransInfo>
  <Data>{lines}</Data>
  <AddInfo><FileName>DPM20180226095214669000000000832978822</FileName><IsText Encode="UTF-8"/></AddInfo>
</DxpMsg>""".encode()
    envelope = dxp.DxpMsg.from_bytes(data)
    assert envelope.id == "CL01"
    assert envelope.trans_info.msg_type == "DECMSG"
    assert envelope.trans_info.creat_time == dt.datetime(2018, 2, 26, 9, 52, 14, 670000, tzinfo=dxp.CHINA_TZ)
    assert envelope.add_info is not None
    assert envelope.add_info.is_text == "UTF-8"
    assert envelope.text.endswith("<DecImportResponse>报关单</DecImportResponse>")
    assert xsd_errors(data, "dxp-terminal") == []


def test_naive_creation_time_is_china_standard_time(inventory: bytes) -> None:
    envelope = dxp.wrap(inventory, sender_id=SENDER, receiver_ids=RECEIVER, created=dt.datetime(2026, 1, 2, 3, 4, 5))
    assert envelope.trans_info.creat_time.utcoffset() == dt.timedelta(hours=8)
    assert b"<CreatTime>2026-01-02T03:04:05+08:00</CreatTime>" in envelope.to_bytes()


def test_signature_slot_round_trips(inventory: bytes) -> None:
    import attrs

    envelope = attrs.evolve(
        dxp.wrap(inventory, sender_id=SENDER, receiver_ids=RECEIVER, created=WHEN, id="M1"), signature=SIGNATURE
    )
    data = envelope.to_bytes()
    assert xsd_errors(data, "dxp-terminal") == []
    back = dxp.DxpMsg.from_bytes(data)
    assert back.signature is not None
    assert etree.fromstring(back.signature).tag == "{http://www.w3.org/2000/09/xmldsig#}Signature"
    assert back.id == "M1"
    assert "signature" not in repr(back).split("signature=")[1][:5]  # the repr hides it


def test_transfer_envelope(inventory: bytes) -> None:
    msg = dxp.wrap(inventory, sender_id=SENDER, receiver_ids=RECEIVER, created=WHEN)
    sv = dxp.DxpMsgSv(
        sv_no=dxp.SvNo(
            msg_id="53000001202611280952140000000001", sub_msg_id="1", send_time=WHEN, end_node="53000002",
            sta_node="53000001",
        ),
        msg=msg,
    )  # fmt: skip
    data = sv.to_bytes()
    assert xsd_errors(data, "dxp-transfer") == []
    assert dxp.decode_envelope(data) == sv
    assert dxp.unwrap(data) == inventory


def test_platform_response_with_error_code() -> None:
    head = dxp.TransInfo(
        cop_msg_id="X1", sender_id=SENDER, receiver_ids=(RECEIVER,), creat_time=WHEN, msg_type="CEB621Message"
    )
    rep = dxp.DxpRep(
        recevier_id=SENDER,
        responses=(
            dxp.DxpResponse(
                node_id="53000001", response_code="1001", response_info="签名无效",
                results=(dxp.DxpResult(rec_id=RECEIVER, code="1001", info="x"),),
                notice_time=dt.date(2026, 11, 28), ori_head=head,
            ),
        ),
    )  # fmt: skip
    data = dxp.encode_envelope(rep)
    assert xsd_errors(data, "dxp-terminal") == []
    back = dxp.decode_envelope(data)
    assert back == rep
    assert isinstance(back, dxp.DxpRep)
    error = back.responses[0].error
    assert error is not None
    assert error.text == "数字签名无效"
    assert error.category is not None
    assert error.category.english == "message security error"
    with pytest.raises(DecodeError):
        dxp.unwrap(data)


def test_envelope_validation_reaches_the_payload(inventory: bytes) -> None:
    bad_payload = inventory.replace(b"<ceb:currency>142</ceb:currency>", b"<ceb:currency>999</ceb:currency>", 1)
    data = dxp.wrap(bad_payload, sender_id=SENDER, receiver_ids=RECEIVER, created=WHEN).to_bytes()
    report = edi.validate_bytes(data)
    problems = [p for p in report if p.code == "code-table"]
    assert problems
    assert problems[0].path.startswith("/dxp:DxpMsg/dxp:Data/ceb:CEB621Message/ceb:Inventory[1]/ceb:InventoryHead")
    model_report = edi.validate(dxp.DxpMsg.from_bytes(data))
    assert [p.path for p in model_report if p.code == "code-table"] == [p.path for p in problems]


@pytest.mark.parametrize(
    ("prefix", "encoding", "declaration"),
    [
        (b"\xef\xbb\xbf", "utf-8", True),  # a UTF-8 BOM: every official sample starts with one
        (b"", "utf-16", True),  # Python's utf-16 codec writes a BOM
        (b"\xef\xbb\xbf\r\n  ", "utf-8", False),  # whitespace before the root is fine without a declaration
        (b"\n\t", "utf-8", False),
    ],
    ids=["utf8-bom", "utf16-bom", "bom-and-whitespace", "whitespace"],
)
def test_a_payload_with_a_bom_is_validated_not_skipped(
    inventory: bytes, prefix: bytes, encoding: str, declaration: bool
) -> None:
    bad = inventory.replace(b"<ceb:currency>142</ceb:currency>", b"<ceb:currency>999</ceb:currency>", 1)
    text = bad.decode("utf-8").replace('encoding="UTF-8"', f'encoding="{encoding.upper()}"')
    if not declaration:
        text = text[text.index("?>") + 2 :]
    payload = prefix + text.encode(encoding)
    envelope = dxp.wrap(
        payload, sender_id=SENDER, receiver_ids=RECEIVER, created=WHEN, msg_type="CEB621Message", encoding=None
    )
    for report in (edi.validate_bytes(envelope.to_bytes()), edi.validate(envelope)):
        assert not report.ok
        inner = [p for p in report if p.path.startswith("/dxp:DxpMsg/dxp:Data/ceb:CEB621Message")]
        assert "code-table" in {p.code for p in inner}


@pytest.mark.parametrize("payload", [b" \r\n", b"PK\x03\x04 not xml", "报关单".encode()], ids=["blank", "zip", "text"])
def test_a_payload_that_is_not_xml_is_an_error_not_valid(payload: bytes) -> None:
    envelope = dxp.wrap(payload, sender_id=SENDER, receiver_ids=RECEIVER, created=WHEN, msg_type="CEB621Message")
    for report in (edi.validate_bytes(envelope.to_bytes()), edi.validate(envelope)):
        assert not report.ok
        assert [(p.path, p.code) for p in report if p.code == "payload-not-xml"] == [
            ("/dxp:DxpMsg/dxp:Data", "payload-not-xml")
        ]


@pytest.mark.parametrize(
    ("mutation", "message"),
    [
        ((b"<Data>", b"<Data>!!"), "Data is not valid base64"),
        ((b"<AddInfo>", b"<Surprise/><AddInfo>"), "unexpected element Surprise"),
        ((b"<CreatTime>2026-11-28T09:52:14.670+08:00", b"<CreatTime>yesterday"), "not an xs:dateTime"),
        ((b"<SenderId>DXPENT0000016069</SenderId>", b""), "missing element SenderId"),
    ],
)
def test_malformed_envelopes_raise_typed_errors(inventory: bytes, mutation: tuple[bytes, bytes], message: str) -> None:
    data = dxp.wrap(inventory, sender_id=SENDER, receiver_ids=RECEIVER, created=WHEN, file_name="f").to_bytes()
    assert mutation[0] in data
    with pytest.raises(DecodeError, match=message) as info:
        dxp.decode_envelope(data.replace(*mutation))
    assert info.value.path is not None
    assert info.value.path.startswith("/dxp:DxpMsg")


def test_decode_and_decode_lenient_read_envelopes_as_validation_does(inventory: bytes) -> None:
    """One entry point: what ``validate_bytes`` accepts, ``decode``/``decode_lenient`` read too."""
    msg = dxp.wrap(inventory, sender_id=SENDER, receiver_ids=RECEIVER, created=WHEN)
    sv = dxp.DxpMsgSv(
        sv_no=dxp.SvNo(
            msg_id="53000001202611280952140000000001", sub_msg_id="1", send_time=WHEN, end_node="53000002",
            sta_node="53000001",
        ),
        msg=msg,
    )  # fmt: skip
    for envelope in (msg, sv):
        data = envelope.to_bytes()
        assert edi.validate_bytes(data).ok
        assert edi.decode(data) == envelope
        lenient = edi.decode_lenient(data)
        assert lenient.message == envelope
        assert lenient.ok


def test_decode_names_what_is_wrong_with_a_malformed_envelope(inventory: bytes) -> None:
    data = dxp.wrap(inventory, sender_id=SENDER, receiver_ids=RECEIVER, created=WHEN).to_bytes()
    broken = data.replace(b"<SenderId>DXPENT0000016069</SenderId>", b"")
    for decode in (edi.decode, edi.decode_lenient):
        with pytest.raises(DecodeError, match="missing element SenderId") as info:
            decode(broken)
        assert not isinstance(info.value, UnknownMessageError)
    with pytest.raises(UnknownMessageError):  # a DXP-namespace root that is no envelope stays unknown
        edi.decode(b'<DxpNope xmlns="http://www.chinaport.gov.cn/dxp"/>')


def test_not_an_envelope() -> None:
    with pytest.raises(UnknownMessageError):
        dxp.decode_envelope(b'<ceb:CEB311Message xmlns:ceb="http://www.chinaport.gov.cn/ceb"/>')
    with pytest.raises(UnknownMessageError):
        dxp.decode_envelope(b'<DxpNope xmlns="http://www.chinaport.gov.cn/dxp"/>')
    with pytest.raises(DecodeError):
        dxp.decode_envelope(b'<!DOCTYPE x [<!ENTITY a "b">]><DxpMsg xmlns="http://www.chinaport.gov.cn/dxp"/>')


@pytest.mark.parametrize(
    "kwargs",
    [
        {"receiver_ids": []},
        {"receiver_ids": ["R1", "R2", "R3", "R4", "R5", "R6"]},
        {"sender_id": "X" * 17},
        {"id": "1abc"},
    ],
)
def test_wrap_refuses_bad_arguments(inventory: bytes, kwargs: dict[str, object]) -> None:
    args: dict[str, object] = {"sender_id": SENDER, "receiver_ids": RECEIVER, **kwargs}
    with pytest.raises(ConfigurationError):
        dxp.wrap(inventory, **args)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError):
        dxp.wrap(b"", sender_id=SENDER, receiver_ids=RECEIVER)


def test_message_type_guess() -> None:
    assert dxp.message_type_of(b'<?xml version="1.0"?>\n<!-- c --><ceb:CEB311Message a="1"/>') == "CEB311Message"
    assert dxp.message_type_of(b"<DecMessage>") == "DecMessage"
    assert dxp.message_type_of(b"binary") == ""


def test_manifest_message_type_comes_from_its_namespace() -> None:
    from eport.edi.manifest.codec import decode_manifest
    from tests.edi.test_manifest import DATA as MANIFEST_DATA

    payload = (MANIFEST_DATA / "mt2101_sea_preloading.xml").read_bytes()
    assert dxp.message_type_of(payload) == "MT2101"
    envelope = dxp.wrap(payload, sender_id=SENDER, receiver_ids=RECEIVER)
    assert envelope.trans_info.msg_type == "MT2101"
    assert dxp.unwrap(dxp.decode_envelope(dxp.encode_envelope(envelope))) == payload
    assert decode_manifest(payload).head.message_type == "MT2101"
    # a root named Manifest in a namespace that is not a manifest's keeps the root name
    assert dxp.message_type_of(b'<Manifest xmlns="urn:example"/>') == "Manifest"


def test_xmllint_accepts_our_envelopes(inventory: bytes, tmp_path: Path) -> None:
    require_command("xmllint")  # libxml2-utils
    msg = dxp.wrap(inventory, sender_id=SENDER, receiver_ids=RECEIVER, created=WHEN, id="CL01")
    path = tmp_path / "dxp.xml"
    path.write_bytes(msg.to_bytes(line_length=76))
    schema = SCHEMAS_DIR / "ceb202205" / "dxp-terminal.xsd"
    proc = subprocess.run(
        ["xmllint", "--noout", "--nonet", "--schema", str(schema), str(path)],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "validates" in proc.stderr


_ids = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=16)


@given(
    payload=st.binary(min_size=1, max_size=2000),
    sender=_ids,
    receivers=st.lists(_ids, min_size=1, max_size=5),
    line_length=st.one_of(st.none(), st.integers(min_value=4, max_value=120)),
    file_name=st.one_of(st.none(), st.text(min_size=1, max_size=40).filter(lambda t: t.isprintable())),
    keys=st.lists(st.builds(dxp.BizKey, value=_ids, name=st.one_of(st.none(), _ids)), max_size=5),
)
def test_wrap_round_trips_any_payload(
    payload: bytes,
    sender: str,
    receivers: list[str],
    line_length: int | None,
    file_name: str | None,
    keys: list[dxp.BizKey],
) -> None:
    envelope = dxp.wrap(
        payload, sender_id=sender, receiver_ids=receivers, created=WHEN, file_name=file_name,
        biz_keys=tuple(keys), encoding=None,
    )  # fmt: skip
    data = envelope.to_bytes(line_length=line_length)
    assert dxp.decode_envelope(data) == envelope
    assert dxp.unwrap(data) == payload


@pytest.mark.parametrize("created", [b"2026-11-28T24:00:00", b"12026-11-28T09:52:14"], ids=["24h", "year-12026"])
def test_an_envelope_eport_cannot_read_is_not_valid(inventory: bytes, created: bytes) -> None:
    """The schema accepts these creation times and eport's envelope reader does not: the payload (here with a wrong
    currency) used to go unchecked and the report was empty, "valid"."""
    bad = inventory.replace(b"<ceb:currency>142</ceb:currency>", b"<ceb:currency>999</ceb:currency>", 1)
    data = dxp.wrap(bad, sender_id=SENDER, receiver_ids=RECEIVER, created=WHEN).to_bytes()
    data = data.replace(b"2026-11-28T09:52:14.670+08:00", created)
    assert not xsd_errors(data, "dxp-terminal")
    report = edi.validate_bytes(data)
    assert not report.ok
    [problem] = [p for p in report if p.code == "not-decodable"]
    assert problem.path == "/dxp:DxpMsg/dxp:TransInfo/dxp:CreatTime"
    assert "payload" in problem.message


def test_an_envelope_whose_data_is_not_base64_is_not_valid(inventory: bytes) -> None:
    """libxml2 accepts "!!" in ``Data`` (simple content extending xs:base64Binary); eport's reader refuses it. The
    envelope used to be reported valid, its payload never looked at."""
    data = dxp.wrap(inventory, sender_id=SENDER, receiver_ids=RECEIVER, created=WHEN).to_bytes()
    data = data.replace(b"<Data>", b"<Data>!!")
    assert not xsd_errors(data, "dxp-terminal")
    report = edi.validate_bytes(data)
    assert [(p.path, p.code) for p in report.errors] == [("/dxp:DxpMsg/dxp:Data", "not-decodable")]


def test_a_dxp_root_that_is_no_envelope_is_only_an_unknown_root() -> None:
    report = edi.validate_bytes(b'<dxp:Foo xmlns:dxp="http://www.chinaport.gov.cn/dxp"/>')
    assert [(p.code, p.path) for p in report] == [("unknown-root", "/dxp:Foo")]


def test_a_ceb_msg_type_that_names_another_message_is_an_error(inventory: bytes) -> None:
    """MsgType CEB311Message on a CEB621 payload: E-Port routes by MsgType, and this used to be valid."""
    envelope = dxp.wrap(inventory, sender_id=SENDER, receiver_ids=RECEIVER, created=WHEN, msg_type="CEB311Message")
    head = dxp.SvNo(msg_id="53000001202611280952140000000001", send_time=WHEN, end_node="53000002", sta_node="53000001")
    sv = dxp.DxpMsgSv(sv_no=head, msg=envelope)
    for report in (edi.validate_bytes(envelope.to_bytes()), edi.validate(envelope)):
        assert [(p.code, p.path) for p in report.errors] == [("msg-type", "/dxp:DxpMsg/dxp:TransInfo/dxp:MsgType")]
    for report in (edi.validate_bytes(sv.to_bytes()), edi.validate(sv)):
        assert [(p.code, p.path) for p in report.errors] == [
            ("msg-type", "/dxp:DxpMsgSv/dxp:DxpMsg/dxp:TransInfo/dxp:MsgType")
        ]


@pytest.mark.parametrize("msg_type", ["CEB621Message", "DECMSG", "custom"])
def test_a_matching_or_agreed_msg_type_passes(inventory: bytes, msg_type: str) -> None:
    envelope = dxp.wrap(inventory, sender_id=SENDER, receiver_ids=RECEIVER, created=WHEN, msg_type=msg_type)
    assert "msg-type" not in {p.code for p in edi.validate_bytes(envelope.to_bytes())}
