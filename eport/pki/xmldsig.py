"""Enveloped XML-DSig as China customs expects it (CEB spec 202205 §6), signing and strict verification.

The shape is fixed: inclusive C14N 1.0 (``REC-xml-c14n-20010315``, no comments), one ``Reference`` with ``URI=""``
and only the enveloped-signature transform, ``KeyInfo`` with ``KeyName`` = certificate number and
``X509Data/X509Certificate``. Three dialects differ in algorithm URIs and digest (:class:`Dialect`):

==================  =====================================================  ======================================
dialect             SignatureMethod                                        DigestMethod
==================  =====================================================  ======================================
``RSA_SHA1``        ``http://www.w3.org/2000/09/xmldsig#rsa-sha1``         ``…/2000/09/xmldsig#sha1`` (SHA-1)
``SM2_SM3``         ``http://www.chinaport.gov.cn/2022/04/xmldsig#sm2-sm3`` ``…/2022/04/xmldsig#sm3`` (SM3)
``SM2_W3C_SHA1``    ``http://www.w3.org/2000/09/xmldsig#sm2-sm3``           ``…/2000/09/xmldsig#sha1`` (SHA-1)
``RSA_SHA256``      ``http://www.w3.org/2001/04/xmldsig-more#rsa-sha256``  ``…/2001/04/xmlenc#sha256``
==================  =====================================================  ======================================

``SM2_SM3`` is what the 2022 spec prescribes; ``SM2_W3C_SHA1`` is what production signers accepted in Hainan and
Guangzhou write (unverified which one a given customs node checks: both are supported, verification accepts only
the dialects you allow). SM2 ``SignatureValue`` is the 64-byte ``r || s`` by default (what cards return; configurable).

Verification raises and returns what was signed (:class:`VerifiedXml`); it never returns ``False``.

Example::

    signed = sign_ceb(xml_bytes, signer, dialect=Dialect.SM2_SM3)
    result = verify_enveloped(signed, trust=ChainValidator(store), config=VerifyConfig(dialects={Dialect.SM2_SM3}))
    result.certificate.enterprise_name
"""

from __future__ import annotations

import base64
import copy
import enum
import hashlib
import hmac
import logging
from collections.abc import Iterable, Sequence
from typing import Literal, Protocol

import attrs
from lxml import etree

from eport.errors import (
    CertificateError,
    ConfigurationError,
    EportError,
    InvalidSignature,
    SignatureFormatError,
    UnsupportedAlgorithm,
)
from eport.pki.certs import Certificate, certificate_from_der
from eport.pki.keys import hash_algorithm, scheme_of
from eport.pki.signer import KeyAlgorithm, SignatureAlgorithm, Signer
from eport.pki.sm2 import der_to_raw, raw_to_der, sm3
from eport.pki.xmlsafe import MAX_XML_SIZE, parse_xml

logger = logging.getLogger(__name__)

DS_NS = "http://www.w3.org/2000/09/xmldsig#"
C14N_URI = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
ENVELOPED_URI = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
_DS = "{%s}" % DS_NS  # noqa: UP031 - a Clark-notation prefix


@attrs.frozen
class DialectSpec:
    """Algorithm URIs and digest of one dialect."""

    signature_uri: str
    digest_uri: str
    digest: str  # "sha1", "sha256" or "sm3"
    algorithm: SignatureAlgorithm


class Dialect(enum.Enum):
    """The XML-DSig dialects customs and production signers use (see the module docstring)."""

    RSA_SHA1 = DialectSpec(DS_NS + "rsa-sha1", DS_NS + "sha1", "sha1", SignatureAlgorithm.RSA_SHA1)
    SM2_SM3 = DialectSpec(
        "http://www.chinaport.gov.cn/2022/04/xmldsig#sm2-sm3",
        "http://www.chinaport.gov.cn/2022/04/xmldsig#sm3",
        "sm3",
        SignatureAlgorithm.SM2_SM3,
    )
    SM2_W3C_SHA1 = DialectSpec(DS_NS + "sm2-sm3", DS_NS + "sha1", "sha1", SignatureAlgorithm.SM2_SM3)
    RSA_SHA256 = DialectSpec(
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
        "http://www.w3.org/2001/04/xmlenc#sha256",
        "sha256",
        SignatureAlgorithm.RSA_SHA256,
    )

    @property
    def spec(self) -> DialectSpec:
        """The URIs and digest of this dialect."""
        value: DialectSpec = self.value
        return value

    @classmethod
    def default_for(cls, key_algorithm: KeyAlgorithm) -> Dialect:
        """The spec dialect for a key: ``RSA_SHA1`` for RSA, ``SM2_SM3`` for SM2.

        Raises:
            UnsupportedAlgorithm: for EC keys (customs has no ECDSA dialect).
        """
        if key_algorithm is KeyAlgorithm.RSA:
            return cls.RSA_SHA1
        if key_algorithm is KeyAlgorithm.SM2:
            return cls.SM2_SM3
        raise UnsupportedAlgorithm(f"no customs XML-DSig dialect for {key_algorithm.value} keys")


