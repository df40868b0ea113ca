"""validate_bytes skips decoding for schema-valid CEB documents its tree checks find clean: same report either way.

The model path is forced with a no-op extra rule (extra rules always need the model). Each test compares the two
reports whole (paths, codes, messages, severities) on official samples, on mutations of them that break or keep
each rule, and on generated models; and shows that the tree checks do catch what each rule reports.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from eport.edi import encode, validate_bytes
from eport.edi.ceb import exports, imports, rules
from eport.edi.core import validation
from eport.edi.core.report import Problem
from eport.edi.core.rules import RuleContext
from eport.edi.core.schema import parse, xsd_problems
from tests.edi import samples
from tests.edi.strategies import models

CEB = "http://www.chinaport.gov.cn/ceb"
EDITIONS = ("202205", "2018")


def _no_rule(message: Any, context: RuleContext) -> Iterable[Problem]:
    return ()


def _both(data: bytes, edition: str = "202205") -> tuple[list[Problem], list[Problem]]:
    fast = list(validate_bytes(data, edition=edition))
    model = list(validate_bytes(data, edition=edition, rules=[_no_rule]))
    return fast, model


def _takes_fast_path(data: bytes, edition: str = "202205") -> bool:
    root = parse(data)
    return not xsd_problems(root, edition) and validation._clean_tree(root, edition)


#: Tags the CEB rules read (times, codes, guid, gnum, the totals).
_RULE_TAGS = frozenset(
    {*rules.TIME_FORMATS, "currency", "country", "tradeCountry", "unit", "unit1", "unit2", "trafMode", "tradeMode"}
    | {"guid", "gnum", "goodsValue", "freight", "taxTotal", "discount", "acturalPaid", "qty", "price", "totalPrice"}
)

#: Values put into those fields: right and wrong codes, times, numbers and guids, blanks, a "|" that the code check
#: must not mistake for a separator.
_VALUES = (
    "", " 1", "2", "1.5", "100.00", "142", " 142", "142\n", "ZZZ", "4", "142|116", "20220230", "20220315153555",
    "20221301000000", "２０２２０３０８", "4CDE1CFD-EDED-46B1-946C-B8022E42FC94",
    "4cde1cfd-eded-46b1-946c-b8022e42fc94", "-1.5", " -3",
)  # fmt: skip
#: The sweep mutates the first leaves of each base only (the documents repeat the same fields).
_SWEEP = 12


def _rule_leaves(root: etree._Element) -> list[etree._Element]:
    return [el for el in root.iter(f"{{{CEB}}}*") if len(el) == 0 and etree.QName(el).localname in _RULE_TAGS]


def _mutated(data: bytes, index: int, value: str) -> bytes:
    root = etree.fromstring(data)
    leaves = _rule_leaves(root)
    leaves[index % len(leaves)].text = value
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _consistent(data: bytes) -> bytes:
    """``data`` with its amounts made to add up: totalPrice = qty × price, goodsValue = Σ totalPrice, acturalPaid =
    goodsValue + freight + taxTotal − discount (the official CEB621 and CEB311 samples do not add up)."""
    root = etree.fromstring(data)

    def number(parent: etree._Element, tag: str) -> Decimal | None:
        el = parent.find(f"{{{CEB}}}{tag}")
        return None if el is None or not el.text else Decimal(el.text)

    for node in root.iter(f"{{{CEB}}}*"):
        items = [child for child in node if etree.QName(child).localname.endswith("List")]
        for item in items:
            qty, price, total = number(item, "qty"), number(item, "price"), item.find(f"{{{CEB}}}totalPrice")
            if qty is not None and price is not None and total is not None:
                total.text = str(qty * price)
        heads = [child for child in node if etree.QName(child).localname.endswith("Head")]
        for head in heads:
            goods = head.find(f"{{{CEB}}}goodsValue")
            if goods is not None and items:
                goods.text = str(sum((number(i, "totalPrice") or Decimal(0) for i in items), Decimal(0)))
            parts = [number(head, t) for t in ("goodsValue", "freight", "taxTotal", "discount")]
            paid = head.find(f"{{{CEB}}}acturalPaid")
            if paid is not None and all(p is not None for p in parts):
                value, freight, tax, discount = (p or Decimal(0) for p in parts)
                paid.text = str(value + freight + tax - discount)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _base(key: str) -> bytes:
    data = samples.load(key).data
    return _consistent(data) if key in _FIXED else data


#: Samples whose amounts do not add up: the tests use them made consistent.
_FIXED = frozenset({"import/CEB621Message.xml", "import/CEB311Message.xml"})
#: Bases of the mutation tests: a multi-document inventory and order (totals, gnum per document), a payment, an
#: export waybill.
_BASES = (
    "import/CEB621Message.xml",
    "import/CEB311Message.xml",
    "import/CEB411Message.xml",
    "export/CEB506Message.xml",
)


def _valid_sample_keys() -> list[str]:
    return samples.keys_where(lambda data: _takes_fast_path(data), samples.valid_keys())


@pytest.mark.parametrize("edition", EDITIONS)
@pytest.mark.parametrize("key", samples.sample_keys())
def test_every_official_sample_gets_the_same_report(key: str, edition: str) -> None:
    fast, model = _both(samples.load(key).data, edition)
    assert fast == model


def test_the_valid_samples_take_the_tree_path() -> None:
    """Most official samples are clean: without this the comparisons above would compare the model path to itself."""
    keys = _valid_sample_keys()
    assert len(keys) >= 20, keys
    for key in _BASES:
        assert _takes_fast_path(_base(key)), key


@pytest.mark.parametrize("key", _BASES)
def test_every_value_mutation_of_a_rule_field_gets_the_same_report(key: str) -> None:
    data = _base(key)
    count = len(_rule_leaves(etree.fromstring(data)))
    assert count > 5
    differing = []
    for index in range(min(count, _SWEEP)):
        for value in _VALUES:
            mutated = _mutated(data, index, value)
            fast, model = _both(mutated)
            if fast != model:
                differing.append((index, value, fast, model))
    assert not differing


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    key=st.sampled_from(_BASES),
    index=st.integers(0, 200),
    value=st.sampled_from(_VALUES) | st.text(alphabet="0123456789.|- A\u3000", max_size=20),
    edition=st.sampled_from(EDITIONS),
)
def test_random_mutations_get_the_same_report(key: str, index: int, value: str, edition: str) -> None:
    fast, model = _both(_mutated(_base(key), index, value), edition)
    assert fast == model


def _inventory() -> bytes:
    return _base("import/CEB621Message.xml")


def _replace(data: bytes, old: bytes, new: bytes) -> bytes:
    assert old in data, old
    return data.replace(old, new, 1)


def _edit(data: bytes, tag: str, value: str | None, nth: int = 0) -> bytes:
    root = etree.fromstring(data)
    target = list(root.iter(f"{{{CEB}}}{tag}"))[nth]
    if value is None:
        target.getparent().remove(target)
    else:
        target.text = value
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _two_items(data: bytes) -> bytes:
    root = etree.fromstring(data)
    item = next(root.iter(f"{{{CEB}}}InventoryList"))
    copy = etree.fromstring(etree.tostring(item))
    item.addnext(copy)
    copy.find(f"{{{CEB}}}gnum").text = "2"
    head = next(root.iter(f"{{{CEB}}}InventoryHead"))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8") if head is not None else b""


# Each case keeps the document schema-valid and makes one rule report: the tree checks must see it.
_RULE_BREAKERS = {
    "code-table (country)": lambda d: _edit(d, "country", "ZZZ"),
    "code-table (unit)": lambda d: _edit(d, "unit", "ZZZ"),
    "code-table (trafMode)": lambda d: _edit(d, "trafMode", "Q"),
    "time-format (appTime)": lambda d: _edit(d, "appTime", "20221301000000"),
    "time-format (declTime)": lambda d: _edit(d, "declTime", "20220230"),
    "guid-format (head)": lambda d: _edit(d, "guid", "4cde1cfd-eded-46b1-946c-b8022e42fc94"),
    "gnum-sequence": lambda d: _edit(d, "gnum", "2"),
    "gnum-sequence (swapped)": lambda d: _edit(_edit(_two_items(d), "gnum", "2", 0), "gnum", "1", 1),
    "line-total": lambda d: _edit(d, "totalPrice", "1.5"),
    "line-total (last document)": lambda d: _edit(d, "price", "1.5", -1),
}

_ORDER_BREAKERS = {
    "header-total": lambda d: _edit(d, "goodsValue", "1.5", -1),
    "actual-paid": lambda d: _edit(d, "acturalPaid", "1.5"),
    "actual-paid (freight)": lambda d: _edit(d, "freight", "3", -1),
}


@pytest.mark.parametrize(
    ("base", "name"),
    [("import/CEB621Message.xml", n) for n in sorted(_RULE_BREAKERS)]
    + [("import/CEB311Message.xml", n) for n in sorted(_ORDER_BREAKERS)],
)
def test_what_each_rule_reports_the_tree_checks_catch(base: str, name: str) -> None:
    data = {**_RULE_BREAKERS, **_ORDER_BREAKERS}[name](_base(base))
    root = parse(data)
    assert not xsd_problems(root, "202205"), "the case must stay schema-valid"
    fast, model = _both(data)
    assert any(p.code.split(" ")[0] in name for p in model), model
    assert not validation._clean_tree(root, "202205")
    assert fast == model


def test_a_comment_inside_a_code_does_not_hide_it() -> None:
    """``<country>1<!-- -->16</country>`` is "116" to the schema and the decoder; its two text nodes "1" and "16"
    must not be checked one by one."""
    data = _replace(_inventory(), b"<ceb:country>", b"<ceb:country>1<!-- split -->")
    fast, model = _both(data)
    assert fast == model
    assert not _takes_fast_path(data)


def test_the_markers_of_other_families_do_not_change_the_report() -> None:
    """A CEB document mentioning ``DecMessage`` and the manifest namespace still takes the tree path, same report."""
    data = _edit(_inventory(), "note", "DecMessage urn:Declaration:datamodel:standard:CN:MT1401")
    assert _takes_fast_path(data)
    fast, model = _both(data)
    assert fast == model == []


def test_an_unsigned_declared_inventory_keeps_its_problems() -> None:
    root = etree.fromstring(_inventory())
    for signature in root.findall("{http://www.w3.org/2000/09/xmldsig#}Signature"):
        root.remove(signature)
    data = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    fast, model = _both(data)
    assert fast == model
    assert any(p.code == "signature-required" for p in model)


_CLASSES = (imports.CEB311Message, imports.CEB621Message, imports.CEB411Message, exports.CEB303Message)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_generated_messages_get_the_same_report(data: st.DataObject) -> None:
    cls = data.draw(st.sampled_from(_CLASSES))
    document = encode(data.draw(models(cls, max_repeat=3)))
    fast, model = _both(document)
    assert fast == model


def test_a_family_rule_the_tree_checks_do_not_know_sends_every_document_to_the_model(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A rule added to ``eport.edi.ceb.rules.RULES`` without a tree check must not be skipped silently."""
    from eport.edi.ceb import treecheck

    data = _inventory()
    assert _takes_fast_path(data)

    def new_rule(message: Any, context: RuleContext) -> Iterable[Problem]:
        return ()

    monkeypatch.setattr(treecheck, "rules_for", lambda family: (*rules.RULES, new_rule))
    monkeypatch.setattr(treecheck, "_plan", treecheck._plan.__wrapped__)
    assert not _takes_fast_path(data)


