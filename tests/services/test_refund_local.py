"""eport.services.refund without a server: records from DecMessage + receipts, claim lines, the doubt rules, forms."""

from __future__ import annotations

import csv
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest

from eport.edi.dec import DecResult, decode_declaration
from eport.errors import FieldError, IdentifierError, LegacyOperationError
from eport.identifiers import RefundDeclNo
from eport.services.refund import (
    RULES,
    ClaimLine,
    FormHeader,
    PurchaseLine,
    RefundClient,
    RefundRecord,
    ReturnPurpose,
    SelfCheckConfig,
    check_declarations,
    check_line,
    claim_lines,
    index_records,
    read_claim_lines,
    records_from_declaration,
    run_self_check,
    self_check,
    write_forms,
    write_lines_csv,
)
from eport.services.refund import selfcheck as rules
from tests.sandbox import refund_messages as rm

ENTRY = "530020260000000123"
USCC = "91350100M000100Y43"


def _closed(entry: str = ENTRY, channel: str = "R") -> DecResult:
    return DecResult(cus_ciq_no="E20260000000000001", entry_id=entry, notice_date="2026-12-04T10:00:00",
                     channel=channel, i_e_date="2026-12-03")  # fmt: skip


def _message(goods: list[rm.Goods] | None = None, **options: Any) -> Any:
    goods = goods or [rm.Goods("8471300000", "笔记本电脑 laptop", Decimal("10"), Decimal("5000"))]
    return decode_declaration(rm.export_declaration("123456789012345678", "4403R10001", goods, **options))


# ------------------------------------------------------------------------------------------------ records
def test_records_take_entry_id_and_dates_from_the_r_receipt() -> None:
    (record,) = records_from_declaration(_message(), [_closed()])
    assert record.refund_decl_no == f"{ENTRY}001"
    assert (record.export_date, record.closed_on) == (dt.date(2026, 12, 3), dt.date(2026, 12, 4))
    assert (record.usd_fob, record.currency, record.destination, record.trade_mode) == (
        Decimal("5000.00"), "USD", "502", "0110")  # fmt: skip


def test_closed_date_is_the_china_date_of_the_r_notice() -> None:
    from eport.services import Family, Stage, StatusEvent
    from eport.services.refund import closed_declaration

    late = DecResult(cus_ciq_no="E20260000000000001", entry_id=ENTRY, notice_date="2026-12-04T23:30:00", channel="R")
    assert closed_declaration(_message(), [late]).closed_on == dt.date(2026, 12, 4)
    utc_evening = dt.datetime(2026, 12, 4, 17, 0, tzinfo=dt.timezone.utc)  # 01:00 on 5 December in China
    event = StatusEvent(receipt_type="DEC_RESULT", family=Family.DEC, stage=Stage.CLOSED, code="R", info="已结关",
                        at=utc_evening, entry_id=ENTRY)  # fmt: skip
    assert closed_declaration(_message(), [event]).closed_on == dt.date(2026, 12, 5)


def test_cif_value_loses_freight_and_insurance_shared_by_usd_value() -> None:
    goods = [rm.Goods("8471300000", "a", Decimal("10"), Decimal("5000")),
             rm.Goods("6109100010", "b", Decimal("200"), Decimal("7000"), "CNY")]  # fmt: skip
    message = _message(goods, trans_mode="1", fee=("3", Decimal("100"), "USD"), insurance=("1", Decimal("0.3"), "USD"))
    first, second = records_from_declaration(message, [_closed()], rates={"CNY": Decimal("0.14")})
    # value 5000 + 980 = 5980 USD; freight 100 + insurance 0.3 % = 117.94, shared by value
    assert first.usd_fob == Decimal("4901.39")
    assert second.usd_fob == Decimal("960.67")


def test_money_is_rounded_half_up_to_the_cent() -> None:
    goods = [rm.Goods("8471300000", "a", Decimal(1), Decimal("10.125")),
             rm.Goods("8471300000", "b", Decimal(1), Decimal("1.25"), "CNY")]  # fmt: skip
    records = records_from_declaration(_message(goods), [_closed()], rates={"CNY": Decimal("0.1")})
    assert [r.usd_fob for r in records] == [Decimal("10.13"), Decimal("0.13")]  # 四舍五入, not banker's rounding
    purchase = _purchase("L1")
    assert attrs.evolve(purchase, taxable_amount=Decimal("0.25"), refund_rate=Decimal(10)).refundable == Decimal("0.03")


