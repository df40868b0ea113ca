"""A forwarder's waybill sheet of any size with deliberate errors at known cells (shared by tests and benchmarks)."""

from __future__ import annotations

from typing import Any

#: Chinese headers as forwarders write them; each matches a declaration field.
HEADERS = [
    "客户端编号",  # DecSign.ClientSeqNo: rows with the same number form one declaration
    "进出口标志",
    "主管海关",
    "进出境关别",
    "运输方式",
    "运单号",
    "申报单位代码",
    "申报单位名称",
    "录入单位代码",
    "录入单位名称",
    "录入员IC卡号",
    "录入员名称",
    "申报人员姓名",
    "价格说明",
    "贸易国别",
    "启运国",
    "毛重",
    "净重",
    "HS编码",
    "品名",
    "数量",
    "单位",
    "单价",
    "总价",
    "币制",
    "最终目的国（地区）",
]

#: Columns of goods items; the others are head columns, repeated on every row of a declaration.
ITEM_HEADERS = {"HS编码", "品名", "数量", "单位", "单价", "总价", "币制", "最终目的国（地区）"}

#: (0-based data row index, header, bad value, expected problem code). A head error is written on both rows of
#: its declaration (else the rows would also disagree) and reported on the declaration's first row; a
#: ``head-mismatch`` is written on one row only.
ERRORS: list[tuple[int, str, str, str]] = [
    (3, "单价", "abc", "bad-decimal"),
    (10, "毛重", "10", "gross-below-net"),
    (25, "总价", "999", "item-total"),
    (40, "币制", "XXX", "code-table"),
    (77, "主管海关", "37130", "length"),
    (120, "进出口标志", "", "required"),
    (301, "运单号", "999-DIFFERENT", "head-mismatch"),
    (502, "启运国", "502", "code-generation"),
    (777, "品名", "x" * 300, "length"),
    (998, "HS编码", "", "required"),
]


def expected_errors(n: int = 1000) -> set[tuple[int, str, str]]:
    """(spreadsheet row, column, code) of every deliberate error in the first ``n`` rows."""
    out = set()
    for index, header, _value, code in ERRORS:
        if index >= n:
            continue
        head = header not in ITEM_HEADERS and code != "head-mismatch"
        out.add(((index & ~1 if head else index) + 2, header, code))
    return out


def waybill_rows(n: int = 1000, *, with_errors: bool = True) -> list[dict[str, str]]:
    """``n`` goods rows, two per declaration (air imports through Linyi 3713 from Dubai, USD)."""
    rows = []
    for i in range(n):
        decl = i // 2
        rows.append(
            {
                "客户端编号": f"{202401050000000000 + decl}",
                "进出口标志": "I",
                "主管海关": "3713",
                "进出境关别": "3713",
                "运输方式": "5",
                "运单号": f"784-{10000000 + decl}",
                "申报单位代码": "3713980001",
                "申报单位名称": "临沂示例报关有限公司",
                "录入单位代码": "MA3C00001",
                "录入单位名称": "临沂示例报关有限公司",
                "录入员IC卡号": "8910001071201",
                "录入员名称": "张三",
                "申报人员姓名": "李四",
                "价格说明": "00099",
                "贸易国别": "ARE",
                "启运国": "ARE",
                "毛重": "20.5",
                "净重": "18",
                "HS编码": "8471300000",
                "品名": "笔记本电脑",
                "数量": "2",
                "单位": "001",
                "单价": "100.25",
                "总价": "200.5",
                "币制": "USD",
                "最终目的国（地区）": "CHN",
            }
        )
    if with_errors:
        for index, header, value, code in ERRORS:
            if index >= n:
                continue
            rows[index][header] = value
            if header not in ITEM_HEADERS and code != "head-mismatch" and (index ^ 1) < n:
                rows[index ^ 1][header] = value
    return rows


def as_matrix(rows: list[dict[str, Any]]) -> list[list[Any]]:
    """Header row plus data rows, for writing a worksheet."""
    return [HEADERS, *([row[h] for h in HEADERS] for row in rows)]
