"""Business keys and receipt parsing against the official samples; envelopes against the official DXP schema."""

from __future__ import annotations

import datetime as dt

import pytest
from lxml import etree

from eport.errors import ConfigurationError, DecodeError
from eport.services import Family, Stage, business_info, parse_receipt, unwrap, wrap
from eport.services._xml import MAX_MESSAGE_BYTES, parse
from eport.services.receipts import ceb_stage, dec_stage, manifest_stage
from tests.edi import samples
from tests.services.helpers import receipt_envelope

CN = dt.timezone(dt.timedelta(hours=8))


def _texts(data: bytes, name: str) -> list[str]:
    root = etree.fromstring(data)
    return [(e.text or "").strip() for e in root.iter() if isinstance(e.tag, str) and etree.QName(e).localname == name]


@pytest.mark.parametrize("key", samples.valid_keys())
def test_official_samples_give_keys_or_statuses(key: str) -> None:
    data = samples.load(key).data
    statuses = _texts(data, "returnStatus")
    if statuses:
        receipt_id, events = parse_receipt(data)
        assert receipt_id is None
        assert [e.code for e in events] == statuses
        assert all(e.family is Family.CEB for e in events)
        assert [e.stage for e in events] == [ceb_stage(s) for s in statuses]
        wrapped_id, wrapped = parse_receipt(receipt_envelope(data, "SRC-1"))
        assert wrapped_id
        assert [e.source_cop_msg_id for e in wrapped] == ["SRC-1"] * len(statuses)
    else:
        info = business_info(data)
        assert info.family is Family.CEB
        assert info.root == etree.QName(etree.fromstring(data)).localname
        guids = set(_texts(data, "guid"))
        assert info.documents
        assert {d.guid for d in info.documents} <= guids
        app_types = set(_texts(data, "appType"))
        assert {d.new for d in info.documents} == {t not in ("2", "3") for t in app_types}


def test_envelopes_validate_against_the_official_dxp_schema() -> None:
    data = samples.load("import/CEB621Message.xml").data
    envelope = wrap(data, cop_msg_id="c0ffee00-0000-0000-0000-000000000001", sender_id="DXPENT0000000001",
                    receiver_ids=("DXPEDCCEB0000002",), msg_type="CEB621Message", created=dt.datetime.now(CN),
                    biz_keys={"SourceCopMsgId": "x"}, file_name="a.xml")  # fmt: skip
    schema = samples.schema("dxp-terminal")
    assert schema.validate(etree.fromstring(envelope)), schema.error_log
    decoded = unwrap(envelope)
    assert decoded.data == data
    assert decoded.biz_keys == {"SourceCopMsgId": "x"}
    assert decoded.file_name == "a.xml"
    assert decoded.receiver_ids == ("DXPEDCCEB0000002",)


def test_wrap_refuses_what_the_schema_refuses() -> None:
    kwargs = {"cop_msg_id": "c", "sender_id": "S", "receiver_ids": ("R",), "msg_type": "M"}
    with pytest.raises(ConfigurationError):
        wrap(b"<a/>", created=dt.datetime(2026, 1, 1), **kwargs)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError):
        wrap(b"<a/>", created=dt.datetime.now(CN), **{**kwargs, "receiver_ids": ()})  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError):
        wrap(b"<a/>", created=dt.datetime.now(CN), **{**kwargs, "sender_id": "X" * 17})  # type: ignore[arg-type]


def test_hostile_and_oversized_input_is_refused() -> None:
    bomb = b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "xxxxxxxx">]><a>&x;&x;</a>'
    with pytest.raises(DecodeError):
        parse(bomb)
    with pytest.raises(DecodeError, match="larger than"):
        parse(b"<a>" + b" " * MAX_MESSAGE_BYTES + b"</a>")
    with pytest.raises(DecodeError, match="not well-formed"):
        parse_receipt(b"<a>")
    with pytest.raises(DecodeError, match="not a receipt"):
        parse_receipt(b"<Hello/>")


def test_business_info_of_declarations_and_manifests() -> None:
    with pytest.raises(ConfigurationError, match="ClientSeqNo"):
        business_info(b"<DecMessage><DecSign><OperType>C</OperType></DecSign></DecMessage>")
    with pytest.raises(ConfigurationError, match="is not a CEB message"):
        business_info(b"<Order/>")


@pytest.mark.parametrize(
    ("function", "code", "stage"),
    [
        (ceb_stage, "2", Stage.DECLARING),
        (ceb_stage, "120", Stage.ACCEPTED),
        (ceb_stage, "300", Stage.MANUAL_REVIEW),
        (ceb_stage, "500", Stage.INSPECTION),
        (ceb_stage, "800", Stage.RELEASED),
        (ceb_stage, "899", Stage.CLOSED),
        (ceb_stage, "100", Stage.REJECTED),
        (ceb_stage, "-621005", Stage.REJECTED),
        (ceb_stage, "501", Stage.OTHER),
        (dec_stage, "7", Stage.DECLARING),
        (dec_stage, "L", Stage.ACCEPTED),
        (dec_stage, "J", Stage.CONCLUDED),
        (dec_stage, "P", Stage.RELEASED),
        (dec_stage, "R", Stage.CLOSED),
        (dec_stage, "E", Stage.REJECTED),
        (manifest_stage, "01", Stage.ACCEPTED),
        (manifest_stage, "03", Stage.REJECTED),
        (manifest_stage, "11", Stage.RELEASED),
    ],
)
def test_stage_mapping(function: object, code: str, stage: Stage) -> None:
    assert function(code) is stage  # type: ignore[operator]


def test_stage_scale() -> None:
    assert Stage.WRITTEN.rank < Stage.SENT.rank < Stage.ACCEPTED.rank < Stage.RELEASED.rank < Stage.CLOSED.rank
    assert [s for s in Stage if s.final] == [Stage.CLOSED, Stage.REJECTED, Stage.CANCELLED, Stage.ATTENTION]
    assert Stage.OTHER.rank == -1
