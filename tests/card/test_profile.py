"""The command profile: TLV data objects, replaceable identifiers, vendor profiles."""

from __future__ import annotations

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from eport.card.emulator import DEMO_PIN, EmulatedCard, InProcessTransport, demo_card
from eport.card.operator import OperatorCard
from eport.card.profile import EportCardProfile, HolderData
from eport.card.protocol import CardProtocol
from eport.card.tlv import encode_tlv, iter_tlv, parse_tlv
from eport.errors import BadResponseError, FileNotFound
from eport.pki.signer import SignatureAlgorithm

text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=200)


@given(holder=text, code=text, name=text, number=st.text("0123456789abcdef", max_size=20))
def test_holder_data_round_trip(holder: str, code: str, name: str, number: str) -> None:
    data = HolderData(holder_name=holder, enterprise_code=code, enterprise_name=name, certificate_number=number)
    assert HolderData.from_tlv(data.to_tlv()) == data


@given(objects=st.lists(st.tuples(st.sampled_from([0x80, 0x81, 0x5F20, 0x9F7F]), st.binary(max_size=600))))
def test_tlv_round_trip(objects: list[tuple[int, bytes]]) -> None:
    encoded = b"".join(encode_tlv(tag, value) for tag, value in objects)
    assert list(iter_tlv(encoded)) == objects


@pytest.mark.parametrize("bad", ["80", "8005AABB", "5F", "8083000001", "80820100"])
def test_tlv_errors(bad: str) -> None:
    with pytest.raises(BadResponseError):
        parse_tlv(bytes.fromhex(bad))


def test_holder_data_must_be_text() -> None:
    with pytest.raises(BadResponseError):
        HolderData.from_tlv(encode_tlv(0x80, b"\xff\xfe"))


def test_identifiers_are_fields() -> None:
    profile = attrs.evolve(EportCardProfile(), aid=bytes.fromhex("A0000000031234"), pin_reference=0x01)
    card = EmulatedCard(
        card_id="X1",
        holder=demo_card().holder,
        pin=DEMO_PIN,
        profile=profile,
    )
    with pytest.raises(FileNotFound):
        OperatorCard(InProcessTransport(card))  # the default profile does not find this card's application
    operator = OperatorCard(InProcessTransport(card), profile=profile)
    assert operator.card_id() == "X1"
    operator.verify_pin(DEMO_PIN)
    assert card.verified


class VendorProfile(EportCardProfile):
    """A vendor that keeps the card ID elsewhere and signs RSA-SHA256 only."""

    def read_card_id(self, protocol: CardProtocol) -> str:
        return "VENDOR-" + super().read_card_id(protocol)


def test_a_vendor_profile_plugs_in() -> None:
    operator = OperatorCard(InProcessTransport(demo_card()), profile=VendorProfile(name="vendor-x"))
    assert operator.card_id() == "VENDOR-JJ0DEMO000001"
    assert operator.info().card_id == "VENDOR-JJ0DEMO000001"
    assert "vendor-x" in repr(operator)
    operator.verify_pin(DEMO_PIN)
    assert len(operator.sign(b"x", SignatureAlgorithm.RSA_SHA256)) == 256


def test_certificate_files_are_read_by_their_der_length() -> None:
    card = demo_card()
    operator = OperatorCard(InProcessTransport(card))
    before = card.commands
    der = operator.signing_certificate()
    reads = card.commands - before - 1  # minus the SELECT EF
    assert reads == -(-len(der) // 256)  # exactly ceil(len/256) READ BINARY commands, no read past the end
    card.files[0x0201] = b"\x04\x03abc"
    with pytest.raises(BadResponseError):
        OperatorCard(InProcessTransport(card)).signing_certificate()
    del card.files[0x0202]
    assert OperatorCard(InProcessTransport(card)).encryption_certificate() is None
