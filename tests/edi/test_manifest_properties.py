"""Random manifests of every body kind round-trip exactly through the manifest codec and the public API.

Models are drawn from the specs (``tests/edi/strategies.py``): any optional element present or absent, repeated
blocks, XML-legal text of any script including whitespace, decimals in plain and exponent form.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from eport import edi
from eport.edi import manifest as mf
from tests.edi.strategies import models

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
BODIES = [("MT2101", "declaration", mf.Declaration), ("MT1401", "declaration", mf.RoadDeclaration)]
BODIES.append(("MT9999", "response", mf.Response))


def manifests(message_type: str, field: str, body: type[Any]) -> st.SearchStrategy[mf.Manifest]:
    heads = models(mf.Head).map(lambda h: attrs.evolve(h, message_type=message_type))
    return st.builds(lambda head, b: mf.Manifest(head=head, **{field: b}), heads, models(body, max_repeat=2))


@pytest.mark.parametrize(("message_type", "field", "body"), BODIES, ids=[b[0] for b in BODIES])
def test_random_manifests_round_trip(message_type: str, field: str, body: type[Any]) -> None:
    @SETTINGS
    @given(message=manifests(message_type, field, body))
    def check(message: mf.Manifest) -> None:
        data = edi.encode(message)
        root = etree.fromstring(data)
        namespace = mf.namespace_for(message_type)
        assert {etree.QName(el).namespace for el in root.iter()} == {namespace}
        decoded = edi.decode_lenient(data)
        assert (decoded.problems, decoded.unparsed) == ((), ())
        assert decoded.message == message
        assert edi.encode(decoded.message) == data

    check()


def test_text_beside_attributes_is_kept_as_written() -> None:
    # Before: the text of an element with attributes was stripped (" S 1 " came back as "S 1", " " as None).
    seal = mf.Seal(value=" S 1 ", agency_code="CA")
    equipment = mf.TransportEquipment(seal_id=(seal, mf.Seal(value=" ")))
    message = mf.Manifest(
        head=mf.Head(message_type="MT4101"), declaration=mf.Declaration(transport_equipment=(equipment,))
    )
    decoded = edi.decode(edi.encode(message))
    assert decoded == message
    weight = b'<GrossMassMeasure unitCode="KGM">\n 12.50 \n</GrossMassMeasure>'
    data = edi.encode(
        mf.Manifest(
            head=mf.Head(message_type="MT2101"),
            declaration=mf.Declaration(
                consignment=(mf.Consignment(consignment_item=(mf.ConsignmentItem(goods_measure=mf.GoodsMeasure()),)),)
            ),
        )
    ).replace(b"<GoodsMeasure></GoodsMeasure>", b"<GoodsMeasure>" + weight + b"</GoodsMeasure>")
    assert weight in data
    item = edi.decode(data).declaration.consignment[0].consignment_item[0]
    assert item.goods_measure.gross_mass_measure == mf.Measure(value=Decimal("12.50"), unit_code="KGM")
