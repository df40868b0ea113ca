"""Start (or reuse) a pcscd with the vpcd driver for tests and benchmarks.

- A pcscd that already answers on the default socket is reused (and left running).
- As root, ``pcscd --foreground`` is started and stopped at the end.
- Otherwise (or with ``EPORT_TEST_PRIVATE_PCSCD=1``) a private pcscd runs in an unprivileged user + mount namespace
  (the recipe of CARD_AND_PKI_RECIPES.md §1.2): its own ``/run`` and reader configuration, vpcd on port 36096, and
  ``PCSCLITE_CSOCK_NAME`` pointing the client library at it. pcsc-lite reads that variable once per process, so the
  private daemon must start before the process opens its first PC/SC context.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from eport.card import pcsc
from eport.errors import PcscUnavailableError

READER = "Virtual PCD 00 00"
DEFAULT_VPCD_PORT = 35963
PRIVATE_VPCD_PORT = 0x8D00  # 36096
DEFAULT_SOCKET = "/run/pcscd/pcscd.comm"
VPCD_DRIVER = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so"


class PcscdUnavailable(Exception):  # noqa: N818 - a reason to skip, not an error
    """pcscd cannot be used here; the message says why (tests skip with it)."""


class _Config:
    vpcd_port = DEFAULT_VPCD_PORT


def vpcd_port() -> int:
    """The vpcd port of the first reader of the pcscd in use."""
    return _Config.vpcd_port


def pcscd_answers() -> bool:
    """Whether a pcscd answers on the client library's socket."""
    try:
        pcsc.list_readers()
    except PcscUnavailableError:
        return False
    return True


def _socket_answers(path: str) -> bool:
    """Whether something listens on a pcscd socket, without loading the PC/SC client library."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        try:
            probe.connect(path)
        except OSError:
            return False
    return True


def _pcscd_binary() -> str:
    binary = shutil.which("pcscd") or ("/usr/sbin/pcscd" if Path("/usr/sbin/pcscd").exists() else None)
    if binary is None:
        raise PcscdUnavailable("pcscd is not installed (Debian: apt-get install pcscd vsmartcard-vpcd)")
    return binary


def _wait_for_reader(deadline: float) -> None:
    while READER not in pcsc.list_readers():
        if time.monotonic() > deadline:
            raise PcscdUnavailable(f"pcscd has no {READER!r} reader (install vsmartcard-vpcd)")
        time.sleep(0.05)


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    deadline = time.monotonic() + 10  # with a card connected pcscd takes about 1.8 s to exit
    while process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    if process.poll() is None:
        process.kill()
        process.wait()


def start_private_pcscd(base: Path, *, vpcd_port: int | None) -> tuple[subprocess.Popen[bytes], str]:
    """Start pcscd in a user + mount namespace with its own ``/run`` and readers; no root needed.

    Args:
        base: a private directory for the socket, configuration and log.
        vpcd_port: port of a vpcd reader pair, or ``None`` for a pcscd without any reader.

    Returns:
        The process (``exec``'d pcscd) and the path of its client socket (for ``PCSCLITE_CSOCK_NAME``).

    Raises:
        PcscdUnavailable: no ``unshare`` or user namespaces are disabled.
    """
    binary = _pcscd_binary()
    unshare = shutil.which("unshare")
    namespaces = Path("/proc/sys/user/max_user_namespaces")
    if unshare is None or not namespaces.exists() or namespaces.read_text().strip() == "0":
        raise PcscdUnavailable("pcscd is not running, not root, and unprivileged user namespaces are unavailable")
    run, conf = base / "run", base / "conf"
    run.mkdir(parents=True, exist_ok=True)
    conf.mkdir(parents=True, exist_ok=True)
    if vpcd_port is not None:
        (conf / "vpcd").write_text(
            f'FRIENDLYNAME "Virtual PCD"\nDEVICENAME /dev/null:0x{vpcd_port:04X}\n'
            f"LIBPATH {VPCD_DRIVER}\nCHANNELID 0x{vpcd_port:04X}\n"
        )
    script = f'mount --bind "{run}" /run && mkdir -p /run/pcscd && exec "{binary}" --foreground --config "{conf}"'
    with (base / "pcscd.log").open("wb") as out:
        process = subprocess.Popen(
            [unshare, "--user", "--map-root-user", "--mount", "bash", "-c", script],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    path = str(run / "pcscd" / "pcscd.comm")
    deadline = time.monotonic() + 10
    while not _socket_answers(path):
        if process.poll() is not None or time.monotonic() > deadline:
            _stop(process)
            log = (base / "pcscd.log").read_text(errors="replace")[-2000:]
            raise PcscdUnavailable(f"private pcscd did not start: {log}")
        time.sleep(0.02)
    return process, path


@contextmanager
def running_pcscd(log_dir: Path) -> Iterator[None]:
    """Reuse a running pcscd, or start one (see the module docstring) and stop it at the end.

    Raises:
        PcscdUnavailable: pcscd is missing or cannot be started here, or has no vpcd reader.
    """
    private = os.environ.get("EPORT_TEST_PRIVATE_PCSCD") == "1"
    client_socket = os.environ.get("PCSCLITE_CSOCK_NAME", DEFAULT_SOCKET)
    if not private and _socket_answers(client_socket) and pcscd_answers():
        _Config.vpcd_port = DEFAULT_VPCD_PORT
        _wait_for_reader(time.monotonic() + 2)
        yield
        return
    if not private and os.geteuid() == 0:
        binary = _pcscd_binary()
        log = log_dir / "pcscd.log"
        with log.open("wb") as out:
            process = subprocess.Popen([binary, "--foreground"], stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 10
            while not pcscd_answers():
                if process.poll() is not None or time.monotonic() > deadline:
                    raise PcscdUnavailable(f"pcscd did not start: {log.read_text(errors='replace')[-2000:]}")
                time.sleep(0.02)
            _Config.vpcd_port = DEFAULT_VPCD_PORT
            _wait_for_reader(time.monotonic() + 5)
            yield
        finally:
            _stop(process)
        return
    process, path = start_private_pcscd(log_dir, vpcd_port=PRIVATE_VPCD_PORT)
    previous = os.environ.get("PCSCLITE_CSOCK_NAME")
    os.environ["PCSCLITE_CSOCK_NAME"] = path
    try:
        if not pcscd_answers():
            raise PcscdUnavailable(
                "a private pcscd started, but this process had already opened PC/SC with another socket"
            )
        _Config.vpcd_port = PRIVATE_VPCD_PORT
        _wait_for_reader(time.monotonic() + 5)
        yield
    finally:
        _stop(process)
        if previous is None:
            os.environ.pop("PCSCLITE_CSOCK_NAME", None)
        else:
            os.environ["PCSCLITE_CSOCK_NAME"] = previous
