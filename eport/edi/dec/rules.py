"""Rules for declarations (报关单 ``DecMessage``) that no schema expresses.

No official DecMessage XSD was found (FORMATS.md §7), so these rules also carry the field table's lengths and
digits, and its two levels of required fields:

* required to save (暂存必填, ``DecSign/OperType`` G, also A/B uploads) and required to declare (申报必填, C/D);
  OperType E (电子手册报关单上载) gets no required-field checks, as customs does none;
* lengths and decimal digits from the field table;
* gross weight ≥ net weight; item total = quantity × price within a tolerance; item numbers 1, 2, 3 …;
* currency and country codes valid in the message's code generation (numeric ``502`` or ISO ``USD``/``USA``),
  one generation per message; other codes (trade mode, transport, units …) against the shipped tables (warnings:
  the tables are third-party copies, see ``docs/codes.md``);
* positional flags (``Type``, ``PromiseItmes``, ``SpecDeclFlag``) well formed; EdocID naming rule.

Each rule is a pure function ``rule(message, context) -> Iterable[Problem]``; :data:`RULES` lists them for
:mod:`eport.edi.core.rules`, and :func:`validate_declaration` runs them with explicit options.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from decimal import Decimal, Overflow, localcontext
from typing import Any, cast

import attrs

from eport.edi.codes import CodeBook, Generation
from eport.edi.core.amounts import negative_amounts_in
from eport.edi.core.report import Problem, Severity, ValidationReport
from eport.edi.core.rules import RuleContext
from eport.edi.core.spec import FieldSpec, ValueKind, spec_of
from eport.edi.core.walk import Node, walk
from eport.edi.dec.filedrop import EdocId
from eport.edi.dec.flags import DecType, Level, PromiseItems, SpecDeclFlag
from eport.edi.dec.models import REQUIRED_TO_DECLARE, REQUIRED_TO_SAVE, DecMessage
from eport.errors import CodeTableError, ConfigurationError

logger = logging.getLogger(__name__)

#: Default tolerance between DeclTotal and GQty × DeclPrice (the field table gives 4 decimals for both).
DEFAULT_TOTAL_TOLERANCE = Decimal("0.01")
#: Decimals a unit price DeclPrice is rounded to (the field table: 19,4). Real declarations state the total and a
#: unit price rounded from it, so GQty × DeclPrice may miss DeclTotal by up to GQty × half a unit of that place.
DEFAULT_PRICE_DECIMALS = 4

_CURRENCY_FIELDS = {
    ("DecHead", "fee_curr"),
    ("DecHead", "insur_curr"),
    ("DecHead", "other_curr"),
    ("DecList", "trade_curr"),
}
_COUNTRY_FIELDS = {
    ("DecHead", "trade_country"),
    ("DecHead", "trade_area_code"),
    ("DecList", "origin_country"),
    ("DecList", "destination_country"),
}
# (model, field) -> (numeric table alias, severity); checked only when the value is present
_TABLE_FIELDS: dict[tuple[str, str], tuple[str, Severity]] = {
    ("DecHead", "ie_flag"): ("cit_ie_flag", Severity.ERROR),
    ("DecHead", "fee_mark"): ("fee_mark", Severity.ERROR),
    ("DecHead", "insur_mark"): ("fee_mark", Severity.ERROR),
    ("DecHead", "other_mark"): ("fee_mark", Severity.ERROR),
    ("DecHead", "entry_type"): ("entry_type", Severity.ERROR),
    ("DecHead", "edi_id"): ("edi_id", Severity.ERROR),
    ("DecHead", "decl_trn_rel"): ("cit_decl_trn_rel", Severity.ERROR),
    ("DecSign", "oper_type"): ("oper_type", Severity.ERROR),
    ("DecSign", "domain_id"): ("cit_domain_id", Severity.ERROR),
    ("DecHead", "traf_mode"): ("transport_mode", Severity.WARNING),
    ("DecHead", "trans_mode"): ("trans_mode", Severity.WARNING),
    ("DecHead", "trade_mode"): ("trade_mode", Severity.WARNING),
    ("DecHead", "cut_mode"): ("cut_mode", Severity.WARNING),
    ("DecHead", "wrap_type"): ("wrap_type", Severity.WARNING),
    ("DecList", "duty_mode"): ("duty_mode", Severity.WARNING),
    ("DecList", "g_unit"): ("unit", Severity.WARNING),
    ("DecList", "first_unit"): ("unit", Severity.WARNING),
    ("DecList", "second_unit"): ("unit", Severity.WARNING),
    ("DecList", "use_to"): ("use_to", Severity.WARNING),
    ("EdocRealation", "edoc_code"): ("edoc_code", Severity.WARNING),
    ("LicenseDocu", "docu_code"): ("license_doc", Severity.WARNING),
}


@attrs.frozen
class DecRuleOptions:
    """Options of the declaration rules.

    Attributes:
        level: which required fields apply; ``None`` takes it from ``DecSign/OperType``.
        generation: code generation of currencies and countries; ``None`` infers it from the message.
        codebook: code tables; ``None`` uses the shipped ones.
        total_tolerance: allowed difference between DeclTotal and GQty × DeclPrice, on top of the price's rounding.
        price_decimals: decimals DeclPrice is taken to be rounded to; GQty × half a unit of that place is added to
            the tolerance. ``None`` checks with ``total_tolerance`` alone (for prices that are exact).
    """

    level: Level | None = None
    generation: Generation | None = None
    codebook: CodeBook | None = None
    total_tolerance: Decimal = DEFAULT_TOTAL_TOLERANCE
    price_decimals: int | None = DEFAULT_PRICE_DECIMALS


_DEFAULT = DecRuleOptions()

# Required fields whose blank value is meaningful: a blank Type is an ordinary declaration (一般报关单填空值).
_BLANK_ALLOWED = {("DecHead", "type_")}
# Required fields that apply only when another field is filled: (model, field) -> field that triggers them.
_REQUIRED_IF = {("DecList", "second_qty"): "second_unit"}


@attrs.frozen
class _ClassPlan:
    """Which fields of one model class each rule looks at (computed once per class)."""

    required_save: tuple[FieldSpec, ...]
    required_declare: tuple[FieldSpec, ...]
    strings: tuple[FieldSpec, ...]
    decimals: tuple[FieldSpec, ...]
    currencies: tuple[FieldSpec, ...]
    countries: tuple[FieldSpec, ...]
    tables: tuple[tuple[FieldSpec, str, Severity], ...]


def _plan(cls: type[Any]) -> _ClassPlan:
    return _plan_cached(cast(Hashable, cls))


@functools.cache
def _plan_cached(key: Hashable) -> _ClassPlan:
    cls = cast(type[Any], key)
    name = cls.__name__
    fields = spec_of(cls).fields
    return _ClassPlan(
        required_save=tuple(f for f in fields if (name, f.name) in REQUIRED_TO_SAVE),
        required_declare=tuple(f for f in fields if (name, f.name) in REQUIRED_TO_DECLARE),
        strings=tuple(f for f in fields if f.kind is ValueKind.STRING and f.facets.max_length is not None),
        decimals=tuple(f for f in fields if f.kind is ValueKind.DECIMAL),
        currencies=tuple(f for f in fields if (name, f.name) in _CURRENCY_FIELDS),
        countries=tuple(f for f in fields if (name, f.name) in _COUNTRY_FIELDS),
        tables=tuple((f, *_TABLE_FIELDS[(name, f.name)]) for f in fields if (name, f.name) in _TABLE_FIELDS),
    )


def _nodes(message: Any, nodes: Sequence[Node] | None = None) -> Sequence[Node]:
    return nodes if nodes is not None else tuple(walk(message))


def _cls(node: Node) -> str:
    return type(node.model).__name__


def _doc(node: Node, name: str) -> str:
    f = node.spec.field(name)
    return f"{f.tag} {f.doc}".strip()


# ------------------------------------------------------------------------------------------------ rules
#: What the message's required parts are, for the ``missing-element`` problem.
_PART_LABELS = {"DecHead": "报关单表头 (declaration head)", "DecSign": "签名信息 (OperType, ClientSeqNo …)"}


def required_parts(
    message: DecMessage, options: DecRuleOptions = _DEFAULT, nodes: Sequence[Node] | None = None
) -> Iterator[Problem]:
    """The message's required parts (``DecHead``, ``DecSign``) are present: a missing one is ``missing-element``
    (what the decoder says of a document without it; a model built in Python gets the same), and the other rules
    check what is there."""
    root = _nodes(message, nodes)[0]
    for f in root.spec.fields:
        if f.kind is ValueKind.MODEL and f.min_occurs and getattr(message, f.name) in (None, ()):
            label = _PART_LABELS.get(f.tag, f.doc)
            yield Problem(root.field_path(f.name), "missing-element", f"required element {f.tag} {label} is missing")


def required_fields(
    message: DecMessage, options: DecRuleOptions = _DEFAULT, nodes: Sequence[Node] | None = None
) -> Iterator[Problem]:
    """Fields required at the message's level (暂存 save or 申报 declare) are present and not blank."""
    level = options.level or message.level
    if level is Level.NONE:
        return
    what = "申报 declare" if level is Level.DECLARE else "暂存 save"
    for node in _nodes(message, nodes):
        plan = _plan(type(node.model))
        cls = _cls(node)
        for f in plan.required_declare if level is Level.DECLARE else plan.required_save:
            if (cls, f.name) in _BLANK_ALLOWED:
                continue
            trigger = _REQUIRED_IF.get((cls, f.name))
            if trigger is not None and not getattr(node.model, trigger):
                continue
            value = getattr(node.model, f.name)
            if value is None or (isinstance(value, str) and not value.strip()):
                yield Problem(node.field_path(f.name), "required", f"{_doc(node, f.name)} is required to {what}")


