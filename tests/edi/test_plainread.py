"""The plain path of ``decode``: plain documents read from their text without lxml, never accepting a document the
lxml path refuses and always giving the lxml path's models.

The differential tests mutate valid documents at random positions (markup, references, control characters,
non-characters, undeclared prefixes, duplicate attributes, wrong end tags, truncations, prologs) and compare the
outcome of the plain path (a model, or handing over) with the outcome of the lxml path (a model or an error type).
"""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eport import edi
from eport.edi import encode
from eport.edi.ceb import imports
from eport.edi.core import decoding
from eport.edi.core.registry import hooks
from eport.errors import DecodeError
from tests.edi import samples
from tests.edi.test_fastread import indented, inventory
from tests.edi.test_textread import UNDECLARED, with_root_declarations


def lines(count: int) -> imports.CEB621Message:
    message = inventory()
    first = message.inventory[0]
    return attrs.evolve(message, inventory=(attrs.evolve(first, inventory_list=first.inventory_list * count),))


def default_namespace(data: bytes) -> bytes:
    return data.replace(b"xmlns:ceb=", b"xmlns=").replace(b"<ceb:", b"<").replace(b"</ceb:", b"</")


#: Valid documents the mutations start from, each read by the plain path as it stands.
BASES: dict[str, bytes] = {
    "compact": encode(inventory()),
    "two lines": encode(lines(2)),
    "indented crlf": indented(encode(inventory())).replace(b"\n", b"\r\n"),
    "bom, no declaration": b"\xef\xbb\xbf" + encode(inventory()).split(b"?>", 1)[1],
    "default namespace": default_namespace(encode(inventory())),
    "ds on the root": with_root_declarations(
        encode(attrs.evolve(inventory(), signature=None)), b' xmlns:ds="http://www.w3.org/2000/09/xmldsig#"'
    ).replace(b"</ceb:CEB621Message>", UNDECLARED + b"</ceb:CEB621Message>"),
}

#: What the mutations insert: markup and references XML refuses or reads differently, in every place.
INSERTS = (
    "<",
    "&",
    "&amp",
    "&#0;",
    "&#xD800;",
    "&#xFFFE;",
    "&#1114112;",
    "&#65;",
    "&#x41;",
    "&foo;",
    "&lt;",
    "]]>",
    "]]",
    ">",
    "\x00",
    "\x01",
    "\x0b",
    "\x1f",
    "\x7f",
    "\x85",
    "\ufffe",
    "\uffff",
    "\U0001fffe",
    "\t",
    "\r",
    " ",
    "'",
    '"',
    "=",
    "/",
    "x:",
    "<x:a>1</x:a>",
    "<x:a/>",
    "<a/>",
    "<ceb:x/>",
    '<ceb:y a="1" a="2"/>',
    " a='1'",
    ' guid="2"',
    ' xmlns:x="urn:x"',
    ' xmlns:ceb="urn:other"',
    ' xmlns:x=""',
    ' xmlns=""',
    ' xmlns:xml="urn:x"',
    ' xmlns:x="a b"',
    ' xmlns:y="%41"',
    ' x:a="1"',
    "</ceb:note>",
    "</ceb:Inventory>",
    "</ceb:CEB621Message>",
    "<ceb:CEB621Message>",
    "<!-- c -->",
    "<?pi x?>",
    "<![CDATA[x]]>",
    "<!DOCTYPE r>",
    '<!DOCTYPE r [<!ENTITY e "x">]>',
    '<?xml version="1.0"?>',
    '<?xml version="1.1"?>',
    "\u3000",
    "\u00a0",
)