@pytest.mark.parametrize(
    ("message_options", "receipts", "rates", "field"),
    [
        ({"goods": [rm.Goods("8471300000", "a", Decimal(1), Decimal(1), "XYZ")]}, "R", {}, "dec_lists[0].trade_curr"),
        ({"goods": [rm.Goods("8471300000", "a", Decimal(1), Decimal(1), "EUR")]}, "R", {}, "dec_lists[0].trade_curr"),
        ({}, "P", {}, "receipts"),
    ],
)
def test_bad_declaration_data_names_the_field(
    message_options: dict[str, Any], receipts: str, rates: dict[str, Decimal], field: str
) -> None:
    with pytest.raises(FieldError) as info:
        records_from_declaration(_message(**message_options), [_closed(channel=receipts)], rates=rates)
    assert info.value.field == field


def test_unknown_currency_message_and_import_declarations_are_refused() -> None:
    with pytest.raises(FieldError, match="unknown currency 'XYZ'"):
        records_from_declaration(_message([rm.Goods("8471300000", "a", Decimal(1), Decimal(1), "XYZ")]), [_closed()])
    message = _message()
    imported = attrs.evolve(message, dec_head=attrs.evolve(message.dec_head, ie_flag="I"))
    with pytest.raises(FieldError, match="export declarations") as info:
        records_from_declaration(imported, [_closed()])
    assert info.value.field == "dec_head.ie_flag"
    with pytest.raises(IdentifierError, match="marks I, expected E"):
        records_from_declaration(message, [_closed(entry="530020261000000123")])


# ------------------------------------------------------------------------------------------------ claim lines
def _record(item: int = 1, **changes: Any) -> RefundRecord:
    base = RefundRecord(
        refund_decl_no=RefundDeclNo.of(ENTRY, item), customs="5300", export_date=dt.date(2026, 12, 3),
        closed_on=dt.date(2026, 12, 4), trade_mode="0110", trans_mode="3", trade_code="4403R10001",
        destination="502", code_ts="8471300000", name="laptop", unit="035", qty=Decimal(10), currency="USD",
        total=Decimal(1000), usd_fob=Decimal("1000.00"),
    )  # fmt: skip
    return attrs.evolve(base, **changes)


def _line(seq: int = 1, item: int = 1, **changes: Any) -> ClaimLine:
    (line,) = claim_lines([_record(item)], start=seq)
    return attrs.evolve(line, **changes)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"not_refundable": "no"}, "not_refundable"),  # a truthy string must not become 不予退税
        ({"amended": 1}, "amended"),
        ({"claimed_qty": "abc"}, "claimed_qty"),
        ({"claimed_usd": "-5"}, "claimed_usd"),
        ({"usd_fob": "NaN"}, "usd_fob"),
        ({"departure_date": "soon"}, "departure_date"),
        ({"return_purpose": "9"}, "return_purpose"),
    ],
)
def test_record_json_is_checked_field_by_field(change: dict[str, Any], field: str) -> None:
    record = _record(not_refundable=True, claimed_qty=Decimal(2), departure_date=dt.date(2026, 12, 1))
    assert RefundRecord.from_json(record.to_json()) == record
    with pytest.raises(FieldError) as info:
        RefundRecord.from_json(record.to_json() | change)
    assert info.value.field == field


