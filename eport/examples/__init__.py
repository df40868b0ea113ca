"""Shipped example data: one cross-border import purchase as typed CEB messages.

One :class:`Scenario` (an order of two goods from the USA, paid, flown in and declared under 9610 直购进口) yields
the four documents customs matches against each other (三单对碰 plus the inventory):

* :func:`order` → ``CEB311Message`` 电子订单 (e-commerce platform),
* :func:`payment` → ``CEB411Message`` 支付凭证 (payment company),
* :func:`waybill` → ``CEB511Message`` 物流运单 (logistics company),
* :func:`inventory` → ``CEB621Message`` 进口清单 (declaring agent), unsigned: sign it before declaring.

They agree with each other: ``orderNo``, ``ebpCode``, the paid amount (``acturalPaid`` = ``amountPaid``), the
buyer, the consignee, ``logisticsNo``, and the inventory's items (``gnum``, quantities, prices) mirror the order's.
Every code is from the customs tables (currency ``142``, country ``502``, unit ``122`` 罐 …), every guid is a
deterministic upper-case UUID, and the clock is a field of the scenario, so the messages are reproducible.

Pure: imports only :mod:`eport.edi`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import attrs

from eport.edi.ceb import imports as ceb

#: China Standard Time.
CHINA_TZ = dt.timezone(dt.timedelta(hours=8), "CST")

_GUIDS = uuid.UUID("6f1d9a52-3c0e-4b8e-9a57-0e2f1c3d4b5a")
_CENT = Decimal("0.01")


@attrs.frozen(kw_only=True)
class Company:
    """A company registered with customs: its code (海关注册登记编号, 10 or 18 characters) and name."""

    code: str
    name: str


@attrs.frozen(kw_only=True)
class Item:
    """One purchased good.

    Attributes:
        item_no: the e-commerce company's item number (企业商品货号).
        name: goods name (商品名称).
        gcode: HS code (海关商品编码, 10 digits).
        gmodel: specification (规格型号).
        unit: declared unit (计量单位, customs table), ``qty`` in that unit.
        price: unit price in CNY.
        country: country of origin (原产国, customs table).
        unit1, qty1: legal unit and quantity (法定计量单位/数量).
        bar_code: bar code (条形码).
    """

    item_no: str
    name: str
    gcode: str
    gmodel: str
    unit: str
    qty: Decimal
    price: Decimal
    country: str
    unit1: str
    qty1: Decimal
    bar_code: str | None = None

    @property
    def total(self) -> Decimal:
        """``qty`` × ``price``, rounded to cents (总价)."""
        return (self.qty * self.price).quantize(_CENT)


@attrs.frozen(kw_only=True)
class Scenario:
    """Everything the four documents share. Change fields with ``attrs.evolve``."""

    order_no: str = "EPORT-DEMO-20261128-0001"
    pay_transaction_id: str = "PAY2026112800000001"
    logistics_no: str = "SF1234567890123"
    cop_no: str = "INV20261128000001"
    when: dt.datetime = dt.datetime(2026, 11, 28, 10, 0, 0, tzinfo=CHINA_TZ)
    platform: Company = Company(code="440196000A", name="示例跨境电商平台有限公司")
    seller: Company = Company(code="440196000B", name="示例跨境电商企业有限公司")
    payer: Company = Company(code="440196000C", name="示例支付有限公司")
    carrier: Company = Company(code="440196000D", name="示例国际物流有限公司")
    agent: Company = Company(code="440196000E", name="示例报关有限公司")
    transmitter: Company = Company(code="440196000E", name="示例报关有限公司")
    dxp_id: str = "DXPENT0000458763"
    buyer_reg_no: str = "buyer-0001"
    buyer_name: str = "张三"
    buyer_id_number: str = "110101199003070011"
    buyer_telephone: str = "13800000000"
    consignee: str = "张三"
    consignee_telephone: str = "13800000000"
    consignee_address: str = "广东省广州市白云区示例路1号"
    consignee_district: str = "440111"
    items: tuple[Item, ...] = (
        Item(
            item_no="SKU-FORMULA-900",
            name="婴儿配方奶粉 900g",
            gcode="1901101000",
            gmodel="900克/罐，1段",
            unit="122",
            qty=Decimal("2"),
            price=Decimal("198.00"),
            country="502",
            unit1="035",
            qty1=Decimal("1.8"),
            bar_code="0300000000012",
        ),
        Item(
            item_no="SKU-GUMMY-60",
            name="维生素软糖 60粒",
            gcode="2106909090",
            gmodel="60粒/瓶",
            unit="007",
            qty=Decimal("1"),
            price=Decimal("89.90"),
            country="502",
            unit1="035",
            qty1=Decimal("0.2"),
        ),
    )
    freight: Decimal = Decimal("10.00")
    insured_fee: Decimal = Decimal("0")
    discount: Decimal = Decimal("0")
    tax_rate: Decimal = Decimal("0.091")
    customs_code: str = "5141"
    port_code: str = "5141"
    trade_mode: str = "9610"
    traf_mode: str = "5"
    traf_no: str = "CZ3302"
    voyage_no: str = "CZ3302"
    bill_no: str = "784-12345675"
    gross_weight: Decimal = Decimal("2.4")
    net_weight: Decimal = Decimal("2.0")

    @property
    def goods_value(self) -> Decimal:
        """Σ item totals (商品价格)."""
        return sum((item.total for item in self.items), Decimal("0.00"))

    @property
    def tax_total(self) -> Decimal:
        """Tax withheld by the platform (代扣税款): ``tax_rate`` × (goods value + freight), to cents."""
        return (self.tax_rate * (self.goods_value + self.freight)).quantize(_CENT)

    @property
    def actual_paid(self) -> Decimal:
        """goods value + freight + tax − discount (实际支付金额), equal to the payment's ``amountPaid``."""
        return self.goods_value + self.freight + self.tax_total - self.discount

    def guid(self, document: str) -> str:
        """A deterministic upper-case 36-character guid for ``document`` (``"311"``, ``"311/head"`` …)."""
        return str(uuid.uuid5(_GUIDS, f"{self.order_no}/{document}")).upper()

    def time(self, minutes_before: int = 0) -> str:
        """``YYYYMMDDhhmmss`` of :attr:`when` minus some minutes."""
        return (self.when - dt.timedelta(minutes=minutes_before)).strftime("%Y%m%d%H%M%S")


