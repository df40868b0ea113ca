"""The one loader of the official CEB samples and schemas used by the tests.

The official samples stay in the shared reference set (``ceb/samples202205`` under :data:`tests.reference.REFERENCE`);
they are never copied into the repository. Their inventory is listed here, so the same tests are collected with or
without the reference set: without it, :func:`load` skips the test (fails it in CI, see :mod:`tests.reference`).
Ten export samples are known to be invalid against their schema; they are listed here with the reason, and tests
assert that they fail for exactly that reason. The schemas are the package's own copies (in the repository).
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Iterable
from pathlib import Path

import attrs
from lxml import etree

from tests import reference

SAMPLES = ("ceb", "samples202205")
SCHEMAS_DIR = Path(__file__).resolve().parents[2] / "eport" / "edi" / "schemas"

_DUPLICATE_BASE_TRANSFER = "BaseTransfer occurs twice"

#: Every official sample of the reference set, "direction/file" (checked against the folder when it is there).
_IMPORT_CODES = "311 312 411 412 511 512 513 514 621 622 623 624 625 626 711 712"
_EXPORT_CODES = "213 214 215 216 303 304 403 404 505 506 507 508 509 510 603 604 605 606 607 608 701 702 792"
INVENTORY: tuple[str, ...] = tuple(
    sorted(
        [f"import/CEB{code}Message.xml" for code in _IMPORT_CODES.split()]
        + [f"export/CEB{code}Message.xml" for code in _EXPORT_CODES.split()]
    )
)

#: Official samples that do not validate against their schema: "direction/file" → reason.
KNOWN_INVALID: dict[str, str] = {
    **{
        f"export/CEB{code}Message.xml": _DUPLICATE_BASE_TRANSFER
        for code in ("303", "403", "505", "507", "509", "603", "605", "607")
    },
    "export/CEB214Message.xml": "root element is ceb:CEB214 instead of ceb:CEB214Message (and has appSenderId)",
    "export/CEB792Message.xml": "SummaryResultList has gnum where the schema wants gseqno",
}


@attrs.frozen
class Sample:
    """One official sample message."""

    key: str  # "import/CEB621Message.xml"
    direction: str  # "import" or "export"
    data: bytes
    invalid_reason: str | None

    @property
    def valid(self) -> bool:
        """True when the sample validates against its schema."""
        return self.invalid_reason is None

    @property
    def code(self) -> str:
        """The message code, e.g. ``"621"``."""
        return self.key.split("/")[1][3:6]


def present() -> bool:
    """True when the official samples are there (for optional extras such as fuzzing seeds, never to skip)."""
    return reference.available(*SAMPLES)


def folder_keys() -> list[str]:
    """The keys of the samples actually in the folder (requires the reference set)."""
    folder = reference.require(*SAMPLES)
    return sorted(f"{p.parent.name}/{p.name}" for p in folder.glob("*/*.xml"))


def sample_keys() -> list[str]:
    """Return every sample key ("import/CEB311Message.xml" …) of the inventory, sorted."""
    return list(INVENTORY)


def keys_where(predicate: Callable[[bytes], bool], keys: Iterable[str]) -> list[str]:
    """The keys whose document satisfies ``predicate``, for parameter lists built while collecting.

    Without the reference set every key is returned: the tests are still collected, and each one then skips (fails
    in CI) in :func:`load`, instead of disappearing from the run.
    """
    keys = list(keys)
    if not present():
        return keys
    return [k for k in keys if predicate(load(k).data)]


def load(key: str) -> Sample:
    """Load one sample by key (skips the test without the reference set; fails it in CI)."""
    path = reference.require(*SAMPLES, *key.split("/"))
    direction = key.split("/")[0]
    return Sample(key=key, direction=direction, data=path.read_bytes(), invalid_reason=KNOWN_INVALID.get(key))


def valid_keys() -> list[str]:
    """Keys of the samples that validate against their schema."""
    return [k for k in sample_keys() if k not in KNOWN_INVALID]


def invalid_keys() -> list[str]:
    """Keys of the known-invalid samples."""
    return [k for k in sample_keys() if k in KNOWN_INVALID]


_SAFE = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


@functools.cache
def schema(family: str, edition: str = "202205") -> etree.XMLSchema:
    """Return the official XSD (lxml) for a family: ``"ceb-import"`` or ``"ceb-export"``."""
    path = SCHEMAS_DIR / f"ceb{edition}" / f"{family}.xsd"
    return etree.XMLSchema(etree.parse(str(path), _SAFE))


def xsd_errors(data: bytes, family: str, edition: str = "202205") -> list[str]:
    """Validate a document against the official schema and return the error messages (empty when valid)."""
    xsd = schema(family, edition)
    doc = etree.fromstring(data, _SAFE)
    if xsd.validate(doc):
        return []
    return [f"line {e.line}: {e.message}" for e in xsd.error_log]


def canonical(data: bytes, *, prefix: str | None = "ceb") -> bytes:
    """C14N 1.0 of a document after dropping whitespace-only text between elements.

    With ``prefix``, elements of the CEB namespace are re-written with that prefix first, so a sample written with a
    default namespace compares equal to the same content written with ``ceb:`` (C14N keeps prefixes). Foreign
    subtrees (``ds:Signature``) are copied untouched.
    """
    root = etree.fromstring(data, etree.XMLParser(remove_blank_text=True, resolve_entities=False, no_network=True))
    if prefix is not None:
        root = _reprefix(root, prefix, etree.QName(root).namespace)
    return etree.tostring(root, method="c14n")


def _reprefix(el: etree._Element, prefix: str, ns: str | None) -> etree._Element:
    new = etree.Element(el.tag, attrib=dict(el.attrib), nsmap={prefix: ns})
    _copy_children(el, new, prefix, ns)
    return new


def _copy_children(src: etree._Element, dst: etree._Element, prefix: str, ns: str | None) -> None:
    dst.text = src.text
    for child in src:
        if not isinstance(child.tag, str):
            continue
        if etree.QName(child).namespace == ns:
            new = etree.SubElement(dst, child.tag, attrib=dict(child.attrib))
            _copy_children(child, new, prefix, ns)
            new.tail = child.tail
        else:
            dst.append(copy.deepcopy(child))
