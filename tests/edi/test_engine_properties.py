"""Property tests: every CEB message type survives encode → decode unchanged and validates against its XSD."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eport.edi import decode, decode_lenient, decoding, encode
from eport.edi._xml import parse
from eport.edi.registry import message_types
from eport.edi.spec import spec_of
from tests.edi import samples, strategies

EDITIONS = ["202205", "2018"]
CASES = [
    (edition, cls)
    for edition in EDITIONS
    for cls in message_types(edition=edition)
    if spec_of(cls).family in ("ceb-import", "ceb-export")
]


def _id(case: tuple[str, type[Any]]) -> str:
    return f"{case[0]}-{case[1].__name__}"


def test_every_message_type_is_covered() -> None:
    names = {cls.__name__ for _, cls in CASES}
    assert len(names) == 19 + 23  # import: 19 roots; export: 23 roots (202205)
    assert sum(1 for edition, _ in CASES if edition == "2018") == 19 + 19


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
@settings(max_examples=15, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_round_trip_and_xsd_valid(case: tuple[str, type[Any]], data: st.DataObject) -> None:
    edition, cls = case
    message = data.draw(strategies.models(cls), label="message")
    encoded = encode(message)
    assert decode(encoded, edition=edition) == message
    lenient = decode_lenient(encoded, edition=edition)
    assert lenient.ok
    assert lenient.message == message
    assert samples.xsd_errors(encoded, spec_of(cls).family, edition) == []
    # the careful walker (used when the fast reader bails) reads valid documents exactly like the fast reader
    root = parse(encoded)
    assert decoding._read(root, cls, "/" + spec_of(cls).tag, decoding._State(strict=True)) == message