def test_claim_line_rows_round_trip_and_errors_name_line_and_field() -> None:
    line = _line()
    assert ClaimLine.from_row(line.to_row()) == line
    assert ClaimLine.from_row(line.to_json()) == line
    for change, field, reason in [
        ({"出口货物报关单号": f"{ENTRY}100"}, "lines[7].refund_decl_no", "001..099"),
        ({"出口日期": "2026-13-01"}, "lines[7].export_date", "not a date"),
        ({"美元离岸价": "10.001"}, "lines[7].usd_fob", "decimal places"),
        ({"出口数量": "ten"}, "lines[7].qty", "not a number"),
        ({"出口商品代码": "84A1"}, "lines[7].code", "4-10 digits"),
        ({"关联号": ""}, "lines[7].link_no", "required"),
        ({"序号": "0"}, "lines[7].seq", "1 or more"),
        ({"出口数量": "-10", "美元离岸价": "-1000.00"}, "lines[7].qty", "more than 0"),
        ({"出口数量": "0"}, "lines[7].qty", "more than 0"),
        ({"美元离岸价": "-1000.00"}, "lines[7].usd_fob", "HZCJ"),
    ]:
        with pytest.raises(FieldError) as info:
            ClaimLine.from_row(line.to_row() | change, index=7)
        assert info.value.field == field
        assert reason in info.value.reason
    reversal = {"退（免）税业务类型": "HZCJ-TY", "出口数量": "-10", "美元离岸价": "-1000.00"}
    assert ClaimLine.from_row(line.to_row() | reversal).qty == Decimal(-10)  # 红字冲减 lines are negative


def test_purchase_line_checks_rates_and_supplier_id() -> None:
    row = {"seq": "1", "link_no": "L1", "tax_kind": "V", "voucher_type": "01", "voucher_no": "0440012345",
           "supplier_tax_id": USCC, "invoice_date": "2026-11-20", "code": "8471300000", "name": "laptop",
           "unit": "035", "qty": "10", "taxable_amount": "60000.00", "tax_rate": "13", "refund_rate": "13"}  # fmt: skip
    assert PurchaseLine.from_row(row).refundable == Decimal("7800.00")
    with pytest.raises(IdentifierError) as info:
        PurchaseLine.from_row(row | {"supplier_tax_id": USCC[:-1] + "4"}, index=2)
    assert info.value.field == "purchases[2].supplier_tax_id"
    with pytest.raises(FieldError, match="cannot exceed"):
        PurchaseLine.from_row(row | {"refund_rate": "16"})


# ------------------------------------------------------------------------------------------------ doubt rules
CASES: list[tuple[str, dict[str, Any], dict[str, Any], SelfCheckConfig]] = [
    (rules.USDLAJ_CY, {}, {"usd_fob": Decimal("1060.00")}, SelfCheckConfig()),
    (rules.USDLAJ_GD, {"amendment_pending": True}, {"usd_fob": Decimal("1060.00")}, SelfCheckConfig()),
    (rules.LSSBJL, {"claimed_qty": Decimal(1)}, {}, SelfCheckConfig()),
    (rules.BYTS, {"not_refundable": True}, {}, SelfCheckConfig()),
    (rules.CD, {"return_purpose": ReturnPurpose.CANCEL}, {}, SelfCheckConfig()),
    (rules.GD, {"return_purpose": ReturnPurpose.AMEND}, {}, SelfCheckConfig()),
    (rules.SPDM, {}, {"code": "84713001"}, SelfCheckConfig()),
    (rules.MYXZ_BCZ, {"trade_mode": ""}, {}, SelfCheckConfig()),
    (rules.MYXZ_BTS, {"trade_mode": "0214"}, {}, SelfCheckConfig()),
    (rules.LMYCL_ZZMDG, {}, {"business_type": "LMYCL"}, SelfCheckConfig()),
    (rules.XFS_WDZXX, {}, {"consumption_tax_cert": "X1"}, SelfCheckConfig()),
    (rules.HZCJ_BYZ, {"claimed_qty": Decimal(10), "claimed_usd": Decimal(1000)},
     {"business_type": "HZCJ", "qty": Decimal(-10), "usd_fob": Decimal(-999)}, SelfCheckConfig()),
    (rules.QYGTS_FQYG, {"departure_date": dt.date(2026, 12, 3)}, {"business_type": "QYGTS"},
     SelfCheckConfig(enterprise_class="A")),
    (rules.QYGTS_CXCK, {"departure_port": True, "export_cancelled": True, "departure_date": dt.date(2026, 12, 3)},
     {"business_type": "QYGTS"}, SelfCheckConfig(enterprise_class="B")),
    (rules.QYGTS_QYLB, {"departure_port": True, "departure_date": dt.date(2026, 12, 3)}, {"business_type": "QYGTS"},
     SelfCheckConfig(enterprise_class="C")),
    (rules.CKRQ, {"departure_port": True, "departure_date": dt.date(2026, 12, 1)}, {"business_type": "QYGTS"},
     SelfCheckConfig(enterprise_class="A")),
]  # fmt: skip