def field_formats(
    message: DecMessage, options: DecRuleOptions = _DEFAULT, nodes: Sequence[Node] | None = None
) -> Iterator[Problem]:
    """Lengths and decimal digits of the field table."""
    for node in _nodes(message, nodes):
        plan = _plan(type(node.model))
        for f in plan.strings:
            value = getattr(node.model, f.name)
            limit = f.facets.max_length
            if value is not None and limit is not None and len(value) > limit:
                yield Problem(
                    node.field_path(f.name),
                    "length",
                    f"{_doc(node, f.name)} has {len(value)} characters; at most {limit} allowed",
                )
        for f in plan.decimals:
            value = getattr(node.model, f.name)
            if not isinstance(value, Decimal):
                continue
            if not value.is_finite():
                yield Problem(node.field_path(f.name), "not-finite", f"{_doc(node, f.name)} {value} is not a number")
                continue
            facets = f.facets
            sign, digits, exponent = value.as_tuple()
            assert isinstance(exponent, int)  # noqa: S101 - finite decimals have an int exponent
            fraction = max(0, -exponent)
            integer = max(0, len(digits) + exponent)
            if facets.fraction_digits is not None and fraction > facets.fraction_digits:
                yield Problem(
                    node.field_path(f.name),
                    "fraction-digits",
                    f"{_doc(node, f.name)} {value} has more than {facets.fraction_digits} decimals",
                )
            if (
                facets.total_digits is not None
                and facets.fraction_digits is not None
                and integer > facets.total_digits - facets.fraction_digits
            ):
                yield Problem(
                    node.field_path(f.name),
                    "total-digits",
                    f"{_doc(node, f.name)} {value} is too large "
                    f"({facets.total_digits},{facets.fraction_digits} digits)",
                )
            if sign and f.name not in {"fee_rate", "insur_rate", "other_rate"}:
                yield Problem(node.field_path(f.name), "negative", f"{_doc(node, f.name)} {value} is negative")