#: The default example purchase.
DEFAULT = Scenario()


def _transfer(s: Scenario) -> ceb.BaseTransfer:
    return ceb.BaseTransfer(cop_code=s.transmitter.code, cop_name=s.transmitter.name, dxp_mode="DXP", dxp_id=s.dxp_id)


def order(s: Scenario = DEFAULT) -> ceb.CEB311Message:
    """The e-commerce order (电子订单, CEB311Message) of the scenario."""
    head = ceb.OrderHead(
        guid=s.guid("311/head"),
        app_type="1",
        app_time=s.time(30),
        app_status="2",
        order_type="I",
        order_no=s.order_no,
        ebp_code=s.platform.code,
        ebp_name=s.platform.name,
        ebc_code=s.seller.code,
        ebc_name=s.seller.name,
        goods_value=s.goods_value,
        freight=s.freight,
        discount=s.discount,
        tax_total=s.tax_total,
        actural_paid=s.actual_paid,
        currency="142",
        buyer_reg_no=s.buyer_reg_no,
        buyer_name=s.buyer_name,
        buyer_telephone=s.buyer_telephone,
        buyer_id_type="1",
        buyer_id_number=s.buyer_id_number,
        pay_code=s.payer.code,
        pay_name=s.payer.name,
        pay_transaction_id=s.pay_transaction_id,
        consignee=s.consignee,
        consignee_telephone=s.consignee_telephone,
        consignee_address=s.consignee_address,
        consignee_district=s.consignee_district,
    )
    lines = tuple(
        ceb.OrderList(
            gnum=n,
            item_no=item.item_no,
            item_name=item.name,
            gmodel=item.gmodel,
            bar_code=item.bar_code,
            unit=item.unit,
            qty=item.qty,
            price=item.price,
            total_price=item.total,
            currency="142",
            country=item.country,
        )
        for n, item in enumerate(s.items, 1)
    )
    return ceb.CEB311Message(
        guid=s.guid("311"),
        version="1.0",
        order=(ceb.Order(order_head=head, order_list=lines),),
        base_transfer=_transfer(s),
    )


def payment(s: Scenario = DEFAULT) -> ceb.CEB411Message:
    """The payment voucher (支付凭证, CEB411Message) of the scenario."""
    head = ceb.PaymentHead(
        guid=s.guid("411/head"),
        app_type="1",
        app_time=s.time(20),
        app_status="2",
        pay_code=s.payer.code,
        pay_name=s.payer.name,
        pay_transaction_id=s.pay_transaction_id,
        order_no=s.order_no,
        ebp_code=s.platform.code,
        ebp_name=s.platform.name,
        payer_id_type="1",
        payer_id_number=s.buyer_id_number,
        payer_name=s.buyer_name,
        telephone=s.buyer_telephone,
        amount_paid=s.actual_paid,
        currency="142",
        pay_time=s.time(31),
    )
    return ceb.CEB411Message(
        guid=s.guid("411"),
        version="1.0",
        payment=(ceb.Payment(payment_head=head),),
        base_transfer=_transfer(s),
    )


