"""Start (or reuse) a pcscd with the vpcd driver for tests and benchmarks."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from eport.card import pcsc
from eport.errors import PcscUnavailableError

READER = "Virtual PCD 00 00"
VPCD_PORT = 35963


class PcscdUnavailable(Exception):  # noqa: N818 - a reason to skip, not an error
    """pcscd cannot be used here; the message says why (tests skip with it)."""


def pcscd_answers() -> bool:
    """Whether a pcscd answers on the default socket."""
    try:
        pcsc.list_readers()
    except PcscUnavailableError:
        return False
    return True


def _wait_for_reader(deadline: float) -> None:
    while READER not in pcsc.list_readers():
        if time.monotonic() > deadline:
            raise PcscdUnavailable(f"pcscd has no {READER!r} reader (install vsmartcard-vpcd)")
        time.sleep(0.05)


@contextmanager
def running_pcscd(log_dir: Path) -> Iterator[None]:
    """Reuse a running pcscd, or start ``pcscd --foreground`` (as root) and stop it at the end.

    Raises:
        PcscdUnavailable: pcscd is missing, cannot be started without root, or has no vpcd reader.
    """
    if pcscd_answers():
        _wait_for_reader(time.monotonic() + 2)
        yield
        return
    binary = shutil.which("pcscd") or ("/usr/sbin/pcscd" if Path("/usr/sbin/pcscd").exists() else None)
    if binary is None:
        raise PcscdUnavailable("pcscd is not installed (Debian: apt-get install pcscd vsmartcard-vpcd)")
    if os.geteuid() != 0:
        raise PcscdUnavailable("pcscd is not running and starting it needs root (or the user-namespace recipe)")
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
        yield
    finally:
        process.terminate()
        deadline = time.monotonic() + 10  # with a card connected pcscd takes about 1.8 s to exit
        while process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        if process.poll() is None:
            process.kill()
            process.wait()
