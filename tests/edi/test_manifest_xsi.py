"""Manifests follow the generic decoder's xsi rules: location hints and ``xsi:type`` are accepted, ``xsi:nil`` is
"no value", any other ``xsi:*`` attribute is unknown (reported in lenient mode, refused in strict mode)."""

from __future__ import annotations

import pytest

from eport.edi.manifest.codec import decode_manifest, decode_manifest_lenient
from eport.errors import DecodeError
from tests.edi.test_manifest import DATA

XSI = 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
BASE = (DATA / "mt2101_sea_preloading.xml").read_bytes()


def _with(old: bytes, new: bytes, *, declare_xsi: bool = True) -> bytes:
    assert old in BASE
    data = BASE.replace(old, new, 1)
    if declare_xsi:
        data = data.replace(b"<Manifest ", b"<Manifest " + XSI.encode() + b" ", 1)
    return data


def test_location_hint_and_type_are_accepted() -> None:
    data = _with(
        b"<Manifest ",
        b'<Manifest xsi:schemaLocation="urn:x MT2101.xsd" ',
    ).replace(b"<Name>SAMPLE VESSEL</Name>", b'<Name xsi:type="xsd:string">SAMPLE VESSEL</Name>')
    decoded = decode_manifest_lenient(data)
    assert decoded.problems == ()
    assert decode_manifest(data) == decode_manifest(BASE)


def test_nil_optional_value_is_none() -> None:
    data = _with(b"<Name>SAMPLE VESSEL</Name>", b'<Name xsi:nil="true"/>')
    manifest = decode_manifest(data)
    assert manifest.declaration.border_transport_means.name is None
    assert decode_manifest_lenient(data).problems == ()


def test_nil_with_content_is_a_bad_value_and_kept() -> None:
    data = _with(b"<Name>SAMPLE VESSEL</Name>", b'<Name xsi:nil="true">SAMPLE VESSEL</Name>')
    decoded = decode_manifest_lenient(data)
    assert [(p.code, p.path) for p in decoded.problems] == [
        ("bad-value", "/Manifest/Declaration/BorderTransportMeans/Name")
    ]
    assert b"SAMPLE VESSEL" in decoded.unparsed[0].xml
    with pytest.raises(DecodeError) as info:
        decode_manifest(data)
    assert info.value.path == "/Manifest/Declaration/BorderTransportMeans/Name"


def test_other_xsi_attributes_are_unknown() -> None:
    data = _with(b"<Name>SAMPLE VESSEL</Name>", b'<Name xsi:foo="1">SAMPLE VESSEL</Name>')
    decoded = decode_manifest_lenient(data)
    assert [(p.code, p.path) for p in decoded.problems] == [
        ("unknown-attribute", "/Manifest/Declaration/BorderTransportMeans/Name/@foo")
    ]
    with pytest.raises(DecodeError):
        decode_manifest(data)
