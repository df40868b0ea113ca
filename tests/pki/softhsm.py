"""Create SoftHSM2 tokens for tests: a private token directory, a token, keys and certificates imported with the
real tools (``softhsm2-util``, ``pkcs11-tool``). Used by the PKI fixtures and the docs test."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from eport.pki.pkcs11 import SOFTHSM2_MODULE
from eport.pki.signers import PrivateKey


def write_config(base: Path) -> Path:
    """Write a ``softhsm2.conf`` whose token directory is ``base/tokens``; return its path (for ``SOFTHSM2_CONF``)."""
    (base / "tokens").mkdir(parents=True, exist_ok=True)
    conf = base / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {base / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n"
        "slots.removable = false\n"
    )
    return conf


def init_token(conf: Path, *, label: str, pin: str, so_pin: str) -> None:
    """Initialise a token labelled ``label`` in the first free slot of the configuration ``conf``."""
    _run(conf, ["softhsm2-util", "--init-token", "--free", "--label", label, "--so-pin", so_pin, "--pin", pin])


def import_key(
    conf: Path,
    *,
    token: str,
    pin: str,
    key: PrivateKey,
    label: str,
    key_id: str,
    certificate_der: bytes | None = None,
) -> None:
    """Import ``key`` (and its certificate, same label and id) into ``token``."""
    base = conf.parent
    key_file = base / f"{label}.key"
    key_file.write_bytes(
        key.private_bytes(  # type: ignore[union-attr]
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    command = ["softhsm2-util", "--import", str(key_file), "--token", token, "--label", label, "--id", key_id]
    _run(conf, [*command, "--pin", pin])
    if certificate_der is not None:
        cert_file = base / f"{label}.der"
        cert_file.write_bytes(certificate_der)
        login = ["pkcs11-tool", "--module", SOFTHSM2_MODULE, "--token-label", token, "--login", "--pin", pin]
        _run(conf, [*login, "--write-object", str(cert_file), "--type", "cert", "--label", label, "--id", key_id])


def _run(conf: Path, command: list[str]) -> None:
    subprocess.run(command, check=True, capture_output=True, env={**os.environ, "SOFTHSM2_CONF": str(conf)})
