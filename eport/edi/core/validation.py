"""Validation of customs messages: the official XSD of the chosen edition, then the rules the schema cannot express.

:func:`validate` takes a model, :func:`validate_bytes` a raw document (used by ``eport edi validate`` so that a
file that only decodes leniently still reports every problem). Both return a
:class:`~eport.edi.core.report.ValidationReport`; each :class:`~eport.edi.core.report.Problem` carries a path in the
form ``/ceb:CEB621Message/ceb:Inventory[2]/ceb:InventoryList/ceb:gnum`` (``[n]`` only where siblings of the same name
exist), a stable code, a severity and an English message with the Chinese field name.

XSD problem codes start with ``xsd-`` (``xsd-max-length``, ``xsd-unexpected-element``, ``xsd-duplicate-element``,
``xsd-missing-element`` …); root checks give ``root-misnamed`` and ``unknown-root``; a document the schema accepts
but eport cannot read gives ``not-decodable`` (what it could not check is not reported valid); business rules are
listed in :mod:`eport.edi.ceb.rules`. Rules plug in per message family (:mod:`eport.edi.core.rules`).
"""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Callable, Iterable
from typing import Any

import attrs
from lxml import etree

from eport.edi.core import dispatch as _dispatch
from eport.edi.core import registry
from eport.edi.core.family import Family, load
from eport.edi.core.report import Problem, Severity, ValidationReport
from eport.edi.core.rules import Rule, RuleContext, rules_for
from eport.edi.core.schema import (
    DEFAULT_EDITION,
    EDITIONS,
    MAX_DOCUMENT_BYTES,
    dedupe,
    edition_folder,
    element_path,
    parse,
    xsd_problems,
)
from eport.edi.core.spec import spec_of
from eport.edi.core.walk import root_path, walk
from eport.errors import DecodeError, EncodeError, UnknownMessageError

logger = logging.getLogger(__name__)


def edition_of(message: Any, default: str = DEFAULT_EDITION) -> str:
    """The schema edition a model class was generated from (its module's ``EDITION``), else ``default``."""
    module = sys.modules.get(type(message).__module__)
    edition = getattr(module, "EDITION", None)
    return edition if isinstance(edition, str) else default


def _rule_problems(message: Any, edition: str, extra: Iterable[Rule]) -> list[Problem]:
    spec = spec_of(message)
    context = RuleContext(edition=edition, root=root_path(message), nodes=tuple(walk(message)))
    problems: list[Problem] = []
    for rule in (*rules_for(spec.family), *extra):
        try:
            problems.extend(rule(message, context))
        except Exception as exc:  # a rule that cannot cope with this (leniently decoded) message
            name = getattr(rule, "__qualname__", repr(rule))
            logger.warning("rule %s failed on %s: %r", name, spec.tag, exc)
            problems.append(Problem(context.root, "rule-failed", f"rule {name} could not run: {exc!r}"))
    return problems


#: Schema problems about a value's form; a rule reporting on the same path says the same thing with more meaning.
_XSD_VALUE_CODES = frozenset(
    {
        "xsd-max-length",
        "xsd-min-length",
        "xsd-length",
        "xsd-pattern",
        "xsd-enumeration",
        "xsd-total-digits",
        "xsd-fraction-digits",
        "xsd-min-inclusive",
        "xsd-max-inclusive",
        "xsd-datatype",
    }
)


#: Rule problems that restate what the schema says of a value's form, with more meaning. Only these, and only as
#: errors, replace the schema's value problem at their path: a warning (``line-total``) or a rule about another fact
#: (``header-total`` at ``goodsValue``) must not hide a schema error there.
_RESTATING_CODES = frozenset({"code-table", "time-format", "guid-format"})


def _one_per_fact(problems: list[Problem]) -> list[Problem]:
    """One problem per fact: drop a schema value problem (``xsd-length`` of an empty code, of a short time …) where
    a rule reports the same value as an error (``code-table``, ``time-format``, ``guid-format``)."""
    ruled = {p.path for p in problems if p.code in _RESTATING_CODES and p.severity is Severity.ERROR}
    return [p for p in problems if not (p.code in _XSD_VALUE_CODES and p.path in ruled)]


