"""Official CEB samples: decode, re-encode, compare after C14N, validate against the official XSDs."""

from __future__ import annotations

import pytest

from eport.edi import decode, decode_lenient, encode
from eport.edi.core.spec import spec_of
from eport.errors import DecodeError, UnknownMessageError
from tests.edi import samples

VALID = samples.valid_keys()
INVALID = samples.invalid_keys()


def test_sample_inventory_is_complete() -> None:
    assert samples.folder_keys() == samples.sample_keys()  # the listed inventory is the folder
    assert len(VALID) == 29
    assert len(INVALID) == 10
    assert len([k for k in VALID if k.startswith("import/")]) == 16


@pytest.mark.parametrize("key", VALID)
def test_valid_sample_is_valid_per_xsd(key: str) -> None:
    sample = samples.load(key)
    assert samples.xsd_errors(sample.data, f"ceb-{sample.direction}") == []


@pytest.mark.parametrize("key", INVALID)
def test_known_invalid_sample_is_invalid_per_xsd(key: str) -> None:
    sample = samples.load(key)
    assert samples.xsd_errors(sample.data, f"ceb-{sample.direction}") != []


@pytest.mark.parametrize("key", VALID)
def test_valid_sample_round_trips_identically_after_c14n(key: str) -> None:
    sample = samples.load(key)
    message = decode(sample.data)
    assert spec_of(message).tag == f"CEB{sample.code}Message"
    assert spec_of(message).family == f"ceb-{sample.direction}"
    out = encode(message)
    assert samples.canonical(out) == samples.canonical(sample.data)
    assert samples.xsd_errors(out, f"ceb-{sample.direction}") == []
    # decoding our own output gives the same model back
    assert decode(out) == message


@pytest.mark.parametrize("key", VALID)
def test_valid_sample_decodes_leniently_without_problems(key: str) -> None:
    result = decode_lenient(samples.load(key).data)
    assert result.ok
    assert result.problems == ()
    assert result.unparsed == ()


@pytest.mark.parametrize("key", INVALID)
def test_invalid_sample_fails_strict_decoding_with_a_path(key: str) -> None:
    with pytest.raises(DecodeError) as info:
        decode(samples.load(key).data)
    assert info.value.path is not None
    assert info.value.path.startswith("/ceb:CEB")
    assert info.value.line is not None


@pytest.mark.parametrize("key", [k for k in INVALID if "BaseTransfer" in samples.KNOWN_INVALID[k]])
def test_duplicate_base_transfer_is_named_and_kept(key: str) -> None:
    sample = samples.load(key)
    result = decode_lenient(sample.data)
    root = f"/ceb:CEB{sample.code}Message"
    assert [(p.path, p.code) for p in result.problems] == [(f"{root}/ceb:BaseTransfer[2]", "surplus-element")]
    assert [u.path for u in result.unparsed] == [f"{root}/ceb:BaseTransfer[2]"]
    assert b"BaseTransfer" in result.unparsed[0].xml
    assert result.message.base_transfer is not None
    # everything but the surplus element survives: re-encoding is valid against the schema
    assert samples.xsd_errors(encode(result.message), f"ceb-{sample.direction}") == []


def test_ceb214_wrong_root_name_is_recognised_leniently() -> None:
    data = samples.load("export/CEB214Message.xml").data
    with pytest.raises(UnknownMessageError) as info:
        decode(data)
    assert info.value.path == "/ceb:CEB214"
    result = decode_lenient(data)
    assert type(result.message).__name__ == "CEB214Message"
    codes = {p.code for p in result.problems}
    assert codes == {"root-name", "unknown-element"}
    assert result.problems[0].path == "/ceb:CEB214"
    unknown = [p.path for p in result.problems if p.code == "unknown-element"]
    assert unknown
    assert all(path.endswith("/ceb:appSenderId") for path in unknown)
    assert len(result.unparsed) == len(unknown)
    assert len(result.message.refund_return) == len(unknown)


def test_ceb792_missing_gseqno_is_named() -> None:
    # the schema wants gseqno (汇总结果单的顺序号) before gnum; the sample only has gnum
    result = decode_lenient(samples.load("export/CEB792Message.xml").data)
    assert {p.code for p in result.problems} == {"missing-element"}
    paths = [p.path for p in result.problems]
    assert all(path.endswith("/ceb:gseqno") for path in paths)
    assert "/ceb:CEB792Message/ceb:SummaryResult[1]/ceb:SummaryResultList[1]/ceb:gseqno" in paths
    assert "gseqno" in result.problems[0].message
    assert result.unparsed == ()
    first = result.message.summary_result[0].summary_result_list[0]
    assert first.gseqno is None  # documented lenient sentinel for a missing required element
    assert first.gnum == 1
    errors = samples.xsd_errors(encode(result.message), "ceb-export")
    assert errors
    assert all("gseqno" in e for e in errors)
