"""One damaged entry in a receipts listing never wedges polling (#14): an entry without a usable ``seq`` is kept as
an unreadable receipt with an identity taken from its JSON, an entry at or before the cursor is passed on for the
journal to keep if new (it deduplicates), and only a listing that is unusable as a whole is a ProtocolError."""

from __future__ import annotations

import base64
import json
import logging
from typing import Any

import pytest

from eport.errors import EportError, ProtocolError
from eport.services.http import parse_receipts_reply

DXP = base64.b64encode(b"<DxpMsg>secret-payload</DxpMsg>").decode()


def listing(*entries: dict[str, Any], **extra: Any) -> bytes:
    return json.dumps({"receipts": list(entries), **extra}).encode()


@pytest.mark.parametrize("seq", [None, "x", [1], {"n": 1}, 2.5])
def test_an_entry_without_a_usable_seq_is_kept_as_unreadable_between_the_valid_ones(seq: object) -> None:
    damaged: dict[str, Any] = {"dxp": DXP, "msgType": "CEB622"}
    if seq is not None:
        damaged["seq"] = seq

    batch = parse_receipts_reply(200, listing({"seq": 1, "dxp": DXP}, damaged, {"seq": 3, "dxp": DXP}), None)

    assert [r.receipt_id for r in batch.receipts][::2] == ["1", "3"]
    kept = batch.receipts[1]
    assert json.loads(kept.data) == damaged  # the entry as it came, for the journal to keep
    assert kept.receipt_id.startswith("entry:")
    assert kept.error is not None
    assert "seq" in kept.error
    assert batch.cursor == "3"


def test_the_same_damaged_entry_listed_again_has_the_same_identity() -> None:
    damaged = {"dxp": DXP, "msgType": "CEB622", "sourceCopMsgId": "COP-1"}
    first = parse_receipts_reply(200, listing(damaged), "7").receipts[0]
    again = parse_receipts_reply(200, listing({"seq": 8, "dxp": DXP}, dict(reversed(damaged.items()))), "7")

    assert again.receipts[1].receipt_id == first.receipt_id
    assert again.receipts[1].digest == first.digest
    assert first.cursor == "7"  # a damaged entry never moves the cursor by itself


def test_the_cursor_is_the_listing_next_when_valid_else_the_last_valid_seq() -> None:
    body = listing({"seq": 4, "dxp": DXP}, {"dxp": DXP}, next=9)
    assert parse_receipts_reply(200, body, "3").cursor == "9"
    assert parse_receipts_reply(200, listing({"seq": 4, "dxp": DXP}, {"dxp": DXP}), "3").cursor == "4"
    assert parse_receipts_reply(200, listing({"dxp": DXP}), "3").cursor == "3"


def test_entries_at_or_before_the_cursor_are_passed_on_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="eport.services.http")

    batch = parse_receipts_reply(
        200,
        listing({"seq": 2, "dxp": DXP}, {"seq": 6, "dxp": DXP}, {"seq": 6, "dxp": DXP}, {"seq": 7, "dxp": DXP}),
        "5",
    )

    assert [r.receipt_id for r in batch.receipts] == ["2", "6", "6", "7"]
    assert batch.cursor == "7"
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warned) == 2
    assert all("cursor" in w for w in warned)
    assert not any("secret-payload" in w or DXP in w for w in warned)


def test_a_next_cursor_behind_the_request_never_moves_the_cursor_back() -> None:
    assert parse_receipts_reply(200, listing({"seq": 6, "dxp": DXP}, next=2), "5").cursor == "6"


@pytest.mark.parametrize(
    "body",
    [b"<html>", b"[]", b'{"receipts": {}}', b"{}", listing({"seq": 1, "dxp": DXP}, next="soon")],
    ids=["not-json", "not-object", "receipts-not-array", "no-receipts", "malformed-next"],
)
def test_a_listing_unusable_as_a_whole_stays_a_protocol_error(body: bytes) -> None:
    with pytest.raises(ProtocolError) as caught:
        parse_receipts_reply(200, body, "5")
    assert isinstance(caught.value, EportError)
