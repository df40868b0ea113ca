"""The ISO 7816-4 command profile of the E-Port operator card (操作员卡).

The real card's command set is not public: the official client talks to it through vendor middleware
(``IKeyAPI.dll``, ``SPSecureAPI64.dll`` …). eport therefore defines its own documented profile built only from
standard ISO 7816-4 commands, implemented by the emulator (:mod:`eport.card.emulator`) and used by
:class:`eport.card.operator.OperatorCard`. A vendor's profile is plugged in by passing another object that
implements :class:`CardProfile` (subclass :class:`EportCardProfile` and override what differs, or change its
fields: AID, file identifiers, data-object tags, key references).

The default profile (``eport-iso7816``, see ``docs/card.md`` for the full table):

============================  ===============================================================
SELECT application            ``00 A4 04 00 Lc <AID D156000045504F525401> 00``
card ID / holder data         GET DATA ``00 CA 01 01`` / ``00 CA 01 02`` (TLV 80 name, 81 enterprise code,
                              82 enterprise name, 83 certificate number)
PIN status (no try spent)     GET DATA ``00 CA 01 04`` → tries left, maximum tries
VERIFY                        ``00 20 00 81 10 <PIN, ASCII, padded with FF to 16 bytes>``
CHANGE REFERENCE DATA         ``00 24 00 81 20 <old PIN block><new PIN block>``
certificates                  SELECT EF ``00 A4 02 0C 02 <FID>`` then READ BINARY ``00 B0 <offset> <Le>``;
                              FID 0201 RSA signing, 0202 encryption, 0203 SM2 signing certificate
choose the key                MSE:SET DST ``00 22 41 B6 03 84 01 <key ref>`` (01 RSA, 02 SM2)
sign                          PSO: COMPUTE DIGITAL SIGNATURE ``00 2A 9E 9A``; RSA: data is the DigestInfo,
                              PKCS#1 v1.5 on card; SM2: data is the message, the card computes Z_A and SM3 and
                              returns DER ``SEQUENCE{r, s}``
============================  ===============================================================
"""

from __future__ import annotations

from typing import Protocol

import attrs

from eport.card.apdu import SW, CommandApdu, error_for_sw, tries_from_sw
from eport.card.protocol import CardProtocol
from eport.card.tlv import encode_tlv, parse_tlv
from eport.errors import BadResponseError, FileNotFound, PinPolicyError
from eport.pki.signer import KeyAlgorithm

#: Tags inside the holder-data object of the default profile.
TAG_HOLDER_NAME = 0x80
TAG_ENTERPRISE_CODE = 0x81
TAG_ENTERPRISE_NAME = 0x82
TAG_CERTIFICATE_NUMBER = 0x83


@attrs.frozen(kw_only=True)
class HolderData:
    """What the card says about its holder (持卡人信息)."""

    holder_name: str
    enterprise_code: str
    enterprise_name: str
    certificate_number: str

    def to_tlv(self) -> bytes:
        """Encode as the default profile's holder-data object."""
        return (
            encode_tlv(TAG_HOLDER_NAME, self.holder_name.encode("utf-8"))
            + encode_tlv(TAG_ENTERPRISE_CODE, self.enterprise_code.encode("utf-8"))
            + encode_tlv(TAG_ENTERPRISE_NAME, self.enterprise_name.encode("utf-8"))
            + encode_tlv(TAG_CERTIFICATE_NUMBER, self.certificate_number.encode("ascii"))
        )

    @classmethod
    def from_tlv(cls, data: bytes) -> HolderData:
        """Decode the default profile's holder-data object.

        Raises:
            eport.errors.BadResponseError: if the object is malformed or not UTF-8.
        """
        objects = parse_tlv(data)
        try:
            return cls(
                holder_name=objects.get(TAG_HOLDER_NAME, b"").decode("utf-8"),
                enterprise_code=objects.get(TAG_ENTERPRISE_CODE, b"").decode("utf-8"),
                enterprise_name=objects.get(TAG_ENTERPRISE_NAME, b"").decode("utf-8"),
                certificate_number=objects.get(TAG_CERTIFICATE_NUMBER, b"").decode("ascii"),
            )
        except UnicodeDecodeError as exc:
            raise BadResponseError(f"holder data is not valid text: {exc.reason}") from None