# negative-amount (#13): a negative amount keeps the document schema-valid; the tree checks must see it, in the
# head, in a line and in a later document, and a positive amount must not send the document to the model path.
_NEGATIVE_BREAKERS = {
    "negative-amount (freight)": lambda d: _edit(d, "freight", "-1"),
    "negative-amount (qty, blank)": lambda d: _edit(d, "qty", " -2"),
    "negative-amount (grossWeight, last)": lambda d: _edit(d, "grossWeight", "-0.5", -1),
}


@pytest.mark.parametrize("name", sorted(_NEGATIVE_BREAKERS))
def test_a_negative_amount_is_caught_by_the_tree_checks(name: str) -> None:
    data = _NEGATIVE_BREAKERS[name](_base("import/CEB621Message.xml"))
    root = parse(data)
    assert not xsd_problems(root, "202205"), "the case must stay schema-valid"
    assert not validation._clean_tree(root, "202205")
    fast, model = _both(data)
    assert "negative-amount" in {p.code for p in model}
    assert fast == model


def test_minus_zero_takes_the_model_path_and_is_not_reported() -> None:
    data = _edit(_base("import/CEB621Message.xml"), "freight", "-0")
    fast, model = _both(data)
    assert fast == model
    assert "negative-amount" not in {p.code for p in model}