@pytest.mark.parametrize(("code", "record_changes", "line_changes", "config"), CASES, ids=[c[0] for c in CASES])
def test_each_rule_alone_gives_exactly_its_code(
    code: str, record_changes: dict[str, Any], line_changes: dict[str, Any], config: SelfCheckConfig
) -> None:
    line = _line(**line_changes)
    doubts = check_line(line, _record(**record_changes), config=config)
    assert [d.code for d in doubts] == [code]
    assert (doubts[0].level, doubts[0].passable) == RULES[code][:2]
    assert doubts[0].line == 1
    assert doubts[0].refund_decl_no == line.refund_decl_no


def test_no_record_is_a_blocking_wdzxx_and_a_clean_line_has_no_doubt() -> None:
    (doubt,) = check_line(_line(), None)
    assert (doubt.code, doubt.level.value, doubt.passable) == (rules.WDZXX, "E", False)
    assert doubt.message == f"出口货物报关单号[{ENTRY}001]无电子信息！ no customs electronic record"
    assert check_line(_line(), _record()) == []


def test_fob_tolerance_needs_both_more_than_1_usd_and_more_than_5_percent() -> None:
    small = _record(usd_fob=Decimal("10.00"))
    assert check_line(_line(usd_fob=Decimal("10.90")), small) == []  # 9 %, but under 1 USD
    assert check_line(_line(usd_fob=Decimal("1049.00")), _record()) == []  # 49 USD, under 5 %
    off = _line(usd_fob=Decimal("1060.00"))
    assert check_line(off, _record(), config=SelfCheckConfig(explained=frozenset({f"{ENTRY}001"}))) == []
    assert check_line(off, _record(), config=SelfCheckConfig(fob_rel=Decimal("0.1"))) == []
    assert [d.code for d in check_line(off, _record())] == [rules.USDLAJ_CY]


def test_fob_tolerance_boundaries_exactly_1_usd_and_exactly_5_percent_pass() -> None:
    small = _record(usd_fob=Decimal("10.00"))
    assert check_line(_line(usd_fob=Decimal("11.00")), small) == []  # exactly 1 USD (10 %): not more than 1 USD
    assert check_line(_line(usd_fob=Decimal("9.00")), small) == []  # exactly 1 USD below
    assert [d.code for d in check_line(_line(usd_fob=Decimal("11.01")), small)] == [rules.USDLAJ_CY]
    assert check_line(_line(usd_fob=Decimal("1050.00")), _record()) == []  # exactly 5 % (50 USD)
    assert check_line(_line(usd_fob=Decimal("950.00")), _record()) == []
    assert [d.code for d in check_line(_line(usd_fob=Decimal("1050.01")), _record())] == [rules.USDLAJ_CY]
    assert [d.code for d in check_line(_line(usd_fob=Decimal("949.99")), _record())] == [rules.USDLAJ_CY]


def test_commodity_codes_are_compared_over_the_shorter_length() -> None:
    assert check_line(_line(code="84713000"), _record()) == []  # the line's 8 digits agree with customs' 10
    assert check_line(_line(), _record(code_ts="847130")) == []  # customs' 6 digits agree with the line's 10
    assert [d.code for d in check_line(_line(code="84713001"), _record(code_ts="847130"))] == []
    assert [d.code for d in check_line(_line(code="8471"), _record(code_ts="8472300000"))] == [rules.SPDM]
    assert [d.code for d in check_line(_line(), _record(code_ts=""))] == [rules.SPDM]  # customs sent no code


