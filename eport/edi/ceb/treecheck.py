"""The CEB rules checked on the lxml tree of a schema-valid document, without decoding it into models.

:func:`eport.edi.validate_bytes` decodes a document into models so that the rules of :mod:`eport.edi.ceb.rules`
can read it; reading the tree from Python costs far more than libxml2's parse and schema check. For a document
that the schema accepts, :func:`clean` asks libxml2 instead: one compiled XPath per message class and check returns
only the texts the rules read (time fields, code fields, guids, the numbers of the totals), and Python checks those
texts as the rules would.

:func:`clean` answers only "the rules certainly find nothing". Whenever a check fails, or the tree is not plain
enough to read the values the model would hold (an empty or nil element, a comment inside a value, a number in
another form than ``123.45``, a field missing where the totals need it), it answers ``False`` and validation takes
the model path, which writes the problems. So the report is the same either way; ``tests/edi/test_treecheck.py``
compares both paths on generated, mutated and official documents.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Sequence
from decimal import Decimal, Overflow, localcontext
from itertools import chain
from operator import mul, sub
from typing import Any, cast

import attrs
from lxml import etree

from eport.edi.ceb import rules as _rules
from eport.edi.core.rules import rules_for
from eport.edi.core.spec import ANY_ELEMENT, TEXT_CONTENT, FieldSpec, ModelSpec, ValueKind, spec_of

#: The rules :func:`clean` stands in for; a family rule outside this set sends every document to the model path.
COVERED = frozenset(
    {
        _rules.guid_format,
        _rules.time_formats,
        _rules.gnum_sequence,
        _rules.header_totals,
        _rules.code_tables,
        _rules.signature_required,
        _rules.negative_amounts,
    }
)

#: Numbers the totals read on the tree: digits with an optional fraction, nothing else (no sign, no blanks), so
#: that ``Decimal(text)`` is the value the decoder gives, whatever the field's kind. Several joined by commas.
_NUMBERS = re.compile(r"[0-9]+(?:\.[0-9]+)?(?:,[0-9]+(?:\.[0-9]+)?)*").fullmatch
#: A guid that :func:`eport.edi.ceb.rules.guid_format` refuses: not 36 characters of ``[0-9A-Z_-]``.
_BAD_GUID = "[string-length(.) != 36 or translate(., '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_-', '') != '']"
#: A guid :func:`eport.edi.ceb.rules.guid_format` accepts (``_BAD_GUID``'s test in Python): the rule's own check.
_GOOD_GUID = _rules._GOOD_GUID
#: :func:`eport.edi.ceb.rules._real_time` remembered: a document's dates repeat in the next ones (a call costs about
#: 0.9 µs, a hit 0.1 µs); bounded, and only strings of 8 or 14 ASCII digits are asked.
_real_time = functools.lru_cache(maxsize=1024)(_rules._real_time)
#: Code tables up to this many characters (joined) are checked inside the XPath; larger ones in a frozen set.
_INLINE_TABLE = 40

#: Deepest nesting of sub-models followed when planning (CEB messages nest three or four levels).
_MAX_DEPTH = 12

_WILD = (ANY_ELEMENT, TEXT_CONTENT)
_HEAD_FIELDS = ("goods_value", "freight", "tax_total", "discount", "actural_paid")
_LINE_FIELDS = ("qty", "price", "total_price")


@attrs.frozen
class _Lines:
    """A repeated ``…List`` under a node: the items' path and, per line field, the path of its values (or None)."""

    items: etree.XPath | None  # count of the items, relative to the node; None when every item has every field
    values: tuple[etree.XPath | None, ...]  # qty, price, total_price texts, relative to the node
    #: The tags (Clark notation) read by one iteration over the node: fields every item has once (the schema
    #: requires them) and no other element under the node carries, so the texts come in rows of ``len(tags)``.
    tags: tuple[str, ...] = ()
    skip: int = 0  # texts the iteration finds before the items (the head's fields with the same tags)
    gnum: int | None = None  # the gnum's place in a row (the order check), when it is read by the iteration
    codes: tuple[tuple[frozenset[str], int], ...] = ()  # code tables and their fields' places in a row
    numbers: tuple[int, int, int] | None = None  # the places of qty, price, total_price, when iterated
    full: _Full | None = None  # the same with the optional code fields, when the item has some


@attrs.frozen
class _Full:
    """The rows of :class:`_Lines` with the item's optional code fields too (``tradeCountry``, ``unit2``): used
    when every item has every one of them; when none has any, the texts are the required fields' rows; when only
    some have some, the optional fields are read with their XPaths and the required ones with their own iteration.
    """

    #: the number of items, relative to the node; None when the node's other fields each occur exactly once, so
    #: that the items are its children less ``others``
    count: etree.XPath | None
    optional: tuple[tuple[frozenset[str], etree.XPath], ...]  # per optional field: its table, its texts
    tags: tuple[str, ...]
    skip: int
    gnum: int | None
    codes: tuple[tuple[frozenset[str], int], ...]
    numbers: tuple[int, int, int] | None
    others: int = 0  # the node's children that are no item (when ``count`` is None)