# The goods lines' fields every line must have once (gnum, the numbers, codes whose tag nothing else under the
# document node carries) are read by one iteration over the node, in rows (treecheck._Lines.tags). These tests give
# such lines random values, drop optional fields, write the document compact, indented or with CRLF, and compare
# the two paths' reports.

#: Values per line field, right ones and wrong ones (drawn about as often): codes of the country and unit tables
#: and not, gnums in and out of order, numbers plain and not (blanks, sign, exponent, no leading digit), empty,
#: blank, a reference, line breaks.
_CODES = (["116", "142", "502"], ["ZZZ", "11"])
_UNITS = (["007", "035", "011"], ["ZZZ"])
_NUMBERS = (["1", "2.5", "100.00", "0.5", "3", "41"], [" 3", "-1", "1e2", ".5"])
_TEXTS = (["1", "A&B", "x\r\ny"], ["", " ", "\u3000"])
_LINE_VALUES = {
    "gnum": (["1", "2"], ["3", "01", " 1"]),
    "country": _CODES,
    "tradeCountry": _CODES,
    "currency": (["142"], ["", "502"]),
    "unit": _UNITS,
    "unit1": _UNITS,
    "unit2": _UNITS,
    "qty": _NUMBERS,
    "qty1": _NUMBERS,
    "qty2": _NUMBERS,
    "price": _NUMBERS,
    "totalPrice": _NUMBERS,
    "note": _TEXTS,
    "itemName": _TEXTS,
}
_OPTIONAL = frozenset({"tradeCountry", "qty2", "unit2", "note", "itemNo", "barCode"})