def _drop_covered(problems: list[Problem], message: Any) -> list[Problem]:
    """Drop the schema problems the family's rules report with more meaning (its ``drop_covered`` hook)."""
    drop = registry.hook(spec_of(message).family, "drop_covered")
    return problems if drop is None else list(drop(problems, message))


def validate(message: Any, *, edition: str | None = None, rules: Iterable[Rule] = ()) -> ValidationReport:
    """Validate a message model with the official XSD and the customs rules of its family.

    Args:
        message: any eport model (``CEB311Message``, ``DxpMsg`` …).
        edition: schema edition, ``"202205"`` or ``"2018"``; by default the edition the model was generated from.
        rules: extra rules (``rule(message, context) -> Iterable[Problem]``) run after the family's rules.

    Returns:
        Every problem found; ``report.ok`` is True when none is an error. For a ``DxpMsg``/``DxpMsgSv`` the XML
        payload is validated too (paths under ``/dxp:DxpMsg/dxp:Data``).

    Raises:
        ConfigurationError: for an unknown edition.
        TypeError: when ``message`` is not an eport model.
    """
    spec_of(message)
    edition = edition or edition_of(message)
    edition_folder(edition)
    problems: list[Problem] = []
    try:
        data = _dispatch.encode(message)  # manifests and envelopes are written by their family's codec
    except EncodeError as exc:
        problems.append(Problem(exc.path or root_path(message), "encode", str(exc)))
    else:
        try:
            document = parse(data)
            problems.extend(xsd_problems(document, edition))
            problems.extend(_edition_hint(document, edition, problems))
        except DecodeError as exc:  # larger than the one size limit: the problem validate_bytes reports too
            problems.append(Problem(root_path(message), "xml-syntax", str(exc)))
    extra = tuple(rules)
    problems.extend(_rule_problems(message, edition, extra))
    problems.extend(_payload_problems(message, edition, extra, MAX_DOCUMENT_BYTES))
    return ValidationReport.of(dedupe(_one_per_fact(_drop_covered(problems, message))))


#: Byte-order marks and the codec of the text after them, longest first (UTF-32 LE starts like UTF-16 LE).
_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


def _looks_like_xml(data: bytes) -> bool:
    """Whether ``data`` starts like an XML document: an optional byte-order mark, optional whitespace, then ``<``
    (a declaration, a comment or the root). Only a sniff: the parser decides whether it is well-formed."""
    head = bytes(data[:64])
    codec = "latin-1"
    for bom, name in _BOMS:
        if head.startswith(bom):
            head, codec = head[len(bom) :], name
            break
    return head.decode(codec, "ignore").lstrip(" \t\r\n").startswith("<")


def _payload_problems(message: Any, edition: str, rules: tuple[Rule, ...], max_size: int) -> list[Problem]:
    """The problems of the documents an envelope carries (its family's ``payloads`` hook), under the envelope's
    path; validated as raw documents, whatever their family. A payload that is not XML is a problem too."""
    payloads = registry.hook(spec_of(message).family, "payloads")
    if payloads is None:
        return []
    problems: list[Problem] = []
    for prefix, data in payloads(message):
        if not _looks_like_xml(data):
            note = f"the payload ({len(data)} bytes) is not an XML document, so it could not be validated"
            problems.append(Problem(prefix, "payload-not-xml", note))
            continue
        inner = validate_bytes(data, edition=edition, rules=rules, max_size=max_size)
        problems.extend(
            Problem(prefix + p.path if p.path.startswith("/") else prefix, p.code, p.message, p.severity) for p in inner
        )
    return problems


def _edition_hint(root: etree._Element, edition: str, problems: list[Problem]) -> list[Problem]:
    """When the schema of ``edition`` refuses the document and another edition's schema accepts it, say so.

    A hint (``edition-hint``, info), never a silent switch: under the chosen edition the errors stand.
    """
    if not any(p.code.startswith("xsd") and p.severity is Severity.ERROR for p in problems):
        return []
    for other in EDITIONS:
        if other == edition:
            continue
        if not [p for p in xsd_problems(root, other) if p.severity is Severity.ERROR]:
            note = (
                f'the document follows the {other} edition\'s schema: validate it with edition="{other}" '
                f"(eport edi validate --edition {other}), or bring it up to the {edition} edition"
            )
            return [Problem("/" + _root_step(root), "edition-hint", note, Severity.INFO)]
    return []