def test_edges_of_the_claim_amendment_and_departure_port_rules() -> None:
    # an earlier claim counts by USD FOB as well as by quantity
    assert [d.code for d in check_line(_line(), _record(claimed_usd=Decimal("0.01")))] == [rules.LSSBJL]
    # 改单 with the amended data held is no doubt; without it GD
    assert check_line(_line(), _record(return_purpose=ReturnPurpose.AMEND, amended=True)) == []
    assert check_line(_line(), _record(return_purpose=ReturnPurpose.RETURN)) == []
    # 启运港 item without a departure date: the export date cannot match it
    departure = _record(departure_port=True, departure_date=None)
    codes = [d.code for d in check_line(_line(business_type="QYGTS"), departure,
                                        config=SelfCheckConfig(enterprise_class="A"))]  # fmt: skip
    assert codes == [rules.CKRQ]
    # a 红字冲减 line is no claim: the same number claimed after it in the same check is no duplicate
    reversal = _line(1, business_type="HZCJ", qty=Decimal(-10), usd_fob=Decimal("-1000.00"))
    report = run_self_check([reversal, _line(2)], index_records([_record(claimed_qty=Decimal(10),
                                                                         claimed_usd=Decimal(1000))]))  # fmt: skip
    assert [(d.line, d.code) for d in report.doubts] == [(2, rules.LSSBJL)]
    fresh = run_self_check([reversal, _line(2)], index_records([_record()]))
    assert [(d.line, d.code) for d in fresh.doubts] == [(1, rules.HZCJ_BYZ)]


def test_a_partial_claim_is_compared_with_the_customs_value_of_its_quantity() -> None:
    half = _record(claimed_qty=Decimal(4), claimed_usd=Decimal("400.00"))
    (rest,) = claim_lines([half])  # the rest: 6 of 10, 600.00 of 1000.00
    done = _record(2, claimed_qty=Decimal(10), claimed_usd=Decimal(1000))
    assert [(line.seq, line.refund_decl_no) for line in claim_lines([done, half], start=5)] == [
        (5, half.refund_decl_no)
    ]
    assert (rest.qty, rest.usd_fob) == (Decimal(6), Decimal("600.00"))
    assert [d.code for d in check_line(rest, half)] == [rules.LSSBJL]  # earlier claim only: no FOB doubt
    assert check_line(_line(qty=Decimal(3), usd_fob=Decimal("300.00")), _record()) == []
    assert check_line(_line(qty=Decimal(3), usd_fob=Decimal("315.00")), _record()) == []  # exactly 5 % of 300
    overvalued = check_line(_line(qty=Decimal(3), usd_fob=Decimal("1000.00")), _record())  # full value, 3 of 10
    assert [(d.code, "customs 300.00" in d.message) for d in overvalued] == [(rules.USDLAJ_CY, True)]
    overclaimed = check_line(_line(qty=Decimal(20), usd_fob=Decimal("2000.00")), _record())  # not prorated up
    assert [d.code for d in overclaimed] == [rules.USDLAJ_CY]
    assert rules.customs_fob(_line(qty=Decimal(1)), _record(qty=Decimal(3))) == Decimal("333.33")
    half_cent = _record(qty=Decimal(2), usd_fob=Decimal("0.05"))
    assert rules.customs_fob(_line(qty=Decimal(1)), half_cent) == Decimal("0.03")  # 0.025: 四舍五入, half up


def test_self_check_config_takes_plain_numbers_and_refuses_bad_values_by_name() -> None:
    off = _line(usd_fob=Decimal("1060.00"))  # 6 % off
    assert check_line(off, _record(), config=SelfCheckConfig(fob_rel=0.1)) == []
    assert check_line(off, _record(), config=SelfCheckConfig(fob_rel="0.10", fob_abs=1)) == []
    assert SelfCheckConfig(enterprise_class="a").enterprise_class == "A"
    assert SelfCheckConfig(explained=[f"{ENTRY}001"]).explained == {f"{ENTRY}001"}
    for kwargs, field in [
        ({"fob_rel": "five percent"}, "fob_rel"),
        ({"fob_rel": 5}, "fob_rel"),  # a fraction: 0.05 is 5 %
        ({"fob_abs": "-1"}, "fob_abs"),
        ({"trade_mode_refund": {"0110": 2}}, "trade_mode_refund[0110]"),
        ({"enterprise_class": "E"}, "enterprise_class"),
    ]:
        with pytest.raises(FieldError) as info:
            SelfCheckConfig(**kwargs)
        assert info.value.field == field


