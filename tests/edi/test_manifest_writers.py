"""Road manifests in the layouts other software writes decode, re-encode to the same XML, and pass through
envelopes and batches.

The documents are the project's own, in ``tests/edi/data/writers/`` (written by ``tools/make_writer_documents.py``
with invented values; the README there names the writer whose layout each one has). Comparison: both documents are
parsed without whitespace-only text
(``remove_blank_text``: the originals are indented, eport writes no indentation) and written in exclusive XML
canonical form (C14N 1.0, exclusive, no comments). That form drops what carries no content: the XML declaration and
its ``encoding`` spelling, the byte-order mark, attribute quoting, and namespace declarations no element uses
(the originals declare ``xmlns:xsi`` and ``xmlns:xsd`` without using them). No other normalisation is applied:
element order, text and attribute values (``2.000`` stays ``2.000``) must come back exactly.
"""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import attrs
import pytest
from lxml import etree

from eport import edi
from eport.edi import dxp
from eport.edi import manifest as mf

DATA = Path(__file__).parent / "data" / "writers"


@attrs.frozen(kw_only=True)
class Case:
    """One document and the values a reader sees in it."""

    file: str
    source: str
    message_type: str
    message_id: str
    bills: tuple[str, ...]
    packages: tuple[tuple[Decimal, str], ...]  # TotalPackageQuantity and its unitCode, per consignment
    items: tuple[int, ...]  # ConsignmentItem count per consignment
    warnings: tuple[str, ...] = ()  # rule codes eport.edi.validate reports (all warnings)


CASES = [
    Case(
        file="mt1401_dotnet_template.xml",
        source=".NET template MT1401",
        message_type="MT1401",
        message_id="CN_MT1401_1p0_5317SAMPLE001_20180221163412760",
        bills=("SAMPLE-B1", "SAMPLE-B2"),
        packages=((Decimal(233), "CT"), (Decimal(211), "PK")),
        items=(3, 3),
    ),
    Case(
        file="mt2401_dotnet_template.xml",
        source=".NET template MT2401",
        message_type="MT2401",
        message_id="CN_MT2401_1p0_5317SAMPLE001_20180221163412760",
        bills=("SAMPLE-B1", "SAMPLE-B2"),
        packages=((Decimal(233), "CT"), (Decimal(211), "PK")),
        items=(3, 3),
    ),
    Case(
        file="mt1401_dotnet_one_bill.xml",
        source=".NET XmlSerializer MT1401, one bill",
        message_type="MT1401",
        message_id="SAMPLEXD20240510001",
        bills=("SAMPLEXD20240510001",),
        packages=((Decimal(1), "CT"),),
        items=(1,),
        warnings=("message-id",),  # the bill number used as MessageID, not CN_MT1401_1p0_<sender>_<time>
    ),
]
IDS = [c.source for c in CASES]


