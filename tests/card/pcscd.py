"""Start (or reuse) a pcscd with the vpcd driver for tests and benchmarks.

- By default a private ``pcscd --foreground`` runs in an unprivileged user + mount namespace (the recipe of
  CARD_AND_PKI_RECIPES.md §1.2): its own ``/run`` and reader configuration, vpcd on a free port pair, and
  ``PCSCLITE_CSOCK_NAME`` pointing the client library at it. Concurrent test runs on one machine stay apart.
  pcsc-lite reads that variable once per process, so the private daemon must start before the process opens its
  first PC/SC context (the session fixture does).
- Without user namespaces (some containers), or with ``EPORT_TEST_SYSTEM_PCSCD=1``: a pcscd that answers on the
  default socket is reused (and left running); otherwise, as root, ``pcscd --foreground`` is started and stopped.
"""

from __future__ import annotations

import atexit
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
DEFAULT_SOCKET = "/run/pcscd/pcscd.comm"
VPCD_DRIVER = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so"


class PcscdUnavailable(Exception):  # noqa: N818 - a reason to skip, not an error
    """pcscd cannot be used here; the message says why (tests skip with it)."""


class _Config:
    """The pcscd of this test process (see :func:`running_pcscd`): set once, by the first call."""

    vpcd_port: int | None = None  # first vpcd port of the pcscd in use
    process: subprocess.Popen[bytes] | None = None  # the daemon if started here (stopped at interpreter exit)
    failure: str | None = None  # why it could not be started, for every later caller


def vpcd_port() -> int:
    """The vpcd port of the first reader of the pcscd in use.

    Raises:
        RuntimeError: no :func:`running_pcscd` was entered in this process.
    """
    if _Config.vpcd_port is None:
        raise RuntimeError("no pcscd yet: use the pcscd fixture (running_pcscd) first")
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


def _free_port_pair() -> int:
    """A port P with P and P + 1 free on all interfaces (vpcd binds both, on 0.0.0.0)."""
    for _ in range(50):
        with socket.socket() as first:
            first.bind(("0.0.0.0", 0))  # noqa: S104 - probing what vpcd will bind
            port = int(first.getsockname()[1])
            if port >= 65535 or DEFAULT_VPCD_PORT - 1 <= port <= DEFAULT_VPCD_PORT + 1:
                continue  # never the system vpcd's ports
            with socket.socket() as second:
                try:
                    second.bind(("0.0.0.0", port + 1))  # noqa: S104
                except OSError:
                    continue
        return port
    raise PcscdUnavailable("no free pair of TCP ports for vpcd")


def _start_system_pcscd(log_dir: Path) -> subprocess.Popen[bytes] | None:
    """Reuse the pcscd on the default socket, or start one as root; return the process if started here."""
    client_socket = os.environ.get("PCSCLITE_CSOCK_NAME", DEFAULT_SOCKET)
    if _socket_answers(client_socket) and pcscd_answers():
        _wait_for_reader(time.monotonic() + 2)
        return None
    if os.geteuid() != 0:
        raise PcscdUnavailable("pcscd is not running, and starting it needs root or unprivileged user namespaces")
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
        _wait_for_reader(time.monotonic() + 5)
    except BaseException:
        _stop(process)
        raise
    return process


def _start(log_dir: Path) -> tuple[int, subprocess.Popen[bytes] | None]:
    """Start (or find) the pcscd of this process; return its first vpcd port and the process if started here."""
    if os.environ.get("EPORT_TEST_SYSTEM_PCSCD") != "1" and "PCSCLITE_CSOCK_NAME" not in os.environ:
        try:
            port = _free_port_pair()
            process, path = start_private_pcscd(log_dir, vpcd_port=port)
        except PcscdUnavailable:
            pass  # no user namespaces here: fall back to the system pcscd
        else:
            os.environ["PCSCLITE_CSOCK_NAME"] = path
            try:
                if not pcscd_answers():
                    raise RuntimeError(
                        "a private pcscd started, but this process had already opened PC/SC with another socket: "
                        "call running_pcscd before anything in the process touches PC/SC"
                    )
                _wait_for_reader(time.monotonic() + 5)
            except BaseException:
                _stop(process)
                os.environ.pop("PCSCLITE_CSOCK_NAME", None)
                raise
            return port, process
    return DEFAULT_VPCD_PORT, _start_system_pcscd(log_dir)


@contextmanager
def running_pcscd(log_dir: Path) -> Iterator[None]:
    """A pcscd with vpcd readers for this test process, started by the first call and reused by every later one.

    By default a private pcscd (user + mount namespace, vpcd on a free port pair) so concurrent test runs on one
    machine do not insert cards into each other's readers. Where namespaces are not available, or with
    ``EPORT_TEST_SYSTEM_PCSCD=1``, the system pcscd is used: reused when it answers, else started as root.

    pcsc-lite reads ``PCSCLITE_CSOCK_NAME`` once per process, so a daemon stopped and replaced mid-run would be
    unreachable (and a replacement would get new vpcd ports). Hence the daemon is started at most once per process,
    whatever the order and scope of the fixtures that ask for it (card tests, pki tests, benchmarks), and stopped at
    interpreter exit; a failure to start is remembered and reported again to every later caller.

    Args:
        log_dir: where the first call puts pcscd's configuration, socket and log.

    Raises:
        PcscdUnavailable: pcscd is missing or cannot be started here, or has no vpcd reader.
    """
    if _Config.failure is not None:
        raise PcscdUnavailable(_Config.failure)
    if _Config.vpcd_port is None:
        try:
            port, process = _start(log_dir)
        except PcscdUnavailable as exc:
            _Config.failure = str(exc)
            raise
        if process is not None:
            atexit.register(_stop, process)
        _Config.vpcd_port, _Config.process = port, process
    elif _Config.process is not None and _Config.process.poll() is not None:
        raise RuntimeError(f"the pcscd started for this run exited with status {_Config.process.returncode}")
    yield
