"""The shipped example purchase: four schema-valid, mutually consistent CEB import messages."""

from __future__ import annotations

from decimal import Decimal

import attrs
import pytest

from eport import edi, examples
from tests.edi.samples import xsd_errors


@pytest.mark.parametrize("build", [examples.order, examples.payment, examples.waybill])
def test_examples_pass_the_official_schema_and_rules(build: object) -> None:
    message = build()  # type: ignore[operator]
    data = edi.encode(message)
    assert xsd_errors(data, "ceb-import") == []  # independent check with the test loader's schema
    assert edi.validate(message).problems == ()
    assert edi.decode(data) == message


def test_inventory_is_valid_except_for_its_missing_signature() -> None:
    draft = examples.inventory()
    assert draft.signature is None
    report = edi.validate(draft)
    assert report.ok
    assert [p.code for p in report] == ["unsigned-draft"]
    errors = xsd_errors(edi.encode(draft), "ceb-import")
    assert len(errors) == 1
    assert "Signature" in errors[0]
    declared = edi.validate(examples.inventory(declare=True))
    assert [p.code for p in declared.errors] == ["signature-required"]


def test_the_documents_agree_with_each_other() -> None:
    order, payment, waybill, inventory = examples.messages()
    o = order.order[0].order_head
    p = payment.payment[0].payment_head
    w = waybill.logistics[0].logistics_head
    i = inventory.inventory[0].inventory_head
    assert o.order_no == p.order_no == w.order_no == i.order_no
    assert o.ebp_code == p.ebp_code == i.ebp_code
    assert o.actural_paid == p.amount_paid
    assert o.pay_transaction_id == p.pay_transaction_id
    assert w.logistics_no == i.logistics_no
    assert o.buyer_id_number == p.payer_id_number == i.buyer_id_number
    assert o.consignee == w.consignee
    assert o.consignee_address == w.consignee_address == i.consignee_address
    order_lines = [(x.gnum, x.item_no, x.qty, x.price, x.total_price) for x in order.order[0].order_list]
    invt_lines = [(x.gnum, x.item_no, x.qty, x.price, x.total_price) for x in inventory.inventory[0].inventory_list]
    assert order_lines == invt_lines
    assert o.goods_value == sum(x.total_price for x in order.order[0].order_list)
    assert o.actural_paid == o.goods_value + o.freight + o.tax_total - o.discount


def test_scenarios_are_reproducible_and_editable() -> None:
    assert examples.order() == examples.order()
    other = attrs.evolve(examples.DEFAULT, order_no="EPORT-DEMO-2", freight=Decimal("0"))
    message = examples.order(other)
    assert message.guid != examples.order().guid
    assert len(message.guid) == 36
    assert message.guid == message.guid.upper()
    assert edi.validate(message).ok
    assert message.order[0].order_head.actural_paid == other.actual_paid
