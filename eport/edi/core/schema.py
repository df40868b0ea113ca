"""XSD validation with the official schemas packaged with eport (``eport/edi/schemas/<edition>/``).

Schemas are compiled once per edition and kind by an ``lru_cache``d loader of immutable package data. Loading never
touches the network: includes and imports are served from the package by a resolver, and the parser has
``no_network=True`` and ``load_dtd=False``.
"""

from __future__ import annotations

import base64
import binascii
import csv
import functools
import io
import logging
import re
from collections.abc import Iterable, Mapping
from importlib import resources
from typing import Any

from lxml import etree

from eport.edi.core import safexml as _xml
from eport.edi.core.report import Problem, Severity
from eport.errors import ConfigurationError

logger = logging.getLogger(__name__)

CEB_NS = "http://www.chinaport.gov.cn/ceb"
DXP_NS = "http://www.chinaport.gov.cn/dxp"
DS_NS = "http://www.w3.org/2000/09/xmldsig#"
XS_NS = "http://www.w3.org/2001/XMLSchema"

#: Prefixes used in problem paths, whatever prefixes the document itself uses.
PREFIXES: Mapping[str, str] = {CEB_NS: "ceb", DXP_NS: "dxp", DS_NS: "ds"}

#: Schema editions packaged with eport; ``"202205"`` is the default.
EDITIONS: Mapping[str, str] = {"202205": "ceb202205", "2018": "ceb2018"}
DEFAULT_EDITION = "202205"

#: Schema files by kind.
SCHEMA_FILES: Mapping[str, str] = {
    "import": "ceb-import.xsd",
    "export": "ceb-export.xsd",
    "dxp-terminal": "dxp-terminal.xsd",
    "dxp-transfer": "dxp-transfer.xsd",
}

#: Largest document eport validates, in bytes: the decoders' limit (50 MiB), so that validation and decoding refuse
#: the same documents with the same error.
MAX_DOCUMENT_BYTES = _xml.DEFAULT_MAX_SIZE

_SCHEME = "eport-schema"


def edition_folder(edition: str) -> str:
    """Return the package folder of a schema edition.

    Raises:
        ConfigurationError: for an edition eport does not ship.
    """
    try:
        return EDITIONS[edition]
    except KeyError:
        raise ConfigurationError(f"unknown schema edition {edition!r}; choose one of {', '.join(EDITIONS)}") from None


def _schema_bytes(folder: str, name: str) -> bytes:
    return resources.files("eport.edi").joinpath("schemas").joinpath(folder).joinpath(name).read_bytes()


class _PackageResolver(etree.Resolver):
    """Serve ``xs:include``/``xs:import`` targets from the package; refuse anything else."""

    def __init__(self, folder: str) -> None:
        super().__init__()
        self._folder = folder

    def resolve(self, system_url: str, public_id: str, context: Any) -> Any:  # type: ignore[override]
        name = (system_url or "").rsplit("/", 1)[-1]
        if name in SCHEMA_FILES.values() or name == "xmldsig-core-schema.xsd":
            return self.resolve_string(_schema_bytes(self._folder, name), context, base_url=f"{_SCHEME}:/{name}")
        logger.warning("refused to resolve %r while loading schemas", system_url)
        return self.resolve_string(b"", context, base_url=f"{_SCHEME}:/refused")


def _safe_parser(resolver: etree.Resolver | None = None) -> etree.XMLParser:
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False
    )
    if resolver is not None:
        parser.resolvers.add(resolver)
    return parser


@functools.lru_cache(maxsize=16)
def schema(edition: str, kind: str) -> etree.XMLSchema:
    """Return the compiled official schema of ``kind`` (``"import"``, ``"export"``, ``"dxp-terminal"``,
    ``"dxp-transfer"``) for ``edition``.

    Raises:
        ConfigurationError: for an unknown edition or kind.
    """
    folder = edition_folder(edition)
    if kind not in SCHEMA_FILES:
        raise ConfigurationError(f"unknown schema kind {kind!r}; choose one of {', '.join(SCHEMA_FILES)}")
    name = SCHEMA_FILES[kind]
    parser = _safe_parser(_PackageResolver(folder))
    doc = etree.fromstring(_schema_bytes(folder, name), parser, base_url=f"{_SCHEME}:/{name}")
    return etree.XMLSchema(etree.ElementTree(doc))


