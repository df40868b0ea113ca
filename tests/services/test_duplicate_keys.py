"""The journal's local duplicate rule uses the specification's business keys (issue #12, item 8): an order is
``ebpCode`` + ``orderNo`` (-301010 已存在相同编号的订单), a payment ``payCode`` + ``payTransactionId``, a waybill
``logisticsCode`` + ``logisticsNo``, an inventory both ``ebpCode`` + ``orderNo`` (one inventory per order, -621004)
and ``agentCode`` + ``copNo`` (企业唯一编号)."""

from __future__ import annotations

import attrs
import pytest

from eport import edi
from eport.errors import DuplicateError
from eport.services import ClearanceClient, Journal, MockTransport
from tests.sandbox import messages as m
from tests.services.helpers import fake_sign

SENDER = "DXPENT0000000001"


@pytest.fixture
def client() -> ClearanceClient:
    return ClearanceClient(MockTransport(), Journal(":memory:"), sender_id=SENDER, sign=fake_sign)


def inventory(deal: m.Deal, **head: str) -> bytes:
    model = m.inventory_model(deal)
    [body] = model.inventory
    return edi.encode(attrs.evolve(model, inventory=(attrs.evolve(body, inventory_head=attrs.evolve(
        body.inventory_head, **head)),)))  # fmt: skip


def test_orders_are_keyed_by_order_number_not_by_payment(client: ClearanceClient) -> None:
    first = m.Deal()
    client.submit(m.order(first), signer=object())
    other_payment_same_order = attrs.evolve(first, pay_transaction_id="PAY-OTHER")
    with pytest.raises(DuplicateError) as caught:
        client.submit(m.order(other_payment_same_order), signer=object())
    assert caught.value.code == "local"
    same_payment_other_order = attrs.evolve(m.Deal(), pay_transaction_id=first.pay_transaction_id)
    client.submit(m.order(same_payment_other_order), signer=object())  # another order: accepted


def test_inventories_are_keyed_by_order_and_by_enterprise_number(client: ClearanceClient) -> None:
    first = m.Deal()
    client.submit(inventory(first, cop_no="COP-FIRST"), signer=object())
    with pytest.raises(DuplicateError):  # a second inventory of the same order
        client.submit(inventory(first, cop_no="COP-OTHER"), signer=object())
    with pytest.raises(DuplicateError):  # the enterprise number reused for another order
        client.submit(inventory(m.Deal(), cop_no="COP-FIRST"), signer=object())
    client.submit(inventory(m.Deal(), cop_no="COP-THIRD"), signer=object())


def test_payments_and_waybills_keep_their_keys(client: ClearanceClient) -> None:
    deal = m.Deal()
    client.submit(m.payment(deal), signer=object())
    client.submit(m.waybill(deal), signer=object())
    with pytest.raises(DuplicateError):
        client.submit(m.payment(attrs.evolve(deal, order_no="ORD-OTHER")), signer=object())
    with pytest.raises(DuplicateError):
        client.submit(m.waybill(attrs.evolve(deal, order_no="ORD-OTHER")), signer=object())
