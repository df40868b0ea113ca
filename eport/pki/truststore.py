"""The eport trust store: a managed directory of E-Port root and intermediate CA certificates.

The operator manuals tell users to install ROOTCA.cer (and the 中国电子业务证书管理中心 CA) into the system store
before anything works. eport keeps its own store instead, per user, with no global side effects:

- ``roots/``: trust anchors (self-signed CA certificates) — "anchors I trust";
- ``intermediates/``: CA certificates used for path building only — "certificates I know".

Each certificate is one PEM file named by its SHA-256 fingerprint. Non-CA certificates are refused. The location
is ``$EPORT_TRUST_DIR`` if set, else ``$XDG_CONFIG_HOME/eport/trust`` (``~/.config/eport/trust``) on Unix and
``%APPDATA%\\eport\\trust`` on Windows; pass ``path=`` to override. Installing into the operating system's store
is a separate, explicit step: :mod:`eport.pki.system_store`.

Example::

    store = TrustStore()
    entry = store.install(load_certificate(Path("ROOTCA.cer").read_bytes()))
    fingerprint = entry.fingerprint           # show it to the user to compare with the published one
    Path("eport-roots.pem").write_text(store.pem_bundle())
"""

from __future__ import annotations

import enum
import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import attrs

from eport.errors import CertificateError, TrustStoreError
from eport.pki.certs import Certificate, load_certificate

logger = logging.getLogger(__name__)


class Role(enum.Enum):
    """Where a CA certificate sits in the store."""

    ROOT = "root"
    INTERMEDIATE = "intermediate"


@attrs.frozen
class Entry:
    """An installed certificate.

    Attributes:
        role: root (trust anchor) or intermediate.
        certificate: the certificate.
        path: its PEM file.
    """

    role: Role
    certificate: Certificate
    path: Path

    @property
    def fingerprint(self) -> str:
        """SHA-256 fingerprint, colon-separated upper-case hex."""
        return self.certificate.fingerprint("sha256")


def default_trust_dir() -> Path:
    """Return the per-user trust store directory (see the module docstring)."""
    env = os.environ.get("EPORT_TRUST_DIR")
    if env:
        return Path(env)
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming")
    else:
        base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "eport" / "trust"


class TrustStore:
    """A directory of trusted roots and known intermediates.

    Args:
        path: store directory (created on first install); default :func:`default_trust_dir`.
    """

    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path) if path is not None else default_trust_dir()

    def __repr__(self) -> str:
        return f"TrustStore({str(self.path)!r})"

    def _dir(self, role: Role) -> Path:
        return self.path / ("roots" if role is Role.ROOT else "intermediates")

    def install(self, certificate: Certificate | bytes, *, role: Role | None = None) -> Entry:
        """Install a CA certificate (PEM, DER or :class:`Certificate`). Re-installing is a no-op.

        Args:
            certificate: the certificate.
            role: ROOT or INTERMEDIATE; default ROOT for self-issued certificates, else INTERMEDIATE.

        Returns:
            The entry, whose :attr:`Entry.fingerprint` should be shown to the user.

        Raises:
            TrustStoreError: for a non-CA certificate, a non-self-issued "root", or a write failure.
            CertificateError: if the bytes are not a certificate.
        """
        cert = certificate if isinstance(certificate, Certificate) else load_certificate(certificate)
        if not cert.is_ca:
            raise TrustStoreError(
                f"refusing {cert.subject} (cert_no {cert.cert_no}): not a CA certificate (basicConstraints cA is not"
                " set); install the root and intermediate CA certificates, not a signing certificate"
            )
        if cert.key_usage and "key_cert_sign" not in cert.key_usage:
            raise TrustStoreError(f"refusing {cert.subject}: key usage does not allow certificate signing")
        role = role or (Role.ROOT if cert.self_issued else Role.INTERMEDIATE)
        if role is Role.ROOT and not cert.self_issued:
            raise TrustStoreError(f"refusing {cert.subject} as a root: it is issued by {cert.issuer}")
        target = self._dir(role) / (cert.fingerprint("sha256").replace(":", "").lower() + ".pem")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            if not target.exists():
                tmp = target.with_suffix(".tmp")
                tmp.write_text(cert.to_pem(), encoding="ascii")
                tmp.replace(target)
                logger.info("installed %s %s (SHA-256 %s)", role.value, cert.subject, cert.fingerprint())
        except OSError as exc:
            raise TrustStoreError(f"cannot write to the trust store {self.path}: {exc.strerror}") from None
        return Entry(role, cert, target)

    def entries(self) -> Iterator[Entry]:
        """Yield every installed certificate, roots first.

        Raises:
            TrustStoreError: if a stored file is not a certificate.
        """
        for role in (Role.ROOT, Role.INTERMEDIATE):
            folder = self._dir(role)
            if not folder.is_dir():
                continue
            for file in sorted(folder.glob("*.pem")):
                try:
                    yield Entry(role, load_certificate(file.read_bytes()), file)
                except (CertificateError, OSError) as exc:
                    raise TrustStoreError(f"damaged trust store file {file}: {exc}") from None

    def roots(self) -> list[Certificate]:
        """The trust anchors."""
        return [e.certificate for e in self.entries() if e.role is Role.ROOT]

    def intermediates(self) -> list[Certificate]:
        """The known intermediate CA certificates."""
        return [e.certificate for e in self.entries() if e.role is Role.INTERMEDIATE]

    def remove(self, selector: str) -> Entry:
        """Remove one certificate chosen by SHA-256 fingerprint (prefix, colons optional) or certificate number.

        Raises:
            TrustStoreError: if nothing or more than one certificate matches.
        """
        key = selector.replace(":", "").lower()
        matches = [
            e
            for e in self.entries()
            if e.fingerprint.replace(":", "").lower().startswith(key) or e.certificate.cert_no == key
        ]
        if len(matches) != 1:
            raise TrustStoreError(f"{len(matches)} certificates match {selector!r}; give a longer fingerprint")
        try:
            matches[0].path.unlink()
        except OSError as exc:
            raise TrustStoreError(f"cannot remove {matches[0].path}: {exc.strerror}") from None
        logger.info("removed %s", matches[0].certificate.subject)
        return matches[0]

    def pem_bundle(self, *, include_intermediates: bool = False) -> str:
        """Return the roots (and optionally intermediates) as one PEM bundle, for HTTPS clients (``verify=``)."""
        return "".join(e.certificate.to_pem() for e in self.entries() if e.role is Role.ROOT or include_intermediates)

    def export(self, target: Path, *, include_intermediates: bool = False) -> Path:
        """Write :meth:`pem_bundle` to ``target`` and return it.

        Raises:
            TrustStoreError: if the file cannot be written.
        """
        try:
            target.write_text(self.pem_bundle(include_intermediates=include_intermediates), encoding="ascii")
        except OSError as exc:
            raise TrustStoreError(f"cannot write {target}: {exc.strerror}") from None
        return target


__all__ = ["Entry", "Role", "TrustStore", "default_trust_dir"]