def test_streaming_check_flags_a_repeated_item_and_reports_counts() -> None:
    lines = [_line(1), _line(2), _line(3, item=2)]
    report = run_self_check(iter(lines), index_records([_record(1)]))
    assert report.lines == 3
    assert [(d.line, d.code) for d in report.doubts] == [(2, rules.LSSBJL), (3, rules.WDZXX)]
    assert [d.code for d in report.blocking] == [rules.WDZXX]
    assert not report.declarable
    consumed = iter(lines)
    first = next(self_check(consumed, {}))  # lazy: one line read for the first doubt
    assert first.line == 1
    assert next(consumed).seq == 2


# ------------------------------------------------------------------------------------------------ forms
def _purchase(link: str, seq: int = 1) -> PurchaseLine:
    return PurchaseLine(seq=seq, link_no=link, tax_kind="V", voucher_type="01", voucher_no="0440012345",
                        supplier_tax_id=USCC, invoice_date=dt.date(2026, 11, 20), code="8471300000", name="laptop",
                        unit="035", qty=Decimal(10), taxable_amount=Decimal("6000.00"), tax_rate=Decimal(13),
                        refund_rate=Decimal(13))  # fmt: skip


def test_forms_written_as_xlsx_and_csv_with_linked_rows(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    header = FormHeader.parse(taxpayer_id=USCC, taxpayer_name="测试出口企业", period="202612", batch=1)
    lines = claim_lines([_record(1), _record(2)])
    purchases = [_purchase(lines[0].link_no)]
    (book,) = write_forms(tmp_path, header, lines, purchases)
    assert book.name == "202612-001.xlsx"
    sheets = load_workbook(book)
    export = [[c.value for c in row] for row in sheets["出口明细"].iter_rows()]
    assert export[0][0] == "外贸企业出口退税出口明细申报表"
    assert export[5][:4] == ["序号", "关联号", "出口发票号", "出口货物报关单号"]
    assert export[6][3] == f"{ENTRY}001"
    purchase = [[c.value for c in row] for row in sheets["进货明细"].iter_rows()]
    assert purchase[6][1] == export[6][1] == export[7][1]  # 关联号 links
    assert purchase[6][-2] == "780.00"

    written = write_forms(tmp_path, header, lines, purchases, fmt="csv")
    assert [p.name for p in written] == ["202612-001-出口明细.csv", "202612-001-进货明细.csv"]
    assert list(read_claim_lines(written[0])) == lines  # the header block is skipped on reading
    with open(written[1], encoding="utf-8-sig", newline="") as handle:
        assert list(csv.reader(handle))[1] == ["纳税人识别号", USCC]


def test_refused_forms_write_nothing(tmp_path: Path) -> None:
    header = FormHeader.parse(taxpayer_id=USCC, taxpayer_name="x", period="202612")
    lines = claim_lines([_record(1)])
    with pytest.raises(FieldError) as info:
        write_forms(tmp_path, header, lines, [_purchase("OTHER")])
    assert info.value.field == "lines[1].link_no"
    with pytest.raises(FieldError, match="appears twice"):
        write_forms(tmp_path, header, [*lines, lines[0]])
    with pytest.raises(FieldError) as bad_header:
        FormHeader.parse(taxpayer_id=USCC, taxpayer_name="x", period="202600")
    assert bad_header.value.field == "header.period"
    assert list(tmp_path.iterdir()) == []


def test_lines_csv_streams_back(tmp_path: Path) -> None:
    lines = claim_lines([_record(i) for i in range(1, 4)])
    path = write_lines_csv(tmp_path / "lines.csv", lines)
    assert list(read_claim_lines(path)) == lines
    path.write_text(path.read_text(encoding="utf-8-sig").replace(f"{ENTRY}002", f"{ENTRY}000"), encoding="utf-8")
    reader = read_claim_lines(path)
    assert next(reader) == lines[0]
    with pytest.raises(IdentifierError) as info:
        next(reader)
    assert info.value.field == "lines[2].refund_decl_no"


def test_legacy_calls_refuse_without_opt_in_and_without_network() -> None:
    client = RefundClient("http://127.0.0.1:9")  # nothing listens there: a network call would fail differently
    for call in (lambda: client.submit_all("4403R10001"), lambda: client.select_submit("4403R10001", [ENTRY]),
                 lambda: list(client.legacy_query("4403R10001"))):  # fmt: skip
        with pytest.raises(LegacyOperationError, match="customs now feeds the tax side"):
            call()


def test_check_declarations_takes_the_enterprises_own_messages_and_receipts() -> None:
    closed, still_open = _message(), _message()
    (record,) = records_from_declaration(closed, [_closed()])
    (line,) = claim_lines([record])
    other = attrs.evolve(line, seq=2, refund_decl_no=RefundDeclNo.of("530020260000000124", 1))
    report = check_declarations([(closed, [_closed()]), (still_open, [_closed("530020260000000124", "P")])],
                                [line, other])  # fmt: skip
    assert [(d.line, d.code) for d in report.doubts] == [(2, rules.WDZXX)]  # the open one has no record yet


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"code": "invalid", "error": "the batch was refused", "field": "lines[3].qty", "reason": "must be > 0"},
         ("lines[3].qty", "must be > 0")),
        ({"code": "invalid", "error": "header.period: not YYYYMM"}, None),  # no field member: no guessing
        ({"code": "bad_parameter", "error": "body.lines: field required"}, None),
        ({"code": "bad_parameter", "error": "tradeCode: bad", "field": "tradeCode", "reason": "pattern"},
         ("tradeCode", "pattern")),
    ],
)  # fmt: skip
def test_refusals_are_read_from_the_structured_error_body(
    body: dict[str, str], expected: tuple[str, str] | None
) -> None:
    import json

    from eport.errors import PortalError
    from eport.services.portal import PortalResponse
    from eport.services.refund.client import raise_refusal

    response = PortalResponse(400, {"content-type": "application/json"}, json.dumps(body).encode(), "http://t/b")
    with pytest.raises(PortalError if expected is None else FieldError) as info:
        raise_refusal(response)
    if expected is None:
        assert isinstance(info.value, PortalError)
        assert (info.value.status, info.value.code) == (400, body["code"])
    else:
        assert isinstance(info.value, FieldError)
        assert (info.value.field, info.value.reason) == expected
    raise_refusal(PortalResponse(200, {}, b"{}", "http://t/b"))  # 2xx: no error


