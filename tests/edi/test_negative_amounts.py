"""``negative-amount``: a CEB amount or quantity below zero is an error the schema does not catch (#13)."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import attrs

from eport import edi, examples
from eport.edi.ceb import rules, treecheck
from eport.edi.core.report import Severity
from eport.edi.core.rules import RuleContext
from eport.edi.dec import rules as dec_rules
from eport.edi.manifest import rules as manifest_rules


def _problems(message: object) -> list[tuple[str, str, Severity]]:
    return [(p.path, p.code, p.severity) for p in edi.validate(message) if p.code == "negative-amount"]


def test_a_negative_freight_and_quantity_are_errors_at_their_paths() -> None:
    order = examples.order()
    head = attrs.evolve(order.order[0].order_head, freight=Decimal("-10.00"))
    line = attrs.evolve(order.order[0].order_list[0], qty=Decimal("-1"))
    bad = attrs.evolve(order, order=(attrs.evolve(order.order[0], order_head=head, order_list=(line,)),))
    assert _problems(bad) == [
        ("/ceb:CEB311Message/ceb:Order/ceb:OrderHead/ceb:freight", "negative-amount", Severity.ERROR),
        ("/ceb:CEB311Message/ceb:Order/ceb:OrderList/ceb:qty", "negative-amount", Severity.ERROR),
    ]
    assert edi.validate_bytes(edi.encode(bad)) == edi.validate(bad)


def test_zero_and_positive_amounts_are_not_reported() -> None:
    order = examples.order()
    head = attrs.evolve(order.order[0].order_head, freight=Decimal("0"), discount=Decimal("-0"))
    assert _problems(attrs.evolve(order, order=(attrs.evolve(order.order[0], order_head=head),))) == []
    assert _problems(examples.inventory()) == []


def test_the_field_set_is_discoverable_and_a_rule_for_another_set_can_be_built() -> None:
    assert {"freight", "discount", "qty", "grossWeight", "price", "totalPrice"} <= rules.AMOUNT_FIELDS
    assert rules.negative_amounts in rules.RULES
    assert set(rules.RULES) <= treecheck.COVERED  # the tree path stands in for it (same report, test_treecheck.py)
    assert "CEB816Message" in rules.NEGATIVE_ALLOWED_ROOTS
    order = examples.order()
    head = attrs.evolve(order.order[0].order_head, freight=Decimal("-1"))
    bad = attrs.evolve(order, order=(attrs.evolve(order.order[0], order_head=head),))
    only_qty = rules.negative_amounts_in(frozenset({"qty"}))
    assert [p.code for p in edi.validate(bad, rules=[only_qty]) if p.code == "negative-amount"] == [
        "negative-amount"
    ]  # the family's rule only: the extra rule does not check freight
    exempt = rules.negative_amounts_in(rules.AMOUNT_FIELDS, frozenset({"CEB311Message"}))
    context_free = list(exempt(bad, RuleContext(edition="202205", root="/ceb:CEB311Message")))
    assert context_free == []


DATA = Path(__file__).parent / "data"


def test_a_negative_declaration_amount_is_an_error_but_a_negative_other_rate_is_not() -> None:
    data = (DATA / "dec" / "dec_import_air_full.xml").read_bytes()
    assert "negative-amount" not in {p.code for p in edi.validate_bytes(data).problems}
    gross = re.sub(rb"<GrossWet>[^<]*</GrossWet>", b"<GrossWet>-130.5</GrossWet>", data, count=1)
    found = [(p.path, p.severity) for p in edi.validate_bytes(gross).problems if p.code == "negative-amount"]
    assert found == [("/DecMessage/DecHead/GrossWet", Severity.ERROR)]
    price = re.sub(rb"<DeclPrice>[^<]*</DeclPrice>", b"<DeclPrice>-1</DeclPrice>", data, count=1)
    assert [p.path for p in edi.validate_bytes(price).problems if p.code == "negative-amount"] == [
        "/DecMessage/DecLists/DecList[1]/DeclPrice"
    ]
    # 杂费 to be deducted from the dutiable value is written negative (报关单填制规范): not reported
    other = edi.decode(data)
    other = attrs.evolve(other, dec_head=attrs.evolve(other.dec_head, other_rate=Decimal("-5")))
    assert "negative-amount" not in {p.code for p in edi.validate(other).problems}
    assert "OtherRate" not in dec_rules.AMOUNT_FIELDS


def test_a_negative_manifest_measure_is_an_error() -> None:
    data = (DATA / "manifest" / "mt1401_road_original.xml").read_bytes()
    assert "negative-amount" not in {p.code for p in edi.validate_bytes(data).problems}
    bad = data.replace(b'<GrossVolumeMeasure unitCode="MTQ">12.5<', b'<GrossVolumeMeasure unitCode="MTQ">-12.5<', 1)
    assert bad != data
    found = [(p.path, p.severity) for p in edi.validate_bytes(bad).problems if p.code == "negative-amount"]
    assert found == [("/Manifest/Declaration/Consignment/GrossVolumeMeasure", Severity.ERROR)]
    assert "negative_amounts" in {r.__name__ for r in manifest_rules.RULES}