#: Whole-document changes: prologs, epilogs, encodings, second roots, root attributes.
REPLACEMENTS = (
    (b'version="1.0" encoding="UTF-8"', b'version="1.1" encoding="UTF-8"'),
    (b'version="1.0" encoding="UTF-8"', b'version="1.0" encoding="ISO-8859-1"'),
    (b'version="1.0" encoding="UTF-8"', b'version="1.0" encoding="GB18030"'),
    (b'version="1.0" encoding="UTF-8"', b'version="1.0" encoding="utf-8"'),
    (b'version="1.0" encoding="UTF-8"', b"version='1.0' encoding='UTF-8' standalone='yes'"),
    (b'version="1.0" encoding="UTF-8"', b'encoding="UTF-8" version="1.0"'),
    (b'version="1.0" encoding="UTF-8"', b'version="1.0"  encoding = "UTF-8" '),
    (b"<?xml", b" <?xml"),
    (b"<?xml", b"<?xml-stylesheet?><?xml"),
    (b"?>", b"?><!DOCTYPE ceb:CEB621Message>"),
    (b' version="1.0">', b' version="1.0" version="1.0">'),
    (b' version="1.0">', b' version="1.0"guid="x">'),
    (b' version="1.0">', b" version='1.0' >"),
    (b' version="1.0">', b' version="1.0" xsi:schemaLocation="x">'),
    (b' version="1.0">', b' version="1.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'),
    (b' version="1.0">', b' version="1.0"/>'),
    (b' version="1.0">', b' version="1.0" xmlns:x="a b">'),  # namespace names libxml2 refuses as URIs
    (b' version="1.0">', b' version="1.0" xmlns:x="http://host:port">'),
    (b' version="1.0">', b' version="1.0" xmlns:x="1:x">'),
    (b' version="1.0">', ' version="1.0" xmlns:x="é">'.encode()),
    (b' version="1.0">', b' version="1.0" xmlns:x="relative">'),
    (b'xmlns:ceb="http://www.chinaport.gov.cn/ceb"', b'xmlns:ceb="http://www.chinaport.gov.cn/ceb" xmlns="%%"'),
    (b' version="1.0">', b' version="1&#46;0">'),
    (b' version="1.0">', b' version="1\n0">'),
    (b' version="1.0">', b' version="1&lt;0">'),
    (b' version="1.0">', b' version="1<0">'),
    (b"</ceb:CEB621Message>", b"</ceb:CEB621Message >"),
    (b"</ceb:CEB621Message>", b"</ceb:CEB621Message><ceb:CEB621Message/>"),
    (b"</ceb:CEB621Message>", b"</ceb:CEB621Message>x"),
    (b"</ceb:CEB621Message>", b"</ceb:CEB621Message>\n\n"),
    (b"</ceb:CEB621Message>", b"</ceb:CEB621Messag>"),
    (b"</ceb:CEB621Message>", b""),
    (b"<ceb:gname>", b"<ceb:gname >"),
    (b"</ceb:gname>", b"</ceb:gname >"),
    (b"<ceb:gname>", b"<x:gname>"),
    (b"</ceb:gname>", b"</x:gname>"),
    (b"</ceb:gname>", b"</ceb:gnam>"),
    (b"<ceb:qty>2</ceb:qty>", b"<ceb:qty>&#50;</ceb:qty>"),
    (b"xmlns:ds=", b"xmlns:dx="),
    (b"<ds:SignedInfo>", b"<ds:SignedInfo><x:y/>"),
    (b"<ds:SignedInfo>", b"<ds:SignedInfo a='1' a='2'>"),
    (b"</ds:SignedInfo>", b"</ds:SignedInf>"),
    (b"</ds:SignatureValue>", b"</ds:SignatureValue></ds:Extra>"),
    (b"BBBB", b"BB&bogus;BB"),
    (b"BBBB", b"BB\x01BB"),
    (b"\xe6\xb5\x8b", b"\xe6\xb5"),  # a cut UTF-8 sequence
    (b"\xe6\xb5\x8b", b"\xed\xa0\x80"),  # an encoded surrogate
    (b"\xe6\xb5\x8b", b"\xc0\xbc"),  # an overlong "<"
)


def outcome(read: Any, data: bytes) -> tuple[str, Any]:
    """``("model", m)`` or ``("error", ExceptionType)``."""
    try:
        return "model", read(data)
    except Exception as exc:
        return "error", type(exc)


def plain(data: bytes) -> Any:
    return decoding.decode_plain(data, None, None, decoding.DEFAULT_MAX_SIZE)


def tree(data: bytes) -> Any:
    return decoding.decode_tree(data, None, None, decoding.DEFAULT_MAX_SIZE)


