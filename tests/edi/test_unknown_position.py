"""Lenient decode → :func:`eport.edi.encode_lenient` keeps each unknown element where it stood (#13).

Before, every element the model could not hold came back as the last child of its parent: a round trip changed
document order. Each kept element now records the sibling it followed (``Unparsed.after``) and goes back right
after it. The property: for documents eport writes (no whitespace, schema order), with unknown elements inserted at
random positions in random blocks, the round trip gives the same exclusive C14N as the input.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from eport import edi, examples

DOCUMENTS = [edi.encode(examples.order()), edi.encode(examples.inventory()), edi.encode(examples.waybill())]
NAMESPACES = ["http://www.chinaport.gov.cn/ceb", "urn:example:other"]


def _c14n(root: etree._Element) -> bytes:
    return etree.tostring(root, method="c14n", exclusive=True)


def _blocks(root: etree._Element) -> list[etree._Element]:
    """The elements with element children (the root and the blocks): where an unknown element may go."""
    return [el for el in root.iter() if isinstance(el.tag, str) and len(el)]


@st.composite
def documents_with_unknowns(draw: st.DrawFn) -> bytes:
    root = etree.fromstring(draw(st.sampled_from(DOCUMENTS)))
    for n in range(draw(st.integers(min_value=1, max_value=5))):
        blocks = _blocks(root)
        parent = blocks[draw(st.integers(min_value=0, max_value=len(blocks) - 1))]
        index = draw(st.integers(min_value=0, max_value=len(parent)))
        namespace = draw(st.sampled_from(NAMESPACES))
        unknown = etree.Element(f"{{{namespace}}}extra{n}", nsmap={"x": namespace} if "example" in namespace else {})
        unknown.text = draw(st.sampled_from(["", "value", "值 & <1>"]))
        if draw(st.booleans()):
            etree.SubElement(unknown, f"{{{namespace}}}inner").text = "1"
        parent.insert(index, unknown)
    return etree.tostring(root, encoding="UTF-8", xml_declaration=True)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=documents_with_unknowns())
def test_unknown_elements_keep_their_position(data: bytes) -> None:
    decoded = edi.decode_lenient(data)
    assert decoded.unparsed, "the inserted elements are kept"
    assert {p.code for p in decoded.problems} <= {"unknown-element", "missing-element"}  # examples are unsigned
    again = edi.encode_lenient(decoded)
    assert _c14n(etree.fromstring(again)) == _c14n(etree.fromstring(data))


def test_first_last_and_consecutive_unknowns() -> None:
    ns = "http://www.chinaport.gov.cn/ceb"
    root = etree.fromstring(DOCUMENTS[0])
    head = root.find(f"{{{ns}}}Order/{{{ns}}}OrderHead")
    assert head is not None
    for index, name in ((0, "first"), (5, "middle1"), (6, "middle2")):
        head.insert(index, etree.Element(f"{{{ns}}}{name}"))
    head.append(etree.Element(f"{{{ns}}}last"))
    data = etree.tostring(root)
    decoded: Any = edi.decode_lenient(data)
    head_path = "/ceb:CEB311Message/ceb:Order/ceb:OrderHead"
    assert [(u.path.rpartition("/")[2], u.after) for u in decoded.unparsed] == [
        ("ceb:first", head_path),
        ("ceb:middle1", f"{head_path}/ceb:appStatus"),
        ("ceb:middle2", f"{head_path}/ceb:middle1"),
        ("ceb:last", f"{head_path}/ceb:consigneeDistrict"),
    ]
    assert _c14n(etree.fromstring(edi.encode_lenient(decoded))) == _c14n(root)