@attrs.frozen
class _Head:
    """A ``…Head`` sub-model read in Python from its element's children, instead of one XPath per checked field.

    The head is child ``index`` of the node (every field before it occurs exactly once). ``tags`` are its checked
    fields (Clark notation), each a tag no other child of the head carries, in schema order: when the children
    hold every one of them, the n-th text is field n; otherwise they are read by tag and an absent field is
    ``None`` (nothing to check, as the XPath found nothing). An empty value sends the document to the model path.
    The other fields hold places in ``tags``.
    """

    index: int
    tag: str
    tags: tuple[str, ...]
    guids: tuple[int, ...]  # guid fields (guid_format)
    times: tuple[tuple[int, int], ...]  # (place, width) of time fields (time_formats)
    codes: tuple[tuple[frozenset[str], tuple[int, ...]], ...]  # code tables and their fields (code_tables)
    unsigned: tuple[int, ...]  # amounts that must hold no minus sign (negative_amounts)
    #: goods_value … actural_paid (header_totals): their places, None for a field the head lacks; None when the
    #: head does not take part in the totals
    totals: tuple[int | None, ...] | None


@attrs.frozen
class _Totals:
    """A node class with ``…Head``/``…List`` sub-models: what :func:`eport.edi.ceb.rules.header_totals` reads."""

    nodes: etree.XPath  # every occurrence of the node
    children: str | None  # the node's tag (Clark notation) when it is a child of the root: read without the XPath
    heads: tuple[tuple[etree.XPath | None, ...], ...]  # per head: goods_value … actural_paid texts (or None)
    lists: tuple[_Lines, ...]
    reads: tuple[_Head, ...] = ()  # the heads read in Python (their totals fields are not in ``heads``)


@attrs.frozen
class _Plan:
    """The compiled checks of one message class."""

    #: boolean: a gnum, guid or small-table code is wrong, a value empty, the signature missing; None when every
    #: such check is done in Python
    wrong: etree.XPath | None
    times: tuple[tuple[int, etree.XPath], ...]
    codes: tuple[tuple[frozenset[str], tuple[etree.XPath, ...]], ...]  # the larger tables' codes, read out
    totals: tuple[_Totals, ...]
    guid: str | None = None  # the root's guid attribute, checked in Python
    signature: str | None = None  # the root's signature child (Clark notation), required


class _UnplannableError(Exception):
    """The class has a shape the tree checks do not cover; its documents take the model path."""


def clean(root: etree._Element, cls: type[Any]) -> bool:
    """True when the CEB rules certainly report nothing on the document ``root`` decoded as ``cls``.

    ``root`` must be a tree the schema of the edition accepts (no problem at all), as the one validation parsed
    with :func:`eport.edi.core.safexml.parse`. ``False`` means "decode and run the rules": it is not a verdict.
    """
    plan = _plan(cast(Any, cls))
    if plan is None or next(root.iter(etree.Comment, etree.ProcessingInstruction), None) is not None:
        return False  # a comment or PI may split a value into several text nodes
    if plan.wrong is not None and plan.wrong(root):
        return False
    if plan.guid is not None:
        guid = root.get(plan.guid)
        if guid is not None and not _GOOD_GUID(guid):
            return False
    if plan.signature is not None and next(root.iterchildren(plan.signature), None) is None:
        return False
    for known, paths in plan.codes:
        for texts in paths:  # one XPath per field: a union would sort the nodes again
            if not known.issuperset(_texts(texts, root)):
                return False
    for width, texts in plan.times:
        for value in _texts(texts, root):
            if not (len(value) == width and value.isascii() and value.isdigit() and _real_time(value)):
                return False
    if plan.totals:
        with localcontext() as decimal_context:
            decimal_context.traps[Overflow] = False  # as header_totals
            try:
                return all(
                    _totals_clean(totals, node)
                    for totals in plan.totals
                    for node in (
                        root.iterchildren(totals.children)
                        if totals.children is not None
                        else cast(list[etree._Element], totals.nodes(root))
                    )
                )
            except ArithmeticError:  # the rule cannot compute these either: let it say so ("rule-failed")
                return False
    return True


def _texts(xpath: etree.XPath, node: etree._Element) -> list[str]:
    """The strings an XPath selecting text nodes returns (plain ``str``: compiled with ``smart_strings=False``)."""
    return cast(list[str], xpath(node))


