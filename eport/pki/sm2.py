"""SM2 signatures (GB/T 32918) with SM3 and the distinguishing ID, for hosts without SM2 in ``cryptography``.

``cryptography`` has SM3 and SM4 but no SM2 keys. This module offers two backends behind one small API:

- ``"openssl"``: the system libcrypto (OpenSSL >= 3.0) through :mod:`ctypes`, about 2,000 signatures per second;
- ``"python"``: a pure-Python implementation (Jacobian coordinates, Shamir's trick), about 100 per second.

``"auto"`` (the default) picks ``"openssl"`` when libcrypto can make SM2 signatures and falls back to ``"python"``.
Both produce and accept the DER ``SEQUENCE { r, s }`` that OpenSSL and X.509 use; :func:`der_to_raw` and
:func:`raw_to_der` convert to and from the 64-byte ``r || s`` that smart cards and the E-Port client return.

Nonces come from :mod:`secrets` (pure Python) or OpenSSL's DRBG; never from :mod:`random`.

Example::

    key = SM2PrivateKey.generate()
    sig = key.sign(b"message")                       # SM3, Z_A with ID 1234567812345678
    key.public_key().verify(sig, b"message")         # raises eport.errors.InvalidSignature on mismatch
"""

from __future__ import annotations

import base64
import ctypes
import ctypes.util
import functools
import hmac
import logging
import secrets
import weakref
from typing import Literal

from cryptography.hazmat.primitives import hashes

from eport.errors import ConfigurationError, InvalidSignature, UnsupportedAlgorithm

logger = logging.getLogger(__name__)

#: The default distinguishing ID (GB/T 35276 / GM/T 0009): ``1234567812345678``.
DEFAULT_UID = b"1234567812345678"
#: Object identifier of the SM2 curve (``sm2p256v1``), used in keys and certificates.
SM2_CURVE_OID = "1.2.156.10197.1.301"
#: Object identifier of the signature algorithm SM2 with SM3 (``SM3withSM2``).
SM2_SM3_SIGNATURE_OID = "1.2.156.10197.1.501"

Backend = Literal["auto", "openssl", "python"]

# Curve parameters of sm2p256v1 (GB/T 32918.5).
P = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF
A = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC
B = 0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93
N = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123
GX = 0x32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7
GY = 0xBC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0


def sm3(data: bytes) -> bytes:
    """Return the SM3 digest of ``data`` (GB/T 32905) computed by ``cryptography``."""
    h = hashes.Hash(hashes.SM3())
    h.update(data)
    return h.finalize()


# ----------------------------------------------------------------------------------------------- pure Python math
_Jacobian = tuple[int, int, int]
_INFINITY: _Jacobian = (1, 1, 0)


def _jdouble(p: _Jacobian) -> _Jacobian:
    x, y, z = p
    if z == 0 or y == 0:
        return _INFINITY
    yy = y * y % P
    s = 4 * x * yy % P
    zz = z * z % P
    m = (3 * x * x + A * zz * zz) % P
    nx = (m * m - 2 * s) % P
    ny = (m * (s - nx) - 8 * yy * yy) % P
    nz = 2 * y * z % P
    return nx, ny, nz


def _jadd(p: _Jacobian, q: _Jacobian) -> _Jacobian:
    if p[2] == 0:
        return q
    if q[2] == 0:
        return p
    x1, y1, z1 = p
    x2, y2, z2 = q
    z1z1 = z1 * z1 % P
    z2z2 = z2 * z2 % P
    u1 = x1 * z2z2 % P
    u2 = x2 * z1z1 % P
    s1 = y1 * z2 * z2z2 % P
    s2 = y2 * z1 * z1z1 % P
    if u1 == u2:
        return _jdouble(p) if s1 == s2 else _INFINITY
    h = (u2 - u1) % P
    r = (s2 - s1) % P
    hh = h * h % P
    hhh = h * hh % P
    v = u1 * hh % P
    nx = (r * r - hhh - 2 * v) % P
    ny = (r * (v - nx) - s1 * hhh) % P
    nz = h * z1 * z2 % P
    return nx, ny, nz


