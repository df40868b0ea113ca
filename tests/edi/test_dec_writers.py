"""Declarations (报关单 DecMessage) in the layouts other software writes, decoded and re-encoded.

The documents in ``tests/edi/data/writers`` are the project's own: ``tools/make_writer_documents.py`` writes them
with invented values, each in the layout of one kind of writer met in the field (see the README there): a .NET
``XmlSerializer`` (BOM, ``xmlns:xsd``/``xmlns:xsi``, ``<X />`` for every empty property), Python's ElementTree
(``<Factor>None</Factor>``), the pre-2018 ``ImportMessage/SWImpData`` envelope in the paper form's order with 20
items, an XML editor's generated sample edited by hand, and notes holding a ``DecImportResponse`` and its ``DxpMsg``.

Each case decodes the file with the public API a user would call (none of the documents follows today's
structure exactly, so :func:`decode_declaration_lenient` and ``eport.edi.decode_lenient``, asserting the exact
problems reported; strict :func:`decode_declaration` must stop at the first of them),
re-encodes the result and compares it with the original after exclusive C14N. The comparison applies these
normalisations to the *original* (never to our output), each for a stated reason:

1. **Envelope**: the ``DecMessage`` element is taken out of a regional ``ImportMessage/SWImpData`` envelope. The
   envelope is transport, not declaration; eport encodes the declaration only.
2. **Namespace**: elements without namespace are put in ``http://www.chinaport.gov.cn/dec``, and both sides are
   rebuilt with the namespace as the default one (no prefix). Pre-2018 files are written without namespace and
   prefix choice is not content; the encoder always writes the dec namespace as default.
3. **Whitespace and comments**: whitespace-only text nodes (indentation) and comments are removed. C14N keeps
   both; neither carries data.
4. **Empty unknown elements** (an empty ``<PayWay />``) are removed: an empty element that is no field carries
   nothing (``docs/declarations.md``). Empty *number* elements (``<FeeRate />``) are not a normalisation: the
   decoder reports them (``empty-value``) and keeps them in ``unparsed`` (5. below). Empty *text* fields
   (``<SeqNo />``) are not removed: they decode as ``""`` and must come back as empty elements.
5. **Elements the decoder could not place** (listed in ``Decoded.unparsed`` and reported as problems) are removed
   after asserting that each one is kept byte-equivalent in ``unparsed``: nothing is lost, it is just not part of
   the model.
6. **Order**, only for files the decoder reports ``element-order`` problems for: children are stably sorted
   into the structure file's order, which the encoder always writes (checked separately against
   ``dec/decmessage-structure.txt``).

Any other difference (a value, a decimal's lexical form, an element dropped or invented) fails the test.
"""

from __future__ import annotations

import copy
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
from lxml import etree

from eport import edi
from eport.edi.core.decoding import Decoded
from eport.edi.core.spec import ValueKind, spec_of
from eport.edi.dec import (
    NS,
    DecImportResponse,
    DecMessage,
    ReceiptKind,
    classify_receipt,
    decode_declaration,
    decode_declaration_lenient,
    encode_declaration,
    parse_dec_receipt,
)
from eport.edi.dxp import DxpMsg, decode_envelope, unwrap
from eport.errors import DecodeError
from tests.edi.test_dec_messages import _REFERENCE_CLASS, _reference_order

DATA = Path(__file__).parent / "data" / "writers"


@attrs.frozen(kw_only=True)
class Case:
    """One document and what a correct decoder must report for it."""

    file: str
    writer: str
    #: code -> number of problems of that code (lenient files)
    problem_counts: dict[str, int] = attrs.field(factory=dict)
    #: exact paths of the problems other than element-order
    problem_paths: frozenset[tuple[str, str]] = frozenset()
    agent_code: str
    items: int
    first_decl_total: Decimal | None