def _numbers(texts: Sequence[str]) -> list[Decimal] | None:
    """The texts as Decimals, or ``None`` when one is not a plain number (then the model path decides)."""
    if texts and not _NUMBERS(",".join(texts)):
        return None
    return list(map(Decimal, texts))


def _one(values: etree.XPath | None, node: etree._Element) -> tuple[bool, Decimal | None]:
    """The single value of a head field: ``(readable, value)``; absent is ``(True, None)``."""
    if values is None:
        return True, None
    numbers = _numbers(_texts(values, node))
    if numbers is None:
        return False, None
    return True, (numbers[0] if numbers else None)


def _head_texts(head: _Head, node: etree._Element) -> list[str | None] | None:
    """The texts of the head's checked fields, by place (``None``: the field is absent); ``None`` when the head is
    not where the plan expects it or a value is empty (the model path decides)."""
    try:
        element = node[head.index]
    except IndexError:
        return None
    if element.tag != head.tag:
        return None
    texts = [child.text for child in element.iterchildren(*head.tags)]
    if len(texts) != len(head.tags):  # optional fields absent: read by tag
        found = {child.tag: child.text for child in element.iterchildren(*head.tags)}
        if None in found.values():
            return None
        return [found.get(tag) for tag in head.tags]
    return None if None in texts else texts


def _head_clean(head: _Head, texts: list[str | None]) -> bool:
    """The checks of guid_format, time_formats, code_tables and negative_amounts on the head's texts, as the XPath
    tests they replace: a guid of 36 ``[0-9A-Z_-]``, a time of its width in digits that is a real time, a code of
    its table, no minus sign in an amount. An absent field (``None``) is not checked."""
    for place in head.guids:
        value = texts[place]
        if value is not None and not _GOOD_GUID(value):
            return False
    for place, width in head.times:
        value = texts[place]
        if value is not None and not (
            len(value) == width and value.isascii() and value.isdigit() and _real_time(value)
        ):
            return False
    for known, places in head.codes:
        for place in places:
            value = texts[place]
            if value is not None and value not in known:
                return False
    for place in head.unsigned:
        value = texts[place]
        if value is not None and "-" in value:
            return False
    return True