@functools.lru_cache(maxsize=4)
def _schema_trees(edition: str) -> tuple[etree._Element, ...]:
    folder = edition_folder(edition)
    names = [*SCHEMA_FILES.values()]
    return tuple(etree.fromstring(_schema_bytes(folder, n), _safe_parser()) for n in names)


@functools.lru_cache(maxsize=4)
def root_kinds(edition: str) -> Mapping[tuple[str, str], str]:
    """Map ``(namespace, root local name)`` of every message root to its schema kind, for ``edition``."""
    kinds: dict[tuple[str, str], str] = {}
    for kind, tree in zip(SCHEMA_FILES, _schema_trees(edition), strict=True):
        namespace = tree.get("targetNamespace") or ""
        for child in tree.iterchildren(f"{{{XS_NS}}}element"):
            name = child.get("name")
            if name and (name.startswith("CEB") or name.startswith("Dxp")):
                kinds.setdefault((namespace, name), kind)
    return kinds


@functools.lru_cache(maxsize=4)
def field_docs(edition: str) -> Mapping[tuple[str, str], str]:
    """Map ``(parent element, element)`` local names to the schema annotation (the Chinese field name).

    ``("", name)`` keys hold the first annotation seen for ``name`` anywhere, used as a fallback.
    """
    docs: dict[tuple[str, str], str] = {}
    doc_path = f"{{{XS_NS}}}annotation/{{{XS_NS}}}documentation"
    for tree in _schema_trees(edition):
        for element in tree.iter(f"{{{XS_NS}}}element", f"{{{XS_NS}}}attribute"):
            name = element.get("name")
            text = element.findtext(doc_path)
            if not name or not text:
                continue
            text = " ".join(text.split())
            parent = next(
                (a.get("name", "") for a in element.iterancestors(f"{{{XS_NS}}}element") if a.get("name")), ""
            )
            if element.tag == f"{{{XS_NS}}}attribute":
                name = "@" + name
            docs.setdefault((parent, name), text)
            docs.setdefault(("", name), text)
    return docs


@functools.lru_cache(maxsize=1)
def field_names() -> Mapping[str, str]:
    """Chinese field names of CEB element tags from the specification's field tables (``gnum`` → ``序号``)."""
    text = resources.files("eport.edi").joinpath("data").joinpath("ceb-field-names-202205.csv").read_text("utf-8")
    return {row["tag"]: row["name"] for row in csv.DictReader(io.StringIO(text))}


def describe(edition: str, parent: str, name: str) -> str:
    """Return ``name`` followed by its Chinese field name, e.g. ``"orderNo 订单编号"``.

    The name comes from the specification's field tables, else from the schema annotation (first clause).
    """
    chinese = field_names().get(name)
    if chinese:
        return f"{name} {chinese}"
    docs = field_docs(edition)
    text = docs.get((parent, name)) or docs.get(("", name))
    if not text:
        return name
    short = re.split(r"[，,。（(：:;；]", text, maxsplit=1)[0].strip() or text
    return f"{name} {short[:40]}"


def parse(data: bytes, *, max_bytes: int = MAX_DOCUMENT_BYTES) -> etree._Element:
    """Parse untrusted bytes safely (:func:`eport.edi.core.safexml.parse`: no DTD, no entities, no network, bounded).

    Raises:
        DecodeError: when the bytes are too large, not well-formed, or carry a DOCTYPE.
    """
    return _xml.parse(data, max_size=max_bytes)


def local_name(element: etree._Element) -> str:
    """Local name of an element."""
    return etree.QName(element).localname