def _lines_document(base: str, edits: list[tuple[int, int, str, str | None]], layout: str, consistent: bool) -> bytes:
    """The sample ``base`` with ``edits`` (document, line, field, value or None to remove) applied, its amounts
    made to add up when ``consistent``, written compact, indented or indented with CRLF line ends."""
    root = etree.fromstring(_base(base))
    nodes = [node for node in root if etree.QName(node).localname in ("Inventory", "Order")]
    for document, line, tag, value in edits:
        items = [child for child in nodes[document % len(nodes)] if etree.QName(child).localname.endswith("List")]
        target = items[line % len(items)].find(f"{{{CEB}}}{tag}")
        if target is None:
            continue
        if value is None:
            if tag in _OPTIONAL:
                target.getparent().remove(target)
        else:
            target.text = value
    data = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    if consistent:
        with contextlib.suppress(ArithmeticError):  # a value that is no number stays as it is
            data = _consistent(data)
    if layout != "compact":
        tree = etree.fromstring(data)
        etree.indent(tree)
        data = etree.tostring(tree, xml_declaration=True, encoding="UTF-8")
        if layout == "crlf":
            data = data.replace(b"\n", b"\r\n")
    return data


_LINE_EDITS = st.lists(
    st.sampled_from(sorted(_LINE_VALUES)).flatmap(
        lambda tag: st.tuples(
            st.integers(0, 9),
            st.integers(0, 1),
            st.just(tag),
            st.none() | st.sampled_from(_LINE_VALUES[tag][0]) | st.sampled_from(_LINE_VALUES[tag][1]),
        )
    ),
    max_size=2,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    base=st.sampled_from(["import/CEB621Message.xml", "import/CEB311Message.xml"]),
    edits=_LINE_EDITS,
    layout=st.sampled_from(["compact", "indented", "crlf"]),
    consistent=st.booleans(),
)
def test_line_fields_read_in_rows_get_the_same_report(
    base: str, edits: list[tuple[int, int, str, str | None]], layout: str, consistent: bool
) -> None:
    fast, model = _both(_lines_document(base, edits, layout, consistent))
    assert fast == model


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("unit", "ZZZ", "code-table"),
        ("unit1", "ZZZ", "code-table"),
        ("country", "ZZZ", "code-table"),
        ("currency", "", "code-table"),
        ("gnum", "3", "gnum-sequence"),
        ("gnum", "01", "gnum-sequence"),
        ("qty", "3", "line-total"),
        ("price", "41", "line-total"),
        ("totalPrice", "0.5", "line-total"),
    ],
)
@pytest.mark.parametrize("layout", ["compact", "indented", "crlf"])
def test_a_wrong_value_read_in_rows_is_seen_in_any_line(field: str, value: str, code: str, layout: str) -> None:
    """The value is put in the second line of the last document: a reader taking the wrong place in a row, or the
    wrong row, misses it."""
    data = _lines_document("import/CEB621Message.xml", [(9, 1, field, value)], layout, consistent=False)
    data = _consistent(data) if code != "line-total" else data
    root = parse(data)
    assert not xsd_problems(root, "202205"), "the case must stay schema-valid"
    fast, model = _both(data)
    assert code in {p.code for p in model}
    assert fast == model


