"""Export declarations (出口报关单) for the refund tests: generated goods, no real company data."""

from __future__ import annotations

import uuid
from decimal import Decimal

import attrs

from eport import edi
from eport.edi.dec import models as dec


@attrs.frozen
class Goods:
    """One declaration item."""

    code_ts: str
    name: str
    qty: Decimal
    total: Decimal
    currency: str = "USD"
    unit: str = "035"  # 千克
    destination: str = "USA"


def client_seq_no() -> str:
    """A fresh 18-digit ClientSeqNo."""
    return f"{uuid.uuid4().int % 10**18:018d}"


def export_declaration(
    seq: str,
    trade_code: str,
    goods: list[Goods],
    *,
    trade_mode: str = "0110",
    trans_mode: str = "3",
    fee: tuple[str, Decimal, str] | None = None,
    insurance: tuple[str, Decimal, str] | None = None,
) -> bytes:
    """An export DecMessage saved for declaration (OperType G); ``fee``/``insurance`` are (mark, rate, currency)."""
    items = tuple(
        dec.DecList(
            g_no=str(index), code_ts=item.code_ts, g_name=item.name, g_model="-", g_qty=item.qty, g_unit=item.unit,
            first_qty=item.qty, first_unit=item.unit, decl_price=(item.total / item.qty).quantize(Decimal("0.0001")),
            decl_total=item.total, trade_curr=item.currency, destination_country=item.destination,
        )
        for index, item in enumerate(goods, start=1)
    )  # fmt: skip
    head = dec.DecHead(
        ie_flag="E", custom_master="5300", ie_port="5301", agent_code=trade_code, agent_name="测试代理 test agent",
        owner_code=trade_code, owner_name="测试出口企业 test exporter", trade_code=trade_code,
        trade_name="测试出口企业 test exporter", trade_mode=trade_mode, trans_mode=trans_mode, trade_country="USA",
        gross_wet=Decimal("1000"),
        fee_mark=fee[0] if fee else None, fee_rate=fee[1] if fee else None, fee_curr=fee[2] if fee else None,
        insur_mark=insurance[0] if insurance else None, insur_rate=insurance[1] if insurance else None,
        insur_curr=insurance[2] if insurance else None,
    )  # fmt: skip
    message = dec.DecMessage(
        dec_head=head,
        dec_lists=dec.DecLists(dec_list=items),
        dec_sign=dec.DecSign(oper_type="G", cop_code=trade_code, oper_name="test", client_seq_no=seq),
    )
    return edi.encode(message)
