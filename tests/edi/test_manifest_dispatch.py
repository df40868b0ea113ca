"""Manifests go through ``eport.edi.decode``/``decode_lenient``/``encode`` and ``eport.edi.validate*`` too."""

from __future__ import annotations

import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from eport import edi
from eport.edi import dxp
from eport.edi import manifest as mf
from eport.edi.ceb.family import NS as CEB_NS
from eport.edi.core import registry
from eport.edi.dec import DecMessage
from eport.edi.manifest import family as manifest_family
from eport.errors import ConfigurationError, DecodeError, UnknownMessageError
from tests.edi import samples
from tests.edi.test_manifest_writers import canonical

DATA = Path(__file__).parent / "data" / "manifest"
FIXTURES = [
    "mt2101_sea_preloading.xml",
    "mt3101_sea_arrival.xml",
    "mt1401_road_original.xml",
    "mt1401_road_delete.xml",
    "mt9999_response.xml",
]


@pytest.mark.parametrize("name", FIXTURES)
def test_decode_and_encode_dispatch_manifests(name: str) -> None:
    data = (DATA / name).read_bytes()
    message = edi.decode(data)
    assert isinstance(message, mf.Manifest)
    assert message == mf.decode_manifest(data)
    assert edi.encode(message) == mf.encode_manifest(message)
    lenient = edi.decode_lenient(data)
    assert lenient.message == message
    assert lenient.problems == ()
    assert lenient.unparsed == ()


def test_lenient_manifest_keeps_unknown_elements() -> None:
    data = (DATA / "mt2101_sea_preloading.xml").read_bytes().replace(b"<SendTime>", b"<Extra>x</Extra><SendTime>", 1)
    decoded = edi.decode_lenient(data)
    assert [p.code for p in decoded.problems] == ["unknown-element"]
    assert [u.path for u in decoded.unparsed] == ["/Manifest/Head/Extra"]


def test_other_unknown_roots_still_raise_unknown_message_error() -> None:
    with pytest.raises(UnknownMessageError):
        edi.decode(b"<Nope>urn:Declaration:datamodel:standard:CN:MT2101:1</Nope>")
    with pytest.raises(UnknownMessageError):
        edi.decode_lenient(b"<Nope/>")
    with pytest.raises(DecodeError, match="root"):  # an explicit model is never second-guessed
        edi.decode((DATA / "mt2101_sea_preloading.xml").read_bytes(), model=DecMessage)


def test_manifests_have_no_edition() -> None:
    message = mf.decode_manifest((DATA / "mt2101_sea_preloading.xml").read_bytes())
    with pytest.raises(ConfigurationError, match="edition"):
        edi.encode(message, edition="2018")


@pytest.mark.parametrize("name", FIXTURES)
def test_validate_uses_the_manifest_codec(name: str) -> None:
    # Before the review the generic encoder wrote manifests: road MT1401 failed with a bogus "encode" error.
    report = edi.validate(edi.decode((DATA / name).read_bytes()))
    assert report.ok
    assert [p.code for p in report.problems] == ["no-schema"]


def test_validate_bytes_runs_the_manifest_rules() -> None:
    # Before the review validate_bytes could not decode manifests, ran no rule and called this file valid.
    data = (DATA / "mt2101_sea_preloading.xml").read_bytes()
    bad = re.sub(rb"<SendTime>[^<]*", b"<SendTime>2024", data)
    report = edi.validate_bytes(bad)
    assert not report.ok
    assert ("/Manifest/Head/SendTime", "send-time") in {(p.path, p.code) for p in report.problems}


def test_validate_bytes_reports_structure_problems_of_manifests() -> None:
    data = (DATA / "mt2101_sea_preloading.xml").read_bytes().replace(b"<SendTime>", b"<Extra>x</Extra><SendTime>", 1)
    report = edi.validate_bytes(data)
    assert ("/Manifest/Head/Extra", "unknown-element") in {(p.path, p.code) for p in report.problems}
    assert not report.ok


def test_manifest_inside_an_envelope_is_validated() -> None:
    data = (DATA / "mt2101_sea_preloading.xml").read_bytes()
    bad = re.sub(rb"<SendTime>[^<]*", b"<SendTime>2024", data)
    envelope = dxp.wrap(bad, sender_id="DXPENT0000012345", receiver_ids="EPORT", msg_type="MT2101")
    report = edi.validate_bytes(dxp.encode_envelope(envelope))
    assert "/dxp:DxpMsg/dxp:Data/Manifest/Head/SendTime" in {p.path for p in report.problems}


