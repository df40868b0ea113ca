"""The DOCTYPE refusal reads the prolog, where a declaration can stand, and nothing after the root's start tag."""

from __future__ import annotations

import pytest

from eport.edi.core.safexml import parse
from eport.errors import DecodeError

REFUSED = {
    "plain": b'<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>',
    "after the declaration": b'<?xml version="1.0"?>\n<!DOCTYPE a><a/>',
    "after comments and PIs": b'<?xml version="1.0"?><!-- <a> --><?pi <b>?>\n<!DOCTYPE a [<!ENTITY x "y">]><a/>',
    "after a BOM": b'\xef\xbb\xbf<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>',
    "UTF-16": '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>'.encode("utf-16"),
    "UTF-16 big-endian without BOM": '<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>'.encode("utf-16-be"),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_a_declaration_in_the_prolog_is_refused(case: str) -> None:
    with pytest.raises(DecodeError, match="DOCTYPE"):
        parse(REFUSED[case])


@pytest.mark.parametrize(
    "data",
    [
        b"<a><!-- an example: <!DOCTYPE html> --></a>",
        b"<a><![CDATA[<!DOCTYPE html>]]></a>",
        b'<?xml version="1.0"?><!-- note --><a>text &lt;!DOCTYPE&gt;</a>',
    ],
)
def test_the_marker_inside_the_document_is_content(data: bytes) -> None:
    assert parse(data).tag == "a"


@pytest.mark.parametrize("data", [b"<!-- unterminated", b"<?pi unterminated", b"<!ELEMENT a ANY><a/>"])
def test_other_prologs_are_left_to_the_parser(data: bytes) -> None:
    with pytest.raises(DecodeError, match=r"not well-formed|no root|cannot parse"):
        parse(data)
