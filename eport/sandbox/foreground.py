"""Run the sandbox in the foreground with its banner: the one code path of ``eport sandbox`` and
``python -m eport.sandbox``, so both print the same lines and stop the same way (Ctrl-C, SIGTERM)."""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable, Iterable

from eport.sandbox.app import Sandbox
from eport.sandbox.config import DEMO_DXP_ID, SandboxConfig


def _stderr(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def banner(sandbox: Sandbox) -> list[str]:
    """The lines printed when the sandbox listens: its address, the file exchange, the state file."""
    config = sandbox.config
    exchange = (
        f"file exchange: {config.imp_path}/{{CEB,DecCus001,Rmft}}/OutBox"
        if config.imp_path is not None
        else "file exchange: off (no ImpPath)"
    )
    return [
        f"eport sandbox listening on {sandbox.url} (OpenAPI: {sandbox.url}/openapi.json)",
        f"{exchange}; demo enterprise DXP id {DEMO_DXP_ID}",
        f"state: {config.database}; stop with Ctrl-C",
    ]


def run_foreground(
    config: SandboxConfig,
    certificates: Iterable[bytes] = (),
    *,
    echo: Callable[[str], None] = _stderr,
    stop: threading.Event | None = None,
) -> None:
    """Start a sandbox, print its banner, serve until ``stop`` is set, Ctrl-C or SIGTERM, then stop it.

    Args:
        config: the sandbox settings.
        certificates: signing certificates (PEM or DER bytes) to register besides the demo card's.
        echo: where the banner and the closing line go (stderr by default).
        stop: an event that ends the run when set (signals set it too, from the main thread).
    """
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
    sandbox = Sandbox(config, certificates)
    sandbox.start()
    try:
        for line in banner(sandbox):
            echo(line)
        while not stop.wait(0.2):
            pass
    finally:
        sandbox.stop()
        echo("eport sandbox stopped")


__all__ = ["banner", "run_foreground"]
