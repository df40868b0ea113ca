"""Property tests: declarations and manifests survive encode → decode; hostile bytes raise only EportError."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from eport import edi
from eport.edi import manifest as mf
from eport.edi.core.spec import ValueKind, spec_of
from eport.edi.dec import DecHead, DecList, DecLists, DecMessage, DecSign, EdocRealation
from eport.edi.dec.codec import decode_declaration, encode_declaration
from eport.edi.dec.filedrop import classify_receipt, read_package
from eport.edi.dec.receipts import parse_dec_receipt
from eport.errors import EportError

DATA = Path(__file__).parent / "data"

# XML-legal text that is not blank (blank elements mean "no value" to decode_declaration)
_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff"),
    min_size=1,
    max_size=12,
).filter(lambda s: s.strip() != "")
_DECIMAL = st.decimals(allow_nan=False, allow_infinity=False, places=3, min_value=-(10**9), max_value=10**9)


def _model(cls: type[Any], max_fields: int = 8) -> st.SearchStrategy[Any]:
    simple = [f for f in spec_of(cls).fields if f.kind in (ValueKind.STRING, ValueKind.DECIMAL) and not f.repeated]

    @st.composite
    def build(draw: st.DrawFn) -> Any:
        chosen = draw(st.lists(st.sampled_from(simple), max_size=max_fields, unique_by=lambda f: f.name))
        kwargs = {f.name: draw(_DECIMAL if f.kind is ValueKind.DECIMAL else _TEXT) for f in chosen}
        return cls(**kwargs)

    return build()


@st.composite
def declarations(draw: st.DrawFn) -> DecMessage:
    items = draw(st.lists(_model(DecList), max_size=4))
    return DecMessage(
        dec_head=draw(_model(DecHead, 20)),
        dec_lists=DecLists(dec_list=tuple(items)) if items else None,
        dec_sign=draw(_model(DecSign)),
        edoc_realation=tuple(draw(st.lists(_model(EdocRealation), max_size=2))),
        version=draw(st.none() | st.sampled_from(["3.1", "4.8"])),
    )


@given(declarations())
def test_declarations_round_trip(message: DecMessage) -> None:
    data = encode_declaration(message)
    assert decode_declaration(data) == message
    assert edi.decode(data) == message


@st.composite
def manifests(draw: st.DrawFn) -> mf.Manifest:
    mtype = draw(st.sampled_from(["MT1101", "MT2101", "MT3101", "MT4101", "MT5101", "MT5102", "MT1401"]))
    # a measure carries its value: an empty one is no decimal and decoding refuses it (test_empty_values.py)
    measure = st.builds(mf.Measure, value=_DECIMAL, unit_code=st.none() | _TEXT)
    if mf.is_road(mtype):
        consignment: Any = st.builds(
            mf.RoadConsignment,
            gross_volume_measure=st.none() | measure,
            consignment_item=st.lists(
                st.builds(mf.RoadConsignmentItem, sequence_numeric=st.none() | _DECIMAL), max_size=3
            ).map(tuple),
        )
        body: Any = st.builds(
            mf.RoadDeclaration, id=st.none() | _TEXT, consignment=st.lists(consignment, max_size=3).map(tuple)
        )
    else:
        consignment = st.builds(
            mf.Consignment,
            total_gross_mass_measure=st.none() | measure,
            value_amount=st.none() | st.builds(mf.Amount, value=_DECIMAL, currency_type_code=_TEXT),
            consignee=st.none() | st.builds(mf.Party, id=_TEXT, name=st.none() | _TEXT),
        )
        body = st.builds(mf.Declaration, id=st.none() | _TEXT, consignment=st.lists(consignment, max_size=3).map(tuple))
    head = draw(st.builds(mf.Head, message_id=st.none() | _TEXT, sender_id=st.none() | _TEXT))
    return mf.Manifest(
        head=mf.Head(**{**head.__dict__, "message_type": mtype}) if False else _with_type(head, mtype),
        declaration=draw(body),
    )


def _with_type(head: mf.Head, mtype: str) -> mf.Head:
    import attrs

    return attrs.evolve(head, message_type=mtype)


@given(manifests())
def test_manifests_round_trip(message: mf.Manifest) -> None:
    assert mf.decode_manifest(mf.encode_manifest(message)) == message


_SEEDS = [
    (DATA / "dec" / "dec_import_air_full.xml").read_bytes(),
    (DATA / "manifest" / "mt1401_road_original.xml").read_bytes(),
    b"<DEC_RESULT><CHANNEL>P</CHANNEL></DEC_RESULT>",
]


@given(
    st.binary(max_size=300)
    | st.sampled_from(_SEEDS).flatmap(
        lambda seed: st.tuples(st.integers(0, len(seed) - 1), st.binary(min_size=1, max_size=8)).map(
            lambda cut: seed[: cut[0]] + cut[1] + seed[cut[0] + len(cut[1]) :]
        )
    )
)
def test_hostile_bytes_raise_only_eport_errors(data: bytes) -> None:
    for reader in (decode_declaration, mf.decode_manifest, parse_dec_receipt, classify_receipt, read_package):
        with contextlib.suppress(EportError):
            reader(data)
