"""Heads and item lists to and from pandas DataFrames, including an Excel round trip."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import attrs
import pandas as pd
import pytest

from eport import edi, examples
from eport.edi import frames
from eport.edi.ceb import imports as ceb
from eport.errors import ConfigurationError
from tests.edi.samples import load


def test_items_round_trip_through_a_frame() -> None:
    order = examples.order()
    frame = frames.to_frame(order, part="items")
    assert list(frame["gnum"]) == [1, 2]
    assert frame["document"].tolist() == [1, 1]
    assert isinstance(frame["price"][0], Decimal)  # never floats
    assert frames.from_frame(frame, ceb.OrderList) == order.order[0].order_list


def test_heads_of_a_multi_document_sample() -> None:
    message = edi.decode(load("import/CEB621Message.xml").data)
    heads = frames.to_frame(message)
    assert len(heads) == len(message.inventory) == 10
    assert heads["document"].tolist() == list(range(1, 11))
    assert heads["cop_no"][0] == message.inventory[0].inventory_head.cop_no
    items = frames.to_frame(message, part="items")
    assert len(items) == sum(len(i.inventory_list) for i in message.inventory)
    rebuilt = frames.from_frame(heads, ceb.InventoryHead)
    assert rebuilt == tuple(i.inventory_head for i in message.inventory)


def test_tag_columns_and_labels() -> None:
    frame = frames.to_frame(examples.order(), columns="tag")
    assert "orderNo" in frame.columns
    assert frames.from_frame(frame, ceb.OrderHead) == (examples.order().order[0].order_head,)
    assert frames.labels(ceb.OrderHead)["order_no"] == "orderNo 订单编号"


def test_receipts_as_rows() -> None:
    message = edi.decode(load("import/CEB622Message.xml").data)
    frame = frames.to_frame(message)
    assert len(frame) == 10
    assert set(frame["return_status"]) == {"1"}


def test_excel_round_trip_keeps_decimals(tmp_path: Path) -> None:
    order = examples.order()
    path = tmp_path / "lines.xlsx"
    frames.to_frame(order.order[0].order_list).astype(str).to_excel(path, index=False)
    read = pd.read_excel(path, dtype=str)
    assert frames.from_frame(read, ceb.OrderList) == order.order[0].order_list


def test_floats_from_spreadsheets_are_read_exactly() -> None:
    frame = pd.DataFrame([{"gnum": 1.0, "item_name": "x", "gmodel": "m", "unit": "007", "qty": 0.1, "price": 2.675,
                           "total_price": 0.2675, "currency": "142", "country": "502"}])  # fmt: skip
    (line,) = frames.from_frame(frame, ceb.OrderList)
    assert line.qty == Decimal("0.1")
    assert line.price == Decimal("2.675")
    assert line.gnum == 1
    assert line.note is None


def test_bad_frames_are_refused() -> None:
    with pytest.raises(ConfigurationError, match="required column item_name"):
        frames.from_frame(pd.DataFrame([{"gnum": 1}]), ceb.OrderList)
    with pytest.raises(ConfigurationError, match="not a valid decimal"):
        frames.models_from_rows(
            [{"gnum": 1, "item_name": "x", "gmodel": "m", "unit": "007", "qty": "lots", "price": 1,
              "total_price": 1, "currency": "142", "country": "502"}], ceb.OrderList
        )  # fmt: skip
    with pytest.raises(ConfigurationError, match="nested required"):
        frames.models_from_rows([{}], ceb.Order)
    with pytest.raises(ConfigurationError, match="one class"):
        frames.to_frame([examples.order().order[0].order_head, examples.order().order[0].order_list[0]])


def test_misspelt_columns_are_refused_not_dropped() -> None:
    line = examples.order().order[0].order_list[0]
    frame = frames.to_frame([line])
    frames.from_frame(frame.assign(document=1, spare=""), ceb.OrderList)  # empty or known extras are fine
    with pytest.raises(ConfigurationError, match=r"row 1: column\(s\) notes name no field of OrderList"):
        frames.from_frame(frame.assign(notes="keep me"), ceb.OrderList)


def test_codes_in_float_columns_keep_their_text() -> None:
    # pandas stores a numeric column as float64 (e.g. when read from Excel with a gap): 502 → 502.0
    rows = frames.to_frame([examples.order().order[0].order_list[0]] * 2)
    rows["currency"] = [142.0, 502.0]
    first, second = frames.from_frame(rows, ceb.OrderList)
    assert (first.currency, second.currency) == ("142", "502")


def test_declarations_flatten_to_their_head_and_goods_items() -> None:
    # Before the review, a DecMessage's "documents" were its EdocRealation attachments: no head, no item.
    from pathlib import Path

    from eport.edi.dec import decode_declaration

    message = decode_declaration((Path(__file__).parent / "data" / "dec" / "dec_import_air_full.xml").read_bytes())
    (head,) = frames.heads(message, columns="tag")
    assert head["document"] == 1
    assert head["IEFlag"] == message.dec_head.ie_flag
    rows = frames.items(message, columns="tag")
    assert [r["CodeTS"] for r in rows] == [item.code_ts for item in message.dec_lists.dec_list]
    assert all("EdocID" not in r for r in rows)


def test_a_list_of_messages_gives_one_row_per_document_head() -> None:
    # Before: to_frame([msg, …]) read the messages as plain models, a 2×2 frame of guid/version.
    first = examples.order()
    second = examples.order(attrs.evolve(examples.DEFAULT, order_no="EPORT-DEMO-20261128-0002"))
    inventory = examples.inventory()
    frame = frames.to_frame([first, second, inventory])
    assert len(frame) == 3
    assert list(frame.columns[:3]) == ["message", "type", "document"]
    assert list(frame["message"]) == [1, 2, 3]
    assert list(frame["type"]) == ["CEB311Message", "CEB311Message", "CEB621Message"]
    expected = ["EPORT-DEMO-20261128-0001", "EPORT-DEMO-20261128-0002", first_order_no(inventory)]
    assert list(frame["order_no"]) == expected
    assert frame.loc[0, "goods_value"] == first.order[0].order_head.goods_value  # head fields, Decimal kept
    items = frames.to_frame([first, second], part="items")
    assert len(items) == 2 * len(first.order[0].order_list)
    back = frames.from_frame(items, ceb.OrderList)  # message/type/document columns are ignored
    assert back == first.order[0].order_list + second.order[0].order_list


def first_order_no(inventory: ceb.CEB621Message) -> str:
    order_no = inventory.inventory[0].inventory_head.order_no
    assert order_no is not None
    return order_no


def test_receipts_become_one_row_each_with_their_keys() -> None:
    found = edi.parse_receipts(load("import/CEB622Message.xml").data)
    frame = frames.to_frame(found)
    assert len(frame) == len(found)
    assert frame.loc[0, "type"] == "CEB622Message"
    assert frame.loc[0, "return_status"] == found[0].return_status
    assert frame.loc[0, "meaning"] == "saved at E-Port 电子口岸已暂存"
    assert frame.loc[0, "copNo"] == found[0].key("copNo")
    assert str(frame["time"].dt.tz) in ("CST", "UTC+08:00")
    one = frames.to_frame(found[0], columns="tag")
    assert list(one["returnStatus"]) == [found[0].return_status]