def _to_affine(p: _Jacobian) -> tuple[int, int] | None:
    x, y, z = p
    if z == 0:
        return None
    zi = pow(z, -1, P)
    zi2 = zi * zi % P
    return x * zi2 % P, y * zi2 * zi % P


def _mul(k: int, point: tuple[int, int]) -> _Jacobian:
    result = _INFINITY
    addend: _Jacobian = (point[0], point[1], 1)
    while k:
        if k & 1:
            result = _jadd(result, addend)
        addend = _jdouble(addend)
        k >>= 1
    return result


@functools.lru_cache(maxsize=1)
def _base_table() -> tuple[_Jacobian, ...]:
    """2^i * G for i in 0..255, so that k*G costs only additions."""
    table = []
    point: _Jacobian = (GX, GY, 1)
    for _ in range(256):
        table.append(point)
        point = _jdouble(point)
    return tuple(table)


def _mul_base(k: int) -> _Jacobian:
    result = _INFINITY
    for i, point in enumerate(_base_table()):
        if (k >> i) & 1:
            result = _jadd(result, point)
    return result


def _shamir(k1: int, k2: int, point: tuple[int, int]) -> _Jacobian:
    """k1*G + k2*point."""
    g: _Jacobian = (GX, GY, 1)
    q: _Jacobian = (point[0], point[1], 1)
    gq = _jadd(g, q)
    result = _INFINITY
    for i in range(max(k1.bit_length(), k2.bit_length()) - 1, -1, -1):
        result = _jdouble(result)
        b1, b2 = (k1 >> i) & 1, (k2 >> i) & 1
        if b1 and b2:
            result = _jadd(result, gq)
        elif b1:
            result = _jadd(result, g)
        elif b2:
            result = _jadd(result, q)
    return result


def _on_curve(x: int, y: int) -> bool:
    return 0 <= x < P and 0 <= y < P and (y * y - (x * x * x + A * x + B)) % P == 0


def _int32(value: int) -> bytes:
    return value.to_bytes(32, "big")


def z_a(public_point: bytes, uid: bytes = DEFAULT_UID) -> bytes:
    """Return Z_A = SM3(ENTL || ID || a || b || xG || yG || xA || yA) for an uncompressed public point.

    Args:
        public_point: ``04 || x || y`` (65 bytes).
        uid: the distinguishing ID.

    Raises:
        ConfigurationError: if ``uid`` is longer than 8191 bytes.
    """
    if len(uid) * 8 > 0xFFFF:
        raise ConfigurationError("SM2 distinguishing ID too long")
    entl = (len(uid) * 8).to_bytes(2, "big")
    return sm3(entl + uid + _int32(A) + _int32(B) + _int32(GX) + _int32(GY) + public_point[1:65])


