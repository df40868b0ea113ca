"""XSD validation of CEB messages and DXP envelopes with the official schemas shipped in ``eport.edi``."""

from __future__ import annotations

import functools
import logging
import threading
from pathlib import Path
from typing import Any

from lxml import etree

import eport.edi

logger = logging.getLogger(__name__)

_SCHEMA_DIR = Path(eport.edi.__file__).resolve().parent / "schemas" / "ceb202205"
_LOCK = threading.Lock()

#: Which schema file declares which CEB roots (the import and export schemas share one namespace).
_EXPORT_ROOTS = frozenset(
    f"CEB{n}Message" for n in (213, 214, 215, 216, 303, 304, 403, 404, 505, 506, 507, 508, 509, 510, 603, 604, 605)
) | frozenset(f"CEB{n}Message" for n in (606, 607, 608, 701, 702, 792))


@functools.lru_cache(maxsize=4)
def _schema(name: str) -> etree.XMLSchema:
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    return etree.XMLSchema(etree.parse(str(_SCHEMA_DIR / name), parser))


def schema_for(root_name: str) -> str | None:
    """The schema file that declares ``root_name`` (``ceb-import.xsd``, ``ceb-export.xsd``, ``dxp-terminal.xsd``)."""
    if root_name in _EXPORT_ROOTS:
        return "ceb-export.xsd"
    if root_name.startswith("CEB") and root_name.endswith("Message"):
        return "ceb-import.xsd"
    if root_name == "DxpMsg":
        return "dxp-terminal.xsd"
    return None


def xsd_errors(root: etree._Element, schema_file: str, limit: int = 20) -> list[str]:
    """Validate ``root`` against ``schema_file``; return the problems (empty when valid), at most ``limit``."""
    with _LOCK:  # lxml schema objects are not safe to share between threads
        schema = _schema(schema_file)
        valid = schema.validate(root)
        log: Any = schema.error_log
        errors = [] if valid else [f"line {e.line}: {e.message}" for e in list(log)[:limit]]
    return errors


__all__ = ["schema_for", "xsd_errors"]
