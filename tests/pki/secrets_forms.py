"""The printable forms of private-key material and PINs, to assert that none appears in a text."""

from __future__ import annotations

import base64
import traceback

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from eport.pki.signers import PrivateKey
from eport.pki.sm2 import SM2PrivateKey


def _int_forms(value: int) -> list[str]:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    text = [str(value), f"{value:x}", f"{value:X}", raw.hex(), raw.hex().upper(), base64.b64encode(raw).decode()]
    return [t for t in text if len(t) >= 16]  # shorter strings match by chance


def _pem_lines(pem: bytes) -> list[str]:
    return [line for line in pem.decode("ascii").splitlines() if line and not line.startswith("-----")]


def key_forms(key: PrivateKey) -> list[str]:
    """The secret scalar(s) in decimal, hex and base64, and every body line of the key's PEM encodings."""
    if isinstance(key, SM2PrivateKey):
        return _int_forms(int.from_bytes(key.to_bytes(), "big")) + _pem_lines(key.to_pem())
    if isinstance(key, rsa.RSAPrivateKey):
        numbers = key.private_numbers()
        values = [numbers.d, numbers.p, numbers.q, numbers.dmp1, numbers.dmq1, numbers.iqmp]
    elif isinstance(key, ec.EllipticCurvePrivateKey):
        values = [key.private_numbers().private_value]
    else:  # pragma: no cover - PrivateKey is one of the three
        raise TypeError(type(key))
    forms = [f for value in values for f in _int_forms(value)]
    for fmt in (serialization.PrivateFormat.PKCS8, serialization.PrivateFormat.TraditionalOpenSSL):
        pem = key.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption())
        forms += _pem_lines(pem)[1:-1]  # full 64-character lines (the first and last can share generic DER prefixes)
    return forms


def pin_forms(pin: str) -> list[str]:
    raw = pin.encode("ascii")
    return [pin, raw.hex(), raw.hex().upper(), raw.hex(" "), raw.hex(" ").upper(), repr(raw)]


def describe(exc: BaseException) -> str:
    """Everything a caller would print about an exception: str, repr and the formatted chain."""
    return f"{exc}\n{exc!r}\n" + "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))


def assert_no_secret(text: str, forms: list[str]) -> None:
    for form in forms:
        assert form not in text, f"secret material leaked: {form[:6]}…"
