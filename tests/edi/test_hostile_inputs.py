"""Random and mutated bytes given to the public decode/parse functions of eport.edi raise only EportError.

Seeds are the official CEB samples (read through ``tests.edi.samples``) and our declaration/manifest fixtures;
hypothesis flips, cuts, splices and injects hostile fragments (DTDs, entities, bad encodings) into them.
"""

from __future__ import annotations

import importlib
import io
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from eport.edi import dxp
from eport.edi import manifest as mf
from eport.edi.core import validation
from eport.edi.core.dispatch import decode, decode_lenient
from eport.edi.dec import classify_receipt, decode_declaration, parse_dec_receipt
from eport.edi.dec._xlsx import read_xlsx
from eport.edi.dec.codec import decode_declaration_lenient
from eport.edi.dec.receipts import DecData
from eport.edi.sheets import read_declarations
from eport.errors import ConfigurationError, DecodeError, EportError
from tests.edi.samples import load, present, sample_keys

receipts_module = importlib.import_module("eport.edi.ceb.receipts")  # ``eport.edi.ceb.receipts`` is the function

DATA = Path(__file__).parent / "data"
# The project's own documents, plus every fourth official sample when the reference set is there (extra seeds only:
# the official samples have their own tests, which fail in CI without the set).
SEEDS: list[bytes] = [p.read_bytes() for p in sorted(DATA.glob("*/*.xml"))] + (
    [load(key).data for key in sample_keys()[::4]] if present() else []
)

PUBLIC: dict[str, Callable[[bytes], Any]] = {
    "decode": decode,
    "decode_lenient": decode_lenient,
    "dxp.decode_envelope": dxp.decode_envelope,
    "dxp.unwrap": dxp.unwrap,
    "receipts.parse_receipts": receipts_module.parse_receipts,
    "validate_bytes": validation.validate_bytes,
    "decode_declaration": decode_declaration,
    "decode_declaration_lenient": decode_declaration_lenient,
    "parse_dec_receipt": parse_dec_receipt,
    "classify_receipt": classify_receipt,
    "decode_manifest": mf.decode_manifest,
    "decode_manifest_lenient": mf.decode_manifest_lenient,
}

HOSTILE = [
    b'<!DOCTYPE x [<!ENTITY a "b">]>',
    b"&a;",
    b"<x>",
    b"</",
    b"\xff\xfe",
    b'encoding="gb2312"',
    b'encoding="no-such-codec"',
    b"-1",
    b"99999999999999999999",
    b"NaN",
    b"1e400",
    b"\x00",
]


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 4))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        op = draw(st.sampled_from(["flip", "cut", "splice", "inject", "truncate"]))
        if op == "flip":
            data[at] = draw(st.integers(0, 255))
        elif op == "cut":
            del data[at : at + draw(st.integers(1, 60))]
        elif op == "splice":
            src = draw(st.integers(0, len(data) - 1))
            data[at:at] = data[src : src + draw(st.integers(1, 80))]
        elif op == "inject":
            data[at:at] = draw(st.sampled_from(HOSTILE))
        else:
            del data[at:]
    return bytes(data)


def _only_eport_errors(data: object) -> None:
    for name, function in PUBLIC.items():
        try:
            function(data)  # type: ignore[arg-type]
        except EportError:
            pass
        except Exception as exc:  # the point of the test
            pytest.fail(f"{name} let {type(exc).__name__} escape: {exc!r}")


@given(mutated() | st.binary(max_size=400))
def test_mutated_documents_raise_only_eport_errors(data: bytes) -> None:
    _only_eport_errors(data)


@pytest.mark.parametrize("value", ["<a/>", None, 42, ["<a/>"]], ids=["str", "None", "int", "list"])
def test_values_that_are_not_bytes_raise_decode_error(value: object) -> None:
    _only_eport_errors(value)
    with pytest.raises(DecodeError, match="expected bytes"):
        receipts_module.parse_receipts(value)


_ENTITY_RECEIPT = "<DEC_RESULT><CHANNEL>&b;</CHANNEL><ENTRY_ID>5301</ENTRY_ID></DEC_RESULT>"
_DTD = '<!DOCTYPE r [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>'