def assert_agree(data: bytes) -> Any:
    """The plain path reads ``data`` only when the lxml path reads it, into the same model; ``decode`` ends alike."""
    expected = outcome(tree, data)
    fast = plain(data)
    if fast is not None:
        assert expected == ("model", fast), data
    assert outcome(decoding.decode, data) == expected
    return fast


@pytest.mark.parametrize("name", sorted(BASES))
def test_plain_documents_are_read_without_lxml(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    data = BASES[name]
    expected = decoding.decode(data)
    monkeypatch.setattr(decoding, "parse", None)  # the lxml path cannot run
    assert decoding.decode(data) == expected
    assert edi.decode(data) == expected


@pytest.mark.parametrize("count", [1, 10, 49])
def test_generated_lines_are_read_without_lxml(count: int, monkeypatch: pytest.MonkeyPatch) -> None:
    message = lines(count)
    data = encode(message)
    monkeypatch.setattr(decoding, "parse", None)
    assert decoding.decode(data) == message


@pytest.mark.parametrize("name", sorted(BASES))
def test_bases_agree(name: str) -> None:
    assert assert_agree(BASES[name]) is not None


@pytest.mark.parametrize("insert", INSERTS)
@pytest.mark.parametrize("name", sorted(BASES))
def test_each_insert_in_each_region_agrees(name: str, insert: str) -> None:
    """Each insert at fixed places: prolog, root start tag, a value, between elements, the signature, the epilog."""
    text = BASES[name].decode("utf-8-sig")
    marks = ["?>", "<ceb:CEB621Message", 'version="1.0">', "<ceb:itemName>", "</ceb:gname>", "<ds:SignedInfo", "BBBB"]
    places = {0, len(text)} | {text.find(mark) + k for mark in marks if mark in text for k in (0, 1, len(mark) - 1)}
    for place in sorted(p for p in places if 0 <= p <= len(text)):
        assert_agree((text[:place] + insert + text[place:]).encode("utf-8", "surrogatepass"))


@pytest.mark.parametrize(("old", "new"), REPLACEMENTS)
def test_each_replacement_agrees(old: bytes, new: bytes) -> None:
    changed = [data.replace(old, new, 1) for data in BASES.values() if old in data]
    assert changed
    for data in changed:
        assert_agree(data)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(sorted(BASES)),
    edits=st.lists(st.tuples(st.floats(0, 1), st.sampled_from(INSERTS), st.integers(0, 3)), min_size=1, max_size=3),
)
def test_random_inserts_and_cuts_agree(name: str, edits: list[tuple[float, str, int]]) -> None:
    """Inserts at random characters, optionally cutting a few characters there."""
    text = BASES[name].decode("utf-8-sig")
    for where, insert, cut in edits:
        place = int(where * len(text))
        text = text[:place] + insert + text[place + cut :]
    assert_agree(text.encode("utf-8", "surrogatepass"))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(sorted(BASES)), where=st.floats(0, 1), byte=st.integers(0, 255), cut=st.integers(0, 2))
def test_random_bytes_and_truncations_agree(name: str, where: float, byte: int, cut: int) -> None:
    """A random byte in a random place (invalid UTF-8 included), or the document cut short there."""
    data = BASES[name]
    place = int(where * len(data))
    assert_agree(data[:place] + bytes([byte]) + data[place + cut :])
    assert_agree(data[:place])