@pytest.mark.parametrize(
    ("old", "new", "code", "path"),
    [
        (b"<SendTime>", b'<SendTime foo="bar">', "unknown-attribute", "/Manifest/Head/SendTime/@foo"),
        (b"<SendTime>", b"<SendTime><b>t</b>", "unknown-element", "/Manifest/Head/SendTime/b"),
        (b"</Head>", b"stray text</Head>", "unexpected-text", "/Manifest/Head"),
    ],
    ids=["attribute", "element-in-value", "text-between-elements"],
)
def test_manifest_content_without_a_place_is_reported(old: bytes, new: bytes, code: str, path: str) -> None:
    # Before the review the manifest codec dropped these silently, even in strict mode.
    data = (DATA / "mt2101_sea_preloading.xml").read_bytes().replace(old, new, 1)
    with pytest.raises(DecodeError) as caught:
        mf.decode_manifest(data)
    assert caught.value.path == path
    lenient = mf.decode_manifest_lenient(data)
    assert (path, code) in {(p.path, p.code) for p in lenient.problems}
    if code != "unexpected-text":
        assert path in {u.path for u in lenient.unparsed}


def test_comments_inside_values_do_not_cut_them() -> None:
    data = (DATA / "mt2101_sea_preloading.xml").read_bytes()
    message = mf.decode_manifest(data)
    send_time = message.head.send_time
    assert send_time is not None
    split = data.replace(send_time.encode(), f"{send_time[:8]}<!-- date|time -->{send_time[8:]}".encode(), 1)
    assert mf.decode_manifest(split) == message


@pytest.mark.parametrize("name", FIXTURES)
def test_fixtures_reencode_to_the_same_canonical_xml(name: str) -> None:
    data = (DATA / name).read_bytes()
    assert canonical(edi.encode(edi.decode(data))) == canonical(data)


def test_arrival_report_carries_containers_at_declaration_level() -> None:
    message = edi.decode((DATA / "mt3101_sea_arrival.xml").read_bytes())
    body = message.declaration
    assert isinstance(body, mf.Declaration)
    assert body.unloading_location == mf.Location(id="CNWUH/4201", arrival_date="20240105")
    containers = [e.equipment_identification for e in body.transport_equipment]
    assert containers == [mf.Identification(id="TEST1234567"), mf.Identification(id="TEST7654321")]
    assert [e.characteristic_code for e in body.transport_equipment] == ["22G1", "45G1"]
    assert body.consignment == ()


def test_road_delete_carries_change_information() -> None:
    message = edi.decode((DATA / "mt1401_road_delete.xml").read_bytes())
    assert message.head.function_code == "3"
    body = message.declaration
    assert isinstance(body, mf.RoadDeclaration)
    document = body.consignment[0].transport_contract_document
    assert document is not None
    assert document.amendment == mf.Amendment(
        change_information=mf.ChangeInformation(reason="车辆改派 truck changed", contact="张三", phone="075500000000"),
        change_reason_code=("001",),
    )


@pytest.mark.parametrize("name", ["MT2101", "CN_MT2101", "mt1401", "CN_MT9999", "MT3101", "MTECEX"])
def test_registry_finds_manifests_by_name(name: str) -> None:
    assert registry.lookup_name(name) is mf.Manifest
    assert registry.resolve_name(name) is mf.Manifest


def test_registry_names_of_other_families_and_unknown_names() -> None:
    assert registry.lookup_name("DecMessage") is DecMessage
    assert registry.lookup_name("CEB621Message") is registry.lookup_name("CEB621") is not None
    assert registry.lookup_name("CEB213", edition="2018") is None  # a 202205-only message
    for unknown in ("MT0000", "CN_MT21011", "Manifest", "", "Nope"):
        assert registry.lookup_name(unknown) is None
    with pytest.raises(UnknownMessageError, match="MT0000"):
        registry.resolve_name("MT0000")
    with pytest.raises(ConfigurationError, match="edition"):
        registry.lookup_name("MT2101", edition="2016")


@pytest.mark.parametrize("name", FIXTURES)
def test_registry_finds_manifests_by_root(name: str) -> None:
    root = etree.fromstring((DATA / name).read_bytes())
    qname = etree.QName(root)
    message = edi.decode((DATA / name).read_bytes())
    assert manifest_family.manifest_type(qname.namespace, qname.localname) == message.message_type
    assert registry.lookup_any(qname.namespace, qname.localname) is mf.Manifest
    assert registry.lookup(qname.namespace, qname.localname) is None  # not a root the generic engine decodes
    assert qname.namespace == manifest_family.NS_TEMPLATE.format(message.message_type)


def test_registry_root_lookup_rejects_near_manifests() -> None:
    ns = "urn:Declaration:datamodel:standard:CN:MT2101:1"
    assert manifest_family.manifest_type(ns, "Declaration") is None
    assert manifest_family.manifest_type(ns.replace(":1", ":2"), "Manifest") is None
    assert manifest_family.manifest_type(None, "Manifest") is None
    assert registry.lookup_any(ns, "Declaration") is None
    assert registry.lookup_any(CEB_NS, "CEB621Message") is registry.lookup(CEB_NS, "CEB621Message")


