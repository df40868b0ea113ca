"""The compiled text readers (``eport.edi.core.textread``): taken for plain documents, equal to the tree readers on
every sample and on generated documents, refused for anything else; ``XML`` values sliced from the input keep
their exclusive canonical form, and a signature over a slice still verifies with xmlsec1."""

from __future__ import annotations

import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from eport import edi
from eport.edi import encode
from eport.edi.ceb import exports, imports
from eport.edi.core import decoding, registry, textread
from eport.edi.core.fastread import raw_element
from eport.edi.core.safexml import parse
from eport.errors import EportError
from tests.edi import samples, strategies
from tests.edi.test_fastread import DEPARTURES, SIGNATURE, indented, inventory
from tests.prerequisites import require_command

CEB = "http://www.chinaport.gov.cn/ceb"
DS = "http://www.w3.org/2000/09/xmldsig#"


@attrs.frozen
class Paths:
    """What each reader makes of one document (``None``: it handed over)."""

    text: Any
    tree: Any
    careful: Any
    problems: tuple[Any, ...]


def read_all(data: bytes, model: type[Any] | None) -> Paths:
    """Read ``data`` with each reader, as ``model`` (``None``: the class its root names)."""
    root = parse(data)
    source = textread.source_of(data)
    state = decoding._State(strict=False, source=source)
    cls, path = decoding._root_class(root, model, None, state)
    text = None if source is None else decoding._read_text(root, cls, source)
    tree = decoding._read_fast(root, cls, source)
    careful = decoding._read(root, cls, path, state)
    return Paths(text, tree, careful, tuple(state.problems))


def assert_same(paths: Paths) -> None:
    """The text reader, when it reads the document, agrees with both tree readers (and they found no problem)."""
    assert paths.text is not None
    assert paths.tree == paths.text
    assert paths.careful == paths.text
    assert paths.problems == ()


def exclusive_c14n(element: etree._Element) -> bytes:
    return etree.tostring(element, method="c14n", exclusive=True)


@pytest.mark.parametrize("lines", [1, 20])
def test_plain_documents_take_the_text_path(lines: int) -> None:
    message = inventory()
    message = attrs.evolve(
        message,
        inventory=(attrs.evolve(message.inventory[0], inventory_list=message.inventory[0].inventory_list * lines),),
    )
    data = encode(message)
    paths = read_all(data, imports.CEB621Message)
    assert paths.text == message
    assert_same(paths)
    assert edi.decode(data) == message


def test_indented_crlf_bom_and_references_read_the_same() -> None:
    message = inventory()
    pretty = indented(encode(message))
    variants = {
        "indented": pretty,
        "crlf": pretty.replace(b"\n", b"\r\n"),
        "bom": b"\xef\xbb\xbf" + pretty,
        "references": encode(message).replace(
            "盒子 &amp; &lt;套装&gt;".encode(), b"&#x76D2;&#23376; &amp; &lt;&#22871;&#35013;>"
        ),
        "empty-element tags": encode(message).replace(b"<ceb:itemNo></ceb:itemNo>", b"<ceb:itemNo/>"),
        "no declaration": encode(message).split(b"?>", 1)[1],
        "epilog comment": encode(message) + b"<!-- after -->",
    }
    for name, data in variants.items():
        paths = read_all(data, imports.CEB621Message)
        assert_same(paths)
        assert attrs.evolve(paths.text, signature=message.signature) == message, name


def test_default_namespace_documents_read_the_same() -> None:
    prefixed = encode(inventory())
    data = prefixed.replace(b"xmlns:ceb=", b"xmlns=").replace(b"<ceb:", b"<").replace(b"</ceb:", b"</")
    paths = read_all(data, imports.CEB621Message)
    assert_same(paths)
    assert paths.text == edi.decode(prefixed)


@pytest.mark.parametrize("case", sorted(DEPARTURES))
def test_departures_leave_the_text_path_with_the_same_report(case: str) -> None:
    old, new = DEPARTURES[case]
    data = encode(inventory()).replace(old, new, 1)
    paths = read_all(data, imports.CEB621Message)
    assert paths.text is None
    lenient = edi.decode_lenient(data)
    assert lenient.message == paths.careful
    assert lenient.problems == paths.problems


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (b"<ceb:qty>2</ceb:qty>", b"<ceb:qty></ceb:qty>"),  # an empty number: the tree readers decide
        (b"<ceb:qty>2</ceb:qty>", b"<ceb:qty>2e1</ceb:qty>"),
        (b"<ceb:qty>2</ceb:qty>", b"<ceb:qty>&#50;</ceb:qty>"),
        (b"<ceb:gname>", b"<ceb:gname >"),
        (b"<ceb:InventoryList>", b'<ceb:InventoryList xmlns:x="urn:x">'),
        (b"<ceb:gname>", b"<![CDATA[x]]><ceb:gname>"),
        (b'version="1.0">', b'version="1.0" xmlns:c2="http://www.chinaport.gov.cn/ceb">'),  # two prefixes
    ],
)
def test_other_forms_leave_the_text_path(old: bytes, new: bytes) -> None:
    data = encode(inventory()).replace(old, new, 1)
    assert data != encode(inventory())
    paths = read_all(data, imports.CEB621Message)
    assert paths.text is None
    try:
        lenient = edi.decode_lenient(data)
    except EportError:
        return
    assert lenient.message == (paths.tree if paths.tree is not None else paths.careful)