def test_the_inventory_and_order_lines_are_read_in_rows() -> None:
    """The tests above exercise the row reader only if the plans use it for the lines."""
    from eport.edi.ceb import treecheck

    for cls, fields in (
        (imports.CEB621Message, {"gnum", "country", "currency", "qty", "unit", "unit1", "price", "totalPrice"}),
        (imports.CEB311Message, {"gnum", "unit", "qty", "price", "totalPrice", "currency", "country"}),
    ):
        plan = treecheck._plan(cls)
        assert plan is not None
        (lines,) = plan.totals[0].lists
        assert {etree.QName(tag).localname for tag in lines.tags} == fields
    clean = _lines_document("import/CEB621Message.xml", [], "indented", consistent=True)
    assert _takes_fast_path(clean)


def test_rows_are_read_only_where_the_tags_are_unique() -> None:
    """The row reader needs the fields' tags to occur nowhere else under the node, or only in fields every node has
    once before its items (the head's country and currency: skipped, a fixed number of texts); a wildcard or
    signature below the node, or the item model occurring twice, rules the reader out."""
    from eport.edi.ceb import treecheck
    from eport.edi.core.spec import spec_of

    inventory, line = spec_of(imports.Inventory), spec_of(imports.InventoryList)
    tags = treecheck._tags_under(inventory, skip=line)
    assert tags is not None
    before = treecheck._once_before(inventory, inventory.field("inventory_list"))
    for name in ("country", "currency"):
        assert tags[f"{{{CEB}}}{name}"] == before[f"{{{CEB}}}{name}"] == 1
    assert tags[f"{{{CEB}}}InventoryList"] == 1
    assert before[f"{{{CEB}}}InventoryList"] == 0
    assert tags[f"{{{CEB}}}unit1"] == tags[f"{{{CEB}}}gnum"] == 0
    assert treecheck._tags_under(spec_of(imports.CEB621Message), skip=line) is None  # ds:Signature below
    assert treecheck._tags_under(spec_of(imports.CEB311Message), skip=line) is None  # no InventoryList below


def _without(field: str, lines: tuple[int, ...]) -> list[tuple[int, int, str, str | None]]:
    return [(4, line, field, None) for line in lines]


#: The optional code fields of the fifth inventory's two lines (the sample has both in both lines there): present
#: in both (rows with them), in neither (rows without them), in one only (their own XPaths, then the required
#: fields' rows). The other inventories of the sample have them in every line, in none, or in some.
_OPTIONAL_LAYOUTS: dict[str, list[tuple[int, int, str, str | None]]] = {
    "every line": [],
    "no line": _without("tradeCountry", (0, 1)) + _without("unit2", (0, 1)),
    "some lines": _without("tradeCountry", (0,)) + _without("unit2", (1,)),
}


