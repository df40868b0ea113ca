"""Property tests: every CEB message type survives encode → decode unchanged and validates against its XSD."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from eport.edi import decode, decode_lenient, encode
from eport.edi.ceb import exports, imports
from eport.edi.ceb.family import NS as CEB_NS
from eport.edi.core import decoding, registry
from eport.edi.core.paths import clark_step
from eport.edi.core.safexml import parse
from eport.edi.core.spec import spec_of
from eport.errors import DecodeError
from tests.edi import samples, strategies

EDITIONS = ["202205", "2018"]
CASES = [
    (edition, cls)
    for edition in EDITIONS
    for cls in registry.message_types(edition=edition)
    if spec_of(cls).family in ("ceb-import", "ceb-export")
]


def _id(case: tuple[str, type[Any]]) -> str:
    return f"{case[0]}-{case[1].__name__}"


def test_every_message_type_is_covered() -> None:
    names = {cls.__name__ for _, cls in CASES}
    assert len(names) == 19 + 23  # import: 19 roots; export: 23 roots (202205)
    assert sum(1 for edition, _ in CASES if edition == "2018") == 19 + 19


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
@settings(max_examples=15, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_round_trip_and_xsd_valid(case: tuple[str, type[Any]], data: st.DataObject) -> None:
    edition, cls = case
    message = data.draw(strategies.models(cls), label="message")
    encoded = encode(message)
    assert decode(encoded, edition=edition) == message
    lenient = decode_lenient(encoded, edition=edition)
    assert lenient.ok
    assert lenient.message == message
    assert samples.xsd_errors(encoded, spec_of(cls).family, edition) == []
    # the careful walker (used when the fast reader bails) reads valid documents exactly like the fast reader
    root = parse(encoded)
    assert decoding._read(root, cls, "/" + spec_of(cls).tag, decoding._State(strict=True)) == message


def _expected_path(el: etree._Element) -> str:
    steps = []
    node: etree._Element | None = el
    while node is not None:
        parent = node.getparent()
        index = None
        if parent is not None:
            same = list(parent.iterchildren(node.tag))
            index = same.index(node) + 1 if len(same) > 1 else None
        steps.append(clark_step(node.tag, index))
        node = parent
    return "/" + "/".join(reversed(steps))


LENIENT_CASES = [imports.CEB311Message, imports.CEB621Message, exports.CEB303Message, exports.CEB792Message]


@pytest.mark.parametrize("cls", LENIENT_CASES, ids=lambda c: c.__name__)
@settings(max_examples=25, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_lenient_decoding_keeps_injected_elements(cls: type[Any], data: st.DataObject) -> None:
    message = data.draw(strategies.models(cls), label="message")
    root = parse(encode(message))
    containers = [
        el
        for el in root.iter()
        if len(el) and etree.QName(el).namespace == CEB_NS and etree.QName(el).localname != "Message"
    ]
    parent = data.draw(st.sampled_from(containers), label="parent")
    position = data.draw(st.integers(0, len(parent)), label="position")
    extra = etree.Element(f"{{{CEB_NS}}}extraField")
    extra.text = data.draw(st.text(alphabet="abc&<中", max_size=5), label="text")
    parent.insert(position, extra)
    damaged = etree.tostring(root, encoding="UTF-8", xml_declaration=True)

    with pytest.raises(DecodeError):
        decode(damaged)
    result = decode_lenient(damaged)
    assert result.message == message  # nothing known was lost
    expected = _expected_path(extra)
    assert [(p.path, p.code) for p in result.problems] == [(expected, "unknown-element")]
    assert [u.path for u in result.unparsed] == [expected]
    kept = etree.fromstring(result.unparsed[0].xml)
    assert (kept.tag, kept.text or "") == (extra.tag, extra.text)


@pytest.mark.parametrize("cls", LENIENT_CASES, ids=lambda c: c.__name__)
@settings(max_examples=25, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_lenient_decoding_names_duplicated_and_removed_elements(cls: type[Any], data: st.DataObject) -> None:
    message = data.draw(strategies.models(cls), label="message")
    root = parse(encode(message))
    singles = []  # (element, field) of elements the schema allows once, outside ds:Signature
    for el in root.iter():
        if not isinstance(el.tag, str) or etree.QName(el).namespace != CEB_NS or el is root:
            continue
        parent = el.getparent()
        if parent is None or etree.QName(parent).localname == "Message":
            continue
        owner = registry.lookup(CEB_NS, etree.QName(parent).localname) or _model_of(parent, root, cls)
        f = next(f for f in spec_of(owner).fields if f.tag == etree.QName(el).localname)
        if not f.repeated:
            singles.append((el, f))
    el, f = data.draw(st.sampled_from(singles), label="element")
    parent = el.getparent()
    assert parent is not None
    if data.draw(st.booleans(), label="duplicate"):
        twin = copy.deepcopy(el)
        el.addnext(twin)
        damaged = etree.tostring(root, encoding="UTF-8")
        result = decode_lenient(damaged)
        assert result.message == message
        assert [(p.path, p.code) for p in result.problems] == [(_expected_path(twin), "surplus-element")]
        assert [u.path for u in result.unparsed] == [_expected_path(twin)]
    else:
        expected = _expected_path(el)
        parent.remove(el)
        result = decode_lenient(etree.tostring(root, encoding="UTF-8"))
        codes = [(p.path, p.code) for p in result.problems]
        if f.required:
            assert codes == [(expected, "missing-element")]
        else:
            assert codes == []
        assert result.unparsed == ()


def _model_of(el: etree._Element, root: etree._Element, cls: type[Any]) -> type[Any]:
    """The model class of a non-root element, found by walking the specs from the root."""
    chain = []
    node: etree._Element | None = el
    while node is not None and node is not root:
        chain.append(etree.QName(node).localname)
        node = node.getparent()
    model = cls
    for local in reversed(chain):
        f = next(f for f in spec_of(model).fields if f.tag == local)
        assert f.model is not None
        model = f.model
    return model
