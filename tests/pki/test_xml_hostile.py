"""Hostile XML against every parser in eport.pki: no DTD, no entity expansion (internal, external, parameter), no
network, no XInclude, ``huge_tree`` off, a size limit. Each attack is a real document; the assertions are the typed
error and that the secret content never appears in a result or an exception."""

from __future__ import annotations

import http.server
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from eport.errors import ConfigurationError, EportError, InvalidSignature
from eport.pki import PinnedCertificate, VerifyConfig, sign_ceb, sign_enveloped, verify_enveloped
from eport.pki.testing import TestChain
from eport.pki.xmldsig import remove_signature
from eport.pki.xmlsafe import parse_xml

SECRET = "eport-secret-7f3a9c1e"  # the content of the file the attacks try to read


@pytest.fixture(scope="module")
def secret_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("hostile") / "secret.txt"
    path.write_text(SECRET)
    # the classic parameter-entity attack: an external DTD that declares an entity holding the file's content
    (path.parent / "evil.dtd").write_text(
        f'<!ENTITY % file SYSTEM "{path.as_uri()}"><!ENTITY % all "<!ENTITY x \'%file;\'>">%all;'
    )
    return path


class Recorder(http.server.BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        Recorder.hits.append(self.path)
        body = f'<!ENTITY leak "{SECRET}">'.encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def http_server() -> Iterator[tuple[str, list[str]]]:
    """A loopback HTTP server that records every request (there must be none)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Recorder.hits = []
    yield f"http://127.0.0.1:{server.server_address[1]}", Recorder.hits
    server.shutdown()
    thread.join(timeout=5)


def hostile_documents(secret: Path, url: str) -> dict[str, bytes]:
    uri = secret.as_uri()
    entities = ['<!ENTITY l0 "lol">'] + [f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10)]
    ns = 'xmlns="http://www.chinaport.gov.cn/ceb"'
    return {
        "billion-laughs": (f"<!DOCTYPE r [{''.join(entities)}]><r {ns}>&l9;</r>").encode(),
        "external-entity-file": f'<!DOCTYPE r [<!ENTITY x SYSTEM "{uri}">]><r {ns}>&x;</r>'.encode(),
        "external-entity-passwd": f'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r {ns}>&x;</r>'.encode(),
        "external-entity-http": f'<!DOCTYPE r [<!ENTITY x SYSTEM "{url}/x">]><r {ns}>&x;</r>'.encode(),
        "parameter-entity-file": (
            f'<!DOCTYPE r [<!ENTITY % d SYSTEM "{(secret.parent / "evil.dtd").as_uri()}">%d;]><r {ns}>&x;</r>'
        ).encode(),
        "parameter-entity-http": f'<!DOCTYPE r [<!ENTITY % p SYSTEM "{url}/p.dtd">%p;]><r {ns}>&leak;</r>'.encode(),
        "external-dtd-http": f'<!DOCTYPE r SYSTEM "{url}/r.dtd"><r {ns}>&leak;</r>'.encode(),
        "external-dtd-file": f'<!DOCTYPE r SYSTEM "{uri}"><r {ns}/>'.encode(),
        "entity-in-attribute": f'<!DOCTYPE r [<!ENTITY x SYSTEM "{uri}">]><r {ns} a="&x;"/>'.encode(),
        "doctype-only": f"<!DOCTYPE r><r {ns}/>".encode(),
    }


def describe(exc: BaseException) -> str:
    return f"{exc}\n{exc!r}\n" + "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))


def _operations(chain: TestChain) -> dict[str, tuple[Callable[[bytes], object], type[EportError]]]:
    return {
        "parse_xml": (parse_xml, ConfigurationError),
        "sign_enveloped": (lambda xml: sign_enveloped(xml, chain.signer()), ConfigurationError),
        "sign_ceb": (lambda xml: sign_ceb(xml, chain.signer()), ConfigurationError),
        "remove_signature": (remove_signature, ConfigurationError),
        "verify_enveloped": (
            lambda xml: verify_enveloped(xml, trust=PinnedCertificate(chain.leaf)),
            InvalidSignature,
        ),
    }


CASES = [
    "billion-laughs",
    "external-entity-file",
    "external-entity-passwd",
    "external-entity-http",
    "parameter-entity-file",
    "parameter-entity-http",
    "external-dtd-http",
    "external-dtd-file",
    "entity-in-attribute",
    "doctype-only",
]
OPERATIONS = ["parse_xml", "sign_enveloped", "sign_ceb", "remove_signature", "verify_enveloped"]


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize("case", CASES)
def test_hostile_document_is_refused(
    case: str,
    operation: str,
    rsa_chain: TestChain,
    secret_file: Path,
    http_server: tuple[str, list[str]],
) -> None:
    url, hits = http_server
    document = hostile_documents(secret_file, url)[case]
    call, error = _operations(rsa_chain)[operation]
    with pytest.raises(error) as info:
        call(document)
    text = describe(info.value)
    assert SECRET not in text
    assert "root:x:0:0" not in text
    assert hits == [], f"the parser fetched {hits}"


def test_the_attacks_work_on_a_permissive_parser(secret_file: Path, http_server: tuple[str, list[str]]) -> None:
    """Control: the file attacks do leak through an unhardened lxml parser, so the tests above can fail.

    (The network attacks cannot be shown this way with the libxml2 lxml bundles today: 2.14 has no HTTP client.
    ``no_network=True`` and the recording server keep eport safe on builds that still have one.)
    """
    from lxml import etree

    url, _ = http_server
    documents = hostile_documents(secret_file, url)
    permissive = etree.XMLParser(resolve_entities=True, load_dtd=True, no_network=False)
    assert etree.fromstring(documents["external-entity-file"], permissive).text == SECRET
    leaked = etree.fromstring(documents["parameter-entity-file"], permissive)
    assert leaked.text == SECRET


def test_billion_laughs_is_refused_quickly(rsa_chain: TestChain, secret_file: Path) -> None:
    """No expansion happens: 10^9 'lol's would take minutes and gigabytes; refusing is immediate."""
    document = hostile_documents(secret_file, "http://127.0.0.1:9")["billion-laughs"]
    start = time.perf_counter()
    with pytest.raises(ConfigurationError):  # libxml2's amplification guard or eport's DOCTYPE refusal
        parse_xml(document)
    assert time.perf_counter() - start < 1.0


def test_xinclude_is_never_processed(rsa_chain: TestChain, secret_file: Path) -> None:
    """An ``xi:include`` is plain content: signed and verified as written, the file is never read in."""
    document = (
        '<r xmlns="urn:x" xmlns:xi="http://www.w3.org/2001/XInclude">'
        f'<xi:include href="{secret_file.as_uri()}" parse="text"/>'
        '<xi:include href="file:///etc/passwd" parse="text"/></r>'
    ).encode()
    signed = sign_enveloped(document, rsa_chain.signer())
    result = verify_enveloped(signed, trust=PinnedCertificate(rsa_chain.leaf))
    for text in (signed, result.signed_xml, remove_signature(signed), parse_xml(document).getroot().xpath("string()")):
        assert (SECRET.encode() if isinstance(text, bytes) else SECRET) not in text
    assert b"root:x:0:0" not in signed
    assert result.root.find("{http://www.w3.org/2001/XInclude}include") is not None


def test_size_limit(rsa_chain: TestChain) -> None:
    document = b"<r>" + b"a" * 2000 + b"</r>"
    with pytest.raises(ConfigurationError, match="larger than 1000 bytes"):
        parse_xml(document, max_size=1000)
    with pytest.raises(ConfigurationError, match="larger than 1000 bytes"):
        sign_enveloped(document, rsa_chain.signer(), max_size=1000)
    with pytest.raises(InvalidSignature, match="larger than 1000 bytes"):
        verify_enveloped(document, trust=PinnedCertificate(rsa_chain.leaf), config=VerifyConfig(max_size=1000))


def test_huge_tree_is_off() -> None:
    """libxml2's safety limits stay on: a text node above 10 MB and nesting deeper than 256 levels are refused."""
    with pytest.raises(ConfigurationError, match="not well-formed"):
        parse_xml(b"<r>" + b"a" * 10_000_001 + b"</r>")
    with pytest.raises(ConfigurationError, match="not well-formed"):
        parse_xml(b"<a>" * 300 + b"</a>" * 300)
    assert parse_xml(b"<a>" * 200 + b"</a>" * 200).getroot().tag == "a"


def test_text_is_required_not_str() -> None:
    with pytest.raises(ConfigurationError, match="bytes"):
        parse_xml("<r/>")  # type: ignore[arg-type]