def _finite(*values: Decimal | None) -> bool:
    """All values present and finite Decimals (no NaN, no Infinity)."""
    return all(isinstance(v, Decimal) and v.is_finite() for v in values)


def weights(
    message: DecMessage, options: DecRuleOptions = _DEFAULT, nodes: Sequence[Node] | None = None
) -> Iterator[Problem]:
    """Gross weight 毛重 is not less than net weight 净重."""
    head = message.dec_head
    if head is None:  # required_parts reports it
        return
    gross, net = head.gross_wet, head.net_wt
    if gross is not None and net is not None and _finite(gross, net) and gross < net:
        yield Problem(
            "/DecMessage/DecHead/GrossWet",
            "gross-below-net",
            f"GrossWet 毛重 {head.gross_wet} is less than NetWt 净重 {head.net_wt}",
        )


def item_totals(
    message: DecMessage, options: DecRuleOptions = _DEFAULT, nodes: Sequence[Node] | None = None
) -> Iterator[Problem]:
    """DeclTotal 申报总价 equals GQty 成交数量 × DeclPrice 申报单价 within rounding.

    The allowed difference is ``total_tolerance`` plus, when ``price_decimals`` is set, GQty × half a unit of the
    price's last place (a unit price rounded to 4 decimals from the total: 17600 × 0.0414 = 728.64 for a stated
    729.34 is within 0.01 + 17600 × 0.00005 = 0.89).
    """
    items = message.items
    for i, item in enumerate(items, 1):
        qty, price, total = item.g_qty, item.decl_price, item.decl_total
        if qty is None or price is None or total is None or not _finite(qty, price, total):
            continue  # missing, or NaN/Infinity (reported as not-finite)
        with localcontext() as context:
            context.traps[Overflow] = False  # 1E+999999 × 10: reported by total-digits, not raised here
            expected = qty * price
            if not expected.is_finite():
                continue
            difference = abs(expected - total)
            tolerance = options.total_tolerance
            if options.price_decimals is not None:
                tolerance += abs(qty) * Decimal(5).scaleb(-(options.price_decimals + 1))
        if difference > tolerance:
            index = f"[{i}]" if len(items) > 1 else ""
            yield Problem(
                f"/DecMessage/DecLists/DecList{index}/DeclTotal",
                "item-total",
                f"DeclTotal 申报总价 {item.decl_total} differs from GQty × DeclPrice = {item.g_qty} × "
                f"{item.decl_price} = {expected.normalize():f} (tolerance {tolerance.normalize():f})",
            )