CASES = [
    Case(
        file="dec_dotnet_export.xml",
        writer=".NET XmlSerializer: UTF-8 BOM, xsd/xsi declarations, <X /> for every empty property",
        # two pre-2018 elements with a value (the empty ones, PayWay and InRatio, carry nothing and are not kept);
        # TypistNo written after InputerName; 15 empty number elements (<Factor />: no value of their type)
        problem_counts={"unknown-element": 2, "element-order": 1, "empty-value": 15},
        problem_paths=frozenset(
            {
                ("unknown-element", "/DecMessage/DecHead/DistrictCode"),
                ("unknown-element", "/DecMessage/DecHead/TradeCodeScc"),
                ("empty-value", "/DecMessage/DecHead/FeeRate"),
                ("empty-value", "/DecMessage/DecHead/InsurRate"),
                ("empty-value", "/DecMessage/DecHead/OtherRate"),
                ("empty-value", "/DecMessage/DecLists/DecList[1]/Factor"),
                ("empty-value", "/DecMessage/DecLists/DecList[1]/SecondQty"),
                ("empty-value", "/DecMessage/DecLists/DecList[1]/WorkUsd"),
                ("empty-value", "/DecMessage/DecLists/DecList[2]/Factor"),
                ("empty-value", "/DecMessage/DecLists/DecList[2]/SecondQty"),
                ("empty-value", "/DecMessage/DecLists/DecList[2]/WorkUsd"),
                ("empty-value", "/DecMessage/DecLists/DecList[3]/Factor"),
                ("empty-value", "/DecMessage/DecLists/DecList[3]/SecondQty"),
                ("empty-value", "/DecMessage/DecLists/DecList[3]/WorkUsd"),
                ("empty-value", "/DecMessage/DecLists/DecList[4]/Factor"),
                ("empty-value", "/DecMessage/DecLists/DecList[4]/SecondQty"),
                ("empty-value", "/DecMessage/DecLists/DecList[4]/WorkUsd"),
            }
        ),
        agent_code="4403960002",
        items=4,
        first_decl_total=Decimal("733.90"),
    ),
    Case(
        file="dec_elementtree_import.xml",
        writer="Python ElementTree: <?xml version='1.0' encoding='utf-8'?>, a None written as text",
        problem_counts={"unknown-element": 3, "bad-value": 1},
        problem_paths=frozenset(
            {
                ("unknown-element", "/DecMessage/DecHead/DistrictCode"),
                ("unknown-element", "/DecMessage/DecHead/InRatio"),
                ("unknown-element", "/DecMessage/DecHead/TradeCodeScc"),
                # the writer stringified a Python None: <Factor>None</Factor>
                ("bad-value", "/DecMessage/DecLists/DecList/Factor"),
            }
        ),
        agent_code="4403960002",
        items=1,
        first_decl_total=Decimal("3400.00"),
    ),
    Case(
        file="dec_import_message_20_items.xml",
        writer="ElementTree, ImportMessage envelope, no namespace, the paper form's order, 20 items",
        # in the paper form's order, 22 head elements, 10 per item (200) and 2 in DecSign follow a later one
        problem_counts={"unknown-element": 3, "element-order": 224},
        problem_paths=frozenset(
            {
                ("unknown-element", "/DecMessage/DecHead/DistrictCode"),
                ("unknown-element", "/DecMessage/DecHead/InRatio"),
                ("unknown-element", "/DecMessage/DecHead/TradeCodeScc"),
            }
        ),
        agent_code="4403960002",
        items=20,
        first_decl_total=Decimal("125.00"),
    ),
    Case(
        file="dec_xml_editor_sample.xml",
        writer="an XML editor's generated sample, edited by hand: BOM, comment, ImportMessage, pre-2018 fields",
        # 21 head elements, 10 per item (40) and 2 in DecSign follow a later one
        problem_counts={"unknown-element": 7, "element-order": 63},
        problem_paths=frozenset(
            {
                ("unknown-element", "/DecMessage/DecHead/PayWay"),
                ("unknown-element", "/DecMessage/DecHead/DistrictCode"),
                ("unknown-element", "/DecMessage/DecHead/InRatio"),
                ("unknown-element", "/DecMessage/DecHead/AgentLinkMan"),
                ("unknown-element", "/DecMessage/DecHead/AgentLinkMAIL"),
                ("unknown-element", "/DecMessage/DecHead/AgentLinkPHONE"),
                ("unknown-element", "/DecMessage/DecHead/TradeCodeScc"),
            }
        ),
        agent_code="1101960003",
        items=4,
        first_decl_total=Decimal("1000"),
    ),
]


