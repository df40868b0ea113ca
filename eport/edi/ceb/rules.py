"""Customs rules for CEB messages (跨境电商) that the official schemas cannot express.

Each rule works on any CEB model through its spec and Python field names, so import and export messages of both
editions share them. Rules tolerate missing values (a leniently decoded message may have ``None`` in required
fields): the XSD problems report those.

Problem codes: ``guid-format``, ``time-format``, ``gnum-sequence``, ``header-total``, ``actual-paid``,
``line-total``, ``code-table``, ``signature-required``, ``unsigned-draft``, ``negative-amount``.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal, InvalidOperation, Overflow, localcontext
from typing import Any

import attrs

from eport.edi.ceb.extensions import is_extension
from eport.edi.codes import numeric
from eport.edi.core.amounts import negative_amounts_in
from eport.edi.core.report import Problem, Severity
from eport.edi.core.rules import Rule, RuleContext
from eport.edi.core.schema import field_names
from eport.edi.core.spec import ValueKind, spec_of
from eport.edi.core.walk import Node, root_path, walk
from eport.errors import CodeTableError

logger = logging.getLogger(__name__)

#: Roots whose documents must be signed when declared (appStatus=2 申报): XSD annotation and spec §6.
SIGNED_ROOTS = frozenset({"CEB621Message", "CEB623Message", "CEB625Message", "CEB711Message"})

#: Time fields (XML tag) and their format. 14: YYYYMMDDhhmmss, 17: YYYYMMDDhhmmssSSS, 8: YYYYMMDD.
TIME_FORMATS: Mapping[str, int] = {
    "appTime": 14,
    "payTime": 14,
    "logisticsTime": 14,
    "accountingDate": 14,
    "startTime": 14,
    "endTime": 14,
    "returnTime": 17,
    "opDate": 17,
    "declTime": 8,
    "ieDate": 8,
}
_SHAPES = {14: "YYYYMMDDhhmmss", 17: "YYYYMMDDhhmmssSSS", 8: "YYYYMMDD"}
#: A guid the rules accept: 36 characters of ``[0-9A-Z_-]`` (digits, upper-case letters, ``_`` and ``-``).
_GOOD_GUID = re.compile(r"[0-9A-Z_-]{36}").fullmatch

#: Field (Python name) → numeric code table alias (``eport.edi.codes.numeric``).
CODE_FIELDS: Mapping[str, str] = {
    "currency": "currency",
    "country": "country",
    "trade_country": "country",
    "unit": "unit",
    "unit1": "unit",
    "unit2": "unit",
    "traf_mode": "transport_mode",
    "trade_mode": "trade_mode",
}

#: Item entities whose ``gnum`` refers to another document's items (退货 refers to the original inventory) and
#: therefore need not run from 1.
GNUM_REFERENCES = frozenset({"InvtRefundList"})

#: Largest difference tolerated between a stated total and the computed one (amounts have 5 decimals; customs
#: systems round to cents).
TOLERANCE = Decimal("0.01")


#: Money and quantity fields (XML tag) where a negative value means nothing: prices, totals, freight, insurance,
#: taxes, weights, quantities, package counts. The schema allows a sign on every ``xs:decimal``; the specification
#: describes each of these as an amount or a count (``discount`` 非现金抵扣金额 too: a positive amount that
#: ``acturalPaid`` = goodsValue + freight + taxTotal − discount subtracts, "无则填写0"). Replace it (or
#: :data:`NEGATIVE_ALLOWED_ROOTS`) with :func:`negative_amounts_in` to check another set. Not in the default set: the
#: legal quantities ``qty1``/``qty2`` (法定数量) of each line, whose check on the tree would cost ``validate_bytes``
#: about 5 % at 99 lines (issue #14's budget is 3 %); add them with ``negative_amounts_in`` (``rules=``).
AMOUNT_FIELDS: frozenset[str] = frozenset(
    {
        "goodsValue", "freight", "discount", "taxTotal", "acturalPaid", "insuredFee", "price", "totalPrice",
        "qty", "grossWeight", "netWeight", "weight", "packNo", "customsTax", "valueAddedTax",
        "consumptionTax", "taxPrice", "charge", "amountPaid",
    }
)  # fmt: skip
#: Messages whose amounts are not checked: the CEB816 tax receipt (电子税单) is written by customs, not by the
#: sender, and whether a correction of a tax can carry a negative amount is not published [UNVERIFIED].
NEGATIVE_ALLOWED_ROOTS: frozenset[str] = frozenset({"CEB816Message"})


def _nodes(message: Any, context: RuleContext) -> tuple[Node, ...]:
    return context.nodes or tuple(walk(message))


# What each rule reads of a model class, worked out once per class (the rules then touch only those fields).
@attrs.frozen
class _Plan:
    guid: str | None  # "attribute", "field" or None
    times: tuple[tuple[str, str, int], ...]  # (field name, tag, width)
    codes: tuple[tuple[str, str, str], ...]  # (field name, tag, code table alias)
    gnum_lists: tuple[tuple[str, str], ...]  # (field name, tag) of repeated items numbered by gnum
    heads: tuple[tuple[str, str], ...]  # (field name, tag) of single …Head sub-models
    lists: tuple[tuple[str, str], ...]  # (field name, tag) of repeated …List sub-models


def _plan(node: Node) -> _Plan:
    cls = type(node.model)
    if getattr(cls, "__eport_spec__", None) is node.spec:
        return _class_plan(cls)  # type: ignore[arg-type]  # a class is hashable
    return _make_plan(node.spec)  # a node built by hand with another spec


@functools.lru_cache(maxsize=2048)
def _class_plan(cls: type[Any]) -> _Plan:
    return _make_plan(spec_of(cls))


def _make_plan(spec: Any) -> _Plan:
    fields = spec.fields
    if any(a.name == "guid" for a in spec.attributes):
        guid: str | None = "attribute"
    else:
        guid = "field" if any(f.name == "guid" for f in fields) else None
    gnum_lists = []
    for f in fields:
        if f.kind is not ValueKind.MODEL or not f.repeated or f.model is None:
            continue
        item_spec = getattr(f.model, "__eport_spec__", None)
        if item_spec is None or item_spec.tag in GNUM_REFERENCES:
            continue
        if any(i.name == "gnum" for i in item_spec.fields):
            gnum_lists.append((f.name, f.tag))
    return _Plan(
        guid=guid,
        times=tuple((f.name, f.tag, TIME_FORMATS[f.tag]) for f in fields if f.tag in TIME_FORMATS),
        codes=tuple(
            (f.name, f.tag, CODE_FIELDS[f.name]) for f in fields if f.name in CODE_FIELDS and f.kind is ValueKind.STRING
        ),
        gnum_lists=tuple(gnum_lists),
        heads=tuple(
            (f.name, f.tag) for f in fields if f.kind is ValueKind.MODEL and not f.repeated and f.tag.endswith("Head")
        ),
        lists=tuple(
            (f.name, f.tag) for f in fields if f.kind is ValueKind.MODEL and f.repeated and f.tag.endswith("List")
        ),
    )


@functools.lru_cache(maxsize=64)
def _code_set(table_name: str) -> tuple[frozenset[str], str, str] | None:
    """The codes of a shipped numeric table as a frozen set, with its name and title; ``None`` when missing."""
    try:
        table = numeric(table_name)
    except CodeTableError:  # pragma: no cover - the tables ship with eport
        return None
    return table.codes, table.name, table.title


def _label(tag: str) -> str:
    chinese = field_names().get(tag)
    return f"{tag} {chinese}" if chinese else tag


def _tag(node: Node, name: str) -> str:
    return node.spec.field(name).tag


def _decimal(value: Any) -> Decimal | None:
    """A finite Decimal, else ``None`` (NaN and Infinity are reported by the encoder, not compared here)."""
    if value is None:
        return None
    if not isinstance(value, Decimal):
        try:
            value = Decimal(str(value))
        except (InvalidOperation, ValueError):
            return None
    return value if value.is_finite() else None


def guid_format(message: Any, context: RuleContext) -> Iterator[Problem]:
    """``guid`` (root attribute and document heads) must be 36 characters, upper case (英文字母大写).

    Only data messages (those with a ``BaseTransfer``) are checked: receipts carry guids generated by E-Port.
    """
    nodes = _nodes(message, context)
    if not nodes[0].has("base_transfer"):
        return
    for node in nodes:
        where = _plan(node).guid
        if where is None:
            continue
        value = getattr(node.model, "guid", None)
        if not isinstance(value, str):
            continue
        if not _GOOD_GUID(value):
            path = f"{node.path}/@guid" if where == "attribute" else node.field_path("guid")
            yield Problem(
                path,
                "guid-format",
                f"guid 系统唯一序号 must be 36 upper-case characters (英文字母大写), got {value!r}",
            )


def _real_time(digits: str) -> bool:
    """True when ASCII ``digits`` (YYYYMMDD, YYYYMMDDhhmmss, or longer with milliseconds) name a real date and time.

    The same verdict as ``strptime`` with ``%Y%m%d[%H%M%S]`` on fixed-width digits, without its regular expressions.
    """
    try:
        if len(digits) == 8:
            dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
        else:
            dt.datetime(
                int(digits[:4]), int(digits[4:6]), int(digits[6:8]), int(digits[8:10]), int(digits[10:12]),
                int(digits[12:14]),
            )  # fmt: skip
    except ValueError:
        return False
    return True


def time_formats(message: Any, context: RuleContext) -> Iterator[Problem]:
    """Times must have their documented format and be real dates (``appTime`` YYYYMMDDhhmmss …)."""
    for node in _nodes(message, context):
        times = _plan(node).times
        if not times:
            continue
        model = node.model
        for name, tag, width in times:
            value = getattr(model, name, None)
            if not isinstance(value, str):
                continue
            ok = len(value) == width and value.isascii() and value.isdigit()  # not full-width ２０２２
            if not ok or not _real_time(value):
                yield Problem(
                    node.field_path(name),
                    "time-format",
                    f"{_label(tag)} must be {_SHAPES[width]} (a real date and time), got {value!r}",
                )


def _gnum_lists(node: Node) -> Iterator[tuple[str, tuple[Any, ...]]]:
    for name, tag in _plan(node).gnum_lists:
        items = getattr(node.model, name, None)
        if isinstance(items, tuple) and items:
            yield tag, items


def gnum_sequence(message: Any, context: RuleContext) -> Iterator[Problem]:
    """Item numbers ``gnum`` (商品序号) run 1, 2, 3 … in document order within each document."""
    for node in _nodes(message, context):
        for tag, items in _gnum_lists(node):
            numbers = [_gnum_number(getattr(item, "gnum", None)) for item in items]
            present = [n for n in numbers if n is not None]
            swapped = sorted(present) == list(range(1, len(items) + 1))  # all there, in another order
            for position, (item, number) in enumerate(zip(items, numbers, strict=True), 1):
                value = getattr(item, "gnum", None)
                if value is None or number == position:
                    continue
                if swapped:
                    why = "out of order (they must follow the document order 1, 2, 3 …)"
                elif number is not None and present.count(number) > 1:
                    why = f"a repeat ({number} is used {present.count(number)} times)"
                else:
                    why = "a gap or a wrong number (they must run from 1 without gaps)"
                index = f"[{position}]" if len(items) > 1 else ""
                yield Problem(
                    f"{node.path}/ceb:{tag}{index}/ceb:gnum",
                    "gnum-sequence",
                    f"gnum 商品序号 is {why}: item {position} of {tag} has {value!r}",
                )


def _gnum_number(value: Any) -> int | None:
    """The item number as an int; ``None`` when absent or not a number."""
    if value is None:
        return None
    try:
        return int(str(value))
    except ValueError:
        return None


def header_totals(message: Any, context: RuleContext) -> Iterator[Problem]:
    """Header amounts equal their items: ``goodsValue`` = Σ ``totalPrice``; ``acturalPaid`` = goodsValue +
    freight + taxTotal − discount; ``totalPrice`` = ``qty`` × ``price`` (warning)."""
    with localcontext() as decimal_context:
        # Amounts near the Decimal exponent limit give Infinity instead of raising; the schema reports them.
        decimal_context.traps[Overflow] = False
        problems = list(_header_totals(message, context))  # not yielding inside: the context must not leak
    yield from problems


def _header_totals(message: Any, context: RuleContext) -> Iterator[Problem]:
    for node in _nodes(message, context):
        plan = _plan(node)
        heads, lists = plan.heads, plan.lists
        if not heads and not lists:
            continue
        for head_name, head_tag in heads:
            head = getattr(node.model, head_name, None)
            if head is None:
                continue
            head_path = f"{node.path}/ceb:{head_tag}"
            goods_value = _decimal(getattr(head, "goods_value", None))
            for list_name, list_tag in lists:
                items = getattr(node.model, list_name, None) or ()
                prices = [_decimal(getattr(item, "total_price", None)) for item in items]
                if goods_value is None or not prices or any(p is None for p in prices):
                    continue
                total = sum((p for p in prices if p is not None), Decimal(0))
                if abs(total - goods_value) > TOLERANCE:
                    yield Problem(
                        f"{head_path}/ceb:goodsValue",
                        "header-total",
                        f"goodsValue {_label('goodsValue').split(' ', 1)[-1]} {goods_value} differs from the sum of "
                        f"{list_tag} totalPrice 总价 {total}",
                    )
            paid = _decimal(getattr(head, "actural_paid", None))
            parts = [_decimal(getattr(head, n, None)) for n in ("goods_value", "freight", "tax_total", "discount")]
            if paid is not None and all(p is not None for p in parts):
                value, freight, tax, discount = (p or Decimal(0) for p in parts)
                expected = value + freight + tax - discount
                if abs(expected - paid) > TOLERANCE:
                    yield Problem(
                        f"{head_path}/ceb:acturalPaid",
                        "actual-paid",
                        f"acturalPaid 实际支付金额 {paid} must equal goodsValue + freight + taxTotal − discount "
                        f"= {expected}",
                    )
        for list_name, list_tag in lists:
            items = getattr(node.model, list_name, None) or ()
            for position, item in enumerate(items, 1):
                qty, price, line = (_decimal(getattr(item, n, None)) for n in ("qty", "price", "total_price"))
                if qty is None or price is None or line is None:
                    continue
                if abs(qty * price - line) > TOLERANCE:
                    index = f"[{position}]" if len(items) > 1 else ""
                    yield Problem(
                        f"{node.path}/ceb:{list_tag}{index}/ceb:totalPrice",
                        "line-total",
                        f"totalPrice 总价 {line} differs from qty 数量 × price 单价 = {qty * price}",
                        Severity.WARNING,
                    )


def code_tables(message: Any, context: RuleContext) -> Iterator[Problem]:
    """Codes must be in the customs code tables of the numeric generation (currency 币制 142, country 国别 502 …)."""
    for node in _nodes(message, context):
        codes = _plan(node).codes
        if not codes:
            continue
        model = node.model
        for name, tag, table_name in codes:
            value = getattr(model, name, None)
            if not isinstance(value, str):
                continue
            table = _code_set(table_name)
            if table is None:  # pragma: no cover - the tables ship with eport
                logger.warning("code table %s is missing", table_name)
                continue
            known, table_title_name, title = table
            if value not in known:
                yield Problem(
                    node.field_path(name),
                    "code-table",
                    f"{_label(tag)}: {value!r} is not in the customs table {table_title_name} ({title})",
                )


def signature_required(message: Any, context: RuleContext) -> Iterator[Problem]:
    """CEB621/623/625/711 declared with ``appStatus=2`` (申报) must carry ``ds:Signature``; saved drafts
    (every ``appStatus`` exactly 1, 暂存) only get a warning, since the schema requires the signature in every case.
    Any other status (``02``, ``3``, none) counts as declared: only a draft may go unsigned."""
    nodes = _nodes(message, context)
    root = nodes[0]
    if root.spec.tag not in SIGNED_ROOTS or not root.has("signature") or root.value("signature") is not None:
        return
    statuses = {n.value("app_status") for n in nodes if n.has("app_status")}
    path = f"{root.path}/ds:Signature"
    if statuses != {"1"}:
        stated = sorted(s for s in statuses if s)
        if stated == ["2"]:
            what = "with appStatus 2 (申报 declare)"
        else:  # say what the message holds: a missing head has no appStatus to quote
            what = f"with appStatus {', '.join(stated)}" if stated else "with no appStatus"
            what += " counts as declared (only appStatus 1, 暂存, may go unsigned) and"
        yield Problem(path, "signature-required", f"{root.spec.tag} {what} must be signed (ds:Signature 数字签名)")
    else:
        yield Problem(
            path,
            "unsigned-draft",
            f"{root.spec.tag} is not signed yet: sign it before sending (the schema requires ds:Signature)",
            Severity.WARNING,
        )


#: The family's negative-amount rule: :data:`AMOUNT_FIELDS` outside :data:`NEGATIVE_ALLOWED_ROOTS`.
negative_amounts = negative_amounts_in(AMOUNT_FIELDS, NEGATIVE_ALLOWED_ROOTS, _label)

#: The rules run for every CEB message, in this order.
RULES: tuple[Rule, ...] = (
    guid_format, time_formats, gnum_sequence, header_totals, code_tables, signature_required, negative_amounts
)  # fmt: skip


def run(message: Any, context: RuleContext, rules: Iterable[Rule] = RULES) -> list[Problem]:
    """Run ``rules`` over ``message`` and collect their problems."""
    problems: list[Problem] = []
    for rule in rules:
        problems.extend(rule(message, context))
    return problems


def drop_covered(problems: list[Problem], message: Any) -> list[Problem]:
    """Drop the XSD "missing ds:Signature" problem when :func:`signature_required` reports it with more meaning,
    and report the schema's "not expected" for a known extension (:mod:`eport.edi.ceb.extensions`: ``orderNo`` in
    ``TaxHeadRd``) as a ``known-extension`` warning.

    The validation engine calls this through the family's ``drop_covered`` hook.
    """
    problems = [_as_extension(p) for p in problems]
    tag = getattr(getattr(message, "__eport_spec__", None), "tag", None)
    if tag not in SIGNED_ROOTS or getattr(message, "signature", None) is not None:
        return problems
    root = root_path(message)
    return [
        p for p in problems if not (p.path == root and p.code == "xsd-missing-element" and "ds:Signature" in p.message)
    ]


def _as_extension(problem: Problem) -> Problem:
    if problem.code != "xsd-unexpected-element":
        return problem
    steps = problem.path.rsplit("/", 2)
    if len(steps) != 3:
        return problem
    entity, tag = (step.partition(":")[2] or step for step in steps[1:])
    if not is_extension(entity.partition("[")[0], tag.partition("[")[0]):
        return problem
    return Problem(
        problem.path,
        "known-extension",
        f"{_label(tag)}: a known extension of {entity} that real receipts carry; the published schema does not "
        "allow it (and checks nothing after it in this element)",
        Severity.WARNING,
    )


__all__ = [
    "AMOUNT_FIELDS",
    "CODE_FIELDS",
    "GNUM_REFERENCES",
    "NEGATIVE_ALLOWED_ROOTS",
    "RULES",
    "SIGNED_ROOTS",
    "TIME_FORMATS",
    "code_tables",
    "drop_covered",
    "gnum_sequence",
    "guid_format",
    "header_totals",
    "negative_amounts",
    "negative_amounts_in",
    "run",
    "signature_required",
    "time_formats",
]
