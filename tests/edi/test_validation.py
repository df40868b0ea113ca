"""Validation: official XSD of the chosen edition plus the CEB rules, against official samples and edited copies."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import attrs
import pytest

from eport import edi
from eport.edi.ceb import rules as ceb_rules
from eport.edi.core import decoding, validation
from eport.edi.core.registry import family_of
from eport.edi.core.report import Problem, Severity
from eport.edi.core.rules import RuleContext, rules_for
from eport.edi.core.schema import EDITIONS, SCHEMA_FILES, schema
from eport.errors import ConfigurationError, DecodeError, ValidationError
from tests.edi.samples import invalid_keys, load, valid_keys

DUPLICATE_BASE_TRANSFER = ["303", "403", "505", "507", "509", "603", "605", "607"]


def codes(report: edi.ValidationReport) -> set[str]:
    return {p.code for p in report}


def errors_at(report: edi.ValidationReport, code: str) -> list[Problem]:
    return [p for p in report if p.code == code]


# --------------------------------------------------------------------------------- the 10 invalid official samples
def test_ten_export_samples_are_known_invalid() -> None:
    assert len(invalid_keys()) == 10


@pytest.mark.parametrize("code", DUPLICATE_BASE_TRANSFER)
def test_duplicate_base_transfer_is_named(code: str) -> None:
    sample = load(f"export/CEB{code}Message.xml")
    decoded = edi.decode_lenient(sample.data)  # lenient decoding succeeds
    assert type(decoded.message).__name__ == f"CEB{code}Message"
    report = edi.validate_bytes(sample.data)
    dup = errors_at(report, "xsd-duplicate-element")
    assert [p.path for p in dup] == [f"/ceb:CEB{code}Message/ceb:BaseTransfer[2]"]
    assert "duplicate BaseTransfer 基础报文传输实体" in dup[0].message
    assert dup[0].severity is Severity.ERROR
    assert not report.ok


def test_ceb214_misnamed_root_is_named_and_content_still_checked() -> None:
    sample = load("export/CEB214Message.xml")
    assert type(edi.decode_lenient(sample.data).message).__name__ == "CEB214Message"
    report = edi.validate_bytes(sample.data)
    first = report.problems[0]
    assert (first.path, first.code) == ("/ceb:CEB214", "root-misnamed")
    assert "ceb:CEB214Message" in first.message
    # the content is validated under the intended root and reported with the document's own root name
    unexpected = errors_at(report, "xsd-unexpected-element")
    assert unexpected
    assert unexpected[0].path == "/ceb:CEB214/ceb:RefundReturn[1]/ceb:appSenderId"


def test_ceb792_gnum_instead_of_gseqno_is_named() -> None:
    sample = load("export/CEB792Message.xml")
    assert type(edi.decode_lenient(sample.data).message).__name__ == "CEB792Message"
    report = edi.validate_bytes(sample.data)
    misplaced = errors_at(report, "xsd-unexpected-element")
    assert len(misplaced) == 20  # 10 results x 2 lines
    assert misplaced[0].path == "/ceb:CEB792Message/ceb:SummaryResult[1]/ceb:SummaryResultList[1]/ceb:gnum"
    assert "gnum 序号 found where the schema expects gseqno" in misplaced[0].message


@pytest.mark.parametrize("key", [k for k in valid_keys() if k.startswith("import/")])
def test_import_samples_pass_the_schema(key: str) -> None:
    report = edi.validate_bytes(load(key).data)
    structural = [p for p in report if p.code.startswith(("xsd", "root"))]
    assert structural == []


def test_import_order_sample_validates_as_a_model() -> None:
    message = edi.decode(load("import/CEB311Message.xml").data)
    report = edi.validate(message)
    assert report.ok, report.errors
    # the official sample's line totals do not add up: a warning, not an error
    assert codes(report) == {"line-total"}
    assert all(p.severity is Severity.WARNING for p in report)


# --------------------------------------------------------------------------------- rules on edited official messages
@pytest.fixture
def order() -> Any:
    return edi.decode(load("import/CEB311Message.xml").data)


def _evolve_first_order(message: Any, **changes: Any) -> Any:
    first = message.order[0]
    head = attrs.evolve(first.order_head, **changes.pop("head", {}))
    lists = changes.pop("lists", first.order_list)
    new_first = attrs.evolve(first, order_head=head, order_list=lists)
    return attrs.evolve(message, order=(new_first, *message.order[1:]))


def test_gnum_gap_is_reported_with_path(order: Any) -> None:
    lines = order.order[0].order_list
    broken = (lines[0], attrs.evolve(lines[1], gnum=3))
    report = edi.validate(_evolve_first_order(order, lists=broken))
    gnum = errors_at(report, "gnum-sequence")
    assert [p.path for p in gnum] == ["/ceb:CEB311Message/ceb:Order[1]/ceb:OrderList[2]/ceb:gnum"]
    assert "gnum 商品序号" in gnum[0].message


@pytest.mark.parametrize(
    ("numbers", "wording"),
    [((2, 1), "out of order"), ((1, 3), "gap"), ((1, 1), "repeat")],
    ids=["swapped", "gap", "repeated"],
)
def test_gnum_problems_say_what_is_wrong(order: Any, numbers: tuple[int, int], wording: str) -> None:
    lines = order.order[0].order_list
    changed = tuple(attrs.evolve(line, gnum=n) for line, n in zip(lines, numbers, strict=True))
    gnum = errors_at(edi.validate(_evolve_first_order(order, lists=changed)), "gnum-sequence")
    assert gnum
    for problem in gnum:
        assert wording in problem.message
    if wording != "gap":
        assert all("gap" not in p.message for p in gnum)


def test_header_total_and_actual_paid(order: Any) -> None:
    head = order.order[0].order_head
    report = edi.validate(_evolve_first_order(order, head={"goods_value": head.goods_value + Decimal("1")}))
    assert [p.path for p in errors_at(report, "header-total")] == [
        "/ceb:CEB311Message/ceb:Order[1]/ceb:OrderHead/ceb:goodsValue"
    ]
    assert [p.path for p in errors_at(report, "actual-paid")] == [
        "/ceb:CEB311Message/ceb:Order[1]/ceb:OrderHead/ceb:acturalPaid"
    ]
    assert "acturalPaid 实际支付金额" in errors_at(report, "actual-paid")[0].message


def test_code_tables_currency(order: Any) -> None:
    report = edi.validate(_evolve_first_order(order, head={"currency": "999"}))
    problems = errors_at(report, "code-table")
    assert [p.path for p in problems] == ["/ceb:CEB311Message/ceb:Order[1]/ceb:OrderHead/ceb:currency"]
    assert "currency 币制" in problems[0].message
    assert "'999'" in problems[0].message


def test_guid_must_be_upper_case(order: Any) -> None:
    report = edi.validate(attrs.evolve(order, guid=order.guid.lower()))
    assert [p.path for p in errors_at(report, "guid-format")] == ["/ceb:CEB311Message/@guid"]


def test_time_format(order: Any) -> None:
    report = edi.validate(_evolve_first_order(order, head={"app_time": "20161331120000"}))
    problems = errors_at(report, "time-format")
    assert [p.path for p in problems] == ["/ceb:CEB311Message/ceb:Order[1]/ceb:OrderHead/ceb:appTime"]
    assert "YYYYMMDDhhmmss" in problems[0].message


def test_time_format_wants_ascii_digits(order: Any) -> None:
    full_width = "２０１６１２３１１２００００"  # full-width digits: str.isdigit() and strptime accept them
    report = edi.validate(_evolve_first_order(order, head={"app_time": full_width}))
    problems = errors_at(report, "time-format")
    assert [p.path for p in problems] == ["/ceb:CEB311Message/ceb:Order[1]/ceb:OrderHead/ceb:appTime"]


def test_xsd_facet_problem_carries_chinese_field_name(order: Any) -> None:
    report = edi.validate(_evolve_first_order(order, head={"order_no": "X" * 61}))
    facet = errors_at(report, "xsd-max-length")
    assert [p.path for p in facet] == ["/ceb:CEB311Message/ceb:Order[1]/ceb:OrderHead/ceb:orderNo"]
    assert facet[0].message.startswith("orderNo 订单编号:")


def test_inventory_declared_without_signature() -> None:
    inventory = edi.decode(load("import/CEB621Message.xml").data)
    assert edi.validate(inventory).ok
    unsigned = attrs.evolve(inventory, signature=None)
    report = edi.validate(unsigned)
    assert [(p.path, p.code) for p in report.errors] == [("/ceb:CEB621Message/ds:Signature", "signature-required")]
    # a saved draft (appStatus=1 暂存) only warns
    drafts = tuple(
        attrs.evolve(i, inventory_head=attrs.evolve(i.inventory_head, app_status="1")) for i in unsigned.inventory
    )
    draft_report = edi.validate(attrs.evolve(unsigned, inventory=drafts))
    assert draft_report.ok
    assert "unsigned-draft" in codes(draft_report)


def test_check_raises_with_every_problem(order: Any) -> None:
    broken = _evolve_first_order(order, head={"currency": "999", "app_time": "x"})
    with pytest.raises(ValidationError) as info:
        validation.check(broken)
    assert {p.code for p in info.value.problems} >= {"code-table", "time-format"}


# --------------------------------------------------------------------------------- editions, bytes, plug-ins
def test_edition_2018_is_selectable() -> None:
    # InventoryList/itemNo: 30 characters allowed in 2018, 20 in 202205
    data = load("import/CEB621Message.xml").data
    edited = re.sub(rb"<ceb:itemNo>[^<]*</ceb:itemNo>", b"<ceb:itemNo>" + b"1" * 25 + b"</ceb:itemNo>", data, count=1)
    assert edited.count(b"1" * 25) == 1
    new = edi.validate_bytes(edited)
    old = edi.validate_bytes(edited, edition="2018")
    assert "xsd-max-length" in codes(new)
    assert "xsd-max-length" not in codes(old)


def _edition_2018_inventory() -> bytes:
    """A CEB621 as the 2018 edition allows it: an itemNo of 25 characters (2018: at most 30; 202205: at most 20)."""
    return load("import/CEB621Message.xml").data.replace(
        b"<ceb:itemNo>AF001-001</ceb:itemNo>", b"<ceb:itemNo>AF001-001-2018-EDITION-1</ceb:itemNo>", 1
    )


def test_a_2018_document_under_the_default_edition_says_which_edition_to_choose() -> None:
    data = _edition_2018_inventory()
    report = edi.validate_bytes(data)
    assert not report.ok  # still an error under 202205: a hint, never a silent switch of edition
    assert "xsd-max-length" in codes(report)
    (hint,) = errors_at(report, "edition-hint")
    assert hint.severity is Severity.INFO
    assert hint.path == "/ceb:CEB621Message"
    assert 'edition="2018"' in hint.message
    assert "--edition 2018" in hint.message
    old = edi.validate_bytes(data, edition="2018")
    assert "edition-hint" not in codes(old)
    assert not [p for p in old if p.code.startswith("xsd")]
    model = edi.decode(data)  # the default edition's classes
    assert [p.code for p in edi.validate(model) if p.code == "edition-hint"] == ["edition-hint"]
    assert "edition-hint" not in codes(edi.validate(edi.decode(data, edition="2018")))


def test_no_edition_hint_when_no_edition_accepts_the_document() -> None:
    data = _edition_2018_inventory().replace(b"<ceb:currency>142</ceb:currency>", b"<ceb:currency>x</ceb:currency>", 1)
    assert "edition-hint" not in codes(edi.validate_bytes(data))
    assert "edition-hint" not in codes(edi.validate_bytes(load("import/CEB621Message.xml").data))


def test_unknown_edition_is_a_configuration_error(order: Any) -> None:
    with pytest.raises(ConfigurationError):
        edi.validate(order, edition="2030")
    with pytest.raises(ConfigurationError):
        edi.validate_bytes(b"<a/>", edition="2030")


@pytest.mark.parametrize("edition", sorted(EDITIONS))
@pytest.mark.parametrize("kind", sorted(SCHEMA_FILES))
def test_every_packaged_schema_compiles_offline(edition: str, kind: str) -> None:
    assert schema(edition, kind) is schema(edition, kind)  # cached


def test_malformed_and_hostile_bytes_are_reported_not_raised() -> None:
    bad = edi.validate_bytes(b"<ceb:CEB311Message xmlns:ceb='http://www.chinaport.gov.cn/ceb'>")
    assert [p.code for p in bad] == ["xml-syntax"]
    bomb = b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "xx">]><a>&x;</a>'
    hostile = edi.validate_bytes(bomb)
    assert [p.code for p in hostile] == ["xml-syntax"]
    assert "DOCTYPE" in hostile.problems[0].message


def test_unknown_root() -> None:
    report = edi.validate_bytes(b'<ceb:CEB999Message xmlns:ceb="http://www.chinaport.gov.cn/ceb"/>')
    assert [(p.path, p.code) for p in report] == [("/ceb:CEB999Message", "unknown-root")]


ONE_FACT = {
    # an attribute's facet error is at the attribute, and the guid rule says the same thing there
    "data-message-guid": (
        "import/CEB311Message.xml", rb'guid="4CDE1CFD', b'guid="x4CDE1CFD', "/ceb:CEB311Message/@guid", "guid-format"
    ),
    # receipts are exempt from the guid rule: the schema's finding, at the attribute
    "receipt-guid": ("export/CEB304Message.xml", rb'guid="311af125', b'guid="x311af125', "/ceb:CEB304Message/@guid",
                     "xsd-length"),
    "empty-code": ("import/CEB621Message.xml", rb"<ceb:country>\d+</ceb:country>", b"<ceb:country></ceb:country>",
                   "/ceb:CEB621Message/ceb:Inventory[1]/ceb:InventoryHead/ceb:country", "code-table"),
    "short-time": ("import/CEB311Message.xml", rb"<ceb:appTime>\d+</ceb:appTime>",
                   b"<ceb:appTime>2016132</ceb:appTime>", "/ceb:CEB311Message/ceb:Order[1]/ceb:OrderHead/ceb:appTime",
                   "time-format"),
}  # fmt: skip


@pytest.mark.parametrize(("key", "pattern", "replacement", "path", "code"), ONE_FACT.values(), ids=ONE_FACT.keys())
def test_one_problem_per_fact_at_its_exact_path(
    key: str, pattern: bytes, replacement: bytes, path: str, code: str
) -> None:
    data = re.sub(pattern, replacement, load(key).data, count=1)
    original = {(p.path, p.code) for p in edi.validate_bytes(load(key).data)}
    new = [p for p in edi.validate_bytes(data) if (p.path, p.code) not in original]
    assert [(p.path, p.code) for p in new] == [(path, code)]
    from_model = [p for p in edi.validate(edi.decode_lenient(data).message) if (p.path, p.code) not in original]
    assert [(p.path, p.code) for p in from_model] == [(path, code)]


def test_validate_and_decode_share_one_size_limit_and_one_error() -> None:
    """63 MB documents used to pass validate_bytes (1.4 GB of memory) while decode refused them above 50 MB."""
    from eport.edi.core.safexml import DEFAULT_MAX_SIZE
    from eport.edi.core.schema import MAX_DOCUMENT_BYTES

    assert MAX_DOCUMENT_BYTES == DEFAULT_MAX_SIZE
    sample = load("import/CEB311Message.xml").data
    padding = b"<!--" + b"x" * (DEFAULT_MAX_SIZE - len(sample)) + b"-->"
    data = sample.replace(b"</ceb:CEB311Message>", padding + b"</ceb:CEB311Message>")
    assert DEFAULT_MAX_SIZE < len(data) < 64 * 1024 * 1024
    with pytest.raises(DecodeError) as refused:
        edi.decode(data)
    report = edi.validate_bytes(data)
    assert [(p.code, p.message) for p in report] == [("xml-syntax", str(refused.value))]
    assert "exceeds the limit" in str(refused.value)


def test_validating_an_oversized_model_is_a_problem_not_an_exception(order: Any) -> None:
    head = order.order[0].order_head
    huge = attrs.evolve(
        order, order=(attrs.evolve(order.order[0], order_head=attrs.evolve(head, note="x" * (50 * 1024 * 1024))),)
    )
    report = edi.validate(huge)
    assert not report.ok
    syntax = [p for p in report if p.code == "xml-syntax"]
    assert [p.path for p in syntax] == ["/ceb:CEB311Message"]
    assert "exceeds the limit" in syntax[0].message


NOT_CUSTOMS = {
    "no-namespace": (b"<foo/>", "/foo"),
    "html": (b"<!-- page --><html><head><title>x</title></head><body><p>no message</p></body></html>", "/html"),
    "foreign-namespace": (b'<x:Order xmlns:x="urn:example:orders"><x:id>1</x:id></x:Order>', "/Order"),
    "ceb-lookalike-name": (b'<CEB311Message xmlns="urn:not-customs"/>', "/CEB311Message"),
}


@pytest.mark.parametrize(("data", "path"), NOT_CUSTOMS.values(), ids=NOT_CUSTOMS.keys())
def test_a_document_that_is_no_customs_message_is_not_valid(data: bytes, path: str) -> None:
    report = edi.validate_bytes(data)
    assert not report.ok
    assert [(p.path, p.code, p.severity) for p in report] == [(path, "unknown-root", Severity.ERROR)]


def test_rules_plug_in_by_family_and_per_call(order: Any) -> None:
    ceb = family_of("ceb-import")
    assert ceb is not None
    assert ceb.rules["ceb-import"] == "eport.edi.ceb.rules"
    assert ceb_rules.gnum_sequence in rules_for("ceb-import")
    assert rules_for("no-such-family") == ()

    def no_test_orders(message: Any, context: RuleContext) -> list[Problem]:
        assert context.root == "/ceb:CEB311Message"
        return [Problem(context.root, "house-rule", "no test orders", Severity.WARNING)]

    report = edi.validate(order, rules=[no_test_orders])
    assert errors_at(report, "house-rule")[0].path == "/ceb:CEB311Message"


def test_decoded_lenient_message_with_missing_values_does_not_break_rules() -> None:
    data = load("import/CEB311Message.xml").data.replace(b"<ceb:goodsValue>", b"<ceb:goodsValueX>", 1)
    data = data.replace(b"</ceb:goodsValue>", b"</ceb:goodsValueX>", 1)
    report = edi.validate_bytes(data)
    assert "xsd-unexpected-element" in codes(report)
    assert not report.ok


def test_report_summary() -> None:
    report = edi.validate_bytes(load("export/CEB303Message.xml").data)
    text = validation.summary(report)
    assert "error" in text
    assert validation.summary(edi.ValidationReport()) == "valid"


def test_decoding_problem_paths_for_reference() -> None:
    # lenient decoding alone also names the misnamed root; validation adds the schema's view
    decoded = decoding.decode_lenient(load("export/CEB214Message.xml").data)
    assert any(p.code == "root-name" for p in decoded.problems)


def test_model_edition_is_inferred_from_its_class() -> None:
    from eport.edi.ceb import imports2018

    data = load("import/CEB622Message.xml").data
    old = edi.decode(data, edition="2018")
    assert isinstance(old, imports2018.CEB622Message)
    assert validation.edition_of(old) == "2018"
    assert validation.edition_of(edi.decode(data)) == "202205"
    assert edi.validate(old).ok


def test_families_without_a_packaged_schema_get_an_info_note() -> None:
    report = edi.validate_bytes(b'<DecMessage xmlns="http://www.chinaport.gov.cn/dec" Version="3.1"/>')
    assert [(p.code, p.severity) for p in report][:1] == [("no-schema", Severity.INFO)]


def test_a_failing_rule_is_reported_not_raised(order: Any) -> None:
    def broken(message: Any, context: RuleContext) -> list[Problem]:
        raise KeyError("boom")

    report = edi.validate(order, rules=[broken])
    failed = errors_at(report, "rule-failed")
    assert len(failed) == 1
    assert "broken" in failed[0].message
    assert "KeyError" in failed[0].message


def test_schemas_compile_without_any_network(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """Every include/import is served by the package resolver (nothing refused, so nothing was left for libxml2
    to fetch), and Python-level sockets are refused meanwhile."""
    import logging
    import socket

    from eport.edi.core import schema as schema_module

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    schema_module.schema.cache_clear()
    caplog.set_level(logging.DEBUG, logger="eport.edi.core.schema")
    try:
        for edition in EDITIONS:
            for kind in SCHEMA_FILES:
                schema_module.schema(edition, kind)
        assert edi.validate_bytes(load("import/CEB621Message.xml").data).ok
        assert not [r for r in caplog.records if "refused to resolve" in r.getMessage()]
    finally:
        schema_module.schema.cache_clear()


@pytest.mark.parametrize("value", [Decimal("NaN"), Decimal("Infinity"), Decimal("1E+999999")])
def test_non_finite_and_huge_amounts_are_problems_not_rule_failures(order: Any, value: Decimal) -> None:
    # Before the review header_totals raised InvalidOperation/Overflow and the report only said "rule-failed".
    broken = _evolve_first_order(order, head={"goods_value": value, "actural_paid": value})
    report = edi.validate(broken)
    codes = {p.code for p in report.problems}
    assert "rule-failed" not in codes
    assert codes & {"encode", "xsd-total-digits"}


def test_a_warning_at_a_value_does_not_hide_the_schemas_error_there() -> None:
    """A line-total warning at a totalPrice with six decimals used to drop the schema's xsd-fraction-digits error
    there ("one problem per fact"), so the document was reported valid."""
    data = load("import/CEB621Message.xml").data.replace(
        b"<ceb:totalPrice>20</ceb:totalPrice>", b"<ceb:totalPrice>20.123456</ceb:totalPrice>", 1
    )
    path = "/ceb:CEB621Message/ceb:Inventory[1]/ceb:InventoryList[1]/ceb:totalPrice"
    for report in (edi.validate_bytes(data), edi.validate(edi.decode_lenient(data).message)):
        assert not report.ok
        at_path = {(p.code, p.severity) for p in report if p.path == path}
        assert at_path == {("xsd-fraction-digits", Severity.ERROR), ("line-total", Severity.WARNING)}


def test_a_rule_about_another_fact_does_not_hide_the_schemas_error_at_its_path() -> None:
    """header-total at goodsValue is about the sum, not the value's form: the schema's total-digits error stays."""
    data = load("import/CEB311Message.xml").data
    data = re.sub(rb"<ceb:goodsValue>[^<]*</ceb:goodsValue>", b"<ceb:goodsValue>12345678901234567890</ceb:goodsValue>",
                  data, count=1)  # fmt: skip
    path = "/ceb:CEB311Message/ceb:Order[1]/ceb:OrderHead/ceb:goodsValue"
    report = edi.validate_bytes(data)
    assert {p.code for p in report if p.path == path} == {"xsd-total-digits", "header-total"}


@pytest.mark.parametrize("status", ["02", "3", " 2"])
def test_only_a_draft_may_go_unsigned(status: str) -> None:
    """An unsigned inventory whose appStatus is anything but 1 (暂存) used to get only the unsigned-draft warning,
    which also replaced the schema's missing-signature error: the report was "valid"."""
    inventory = edi.decode(load("import/CEB621Message.xml").data)
    heads = tuple(
        attrs.evolve(i, inventory_head=attrs.evolve(i.inventory_head, app_status=status)) for i in inventory.inventory
    )
    unsigned = attrs.evolve(inventory, signature=None, inventory=heads)
    for report in (edi.validate(unsigned), edi.validate_bytes(edi.encode(unsigned))):
        assert not report.ok
        assert [(p.path, p.code) for p in report.errors] == [("/ceb:CEB621Message/ds:Signature", "signature-required")]


