"""Hostile input to the portal-side parsers: a result or the documented typed error, never anything else."""

from __future__ import annotations

import contextlib

from hypothesis import given, settings
from hypothesis import strategies as st

from eport.errors import FieldError, ProtocolError
from eport.services.session_challenge import parse_login_page
from eport.services.verification_models import Condition, ProceedsDeclaration, VerificationForm

_JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=6),
    max_leaves=20,
)


@settings(max_examples=200)
@given(st.binary(max_size=2000) | st.text(max_size=500).map(lambda t: t.encode("utf-8")))
def test_login_pages_parse_or_raise_protocol_error(body: bytes) -> None:
    try:
        challenge = parse_login_page(body)
    except ProtocolError:
        return
    assert challenge.random
    assert challenge.lt


@settings(max_examples=200)
@given(st.text(max_size=60))
def test_conditions_parse_or_raise_field_error(text: str) -> None:
    try:
        condition = Condition.parse(text)
    except FieldError:
        return
    assert Condition.from_wire(condition.to_wire()) == condition


@settings(max_examples=200)
@given(st.dictionaries(st.sampled_from(["formNo", "state", "enterpriseCode", "appliedAt", "entryId", "amount",
                                        "entryId", "direction", "ieDate", "customs", "currency", "history"]),
                       _JSONISH, max_size=12))  # fmt: skip
def test_wire_records_parse_or_raise_protocol_error(data: dict[str, object]) -> None:
    for parse in (VerificationForm.from_wire, ProceedsDeclaration.from_wire):
        with contextlib.suppress(ProtocolError):
            parse(data)
