"""Install an E-Port root certificate into the operating system's trust store (explicit, separate step).

eport itself only needs its own :class:`~eport.pki.truststore.TrustStore`. Some other software (browsers, the
E-Port client, Java) reads the system store, which is what the operator manuals ask for. This module plans and
runs that install:

- Debian/Ubuntu: copy a PEM ``eport-<fingerprint>.crt`` into ``/usr/local/share/ca-certificates`` and run
  ``update-ca-certificates`` (its hooks also update Java's ``cacerts``). Needs root.
- Windows: ``certutil -addstore -f Root FILE`` (``-user`` for the current user's store).
- macOS: ``security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain FILE``.

:func:`plan_system_install` shows what would be done; :func:`install_into_system` does it.

Example::

    plan = plan_system_install(root_cert)
    summary = plan.describe()           # show it before changing the system
    install_into_system(root_cert)      # sudo on Debian
"""

from __future__ import annotations

import logging
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal

import attrs

from eport.errors import ConfigurationError, TrustStoreError
from eport.pki.certs import Certificate

logger = logging.getLogger(__name__)

Platform = Literal["debian", "windows", "macos"]

DEBIAN_CA_DIR = Path("/usr/local/share/ca-certificates")

Runner = Callable[[Sequence[str], float], None]


def _run(command: Sequence[str], timeout: float) -> None:
    try:
        subprocess.run(list(command), check=True, capture_output=True, timeout=timeout)  # noqa: S603
    except FileNotFoundError:
        raise TrustStoreError(f"{command[0]} not found") from None
    except subprocess.TimeoutExpired:
        raise TrustStoreError(f"{command[0]} did not finish within {timeout} s") from None
    except subprocess.CalledProcessError as exc:
        detail = (exc.stderr or b"").decode("utf-8", "replace").strip().splitlines()
        raise TrustStoreError(f"{command[0]} failed ({exc.returncode}): {detail[-1] if detail else ''}") from None


def current_platform() -> Platform:
    """The platform family of this machine.

    Raises:
        ConfigurationError: on platforms without a known system store.
    """
    if sys.platform == "win32":
        return "windows"
    if sys.platform == "darwin":
        return "macos"
    if sys.platform.startswith("linux"):
        return "debian"
    raise ConfigurationError(f"no system trust store support for {sys.platform}")


@attrs.frozen(kw_only=True)
class SystemInstallPlan:
    """What installing a certificate into the system store does.

    Attributes:
        platform: debian, windows or macos.
        certificate: the CA certificate.
        target: the file written (Debian) or the temporary file handed to the tool.
        commands: the commands run, in order.
    """

    platform: Platform
    certificate: Certificate
    target: Path | None
    commands: tuple[tuple[str, ...], ...]

    def describe(self) -> str:
        """A human-readable description (for ``--dry-run``)."""
        lines = [
            f"install {self.certificate.subject} (SHA-256 {self.certificate.fingerprint()}) into the "
            f"{self.platform} system store:"
        ]
        if self.target is not None and self.platform == "debian":
            lines.append(f"  write {self.target}")
        lines.extend("  run " + " ".join(c) for c in self.commands)
        return "\n".join(lines)


def plan_system_install(
    certificate: Certificate,
    *,
    platform: Platform | None = None,
    ca_dir: Path = DEBIAN_CA_DIR,
    update_command: Sequence[str] = ("update-ca-certificates",),
    user_store: bool = False,
) -> SystemInstallPlan:
    """Plan the install of a CA certificate into the system store (nothing is changed).

    Args:
        certificate: a CA certificate.
        platform: default: this machine's.
        ca_dir: Debian's local CA directory.
        update_command: Debian's update command (tests pass sandbox options).
        user_store: Windows: the current user's Root store instead of the machine's.

    Raises:
        TrustStoreError: for a non-CA certificate.
    """
    if not certificate.is_ca:
        raise TrustStoreError(f"refusing {certificate.subject}: not a CA certificate")
    platform = platform or current_platform()
    name = "eport-" + certificate.fingerprint().replace(":", "")[:16].lower() + ".crt"
    if platform == "debian":
        target = ca_dir / name
        return SystemInstallPlan(
            platform=platform, certificate=certificate, target=target, commands=(tuple(update_command),)
        )
    target = Path(tempfile.gettempdir()) / name
    if platform == "windows":
        command = ("certutil", *(("-user",) if user_store else ()), "-addstore", "-f", "Root", str(target))
    else:
        command = (
            "security",
            "add-trusted-cert",
            "-d",
            "-r",
            "trustRoot",
            "-k",
            "/Library/Keychains/System.keychain",
            str(target),
        )
    return SystemInstallPlan(platform=platform, certificate=certificate, target=target, commands=(command,))


def install_into_system(
    certificate: Certificate,
    *,
    platform: Platform | None = None,
    ca_dir: Path = DEBIAN_CA_DIR,
    update_command: Sequence[str] = ("update-ca-certificates",),
    user_store: bool = False,
    timeout: float = 120.0,
    runner: Runner | None = None,
) -> SystemInstallPlan:
    """Install a CA certificate into the system store (see :func:`plan_system_install` for the arguments).

    Args:
        timeout: seconds per command.
        runner: replaces :func:`subprocess.run` (``runner(command, timeout)``).

    Returns:
        The plan that was carried out.

    Raises:
        TrustStoreError: refused certificate, no permission, or a failing tool.
    """
    plan = plan_system_install(
        certificate, platform=platform, ca_dir=ca_dir, update_command=update_command, user_store=user_store
    )
    run = runner or _run
    if plan.target is not None:
        try:
            plan.target.parent.mkdir(parents=True, exist_ok=True)
            plan.target.write_text(certificate.to_pem(), encoding="ascii")  # PEM, one certificate, *.crt
        except OSError as exc:
            raise TrustStoreError(f"cannot write {plan.target}: {exc.strerror} (run as administrator/root?)") from None
    for command in plan.commands:
        logger.info("running %s", " ".join(command))
        run(command, timeout)
    if plan.platform != "debian" and plan.target is not None:
        plan.target.unlink(missing_ok=True)
    return plan


def remove_from_system(
    certificate: Certificate,
    *,
    ca_dir: Path = DEBIAN_CA_DIR,
    update_command: Sequence[str] = ("update-ca-certificates", "--fresh"),
    timeout: float = 120.0,
    runner: Runner | None = None,
) -> Path:
    """Remove a certificate that :func:`install_into_system` put into Debian's store, and refresh the store.

    Raises:
        TrustStoreError: if it was not installed by eport, or the tool fails.
    """
    target = plan_system_install(certificate, platform="debian", ca_dir=ca_dir).target
    assert target is not None  # noqa: S101 - Debian plans always have a target
    if not target.exists():
        raise TrustStoreError(f"{target} does not exist: not installed by eport")
    try:
        target.unlink()
    except OSError as exc:
        raise TrustStoreError(f"cannot remove {target}: {exc.strerror}") from None
    (runner or _run)(tuple(update_command), timeout)
    return target


__all__ = [
    "DEBIAN_CA_DIR",
    "SystemInstallPlan",
    "current_platform",
    "install_into_system",
    "plan_system_install",
    "remove_from_system",
]