class CardProfile(Protocol):
    """How to perform each operator-card operation with APDUs. Implement this to support a vendor's card."""

    @property
    def name(self) -> str:
        """A short name of the profile, for messages."""
        ...

    @property
    def factory_default_pin(self) -> str:
        """The PIN cards are issued with (88888888 for E-Port cards)."""
        ...

    def select(self, protocol: CardProtocol) -> None:
        """Select the operator-card application."""
        ...

    def read_card_id(self, protocol: CardProtocol) -> str:
        """Return the card ID (卡号, printed on the card)."""
        ...

    def read_holder_data(self, protocol: CardProtocol) -> HolderData:
        """Return holder name, enterprise code and name, certificate number."""
        ...

    def read_certificate(self, protocol: CardProtocol, which: str) -> bytes | None:
        """Return a certificate in DER (``which``: ``"sign-rsa"``, ``"sign-sm2"``, ``"encrypt"``), None if absent."""
        ...

    def pin_tries_left(self, protocol: CardProtocol) -> int:
        """Return the PIN tries left without spending one."""
        ...

    def check_pin_format(self, pin: str) -> None:
        """Raise :class:`~eport.errors.PinPolicyError` if ``pin`` cannot be a PIN of this card."""
        ...

    def verify_pin(self, protocol: CardProtocol, pin: str) -> None:
        """Send VERIFY once (never retried)."""
        ...

    def change_pin(self, protocol: CardProtocol, old_pin: str, new_pin: str) -> None:
        """Send CHANGE REFERENCE DATA once."""
        ...

    def sign(self, protocol: CardProtocol, key: KeyAlgorithm, payload: bytes) -> bytes:
        """Sign on card: ``payload`` is a DigestInfo for RSA keys and the message for SM2 keys."""
        ...


#: Certificate slots of the default profile: name → file identifier.
CERTIFICATE_FILES = {"sign-rsa": 0x0201, "encrypt": 0x0202, "sign-sm2": 0x0203}