@pytest.mark.parametrize("layout", sorted(_OPTIONAL_LAYOUTS))
@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        (None, None, None),
        ("unit", "ZZZ", "code-table"),
        ("unit2", "ZZZ", "code-table"),
        ("gnum", "3", "gnum-sequence"),
        ("tradeCountry", "ZZZ", "code-table"),
        ("country", "ZZZ", "code-table"),
        ("price", "41", "line-total"),
    ],
)
def test_optional_fields_present_everywhere_nowhere_or_somewhere(
    layout: str, field: str | None, value: str | None, code: str | None
) -> None:
    edits = list(_OPTIONAL_LAYOUTS[layout])
    if field is not None:
        edits.append((4, 1, field, value))
    data = _lines_document("import/CEB621Message.xml", edits, "compact", consistent=code != "line-total")
    root = parse(data)
    assert not xsd_problems(root, "202205"), "the case must stay schema-valid"
    fast, model = _both(data)
    assert fast == model
    removed = {tag for _document, line, tag, new in _OPTIONAL_LAYOUTS[layout] if new is None and line == 1}
    if code is None or field in removed:  # nothing wrong (the field to spoil is not there): the rows say so
        assert _takes_fast_path(data), model
    else:
        assert code in {p.code for p in model}


# The head's fields the rules read (guid, times, codes, amounts; goodsValue … for the totals) are read from the
# head's children in Python (treecheck._Head), the root's guid attribute and the signature without XPath. These
# tests give the heads random values, remove optional fields, write values with character references, the
# document compact, indented or with CRLF, and compare the two paths' reports.

_TIMES = (["20220315153555", "20160315153555"], ["20221301000000", "2022031515355", "２０２２０３１５１５３５５５"])
_DAYS = (["20220308", "20160229"], ["20220230", "2022030", "20220308\r\n", " 20220308"])
_GUIDS = (
    ["4CDE1CFD-EDED-46B1-946C-B8022E42FC94", "ABCDEFGHIJ_-0123456789ABCDEFGHIJ_-01"],
    [
        "4cde1cfd-eded-46b1-946c-b8022e42fc94",
        "4CDE1CFD-EDED-46B1-946C-B8022E42FC9",
        "4CDE1CFD EDED-46B1-946C-B8022E42FC94",
    ],
)
_AMOUNTS = (["0", "1.5", "500", "3500.25"], ["-1", "-0", "1e2"])
_HEAD_VALUES = {
    "guid": _GUIDS,
    "appTime": _TIMES,
    "declTime": _DAYS,
    "ieDate": _DAYS,
    "country": (["116", "142", "502"], ["ZZZ", "11", "116\n", ""]),
    "tradeMode": (["9610", "1210"], ["ZZZZ", "961", ""]),
    "trafMode": (["0", "4", "5"], ["Q", "4|5", "", "|"]),
    "currency": (["142"], ["", "502"]),
    "freight": _AMOUNTS,
    "insuredFee": _AMOUNTS,
    "packNo": (["1", "6000"], ["-1"]),
    "grossWeight": _AMOUNTS,
    "netWeight": _AMOUNTS,
    "goodsValue": _AMOUNTS,
    "discount": _AMOUNTS,
    "taxTotal": _AMOUNTS,
    "acturalPaid": _AMOUNTS,
    "note": (["A&B", "<", "x\r\ny"], ["", " "]),
    "wrapType": (["1"], [""]),
    "copNo": (["NBBH20160308005"], [""]),
}
#: Optional head fields (removing a required one makes the document schema-invalid: a report both paths agree on).
_HEAD_OPTIONAL = frozenset({"ieDate", "note", "wrapType", "copNo", "preNo", "emsNo", "payCode", "batchNumbers"})


def _head_document(
    base: str,
    edits: list[tuple[int, str, str | None]],
    root_guid: str | None,
    layout: str,
    refs: bool,
) -> bytes:
    """The sample ``base`` with ``edits`` (document, head field, value or None to remove) applied to its heads and
    its root's ``guid`` attribute set (or removed: None); written compact, indented or indented with CRLF line ends;
    with ``refs`` each edited value's first character written as a character reference."""
    root = etree.fromstring(_base(base))
    heads = [head for head in root.iter(f"{{{CEB}}}*") if etree.QName(head).localname.endswith("Head")]
    written: list[str] = []
    for document, tag, value in edits:
        target = heads[document % len(heads)].find(f"{{{CEB}}}{tag}")
        if target is None:
            continue
        if value is None:
            if tag in _HEAD_OPTIONAL:
                target.getparent().remove(target)
        else:
            target.text = value
            written.append(value)
    if root_guid is None:
        root.attrib.pop("guid", None)
    else:
        root.set("guid", root_guid)
    if layout != "compact":
        etree.indent(root)
    data = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    if layout == "crlf":
        data = data.replace(b"\n", b"\r\n")
    for value in written if refs else ():
        plain = etree.tostring(_element_with(value))[3:-4]  # as lxml escapes it: <a>…</a>
        if plain and not plain.startswith(b"&"):
            referenced = f"&#{ord(value[0])};".encode() + plain[len(value[0].encode()) :]
            data = data.replace(b">" + plain + b"<", b">" + referenced + b"<", 1)
    return data