def element_path(element: etree._Element) -> str:
    """The problem path of an element: canonical prefixes, ``[n]`` only where same-named siblings exist."""
    steps = []
    node: etree._Element | None = element
    while node is not None:
        qname = etree.QName(node)
        prefix = PREFIXES.get(qname.namespace or "")
        step = f"{prefix}:{qname.localname}" if prefix else qname.localname
        parent = node.getparent()
        if parent is not None:
            same = [s for s in parent.iterchildren(node.tag)]
            if len(same) > 1:
                step += f"[{same.index(node) + 1}]"
        steps.append(step)
        node = parent
    return "/" + "/".join(reversed(steps))


def root_problems(root: etree._Element, edition: str) -> tuple[list[Problem], str | None, str]:
    """Check the root element: returns problems, the schema kind (``None`` if unknown) and the expected root name.

    A root such as ``ceb:CEB214`` (the official CEB214 sample) is reported as misnamed, and the kind of the
    intended root ``CEB214Message`` is returned so that the content can still be checked.
    """
    qname = etree.QName(root)
    namespace, name = qname.namespace or "", qname.localname
    kinds = root_kinds(edition)
    if (namespace, name) in kinds:
        return [], kinds[(namespace, name)], name
    path = element_path(root)
    if namespace not in {ns for ns, _ in kinds}:  # DecMessage, manifests …: no official schema is packaged
        note = f"no official schema is packaged for {{{namespace}}}{name}: only the rules were checked"
        return [Problem(path, "no-schema", note, Severity.INFO)], None, name
    problems = []
    intended = name + "Message" if re.fullmatch(r"CEB\d{3}", name) else None
    if intended and (namespace, intended) in kinds:
        problems.append(
            Problem(
                path,
                "root-misnamed",
                f"root {PREFIXES.get(namespace, '')}:{name} is misnamed: the schema's root is "
                f"ceb:{intended} ({describe(edition, '', intended)})",
            )
        )
        return problems, kinds[(namespace, intended)], intended
    known = sorted(n for ns, n in kinds if ns == namespace)
    hint = f"; known roots in this namespace: {', '.join(known[:6])}…" if known else ""
    problems.append(Problem(path, "unknown-root", f"root {{{namespace}}}{name} is not a known message{hint}"))
    return problems, None, name


_CODES: Mapping[str, str] = {
    "SCHEMAV_CVC_MAXLENGTH_VALID": "xsd-max-length",
    "SCHEMAV_CVC_MINLENGTH_VALID": "xsd-min-length",
    "SCHEMAV_CVC_LENGTH_VALID": "xsd-length",
    "SCHEMAV_CVC_PATTERN_VALID": "xsd-pattern",
    "SCHEMAV_CVC_ENUMERATION_VALID": "xsd-enumeration",
    "SCHEMAV_CVC_TOTALDIGITS_VALID": "xsd-total-digits",
    "SCHEMAV_CVC_FRACTIONDIGITS_VALID": "xsd-fraction-digits",
    "SCHEMAV_CVC_MININCLUSIVE_VALID": "xsd-min-inclusive",
    "SCHEMAV_CVC_MAXINCLUSIVE_VALID": "xsd-max-inclusive",
    "SCHEMAV_CVC_DATATYPE_VALID_1_2_1": "xsd-datatype",
    "SCHEMAV_CVC_COMPLEX_TYPE_4": "xsd-missing-attribute",
    "SCHEMAV_CVC_COMPLEX_TYPE_3_2_1": "xsd-unexpected-attribute",
    "SCHEMAV_CVC_COMPLEX_TYPE_3_2_2": "xsd-unexpected-attribute",
    "SCHEMAV_CVC_ELT_1": "xsd-unknown-root",
    "SCHEMAV_CVC_AU": "xsd-fixed-attribute",
    "SCHEMAV_CVC_ELT_5_2_2_2_2": "xsd-fixed-value",
    "SCHEMAV_CVC_TYPE_3_1_1": "xsd-unexpected-attribute",  # an attribute on an element of simple type
    "SCHEMAV_CVC_TYPE_3_1_2": "xsd-content",  # element children in an element of simple type
}
# Follow-up errors libxml2 emits after a facet error on the same value: they add nothing there; alone they are kept.
# (An attribute on, or a child in, an element of simple type, CVC_TYPE_3_1_1/2, is a fact of its own, logged before
# the facet errors it causes: always reported.)
_CONSEQUENTIAL = frozenset({"SCHEMAV_CVC_ATTRIBUTE_3"})
_QNAME_RE = re.compile(r"\{([^}]*)\}([\w.-]+)")
# libxml2 names the attribute of an attribute-value error in the message only: "Element 'x', attribute 'guid': …".
_ATTRIBUTE_RE = re.compile(r"Element '[^']+', attribute '([^']+)':")