def test_batch_encoding_mixes_families() -> None:
    ceb = edi.decode(samples.load("import/CEB621Message.xml").data)
    declaration = edi.decode((DATA.parent / "dec" / "dec_import_air_full.xml").read_bytes())
    manifests = [edi.decode((DATA / name).read_bytes()) for name in FIXTURES]
    batch = [manifests[0], ceb, manifests[1], declaration, *manifests[2:]]
    sink = io.BytesIO()
    assert edi.encode_many(batch, sink) == len(batch)
    documents = [b"<?xml" + d for d in sink.getvalue().split(b"<?xml") if d]
    assert [edi.decode(d) for d in documents] == batch
    assert list(edi.iter_encode(batch)) == [edi.encode(m) for m in batch]
    namespaces = [etree.QName(etree.fromstring(d)).namespace for d in documents]
    assert namespaces[0] == "urn:Declaration:datamodel:standard:CN:MT2101:1"
    assert namespaces[2] == "urn:Declaration:datamodel:standard:CN:MT3101:1"


@pytest.mark.parametrize("name", FIXTURES)
def test_manifests_round_trip_through_the_dxp_envelope(name: str) -> None:
    message = edi.decode((DATA / name).read_bytes())
    envelope = dxp.wrap(
        edi.encode(message), sender_id="DXPENT0000012345", receiver_ids="EPORT", msg_type=message.message_type
    )
    received = dxp.decode_envelope(dxp.encode_envelope(envelope))
    assert isinstance(received, dxp.DxpMsg)
    assert received.trans_info.msg_type == message.message_type
    assert edi.decode(dxp.unwrap(received)) == message


def test_response_statements_per_bill_and_per_container() -> None:
    message = edi.decode((DATA / "mt9999_response.xml").read_bytes())
    response = message.response
    assert response is not None
    assert response.statement is mf.StatementCode.ACCEPTED
    means = response.border_transport_means
    assert means is not None
    assert [(e.id, e.statement) for e in means.transport_equipment] == [
        ("TEST1234567", mf.StatementCode.LOADING_REFUSED)
    ]
    assert [(c.transport_contract_document, c.statement) for c in response.consignment] == [
        (mf.Identification(id="WUHJEA2401001"), mf.StatementCode.REJECTED)
    ]
    # the generated response schema puts the statement before the bill: that order is written back
    root = etree.fromstring(edi.encode(message))
    consignment = root.find("{*}Response/{*}Consignment")
    assert consignment is not None
    assert [etree.QName(c).localname for c in consignment] == ["AdditionalInformation", "TransportContractDocument"]


def test_air_preloading_in_the_mt2201_sample_order_is_read_leniently() -> None:
    # Known disagreement between sources (docs/manifests.md): TransportSplitIndicator before FreightPayment.
    data = (DATA / "mt2201_air_preloading.xml").read_bytes()
    with pytest.raises(DecodeError) as caught:
        edi.decode(data)
    assert caught.value.path == "/Manifest/Declaration/Consignment/FreightPayment"
    decoded = edi.decode_lenient(data)
    assert [(p.path, p.code) for p in decoded.problems] == [
        ("/Manifest/Declaration/Consignment/FreightPayment", "element-order"),
        ("/Manifest/Declaration/Consignment/ConsignmentPackaging", "element-order"),
        ("/Manifest/Declaration/Consignment/TotalGrossMassMeasure", "element-order"),
    ]
    assert decoded.unparsed == ()
    consignment = decoded.message.declaration.consignment[0]
    assert consignment.transport_split_indicator == "0"
    assert consignment.freight_payment == mf.FreightPayment(method_code="PP")
    assert consignment.total_gross_mass_measure == mf.Measure(value=Decimal(680))
    assert consignment.consignment_item[0].commodity == mf.Commodity(cargo_description="CONSOL")


def test_other_messages_that_mention_the_manifest_namespace_still_decode() -> None:
    # eport.edi.decode tries the manifest codec first when the bytes mention a manifest namespace.
    data = samples.load("import/CEB621Message.xml").data
    message = edi.decode(data)
    mention = b"<!-- urn:Declaration:datamodel:standard:CN:MT2101:1 -->"
    marked = data.replace(b"<ceb:CEB621Message", mention + b"<ceb:CEB621Message", 1)
    assert mention in marked
    assert edi.decode(marked) == message
    assert edi.decode_lenient(marked).message == message
    with pytest.raises(DecodeError, match="not a manifest") as caught:
        mf.decode_manifest(marked)
    assert isinstance(caught.value, UnknownMessageError)
