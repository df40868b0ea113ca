"""Run the sandbox as a separate process (``python -m eport.sandbox``) for tests and benchmarks."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

FAST = {
    "--step-delay": "0.05",
    "--first-delay": "0.02",
    "--poll-interval": "0.02",
    "--inspection-share": "0",
    "--manual-review-share": "0",
    "--match-wait": "5",
}


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SandboxProcess:
    """One sandbox process with its own state folder and ImpPath; restartable on the same state."""

    def __init__(self, root: Path, **options: str) -> None:
        self.state_dir = root / "state"
        self.imp_path = root / "ImpPath"
        self.port = free_port()
        self.options = {**FAST, **options}
        self.process: subprocess.Popen[bytes] | None = None
        root.mkdir(parents=True, exist_ok=True)
        self.log = root / "sandbox.log"

    @property
    def url(self) -> str:
        """Base URL of the HTTP gateway."""
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 20.0) -> None:
        """Start the process and wait until ``/healthz`` answers."""
        args = [sys.executable, "-m", "eport.sandbox", "--state-dir", str(self.state_dir)]
        args += ["--imp-path", str(self.imp_path), "--port", str(self.port), "--log-level", "INFO"]
        for key, value in self.options.items():
            args += [key, value]
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"sandbox exited with {self.process.returncode}: {self.log.read_text()[-2000:]}")
            try:
                if requests.get(f"{self.url}/healthz", timeout=1).json() == {"status": "ok"}:
                    return
            except requests.RequestException:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("sandbox did not become healthy in time")

    def kill(self) -> None:
        """Kill the process hard (SIGKILL): no clean shutdown."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        """Stop the process cleanly (SIGTERM), killing it if it does not exit."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.kill()

    def get(self, path: str) -> dict[str, object]:
        """GET a JSON document from the sandbox."""
        reply = requests.get(f"{self.url}{path}", timeout=5)
        reply.raise_for_status()
        result: dict[str, object] = reply.json()
        return result


def logged_in_session(sandbox: SandboxProcess) -> requests.Session:
    """A requests session (no proxies) holding the service cookie of a real card login with the emulated demo
    card, for the routes behind a login."""
    from eport.card.emulator import DEMO_PIN, InProcessTransport, demo_card
    from eport.card.operator import OperatorCard
    from eport.sandbox.login_api import SESSION_COOKIE
    from eport.services.portal import PortalSession
    from eport.services.session import CardLogin

    with PortalSession(sandbox.url) as portal:
        CardLogin(portal).login(OperatorCard(InProcessTransport(demo_card())), DEMO_PIN)
        token = portal.cookies.get(SESSION_COOKIE)
    assert token
    session = requests.Session()
    session.trust_env = False
    session.cookies.set(SESSION_COOKIE, token)
    return session