def _short_names(text: str) -> str:
    def repl(match: re.Match[str]) -> str:
        prefix = PREFIXES.get(match.group(1))
        return f"{prefix}:{match.group(2)}" if prefix else match.group(2)

    return _QNAME_RE.sub(repl, text)


def _problem(entry: etree._LogEntry, document: etree._Element, edition: str) -> Problem:
    element: etree._Element | None = None
    if entry.path:
        try:
            found = document.getroottree().xpath(entry.path, namespaces=_nsmap(document))
        except etree.XPathError:
            found = None
        if isinstance(found, list) and found and isinstance(found[0], etree._Element):
            element = found[0]
    path = element_path(element) if element is not None else _short_names(entry.path or "/")
    message = _short_names(entry.message).strip()
    code = _CODES.get(entry.type_name, "xsd")
    name = ""
    if element is not None:
        parent = element.getparent()
        name = describe(edition, local_name(parent) if parent is not None else "", local_name(element))
    if entry.type_name == "SCHEMAV_ELEMENT_CONTENT":
        if "not expected" in message and element is not None:
            earlier = [s for s in element.itersiblings(element.tag, preceding=True)]
            if earlier:
                code = "xsd-duplicate-element"
                message = f"duplicate {name}: the schema allows no further occurrence here. {message}"
            else:
                code = "xsd-unexpected-element"
                expected = re.search(r"Expected is \( (?:\w+:)?([\w.-]+) \)", message)
                if expected:
                    wanted = describe(edition, local_name(parent) if parent is not None else "", expected.group(1))
                    message = f"{name} found where the schema expects {wanted}. {message}"
                else:
                    message = f"{name}: {message}"
        elif "Missing child element" in message:
            code = "xsd-missing-element"
            message = f"{name}: {message}" if name else message
        else:
            code = "xsd-content"
    elif element is not None and (attribute := _ATTRIBUTE_RE.match(message)):
        # the exact path of the fact: the attribute, not its element (``/ceb:CEB311Message/@guid``)
        path = f"{path}/@{attribute.group(1)}"
        message = f"{describe(edition, local_name(element), attribute.group(1))}: {message}"
    elif name:
        message = f"{name}: {message}"
    return Problem(path, code, message, Severity.ERROR)


def _nsmap(document: etree._Element) -> dict[str, str]:
    namespaces: dict[str, str] = {}
    for node in document.iter():
        for prefix, uri in (node.nsmap or {}).items():
            if prefix and prefix not in namespaces:
                namespaces[prefix] = uri
    return namespaces


def xsd_problems(document: etree._Element, edition: str = DEFAULT_EDITION) -> list[Problem]:
    """Validate a parsed document with the official schema chosen by its root; return every problem.

    A misnamed root (``ceb:CEB214``) is reported and the content is then validated under the intended root name,
    so the remaining problems are reported too.
    """
    problems, kind, intended = root_problems(document, edition)
    if kind is None:
        return problems
    target = document
    if intended != local_name(document):
        target = etree.fromstring(etree.tostring(document), _safe_parser())
        target.tag = etree.QName(etree.QName(document).namespace, intended).text
    compiled = schema(edition, kind)
    if compiled.validate(target):
        problems.extend(_base64_problems(document, edition, problems))
        return problems
    original = element_path(document)
    renamed = element_path(target)
    entries: list[etree._LogEntry] = list(compiled.error_log)  # type: ignore[call-overload]  # lxml-stubs: _ErrorLog is iterable
    primary = {(e.path, e.line) for e in entries if e.type_name not in _CONSEQUENTIAL}
    for entry in entries:
        if entry.type_name in _CONSEQUENTIAL and (entry.path, entry.line) in primary:
            continue
        problem = _problem(entry, target, edition)
        if renamed != original and problem.path.startswith(renamed):
            problem = Problem(original + problem.path[len(renamed) :], problem.code, problem.message, problem.severity)
        problems.append(problem)
    problems.extend(_base64_problems(document, edition, problems))
    return problems


