"""A declaration package whose member is marked encrypted is a typed DecodeError, not zipfile's RuntimeError."""

from __future__ import annotations

import io
import zipfile

import pytest

from eport.edi.dec.filedrop import read_package
from eport.errors import DecodeError


def encrypted_package() -> bytes:
    """A package whose second member carries the "encrypted" flag (general purpose bit 0), as a damaged or
    password-protected archive does."""
    sink = io.BytesIO()
    with zipfile.ZipFile(sink, "w") as zf:
        zf.writestr("message.xml", b"<DecMessage/>")
        zf.writestr("attachment.pdf", b"%PDF")
    data = bytearray(sink.getvalue())
    local = data.index(b"PK\x03\x04", 4)  # the second member's local header; flags at offset 6
    data[local + 6] |= 0x01
    central = data.index(b"PK\x01\x02", data.index(b"PK\x01\x02") + 4)  # its central entry; flags at offset 8
    data[central + 8] |= 0x01
    return bytes(data)


def test_an_encrypted_member_is_a_decode_error() -> None:
    with pytest.raises(DecodeError, match="damaged zip package"):
        read_package(encrypted_package())