def _element_with(text: str) -> etree._Element:
    element = etree.Element("a")
    element.text = text
    return element


_HEAD_EDITS = st.lists(
    st.sampled_from(sorted(_HEAD_VALUES)).flatmap(
        lambda tag: st.tuples(
            st.integers(0, 9),
            st.just(tag),
            st.none() | st.sampled_from(_HEAD_VALUES[tag][0]) | st.sampled_from(_HEAD_VALUES[tag][1]),
        )
    ),
    max_size=3,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    base=st.sampled_from(["import/CEB621Message.xml", "import/CEB311Message.xml"]),
    edits=_HEAD_EDITS,
    root_guid=st.none() | st.sampled_from(_GUIDS[0]) | st.sampled_from(_GUIDS[1]),
    layout=st.sampled_from(["compact", "indented", "crlf"]),
    refs=st.booleans(),
)
def test_head_fields_read_in_python_get_the_same_report(
    base: str, edits: list[tuple[int, str, str | None]], root_guid: str | None, layout: str, refs: bool
) -> None:
    fast, model = _both(_head_document(base, edits, root_guid, layout, refs))
    assert fast == model


@pytest.mark.parametrize(
    ("base", "field", "value", "code"),
    [
        ("import/CEB621Message.xml", "guid", _GUIDS[1][0], "guid-format"),
        ("import/CEB621Message.xml", "appTime", "20221301000000", "time-format"),
        ("import/CEB621Message.xml", "declTime", "20220230", "time-format"),
        ("import/CEB621Message.xml", "ieDate", "20220230", "time-format"),
        ("import/CEB621Message.xml", "country", "ZZZ", "code-table"),
        ("import/CEB621Message.xml", "tradeMode", "ZZZZ", "code-table"),
        ("import/CEB621Message.xml", "trafMode", "Q", "code-table"),
        ("import/CEB621Message.xml", "currency", "", "code-table"),
        ("import/CEB621Message.xml", "freight", "-1", "negative-amount"),
        ("import/CEB621Message.xml", "packNo", "-1", "negative-amount"),
        ("import/CEB621Message.xml", "netWeight", "-0.5", "negative-amount"),
        ("import/CEB311Message.xml", "guid", _GUIDS[1][2], "guid-format"),
        ("import/CEB311Message.xml", "appTime", "20220230153555", "time-format"),
        ("import/CEB311Message.xml", "currency", "", "code-table"),
        ("import/CEB311Message.xml", "goodsValue", "1.5", "header-total"),
        ("import/CEB311Message.xml", "freight", "3", "actual-paid"),
    ],
)
@pytest.mark.parametrize("layout", ["compact", "crlf"])
@pytest.mark.parametrize("without", [False, True])
def test_a_wrong_head_value_is_seen_in_any_document(
    base: str, field: str, value: str, code: str, layout: str, without: bool
) -> None:
    """The value is put in the head of the last document, with its optional fields present or removed (the head is
    then read by tag): a reader taking the wrong place, or stopping at the first head, misses it."""
    edits: list[tuple[int, str, str | None]] = [(9, name, None) for name in sorted(_HEAD_OPTIONAL - {field}) if without]
    edits.append((9, field, value))
    data = _head_document(base, edits, _GUIDS[0][0], layout, refs=False)
    root = parse(data)
    assert not xsd_problems(root, "202205"), "the case must stay schema-valid"
    fast, model = _both(data)
    assert code in {p.code for p in model}, model
    assert fast == model
    assert not validation._clean_tree(root, "202205")


@pytest.mark.parametrize("value", [_GUIDS[1][0], _GUIDS[1][2], ""])
def test_a_wrong_root_guid_is_seen(value: str) -> None:
    data = _head_document("import/CEB621Message.xml", [], value, "compact", refs=False)
    fast, model = _both(data)
    assert fast == model
    assert not _takes_fast_path(data)


