"""HTML rendering for Jupyter: models, reports, receipts; parsed back with lxml to check structure and escaping."""

from __future__ import annotations

import attrs
import pytest
from lxml import etree, html

from eport import edi, examples
from eport.edi.ceb import imports as ceb
from eport.edi.core.spec import spec_of
from eport.edi.notebook import COLLAPSE_AFTER, MAX_ROWS, code_name, render_html
from tests.edi.samples import load


def parse(fragment: str) -> etree._Element:
    return html.fragment_fromstring(fragment)


def test_message_renders_head_fields_and_item_table() -> None:
    order = examples.order()
    tree = parse(order._repr_html_())
    headers = [th.text_content() for th in tree.iter("th")]
    assert "orderNo 订单编号" in headers
    assert "goodsValue 商品价格" in headers or "goodsValue 商品金额" in headers
    cells = [td.text_content() for td in tree.iter("td")]
    assert "EPORT-DEMO-20261128-0001" in cells
    assert str(order.order[0].order_head.goods_value) in cells
    # the items: one table, one row per OrderList plus the header row
    item_tables = [t for t in tree.iter("table") if "gnum" in t.text_content() and "SKU-GUMMY-60" in t.text_content()]
    assert len(item_tables) == 1
    assert len(item_tables[0].findall("tr")) == 1 + len(order.order[0].order_list)


def test_values_are_escaped() -> None:
    order = examples.order(attrs.evolve(examples.DEFAULT, buyer_name="<script>alert(1)</script>"))
    out = render_html(order)
    assert "<script>" not in out
    assert "&lt;script&gt;" in out


def test_signatures_are_summarised_not_inlined() -> None:
    inventory = edi.decode(load("import/CEB621Message.xml").data)
    out = render_html(inventory)
    assert "raw XML" in out
    assert "SignatureValue" not in out


def test_report_and_receipts() -> None:
    report = edi.validate(examples.inventory(declare=True))
    tree = parse(render_html(report))
    rows = tree.findall(".//tr[@class='error']")
    assert len(rows) == 1
    assert "signature-required" in rows[0].text_content()
    assert "valid" in render_html(edi.ValidationReport())
    receipts = edi.parse_receipts(load("import/CEB622Message.xml").data)
    tree = parse(render_html(receipts))
    assert len(tree.findall(".//tr")) == 1 + len(receipts)
    assert "电子口岸已暂存" in tree.text_content()
    assert "电子口岸已暂存" in receipts[0]._repr_html_()


def test_envelopes_render() -> None:
    envelope = edi.wrap(edi.encode(examples.order()), sender_id="DXPENT0000458763", receiver_ids="DXPEDCCEB0000002")
    out = envelope._repr_html_()  # type: ignore[attr-defined]
    assert "CopMsgId" in out
    assert "DXPENT0000458763" in out


def test_long_item_lists_are_cut() -> None:
    order = examples.order()
    line = order.order[0].order_list[0]
    many = tuple(attrs.evolve(line, gnum=n) for n in range(1, MAX_ROWS + 6))
    big = attrs.evolve(order, order=(attrs.evolve(order.order[0], order_list=many),))
    assert "… 5 more" in render_html(big)


def test_other_objects_are_refused() -> None:
    with pytest.raises(TypeError):
        render_html(object())


def test_code_values_show_their_names() -> None:
    tree = parse(render_html(examples.inventory()))
    cells = [" ".join(td.text_content().split()) for td in tree.iter("td")]
    assert "142 人民币" in cells  # currency
    assert code_name("currency", "CNY") == "人民币"  # both generations
    assert code_name("currency", "nope") is None
    assert code_name("order_no", "142") is None  # not a coded field


def test_empty_fields_are_hidden() -> None:
    order = examples.order()
    head = order.order[0].order_head
    assert head.note is None  # an optional field the example leaves empty
    tree = parse(render_html(order))
    headers = [th.text_content() for th in tree.iter("th")]
    assert not any(h.startswith("note") for h in headers)
    assert any(h.startswith("orderNo") for h in headers)
    item_table = next(t for t in tree.iter("table") if "SKU-GUMMY-60" in t.text_content())
    item_headers = {th.text_content().split()[0] for th in item_table.findall("tr")[0].iter("th")}
    lines = order.order[0].order_list
    empty = {f.tag for f in spec_of(ceb.OrderList).fields if all(getattr(i, f.name) in (None, "", ()) for i in lines)}
    assert empty  # the example leaves some optional item fields empty …
    assert not empty & item_headers  # … and their columns are not shown
    assert "gnum" in item_headers


def test_long_item_lists_are_folded_short_ones_open() -> None:
    order = examples.order()
    lines = order.order[0].order_list
    short = parse(render_html(order))
    long_order = attrs.evolve(
        order,
        order=(
            attrs.evolve(
                order.order[0],
                order_list=tuple(attrs.evolve(lines[0], gnum=n) for n in range(1, COLLAPSE_AFTER + 2)),
            ),
        ),
    )
    folded = parse(render_html(long_order))

    def items_details(tree: etree._Element) -> etree._Element:
        return next(d for d in tree.iter("details") if d.find("summary").text_content().startswith("OrderList"))

    assert items_details(short).get("open") is not None
    assert items_details(folded).get("open") is None
    assert f"({COLLAPSE_AFTER + 1})" in items_details(folded).find("summary").text_content()
