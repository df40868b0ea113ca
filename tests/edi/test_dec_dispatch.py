"""``eport.edi.decode``/``decode_lenient`` read declarations as other software writes them, like decode_declaration."""

from __future__ import annotations

from pathlib import Path

import pytest

from eport import edi
from eport.edi.dec import DecMessage, decode_declaration
from eport.edi.dec.codec import decode_declaration_lenient
from eport.errors import DecodeError, UnknownMessageError

DATA = Path(__file__).parent / "data" / "dec"


@pytest.mark.parametrize("name", ["dec_import_air_full.xml", "dec_export_odoo_style.xml"])
def test_decode_reads_declarations_with_empty_elements(name: str) -> None:
    # Real files carry empty elements (<InsurRate/>); before the review eport.edi.decode refused them while
    # decode_declaration, which the docs call equivalent, read them.
    data = (DATA / name).read_bytes()
    message = edi.decode(data)
    assert isinstance(message, DecMessage)
    assert message == decode_declaration(data)
    lenient = edi.decode_lenient(data)
    assert lenient.message == message
    assert lenient.problems == ()


def test_wrapped_pre2018_declaration_gets_the_declaration_codecs_findings() -> None:
    data = (DATA / "dec_pre2018_import_message.xml").read_bytes()
    with pytest.raises(DecodeError, match="unknown element PayWay") as caught:
        edi.decode(data)
    assert caught.value.path == "/DecMessage/DecHead/PayWay"
    lenient = edi.decode_lenient(data)
    assert lenient == decode_declaration_lenient(data)
    assert "unknown-element" in {p.code for p in lenient.problems}


def test_a_broken_declaration_keeps_the_engine_error() -> None:
    data = (DATA / "dec_import_air_full.xml").read_bytes().replace(b"<GrossWet>", b"<GrossWet>x", 1)
    with pytest.raises(DecodeError, match="GrossWet"):
        edi.decode(data)


def test_unknown_roots_that_only_mention_declarations_stay_unknown() -> None:
    with pytest.raises(UnknownMessageError):
        edi.decode(b"<Note>DecMessage</Note>")
    with pytest.raises(UnknownMessageError):
        edi.decode_lenient(b"<Note>DecMessage</Note>")


def test_validate_bytes_reports_what_the_declaration_decoder_found() -> None:
    # Before the review an ImportMessage-wrapped declaration was "valid": no schema, no decodable root, no rule.
    report = edi.validate_bytes((DATA / "dec_pre2018_import_message.xml").read_bytes())
    assert not report.ok
    unknown = [p.path for p in report.problems if p.code == "unknown-element"]
    head = "/ImportMessage/SWImpData/DecMessage/DecHead"  # paths as in the document, envelope included
    assert unknown == [f"{head}/PayWay", f"{head}/InRatio", f"{head}/AgentLinkMan"]
    clean = edi.validate_bytes((DATA / "dec_import_air_full.xml").read_bytes())
    assert [p.code for p in clean.problems] == ["no-schema"]
