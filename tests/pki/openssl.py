"""Independent checks with the ``openssl`` command line, shared by the PKI and card tests."""

from __future__ import annotations

import subprocess
from pathlib import Path

#: The SM2 distinguishing ID customs uses (GM/T 0009 default).
SM2_ID = "1234567812345678"


def sm2_verify(
    tmp_path: Path, public_key: bytes | Path, message: bytes, signature: bytes, *, distid: str = SM2_ID
) -> subprocess.CompletedProcess[str]:
    """``openssl pkeyutl -verify`` of a DER SM2 ``signature`` over ``message`` (SM3 with Z_A of ``distid``).

    Args:
        tmp_path: where the inputs are written.
        public_key: a PEM public key file, or the DER ``SubjectPublicKeyInfo``.
        message, signature: what to check.
        distid: the distinguishing ID.
    """
    if isinstance(public_key, Path):
        key_args = ["-inkey", str(public_key)]
    else:
        (tmp_path / "sm2-pub.der").write_bytes(public_key)
        key_args = ["-keyform", "DER", "-inkey", str(tmp_path / "sm2-pub.der")]
    (tmp_path / "sm2-msg").write_bytes(message)
    (tmp_path / "sm2-sig").write_bytes(signature)
    files = ["-in", str(tmp_path / "sm2-msg"), "-sigfile", str(tmp_path / "sm2-sig")]
    return subprocess.run(
        [
            "openssl",
            "pkeyutl",
            "-verify",
            "-pubin",
            *key_args,
            "-rawin",
            "-digest",
            "sm3",
            "-pkeyopt",
            f"distid:{distid}",
            *files,
        ],
        capture_output=True,
        text=True,
        check=False,
    )


def cms_verify(tmp_path: Path, p7s: bytes, data: bytes, *, ca_file: Path | None) -> subprocess.CompletedProcess[str]:
    """``openssl cms -verify`` of a detached DER ``p7s`` over ``data``; without ``ca_file`` only the signature."""
    (tmp_path / "sig.p7s").write_bytes(p7s)
    (tmp_path / "data.bin").write_bytes(data)
    trust = ["-CAfile", str(ca_file), "-purpose", "any"] if ca_file is not None else ["-noverify"]
    files = ["-in", str(tmp_path / "sig.p7s"), "-content", str(tmp_path / "data.bin")]
    return subprocess.run(
        ["openssl", "cms", "-verify", "-binary", "-inform", "DER", *files, *trust, "-out", "/dev/null"],
        capture_output=True,
        text=True,
        check=False,
    )
