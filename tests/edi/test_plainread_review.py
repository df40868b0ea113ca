"""Review of the plain decode path (#14): documents and inputs it mishandled, each checked against the lxml path."""

from __future__ import annotations

import time

import pytest

from eport.edi.core import decoding, textread
from eport.errors import DecodeError
from tests.edi.test_plainread import BASES, assert_agree, plain, tree

SIGNED_INFO = (
    b'<ds:SignedInfo><ds:Reference URI=""><ds:DigestValue>AAAA</ds:DigestValue></ds:Reference></ds:SignedInfo>'
)


def nested_signature(depth: int) -> bytes:
    inner = b"<ds:SignedInfo>" + b"<ds:X>" * depth + b"</ds:X>" * depth + b"</ds:SignedInfo>"
    data = BASES["compact"].replace(SIGNED_INFO, inner)
    assert data != BASES["compact"]
    return data


@pytest.mark.parametrize("depth", [250, 253, 254, 255])
def test_a_signature_too_deep_for_the_document_is_refused(depth: int) -> None:
    """libxml2 refuses elements deeper than 256 in the document; the slice alone is less deep than in place."""
    assert_agree(nested_signature(depth))
    if depth >= 254:
        assert plain(nested_signature(depth)) is None
        with pytest.raises(DecodeError, match="depth"):
            decoding.decode(nested_signature(depth))


@pytest.mark.parametrize("space", ["\u1680", "\u2000", "\u3000", "\x85", "\xa0"])
def test_unicode_spaces_are_no_xml_whitespace_in_tags(space: str) -> None:
    """U+1680 is a name character in XML and whitespace to Python's ``\\s``: ``<ds:Signature\u1680>`` is another
    element, unknown to the model, never a signature."""
    data = (
        BASES["compact"]
        .decode()
        .replace("<ds:Signature ", f"<ds:Signature{space} ")
        .replace("</ds:Signature>", f"</ds:Signature{space}>")
        .encode()
    )
    assert plain(data) is None
    with pytest.raises(DecodeError):
        decoding.decode(data)


def with_prefix(prefix: str) -> bytes:
    data = BASES["compact"]
    return data.replace(b"ceb:", prefix.encode() + b":").replace(b"xmlns:ceb=", b"xmlns:" + prefix.encode() + b"=")


def cpu(call: object) -> float:
    start = time.process_time()
    call()  # type: ignore[operator]
    return time.process_time() - start


def test_a_long_prefix_costs_no_regex_compilation() -> None:
    """A 2000-character prefix in every tag made both paths compile readers from it: seconds for 300 KB."""
    data = with_prefix("P" * 2000)
    assert cpu(lambda: decoding.decode(data)) < 0.2
    assert tree(data) == decoding.decode(with_prefix("ceb"))


def test_new_prefixes_are_compiled_a_bounded_number_of_times() -> None:
    """An attacker rotating prefixes made each document compile the readers (13 ms against 0.05 ms)."""
    before = textread._compile.cache_info().currsize
    for n in range(3 * textread.MAX_PREFIX_SETS):
        assert_agree(with_prefix(f"rot{n}"))
    assert textread._compile.cache_info().currsize - before <= 8 * textread.MAX_PREFIX_SETS
    assert plain(with_prefix("ceb")) is not None  # the usual prefixes stay on the plain path


def test_large_declarations_are_not_kept_in_caches() -> None:
    """Each set of root declarations was a cache key: distinct megabyte namespace names were kept, 1024 of them."""
    uri = "urn:x" + "a" * 100_000
    data = BASES["compact"].replace(b' version="1.0">', f' version="1.0" xmlns:x="{uri}">'.encode(), 1)
    caches = (textread._proved_declarations, textread._cached_reader)
    before = [cache.cache_info().currsize for cache in caches]
    assert plain(data) is not None
    assert assert_agree(data) is not None
    assert [cache.cache_info().currsize for cache in caches] == before


def test_a_long_element_name_where_a_signature_may_be_is_cheap() -> None:
    """The slicer compiled a regular expression from the element's name: a second for a 1 MB name."""
    name = "ds:" + "S" * 500_000
    data = (
        BASES["compact"]
        .replace(b"<ds:Signature ", f"<{name} ".encode())
        .replace(b"</ds:Signature>", f"</{name}>".encode())
    )
    assert cpu(lambda: plain(data)) < 0.1
    with pytest.raises(DecodeError):
        decoding.decode(data)
