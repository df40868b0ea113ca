"""Minimal BER-TLV (ISO 7816-4 §5.2) for the card's data objects: one- and two-byte tags, definite lengths."""

from __future__ import annotations

from collections.abc import Iterator

from eport.errors import BadResponseError


def encode_tlv(tag: int, value: bytes) -> bytes:
    """Encode one data object.

    Args:
        tag: a one-byte (``0x80``) or two-byte (``0x5F20``) tag.
        value: the value.

    Returns:
        tag, length (short or long form), value.
    """
    tag_bytes = tag.to_bytes(2 if tag > 0xFF else 1, "big")
    n = len(value)
    if n < 0x80:
        length = bytes((n,))
    elif n <= 0xFF:
        length = bytes((0x81, n))
    else:
        length = b"\x82" + n.to_bytes(2, "big")
    return tag_bytes + length + value


def iter_tlv(data: bytes) -> Iterator[tuple[int, bytes]]:
    """Yield ``(tag, value)`` for each data object in ``data``.

    Raises:
        eport.errors.BadResponseError: on truncated or malformed encodings.
    """
    i = 0
    while i < len(data):
        if data[i] in (0x00, 0xFF):  # padding between objects
            i += 1
            continue
        tag = data[i]
        i += 1
        if tag & 0x1F == 0x1F:
            if i >= len(data):
                raise BadResponseError("truncated TLV tag")
            tag = (tag << 8) | data[i]
            i += 1
        if i >= len(data):
            raise BadResponseError("truncated TLV length")
        first = data[i]
        i += 1
        if first < 0x80:
            length = first
        elif first in (0x81, 0x82):
            size = first & 0x7F
            if i + size > len(data):
                raise BadResponseError("truncated TLV length")
            length = int.from_bytes(data[i : i + size], "big")
            i += size
        else:
            raise BadResponseError(f"unsupported TLV length byte {first:02X}")
        if i + length > len(data):
            raise BadResponseError("TLV value runs past the end of the data")
        yield tag, data[i : i + length]
        i += length


def parse_tlv(data: bytes) -> dict[int, bytes]:
    """Parse data objects into a dict (the last one wins for repeated tags).

    Raises:
        eport.errors.BadResponseError: on truncated or malformed encodings.
    """
    return dict(iter_tlv(data))


__all__ = ["encode_tlv", "iter_tlv", "parse_tlv"]