@pytest.mark.parametrize(
    ("replacement", "code", "path"),
    [
        (b'<ceb:appType foo="1">1</ceb:appType>', "xsd-unexpected-attribute", "/ceb:PaymentHead/ceb:appType/@foo"),
        (b"<ceb:appType>1<ceb:x/></ceb:appType>", "xsd-content", "/ceb:PaymentHead/ceb:appType"),
    ],
    ids=["attribute", "child"],
)
def test_an_attribute_or_child_in_a_simple_element_is_reported(replacement: bytes, code: str, path: str) -> None:
    """libxml2 reports these with a code eport dropped as a mere follow-up of a facet error: alone, they were the
    only report of the fact and the document was "valid" (on the tree path and the model path alike)."""
    data = load("import/CEB411Message.xml").data.replace(b"<ceb:appType>1</ceb:appType>", replacement, 1)
    for report in (edi.validate_bytes(data), edi.validate_bytes(data, rules=[lambda message, context: ()])):
        assert not report.ok
        assert [(p.code, p.path) for p in report.errors] == [(code, "/ceb:CEB411Message/ceb:Payment[1]" + path)]


@pytest.mark.parametrize("tag", ["SignatureValue", "DigestValue", "X509Certificate"])
@pytest.mark.parametrize("value", ["!!!!", "AAAA!!!", "AA=A"])
def test_a_signature_value_that_is_not_base64_is_reported(tag: str, value: str) -> None:
    """libxml2 skips characters outside the base64 alphabet, so these passed the schema check and the document was
    valid (and took the CEB fast path)."""
    data = re.sub(
        rf"<ds:{tag}>[^<]*</ds:{tag}>".encode(), f"<ds:{tag}>{value}</ds:{tag}>".encode(), load(_SIGNED).data, count=1
    )
    for report in (edi.validate_bytes(data), edi.validate_bytes(data, rules=[lambda message, context: ()])):
        assert not report.ok
        assert [p.code for p in report.errors] == ["xsd-datatype"]
        assert report.errors[0].path.endswith(f"/ds:{tag}")


_SIGNED = "import/CEB621Message.xml"


def test_well_formed_base64_in_a_signature_passes() -> None:
    data = load(_SIGNED).data
    value = re.search(rb"<ds:SignatureValue>([^<]*)</ds:SignatureValue>", data)
    assert value is not None
    assert len(value.group(1).strip()) > 40
    assert "xsd-datatype" not in codes(edi.validate_bytes(data))


def test_an_attribute_on_a_simple_element_is_reported_beside_its_value_problem() -> None:
    data = load("import/CEB411Message.xml").data.replace(
        b"<ceb:appType>1</ceb:appType>", b'<ceb:appType foo="1">12</ceb:appType>', 1
    )
    head = "/ceb:CEB411Message/ceb:Payment[1]/ceb:PaymentHead/ceb:appType"
    assert [(p.code, p.path) for p in edi.validate_bytes(data).errors] == [
        ("xsd-unexpected-attribute", head + "/@foo"),
        ("xsd-length", head),
    ]