# --------------------------------------------------------------------------------------------- normalisation
def _strip_ws(root: etree._Element) -> None:
    for el in root.iter():
        if el.text is not None and not el.text.strip():
            el.text = None
        if el.tail is not None and not el.tail.strip():
            el.tail = None


def _rebuilt(el: etree._Element) -> etree._Element:
    """A copy of ``el`` with the dec namespace as default namespace (prefix choice normalised away)."""
    out = etree.Element(el.tag, dict(el.attrib), nsmap={None: NS})
    out.text = el.text

    def fill(src: etree._Element, dst: etree._Element) -> None:
        for child in src:
            new = etree.SubElement(dst, child.tag, dict(child.attrib))
            new.text = child.text
            new.tail = child.tail
            fill(child, new)

    fill(el, out)
    return out


def _path_steps(el: etree._Element) -> str:
    steps = []
    node: etree._Element | None = el
    while node is not None:
        parent = node.getparent()
        local = etree.QName(node).localname
        if parent is not None:
            same = [c for c in parent if c.tag == node.tag]
            steps.append(f"{local}[{same.index(node) + 1}]" if len(same) > 1 else local)
        else:
            steps.append(local)
        node = parent
    return "/" + "/".join(reversed(steps))


def _blocks() -> frozenset[str]:
    tags: set[str] = set()
    todo: list[type[Any]] = [DecMessage]
    while todo:
        cls = todo.pop()
        for f in spec_of(cls).fields:
            if f.kind is ValueKind.MODEL and f.model is not None and f.tag not in tags:
                tags.add(f.tag)
                todo.append(f.model)
    return frozenset(tags)


def _text_fields() -> dict[str, frozenset[str]]:
    """Block tag → tags of its text fields (the ones whose empty element is an empty value, kept)."""
    found: dict[str, set[str]] = {}
    todo: list[tuple[str, type[Any]]] = [("DecMessage", DecMessage)]
    while todo:
        tag, cls = todo.pop()
        for f in spec_of(cls).fields:
            if f.kind is ValueKind.MODEL and f.model is not None:
                if f.tag not in found:
                    found.setdefault(f.tag, set())
                    todo.append((f.tag, f.model))
            elif f.kind is ValueKind.STRING:
                found.setdefault(tag, set()).add(f.tag)
    return {tag: frozenset(names) for tag, names in found.items()}


def _sort_into_model_order(el: etree._Element, cls: type[Any]) -> None:
    fields = {f.tag: (i, f) for i, f in enumerate(spec_of(cls).fields)}
    children = list(el)
    children.sort(key=lambda c: fields[etree.QName(c).localname][0])
    for child in children:
        el.remove(child)
        el.append(child)
        _, f = fields[etree.QName(child).localname]
        if f.kind is ValueKind.MODEL and f.model is not None:
            _sort_into_model_order(child, f.model)