def validate_bytes(
    data: bytes, *, edition: str = DEFAULT_EDITION, rules: Iterable[Rule] = (), max_size: int = MAX_DOCUMENT_BYTES
) -> ValidationReport:
    """Validate a raw document: XSD, then the rules on the leniently decoded model.

    A document the schema accepts without a problem is not decoded when its family's ``clean_tree`` hook shows on
    the tree that the rules find nothing (CEB: :mod:`eport.edi.ceb.treecheck`); the report is the same, only
    cheaper. Extra ``rules`` always get the decoded model.

    A document that is not well-formed gives one ``xml-syntax`` problem; a misnamed root (``ceb:CEB214``) is
    reported and its content is still checked. A DXP envelope's XML payload is validated too, its problems'
    paths prefixed with ``/dxp:DxpMsg/dxp:Data``.

    Args:
        data: the document bytes.
        edition: schema edition, ``"202205"`` (default) or ``"2018"``.
        rules: extra rules run after the family's rules.
        max_size: largest accepted document in bytes.

    Returns:
        Every problem found.

    Raises:
        ConfigurationError: for an unknown edition.
    """
    edition_folder(edition)
    extra = tuple(rules)
    try:
        root = parse(data, max_bytes=max_size)
    except DecodeError as exc:
        where = f"line {exc.line}" if exc.line else "/"
        return ValidationReport.of([Problem(where, "xml-syntax", str(exc))])
    problems = xsd_problems(root, edition)
    problems.extend(_edition_hint(root, edition, problems))
    qname = etree.QName(root)
    envelope_family = _envelope_family(qname.namespace)
    if envelope_family is not None and envelope_family.envelope is not None:
        try:
            envelope = load(envelope_family.envelope)(data, max_bytes=max_size)
        except DecodeError as exc:  # the schema may accept what eport cannot read (CreatTime 24:00:00)
            problems.extend(_not_checked(root, exc, "its payload and the envelope's rules were not checked", problems))
        else:
            problems.extend(_rule_problems(envelope, edition, extra))
            problems.extend(_payload_problems(envelope, edition, extra, max_size))
        return ValidationReport.of(dedupe(_one_per_fact(problems)))
    if not problems and not extra and _clean_tree(root, edition, qname):
        return ValidationReport.of([])  # what the rules would say of this schema-valid document: nothing
    try:
        decoded = _dispatch.decode_lenient_parsed(data, root, edition=edition, max_size=max_size)
    except UnknownMessageError as exc:
        # Neither a schema nor a decoder knows this root (``<foo/>``, HTML, a foreign namespace): not a customs
        # message, never "valid". The "no-schema" note ("only the rules were checked") would be untrue here.
        kept = [p for p in problems if p.code != "no-schema"]
        if not any(p.code == "unknown-root" for p in kept):
            kept.insert(0, Problem("/" + _root_step(root), "unknown-root", f"not a customs message: {exc}"))
        return ValidationReport.of(dedupe(kept))
    except DecodeError as exc:
        problems.extend(_not_checked(root, exc, "the customs rules were not checked", problems))
        return ValidationReport.of(dedupe(problems))
    message = decoded.message
    found = _rule_problems(message, edition, extra)
    if any(p.code == "no-schema" for p in problems):
        # No official schema checked the structure (manifests): the decoder's findings are the structural check.
        # A rule saying the same of the same place (``missing-element`` of a DecMessage's DecHead) is left out:
        # the decoder said it first, with the line.
        said = {(p.path, p.code) for p in decoded.problems}
        found = [*decoded.problems, *(p for p in found if (p.path, p.code) not in said)]
    original_root = _message_path(root, spec_of(message).tag)
    model_root = root_path(message)
    if original_root != model_root:  # misnamed root or envelope: paths of the model's root → the document's
        found = [
            attrs.evolve(p, path=original_root + p.path[len(model_root) :]) if p.path.startswith(model_root) else p
            for p in found
        ]
    problems.extend(found)
    return ValidationReport.of(dedupe(_one_per_fact(_drop_covered(problems, message))))