@attrs.frozen(kw_only=True)
class EportCardProfile:
    """eport's ISO 7816-4 profile of the operator card (the default; see the module table).

    Every identifier is a field, so a card that differs only in numbers needs no code: ``attrs.evolve(
    EportCardProfile(), aid=...)``.
    """

    name: str = "eport-iso7816"
    aid: bytes = bytes.fromhex("D156000045504F525401")
    pin_reference: int = 0x81
    pin_block_length: int = 16
    pin_min_length: int = 6
    factory_default_pin: str = "88888888"
    card_id_tag: int = 0x0101
    holder_data_tag: int = 0x0102
    pin_status_tag: int = 0x0104
    certificate_files: dict[str, int] = attrs.field(factory=lambda: dict(CERTIFICATE_FILES))
    rsa_key_reference: int = 0x01
    sm2_key_reference: int = 0x02
    read_chunk: int = 256

    def select(self, protocol: CardProtocol) -> None:
        """SELECT the application by AID.

        Raises:
            eport.errors.FileNotFound: the card has no E-Port application (6A82).
        """
        protocol.select(self.aid)

    def _get_data(self, protocol: CardProtocol, tag: int) -> bytes:
        return protocol.send_apdu(0x00, 0xCA, tag >> 8, tag & 0xFF, le=256)

    def read_card_id(self, protocol: CardProtocol) -> str:
        """GET DATA card ID (ASCII)."""
        raw = self._get_data(protocol, self.card_id_tag)
        try:
            return raw.decode("ascii")
        except UnicodeDecodeError:
            raise BadResponseError("card ID is not ASCII") from None

    def read_holder_data(self, protocol: CardProtocol) -> HolderData:
        """GET DATA holder data (TLV)."""
        return HolderData.from_tlv(self._get_data(protocol, self.holder_data_tag))

    def read_certificate(self, protocol: CardProtocol, which: str) -> bytes | None:
        """SELECT the certificate EF and READ BINARY it; the DER header tells the length.

        Returns:
            The DER certificate, or ``None`` if the card has no such file.

        Raises:
            eport.errors.BadResponseError: if the file does not hold a DER SEQUENCE.
        """
        fid = self.certificate_files.get(which)
        if fid is None:
            return None
        try:
            protocol.send_apdu(0x00, 0xA4, 0x02, 0x0C, fid.to_bytes(2, "big"))
        except FileNotFound:
            return None
        first = _read_binary(protocol, 0, self.read_chunk)
        total = _der_total_length(first)
        buffer = bytearray(first[:total])
        while len(buffer) < total:
            offset = len(buffer)
            if offset > 0x7FFF:
                raise BadResponseError("certificate file larger than READ BINARY can address")
            chunk = _read_binary(protocol, offset, min(self.read_chunk, total - offset))
            if not chunk:
                raise BadResponseError("certificate file ends before its DER length")
            buffer += chunk
        return bytes(buffer[:total])

    def pin_tries_left(self, protocol: CardProtocol) -> int:
        """GET DATA PIN status (tries left, maximum); falls back to an empty VERIFY (ISO 7816-4 status query)."""
        response = protocol.transmit(
            CommandApdu(ins=0xCA, p1=self.pin_status_tag >> 8, p2=self.pin_status_tag & 0xFF, le=256)
        )
        if response.sw == SW.OK and response.data:
            return response.data[0]
        response = protocol.transmit(CommandApdu(ins=0x20, p2=self.pin_reference))
        tries = tries_from_sw(response.sw)
        if tries is not None:
            return tries
        raise error_for_sw(response.sw, response.data)

    def check_pin_format(self, pin: str) -> None:
        """PINs are printable ASCII, ``pin_min_length`` to ``pin_block_length`` characters.

        Raises:
            eport.errors.PinPolicyError: otherwise (the message never contains the PIN).
        """
        if not isinstance(pin, str) or not pin.isascii() or not pin.isprintable():
            raise PinPolicyError("a PIN must be printable ASCII text")
        if not self.pin_min_length <= len(pin) <= self.pin_block_length:
            raise PinPolicyError(f"a PIN has {self.pin_min_length} to {self.pin_block_length} characters")

    def _pin_block(self, pin: str) -> bytes:
        self.check_pin_format(pin)
        return pin.encode("ascii").ljust(self.pin_block_length, b"\xff")

    def verify_pin(self, protocol: CardProtocol, pin: str) -> None:
        """VERIFY, once.

        Raises:
            eport.errors.PinError: wrong PIN, with ``tries_left``.
            eport.errors.PinLockedError: the PIN is blocked.
        """
        protocol.send_apdu(0x00, 0x20, 0x00, self.pin_reference, self._pin_block(pin), sensitive=True)

    def change_pin(self, protocol: CardProtocol, old_pin: str, new_pin: str) -> None:
        """CHANGE REFERENCE DATA with old and new PIN blocks, once.

        Raises:
            eport.errors.PinError: wrong old PIN, with ``tries_left``.
            eport.errors.PinLockedError: the PIN is blocked.
        """
        data = self._pin_block(old_pin) + self._pin_block(new_pin)
        protocol.send_apdu(0x00, 0x24, 0x00, self.pin_reference, data, sensitive=True)

    def unblock_pin(self, protocol: CardProtocol, unlock_code: str, new_pin: str) -> None:
        """RESET RETRY COUNTER with the unlock code (解锁码) and the new PIN blocks, once.

        Raises:
            eport.errors.PinError: wrong unlock code, with its own ``tries_left``.
            eport.errors.PinLockedError: the unlock code is blocked too: only the card centre can help.
        """
        data = self._pin_block(unlock_code) + self._pin_block(new_pin)
        protocol.send_apdu(0x00, 0x2C, 0x00, self.pin_reference, data, sensitive=True)

    def sign(self, protocol: CardProtocol, key: KeyAlgorithm, payload: bytes) -> bytes:
        """MSE:SET DST to choose the key, then PSO: COMPUTE DIGITAL SIGNATURE.

        Raises:
            eport.errors.SecurityStatusNotSatisfied: the PIN has not been verified (6982).
            eport.errors.ApduError: 6A88 if the card has no such key.
        """
        reference = self.rsa_key_reference if key is KeyAlgorithm.RSA else self.sm2_key_reference
        protocol.send_apdu(0x00, 0x22, 0x41, 0xB6, bytes((0x84, 0x01, reference)))
        return protocol.send_apdu(0x00, 0x2A, 0x9E, 0x9A, payload, le=256)


def _read_binary(protocol: CardProtocol, offset: int, le: int) -> bytes:
    """READ BINARY; ``6282`` (end of file before Le bytes) is a warning that still carries the data."""
    response = protocol.transmit(CommandApdu(ins=0xB0, p1=offset >> 8, p2=offset & 0xFF, le=le))
    if response.sw not in (SW.OK, SW.WARNING_END_OF_FILE):
        raise error_for_sw(response.sw, response.data)
    return response.data


def _der_total_length(head: bytes) -> int:
    """Total length of the DER element that starts ``head``."""
    if len(head) < 2 or head[0] != 0x30:
        raise BadResponseError("certificate file does not start with a DER SEQUENCE")
    first = head[1]
    if first < 0x80:
        return 2 + first
    size = first & 0x7F
    if size == 0 or size > 3 or len(head) < 2 + size:
        raise BadResponseError("certificate file has an unsupported DER length")
    return 2 + size + int.from_bytes(head[2 : 2 + size], "big")


__all__ = ["CERTIFICATE_FILES", "CardProfile", "EportCardProfile", "HolderData"]