def _digest(name: str, data: bytes) -> bytes:
    if name == "sm3":
        return sm3(data)
    hash_algorithm(name)  # raises for unknown names
    return hashlib.new(name, data).digest()


def _c14n(node: etree._Element | etree._ElementTree, error: type[EportError] = InvalidSignature) -> bytes:
    """Inclusive C14N 1.0; ``error`` for documents it cannot handle (e.g. a relative namespace URI)."""
    try:
        return etree.tostring(node, method="c14n", exclusive=False, with_comments=False)
    except etree.C14NError as exc:
        raise error(
            f"the document cannot be canonicalized (C14N 1.0; a relative namespace URI, for example): {exc}"
        ) from None


_XML_ATTR = "{http://www.w3.org/XML/1998/namespace}"


def _c14n_subtree(element: etree._Element, error: type[EportError] = InvalidSignature) -> bytes:
    """Inclusive C14N 1.0 of ``element``'s subtree as a document subset, in its document's context.

    C14N 1.0 renders the apex with every namespace in scope (inherited ones included, unused or not) and with the
    ``xml:`` attributes (``xml:lang``, ``xml:space``, …) it inherits from its ancestors. lxml's C14N of a non-root
    element does neither reliably (it drops ``xml:`` attributes and may emit a spurious ``xmlns=""`` under a
    default-namespace ``Signature``), so the subtree is copied into a document of its own whose root carries that
    context explicitly, and that whole document is canonicalized.
    """
    # The element's own prefix first: lxml names the new element with the first prefix bound to its namespace.
    own_prefix = element.prefix
    in_scope = element.nsmap
    nsmap: dict[str | None, str] = {own_prefix: in_scope[own_prefix]} if own_prefix in in_scope else {}
    nsmap.update((prefix, uri) for prefix, uri in in_scope.items() if prefix != own_prefix)
    apex = etree.Element(element.tag, nsmap=nsmap)  # type: ignore[arg-type]  # lxml accepts a None prefix
    attributes: dict[str, str] = {}
    for ancestor in element.iterancestors():
        for name, value in ancestor.attrib.items():
            if str(name).startswith(_XML_ATTR):
                attributes.setdefault(str(name), str(value))
    attributes.update((str(name), str(value)) for name, value in element.attrib.items())
    for name, value in attributes.items():
        apex.set(name, value)
    body = copy.deepcopy(element)
    apex.text = body.text
    for child in list(body):
        apex.append(child)
    return _c14n(etree.ElementTree(apex), error)


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attrib: str) -> etree._Element:
    el = etree.SubElement(parent, _DS + tag, attrib=attrib or None)
    if text is not None:
        el.text = text
    return el


# ----------------------------------------------------------------------------------------------- signing
def sign_enveloped(
    xml: bytes,
    signer: Signer,
    *,
    dialect: Dialect | None = None,
    insert_before: Iterable[str] = (),
    sm2_value: Literal["raw", "der"] = "raw",
    key_name: str | None = None,
    extra_certificates: Sequence[Certificate] = (),
    max_size: int = MAX_XML_SIZE,
) -> bytes:
    """Sign ``xml`` with an enveloped signature and return the signed document (UTF-8, never reformatted later).

    Args:
        xml: the document bytes (no existing ``ds:Signature`` child of the root).
        signer: any :class:`~eport.pki.signer.Signer` (in-memory, PKCS#11, card, local signing service).
        dialect: algorithm URIs and digest; default :meth:`Dialect.default_for` the signer's key.
        insert_before: Clark names (``{ns}local``) of root children the signature must precede; it is appended
            as the last root child when none of them is present.
        sm2_value: SM2 ``SignatureValue`` as 64-byte ``r || s`` (``"raw"``, what cards return) or DER.
        key_name: the ``KeyName`` text; default the certificate number (serial in lower-case hex).
        extra_certificates: intermediates to add after the signing certificate in ``X509Data`` (customs only
            needs the signing certificate; verifiers use the others for path building).
        max_size: refuse larger documents.

    Returns:
        The signed document: XML declaration plus the serialized tree.

    Raises:
        ConfigurationError: malformed or unsafe XML, or a document that is already signed.
        UnsupportedAlgorithm: the dialect does not fit the signer's key.
    """
    return sign_tree(
        parse_xml(xml, max_size=max_size),
        signer,
        dialect=dialect,
        insert_before=insert_before,
        sm2_value=sm2_value,
        key_name=key_name,
        extra_certificates=extra_certificates,
    )