def _expected(data: bytes, decoded: Decoded[DecMessage], *, reorder: bool) -> bytes:
    parser = etree.XMLParser(remove_comments=True, resolve_entities=False, no_network=True)
    doc = etree.fromstring(data, parser)
    dm = next(e for e in doc.iter() if isinstance(e.tag, str) and etree.QName(e).localname == "DecMessage")  # (1)
    dm = copy.deepcopy(dm)
    for el in dm.iter():  # (2)
        if not el.tag.startswith("{"):
            el.tag = f"{{{NS}}}{el.tag}"
    _strip_ws(dm)  # (3)
    blocks, texts = _blocks(), _text_fields()
    numbers = {p.path for p in decoded.problems if p.code == "empty-value"}  # kept in unparsed: (5)
    for el in reversed(list(dm.iter())):  # (4)
        empty = el is not dm and len(el) == 0 and not el.text and not el.attrib
        if empty and etree.QName(el).localname not in blocks and _path_steps(el) not in numbers:
            parent = el.getparent()
            assert parent is not None
            if etree.QName(el).localname not in texts.get(etree.QName(parent).localname, frozenset()):
                parent.remove(el)
    by_path = {_path_steps(el): el for el in dm.iter()}
    for kept in decoded.unparsed:  # (5)
        original = by_path[kept.path]
        as_kept = etree.fromstring(kept.xml)
        _strip_ws(as_kept)
        assert etree.tostring(_rebuilt(as_kept), method="c14n", exclusive=True) == etree.tostring(
            _rebuilt(original), method="c14n", exclusive=True
        ), kept.path
    for kept in decoded.unparsed:
        original = by_path[kept.path]
        parent = original.getparent()
        assert parent is not None
        parent.remove(original)
    if reorder:  # (6)
        _sort_into_model_order(dm, DecMessage)
    return etree.tostring(_rebuilt(dm), method="c14n", exclusive=True)


def _actual(encoded: bytes) -> bytes:
    root = etree.fromstring(encoded)
    _strip_ws(root)
    return etree.tostring(_rebuilt(root), method="c14n", exclusive=True)


def _follows_structure_order(encoded: bytes) -> None:
    order = _reference_order()
    root = etree.fromstring(encoded)
    for el in root.iter():
        ref = _REFERENCE_CLASS.get(etree.QName(el).localname)
        if ref is None:
            continue
        children = [etree.QName(c).localname for c in el]
        positions = [order[ref].index(c) for c in children]  # every child is in the structure file
        assert positions == sorted(positions), (etree.QName(el).localname, children)
        assert len(set(children)) == len(children), children


# --------------------------------------------------------------------------------------------------- tests
NOTES = "dec_import_response_notes.txt"


def test_every_document_has_a_case_and_is_described_in_the_readme() -> None:
    files = {p.name for p in DATA.glob("dec_*.xml")}
    assert files == {c.file for c in CASES}
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    for name in [*files, NOTES]:
        assert (DATA / name).stat().st_size < 200_000
        assert f"`{name}`" in readme, name


def test_the_writers_layouts_are_in_the_files() -> None:
    dotnet = (DATA / "dec_dotnet_export.xml").read_bytes()
    assert dotnet.startswith(b'\xef\xbb\xbf<?xml version="1.0" encoding="utf-8"?>\n<DecMessage xmlns:xsd=')
    assert b"    <SeqNo />" in dotnet
    assert b"<Factor />" in dotnet
    elementtree = (DATA / "dec_elementtree_import.xml").read_bytes()
    assert elementtree.startswith(b"<?xml version='1.0' encoding='utf-8'?>\n<DecMessage xmlns=")
    assert b"<Factor>None</Factor>" in elementtree
    envelope = (DATA / "dec_import_message_20_items.xml").read_bytes()
    assert b"<ImportMessage " in envelope
    assert b"<SWImpData>\n\t\t<DecMessage>" in envelope
    sample = (DATA / "dec_xml_editor_sample.xml").read_bytes()
    assert sample.startswith(b'\xef\xbb\xbf<?xml version="1.0" encoding="UTF-8"?>\n<!--Sample XML file generated')


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.file)
def test_declaration_from_another_writer(case: Case) -> None:
    data = (DATA / case.file).read_bytes()
    assert len(data) < 200_000
    decoded = decode_declaration_lenient(data)
    message = decoded.message
    # strict decoding stops at the first of those problems, naming the same path
    with pytest.raises(DecodeError) as exc:
        decode_declaration(data)
    assert exc.value.path == decoded.problems[0].path
    # the generic entry point routes declarations to the same codec
    generic = edi.decode_lenient(data)
    assert (generic.message, generic.problems, generic.unparsed) == (message, decoded.problems, decoded.unparsed)
    counts = Counter(p.code for p in decoded.problems)
    assert dict(counts) == case.problem_counts, case.writer
    paths = {(p.code, p.path) for p in decoded.problems if p.code != "element-order"}
    assert paths == set(case.problem_paths), case.writer
    # values read from the file, so an empty decode cannot pass
    assert message.dec_head.agent_code == case.agent_code
    assert len(message.items) == case.items
    assert message.items[0].decl_total == case.first_decl_total
    encoded = encode_declaration(message)
    assert _actual(encoded) == _expected(data, decoded, reorder="element-order" in counts), case.writer
    assert decode_declaration(encoded) == message  # our own output is strict-clean
    assert edi.decode(encoded) == message


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.file)
def test_the_reencoded_declaration_follows_the_structure_file(case: Case) -> None:
    # against the reference set's structure file (independent of the models; needs ../shared/reference)
    message = decode_declaration_lenient((DATA / case.file).read_bytes()).message
    _follows_structure_order(encode_declaration(message))


