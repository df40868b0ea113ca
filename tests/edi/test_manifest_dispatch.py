"""Manifests go through ``eport.edi.decode``/``decode_lenient``/``encode`` and ``eport.edi.validate*`` too."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from eport import edi
from eport.edi import dxp
from eport.edi import manifest as mf
from eport.edi.dec import DecMessage
from eport.errors import ConfigurationError, DecodeError, UnknownMessageError

DATA = Path(__file__).parent / "data" / "manifest"
FIXTURES = ["mt2101_sea_preloading.xml", "mt1401_road_original.xml", "mt9999_response.xml"]


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