# ----------------------------------------------------------------------------------------------- DER helpers
def _der_int(value: int) -> bytes:
    body = value.to_bytes(value.bit_length() // 8 + 1, "big")
    return b"\x02" + _der_len(len(body)) + body


def _der_len(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    body = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def _encode_rs(r: int, s: int) -> bytes:
    body = _der_int(r) + _der_int(s)
    return b"\x30" + _der_len(len(body)) + body


def _decode_rs(signature: bytes) -> tuple[int, int]:
    """Strict DER decoding of ``SEQUENCE { INTEGER r, INTEGER s }``; raises InvalidSignature."""
    try:
        if signature[0] != 0x30 or signature[1] >= 0x80 or signature[1] != len(signature) - 2:
            raise ValueError
        pos = 2
        values = []
        for _ in range(2):
            if signature[pos] != 0x02:
                raise ValueError
            length = signature[pos + 1]
            if length == 0 or length > 33:
                raise ValueError
            body = signature[pos + 2 : pos + 2 + length]
            if len(body) != length or body[0] & 0x80 or (length > 1 and body[0] == 0 and not body[1] & 0x80):
                raise ValueError
            values.append(int.from_bytes(body, "big"))
            pos += 2 + length
        if pos != len(signature):
            raise ValueError
    except (ValueError, IndexError):
        raise InvalidSignature("SM2 signature is not a DER SEQUENCE { r, s }") from None
    return values[0], values[1]


def der_to_raw(signature: bytes) -> bytes:
    """Convert a DER ``SEQUENCE { r, s }`` to the 64-byte ``r || s`` form.

    Raises:
        InvalidSignature: if ``signature`` is not a valid DER pair of 256-bit integers.
    """
    r, s = _decode_rs(signature)
    if r >= 1 << 256 or s >= 1 << 256:
        raise InvalidSignature("SM2 signature integers are longer than 256 bits")
    return _int32(r) + _int32(s)


def raw_to_der(signature: bytes) -> bytes:
    """Convert a 64-byte ``r || s`` signature to DER ``SEQUENCE { r, s }``.

    Raises:
        InvalidSignature: if ``signature`` is not 64 bytes long.
    """
    if len(signature) != 64:
        raise InvalidSignature(f"raw SM2 signature must be 64 bytes, got {len(signature)}")
    return _encode_rs(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))


def _spki_der(point: bytes) -> bytes:
    # SubjectPublicKeyInfo { AlgorithmIdentifier { id-ecPublicKey, sm2p256v1 }, BIT STRING point }
    alg = bytes.fromhex("301306072a8648ce3d020106082a811ccf5501822d")
    bits = b"\x03" + _der_len(len(point) + 1) + b"\x00" + point
    body = alg + bits
    return b"\x30" + _der_len(len(body)) + body


def _sec1_der(secret: int, point: bytes) -> bytes:
    # ECPrivateKey { 1, OCTET STRING d, [0] sm2p256v1, [1] BIT STRING point }
    body = (
        b"\x02\x01\x01"
        + b"\x04\x20"
        + _int32(secret)
        + bytes.fromhex("a00a06082a811ccf5501822d")
        + b"\xa1"
        + _der_len(len(point) + 3)
        + b"\x03"
        + _der_len(len(point) + 1)
        + b"\x00"
        + point
    )
    return b"\x30" + _der_len(len(body)) + body


# ----------------------------------------------------------------------------------------------- OpenSSL backend
class _LibCrypto:
    """Thin ctypes binding to the handful of libcrypto 3 functions SM2 needs."""

    def __init__(self, lib: ctypes.CDLL) -> None:
        vp, sz, cp, ci = ctypes.c_void_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_int
        self.lib = lib

        def bind(name: str, restype: object, *argtypes: object) -> None:
            fn = getattr(lib, name)
            fn.restype = restype
            fn.argtypes = list(argtypes)

        bind("d2i_PUBKEY", vp, vp, ctypes.POINTER(cp), ctypes.c_long)
        bind("d2i_AutoPrivateKey", vp, vp, ctypes.POINTER(cp), ctypes.c_long)
        bind("EVP_PKEY_free", None, vp)
        bind("EVP_PKEY_is_a", ci, vp, cp)
        bind("EVP_PKEY_CTX_new", vp, vp, vp)
        bind("EVP_PKEY_CTX_free", None, vp)
        bind("EVP_PKEY_CTX_set1_id", ci, vp, cp, ci)
        bind("EVP_MD_CTX_new", vp)
        bind("EVP_MD_CTX_free", None, vp)
        bind("EVP_MD_CTX_set_pkey_ctx", None, vp, vp)
        bind("EVP_sm3", vp)
        bind("EVP_DigestSignInit", ci, vp, vp, vp, vp, vp)
        bind("EVP_DigestSign", ci, vp, cp, ctypes.POINTER(sz), cp, sz)
        bind("EVP_DigestVerifyInit", ci, vp, vp, vp, vp, vp)
        bind("EVP_DigestVerify", ci, vp, cp, sz, cp, sz)
        bind("ERR_clear_error", None)
        self.sm3 = lib.EVP_sm3()
        if not self.sm3:
            raise OSError("libcrypto has no SM3")

    def load_public(self, point: bytes) -> int:
        der = _spki_der(point)
        buf = ctypes.c_char_p(der)
        pkey = self.lib.d2i_PUBKEY(None, ctypes.byref(buf), len(der))
        if not pkey:
            self.lib.ERR_clear_error()
            raise UnsupportedAlgorithm("libcrypto refused the SM2 public key")
        return int(pkey)

    def load_private(self, secret: int, point: bytes) -> int:
        der = _sec1_der(secret, point)
        buf = ctypes.c_char_p(der)
        pkey = self.lib.d2i_AutoPrivateKey(None, ctypes.byref(buf), len(der))
        if not pkey:
            self.lib.ERR_clear_error()
            raise UnsupportedAlgorithm("libcrypto refused the SM2 private key")
        return int(pkey)

    def free(self, pkey: int) -> None:
        self.lib.EVP_PKEY_free(pkey)

    def _contexts(self, pkey: int, uid: bytes) -> tuple[int, int]:
        pctx = self.lib.EVP_PKEY_CTX_new(pkey, None)
        mctx = self.lib.EVP_MD_CTX_new()
        if not pctx or not mctx or self.lib.EVP_PKEY_CTX_set1_id(pctx, uid, len(uid)) <= 0:
            self.lib.EVP_PKEY_CTX_free(pctx)
            self.lib.EVP_MD_CTX_free(mctx)
            self.lib.ERR_clear_error()
            raise UnsupportedAlgorithm("libcrypto could not set up an SM2 context")
        self.lib.EVP_MD_CTX_set_pkey_ctx(mctx, pctx)
        return pctx, mctx

    def sign(self, pkey: int, data: bytes, uid: bytes) -> bytes:
        pctx, mctx = self._contexts(pkey, uid)
        try:
            out = ctypes.create_string_buffer(80)
            outlen = ctypes.c_size_t(80)
            if (
                self.lib.EVP_DigestSignInit(mctx, None, self.sm3, None, pkey) <= 0
                or self.lib.EVP_DigestSign(mctx, out, ctypes.byref(outlen), data, len(data)) <= 0
            ):
                self.lib.ERR_clear_error()
                raise UnsupportedAlgorithm("libcrypto failed to make an SM2 signature")
            return out.raw[: outlen.value]
        finally:
            self.lib.EVP_MD_CTX_free(mctx)
            self.lib.EVP_PKEY_CTX_free(pctx)

    def verify(self, pkey: int, signature: bytes, data: bytes, uid: bytes) -> bool:
        pctx, mctx = self._contexts(pkey, uid)
        try:
            if self.lib.EVP_DigestVerifyInit(mctx, None, self.sm3, None, pkey) <= 0:
                self.lib.ERR_clear_error()
                raise UnsupportedAlgorithm("libcrypto failed to set up SM2 verification")
            ok = self.lib.EVP_DigestVerify(mctx, signature, len(signature), data, len(data)) == 1
            self.lib.ERR_clear_error()
            return bool(ok)
        finally:
            self.lib.EVP_MD_CTX_free(mctx)
            self.lib.EVP_PKEY_CTX_free(pctx)


@functools.lru_cache(maxsize=1)
def _libcrypto() -> _LibCrypto | None:
    """Load libcrypto once and check it can sign and verify SM2; ``None`` if not."""
    name = ctypes.util.find_library("crypto")
    candidates = [n for n in (name, "libcrypto.so.3", "libcrypto-3-x64.dll", "libcrypto.3.dylib") if n]
    for candidate in candidates:
        try:
            lib = _LibCrypto(ctypes.CDLL(candidate))
            secret = 1 + secrets.randbelow(N - 2)
            point = _point_bytes(_mul_base(secret))
            priv, pub = lib.load_private(secret, point), lib.load_public(point)
            try:
                sig = lib.sign(priv, b"probe", DEFAULT_UID)
                if not lib.verify(pub, sig, b"probe", DEFAULT_UID) or not _python_verify(
                    point, sig, b"probe", DEFAULT_UID
                ):
                    raise OSError("SM2 self-test failed")
            finally:
                lib.free(priv)
                lib.free(pub)
        except (OSError, AttributeError, UnsupportedAlgorithm, InvalidSignature) as exc:
            logger.debug("libcrypto %s not usable for SM2: %s", candidate, exc)
            continue
        logger.debug("SM2 backend: libcrypto %s", candidate)
        return lib
    logger.info("no libcrypto with SM2 found; using the pure-Python SM2 implementation")
    return None


def available_backends() -> tuple[str, ...]:
    """Return the SM2 backends usable on this machine, fastest first (``"openssl"`` and/or ``"python"``)."""
    return ("openssl", "python") if _libcrypto() is not None else ("python",)


def _resolve(backend: Backend) -> _LibCrypto | None:
    if backend == "python":
        return None
    lib = _libcrypto()
    if backend == "openssl" and lib is None:
        raise UnsupportedAlgorithm("the openssl SM2 backend is not available (no libcrypto 3 with SM2)")
    if backend not in ("auto", "openssl"):
        raise ConfigurationError(f"unknown SM2 backend {backend!r}; use 'auto', 'openssl' or 'python'")
    return lib


def _point_bytes(p: _Jacobian) -> bytes:
    affine = _to_affine(p)
    if affine is None:
        raise ConfigurationError("point at infinity")
    return b"\x04" + _int32(affine[0]) + _int32(affine[1])


def _python_sign(secret: int, point: bytes, data: bytes, uid: bytes) -> bytes:
    e = int.from_bytes(sm3(z_a(point, uid) + data), "big")
    inv = pow(1 + secret, -1, N)
    while True:
        k = 1 + secrets.randbelow(N - 1)
        affine = _to_affine(_mul_base(k))
        assert affine is not None  # noqa: S101 - k in [1, n-1] never gives infinity
        r = (e + affine[0]) % N
        if r == 0 or r + k == N:
            continue
        s = inv * (k - r * secret) % N
        if s:
            return _encode_rs(r, s)


def _python_verify(point: bytes, signature: bytes, data: bytes, uid: bytes) -> bool:
    r, s = _decode_rs(signature)
    if not (1 <= r < N and 1 <= s < N):
        return False
    t = (r + s) % N
    if t == 0:
        return False
    e = int.from_bytes(sm3(z_a(point, uid) + data), "big")
    xy = (int.from_bytes(point[1:33], "big"), int.from_bytes(point[33:65], "big"))
    affine = _to_affine(_shamir(s, t, xy))
    return affine is not None and (e + affine[0]) % N == r


# ----------------------------------------------------------------------------------------------- public API
class SM2PublicKey:
    """An SM2 public key (a point on sm2p256v1). Immutable; compares by value."""

    __slots__ = ("__weakref__", "_backend", "_lib", "_pkey", "_point")

    def __init__(self, point: bytes, *, backend: Backend = "auto") -> None:
        """Use :meth:`from_bytes`; this validates the point and binds a backend."""
        if len(point) != 65 or point[0] != 4:
            raise ConfigurationError("SM2 public key must be 65 bytes: 04 || x || y")
        x, y = int.from_bytes(point[1:33], "big"), int.from_bytes(point[33:], "big")
        if not _on_curve(x, y):
            raise ConfigurationError("SM2 public key is not a point on sm2p256v1")
        self._point = bytes(point)
        self._lib = _resolve(backend)
        self._backend = "openssl" if self._lib is not None else "python"
        self._pkey = 0
        if self._lib is not None:
            self._pkey = self._lib.load_public(self._point)
            weakref.finalize(self, self._lib.free, self._pkey)

    @classmethod
    def from_bytes(cls, data: bytes, *, backend: Backend = "auto") -> SM2PublicKey:
        """Load an uncompressed public point ``04 || x || y``.

        Raises:
            ConfigurationError: if ``data`` is not an uncompressed point on the SM2 curve.
        """
        return cls(bytes(data), backend=backend)

    def to_bytes(self) -> bytes:
        """Return the uncompressed point ``04 || x || y`` (65 bytes)."""
        return self._point

    def to_spki_der(self) -> bytes:
        """Return the DER ``SubjectPublicKeyInfo`` (id-ecPublicKey with the sm2p256v1 curve), as in certificates."""
        return _spki_der(self._point)

    @property
    def backend(self) -> str:
        """The backend in use: ``"openssl"`` or ``"python"``."""
        return self._backend

    def verify(self, signature: bytes, data: bytes, *, uid: bytes = DEFAULT_UID) -> None:
        """Verify a DER ``SEQUENCE { r, s }`` SM2 signature over ``data`` (SM3 with Z_A).

        Args:
            signature: the DER signature (use :func:`raw_to_der` for a 64-byte ``r || s``).
            data: the signed message (not a digest).
            uid: the signer's distinguishing ID.

        Raises:
            InvalidSignature: if the signature does not verify.
        """
        r, s = _decode_rs(signature)  # malformed DER is rejected the same way by both backends
        if not (1 <= r < N and 1 <= s < N):
            raise InvalidSignature("SM2 signature values out of range")
        if self._lib is not None:
            ok = self._lib.verify(self._pkey, signature, data, uid)
        else:
            ok = _python_verify(self._point, signature, data, uid)
        if not ok:
            raise InvalidSignature("SM2 signature does not verify")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SM2PublicKey) and other._point == self._point

    def __hash__(self) -> int:
        return hash(self._point)

    def __repr__(self) -> str:
        return f"SM2PublicKey(x={self._point[1:5].hex()}…, backend={self._backend!r})"