def test_elements_kept_from_a_document_without_namespace_read_as_dec_elements_with_their_line() -> None:
    data = (DATA / "dec_xml_editor_sample.xml").read_bytes()
    decoded = decode_declaration_lenient(data)
    (pay_way,) = [u for u in decoded.unparsed if u.path == "/DecMessage/DecHead/PayWay"]
    assert pay_way == edi.Unparsed(
        path="/DecMessage/DecHead/PayWay",
        xml=b'<PayWay xmlns="http://www.chinaport.gov.cn/dec">2</PayWay>',
        after="/DecMessage/DecHead/CutMode",  # the element it followed in the file
    )
    (problem,) = [p for p in decoded.problems if p.path == "/DecMessage/DecHead/PayWay"]
    line = next(n for n, text in enumerate(data.splitlines(), 1) if text.strip() == b"<PayWay>2</PayWay>")
    assert problem.message == f"unknown element PayWay in DecHead (line {line})"


# ------------------------------------------------------------------------------------------------ receipts
# dec_import_response_notes.txt: a developer's notes, not one document. They hold a DecImportResponse as the
# declaration client saved it (ns2: prefix), the AS3 transport headers that followed it, and the DxpMsg from the data
# centre that carried the same response base64-encoded. The test cuts the two documents out of it (the DxpMsg's XML
# declaration is indented, which XML forbids, so its part starts at the root element).


def test_the_notes_file_is_refused_as_one_receipt_with_a_typed_error() -> None:
    data = (DATA / NOTES).read_bytes()
    with pytest.raises(DecodeError, match="Extra content at the end of the document"):
        parse_dec_receipt(data)


def test_a_dec_import_response_and_its_dxp_envelope() -> None:
    data = (DATA / NOTES).read_bytes()
    end = data.index(b"</ns2:DecImportResponse>") + len(b"</ns2:DecImportResponse>")
    saved = data[:end]
    assert classify_receipt(saved) is ReceiptKind.DEC_IMPORT_RESPONSE
    response = parse_dec_receipt(saved)
    assert response == DecImportResponse(
        response_code="0", error_message="调用成功", client_seq_no="201802260951580001", seq_no="Z99000009999990001"
    )
    assert b"\n    <?xml" in data  # the indented declaration before the DxpMsg
    envelope = decode_envelope(data[data.index(b"<DxpMsg") :])
    assert isinstance(envelope, DxpMsg)
    assert (envelope.trans_info.sender_id, envelope.trans_info.msg_type) == ("DXPEDCDEC0000009", "DECMSG")
    assert envelope.trans_info.receiver_ids == ("DXPENT0000099999",)
    assert envelope.add_info is not None
    assert envelope.add_info.is_text == "UTF-8"
    assert parse_dec_receipt(unwrap(envelope)) == response  # the same receipt, as the data centre sent it