def test_cli_check_without_a_source_of_records_is_a_usage_error(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from eport.cli.main import cli

    path = write_lines_csv(tmp_path / "lines.csv", [_line()])
    result = CliRunner().invoke(cli, ["refund", "check", str(path)])
    assert result.exit_code == 2  # docs/cli.md: 2 is a usage error
    assert "error: UsageError: give --records FILE or --trade-code" in result.output
    records = tmp_path / "records.jsonl"
    records.write_text(json.dumps(_record().to_json()) + "\n", encoding="utf-8")
    checked = CliRunner().invoke(cli, ["refund", "check", str(path), "--records", str(records), "--json"])
    assert (checked.exit_code, checked.stdout) == (0, "")


def test_client_treats_malformed_answers_as_protocol_errors_and_repeats_legacy_queries() -> None:
    from eport.errors import ProtocolError
    from eport.services import Retry
    from eport.services.portal import PortalSession
    from tests.services.test_portal import Scripted, ok

    closed_bad = ok({"rows": [{"entryId": "123", "closedOn": "2026-12-01"}], "total": 1})  # the server's fault
    record_bad = ok(dict(_record().to_json(), not_refundable="no"))
    legacy_ok = ok({"rows": [{"entryId": ENTRY, "exportDate": "2026-12-03", "customs": "5300", "state": "AVAILABLE"}],
                    "total": 1})  # fmt: skip
    busy = (503, {"Content-Type": "application/json"}, b'{"error": "busy", "code": "busy"}')
    for answers, call, error in [
        ((closed_bad,), lambda c: list(c.closed_declarations("4403R10001")), ProtocolError),
        ((record_bad,), lambda c: c.record(f"{ENTRY}001"), ProtocolError),
        ((ok({"rows": [{"entryId": ENTRY}]}),), lambda c: list(c.legacy_query("4403R10001")), ProtocolError),
        ((ok({"submitted": ["x"]}),), lambda c: c.submit_all("4403R10001"), ProtocolError),
        ((busy, legacy_ok), lambda c: [str(r.entry_id) for r in c.legacy_query("4403R10001")], None),
    ]:
        server = Scripted(*answers)
        try:
            portal = PortalSession(server.url, retry=Retry(attempts=2, backoff=0), sleep=lambda _: None)
            client = RefundClient(portal, legacy=True)
            if error is None:
                assert call(client) == [ENTRY]  # 查询报送 is a query: repeated after a 503
                assert len(server.requests) == 2
            else:
                with pytest.raises(error):
                    call(client)
        finally:
            server.close()


def test_cli_refund_takes_the_portal_url_from_eport_portal_like_the_other_portal_commands() -> None:
    from click.testing import CliRunner

    from eport.cli.main import cli
    from tests.services.helpers import free_port

    port = free_port()  # nothing listens there
    result = CliRunner().invoke(cli, ["refund", "query", "--trade-code", "4403R10001"],
                                env={"EPORT_PORTAL": f"http://127.0.0.1:{port}"})  # fmt: skip
    assert result.exit_code == 1
    assert "error: ConnectError:" in result.output
    flag = CliRunner().invoke(cli, ["refund", "query", "--portal", f"http://127.0.0.1:{port}", "--trade-code", "x"])
    assert "error: IdentifierError: trade_code" in flag.output  # --portal is accepted; the code is checked first


def test_rows_added_between_pages_are_not_returned_twice() -> None:
    from tests.services.test_portal import Scripted, ok

    def row(n: int) -> dict[str, Any]:
        return {"entryId": f"5300202600000000{n:02d}", "closedOn": "2026-12-04", "customs": "5300", "items": 1}

    # newest first: between the two pages customs closed declaration 10, which pushed 07 onto the second page
    server = Scripted(ok({"rows": [row(9), row(8), row(7)], "total": 4}),
                      ok({"rows": [row(7), row(6)], "total": 5}))  # fmt: skip
    try:
        rows = list(RefundClient(server.url).closed_declarations("4403R10001", page_size=3))
    finally:
        server.close()
    assert [str(r.entry_id)[-2:] for r in rows] == ["09", "08", "07", "06"]


def test_cli_check_of_no_lines_is_not_a_clean_check(tmp_path: Path) -> None:
    """A lines file with headings and no row (an export that lost its rows) used to end "0 lines checked …
    0 blocking" with exit status 0, as if the claim had passed."""
    from click.testing import CliRunner

    from eport.cli.main import cli

    path = write_lines_csv(tmp_path / "lines.csv", [])
    records = tmp_path / "records.jsonl"
    records.write_text(json.dumps(_record().to_json()) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["refund", "check", str(path), "--records", str(records)])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1] == f"error: NothingChecked: {path} holds no claim line"