_DS = "{http://www.w3.org/2000/09/xmldsig#}"
#: The elements of the signature schema typed xs:base64Binary (or derived from it).
_BASE64_TAGS = tuple(
    _DS + name
    for name in (
        "SignatureValue", "DigestValue", "X509Certificate", "X509SKI", "X509CRL", "Modulus", "Exponent", "P", "Q",
        "G", "Y", "J", "Seed", "PgenCounter", "PGPKeyID", "PGPKeyPacket",
    )
)  # fmt: skip


_BASE64_DIGITS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def _is_base64(text: str) -> bool:
    """True when ``text`` less its XML whitespace is base64: the alphabet, groups of four, padding at the end only.

    The verdict of ``base64.b64decode(…, validate=True)`` (``tests/edi/test_rules_speedups.py`` compares them).
    Canonical base64 (the alphabet, then exactly the padding the last group needs), which every signature holds,
    is recognised with two ``bytes.translate`` calls (3 µs instead of 5.6 µs for the values of a signature with
    its certificate); anything else is left to ``b64decode``, whose treatment of surplus padding has changed
    between Python versions.
    """
    if not text.isascii():
        return False
    raw = text.encode("ascii").translate(None, b" \t\r\n")
    digits = raw.rstrip(b"=")
    padding = len(raw) - len(digits)
    if not digits.translate(None, _BASE64_DIGITS) and padding == (0, None, 2, 1)[len(digits) % 4]:
        return True
    try:
        base64.b64decode(raw, validate=True)
    except (ValueError, binascii.Error):
        return False
    return True


_STRING = etree.XPath("string()", smart_strings=False)


def _base64_problems(document: etree._Element, edition: str, reported: list[Problem]) -> list[Problem]:
    """What libxml2 lets through in xs:base64Binary values: it skips characters outside the alphabet, so
    ``<ds:SignatureValue>!!!</ds:SignatureValue>`` passes its check. Only the signature's values are base64 in the
    packaged schemas besides the DXP ``Data``, which eport's envelope reader refuses when it is not base64. A value
    the schema check already reported (a length that is no multiple of four) is not reported twice."""
    problems = []
    values = (v for s in document.iterchildren(_DS + "Signature") for v in s.iter(_BASE64_TAGS))  # where schemas put it
    for element in values:
        text = (element.text or "") if len(element) == 0 else str(_STRING(element))  # a comment is a child
        if not _is_base64(text) and not any(p.path == element_path(element) for p in reported):
            parent = element.getparent()
            name = describe(edition, local_name(parent) if parent is not None else "", local_name(element))
            note = f"{name}: {text[:40]!r} is not a valid value of xs:base64Binary"
            problems.append(Problem(element_path(element), "xsd-datatype", note, Severity.ERROR))
    return problems


def dedupe(problems: Iterable[Problem]) -> list[Problem]:
    """Drop exact duplicate problems, keeping order."""
    seen: set[Problem] = set()
    result = []
    for problem in problems:
        if problem not in seen:
            seen.add(problem)
            result.append(problem)
    return result


__all__ = [
    "DEFAULT_EDITION",
    "EDITIONS",
    "MAX_DOCUMENT_BYTES",
    "PREFIXES",
    "describe",
    "element_path",
    "field_docs",
    "parse",
    "root_kinds",
    "schema",
    "xsd_problems",
]
