"""File-drop helpers: layout, file names, EdocID rule, zip packages, receipt classification by content."""

from __future__ import annotations

import io
import zipfile
from pathlib import PurePosixPath

import pytest

from eport.edi.dec import filedrop
from eport.edi.dec.filedrop import EdocId, ReceiptKind, classify_receipt
from eport.errors import ConfigurationError, DecodeError, EncodeError


def test_layout_is_pure_paths() -> None:
    dec = filedrop.declaration_layout(PurePosixPath("/srv/ImpPath"))
    assert dec.out_box == PurePosixPath("/srv/ImpPath/DecCus001/OutBox")
    assert [p.name for p in dec.boxes] == ["OutBox", "InBox", "SentBox", "FailBox"]
    assert filedrop.manifest_layout("/srv/ImpPath").in_box.as_posix() == "/srv/ImpPath/Rmft/InBox"


def test_file_names() -> None:
    assert filedrop.declaration_file_name("201802260951588560") == "Dec201802260951588560.xml"
    assert filedrop.declaration_package_name("X1") == "DecX1.zip"
    assert filedrop.manifest_file_name("K0001") == "ManifestK0001.xml"
    assert filedrop.temporary_name("Dec1.zip") == "Dec1.zip.temp"
    assert filedrop.client_seq_no_from_name("Receipt_I20180000147015879.xml") == "I20180000147015879"
    assert filedrop.client_seq_no_from_name("readme.txt") is None


@pytest.mark.parametrize("bad", ["../etc/passwd", "a/b", "", "x" * 65, "con sole"])
def test_unsafe_numbers_are_refused(bad: str) -> None:
    with pytest.raises(ConfigurationError):
        filedrop.declaration_file_name(bad)


def test_edoc_id_rule_round_trips() -> None:
    value = filedrop.edoc_id("3713", "00000001", 42)
    assert value == "371300000001IM000000000000000042.pdf"
    parsed = EdocId.parse(value)
    assert (parsed.port, parsed.edoc_code, parsed.serial) == ("3713", "00000001", 42)
    assert str(parsed) == value


@pytest.mark.parametrize(
    "bad",
    ["371300000001IM42.pdf", "37100000001IM000000000000000042.pdf", "371300000001XX000000000000000042.pdf"],
)
def test_edoc_id_parse_rejects_malformed(bad: str) -> None:
    with pytest.raises(ConfigurationError):
        EdocId.parse(bad)


def test_edoc_id_rejects_bad_parts() -> None:
    with pytest.raises(ConfigurationError, match="4 characters"):
        filedrop.edoc_id("37", "00000001", 1)
    with pytest.raises(ConfigurationError, match="18 digits"):
        filedrop.edoc_id("3713", "00000001", 10**18)


def test_package_holds_message_and_documents_and_is_deterministic() -> None:
    doc = filedrop.edoc_id("3713", "00000001", 1)
    name, data = filedrop.package_declaration("C1", b"<DecMessage/>", {doc: b"%PDF-1.4"}, edoc_ids=[doc])
    assert name == "DecC1.zip"
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.namelist() == ["DecC1.xml", doc]
        assert zf.read(doc) == b"%PDF-1.4"
    again = filedrop.package_declaration("C1", b"<DecMessage/>", {doc: b"%PDF-1.4"}, edoc_ids=[doc])[1]
    assert again == data
    xml, others = filedrop.read_package(data)
    assert xml == b"<DecMessage/>"
    assert others == {doc: b"%PDF-1.4"}


def test_package_checks_documents_against_edoc_entries() -> None:
    doc = filedrop.edoc_id("3713", "00000001", 1)
    with pytest.raises(EncodeError, match="not attached"):
        filedrop.package_declaration("C1", b"<x/>", {}, edoc_ids=[doc])
    with pytest.raises(EncodeError, match="no EdocRealation"):
        filedrop.package_declaration("C1", b"<x/>", {doc: b"pdf"})


def test_read_package_refuses_bad_input() -> None:
    with pytest.raises(DecodeError, match="not a zip"):
        filedrop.read_package(b"nope")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("../evil.xml", b"<x/>")
    with pytest.raises(DecodeError, match="unsafe"):
        filedrop.read_package(buf.getvalue())
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("a.pdf", b"x")
    with pytest.raises(DecodeError, match=r"no \.xml"):
        filedrop.read_package(buf.getvalue())
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("big.xml", b"0" * 10_000)
    with pytest.raises(DecodeError, match="more than"):
        filedrop.read_package(buf.getvalue(), max_size=1000)


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (
            b"<DecImportResponse xmlns='http://www.chinaport.gov.cn/dec'><ResponseCode>0</ResponseCode>"
            b"</DecImportResponse>",
            ReceiptKind.DEC_IMPORT_RESPONSE,
        ),
        (b"<DEC_RESULT><CHANNEL>P</CHANNEL></DEC_RESULT>", ReceiptKind.DEC_RESULT),
        (
            "<?xml version='1.0' encoding='GB2312'?><DEC_DATA><DEC_RESULT/></DEC_DATA>".encode("gb2312"),
            ReceiptKind.DEC_DATA,
        ),
        (b"<Root><failInfo>bad</failInfo></Root>", ReceiptKind.FAIL_INFO),
        (
            b"<Manifest xmlns='urn:Declaration:datamodel:standard:CN:MT9999:1'><Head/></Manifest>",
            ReceiptKind.MANIFEST_RESPONSE,
        ),
        (
            b"<Manifest xmlns='urn:Declaration:datamodel:standard:CN:MT2101:1'><Head><MessageType>MT2101"
            b"</MessageType></Head><Response/></Manifest>",
            ReceiptKind.MANIFEST_RESPONSE,
        ),
        (
            b"<Manifest xmlns='urn:Declaration:datamodel:standard:CN:MT2101:1'><Head><MessageType>MT2101"
            b"</MessageType></Head><Declaration/></Manifest>",
            ReceiptKind.MANIFEST,
        ),
        (
            b"<ceb:CEB622Message xmlns:ceb='http://www.chinaport.gov.cn/ceb'><ceb:InventoryReturn/>"
            b"</ceb:CEB622Message>",
            ReceiptKind.CEB_RECEIPT,
        ),
        (
            b"<ceb:CEB621Message xmlns:ceb='http://www.chinaport.gov.cn/ceb'><ceb:Inventory/></ceb:CEB621Message>",
            ReceiptKind.CEB_MESSAGE,
        ),
        (b"<DecMessage xmlns='http://www.chinaport.gov.cn/dec'><DecHead/></DecMessage>", ReceiptKind.DEC_MESSAGE),
        (b"<dxp:DxpMsg xmlns:dxp='http://www.chinaport.gov.cn/dxp'/>", ReceiptKind.DXP_ENVELOPE),
        (b"<Other/>", ReceiptKind.UNKNOWN),
    ],
)
def test_classify_by_content_not_name(data: bytes, kind: ReceiptKind) -> None:
    assert classify_receipt(data) is kind


def test_classify_refuses_malformed_and_hostile_input() -> None:
    with pytest.raises(DecodeError):
        classify_receipt(b"<a>")
    with pytest.raises(DecodeError):
        classify_receipt(b'<!DOCTYPE a SYSTEM "http://127.0.0.1/x.dtd"><a/>')