def test_other_encodings_are_re_serialised_as_before() -> None:
    data = encode(inventory()).replace(b'encoding="UTF-8"', b'encoding="GB18030"')
    data = data.decode().encode("gb18030")
    assert textread.source_of(data) is None
    root = parse(data)
    decoded = edi.decode(data)
    assert decoded.signature == raw_element(root[-1])


@pytest.mark.parametrize("key", samples.sample_keys())
def test_every_sample_reads_the_same_on_every_path(key: str) -> None:
    data = samples.load(key).data
    try:
        paths = read_all(data, None)
    except EportError:  # a root no model has: no reader runs
        return
    lenient = decoding.decode_lenient(data)
    if paths.text is not None:
        assert_same(paths)
        assert lenient.message == paths.text
    else:
        assert lenient.message == (paths.tree if paths.tree is not None else paths.careful)
    assert lenient.problems == paths.problems


def test_the_text_path_reads_official_samples() -> None:
    read = 0
    for key in samples.sample_keys():
        data = samples.load(key).data
        root = parse(data)
        cls = registry.lookup(etree.QName(root).namespace, etree.QName(root).localname)
        source = textread.source_of(data)
        if cls is not None and source is not None and decoding._read_text(root, cls, source) is not None:
            read += 1
    assert read >= 10  # most official samples are plain


