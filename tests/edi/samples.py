"""The one loader of the official CEB samples and schemas used by the tests.

The official samples stay in the shared reference folder (``EPORT_CEB_SAMPLES`` overrides its location); they are
never copied into the repository. Ten export samples are known to be invalid against their schema; they are listed
here with the reason, and tests assert that they fail for exactly that reason.
"""

from __future__ import annotations

import copy
import functools
import os
from pathlib import Path

import attrs
import pytest
from lxml import etree

SAMPLES_DIR = Path(os.environ.get("EPORT_CEB_SAMPLES", "/work/shared/reference/ceb/samples202205"))
SCHEMAS_DIR = Path(__file__).resolve().parents[2] / "eport" / "edi" / "schemas"

_DUPLICATE_BASE_TRANSFER = "BaseTransfer occurs twice"

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


def _require_dir() -> Path:
    if not SAMPLES_DIR.is_dir():
        pytest.skip(f"official CEB samples not found at {SAMPLES_DIR} (set EPORT_CEB_SAMPLES)")
    return SAMPLES_DIR


def sample_keys() -> list[str]:
    """Return every sample key ("import/CEB311Message.xml" …), sorted; empty when the folder is missing."""
    if not SAMPLES_DIR.is_dir():
        return []
    return sorted(f"{p.parent.name}/{p.name}" for p in SAMPLES_DIR.glob("*/*.xml"))


def load(key: str) -> Sample:
    """Load one sample by key."""
    path = _require_dir() / key
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