@pytest.mark.parametrize(
    "data",
    [
        (b'<?xml version="1.0"?><!--' + b"x" * 5000 + b"-->" + _DTD.encode() + _ENTITY_RECEIPT.encode()),
        ('<?xml version="1.0" encoding="UTF-16"?>' + _DTD + _ENTITY_RECEIPT).encode("utf-16"),
        b'<!DOCTYPE r [<!ENTITY b SYSTEM "file:///etc/passwd">]>' + _ENTITY_RECEIPT.encode(),
    ],
    ids=["after-a-long-comment", "utf-16", "external-entity"],
)
@pytest.mark.parametrize("function", [parse_dec_receipt, classify_receipt])
def test_declaration_receipts_refuse_a_dtd_anywhere(function: Callable[[bytes], Any], data: bytes) -> None:
    # Before the review, a DTD after 4 KiB of comment (or in UTF-16) slipped past the prefix check and the
    # unexpanded entity silently emptied CHANNEL (data loss).
    with pytest.raises(DecodeError, match=r"DOCTYPE|DTD"):
        function(data)


def test_gb2312_receipts_without_declaration_still_read() -> None:
    data = "<DEC_RESULT><CHANNEL>L</CHANNEL><NOTE>放行</NOTE></DEC_RESULT>".encode("gb2312")
    assert parse_dec_receipt(data).note == "放行"


# Company names with characters GBK has and GB2312 lacks (堃 喆 珺), in receipts that declare GB2312.
GBK_ONLY_NAME = "深圳市堃喆珺贸易有限公司"


@pytest.mark.parametrize("declared", ["GB2312", "gb2312", "GBK", "gb_2312-80"])
def test_a_gb2312_ceb_receipt_with_gbk_only_characters_keeps_its_status(declared: str) -> None:
    text = load("import/CEB622Message.xml").data.decode("utf-8")
    text = text.replace('encoding="UTF-8"', f'encoding="{declared}"').replace("暂存", f"{GBK_ONLY_NAME} 暂存", 1)
    data = text.encode("gbk")
    with pytest.raises(UnicodeEncodeError):
        GBK_ONLY_NAME.encode("gb2312")  # the test's premise
    (first, *_) = receipts_module.parse_receipts(data)
    assert first.return_status == "1"
    assert first.info == f"{GBK_ONLY_NAME} 暂存"
    assert decode(data) == decode(text.replace(f'encoding="{declared}"', 'encoding="UTF-8"').encode("utf-8"))


def test_a_gb2312_dec_data_receipt_with_gbk_only_characters_keeps_its_status() -> None:
    text = (
        '<?xml version="1.0" encoding="GB2312"?>\n<DEC_DATA><DEC_RESULT><SEQ_NO>I20261128000000007</SEQ_NO>'
        "<ENTRY_ID>531620261000000007</ENTRY_ID><NOTICE_DATE>20261128T15032200</NOTICE_DATE><CHANNEL>P</CHANNEL>"
        f"<NOTE>放行</NOTE><AGENT_NAME>{GBK_ONLY_NAME}</AGENT_NAME></DEC_RESULT>"
        "<RESULT_INFO>海关已放行</RESULT_INFO></DEC_DATA>"
    )
    receipt = parse_dec_receipt(text.encode("gbk"))
    assert isinstance(receipt, DecData)
    assert receipt.status.is_released
    assert receipt.result.agent_name == GBK_ONLY_NAME


def test_a_receipt_that_is_not_gb18030_either_is_still_refused() -> None:
    data = b'<?xml version="1.0" encoding="GB2312"?><DEC_RESULT><NOTE>\xff\xff\xff</NOTE></DEC_RESULT>'
    with pytest.raises(DecodeError):
        parse_dec_receipt(data)


def test_receipts_find_an_envelope_after_a_long_prolog() -> None:
    payload = load("import/CEB622Message.xml").data
    envelope = dxp.wrap(payload, sender_id="DXPENT0000012345", receiver_ids="DXPEDCCEB0000002", msg_type="CEB622")
    data = dxp.encode_envelope(envelope)
    data = data.replace(b"?>", b"?><!--" + b" " * 2000 + b"-->", 1)
    assert receipts_module.parse_receipts(data) == receipts_module.parse_receipts(payload)


