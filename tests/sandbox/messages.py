"""Consistent cross-border test messages (order, payment, waybill, inventory) built with eport's CEB models.

One :class:`Deal` describes a purchase; the four builders write the four messages customs matches (三单对碰). Change
one field of one message to make a mismatch.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import attrs

from eport import edi
from eport.edi.ceb import imports as ceb
from eport.sandbox.config import DEMO_CUSTOMS_CODE, DEMO_DXP_ID, DEMO_ENTERPRISE_NAME

EBP = DEMO_CUSTOMS_CODE
EBP_NAME = DEMO_ENTERPRISE_NAME
PAY = "4403960002"
LOGISTICS = "4403960003"


def guid() -> str:
    """A fresh upper-case 36-character guid."""
    return str(uuid.uuid4()).upper()


@attrs.frozen(kw_only=True)
class Deal:
    """One cross-border purchase: a buyer, one line of goods, and the numbers that tie the four messages together."""

    order_no: str = attrs.field(factory=lambda: f"ORD{uuid.uuid4().hex[:16].upper()}")
    logistics_no: str = attrs.field(factory=lambda: f"LN{uuid.uuid4().hex[:16].upper()}")
    pay_transaction_id: str = attrs.field(factory=lambda: f"PAY{uuid.uuid4().hex[:16].upper()}")
    buyer_id: str = "110101199001011234"
    price: Decimal = Decimal("199.00")
    qty: Decimal = Decimal("2")
    freight: Decimal = Decimal("0")

    @property
    def goods(self) -> Decimal:
        """Goods value of the order."""
        return self.price * self.qty

    @property
    def paid(self) -> Decimal:
        """What the buyer paid."""
        return self.goods + self.freight


def _now() -> str:
    return dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).strftime("%Y%m%d%H%M%S")


def _transfer() -> ceb.BaseTransfer:
    return ceb.BaseTransfer(cop_code=EBP, cop_name=EBP_NAME, dxp_mode="DXP", dxp_id=DEMO_DXP_ID)


def order(deal: Deal, *, app_type: str = "1", app_time: str | None = None) -> bytes:
    """CEB311Message for ``deal``."""
    head = ceb.OrderHead(
        guid=guid(), app_type=app_type, app_time=app_time or _now(), app_status="2", order_type="I",
        order_no=deal.order_no, ebp_code=EBP, ebp_name=EBP_NAME, ebc_code=EBP, ebc_name=EBP_NAME,
        goods_value=deal.goods, freight=deal.freight, discount=Decimal(0), tax_total=Decimal(0),
        actural_paid=deal.paid, currency="142", buyer_reg_no="buyer001", buyer_name="张三",
        buyer_telephone="13800000000", buyer_id_type="1", buyer_id_number=deal.buyer_id, pay_code=PAY,
        pay_name="演示支付 demo pay", pay_transaction_id=deal.pay_transaction_id, consignee="张三",
        consignee_telephone="13800000000", consignee_address="广东省深圳市南山区 1 号",
    )  # fmt: skip
    line = ceb.OrderList(
        gnum=1, item_name="保湿霜 moisturiser", gmodel="50ml", unit="007", qty=deal.qty, price=deal.price,
        total_price=deal.goods, currency="142", country="116",
    )  # fmt: skip
    message = ceb.CEB311Message(
        guid=guid(), version="1.0", order=(ceb.Order(order_head=head, order_list=(line,)),), base_transfer=_transfer()
    )
    return edi.encode(message)


def payment(deal: Deal, *, payer_id: str | None = None, amount: Decimal | None = None, app_type: str = "1") -> bytes:
    """CEB411Message for ``deal`` (``app_type`` 1 new, 2 change, 3 delete)."""
    head = ceb.PaymentHead(
        guid=guid(), app_type=app_type, app_time=_now(), app_status="2", pay_code=PAY, pay_name="演示支付 demo pay",
        pay_transaction_id=deal.pay_transaction_id, order_no=deal.order_no, ebp_code=EBP, ebp_name=EBP_NAME,
        payer_id_type="1", payer_id_number=payer_id or deal.buyer_id, payer_name="张三",
        amount_paid=deal.paid if amount is None else amount, currency="142", pay_time=_now(),
    )  # fmt: skip
    message = ceb.CEB411Message(
        guid=guid(), version="1.0", payment=(ceb.Payment(payment_head=head),), base_transfer=_transfer()
    )
    return edi.encode(message)


def waybill(deal: Deal) -> bytes:
    """CEB511Message for ``deal``."""
    head = ceb.LogisticsHead(
        guid=guid(), app_type="1", app_time=_now(), app_status="2", logistics_code=LOGISTICS,
        logistics_name="演示物流 demo logistics", logistics_no=deal.logistics_no, order_no=deal.order_no,
        freight=deal.freight, insured_fee=Decimal(0), currency="142", weight=Decimal("0.5"), pack_no=1,
        consignee="张三", consignee_address="广东省深圳市南山区 1 号", consignee_telephone="13800000000",
    )  # fmt: skip
    message = ceb.CEB511Message(
        guid=guid(), version="1.0", logistics=(ceb.Logistics(logistics_head=head),), base_transfer=_transfer()
    )
    return edi.encode(message)


def inventory_model(deal: Deal, *, buyer_id: str | None = None) -> ceb.CEB621Message:
    """CEB621Message model for ``deal`` (unsigned: pass it through ``sign_ceb``)."""
    head = ceb.InventoryHead(
        guid=guid(), app_type="1", app_time=_now(), app_status="2", order_no=deal.order_no, ebp_code=EBP,
        ebp_name=EBP_NAME, ebc_code=EBP, ebc_name=EBP_NAME, logistics_no=deal.logistics_no,
        logistics_code=LOGISTICS, logistics_name="演示物流 demo logistics", cop_no=deal.order_no[:20],
        assure_code=EBP, ie_flag="I", decl_time=_now()[:8], customs_code="5165", port_code="5165",
        buyer_id_type="1", buyer_id_number=buyer_id or deal.buyer_id, buyer_name="张三",
        buyer_telephone="13800000000", consignee_address="广东省深圳市南山区 1 号", agent_code=EBP,
        agent_name=EBP_NAME, trade_mode="9610", traf_mode="4", traf_no="ZZ123", voyage_no="V001", bill_no="BILL001",
        country="116", freight=deal.freight, insured_fee=Decimal(0), currency="142", pack_no=1,
        gross_weight=Decimal("0.5"), net_weight=Decimal("0.4"),
    )  # fmt: skip
    line = ceb.InventoryList(
        gnum=1, item_name="保湿霜 moisturiser", gcode="3304990099", gname="保湿霜", gmodel="50ml", country="116",
        currency="142", qty=deal.qty, unit="007", qty1=deal.qty, unit1="007", price=deal.price,
        total_price=deal.goods,
    )  # fmt: skip
    return ceb.CEB621Message(
        guid=guid(),
        version="1.0",
        inventory=(ceb.Inventory(inventory_head=head, inventory_list=(line,)),),
        base_transfer=_transfer(),
        signature=None,
    )


def client_seq_no() -> str:
    """A fresh 18-digit ClientSeqNo (客户端编号)."""
    return f"{uuid.uuid4().int % 10**18:018d}"


def declaration(seq: str, *, with_goods: bool = True) -> bytes:
    """A small import DecMessage (报关单) saved for declaration (OperType G) with ``seq`` as ClientSeqNo."""
    from eport.edi.dec import models as dec

    goods = dec.DecList(
        g_no="1", code_ts="3304990099", g_name="保湿霜 moisturiser", g_model="50ml", g_qty=Decimal("100"),
        g_unit="007", decl_price=Decimal("20"), decl_total=Decimal("2000"), trade_curr="CNY", origin_country="JPN",
    )  # fmt: skip
    message = dec.DecMessage(
        dec_head=dec.DecHead(
            ie_flag="I",
            custom_master="5300",
            ie_port="5301",
            agent_code=EBP,
            agent_name=EBP_NAME,
            owner_code=EBP,
            owner_name=EBP_NAME,
            trade_mode="0110",
        ),
        dec_lists=dec.DecLists(dec_list=(goods,) if with_goods else ()),
        dec_sign=dec.DecSign(oper_type="G", cop_code=EBP, oper_name="demo", client_seq_no=seq),
    )
    return edi.encode(message)


def manifest(message_id: str, bills: tuple[str, ...] = ("BL0001",), message_type: str = "MT2101") -> bytes:
    """A small sea pre-loading manifest (预配舱单) with the given MessageID and bills of lading."""
    from lxml import etree

    ns = f"urn:Declaration:datamodel:standard:CN:{message_type}:1"
    nsmap: dict[str | None, str] = {None: ns}
    root = etree.Element(f"{{{ns}}}Manifest", nsmap=nsmap)  # type: ignore[arg-type]

    def sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
        element = etree.SubElement(parent, f"{{{ns}}}{tag}")
        element.text = text
        return element

    head = sub(root, "Head")
    for tag, text in (
        ("MessageID", message_id), ("FunctionCode", "9"), ("MessageType", message_type),
        ("SenderID", "4403960001"), ("ReceiverID", "EPORT"), ("SendTime", "20260101120000000"), ("Version", "1.0"),
    ):  # fmt: skip
        sub(head, tag, text)
    declaration_ = sub(root, "Declaration")
    means = sub(declaration_, "BorderTransportMeans")
    sub(means, "JourneyID", "V001E")
    sub(means, "TypeCode", "1")
    sub(means, "ID", "UN9876543")
    sub(means, "Name", "EPORT DEMO")
    for bill in bills:
        consignment = sub(declaration_, "Consignment")
        sub(sub(consignment, "TransportContractDocument"), "ID", bill)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