@pytest.mark.parametrize("cls", [imports.CEB621Message, imports.CEB311Message, exports.CEB303Message])
@settings(max_examples=8, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_generated_messages_read_the_same(cls: type[Any], data: st.DataObject) -> None:
    message = data.draw(strategies.models(cls), label="message")
    encoded = encode(message)
    paths = read_all(encoded, cls)
    assert paths.text == message
    assert_same(paths)
    assert_same(read_all(indented(encoded), cls))
    assert_same(read_all(indented(encoded).replace(b"\n", b"\r\n"), cls))


# ------------------------------------------------------------------------------------------ XML values as slices
UNDECLARED = SIGNATURE.replace(b' xmlns:ds="http://www.w3.org/2000/09/xmldsig#"', b"")


def with_root_declarations(data: bytes, declarations: bytes) -> bytes:
    return data.replace(
        b' xmlns:ceb="http://www.chinaport.gov.cn/ceb"',
        b' xmlns:ceb="http://www.chinaport.gov.cn/ceb"' + declarations,
        1,
    )


def test_a_self_contained_signature_is_the_input_slice() -> None:
    odd = SIGNATURE.replace(b"<ds:SignedInfo>", b"<ds:SignedInfo >").replace(b'URI=""', b"URI=''")
    data = encode(attrs.evolve(inventory(), signature=odd))
    decoded = edi.decode(data)
    assert decoded.signature == odd  # byte for byte, not lxml's re-serialisation
    assert raw_element(parse(data)[-1]) != odd
    assert exclusive_c14n(etree.fromstring(decoded.signature)) == exclusive_c14n(parse(data)[-1])
    assert_same(read_all(data, imports.CEB621Message))


def test_a_signature_using_the_roots_declarations_gets_them_added() -> None:
    message = attrs.evolve(inventory(), signature=UNDECLARED)
    data = with_root_declarations(encode(attrs.evolve(message, signature=None)), b' xmlns:ds="' + DS.encode() + b'"')
    data = data.replace(b"</ceb:CEB621Message>", UNDECLARED + b"</ceb:CEB621Message>")
    original = parse(data)[-1]
    paths = read_all(data, imports.CEB621Message)
    assert_same(paths)
    signature = paths.text.signature
    assert signature.startswith(b'<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#">')
    assert exclusive_c14n(etree.fromstring(signature)) == exclusive_c14n(original)
    assert exclusive_c14n(etree.fromstring(raw_element(original))) == exclusive_c14n(original)
    again = parse(encode(paths.text))[-1]  # re-encoded: same canonical form in its new document
    assert exclusive_c14n(again) == exclusive_c14n(original)


def test_a_slice_using_the_default_namespace_and_prefixed_attributes_gets_them_added() -> None:
    inner = (
        b'<ds:Signature><ds:Object><Note x:lang="zh" xmlns:x="urn:x"><Sub y:k="1"/></Note></ds:Object></ds:Signature>'
    )
    base = encode(attrs.evolve(inventory(), signature=None))
    data = with_root_declarations(
        base, b' xmlns:ds="' + DS.encode() + b'" xmlns="urn:default" xmlns:y="urn:y" xmlns:z="urn:z"'
    )
    data = data.replace(b"</ceb:CEB621Message>", inner + b"</ceb:CEB621Message>")
    original = parse(data)[-1]
    paths = read_all(data, imports.CEB621Message)
    assert_same(paths)
    signature = paths.text.signature
    head = signature.split(b">", 1)[0]
    assert b'xmlns="urn:default"' in head
    assert b'xmlns:y="urn:y"' in head
    assert b"xmlns:ds=" in head
    assert b"urn:z" not in signature  # an unused declaration is not added
    assert exclusive_c14n(etree.fromstring(signature)) == exclusive_c14n(original)


def test_a_signature_holding_a_comment_is_re_serialised_on_every_path() -> None:
    commented = SIGNATURE.replace(b"<ds:SignedInfo>", b"<ds:SignedInfo><!-- kept -->")
    data = encode(attrs.evolve(inventory(), signature=commented))
    paths = read_all(data, imports.CEB621Message)
    assert paths.text is None
    assert paths.tree is None  # the comment sends the tree reader to the careful walker too
    assert paths.careful.signature == raw_element(parse(data)[-1])
    assert edi.decode(data) == paths.careful


def test_nested_elements_of_the_same_name_are_delimited() -> None:
    nested = (
        b'<ds:Signature xmlns:ds="'
        + DS.encode()
        + b'"><ds:Object><ds:Signature/><ds:Signature a="&gt;"><ds:X/></ds:Signature></ds:Object></ds:Signature>'
    )
    data = encode(attrs.evolve(inventory(), signature=nested))
    paths = read_all(data, imports.CEB621Message)
    assert_same(paths)
    assert paths.text.signature == nested


# ------------------------------------------------------------------------------------------ xmlsec1
TEMPLATE = (
    b"<ds:Signature><ds:SignedInfo>"
    b'<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>'
    b'<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>'
    b'<ds:Reference URI=""><ds:Transforms>'
    b'<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>'
    b'<ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms>'
    b'<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue/></ds:Reference>'
    b"</ds:SignedInfo><ds:SignatureValue/><ds:KeyInfo><ds:X509Data><ds:X509Certificate/></ds:X509Data></ds:KeyInfo>"
    b"</ds:Signature>"
)


@pytest.mark.xmlsec1
def test_a_signature_declared_on_the_root_verifies_after_decode_and_encode(tmp_path: Path) -> None:
    require_command("xmlsec1", "openssl")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    command = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert)]
    subprocess.run([*command, "-days", "2", "-subj", "/CN=eport test signer"], check=True, capture_output=True)
    base = encode(attrs.evolve(inventory(), signature=None))
    template = with_root_declarations(base, b' xmlns:ds="' + DS.encode() + b'"')
    template = template.replace(b"</ceb:CEB621Message>", TEMPLATE + b"</ceb:CEB621Message>")
    (tmp_path / "template.xml").write_bytes(template)
    signed_path = tmp_path / "signed.xml"
    sign = ["xmlsec1", "--sign", "--privkey-pem", f"{key},{cert}", "--output", str(signed_path)]
    subprocess.run([*sign, str(tmp_path / "template.xml")], check=True, capture_output=True)

    def verifies(data: bytes) -> bool:
        (tmp_path / "check.xml").write_bytes(data)
        result = subprocess.run(
            ["xmlsec1", "--verify", "--pubkey-cert-pem", str(cert), str(tmp_path / "check.xml")],
            capture_output=True,
            check=False,
        )
        return result.returncode == 0

    signed = signed_path.read_bytes()
    assert verifies(signed)
    decoded = edi.decode(signed)
    assert decoded.signature.startswith(b'<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#">')
    again = encode(decoded)  # the root no longer declares ds: the slice's own declaration carries it
    assert b'xmlns:ds="' + DS.encode() + b'" guid' not in again
    assert verifies(again)
    assert edi.decode(again) == decoded
    tampered = encode(attrs.evolve(decoded, base_transfer=attrs.evolve(decoded.base_transfer, dxp_id="OTHER")))
    assert not verifies(tampered)


def test_numbers_read_as_the_tree_reads_them() -> None:
    message = inventory()
    data = encode(message).replace(b"<ceb:price>20.5</ceb:price>", b"<ceb:price> +20.50\n</ceb:price>")
    paths = read_all(data, imports.CEB621Message)
    assert_same(paths)
    assert paths.text.inventory[0].inventory_list[0].price == Decimal("20.50")


def test_models_are_built_without_init_only_when_init_checks_nothing() -> None:
    @attrs.frozen
    class Checked:
        value: str = attrs.field(validator=attrs.validators.instance_of(str))

    @attrs.frozen
    class Plain:
        value: str

    assert textread._slot_setters(Checked, ["value"]) is None
    assert textread._slot_setters(Plain, ["other"]) is None
    assert textread._slot_setters(imports.InventoryList, [f.name for f in attrs.fields(imports.InventoryList)])
    built = edi.decode(encode(inventory()))
    assert built == inventory()
    assert hash(built.inventory[0].inventory_list[0]) == hash(inventory().inventory[0].inventory_list[0])
    assert attrs.evolve(built, version="2.0").version == "2.0"