# --------------------------------------------------------------------------------------- damaged workbooks
def _workbook() -> bytes:
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    members = {
        "xl/workbook.xml": f'<workbook xmlns="{main}" xmlns:r="http://schemas.openxmlformats.org/officeDocument/'
        '2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        'relationships"><Relationship Id="rId1" Target="worksheets/sheet1.xml" Type="x"/></Relationships>',
        "xl/worksheets/sheet1.xml": f'<worksheet xmlns="{main}"><sheetData><row r="1"><c r="A1" t="inlineStr">'
        '<is><t>客户端编号</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>A1</t></is></c></row>'
        "</sheetData></worksheet>",
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in members.items():
            zf.writestr(name, text.encode())
    return buf.getvalue()


WORKBOOK = _workbook()


def _named(data: bytes) -> io.BytesIO:
    fh = io.BytesIO(data)
    fh.name = "sheet.xlsx"
    return fh


@given(
    st.lists(st.tuples(st.integers(0, len(WORKBOOK) - 1), st.integers(0, 255), st.booleans()), min_size=1, max_size=4)
)
def test_damaged_workbooks_raise_configuration_errors(edits: list[tuple[int, int, bool]]) -> None:
    data = bytearray(WORKBOOK)
    for at, byte, cut in edits:
        if cut:
            del data[at % max(len(data), 1) :]
        elif data:
            data[at % len(data)] = byte
    for read in (lambda: read_xlsx(io.BytesIO(bytes(data))), lambda: read_declarations(_named(bytes(data)))):
        try:
            read()
        except EportError:
            pass
        except Exception as exc:  # the point of the test
            pytest.fail(f"{type(exc).__name__} escaped: {exc!r}")


def test_bad_crc_is_a_configuration_error() -> None:
    data = bytearray(WORKBOOK)
    start = WORKBOOK.index(b"xl/worksheets/sheet1.xml") + len(b"xl/worksheets/sheet1.xml")
    data[start + 5] ^= 0xFF  # inside the compressed sheet: the CRC no longer matches
    with pytest.raises(ConfigurationError, match="workbook"):
        read_xlsx(io.BytesIO(bytes(data)))


# --------------------------------------------------------------------------------------- declaration packages
def _package() -> bytes:
    from eport.edi.dec import filedrop

    edoc = filedrop.edoc_id("3713", "00000001", 1)
    return filedrop.package_declaration("202401050000000001", b"<DecMessage/>", {edoc: b"%PDF"}, edoc_ids=[edoc])[1]


PACKAGE = _package()


@given(st.lists(st.tuples(st.integers(0, len(PACKAGE) - 1), st.integers(0, 255)), min_size=1, max_size=4))
def test_damaged_packages_raise_decode_errors(edits: list[tuple[int, int]]) -> None:
    from eport.edi.dec.filedrop import read_package

    data = bytearray(PACKAGE)
    for at, byte in edits:
        data[at] = byte
    try:
        read_package(bytes(data))
    except EportError:
        pass
    except Exception as exc:  # the point of the test
        pytest.fail(f"{type(exc).__name__} escaped: {exc!r}")


def test_a_package_with_a_repeated_entry_is_refused() -> None:
    from eport.edi.dec.filedrop import read_package

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("Dec1.xml", b"<DecMessage/>")
        zf.writestr("a.pdf", b"first")
        with pytest.warns(UserWarning, match="Duplicate name"):
            zf.writestr("a.pdf", b"second")  # zipfile warns but writes both
    with pytest.raises(DecodeError, match="occurs twice"):
        read_package(buf.getvalue())


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ('dict_code,dict_name,code,text,description\ncit_currency,币制,"' + "9" * 200_000 + '",x,\n', "malformed"),
        # before the review csv.Error escaped here ("new-line character seen in unquoted field")
        ("dict_code,dict_name,code,text,description\ncit_currency,币制,502,美\r元,\n", "malformed"),
        (b"dict_code,dict_name,code,text,description\n\xff\xfe", "not UTF-8"),
    ],
)
def test_malformed_code_table_csv_is_a_code_table_error(text: str | bytes, match: str) -> None:
    from eport.edi.codes import CodeBook
    from eport.errors import CodeTableError

    with pytest.raises(CodeTableError, match=match):
        CodeBook.from_csv(numeric=text)