def _totals_clean(totals: _Totals, node: etree._Element) -> bool:
    """The checks of :func:`eport.edi.ceb.rules.header_totals` on one node; ``False`` on any doubt."""
    sums: list[list[Decimal]] = []  # per list whose items all have a totalPrice: those prices
    amounts_read: list[list[Decimal | None]] = []  # goods_value … actural_paid of the heads read in Python
    for head in totals.reads:
        head_texts = _head_texts(head, node)
        if head_texts is None or not _head_clean(head, head_texts):
            return False
        if head.totals is not None:
            given = [None if place is None else head_texts[place] for place in head.totals]
            numbers = _numbers([text for text in given if text is not None])
            if numbers is None:
                return False  # not plain
            parsed = iter(numbers)
            amounts_read.append([None if text is None else next(parsed) for text in given])
    for spec in totals.lists:
        row: list[str] = []
        width = len(spec.tags)
        if width:
            layout: _Lines | _Full = spec
            full = spec.full
            if full is None:
                found = [element.text for element in node.iter(*spec.tags)][spec.skip :]
            else:
                found = [element.text for element in node.iter(*full.tags)][full.skip :]
                items = len(node) - full.others if full.count is None else int(cast(float, full.count(node)))
                if len(found) == items * len(full.tags):
                    layout, width = full, len(full.tags)  # every item has every optional field
                elif len(found) != items * width:  # some items have some: read them alone, then the rows
                    for known, texts in full.optional:
                        if not known.issuperset(_texts(texts, node)):
                            return False
                    found = [element.text for element in node.iter(*spec.tags)][spec.skip :]
            if not all(found) or len(found) % width:
                # an empty value (None; "" from an empty CDATA section): the model path decides; or not one of each
                # per item
                return False
            row = cast(list[str], found)  # texts only (checked)
            if layout.gnum is not None and row[layout.gnum :: width] != _positions(len(row) // width):
                return False
            for known, index in layout.codes:
                if not known.issuperset(row[index::width]):
                    return False
        count = None if spec.items is None else int(cast(float, spec.items(node)))
        columns: list[list[Decimal]] = []
        if width and layout.numbers is not None:  # one text per item in each column: checked as one string
            strings = [row[place::width] for place in layout.numbers]
            if row and not _NUMBERS(",".join(chain.from_iterable(strings))):
                return False  # not plain
            columns = [list(map(Decimal, column)) for column in strings]
            if count is not None and len(row) // width != count:
                return False
        for values in spec.values if not columns else ():
            column = [] if values is None else _numbers(_texts(values, node))
            if column is None:
                return False  # not plain
            if column and count is None:
                count = len(column)  # every item has one (schema): the first column counts them
            elif column and len(column) != count:
                return False  # only some items have the field: which item has which is unknown
            columns.append(column)  # one value per item, or none at all
        qty, price, total = columns
        if qty and price and total:
            products = list(map(mul, qty, price))  # mostly the totals themselves: then no difference to weigh
            if products != total and max(map(abs, map(sub, products, total))) > _rules.TOLERANCE:
                return False
        if total:
            sums.append(total)
    for head_values in totals.heads:
        amounts: list[Decimal | None] = []
        for field_values in head_values:
            readable, value = _one(field_values, node)
            if not readable:
                return False
            amounts.append(value)
        amounts_read.append(amounts)
    for amounts in amounts_read:
        goods_value, freight, tax, discount, paid = amounts
        if goods_value is not None:
            for prices in sums:
                if abs(sum(prices, Decimal(0)) - goods_value) > _rules.TOLERANCE:
                    return False
        if goods_value is None or freight is None or tax is None or discount is None or paid is None:
            continue
        if abs(goods_value + freight + tax - discount - paid) > _rules.TOLERANCE:
            return False
    return True


@functools.lru_cache(maxsize=512)
def _plan(cls: type[Any]) -> _Plan | None:
    spec = spec_of(cls)
    if not set(rules_for(spec.family)) <= COVERED:
        return None
    try:
        return _Planner(spec).plan()
    except _UnplannableError:
        return None


class _Planner:
    """Works out the XPath of every check of one message class from its spec (used once per class)."""

    def __init__(self, root: ModelSpec) -> None:
        self.root = root
        self.prefixes: dict[str, str] = {}
        self.values: list[str] = []  # paths of the value elements read that the schema lets be empty
        self.wrong: list[str] = []  # node sets that are empty when the checks pass
        self.times: dict[int, list[str]] = {}
        self.codes: dict[str, list[str]] = {}
        self.totals: list[_Totals] = []
        self.amounts: list[str] = []  # amount elements holding a minus sign (negative-amount)
        self.unsigned: set[tuple[str, str]] = set()  # (model path, field) the totals read as unsigned numbers
        self.iterated: set[tuple[str, str]] = set()  # (model path, field) checked from the totals' iteration
        self.read: set[tuple[str, str]] = set()  # (model path, field) checked by a head read in Python (_Head)
        self.guid: str | None = None  # the root's guid attribute, when checked in Python
        self.signature: str | None = None  # the root's required signature child, checked in Python
        self.data_message = False
        self.negative_allowed = root.tag in _rules.NEGATIVE_ALLOWED_ROOTS

    def step(self, owner: ModelSpec, field: FieldSpec) -> str:
        """The XPath step to ``field`` of ``owner``. A field the schema lets occur once is selected with ``[1]``:
        the same node in a document the schema accepts, but libxml2 stops scanning the siblings at the first match
        (≈ 1 µs less per goods-line field at 20 lines)."""
        namespace = field.namespace or owner.namespace
        if not namespace:
            raise _UnplannableError(field.tag)
        prefix = self.prefixes.setdefault(namespace, f"n{len(self.prefixes)}")
        return f"{prefix}:{field.tag}" if field.repeated else f"{prefix}:{field.tag}[1]"

    def xpath(self, text: str, **options: Any) -> etree.XPath:
        namespaces = {prefix: uri for uri, prefix in self.prefixes.items()}
        return etree.XPath(text, namespaces=namespaces, smart_strings=False, regexp=False, **options)

    def plan(self) -> _Plan:
        root = self.root
        if not root.namespace:
            raise _UnplannableError(root.tag)
        prefix = self.prefixes.setdefault(root.namespace, "n0")
        path = f"/{prefix}:{root.tag}"
        data_message = self.data_message = any(f.name == "base_transfer" for f in root.fields)
        self.visit(cls_spec=root, path=path, depth=0, data_message=data_message)
        if not self.negative_allowed:
            self.wrong.extend(self.amounts)
        self.wrong.extend(f"{p}[not(text())]" for p in self.values)  # an empty value, read as "" by the decoder
        tests = [f"boolean({' | '.join(self.wrong)})"] if self.wrong else []
        if root.tag in _rules.SIGNED_ROOTS and any(f.name == "signature" for f in root.fields):
            signature = root.field("signature")
            self.signature = f"{{{signature.namespace or root.namespace}}}{signature.tag}"
        codes = []
        for alias, paths in sorted(self.codes.items()):
            known = _code_set(alias)
            if sum(len(code) + 1 for code in known) <= _INLINE_TABLE:
                # A short table is checked by libxml2: "|142|" in "|142|502|…|" (a code never contains "|").
                table = "|" + "|".join(sorted(known)) + "|"
                test = f"[contains(., '|') or not(contains('{table}', concat('|', ., '|')))]"
                tests.append(f"boolean({' | '.join(p + test for p in paths)})")
            else:
                codes.append((known, tuple(self.xpath(f"{p}/text()") for p in paths)))
        return _Plan(
            wrong=self.xpath(" or ".join(tests)) if tests else None,
            times=tuple(
                (width, self.xpath(" | ".join(f"{p}/text()" for p in paths)))
                for width, paths in sorted(self.times.items())
            ),
            codes=tuple(codes),
            totals=tuple(self.totals),
            guid=self.guid,
            signature=self.signature,
        )

    def visit(self, cls_spec: ModelSpec, path: str, depth: int, data_message: bool, tag: str | None = None) -> None:
        """Plan the checks of ``cls_spec``'s element at ``path`` (its tag in Clark notation: ``tag``) and below."""
        if depth > _MAX_DEPTH:
            raise _UnplannableError(cls_spec.tag)
        plan = _rules._make_plan(cls_spec)
        if data_message and plan.guid == "attribute":
            attribute = next(a for a in cls_spec.attributes if a.name == "guid")
            if depth == 0:
                self.guid = attribute.tag  # the root's: checked in Python
            else:
                self.wrong.append(f"{path}/@{attribute.tag}{_BAD_GUID}")
        elif data_message and plan.guid == "field" and (path, "guid") not in self.read:
            guid = cls_spec.field("guid")
            field_path = f"{path}/{self.step(cls_spec, guid)}"
            self.wrong.append(f"{field_path}{_BAD_GUID}")  # an empty guid is wrong too
        for name, _tag, width in plan.times:
            if (path, name) not in self.read:
                self.value(self.times.setdefault(width, []), path, cls_spec, cls_spec.field(name))
        for name, _tag, alias in plan.codes:
            if (path, name) in self.read:
                continue
            field = cls_spec.field(name)
            if (path, name) in self.iterated and _fixed_and_known(field, alias):
                continue  # read by the totals' iteration, where an empty value (None) sends it to the model path
            if _fixed_and_known(field, alias):
                self.may_be_empty(field, f"{path}/{self.step(cls_spec, field)}")  # only "" can be wrong
                continue
            if (path, name) in self.iterated:
                self.may_be_empty(field, f"{path}/{self.step(cls_spec, field)}")
                continue
            self.value(self.codes.setdefault(alias, []), path, cls_spec, field)
        if plan.heads or plan.lists:
            gnum_lists = {name for name, _tag in plan.gnum_lists}
            children = tag if depth == 1 else None  # a child of the root
            self.totals.append(self.plan_totals(cls_spec, path, plan.heads, plan.lists, gnum_lists, children))
        for name, _tag in plan.gnum_lists:
            items = cls_spec.field(name)
            if (f"{path}/{self.step(cls_spec, items)}", "gnum") in self.iterated:
                continue
            item_spec = spec_of(items.model)
            gnum = self.step(item_spec, item_spec.field("gnum"))
            self.wrong.append(f"{path}/{self.step(cls_spec, items)}[not({gnum} = string(position()))]")
        # The totals read their fields as unsigned numbers already (a sign fails _NUMBERS): not checked twice. A
        # minus sign anywhere (also "-0") sends the document to the model path, which decides: the same report.
        self.amounts.extend(
            f"{path}/{self.step(cls_spec, f)}[contains(., '-')]"
            for f in cls_spec.fields
            if f.tag in _rules.AMOUNT_FIELDS
            and f.kind in (ValueKind.DECIMAL, ValueKind.INTEGER)
            and not f.repeated
            and (path, f.name) not in self.unsigned
            and (path, f.name) not in self.read
        )
        for f in cls_spec.fields:
            if f.kind is ValueKind.MODEL:
                if f.model is None:
                    raise _UnplannableError(f.tag)
                element = f"{{{f.namespace or cls_spec.namespace}}}{f.tag}"
                self.visit(spec_of(f.model), f"{path}/{self.step(cls_spec, f)}", depth + 1, data_message, element)

    def value(self, paths: list[str], path: str, owner: ModelSpec, field: FieldSpec) -> None:
        if field.repeated:
            raise _UnplannableError(field.tag)
        value_path = f"{path}/{self.step(owner, field)}"
        paths.append(value_path)
        self.may_be_empty(field, value_path)

    def may_be_empty(self, field: FieldSpec, path: str) -> None:
        """Note ``path`` for the emptiness check unless the schema refuses an empty ``field`` (a number, a length).

        An element with a ``fixed`` or ``default`` value may be empty whatever its type: the schema then checks the
        fixed or default value instead (``<ceb:currency/>`` passes as 142), while the decoder reads ``""``.
        """
        facets = field.facets
        if field.fixed is not None or field.default is not None:
            self.values.append(path)
            return
        if field.kind in (ValueKind.DECIMAL, ValueKind.INTEGER) or (facets.length or 0) > 0:
            return
        if (facets.min_length or 0) > 0:
            return
        self.values.append(path)

    def plan_totals(
        self,
        spec: ModelSpec,
        path: str,
        heads: tuple[tuple[str, str], ...],
        lists: tuple[tuple[str, str], ...],
        gnum_lists: set[str],
        children: str | None = None,
    ) -> _Totals:
        head_values = []
        reads = []
        for name, _tag in heads:
            head_field = spec.field(name)
            head_spec = spec_of(head_field.model)
            head_step = self.step(spec, head_field)
            read = self.head(spec, path, head_field)
            if read is not None:
                reads.append(read)
                continue
            present = {f.name for f in head_spec.fields}
            if "goods_value" not in present:
                continue  # both head checks start from goodsValue: the rule reads nothing else of this head
            needed = _HEAD_FIELDS if "actural_paid" in present else _HEAD_FIELDS[:1]
            self.unsigned.update((f"{path}/{head_step}", n) for n in needed if n in present)
            head_values.append(
                tuple(self.relative(path, head_spec, head_step, n) if n in needed else None for n in _HEAD_FIELDS)
            )
        line_specs = []
        for name, _tag in lists:
            list_field = spec.field(name)
            item_spec = spec_of(list_field.model)
            item_step = self.step(spec, list_field)
            self.unsigned.update((f"{path}/{item_step}", n) for n in _LINE_FIELDS)
            fields = [f for f in item_spec.fields if f.name in _LINE_FIELDS]
            # Numbers the schema requires once per item are never empty: every item has one text node of each, so
            # the columns have one value per item and need no count.
            counted = not all(f.required and f.kind in (ValueKind.DECIMAL, ValueKind.INTEGER) for f in fields)
            values = tuple(self.relative(path, item_spec, item_step, n) for n in _LINE_FIELDS)
            line_specs.append(
                self.iteration(
                    _Lines(items=self.xpath(f"count({item_step})") if counted else None, values=values),
                    spec,
                    list_field,
                    path,
                    item_step,
                    gnum=name in gnum_lists,
                )
            )
        return _Totals(
            nodes=self.xpath(path),
            children=children,
            heads=tuple(head_values),
            lists=tuple(line_specs),
            reads=tuple(reads),
        )

    def head(self, spec: ModelSpec, path: str, head_field: FieldSpec) -> _Head | None:
        """The head ``head_field`` of the node ``spec`` read in Python (:class:`_Head`), or ``None`` when it cannot
        be: the fields before it do not occur exactly once each, or a field the totals need does not qualify. A
        checked field qualifies when it is simple, not repeated, and no other field of the head has its tag; the
        others keep their XPath (:meth:`visit` skips the fields noted in ``self.read``)."""
        index = 0
        for field in spec.fields:
            if field is head_field:
                break
            if not field.required or field.repeated or field.kind is ValueKind.XML or field.tag in _WILD:
                return None
            index += 1
        if not head_field.required or head_field.repeated or head_field.model is None:
            return None
        head_spec = spec_of(head_field.model)
        namespace = head_field.namespace or spec.namespace
        if not namespace or not head_spec.namespace:
            return None
        head_path = f"{path}/{self.step(spec, head_field)}"
        rule_plan = _rules._make_plan(head_spec)
        guids = {"guid"} if self.data_message and rule_plan.guid == "field" else set()
        times = {name: width for name, _tag, width in rule_plan.times}
        codes = {name: alias for name, _tag, alias in rule_plan.codes}
        present = {f.name for f in head_spec.fields}
        needed: tuple[str, ...] = ()
        if "goods_value" in present:  # both head checks start from goodsValue (see plan_totals)
            needed = _HEAD_FIELDS if "actural_paid" in present else _HEAD_FIELDS[:1]

        def clark(field: FieldSpec) -> str:
            return f"{{{field.namespace or head_spec.namespace}}}{field.tag}"

        places = Counter(map(clark, head_spec.fields))
        read: list[FieldSpec] = []
        for field in head_spec.fields:
            amount = (
                not self.negative_allowed
                and field.tag in _rules.AMOUNT_FIELDS
                and field.kind in (ValueKind.DECIMAL, ValueKind.INTEGER)
                and not field.repeated
            )
            if not (
                field.name in guids or field.name in times or field.name in codes or field.name in needed or amount
            ):
                continue
            simple = field.kind in (ValueKind.STRING, ValueKind.DECIMAL, ValueKind.INTEGER)
            if simple and not field.repeated and places[clark(field)] == 1:
                read.append(field)
            elif field.name in needed:
                return None  # the totals would read it by XPath: the whole head keeps its XPaths
        if not read:
            return None
        place = {field.name: index for index, field in enumerate(read)}
        self.read.update((head_path, field.name) for field in read)
        tables: dict[str, list[int]] = {}
        for field in read:
            if field.name in codes:
                tables.setdefault(codes[field.name], []).append(place[field.name])
        return _Head(
            index=index,
            tag=f"{{{namespace}}}{head_field.tag}",
            tags=tuple(map(clark, read)),
            guids=tuple(place[name] for name in guids if name in place),
            times=tuple((place[name], width) for name, width in times.items() if name in place),
            codes=tuple((_code_set(alias), tuple(at)) for alias, at in sorted(tables.items())),
            unsigned=tuple(
                place[field.name]
                for field in read
                if not self.negative_allowed
                and field.tag in _rules.AMOUNT_FIELDS
                and field.kind in (ValueKind.DECIMAL, ValueKind.INTEGER)
            ),
            totals=tuple(place.get(name) if name in needed else None for name in _HEAD_FIELDS) if needed else None,
        )

    def iteration(
        self, lines: _Lines, spec: ModelSpec, list_field: FieldSpec, path: str, item_step: str, gnum: bool
    ) -> _Lines:
        """``lines`` reading by one iteration over the node (``node.iter(*tags)``, one C-level walk instead of one
        XPath per field) the item fields that qualify: the gnum (order check), the codes of the larger tables and
        the three numbers. A field qualifies when the schema requires it once in every item, its value is simple
        and its tag occurs nowhere else under the node; then the n-th text of the iteration is field ``n % width``
        of item ``n // width``. Fields that do not qualify keep their XPath; the numbers only all together.
        Optional code fields that qualify otherwise are read in a second layout (:class:`_Full`)."""
        item_spec = spec_of(list_field.model)
        item_path = f"{path}/{item_step}"
        namespace = item_spec.namespace
        elsewhere = _tags_under(spec, skip=item_spec)
        if elsewhere is None or not namespace:
            return lines
        before = _once_before(spec, list_field)

        def qualifies(field: FieldSpec, required: bool = True) -> bool:
            # Its tag occurs nowhere else under the node, or only in fields the schema requires once before the
            # items (the head's country): those come first in the iteration, a fixed number of texts to skip.
            tag = f"{{{field.namespace or namespace}}}{field.tag}"
            simple = field.kind in (ValueKind.STRING, ValueKind.DECIMAL, ValueKind.INTEGER)
            return field.required is required and not field.repeated and simple and elsewhere[tag] == before[tag]

        wanted: list[FieldSpec] = []
        gnum_field = next((f for f in item_spec.fields if f.name == "gnum"), None) if gnum else None
        if gnum_field is not None and qualifies(gnum_field):
            wanted.append(gnum_field)
        codes: list[tuple[FieldSpec, str]] = []
        optional: list[tuple[FieldSpec, str]] = []
        for name, _tag, alias in _rules._make_plan(item_spec).codes:
            field = item_spec.field(name)
            known = _code_set(alias)
            inline = sum(len(code) + 1 for code in known) <= _INLINE_TABLE
            if qualifies(field) and _fixed_and_known(field, alias):
                wanted.append(field)  # only an empty value can be wrong: the iteration finds it (None)
            elif qualifies(field) and not inline:
                codes.append((field, alias))
                wanted.append(field)
            elif qualifies(field, required=False) and not inline and not _fixed_and_known(field, alias):
                optional.append((field, alias))
        numbers = [f for f in item_spec.fields if f.name in _LINE_FIELDS]
        iterate_numbers = len(numbers) == len(_LINE_FIELDS) and all(map(qualifies, numbers))
        if iterate_numbers:
            wanted.extend(f for f in numbers if f not in wanted)
        if not wanted:
            return lines
        ordered = [f for f in item_spec.fields if f in wanted]  # schema order: the order of the texts in a row
        place = {f.name: index for index, f in enumerate(ordered)}
        self.iterated.update((item_path, f.name) for f in ordered if f.name not in _LINE_FIELDS)
        tags = tuple(f"{{{f.namespace or namespace}}}{f.tag}" for f in ordered)
        full = None
        if optional:
            extra = {f for f, _alias in optional}
            every = [f for f in item_spec.fields if f in wanted or f in extra]
            at = {f.name: index for index, f in enumerate(every)}
            every_tags = tuple(f"{{{f.namespace or namespace}}}{f.tag}" for f in every)
            self.iterated.update((item_path, f.name) for f in extra)
            # The items are the node's children less its other fields when each of those occurs exactly once (a
            # schema-valid node; comments and PIs have sent the document to the model path before).
            others = [f for f in spec.fields if f is not list_field]
            once = all(
                f.required and not f.repeated and f.kind is not ValueKind.XML and f.tag not in _WILD for f in others
            )
            full = _Full(
                count=None if once else self.xpath(f"count({item_step})"),
                others=len(others),
                optional=tuple(
                    (_code_set(alias), self.xpath(f"{item_step}/{self.step(item_spec, f)}/text()"))
                    for f, alias in optional
                ),
                tags=every_tags,
                skip=sum(before[tag] for tag in every_tags),
                gnum=at["gnum"] if gnum_field is not None and "gnum" in at else None,
                codes=tuple((_code_set(alias), at[f.name]) for f, alias in (*codes, *optional)),
                numbers=cast(tuple[int, int, int], tuple(at[n] for n in _LINE_FIELDS)) if iterate_numbers else None,
            )
        return attrs.evolve(
            lines,
            tags=tags,
            skip=sum(before[tag] for tag in tags),
            gnum=place["gnum"] if gnum_field is not None and "gnum" in place else None,
            codes=tuple((_code_set(alias), place[f.name]) for f, alias in codes),
            numbers=cast(tuple[int, int, int], tuple(place[n] for n in _LINE_FIELDS)) if iterate_numbers else None,
            full=full,
        )

    def relative(self, path: str, owner: ModelSpec, owner_step: str, name: str) -> etree.XPath | None:
        """The texts of field ``name`` of the sub-model at ``owner_step``, relative to the node; ``None`` when the
        sub-model has no such field (the rule then reads ``None``)."""
        field = next((f for f in owner.fields if f.name == name), None)
        if field is None:
            return None
        if field.kind not in (ValueKind.DECIMAL, ValueKind.INTEGER, ValueKind.STRING) or field.repeated:
            raise _UnplannableError(field.tag)
        value_step = self.step(owner, field)
        self.may_be_empty(field, f"{path}/{owner_step}/{value_step}")
        return self.xpath(f"{owner_step}/{value_step}/text()")


def _tags_under(spec: ModelSpec, skip: ModelSpec) -> Counter[str] | None:
    """The tags (Clark notation) of ``spec``'s element and every element the schema allows below it, except the
    simple fields of the model ``skip`` (its sub-models count), each with the number of places it has in the
    schema; ``None`` when a wildcard or ``XML`` field lets any element occur there, or when ``skip`` occurs more
    than once below ``spec`` (its fields would then be found in more than one place)."""
    tags: Counter[str] = Counter({f"{{{spec.namespace}}}{spec.tag}": 1})
    pending: list[tuple[ModelSpec, int]] = [(spec, 0)]
    seen = 0
    while pending:
        model, depth = pending.pop()
        if depth > _MAX_DEPTH:
            return None
        for field in model.fields:
            if field.kind is ValueKind.XML or field.tag in (ANY_ELEMENT, TEXT_CONTENT):
                return None
            if field.kind is ValueKind.MODEL:
                if field.model is None:
                    return None
                tags[f"{{{field.namespace or model.namespace}}}{field.tag}"] += 1
                sub = spec_of(field.model)
                seen += sub is skip
                pending.append((sub, depth + 1))
            elif model is not skip:
                tags[f"{{{field.namespace or model.namespace}}}{field.tag}"] += 1
    return tags if seen == 1 else None


def _once_before(spec: ModelSpec, list_field: FieldSpec) -> Counter[str]:
    """The simple fields every ``spec`` element has exactly once before its first ``list_field`` item: the fields
    the schema requires once in the sub-models it requires once and places before the list (the head). Their tags
    (Clark notation), counted."""
    tags: Counter[str] = Counter()
    pending = [(spec, 0)]
    while pending:
        model, depth = pending.pop()
        for field in model.fields:
            if model is spec and field is list_field:
                break  # the items and what follows them
            if not field.required or field.repeated or depth > _MAX_DEPTH:
                continue
            if field.kind is ValueKind.MODEL and field.model is not None:
                pending.append((spec_of(field.model), depth + 1))
            elif field.kind in (ValueKind.STRING, ValueKind.DECIMAL, ValueKind.INTEGER):
                tags[f"{{{field.namespace or model.namespace}}}{field.tag}"] += 1
    return tags


@functools.lru_cache(maxsize=64)
def _positions(count: int) -> list[str]:
    """``["1", "2", …, str(count)]``: the gnums of ``count`` items in order (shared: never changed)."""
    return [str(position) for position in range(1, count + 1)]


def _fixed_and_known(field: FieldSpec, alias: str) -> bool:
    """True when the schema fixes ``field`` to a code of the table (``currency`` 142 in inventories): a document
    the schema accepts then holds that code or nothing, so only an empty element needs looking at."""
    if field.fixed is None or field.kind is not ValueKind.STRING or field.facets.white_space not in (None, "preserve"):
        return False
    return field.fixed in _code_set(alias)


def _code_set(alias: str) -> frozenset[str]:
    table = _rules._code_set(alias)
    if table is None:  # pragma: no cover - the tables ship with eport
        raise _UnplannableError(alias)
    return table[0]


__all__ = ["COVERED", "clean"]
