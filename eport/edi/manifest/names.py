"""Manifest namespaces: every manifest root is ``Manifest``, in a namespace that names the message type."""

from __future__ import annotations

import re

#: Namespace of a manifest message; ``{}`` is the message type (``MT2101``).
NS_TEMPLATE = "urn:Declaration:datamodel:standard:CN:{}:1"
#: A manifest namespace; group 1 is the message type (match it whole, or search a text for one).
NS_PATTERN = re.compile(r"urn:Declaration:datamodel:standard:CN:(MT[0-9A-Z]{4}):1")
#: Bytes every manifest document carries (its namespace, a byte search finds them without parsing).
MARKER = b"urn:Declaration:datamodel:standard:CN:"
#: A manifest message type as people name it: bare or as a MessageID prefix (``MT2101``, ``CN_MT2101``).
NAME_PATTERN = re.compile(r"(?:CN_)?(MT[0-9A-Z]{4})", re.IGNORECASE)


def manifest_type(namespace: str | None, local: str) -> str | None:
    """Return the manifest message type of a root element (``MT2101``), or ``None`` for any other root.

    Args:
        namespace: the root's namespace URI, e.g. ``urn:Declaration:datamodel:standard:CN:MT2101:1``.
        local: the root's local name (``Manifest``).
    """
    if local != "Manifest":
        return None
    m = NS_PATTERN.fullmatch(namespace or "")
    return m.group(1) if m else None


__all__ = ["MARKER", "NAME_PATTERN", "NS_PATTERN", "NS_TEMPLATE", "manifest_type"]
