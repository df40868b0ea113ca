"""Block framing of large requests to the E-Port client's local signing service (``BLOCKTXT`` frames).

The official JavaScript library splits any request above about 120 KB (UTF-8 size) into frames, each a 128-character
ASCII header followed by a chunk of the request text::

    "BLOCKTXT" + total check (4) + block check (4) + total size (16) + block size (8) + block count (4)
               + group GUID (36) + block number (4) + "0" padding to 128 characters

and the service asks for each next block with a ``_nextBlock`` message ``{guid, next, finish}``.

**Unverified** (see ``docs/card.md``): the field layout comes from reading the JS library; the check code is "a
CRC-16-style table algorithm" there, whose exact polynomial was not recovered. eport uses CRC-16/CCITT-FALSE as 4
upper-case hex digits and lets callers pass another ``check_code`` function. Numbers are zero-padded decimals and
block numbers start at 0 (also unverified). Signing calls are sent unframed by the JS library, so this matters only
for very large payloads.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import attrs

from eport.errors import BadResponseError, ConfigurationError

MAGIC = "BLOCKTXT"
HEADER_LENGTH = 128
#: Payloads above this UTF-8 size are framed (the JS library's ``MaxLength = 120*1024``).
MAX_BLOCK_BYTES = 120 * 1024


def crc16_ccitt(data: bytes) -> str:
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF) as 4 upper-case hex digits."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return f"{crc:04X}"


@attrs.frozen(kw_only=True)
class Frame:
    """One ``BLOCKTXT`` frame."""

    total_check: str
    block_check: str
    total_size: int
    block_count: int
    guid: str
    number: int
    chunk: str = attrs.field(repr=lambda c: f"<{len(c)} chars>")

    def to_text(self) -> str:
        """The frame as sent: header then chunk."""
        header = (
            MAGIC
            + self.total_check
            + self.block_check
            + f"{self.total_size:016d}"
            + f"{len(self.chunk.encode('utf-8')):08d}"
            + f"{self.block_count:04d}"
            + self.guid
            + f"{self.number:04d}"
        )
        return header.ljust(HEADER_LENGTH, "0") + self.chunk


def is_frame(text: str) -> bool:
    """Whether a received text message is a ``BLOCKTXT`` frame."""
    return text.startswith(MAGIC) and len(text) >= HEADER_LENGTH


def split_text(
    text: str, *, max_block_bytes: int = MAX_BLOCK_BYTES, check_code: Callable[[bytes], str] = crc16_ccitt
) -> list[Frame]:
    """Split ``text`` into frames of at most ``max_block_bytes`` UTF-8 bytes, never inside a character.

    Raises:
        eport.errors.ConfigurationError: ``max_block_bytes`` is smaller than 4.
    """
    if max_block_bytes < 4:
        raise ConfigurationError("max_block_bytes must be at least 4")
    encoded = text.encode("utf-8")
    chunks = list(_chunks(text, max_block_bytes))
    guid = str(uuid.uuid4())
    total_check = check_code(encoded)
    return [
        Frame(
            total_check=total_check,
            block_check=check_code(chunk.encode("utf-8")),
            total_size=len(encoded),
            block_count=len(chunks),
            guid=guid,
            number=number,
            chunk=chunk,
        )
        for number, chunk in enumerate(chunks)
    ]


def _chunks(text: str, limit: int) -> Iterator[str]:
    start = 0
    size = 0
    for index, char in enumerate(text):
        width = len(char.encode("utf-8"))
        if size + width > limit:
            yield text[start:index]
            start, size = index, 0
        size += width
    yield text[start:]


def parse_frame(text: str, *, check_code: Callable[[bytes], str] = crc16_ccitt) -> Frame:
    """Parse one frame and check its block check code.

    Raises:
        eport.errors.BadResponseError: malformed header or wrong check code.
    """
    if not is_frame(text):
        raise BadResponseError("not a BLOCKTXT frame")
    header, chunk = text[:HEADER_LENGTH], text[HEADER_LENGTH:]
    try:
        total_check, block_check = header[8:12], header[12:16]
        total_size, block_size = int(header[16:32]), int(header[32:40])
        block_count, guid, number = int(header[40:44]), header[44:80], int(header[80:84])
    except ValueError:
        raise BadResponseError("malformed BLOCKTXT header") from None
    data = chunk.encode("utf-8")
    if len(data) != block_size or check_code(data) != block_check:
        raise BadResponseError(f"BLOCKTXT block {number} is damaged (size or check code mismatch)")
    return Frame(
        total_check=total_check,
        block_check=block_check,
        total_size=total_size,
        block_count=block_count,
        guid=guid,
        number=number,
        chunk=chunk,
    )


def join_frames(frames: list[Frame], *, check_code: Callable[[bytes], str] = crc16_ccitt) -> str:
    """Reassemble the text of a complete group of frames, checking size and total check code.

    Raises:
        eport.errors.BadResponseError: missing blocks, or the whole does not match its size or check code.
    """
    if not frames:
        raise BadResponseError("no frames to join")
    ordered = sorted(frames, key=lambda f: f.number)
    first = ordered[0]
    if [f.number for f in ordered] != list(range(first.block_count)):
        raise BadResponseError("BLOCKTXT group is incomplete")
    text = "".join(f.chunk for f in ordered)
    data = text.encode("utf-8")
    if len(data) != first.total_size or check_code(data) != first.total_check:
        raise BadResponseError("BLOCKTXT group does not match its total size or check code")
    return text


__all__ = [
    "HEADER_LENGTH",
    "MAGIC",
    "MAX_BLOCK_BYTES",
    "Frame",
    "crc16_ccitt",
    "is_frame",
    "join_frames",
    "parse_frame",
    "split_text",
]
