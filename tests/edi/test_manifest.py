"""Manifests: decode documents shaped like real ones, re-encode to the same XML, namespaces, order, head rules.

Fixtures in ``tests/edi/data/manifest`` are our own documents; each names the public document it follows.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import attrs
import pytest
from lxml import etree

from eport.edi import dxp
from eport.edi import manifest as mf
from eport.edi.core.report import Severity
from eport.edi.core.rules import rules_for
from eport.edi.dec.filedrop import ReceiptKind, classify_receipt
from eport.edi.manifest.rules import RULES, validate_manifest
from eport.errors import ConfigurationError, DecodeError, EncodeError
from tests import reference

DATA = Path(__file__).parent / "data" / "manifest"
FIXTURES = ["mt2101_sea_preloading.xml", "mt1401_road_original.xml", "mt9999_response.xml"]


def _c14n(data: bytes) -> bytes:
    parser = etree.XMLParser(remove_blank_text=True, remove_comments=True, resolve_entities=False)
    return etree.tostring(etree.fromstring(data, parser), method="c14n", exclusive=True)


@pytest.mark.parametrize("name", FIXTURES)
def test_round_trip_is_identical_after_canonicalization(name: str) -> None:
    data = (DATA / name).read_bytes()
    message = mf.decode_manifest(data)
    again = mf.encode_manifest(message)
    assert _c14n(again) == _c14n(data)
    assert mf.decode_manifest(again) == message


def test_sea_body_values() -> None:
    m = mf.decode_manifest((DATA / "mt2101_sea_preloading.xml").read_bytes())
    assert m.message_type == "MT2101"
    body = m.declaration
    assert isinstance(body, mf.Declaration)
    (consignment,) = body.consignment
    assert consignment.value_amount == mf.Amount(value=Decimal("12000.00"), currency_type_code="USD")
    assert consignment.total_gross_mass_measure == mf.Measure(value=Decimal("5300.5"))
    assert consignment.transport_equipment[0].seal_id == (mf.Seal(value="SEAL001", agency_code="CA"),)
    assert consignment.consignor is not None
    assert consignment.consignor.aeo == "CN4201000001"


def test_road_body_values() -> None:
    m = mf.decode_manifest((DATA / "mt1401_road_original.xml").read_bytes())
    body = m.declaration
    assert isinstance(body, mf.RoadDeclaration)
    (consignment,) = body.consignment
    assert consignment.value_amount == mf.Amount(value=Decimal("88000.00"), currency_id="HKD")
    assert consignment.border_transport_means is not None
    assert consignment.border_transport_means.itinerary == mf.Itinerary(routing_country_code=("HK", "CN"))
    gm = consignment.consignment_item[1].goods_measure
    assert gm is not None
    assert gm.gross_mass_measure == mf.Measure(value=Decimal("100"), unit_code="KGM")


def test_response_statements() -> None:
    m = mf.decode_manifest((DATA / "mt9999_response.xml").read_bytes())
    assert m.response is not None
    assert m.response.statement is mf.StatementCode.ACCEPTED
    assert m.response.consignment[0].statement is mf.StatementCode.REJECTED
    assert m.response.consignment[0].statement.is_failure
    assert not mf.StatementCode.RELEASED.is_failure
    assert "禁卸" in mf.StatementCode.UNLOADING_FORBIDDEN.meaning
    data = (DATA / "mt9999_response.xml").read_bytes()
    assert classify_receipt(data) is ReceiptKind.MANIFEST_RESPONSE


@pytest.mark.parametrize("mtype", ["MT1101", "MT2101", "MT3101", "MT4101", "MT5101", "MT5102", "MT1401", "MT9999"])
def test_namespace_follows_the_message_type(mtype: str) -> None:
    body = mf.RoadDeclaration(id="1") if mf.is_road(mtype) else mf.Declaration(id="1")
    m = mf.Manifest(
        head=mf.Head(message_type=mtype),
        declaration=None if mtype == "MT9999" else body,
        response=mf.Response(id="1") if mtype == "MT9999" else None,
    )
    root = etree.fromstring(mf.encode_manifest(m))
    expected = f"urn:Declaration:datamodel:standard:CN:{mtype}:1"
    assert {etree.QName(el).namespace for el in root.iter()} == {expected}
    assert root.nsmap == {None: expected}
    assert mf.decode_manifest(etree.tostring(root)) == m


def _reference_mt1401() -> dict[str, list[str]]:
    path = reference.require("manifest", "manifest-mt1401-structure.txt")
    order: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in path.read_text(encoding="utf-8").splitlines():
        m = re.match(r"#### class (\S+)\s+—\s+(\S+)", line.strip())
        if m:
            current = order.setdefault(m.group(1), []) if m.group(2).startswith("urn:") else None
            continue
        m = re.match(r"\d+\. (\S+) :", line.strip())
        if m and current is not None:
            current.append(m.group(1))
    return order


@pytest.mark.parametrize(
    ("model", "reference"),
    [
        (mf.RoadDeclaration, "Declaration"),
        (mf.RoadConsignment, "Consignment"),
        (mf.RoadConsignmentItem, "ConsignmentItem"),
        (mf.RoadTransportContractDocument, "TransportContractDocument"),
        (mf.RoadTransportEquipment, "TransportEquipment"),
        (mf.RoadUnloadingLocation, "UnloadingLocation"),
        (mf.Head, "Head"),
    ],
)
def test_road_models_follow_the_generated_schema_order(model: type, reference: str) -> None:
    order = _reference_mt1401()
    tags = [f.tag for f in model.__eport_spec__.fields]
    assert tags == order[reference]


def test_lenient_decoding_keeps_unknown_elements() -> None:
    data = (DATA / "mt2101_sea_preloading.xml").read_bytes().replace(b"<Carrier>", b"<Surprise>x</Surprise><Carrier>")
    with pytest.raises(DecodeError, match="unknown element"):
        mf.decode_manifest(data)
    decoded = mf.decode_manifest_lenient(data)
    assert [p.code for p in decoded.problems] == ["unknown-element"]
    assert decoded.unparsed[0].path == "/Manifest/Declaration/Surprise"
    assert isinstance(decoded.message.declaration, mf.Declaration)


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (b"<Manifest/>", "not a manifest"),
        (b"<Manifest xmlns='urn:Declaration:datamodel:standard:CN:MT2101:2'/>", "not a manifest"),
        (
            b"<x:Manifest xmlns:x='urn:Declaration:datamodel:standard:CN:MT2101:1'>"
            b"<x:Head><x:Bad/></x:Head></x:Manifest>",
            "unknown element",
        ),
        (b'<!DOCTYPE m [<!ENTITY e "x">]><Manifest/>', "DOCTYPE"),
        (
            b"<Manifest xmlns='urn:Declaration:datamodel:standard:CN:MT2101:1'><Head/><Declaration><Consignment>"
            b"<GrossVolumeMeasure>abc</GrossVolumeMeasure></Consignment></Declaration></Manifest>",
            "not a decimal",
        ),
    ],
)
def test_bad_documents_raise_decode_errors(data: bytes, match: str) -> None:
    with pytest.raises(DecodeError, match=match):
        mf.decode_manifest(data)


def test_message_type_must_match_namespace() -> None:
    data = (DATA / "mt2101_sea_preloading.xml").read_bytes().replace(b">MT2101<", b">MT4101<")
    with pytest.raises(DecodeError, match="does not match"):
        mf.decode_manifest(data)


def test_encode_refuses_bad_values() -> None:
    with pytest.raises(EncodeError, match="MTxxxx"):
        mf.encode_manifest(mf.Manifest(head=mf.Head(message_type="2101")))
    bad = mf.Manifest(head=mf.Head(message_type="MT2101"), declaration=mf.Declaration(id="a\x00"))
    with pytest.raises(EncodeError) as info:
        mf.encode_manifest(bad)
    assert info.value.path == "/Manifest/Declaration/ID"
    wrong = mf.Manifest(head=mf.Head(message_type="MT2101", version=5))  # type: ignore[arg-type]
    with pytest.raises(EncodeError, match="must be a str") as info:
        mf.encode_manifest(wrong)
    assert info.value.path == "/Manifest/Head/Version"
    with pytest.raises(EncodeError, match="Head is missing"):
        mf.encode_manifest(mf.Manifest(head=None))  # type: ignore[arg-type]


def test_encoded_road_and_sea_manifests_use_the_compiled_writers() -> None:
    # Declaration may be a sea/air Declaration or a RoadDeclaration: each is written by its own class's writer,
    # in the namespace of the message type, and reads back unchanged.
    for name in ("mt2101_sea_preloading.xml", "mt1401_road_original.xml"):
        message = mf.decode_manifest((DATA / name).read_bytes())
        data = mf.encode_manifest(message)
        root = etree.fromstring(data)
        assert {etree.QName(el).namespace for el in root.iter()} == {mf.namespace_for(message.message_type or "")}
        assert mf.decode_manifest(data) == message


def test_head_builders() -> None:
    sender = mf.sender_id("4201", "MA1000001", "DXPENT0000012345")
    assert sender == "4201MA1000001_DXPENT0000012345"
    when = dt.datetime(2024, 1, 5, 9, 30, 15, 123456, tzinfo=mf.message.CHINA_TZ)
    assert mf.send_time(when) == "20240105093015123"
    assert mf.send_time(when.astimezone(dt.timezone.utc)) == "20240105093015123"
    assert mf.message_id("MT2101", "4201MA1000001", when) == "CN_MT2101_1p0_4201MA1000001_20240105093015123"
    assert mf.parse_send_time("20240105093015123") == when.replace(microsecond=123000)
    with pytest.raises(ConfigurationError):
        mf.sender_id("42", "MA1000001")
    with pytest.raises(ConfigurationError):
        mf.parse_send_time("20241305093015123")


def _valid() -> mf.Manifest:
    return mf.decode_manifest((DATA / "mt2101_sea_preloading.xml").read_bytes())


@pytest.mark.parametrize("name", FIXTURES)
def test_fixtures_pass_the_head_rules(name: str) -> None:
    report = validate_manifest(mf.decode_manifest((DATA / name).read_bytes()))
    assert report.ok, [str(p) for p in report]
    assert not list(report)


def test_head_rules_report_each_problem() -> None:
    m = _valid()
    head = attrs.evolve(m.head, send_time="2024-01-05", function_code="7", sender_id="ABC", message_id="X")
    report = validate_manifest(attrs.evolve(m, head=head))
    found = {(p.path.rsplit("/", 1)[-1], p.code, p.severity) for p in report}
    assert found == {
        ("SendTime", "send-time", Severity.ERROR),
        ("FunctionCode", "function-code", Severity.ERROR),
        ("SenderID", "sender-id", Severity.ERROR),
        ("MessageID", "message-id", Severity.WARNING),
    }


def test_body_must_fit_the_message_type() -> None:
    m = _valid()
    report = validate_manifest(attrs.evolve(m, head=attrs.evolve(m.head, message_type="MT1401")))
    assert "body" in {p.code for p in report}


def test_item_numbers_in_consignments() -> None:
    m = mf.decode_manifest((DATA / "mt1401_road_original.xml").read_bytes())
    assert isinstance(m.declaration, mf.RoadDeclaration)
    c = m.declaration.consignment[0]
    items = (c.consignment_item[0], attrs.evolve(c.consignment_item[1], sequence_numeric=Decimal(3)))
    body = attrs.evolve(m.declaration, consignment=(attrs.evolve(c, consignment_item=items),))
    report = validate_manifest(attrs.evolve(m, declaration=body))
    assert [(p.code, p.path) for p in report] == [
        ("item-sequence", "/Manifest/Declaration/Consignment/ConsignmentItem[2]/SequenceNumeric")
    ]


def test_rules_plug_into_the_family_registry() -> None:
    assert rules_for("manifest") == RULES


def test_manifest_travels_in_a_dxp_envelope() -> None:
    payload = mf.encode_manifest(_valid())
    envelope = dxp.wrap(payload, sender_id="DXPENT0000012345", receiver_ids="EPORT", msg_type="MT2101")
    data = envelope.to_bytes()
    assert classify_receipt(data) is ReceiptKind.DXP_ENVELOPE
    inner = dxp.unwrap(data)
    assert mf.decode_manifest(inner) == _valid()


def test_loading_manifest_mt4101_follows_the_published_structure() -> None:
    """MT4101 element order as listed on the structure page quoted in FORMATS.md §3.4 (bdocx 621029)."""
    m = mf.Manifest(
        head=mf.Head(message_type="MT4101"),
        declaration=mf.Declaration(
            carrier=mf.Identification(id="COSCO"),
            border_transport_means=mf.BorderTransportMeans(journey_id="024E", type_code="1", id="UN1", name="V"),
            consignment=(
                mf.Consignment(
                    transport_contract_document=mf.TransportContractDocument(id="BL1"),
                    loading_location=mf.Location(id="CNSHA/2201", loading_date="20240106"),
                    consignment_packaging=mf.Packaging(quantity_quantity=Decimal(10), type_code="CT"),
                    total_gross_mass_measure=mf.Measure(value=Decimal("100.5")),
                    transport_split_indicator="0",
                    transport_equipment=(
                        mf.TransportEquipment(
                            equipment_identification=mf.Identification(id="TGHU1234567"),
                            characteristic_code="45G1",
                            fullness_code="5",
                            seal_id=(mf.Seal(value="S1", agency_code="CA"),),
                        ),
                    ),
                    consignment_item=(mf.ConsignmentItem(commodity=mf.Commodity(cargo_description="PARTS")),),
                ),
            ),
            additional_information=mf.AdditionalInformation(content="LOADED"),
        ),
    )
    root = etree.fromstring(mf.encode_manifest(m))
    body = root[1]
    assert [etree.QName(c).localname for c in body] == [
        "Carrier",
        "BorderTransportMeans",
        "Consignment",
        "AdditionalInformation",
    ]
    assert [etree.QName(c).localname for c in body[2]] == [
        "TransportContractDocument",
        "LoadingLocation",
        "ConsignmentPackaging",
        "TotalGrossMassMeasure",
        "TransportSplitIndicator",
        "TransportEquipment",
        "ConsignmentItem",
    ]
    assert [etree.QName(c).localname for c in body[2][5]] == [
        "EquipmentIdentification",
        "CharacteristicCode",
        "FullnessCode",
        "SealID",
    ]
    assert body[2][5][3].get("AgencyCode") == "CA"
    assert mf.decode_manifest(etree.tostring(root)) == m


def test_model_declarations_build_the_spec_from_the_attributes() -> None:
    from eport.edi.manifest._fields import attribute, child, manifest_model, number, text, texts

    @manifest_model("Thing", doc="a test block")
    @attrs.frozen(kw_only=True)
    class Thing:
        value: Decimal | None = number(mf.TEXT)
        code: str | None = attribute("code", "代码")
        name: str | None = text("Name", "名称", default="x")
        tags: tuple[str, ...] = texts("Tag")
        seal: mf.Seal | None = child("SealID", mf.Seal, required=True)

    spec = Thing.__eport_spec__  # type: ignore[attr-defined]
    assert (spec.tag, spec.namespace, spec.family, spec.doc) == ("Thing", None, "manifest", "a test block")
    assert [(f.name, f.tag, f.kind.name, f.min_occurs, f.max_occurs) for f in spec.fields] == [
        ("value", mf.TEXT, "DECIMAL", 0, 1),
        ("name", "Name", "STRING", 0, 1),
        ("tags", "Tag", "STRING", 0, None),
        ("seal", "SealID", "MODEL", 1, 1),
    ]
    assert [(a.name, a.tag, a.doc) for a in spec.attributes] == [("code", "code", "代码")]
    assert Thing(seal=mf.Seal(value="S1")) == Thing(seal=mf.Seal(value="S1"), name="x", tags=())
    with pytest.raises(TypeError):
        Thing()  # type: ignore[call-arg]  # a required child has no default


def test_an_undeclared_attribute_is_refused() -> None:
    from eport.edi.manifest._fields import manifest_model

    with pytest.raises(TypeError, match=r"Plain\.value"):

        @manifest_model("Plain")
        @attrs.frozen
        class Plain:
            value: str | None = None


@pytest.mark.parametrize(
    "cls", [mf.Declaration, mf.Consignment, mf.RoadDeclaration, mf.RoadConsignment, mf.Head, mf.Response, mf.Amount]
)
def test_every_attribute_is_in_the_spec_once(cls: type) -> None:
    spec = cls.__eport_spec__  # type: ignore[attr-defined]
    in_spec = [f.name for f in spec.fields] + [a.name for a in spec.attributes]
    assert sorted(in_spec) == sorted(a.name for a in attrs.fields(cls))