def item_numbers(
    message: DecMessage, options: DecRuleOptions = _DEFAULT, nodes: Sequence[Node] | None = None
) -> Iterator[Problem]:
    """Item numbers GNo 商品序号 run 1, 2, 3 … in document order."""
    items = message.items
    for i, item in enumerate(items, 1):
        index = f"[{i}]" if len(items) > 1 else ""
        if (item.g_no or "").strip() != str(i):
            yield Problem(
                f"/DecMessage/DecLists/DecList{index}/GNo",
                "gno-sequence",
                f"GNo 商品序号 is {item.g_no!r}; item {i} must be numbered {i}",
            )


def _generation_of(nodes: Sequence[Node]) -> Generation | None:
    kinds = set()
    for node in nodes:
        plan = _plan(type(node.model))
        for f in (*plan.currencies, *plan.countries):
            value = getattr(node.model, f.name)
            if value:
                kinds.add(Generation.NUMERIC if value.isdigit() else Generation.ISO)
    if len(kinds) == 1:
        return kinds.pop()
    return None if not kinds else Generation.ISO


def code_tables(
    message: DecMessage, options: DecRuleOptions = _DEFAULT, nodes: Sequence[Node] | None = None
) -> Iterator[Problem]:
    """Currencies and countries valid in one code generation; other codes in the shipped tables."""
    book = options.codebook or CodeBook.default()
    all_nodes = _nodes(message, nodes)
    generation = options.generation or _generation_of(all_nodes)
    mixed = options.generation is None and generation is Generation.ISO
    for node in all_nodes:
        plan = _plan(type(node.model))
        for lookup, fields in ((book.currency, plan.currencies), (book.country, plan.countries)):
            for f in fields:
                value = getattr(node.model, f.name)
                if not value:
                    continue
                assert generation is not None  # noqa: S101 - a value exists, so a generation was inferred
                if lookup.is_valid(value, generation):
                    continue
                other = Generation.NUMERIC if generation is Generation.ISO else Generation.ISO
                if lookup.is_valid(value, other):
                    hint = " (the message mixes numeric and ISO codes)" if mixed else ""
                    try:
                        suggestion = f"; use {lookup(value).code_for(generation)}"
                    except CodeTableError:
                        suggestion = ""
                    yield Problem(
                        node.field_path(f.name),
                        "code-generation",
                        f"{_doc(node, f.name)} {value!r} is a {other.value} code, the message uses "
                        f"{generation.value} codes{hint}{suggestion}",
                    )
                else:
                    yield Problem(
                        node.field_path(f.name),
                        "code-table",
                        f"{_doc(node, f.name)} {value!r} is not a known {lookup.kind} code",
                    )
        for f, table_name, severity in plan.tables:
            value = getattr(node.model, f.name)
            if not value:
                continue
            try:
                table = book.numeric(table_name)
            except CodeTableError:
                continue
            if value not in table:
                yield Problem(
                    node.field_path(f.name),
                    "code-table",
                    f"{_doc(node, f.name)} {value!r} is not in table {table.name} ({table.title})",
                    severity,
                )


def flags(
    message: DecMessage, options: DecRuleOptions = _DEFAULT, nodes: Sequence[Node] | None = None
) -> Iterator[Problem]:
    """Positional flags are well formed; EdocIDs follow the naming rule."""
    head = message.dec_head
    checks: list[tuple[str, str | None, Callable[[str | None], object]]] = (
        []
        if head is None  # required_parts reports it
        else [
            ("Type", head.type_, DecType.parse),
            ("PromiseItmes", head.promise_itmes, PromiseItems.parse),
            ("SpecDeclFlag", head.spec_decl_flag, SpecDeclFlag.parse),
        ]
    )
    for tag, value, parse in checks:
        if value is None:
            continue
        try:
            parse(value)
        except ConfigurationError as exc:
            yield Problem(f"/DecMessage/DecHead/{tag}", "flag", str(exc))
    edocs = message.edoc_realation
    for i, edoc in enumerate(edocs, 1):
        if edoc.edoc_id is None or (edoc.edoc_fomat_type or "US") != "US":
            continue
        try:
            EdocId.parse(edoc.edoc_id)
        except ConfigurationError as exc:
            index = f"[{i}]" if len(edocs) > 1 else ""
            yield Problem(f"/DecMessage/EdocRealation{index}/EdocID", "edoc-id", str(exc), Severity.WARNING)


