"""The DXP decoder refuses content it has no place for instead of dropping it; comments inside values are skipped."""

from __future__ import annotations

import pytest

from eport import edi, examples
from eport.edi import dxp
from eport.errors import DecodeError

SENDER = "/dxp:DxpMsg/dxp:TransInfo/dxp:SenderId"
ENVELOPE = dxp.encode_envelope(
    dxp.wrap(edi.encode(examples.order()), sender_id="DXPENT0000458763", receiver_ids="DXPEDCCEB0000002")
)


@pytest.mark.parametrize(
    ("old", "new", "message", "path"),
    [
        (
            b"<SenderId>",
            b'<SenderId foo="1">',
            "unexpected attribute foo",
            "/dxp:DxpMsg/dxp:TransInfo/dxp:SenderId/@foo",
        ),
        (b"<SenderId>", b"<SenderId><x/>", "unexpected element x", "/dxp:DxpMsg/dxp:TransInfo/dxp:SenderId/dxp:x"),
        (b"</TransInfo>", b"junk</TransInfo>", "unexpected text 'junk'", "/dxp:DxpMsg/dxp:TransInfo"),
    ],
    ids=["attribute", "element-in-value", "stray-text"],
)
def test_content_without_a_place_is_refused(old: bytes, new: bytes, message: str, path: str) -> None:
    # Before the review these decoded "fine": the attribute and text vanished, and <SenderId><x/>… gave "".
    with pytest.raises(DecodeError, match=message) as caught:
        dxp.decode_envelope(ENVELOPE.replace(old, new, 1))
    assert caught.value.path == path


def test_a_comment_inside_a_value_does_not_cut_it() -> None:
    # Before the review <SenderId>DXP<!--c-->ENT…</SenderId> decoded as "DXP".
    split = ENVELOPE.replace(b"<SenderId>DXPENT", b"<SenderId>DXP<!-- c -->ENT", 1)
    envelope = dxp.decode_envelope(split)
    assert envelope.trans_info.sender_id == "DXPENT0000458763"
    assert dxp.encode_envelope(envelope) == ENVELOPE


def test_the_attributes_the_envelope_defines_are_kept() -> None:
    envelope = dxp.wrap(
        b"<a/>", sender_id="S", receiver_ids="R", id="env1", biz_keys=(dxp.BizKey(value="k", name="n"),)
    )
    assert dxp.decode_envelope(dxp.encode_envelope(envelope)) == envelope