def _not_checked(root: etree._Element, exc: DecodeError, what: str, problems: list[Problem]) -> list[Problem]:
    """The error saying that a document eport cannot read was only checked in part: never a silent "valid". Not
    said of a document whose root is no message at all (``unknown-root`` says it all)."""
    if any(p.code == "unknown-root" for p in problems):
        return []
    note = f"eport cannot read this document, so {what}: {exc}"
    return [Problem(exc.path or "/" + _root_step(root), "not-decodable", note)]


def _clean_tree(root: etree._Element, edition: str, qname: etree.QName | None = None) -> bool:
    """True when the family of the document's message class says, from the tree alone, that its rules report
    nothing (its ``clean_tree`` hook); the document must be one the schema accepted without a problem.

    The families that read documents before the engine do not change this: a ``decoder`` hook returns ``None`` for
    a root that is not its family's, and the declarations' ``rescue_lenient`` replaces only a ``DecMessage``
    (``tests/edi/test_treecheck.py`` feeds CEB documents carrying both markers). Classes whose family has no
    ``clean_tree`` hook always take the model path.
    """
    qname = qname if qname is not None else etree.QName(root)
    cls = registry.lookup(qname.namespace, qname.localname, edition=edition)
    if cls is None:
        return False
    clean = _clean_hook(cls)  # type: ignore[arg-type]  # a class is hashable
    return clean is not None and bool(clean(root, cls))


@functools.lru_cache(maxsize=512)
def _clean_hook(cls: type[Any]) -> Callable[..., Any] | None:
    return registry.hook(spec_of(cls).family, "clean_tree")


@functools.lru_cache(maxsize=256)
def _envelope_family(namespace: str | None) -> Family | None:
    """The envelope family (DXP) whose documents have their root in ``namespace``, or ``None`` (the families are
    loaded once, so the answer per namespace is kept)."""
    return next((f for f in registry.families() if f.envelope is not None and f.namespace == namespace), None)


def _root_step(root: etree._Element) -> str:
    return element_path(root).lstrip("/")


def _message_path(root: etree._Element, tag: str) -> str:
    """Where the message is in the document: its root, or the element named ``tag`` inside an envelope (the
    regional ``ImportMessage/SWImpData/DecMessage``); a misnamed root (``ceb:CEB214``) stays the root."""
    if etree.QName(root).localname != tag:
        inner = next((el for el in root.iter("{*}" + tag, tag)), None)
        if inner is not None:
            return element_path(inner)
    return "/" + _root_step(root)


def check(message: Any, *, edition: str | None = None, rules: Iterable[Rule] = ()) -> ValidationReport:
    """Validate and raise when there are errors; return the report (warnings only) otherwise.

    Raises:
        ValidationError: carrying every error problem.
    """
    report = validate(message, edition=edition, rules=rules)
    report.raise_for_errors()
    return report


def summary(report: ValidationReport) -> str:
    """One line: ``"valid"`` or ``"2 errors, 1 warning"``.

    A document no official schema covers (declarations, manifests, their receipts: a ``no-schema`` note) is
    ``"valid by eport's rules only (no official schema checked the structure)"``: the verdict rests on eport's
    reader and rules, not on a schema, and the line says so.
    """
    errors = sum(1 for p in report if p.severity is Severity.ERROR)
    warnings = sum(1 for p in report if p.severity is Severity.WARNING)
    if not errors and not warnings:
        if any(p.code == "no-schema" for p in report):
            return "valid by eport's rules only (no official schema checked the structure)"
        return "valid"
    parts = []
    if errors:
        parts.append(f"{errors} error{'s' if errors != 1 else ''}")
    if warnings:
        parts.append(f"{warnings} warning{'s' if warnings != 1 else ''}")
    return ", ".join(parts)


__all__ = ["check", "edition_of", "summary", "validate", "validate_bytes"]