_RuleFn = Callable[[DecMessage, DecRuleOptions, Sequence[Node] | None], Iterable[Problem]]
_ALL: tuple[_RuleFn, ...] = (
    required_parts,
    required_fields,
    field_formats,
    weights,
    item_totals,
    item_numbers,
    code_tables,
    flags,
)


def _adapt(rule: _RuleFn) -> Callable[[Any, Any], Iterable[Problem]]:
    def run(message: Any, context: Any = None) -> Iterable[Problem]:
        if not isinstance(message, DecMessage):
            return ()
        return rule(message, _DEFAULT, None)

    run.__name__ = rule.__name__
    run.__qualname__ = rule.__qualname__  # a rule that fails is named by it ("rule-failed")
    run.__doc__ = rule.__doc__
    return run


#: Amount and quantity fields of a declaration (XML tag) where a negative value means nothing: weights, package
#: count, freight and insurance (运费/保费, as amount or rate), prices, totals, quantities, processing fee. Not
#: ``OtherRate`` (杂费): the filling rules (报关单填制规范) write a miscellaneous charge to be deducted from the
#: dutiable value as a negative amount or rate. Build another set with
#: :func:`eport.edi.core.amounts.negative_amounts_in`.
AMOUNT_FIELDS: frozenset[str] = frozenset(
    {
        "GrossWet", "NetWt", "PackNo", "FeeRate", "InsurRate", "DeclPrice", "DeclTotal", "GQty", "FirstQty",
        "SecondQty", "WorkUsd", "ContainerWt",
    }
)  # fmt: skip

_negative_amounts = negative_amounts_in(AMOUNT_FIELDS)


def negative_amounts(message: Any, context: Any = None) -> Iterable[Problem]:
    """``negative-amount`` (error) for each field of :data:`AMOUNT_FIELDS` below zero."""
    if not isinstance(message, DecMessage):
        return ()
    return _negative_amounts(message, context if isinstance(context, RuleContext) else RuleContext())


#: The rules in the ``rule(message, context)`` form of :mod:`eport.edi.core.rules`.
RULES = (*(_adapt(r) for r in _ALL), negative_amounts)


def validate_declaration(
    message: DecMessage,
    *,
    level: Level | None = None,
    generation: Generation | None = None,
    codebook: CodeBook | None = None,
    total_tolerance: Decimal = DEFAULT_TOTAL_TOLERANCE,
    price_decimals: int | None = DEFAULT_PRICE_DECIMALS,
) -> ValidationReport:
    """Check a declaration with every rule and return all problems at once.

    Args:
        message: the declaration.
        level: required-field level; by default from ``DecSign/OperType`` (G → save, C/D → declare).
        generation: currency/country code generation; by default inferred from the message.
        codebook: code tables (e.g. newer ones from :meth:`eport.edi.codes.CodeBook.from_csv`).
        total_tolerance: allowed difference between DeclTotal and GQty × DeclPrice, on top of the price's rounding.
        price_decimals: decimals DeclPrice is rounded to (default 4); ``None`` for exact prices.

    Returns:
        The report; ``report.ok`` is True when no problem is an error.
    """
    options = DecRuleOptions(
        level=level,
        generation=generation,
        codebook=codebook,
        total_tolerance=total_tolerance,
        price_decimals=price_decimals,
    )
    problems: list[Problem] = []
    nodes = tuple(walk(message))
    for rule in _ALL:
        problems.extend(rule(message, options, nodes))
    return ValidationReport.of(problems)


__all__ = [
    "AMOUNT_FIELDS",
    "DEFAULT_PRICE_DECIMALS",
    "DEFAULT_TOTAL_TOLERANCE",
    "RULES",
    "DecRuleOptions",
    "code_tables",
    "field_formats",
    "flags",
    "item_numbers",
    "item_totals",
    "negative_amounts",
    "required_fields",
    "required_parts",
    "validate_declaration",
    "weights",
]