def test_the_heads_and_the_root_are_read_without_xpath() -> None:
    """The tests above exercise the head reader only if the plans use it: no XPath is left for the inventory's
    head fields, its root guid and its signature, and the order's head fields (the totals' too) are read by it."""
    from eport.edi.ceb import treecheck

    plan = treecheck._plan(imports.CEB621Message)
    assert plan is not None
    assert plan.wrong is None
    assert not plan.times
    assert not plan.codes
    (head,) = plan.totals[0].reads
    read = {etree.QName(tag).localname for tag in head.tags}
    assert {"guid", "appTime", "declTime", "ieDate", "country", "tradeMode", "trafMode", "currency"} <= read
    assert {"freight", "insuredFee", "packNo", "grossWeight", "netWeight"} <= read
    order = treecheck._plan(imports.CEB311Message)
    assert order is not None
    (head,) = order.totals[0].reads
    read = {etree.QName(tag).localname for tag in head.tags}
    assert {"guid", "appTime", "currency", "goodsValue", "freight", "discount", "taxTotal", "acturalPaid"} <= read
    for document in (_head_document("import/CEB621Message.xml", [], _GUIDS[0][0], "crlf", refs=True),):
        assert _takes_fast_path(document)


def test_a_missing_signature_is_seen_without_the_schema() -> None:
    """The schemas require the signature of the signed roots, so only a direct call of the tree check shows that it
    looks for the signature itself (the rule reports a declared document without one)."""
    from eport.edi.ceb import treecheck

    root = etree.fromstring(_inventory())
    assert treecheck.clean(root, imports.CEB621Message)
    for signature in root.findall("{http://www.w3.org/2000/09/xmldsig#}Signature"):
        root.remove(signature)
    assert not treecheck.clean(root, imports.CEB621Message)


def test_the_nodes_and_items_are_found_without_xpath() -> None:
    """A document node that is a child of the root is found by its tag, and its items are its children less the
    fields that occur once (the head); both give what the XPaths they replace give, on every document node."""
    from eport.edi.ceb import treecheck

    plan = treecheck._plan(imports.CEB621Message)
    assert plan is not None
    (totals,) = plan.totals
    (lines,) = totals.lists
    assert lines.full is not None
    assert lines.full.count is None
    assert totals.children == f"{{{CEB}}}Inventory"
    for layout in _OPTIONAL_LAYOUTS.values():
        root = parse(_lines_document("import/CEB621Message.xml", layout, "indented", consistent=True))
        nodes = list(root.iterchildren(totals.children))
        assert nodes == totals.nodes(root)
        for node in nodes:
            assert len(node) - lines.full.others == len(node.findall(f"{{{CEB}}}InventoryList")) > 0


def test_the_optional_fields_are_read_by_xpath_only_where_some_items_lack_them(monkeypatch: pytest.MonkeyPatch) -> None:
    """The number of items chooses the rows: with every optional field (every item has them all), without them (no
    item has any), or the optional fields read by XPath (the rest). A wrong count would take the XPaths, or the
    wrong rows, for a node whose items all have them."""
    from eport.edi.ceb import treecheck

    read: list[etree._Element] = []
    texts = treecheck._texts

    def spy(xpath: etree.XPath, node: etree._Element) -> list[str]:
        read.append(node)
        return texts(xpath, node)

    monkeypatch.setattr(treecheck, "_texts", spy)
    root = parse(_lines_document("import/CEB621Message.xml", [], "compact", consistent=True))
    assert treecheck.clean(root, imports.CEB621Message)
    mixed = []
    for node in root.iterchildren(f"{{{CEB}}}Inventory"):
        has = {
            (item.find(f"{{{CEB}}}tradeCountry") is not None, item.find(f"{{{CEB}}}unit2") is not None)
            for item in node.iterchildren(f"{{{CEB}}}InventoryList")
        }
        if has not in ({(True, True)}, {(False, False)}):
            mixed.append(node)
    assert mixed
    assert len(mixed) < len(root.findall(f"{{{CEB}}}Inventory"))
    assert set(read) == set(mixed)