@pytest.mark.parametrize(
    "data",
    [
        BASES["compact"].replace(b"<ceb:gname>", b"<x:gname>").replace(b"</ceb:gname>", b"</x:gname>"),
        BASES["compact"].replace(b' version="1.0">', b' version="1.0" version="1.0">'),
        BASES["compact"].replace(b"<ds:SignedInfo>", b"<ds:SignedInfo><x:y/>"),
        BASES["compact"].replace(b"</ceb:CEB621Message>", b"</ceb:CEB621Message><ceb:CEB621Message/>"),
        BASES["compact"].replace(b"BBBB", b"BB&#0;BB"),
        BASES["compact"].replace(b"BBBB", "BB\uffffBB".encode()),
        BASES["compact"].replace(b"<ceb:gname>", b"<ceb:gname>]]>"),
        BASES["compact"].replace(b"<ceb:gname>", b"<ceb:gname>&nbsp;"),
        BASES["compact"].replace(b"<ceb:gname>", b"<ceb:gname>&#xD800;"),
        BASES["compact"].replace(b"<ceb:gname>", b"<ceb:gname>\x0c"),
        BASES["compact"].replace(b' version="1.0">', b' version="1.0" x:a="1">'),
        BASES["compact"].replace(b' version="1.0">', b' version="1.0" xmlns:x="">'),
        BASES["compact"].replace(b"</ceb:gname>", b"</ceb:gnam>"),
        BASES["compact"].replace(b' version="1.0">', b' version="1.0" xmlns:x="a b">'),
        BASES["compact"][:-1],
    ],
)
def test_what_the_lxml_path_refuses_is_refused(data: bytes) -> None:
    assert data != BASES["compact"]
    assert plain(data) is None
    with pytest.raises(DecodeError):
        edi.decode(data)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (b'version="1.0" encoding', b'version="1.1" encoding'),  # XML 1.1: lxml reads it, the plain path hands over
        (b"?>", b"?><!-- before -->"),
        (b"</ceb:CEB621Message>", b"</ceb:CEB621Message><?pi after?>"),
        (b"<ceb:gname>", b"<ceb:gname>&#65;"),
        (b' version="1.0">', b' version="1.0" xmlns:x="urn:x">'),  # an unused declaration
    ],
)
def test_other_well_formed_forms_read_alike(old: bytes, new: bytes) -> None:
    data = BASES["compact"].replace(old, new, 1)
    assert data != BASES["compact"]
    assert_agree(data)
    assert outcome(tree, data)[0] == "model"


def test_the_size_limit_holds() -> None:
    data = BASES["compact"]
    assert plain(data) is not None
    assert decoding.decode_plain(data, None, None, len(data) - 1) is None
    with pytest.raises(DecodeError, match="exceeds the limit"):
        edi.decode(data, max_size=len(data) - 1)


def test_a_model_other_than_the_root_is_left_to_the_lxml_path() -> None:
    data = BASES["compact"]
    assert decoding.decode_plain(data, imports.CEB311Message, None, decoding.DEFAULT_MAX_SIZE) is None
    with pytest.raises(DecodeError):
        edi.decode(data, model=imports.CEB311Message)


@pytest.mark.parametrize("key", samples.sample_keys())
def test_every_sample_agrees_and_no_family_decoder_wanted_it(key: str) -> None:
    """On the official samples, the plain path reads only documents the engine reads the same way, and none a
    family's own decoder (manifests) reads first: ``eport.edi.decode`` may try it before them."""
    data = samples.load(key).data
    fast = plain(data)
    if fast is None:
        return
    assert outcome(tree, data) == ("model", fast)
    assert edi.decode(data) == fast
    for family, decoder in hooks("decoder"):
        if family.marked(data):
            assert decoder(data, max_size=decoding.DEFAULT_MAX_SIZE, strict=True) is None


def test_the_plain_path_reads_most_official_samples() -> None:
    assert sum(plain(samples.load(key).data) is not None for key in samples.sample_keys()) >= 10


def test_threads_read_alike() -> None:
    """The slices are proved with one lxml parser per thread."""
    from concurrent.futures import ThreadPoolExecutor

    documents = list(BASES.values()) * 20
    expected = [plain(data) for data in documents]
    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(plain, documents)) == expected
    assert None not in expected


@pytest.mark.parametrize("edition", [None, "202205", "2018", "1999"])
def test_editions_agree(edition: str | None) -> None:
    """The plain path looks the root up in the edition asked for; an unknown edition is refused by the lxml path."""
    data = BASES["compact"]

    def both(read: Any) -> tuple[str, Any]:
        return outcome(lambda d: read(d, None, edition, decoding.DEFAULT_MAX_SIZE), data)

    expected = both(decoding.decode_tree)
    fast = decoding.decode_plain(data, None, edition, decoding.DEFAULT_MAX_SIZE)
    assert fast is None if edition == "1999" else expected == ("model", fast)
    assert outcome(lambda d: edi.decode(d, edition=edition), data) == expected
