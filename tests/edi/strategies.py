"""Hypothesis strategies derived from model specs, for any eport message family.

``models(cls)`` builds instances of any model class from its :class:`~eport.edi.core.spec.ModelSpec`, respecting the
facets (lengths, total/fraction digits, enumerations, patterns, fixed values, whitespace collapse) so that what it
builds is valid against the official schema. Repetitions are capped (``max_repeat``) to keep examples small.
"""

from __future__ import annotations

import functools
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from eport.edi.ceb.extensions import is_extension
from eport.edi.core.spec import ANY_ELEMENT, TEXT_CONTENT, AttributeSpec, Facets, FieldSpec, ValueKind, spec_of

#: A structurally valid enveloped ds:Signature with dummy values (the schema checks structure, not the maths).
SIGNATURE = (
    b'<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo>'
    b'<ds:CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/>'
    b'<ds:SignatureMethod Algorithm="http://www.w3.org/2000/09/xmldsig#rsa-sha1"/>'
    b'<ds:Reference URI=""><ds:Transforms>'
    b'<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/></ds:Transforms>'
    b'<ds:DigestMethod Algorithm="http://www.w3.org/2000/09/xmldsig#sha1"/>'
    b"<ds:DigestValue>AAAAAAAAAAAAAAAAAAAAAAAAAAA=</ds:DigestValue></ds:Reference></ds:SignedInfo>"
    b"<ds:SignatureValue>QUJD</ds:SignatureValue></ds:Signature>"
)

#: Foreign elements for ``xs:any`` wildcards (ExtendMessage/Message).
ANY_ELEMENTS = (
    b'<x:custom xmlns:x="urn:example:ext">payload &amp; more</x:custom>',
    b'<order xmlns="urn:example:other" id="1"><line n="1"/></order>',
)

# Characters XML 1.0 can carry: no C0 controls except TAB, LF, CR; no surrogates; no U+FFFE/U+FFFF.
_XML_CHARS = st.one_of(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc"), exclude_characters="\ufffe\uffff"),
    st.sampled_from("\t\n\r&<>\"']]>"),
    st.characters(min_codepoint=0x10000, max_codepoint=0x1FFFF, exclude_categories=("Cs", "Cn")),
)
# For whiteSpace="collapse" fields: no XML whitespace at all, so length facets hold after collapsing.
_COLLAPSED_CHARS = st.characters(
    codec="utf-8", exclude_categories=("Cs", "Cc", "Zs", "Zl", "Zp"), exclude_characters="\ufffe\uffff \t\r\n"
)


def text(facets: Facets, fixed: str | None = None) -> st.SearchStrategy[str]:
    """Strings valid for a simple string type with these facets."""
    if fixed is not None:
        return st.just(fixed)
    if facets.enumeration:
        return st.sampled_from(facets.enumeration)
    if facets.pattern:
        return st.from_regex(facets.pattern, fullmatch=True)
    lo = facets.length if facets.length is not None else (facets.min_length or 0)
    hi = facets.length if facets.length is not None else facets.max_length
    hi = min(hi if hi is not None else 40, lo + 40)
    alphabet = _COLLAPSED_CHARS if facets.white_space == "collapse" else _XML_CHARS
    return st.text(alphabet=alphabet, min_size=lo, max_size=hi)


def decimals(facets: Facets, fixed: str | None = None) -> st.SearchStrategy[Decimal]:
    """Finite decimals within totalDigits/fractionDigits (and exponent forms such as ``1E+2``)."""
    if fixed is not None:
        return st.just(Decimal(fixed))
    total = facets.total_digits or 18
    fraction = facets.fraction_digits if facets.fraction_digits is not None else min(total, 6)

    @st.composite
    def build(draw: st.DrawFn) -> Decimal:
        scale = draw(st.integers(0, min(fraction, total)))
        unscaled = draw(st.integers(-(10**total) + 1, 10**total - 1))
        value = Decimal(unscaled).scaleb(-scale)
        if facets.min_inclusive is not None and value < facets.min_inclusive:
            value = facets.min_inclusive
        if facets.max_inclusive is not None and value > facets.max_inclusive:
            value = facets.max_inclusive
        if draw(st.booleans()) and value == value.to_integral_value() and value != 0:
            value = value.normalize()  # e.g. 100 → 1E+2: must still be written as 100
        return value

    return build()


def integers(facets: Facets, fixed: str | None = None) -> st.SearchStrategy[int]:
    """Integers within xs:int and totalDigits."""
    if fixed is not None:
        return st.just(int(fixed))
    bound = 10 ** (facets.total_digits or 9) - 1
    lo = max(-(2**31), -bound, int(facets.min_inclusive) if facets.min_inclusive is not None else -(2**31))
    hi = min(2**31 - 1, bound, int(facets.max_inclusive) if facets.max_inclusive is not None else 2**31 - 1)
    return st.integers(lo, hi)


def _single(f: FieldSpec, max_repeat: int) -> st.SearchStrategy[Any]:
    if f.kind is ValueKind.STRING:
        return text(f.facets, f.fixed)
    if f.kind is ValueKind.DECIMAL:
        return decimals(f.facets, f.fixed)
    if f.kind is ValueKind.INTEGER:
        return integers(f.facets, f.fixed)
    if f.kind is ValueKind.XML:
        return st.sampled_from(ANY_ELEMENTS) if f.tag == ANY_ELEMENT else st.just(SIGNATURE)
    assert f.model is not None
    return st.deferred(lambda: models(f.model, max_repeat=max_repeat))


def field_values(f: FieldSpec, *, max_repeat: int = 2) -> st.SearchStrategy[Any]:
    """Values of one field: a tuple for repeated fields, ``None`` allowed for optional ones."""
    single = _single(f, max_repeat)
    if f.tag == TEXT_CONTENT and f.min_occurs == 0:
        if f.kind is not ValueKind.STRING:  # an element without its number is refused (empty-value): always one
            return single
        return st.none() | single.filter(lambda v: v != "")  # an empty optional text decodes as None
    if f.repeated:
        hi = max(f.min_occurs, min(f.max_occurs or max_repeat, max_repeat))
        return st.lists(single, min_size=f.min_occurs, max_size=hi).map(tuple)
    if f.min_occurs == 0:
        return st.none() | single
    return single


def attribute_values(a: AttributeSpec) -> st.SearchStrategy[str | None]:
    """Values of one XML attribute."""
    value = text(a.facets)
    return value if a.required else st.none() | value


@functools.cache
def models(cls: type[Any], *, max_repeat: int = 2) -> st.SearchStrategy[Any]:
    """Instances of any eport model class, valid against its schema's facets."""
    spec = spec_of(cls)
    kwargs: dict[str, st.SearchStrategy[Any]] = {a.name: attribute_values(a) for a in spec.attributes}
    for f in spec.fields:
        # known real-world extensions (TaxHeadRd/orderNo) are not in the schema: left out, as schema-valid data has
        kwargs[f.name] = st.none() if is_extension(spec.tag, f.tag) else field_values(f, max_repeat=max_repeat)
    return st.builds(cls, **kwargs)


__all__ = ["ANY_ELEMENTS", "SIGNATURE", "attribute_values", "decimals", "field_values", "integers", "models", "text"]