def sign_tree(
    tree: etree._ElementTree,
    signer: Signer,
    *,
    dialect: Dialect | None = None,
    insert_before: Iterable[str] = (),
    sm2_value: Literal["raw", "der"] = "raw",
    key_name: str | None = None,
    extra_certificates: Sequence[Certificate] = (),
) -> bytes:
    """Sign an already (safely) parsed document; see :func:`sign_enveloped`. The tree is modified in place.

    Raises:
        ConfigurationError: if the document is already signed or cannot be canonicalized.
        UnsupportedAlgorithm: the dialect does not fit the signer's key.
    """
    root = tree.getroot()
    if root.find(_DS + "Signature") is not None:
        raise ConfigurationError("the document already has a ds:Signature; remove it before signing again")
    dialect = dialect or Dialect.default_for(signer.key_algorithm)
    spec = dialect.spec
    if spec.algorithm.key_algorithm is not signer.key_algorithm:
        raise UnsupportedAlgorithm(f"dialect {dialect.name} needs a {spec.algorithm.key_algorithm.value} key")
    cert = certificate_from_der(signer.certificate_der)

    digest_value = _digest(spec.digest, _c14n(tree, ConfigurationError))

    signature = etree.Element(_DS + "Signature", nsmap={"ds": DS_NS})
    signed_info = _sub(signature, "SignedInfo")
    _sub(signed_info, "CanonicalizationMethod", Algorithm=C14N_URI)
    _sub(signed_info, "SignatureMethod", Algorithm=spec.signature_uri)
    reference = _sub(signed_info, "Reference", URI="")
    transforms = _sub(reference, "Transforms")
    _sub(transforms, "Transform", Algorithm=ENVELOPED_URI)
    _sub(reference, "DigestMethod", Algorithm=spec.digest_uri)
    _sub(reference, "DigestValue", base64.b64encode(digest_value).decode("ascii"))
    value_el = _sub(signature, "SignatureValue")
    key_info = _sub(signature, "KeyInfo")
    _sub(key_info, "KeyName", key_name if key_name is not None else cert.cert_no)
    x509_data = _sub(key_info, "X509Data")
    for item in (cert, *extra_certificates):
        _sub(x509_data, "X509Certificate", item.to_base64())

    before = set(insert_before)
    anchor = next((child for child in root if isinstance(child.tag, str) and child.tag in before), None)
    if anchor is not None:
        anchor.addprevious(signature)
    else:
        root.append(signature)

    raw = signer.sign(_c14n_subtree(signed_info, ConfigurationError), spec.algorithm)
    if spec.algorithm is SignatureAlgorithm.SM2_SM3 and sm2_value == "raw" and len(raw) != 64:
        raw = der_to_raw(raw)
    value_el.text = base64.b64encode(raw).decode("ascii")
    logger.debug("signed %s with %s, cert_no=%s", root.tag, dialect.name, cert.cert_no)
    body = etree.tostring(tree, encoding="UTF-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body


# ----------------------------------------------------------------------------------------------- verification
class ChainCheck(Protocol):
    """Anything that validates a signing certificate: :class:`eport.pki.chain.ChainValidator` implements it."""

    def validate(self, certificate: Certificate, intermediates: Sequence[Certificate] = ()) -> Sequence[Certificate]:
        """Return the path from ``certificate`` to a trust anchor or raise ChainError."""
        ...


@attrs.frozen
class PinnedCertificate:
    """Trust exactly one certificate (no chain building), for tests and bilateral set-ups."""

    certificate: Certificate

    def validate(self, certificate: Certificate, intermediates: Sequence[Certificate] = ()) -> Sequence[Certificate]:
        """Return ``[certificate]`` if it is the pinned one.

        Raises:
            InvalidSignature: if it is another certificate.
        """
        if certificate.der != self.certificate.der:
            raise InvalidSignature(f"signed with certificate {certificate.cert_no}, not the pinned one")
        return [certificate]


@attrs.frozen(kw_only=True)
class VerifyConfig:
    """What a verified signature must look like. Defaults are strict; weaker dialects are explicit opt-ins.

    Attributes:
        dialects: accepted dialects (default: the two the 202205 spec names, RSA-SHA1 and SM2-SM3).
        require_key_name_match: ``KeyName`` must equal the certificate number (the official sample has ``0001``:
            set False to accept such messages).
        require_root_child: the signature must be a direct child of the document element.
        max_size: refuse larger documents.
    """

    dialects: frozenset[Dialect] = frozenset({Dialect.RSA_SHA1, Dialect.SM2_SM3})
    require_key_name_match: bool = True
    require_root_child: bool = True
    max_size: int = MAX_XML_SIZE


@attrs.frozen(kw_only=True)
class VerifiedXml:
    """The result of a successful verification.

    Attributes:
        signed_xml: the canonical bytes that the digest covers (the document without the signature). Use these,
            not the input, for further processing.
        root: the document element of those bytes, parsed.
        certificate: the signing certificate.
        chain: the validated path (signing certificate first).
        dialect: the dialect found.
        key_name: the ``KeyName`` text.
    """

    signed_xml: bytes = attrs.field(repr=False)
    root: etree._Element = attrs.field(repr=False)
    certificate: Certificate
    chain: tuple[Certificate, ...] = attrs.field(repr=False)
    dialect: Dialect
    key_name: str | None


def _b64(text: str | None, what: str) -> bytes:
    try:
        return base64.b64decode("".join((text or "").split()), validate=True)
    except ValueError:
        raise InvalidSignature(f"{what} is not valid base64") from None


def _one(parent: etree._Element, tag: str) -> etree._Element:
    found = [c for c in parent if c.tag == _DS + tag]
    if len(found) != 1:
        raise InvalidSignature(f"expected exactly one ds:{tag} in ds:{etree.QName(parent).localname}")
    return found[0]


def verify_enveloped(
    xml: bytes,
    *,
    trust: ChainCheck,
    config: VerifyConfig | None = None,
) -> VerifiedXml:
    """Verify an enveloped customs signature strictly and return what was signed.

    Checks: exactly one ``ds:Signature`` in the whole document, a child of the root; C14N 1.0; an allowed dialect;
    exactly one ``Reference`` with ``URI=""`` and only the enveloped-signature transform; the digest; the
    certificate chain (``trust``); ``KeyName``; the signature value.

    Args:
        xml: the signed document.
        trust: validates the signing certificate (a :class:`~eport.pki.chain.ChainValidator`, or
            :class:`PinnedCertificate`).
        config: expectations; strict defaults.

    Raises:
        SignatureFormatError: ``xml`` is no well-formed XML at all (empty, text, binary, cut short); an
            :class:`InvalidSignature` too, caught first to tell it apart.
        InvalidSignature: for any structural, digest or signature failure of an XML document (one without a
            ``ds:Signature`` too), and for a document over ``config.max_size`` or carrying a DTD.
        ChainError, RevocationError: from ``trust``.
        UnsupportedAlgorithm: for a dialect that is not allowed.
    """
    config = config or VerifyConfig()
    tree = parse_xml(xml, max_size=config.max_size, error=InvalidSignature, not_xml=SignatureFormatError)
    root = tree.getroot()
    signatures = root.xpath("//ds:Signature", namespaces={"ds": DS_NS})
    assert isinstance(signatures, list)  # noqa: S101 - xpath with a node-set expression
    if len(signatures) != 1:
        raise InvalidSignature(f"expected exactly one ds:Signature, found {len(signatures)}")
    signature = signatures[0]
    assert isinstance(signature, etree._Element)  # noqa: S101
    if config.require_root_child and signature.getparent() is not root:
        raise InvalidSignature("ds:Signature is not a child of the document element")

    signed_info = _one(signature, "SignedInfo")
    c14n_method = _one(signed_info, "CanonicalizationMethod").get("Algorithm")
    if c14n_method != C14N_URI:
        raise InvalidSignature(f"canonicalization {c14n_method!r} is not C14N 1.0 ({C14N_URI})")
    sig_uri = _one(signed_info, "SignatureMethod").get("Algorithm")
    references = [c for c in signed_info if c.tag == _DS + "Reference"]
    if len(references) != 1:
        raise InvalidSignature(f"expected exactly one ds:Reference, found {len(references)}")
    reference = references[0]
    if reference.get("URI") != "":
        raise InvalidSignature('the Reference must have URI="" (the whole document)')
    transforms = [t.get("Algorithm") for t in _one(reference, "Transforms")]
    if transforms != [ENVELOPED_URI]:
        raise InvalidSignature(f"transforms must be exactly the enveloped-signature transform, got {transforms}")
    digest_uri = _one(reference, "DigestMethod").get("Algorithm")
    dialect = next((d for d in Dialect if (d.spec.signature_uri, d.spec.digest_uri) == (sig_uri, digest_uri)), None)
    if dialect is None:
        raise UnsupportedAlgorithm(f"unknown signature dialect: SignatureMethod {sig_uri}, DigestMethod {digest_uri}")
    if dialect not in config.dialects:
        raise UnsupportedAlgorithm(f"dialect {dialect.name} is not allowed by this configuration")
    spec = dialect.spec
    expected = _b64(_one(reference, "DigestValue").text, "DigestValue")

    # The enveloped-signature transform: the document without the Signature element (its tail text stays).
    doc = copy.deepcopy(tree)
    doc_sig = doc.getroot().xpath("//ds:Signature", namespaces={"ds": DS_NS})[0]  # type: ignore[index]
    assert isinstance(doc_sig, etree._Element)  # noqa: S101
    _remove_keep_tail(doc_sig)
    signed_bytes = _c14n(doc)
    if not hmac.compare_digest(_digest(spec.digest, signed_bytes), expected):
        raise InvalidSignature("digest mismatch: the document was changed after signing")

    key_info = _one(signature, "KeyInfo")
    certs_el = key_info.findall(f"{_DS}X509Data/{_DS}X509Certificate")
    if not certs_el:
        raise InvalidSignature("KeyInfo has no X509Data/X509Certificate")
    try:
        certificates = [certificate_from_der(_b64(c.text, "X509Certificate")) for c in certs_el]
    except CertificateError as exc:
        raise InvalidSignature(f"X509Certificate cannot be parsed: {exc.reason}") from None
    key_name_el = key_info.find(_DS + "KeyName")
    key_name = key_name_el.text.strip() if key_name_el is not None and key_name_el.text else None
    leaf = _pick_signing_certificate(certificates, key_name)
    if config.require_key_name_match and key_name != leaf.cert_no:
        raise InvalidSignature(f"KeyName {key_name!r} does not match the certificate number {leaf.cert_no!r}")
    if leaf.key_algorithm is not spec.algorithm.key_algorithm:
        raise InvalidSignature(f"{dialect.name} signature with a {leaf.key_algorithm.value} certificate")

    value = _b64(_one(signature, "SignatureValue").text, "SignatureValue")
    if spec.algorithm is SignatureAlgorithm.SM2_SM3 and len(value) == 64:
        value = raw_to_der(value)
    _, signature_hash = scheme_of(spec.algorithm)
    leaf.public_key.verify(value, _c14n_subtree(signed_info), signature_hash)
    chain = tuple(trust.validate(leaf, [c for c in certificates if c is not leaf]))
    return VerifiedXml(
        signed_xml=signed_bytes,
        root=parse_xml(
            signed_bytes, max_size=max(config.max_size, len(signed_bytes)), error=InvalidSignature
        ).getroot(),
        certificate=leaf,
        chain=chain,
        dialect=dialect,
        key_name=key_name,
    )


def _pick_signing_certificate(certificates: list[Certificate], key_name: str | None) -> Certificate:
    by_no = [c for c in certificates if c.cert_no == key_name]
    if by_no:
        return by_no[0]
    leaves = [c for c in certificates if not c.is_ca]
    return leaves[0] if leaves else certificates[0]


def _remove_keep_tail(element: etree._Element) -> None:
    parent = element.getparent()
    if parent is None:
        raise InvalidSignature("the signature is the document element")
    tail = element.tail
    previous = element.getprevious()
    if tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(element)


def remove_signature(xml: bytes, *, max_size: int = MAX_XML_SIZE) -> bytes:
    """Return the document without its root-level ``ds:Signature`` (for re-signing), serialized as UTF-8.

    Raises:
        ConfigurationError: for malformed or unsafe XML.
    """
    tree = parse_xml(xml, max_size=max_size)
    for sig in tree.getroot().findall(_DS + "Signature"):
        _remove_keep_tail(sig)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(tree, encoding="UTF-8", xml_declaration=False)


__all__ = [
    "C14N_URI",
    "DS_NS",
    "ENVELOPED_URI",
    "ChainCheck",
    "Dialect",
    "DialectSpec",
    "PinnedCertificate",
    "VerifiedXml",
    "VerifyConfig",
    "remove_signature",
    "sign_enveloped",
    "sign_tree",
    "verify_enveloped",
]