def canonical(data: bytes) -> bytes:
    """Exclusive C14N of ``data`` with whitespace-only text dropped (see the module docstring)."""
    parser = etree.XMLParser(remove_blank_text=True, resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.fromstring(data, parser)
    return etree.tostring(root, method="c14n", exclusive=True, with_comments=False)


def test_every_manifest_in_the_folder_is_a_case_and_is_described_in_the_readme() -> None:
    files = sorted(p.name for p in DATA.glob("mt*.xml"))
    assert files == sorted(c.file for c in CASES)
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    for name in files:
        assert f"`{name}`" in readme


def test_the_writers_layouts_are_in_the_files() -> None:
    template = (DATA / "mt1401_dotnet_template.xml").read_bytes()
    assert template.startswith(b'<?xml version="1.0" encoding="utf-8"?>\n<Manifest xmlns:xsi=')
    assert b'xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns="urn:' in template
    one = (DATA / "mt1401_dotnet_one_bill.xml").read_bytes()
    assert one.startswith(b'\xef\xbb\xbf<?xml version="1.0" encoding="utf-8"?>\n<Manifest xmlns:xsd=')
    assert b'<GrossMassMeasure unitCode="KGM">2.000</GrossMassMeasure>' in one


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_decodes_strictly_and_reencodes_to_the_same_canonical_xml(case: Case) -> None:
    data = (DATA / case.file).read_bytes()
    message = edi.decode(data)  # the public entry point routes manifests to their codec
    assert isinstance(message, mf.Manifest)
    assert message == mf.decode_manifest(data)
    lenient = edi.decode_lenient(data)
    assert (lenient.problems, lenient.unparsed) == ((), ())
    again = edi.encode(message)
    assert again.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    assert canonical(again) == canonical(data)
    assert edi.decode(again) == message


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_values_are_read(case: Case) -> None:
    message = edi.decode((DATA / case.file).read_bytes())
    assert message.head.message_id == case.message_id
    assert message.message_type == case.message_type
    assert message.namespace == f"urn:Declaration:datamodel:standard:CN:{case.message_type}:1"
    body = message.declaration
    assert isinstance(body, mf.RoadDeclaration)  # MTx4yy: the road body
    assert tuple(c.transport_contract_document.id for c in body.consignment) == case.bills
    packages = tuple((c.total_package_quantity.value, c.total_package_quantity.unit_code) for c in body.consignment)
    assert packages == case.packages
    assert tuple(len(c.consignment_item) for c in body.consignment) == case.items
    for consignment in body.consignment:
        assert [i.sequence_numeric for i in consignment.consignment_item] == [
            Decimal(n) for n in range(1, len(consignment.consignment_item) + 1)
        ]


def test_details_of_the_template_mt1401() -> None:
    message = edi.decode((DATA / "mt1401_dotnet_template.xml").read_bytes())
    body = message.declaration
    assert isinstance(body, mf.RoadDeclaration)
    assert (body.declaration_office_id, body.id) == ("5317", "SAMPLETRIP01")
    first = body.consignment[0]
    assert first.value_amount == mf.Amount(value=Decimal("777.00"), currency_id="HKD")
    assert str(first.value_amount.value) == "777.00"  # the scale survives
    assert first.border_transport_means is not None
    assert first.border_transport_means.itinerary is not None
    assert first.border_transport_means.itinerary.routing_country_code == ("HK",) * 4
    assert first.consignee is not None
    assert first.consignee.contact is not None
    assert first.consignee.contact.communication[0] == mf.Communication(id="13800000000", type_id="EM")
    item = first.consignment_item[0]
    assert item.goods_measure == mf.GoodsMeasure(gross_mass_measure=mf.Measure(value=Decimal(101), unit_code="KGM"))
    assert item.packaging == mf.RoadPackaging(quantity_quantity=mf.Measure(value=Decimal(10), unit_code="CT"))
    assert [e.id for e in first.transport_equipment] == ["SAMPLEBOX002", "SAMPLEBOX003", "SAMPLEBOX001"]
    assert first.transport_contract_document is not None
    assert first.transport_contract_document.deconsolidator == mf.Identification(id="000000000")
    assert first.transit_destination is None
    assert body.consignment[1].transit_destination == mf.Identification(id="5300")
    assert body.unloading_location == mf.RoadUnloadingLocation(arrival_date_time="20180222", id="5317")


def test_details_of_the_one_bill_mt1401() -> None:
    message = edi.decode((DATA / "mt1401_dotnet_one_bill.xml").read_bytes())
    assert message.head.sender_id == "5303SAMPLE002_DXPESW0000099998"
    assert mf.parse_send_time(message.head.send_time or "").isoformat() == "2024-05-12T02:53:37.834000+08:00"
    body = message.declaration
    assert isinstance(body, mf.RoadDeclaration)
    consignment = body.consignment[0]
    assert consignment.consignee == mf.Party(name="样例供应链（深圳）有限公司")
    assert consignment.government_procedure == mf.GovernmentProcedure(current_code="RD01")
    gross = consignment.government_agency_goods_item
    assert gross is not None
    assert gross.goods_measure is not None
    assert gross.goods_measure.gross_mass_measure is not None
    assert str(gross.goods_measure.gross_mass_measure.value) == "2.000"  # the scale survives decode and encode


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_validation(case: Case) -> None:
    report = edi.validate_bytes((DATA / case.file).read_bytes())
    assert report.ok
    assert sorted(p.code for p in report.problems if p.code != "no-schema") == sorted(case.warnings)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_round_trip_through_a_dxp_envelope(case: Case) -> None:
    data = (DATA / case.file).read_bytes()
    message = edi.decode(data)
    envelope = dxp.wrap(
        edi.encode(message), sender_id="DXPENT0000012345", receiver_ids="EPORT", msg_type=case.message_type
    )
    wire = dxp.encode_envelope(envelope)
    received = dxp.decode_envelope(wire)
    assert isinstance(received, dxp.DxpMsg)
    assert received.trans_info.msg_type == case.message_type
    payload = dxp.unwrap(wire)
    assert edi.decode(payload) == message
    assert canonical(payload) == canonical(data)
    # the original bytes, BOM and all, survive the envelope unchanged
    assert dxp.unwrap(dxp.encode_envelope(dxp.wrap(data, sender_id="DXPENT0000012345", receiver_ids="EPORT"))) == data


def test_batch_encoding_of_a_mix_writes_each_manifest_in_its_own_namespace() -> None:
    manifests = [edi.decode((DATA / c.file).read_bytes()) for c in CASES]
    sink = io.BytesIO()
    assert edi.encode_many(manifests, sink) == len(CASES)
    documents = [b"<?xml" + d for d in sink.getvalue().split(b"<?xml") if d]
    assert [edi.decode(d) for d in documents] == manifests
    assert list(edi.iter_encode(manifests)) == [edi.encode(m) for m in manifests]
