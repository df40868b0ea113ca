"""Cross-border e-commerce (CEB) flows against the sandbox running as a separate process."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import attrs
import pytest

from eport import edi
from eport.card import demo
from eport.errors import DuplicateError, RejectedError
from eport.pki.ceb import sign_ceb
from eport.pki.signer import KeyAlgorithm
from eport.pki.signers import InMemorySigner
from eport.pki.sm2 import SM2PrivateKey
from eport.pki.testing import make_chain
from eport.pki.xmldsig import Dialect
from eport.sandbox import DEMO_DXP_ID
from eport.services import ClearanceClient, HttpTransport, Stage
from tests.sandbox import messages as m
from tests.sandbox.process import SandboxProcess

pytestmark = pytest.mark.sandbox


def codes(submission: object) -> list[str]:
    """The receipt codes in a submission's history, in order."""
    return [event.code for event in submission.history if event.code]  # type: ignore[attr-defined]


def submit_deal(client: ClearanceClient, signer: InMemorySigner, deal: m.Deal, **overrides: bytes) -> object:
    """Submit order, payment and waybill, then the inventory; return the inventory handle."""
    for name in ("order", "payment", "waybill"):
        message = overrides.get(name) or getattr(m, name)(deal)
        client.submit(message, signer=signer)
    return client.submit(overrides.get("inventory") or edi.encode(m.inventory_model(deal)), signer=signer)


@pytest.mark.parametrize("client_name", ["file_client", "http_client"])
def test_full_flow_reaches_closed(client_name: str, request: pytest.FixtureRequest, signer: InMemorySigner) -> None:
    client: ClearanceClient = request.getfixturevalue(client_name)
    deal = m.Deal()
    order = client.submit(m.order(deal), signer=signer)
    client.submit(m.payment(deal), signer=signer)
    client.submit(m.waybill(deal), signer=signer)
    inventory = client.submit(edi.encode(m.inventory_model(deal)), signer=signer)

    final = client.wait(inventory, until=Stage.CLOSED, timeout=30)

    assert codes(final) == ["2", "120", "399", "800", "899"]
    assert final.stage is Stage.CLOSED
    accepted = client.wait(order, until=Stage.CONCLUDED, timeout=30)
    assert codes(accepted) == ["2", "120", "399"]


def test_three_way_mismatch_is_rejected(http_client: ClearanceClient, signer: InMemorySigner) -> None:
    deal = m.Deal()
    handle = submit_deal(http_client, signer, deal, payment=m.payment(deal, amount=deal.paid + 1))

    with pytest.raises(RejectedError) as caught:
        http_client.wait(handle, until=Stage.CLOSED, timeout=30)

    assert caught.value.code == "100"
    assert "三单对碰" in str(caught.value.receipt.info)
    assert "amountPaid" in str(caught.value.receipt.info)


def test_inventory_without_its_order_is_rejected_after_waiting(
    http_client: ClearanceClient, signer: InMemorySigner
) -> None:
    deal = m.Deal()
    http_client.submit(m.payment(deal), signer=signer)
    http_client.submit(m.waybill(deal), signer=signer)
    handle = http_client.submit(edi.encode(m.inventory_model(deal)), signer=signer)

    with pytest.raises(RejectedError) as caught:
        http_client.wait(handle, until=Stage.CLOSED, timeout=30)

    assert caught.value.code == "100"
    assert "missing order" in str(caught.value.receipt.info)


def test_single_purchase_over_5000_is_refused(http_client: ClearanceClient, signer: InMemorySigner) -> None:
    deal = m.Deal(price=Decimal("2600.00"), qty=Decimal("2"))  # 5,200 CNY
    handle = submit_deal(http_client, signer, deal)

    with pytest.raises(RejectedError) as caught:
        http_client.wait(handle, until=Stage.CLOSED, timeout=30)

    assert caught.value.code == "-621005"


def test_annual_limit_26000_per_buyer(http_client: ClearanceClient, signer: InMemorySigner) -> None:
    buyer = "440301198001011111"
    handles = [
        submit_deal(http_client, signer, m.Deal(buyer_id=buyer, price=Decimal("4900"), qty=Decimal("1")))
        for _ in range(6)
    ]
    results = [http_client.wait(h, until=Stage.CLOSED, timeout=60, raise_on_reject=False) for h in handles]

    assert [r.stage for r in results[:5]] == [Stage.CLOSED] * 5  # 24,500 CNY
    assert results[5].stage is Stage.REJECTED
    assert results[5].code == "-621018"  # 29,400 CNY would pass the annual limit


def test_unregistered_certificate_fails_signature_check(http_client: ClearanceClient) -> None:
    stranger = make_chain(KeyAlgorithm.RSA).signer()
    deal = m.Deal()
    order = http_client.submit(m.order(deal), signer=stranger)  # type: ignore[arg-type]
    inventory = http_client.submit(edi.encode(m.inventory_model(deal)), signer=stranger)  # type: ignore[arg-type]

    order_result = http_client.wait(order, until=Stage.CONCLUDED, timeout=30, raise_on_reject=False)
    inventory_result = http_client.wait(inventory, until=Stage.CLOSED, timeout=30, raise_on_reject=False)

    assert order_result.stage is Stage.REJECTED
    assert order_result.history[-1].receipt_type == "CEB900Message"
    assert "1001" in order_result.history[-1].info
    assert inventory_result.code == "-621029"