def test_a_column_the_check_would_not_read_is_refused_not_ignored(tmp_path: Path) -> None:
    """A heading eport does not know used to be dropped silently: a 启运港 line whose 业务类型 column was typed with
    ASCII parentheses lost its type and passed the four 启运港 rules unchecked. Both parenthesis forms are read;
    any other unknown or repeated column is refused by name."""
    line = _line(business_type="QYGTS")
    path = write_lines_csv(tmp_path / "lines.csv", [line])
    text = path.read_text(encoding="utf-8-sig")
    path.write_text(text.replace("退（免）税业务类型", "退(免)税业务类型"), encoding="utf-8")
    (read,) = read_claim_lines(path)
    assert read.business_type == "QYGTS"
    report = run_self_check([read], index_records([_record()]))
    assert rules.QYGTS_FQYG in report.codes()

    path.write_text(text.replace("退（免）税业务类型", "免税业务类型"), encoding="utf-8")
    with pytest.raises(FieldError) as unknown:
        list(read_claim_lines(path))
    assert unknown.value.field == "columns"
    assert "免税业务类型" in unknown.value.reason
    path.write_text(text.replace("备注", "美元离岸价"), encoding="utf-8")
    with pytest.raises(FieldError, match=r"美元离岸价.*twice"):
        list(read_claim_lines(path))