def waybill(s: Scenario = DEFAULT) -> ceb.CEB511Message:
    """The waybill (物流运单, CEB511Message) of the scenario."""
    head = ceb.LogisticsHead(
        guid=s.guid("511/head"),
        app_type="1",
        app_time=s.time(10),
        app_status="2",
        logistics_code=s.carrier.code,
        logistics_name=s.carrier.name,
        logistics_no=s.logistics_no,
        bill_no=s.bill_no,
        order_no=s.order_no,
        freight=s.freight,
        insured_fee=s.insured_fee,
        currency="142",
        weight=s.gross_weight,
        pack_no=1,
        goods_info="；".join(item.name for item in s.items),
        consignee=s.consignee,
        consignee_address=s.consignee_address,
        consignee_telephone=s.consignee_telephone,
    )
    return ceb.CEB511Message(
        guid=s.guid("511"),
        version="1.0",
        logistics=(ceb.Logistics(logistics_head=head),),
        base_transfer=_transfer(s),
    )


def inventory(s: Scenario = DEFAULT, *, declare: bool = False) -> ceb.CEB621Message:
    """The import inventory (进口清单, CEB621Message) of the scenario, not signed.

    Args:
        s: the scenario.
        declare: ``appStatus`` 2 (申报 declare) instead of 1 (暂存 save). A declared inventory must be signed
            (``ds:Signature``) before it is sent; validation reports ``signature-required`` until then.

    Returns:
        The message with ``signature`` left ``None``: sign it with :mod:`eport.pki` (or the operator card) to fill
        the slot the schema requires.
    """
    head = ceb.InventoryHead(
        guid=s.guid("621/head"),
        app_type="1",
        app_time=s.time(0),
        app_status="2" if declare else "1",
        order_no=s.order_no,
        ebp_code=s.platform.code,
        ebp_name=s.platform.name,
        ebc_code=s.seller.code,
        ebc_name=s.seller.name,
        logistics_no=s.logistics_no,
        logistics_code=s.carrier.code,
        logistics_name=s.carrier.name,
        cop_no=s.cop_no,
        assure_code=s.seller.code,
        ie_flag="I",
        decl_time=s.when.strftime("%Y%m%d"),
        customs_code=s.customs_code,
        port_code=s.port_code,
        ie_date=s.when.strftime("%Y%m%d"),
        buyer_id_type="1",
        buyer_id_number=s.buyer_id_number,
        buyer_name=s.buyer_name,
        buyer_telephone=s.buyer_telephone,
        consignee_address=s.consignee_address,
        agent_code=s.agent.code,
        agent_name=s.agent.name,
        trade_mode=s.trade_mode,
        traf_mode=s.traf_mode,
        traf_no=s.traf_no,
        voyage_no=s.voyage_no,
        bill_no=s.bill_no,
        country=s.items[0].country,
        freight=s.freight,
        insured_fee=s.insured_fee,
        currency="142",
        wrap_type="2",
        pack_no=1,
        gross_weight=s.gross_weight,
        net_weight=s.net_weight,
    )
    lines = tuple(
        ceb.InventoryList(
            gnum=n,
            item_no=item.item_no,
            item_name=item.name,
            gcode=item.gcode,
            gname=item.name,
            gmodel=item.gmodel,
            bar_code=item.bar_code,
            country=item.country,
            trade_country=item.country,
            currency="142",
            qty=item.qty,
            unit=item.unit,
            qty1=item.qty1,
            unit1=item.unit1,
            price=item.price,
            total_price=item.total,
        )
        for n, item in enumerate(s.items, 1)
    )
    return ceb.CEB621Message(
        guid=s.guid("621"),
        version="1.0",
        inventory=(ceb.Inventory(inventory_head=head, inventory_list=lines),),
        base_transfer=_transfer(s),
        signature=None,  # type: ignore[arg-type]  # filled by signing; the schema requires it (1..1)
    )


def messages(
    s: Scenario = DEFAULT,
) -> tuple[ceb.CEB311Message, ceb.CEB411Message, ceb.CEB511Message, ceb.CEB621Message]:
    """The four documents of the scenario: order, payment, waybill, inventory (saved, unsigned)."""
    return order(s), payment(s), waybill(s), inventory(s)


__all__ = [
    "CHINA_TZ",
    "DEFAULT",
    "Company",
    "Item",
    "Scenario",
    "inventory",
    "messages",
    "order",
    "payment",
    "waybill",
]