def test_message_changed_after_signing_fails_with_1004(http_client: ClearanceClient, signer: InMemorySigner) -> None:
    deal = m.Deal()
    signed = sign_ceb(m.order(deal), signer)
    tampered = signed.replace(deal.buyer_id.encode(), b"110101199001019999")

    handle = http_client.submit(tampered, signer=signer)
    result = http_client.wait(handle, until=Stage.CONCLUDED, timeout=30, raise_on_reject=False)

    assert result.stage is Stage.REJECTED
    assert result.code == "-1004"
    assert "1004" in result.history[-1].info


def test_schema_error_comes_back_as_ceb900_0002(http_client: ClearanceClient, signer: InMemorySigner) -> None:
    deal = m.Deal()
    broken = m.order(deal).replace(b"<ceb:currency>142</ceb:currency>", b"<ceb:currency>1420</ceb:currency>", 1)

    handle = http_client.submit(broken, signer=signer)
    result = http_client.wait(handle, until=Stage.CONCLUDED, timeout=30, raise_on_reject=False)

    assert result.stage is Stage.REJECTED
    assert result.history[-1].receipt_type == "CEB900Message"
    assert result.code == "-2"
    assert result.history[-1].info.startswith("0002")


def test_same_order_from_two_clients_is_a_customs_duplicate(
    http_client: ClearanceClient, file_client: ClearanceClient, signer: InMemorySigner
) -> None:
    deal = m.Deal()
    first = http_client.submit(m.order(deal), signer=signer)
    http_client.wait(first, until=Stage.ACCEPTED, timeout=30)
    second = file_client.submit(m.order(deal), signer=signer)

    with pytest.raises(DuplicateError) as caught:
        file_client.wait(second, until=Stage.CONCLUDED, timeout=30)

    assert caught.value.code == "-301010"


@pytest.mark.parametrize("dialect", [Dialect.SM2_SM3, Dialect.SM2_W3C_SHA1])
def test_sm2_signatures_of_the_demo_card_are_accepted(http_client: ClearanceClient, dialect: Dialect) -> None:
    sm2 = InMemorySigner(SM2PrivateKey.from_bytes(demo.sm2_private_key_bytes()), demo.sm2_signing_certificate_der())
    deal = m.Deal()
    handles = [
        http_client.submit(sign_ceb(build, sm2, dialect=dialect))
        for build in (m.order(deal), m.payment(deal), m.waybill(deal), edi.encode(m.inventory_model(deal)))
    ]

    final = http_client.wait(handles[-1], until=Stage.CLOSED, timeout=30)

    assert codes(final) == ["2", "120", "399", "800", "899"]


def test_change_and_delete_of_a_payment(http_client: ClearanceClient, signer: InMemorySigner) -> None:
    deal = m.Deal()
    first = http_client.submit(m.payment(deal), signer=signer)
    http_client.wait(first, until=Stage.CONCLUDED, timeout=30)
    deleted = http_client.submit(m.payment(deal, app_type="3"), signer=signer)
    assert codes(http_client.wait(deleted, until=Stage.DECLARING, timeout=30)) == ["2"]
    http_client.submit(m.order(deal), signer=signer)
    http_client.submit(m.waybill(deal), signer=signer)
    inventory = http_client.submit(edi.encode(m.inventory_model(deal)), signer=signer)

    with pytest.raises(RejectedError) as caught:  # the payment is gone: 三单对碰 cannot find it
        http_client.wait(inventory, until=Stage.CLOSED, timeout=30)

    assert "missing payment" in str(caught.value.receipt.info)


@pytest.mark.parametrize("reused", ["cop_no", "guid"])
def test_inventory_reusing_a_cop_no_or_guid_is_a_customs_duplicate(
    sandbox: SandboxProcess, http_client: ClearanceClient, signer: InMemorySigner, tmp_path: Path, reused: str
) -> None:
    """Issue #12, item 8: an inventory is unique by ebpCode + orderNo, by agentCode + copNo (企业唯一编号) and by
    guid; another client (its own journal, so no local refusal) reusing the copNo or guid of a declared inventory
    for another order gets -621004."""
    first = m.Deal()
    declared = m.inventory_model(first)
    handle = submit_deal(http_client, signer, first, inventory=edi.encode(declared))
    http_client.wait(handle, until=Stage.CLOSED, timeout=30)
    head = declared.inventory[0].inventory_head
    other = m.Deal()
    model = m.inventory_model(other)
    [body] = model.inventory
    reuse = {"cop_no": head.cop_no} if reused == "cop_no" else {"guid": head.guid}
    copy = attrs.evolve(
        model, inventory=(attrs.evolve(body, inventory_head=attrs.evolve(body.inventory_head, **reuse)),)
    )
    with ClearanceClient(
        HttpTransport(sandbox.url, dxp_id=DEMO_DXP_ID), tmp_path / "other.db", sender_id=DEMO_DXP_ID, poll_interval=0.02
    ) as client:
        handle = submit_deal(client, signer, other, inventory=edi.encode(copy))
        with pytest.raises(DuplicateError) as caught:
            client.wait(handle, until=Stage.CLOSED, timeout=30)
    assert caught.value.code == "-621004"
