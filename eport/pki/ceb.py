"""Sign and verify CEB messages: the signature goes where the official XSD puts it.

In the 202205 schemas the import messages (CEB311, CEB621 …) end with ``ds:Signature``, while the export messages
(CEB303, CEB603 …) have ``ceb:ExtendMessage`` after it. :func:`signature_followers` reads the packaged XSDs
(``eport/edi/schemas/ceb202205``) to find, for a root element, which children must come after the signature.

Example::

    signed = sign_ceb(xml, signer)                      # RSA -> RSA_SHA1, SM2 -> SM2_SM3 unless told
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from importlib import resources
from typing import Literal

from lxml import etree

from eport.errors import ConfigurationError
from eport.pki.certs import Certificate
from eport.pki.signer import Signer
from eport.pki.xmldsig import DS_NS, Dialect, sign_tree
from eport.pki.xmlsafe import MAX_XML_SIZE, parse_xml

logger = logging.getLogger(__name__)

CEB_NS = "http://www.chinaport.gov.cn/ceb"
_XS = "{http://www.w3.org/2001/XMLSchema}"
_SCHEMAS = ("ceb-import.xsd", "ceb-export.xsd")


@functools.lru_cache(maxsize=1)
def _followers_table() -> dict[str, tuple[str, ...]]:
    """root local name -> Clark names of the elements after ``ds:Signature`` in its sequence."""
    table: dict[str, tuple[str, ...]] = {}
    base = resources.files("eport.edi") / "schemas" / "ceb202205"
    for name in _SCHEMAS:
        schema = etree.fromstring(
            (base / name).read_bytes(), etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
        )
        prefixes = {p: ns for p, ns in schema.nsmap.items() if p}
        for element in schema.findall(f"{_XS}element"):
            sequence = element.find(f"{_XS}complexType/{_XS}sequence")
            if sequence is None:
                continue
            refs: list[str] = []
            for child in sequence.findall(f"{_XS}element"):
                ref = child.get("ref") or ""
                prefix, _, local = ref.rpartition(":")
                refs.append(f"{{{prefixes.get(prefix, CEB_NS)}}}{local}" if ref else f"{{{CEB_NS}}}{child.get('name')}")
            sig = f"{{{DS_NS}}}Signature"
            if sig in refs:
                table[str(element.get("name"))] = tuple(refs[refs.index(sig) + 1 :])
    return table


def signature_followers(root_tag: str) -> tuple[str, ...]:
    """Return the Clark names of the root children that come after ``ds:Signature`` for a CEB message.

    Args:
        root_tag: Clark name (``{http://www.chinaport.gov.cn/ceb}CEB621Message``) or local name of the root.

    Raises:
        ConfigurationError: if the root is not a CEB message that carries a signature.
    """
    local = etree.QName(root_tag).localname if root_tag.startswith("{") else root_tag
    table = _followers_table()
    if local not in table:
        raise ConfigurationError(f"{local} is not a signed CEB message in the 202205 schemas")
    return table[local]


def signature_position(root_tag: str) -> Literal["last", "before-extension"]:
    """``"last"`` for import messages, ``"before-extension"`` when elements follow the signature (export)."""
    return "before-extension" if signature_followers(root_tag) else "last"


def sign_ceb(
    xml: bytes,
    signer: Signer,
    *,
    dialect: Dialect | None = None,
    sm2_value: Literal["raw", "der"] = "raw",
    key_name: str | None = None,
    extra_certificates: Sequence[Certificate] = (),
    max_size: int = MAX_XML_SIZE,
) -> bytes:
    """Sign a CEB message, placing ``ds:Signature`` where the 202205 XSD wants it.

    Args:
        xml: the unsigned message bytes (root in namespace ``http://www.chinaport.gov.cn/ceb``).
        signer: the signing key and certificate.
        dialect: default RSA_SHA1 for RSA keys, SM2_SM3 for SM2 keys.
        sm2_value: as in :func:`eport.pki.xmldsig.sign_enveloped`.
        key_name: as in :func:`eport.pki.xmldsig.sign_enveloped`.
        extra_certificates: as in :func:`eport.pki.xmldsig.sign_enveloped`.
        max_size: as in :func:`eport.pki.xmldsig.sign_enveloped`.

    Raises:
        ConfigurationError: not a CEB message with a signature slot, malformed XML, or already signed.
        UnsupportedAlgorithm: dialect and key do not fit.
    """
    tree = parse_xml(xml, max_size=max_size)
    root = tree.getroot()
    if etree.QName(root).namespace != CEB_NS:
        raise ConfigurationError(f"root {root.tag} is not in the CEB namespace {CEB_NS}")
    followers = signature_followers(str(root.tag))
    return sign_tree(
        tree,
        signer,
        dialect=dialect,
        insert_before=followers,
        sm2_value=sm2_value,
        key_name=key_name,
        extra_certificates=extra_certificates,
    )


__all__ = ["CEB_NS", "sign_ceb", "signature_followers", "signature_position"]