class SM2PrivateKey:
    """An SM2 private key. Its ``repr`` never shows the secret; :meth:`to_bytes` is the only way out."""

    __slots__ = ("__weakref__", "_lib", "_pkey", "_public", "_secret")

    def __init__(self, secret: int, *, backend: Backend = "auto") -> None:
        """Use :meth:`generate` or :meth:`from_bytes`."""
        if not 1 <= secret <= N - 2:
            raise ConfigurationError("SM2 private key out of range [1, n-2]")
        self._secret = secret
        point = _point_bytes(_mul_base(secret))
        self._public = SM2PublicKey(point, backend=backend)
        self._lib = _resolve(backend)
        self._pkey = 0
        if self._lib is not None:
            self._pkey = self._lib.load_private(secret, point)
            weakref.finalize(self, self._lib.free, self._pkey)

    @classmethod
    def generate(cls, *, backend: Backend = "auto") -> SM2PrivateKey:
        """Generate a new key from :mod:`secrets`."""
        return cls(1 + secrets.randbelow(N - 2), backend=backend)

    @classmethod
    def from_bytes(cls, data: bytes, *, backend: Backend = "auto") -> SM2PrivateKey:
        """Load a 32-byte big-endian private scalar.

        Raises:
            ConfigurationError: if ``data`` is not 32 bytes or out of range (the value is never shown).
        """
        if len(data) != 32:
            raise ConfigurationError(f"SM2 private key must be 32 bytes, got {len(data)}")
        return cls(int.from_bytes(data, "big"), backend=backend)

    def to_bytes(self) -> bytes:
        """Return the 32-byte big-endian private scalar. Handle with care."""
        return _int32(self._secret)

    def to_pem(self) -> bytes:
        """Return the key as a SEC1 ``EC PRIVATE KEY`` PEM (the form ``openssl`` reads and writes). Handle with care."""
        body = base64.encodebytes(_sec1_der(self._secret, self._public.to_bytes())).replace(b"\n", b"")
        lines = [body[i : i + 64] for i in range(0, len(body), 64)]
        return b"-----BEGIN EC PRIVATE KEY-----\n" + b"\n".join(lines) + b"\n-----END EC PRIVATE KEY-----\n"

    def public_key(self) -> SM2PublicKey:
        """Return the matching public key."""
        return self._public

    @property
    def backend(self) -> str:
        """The backend in use: ``"openssl"`` or ``"python"``."""
        return self._public.backend

    def sign(self, data: bytes, *, uid: bytes = DEFAULT_UID) -> bytes:
        """Sign ``data`` with SM3 and Z_A(uid); return the DER ``SEQUENCE { r, s }`` (randomised).

        Args:
            data: the message (not a digest).
            uid: the distinguishing ID.
        """
        if self._lib is not None:
            return self._lib.sign(self._pkey, data, uid)
        return _python_sign(self._secret, self._public.to_bytes(), data, uid)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SM2PrivateKey) and hmac.compare_digest(other.to_bytes(), self.to_bytes())

    def __hash__(self) -> int:
        return hash(self._public)

    def __repr__(self) -> str:
        return f"SM2PrivateKey(public={self._public!r})"


__all__ = [
    "DEFAULT_UID",
    "SM2_CURVE_OID",
    "SM2_SM3_SIGNATURE_OID",
    "SM2PrivateKey",
    "SM2PublicKey",
    "available_backends",
    "der_to_raw",
    "raw_to_der",
    "sm3",
    "z_a",
]
