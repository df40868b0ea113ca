"""The sandbox process: HTTP gateway, folder watcher and scheduler around one SQLite state."""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from eport.errors import ConfigurationError
from eport.sandbox.config import SandboxConfig
from eport.sandbox.engine import Engine
from eport.sandbox.filedrop import FolderWatcher
from eport.sandbox.store import Store
from eport.sandbox.verification_store import VerificationStore

if TYPE_CHECKING:
    from eport.sandbox.gateway import GatewayServer
    from eport.sandbox.web import SandboxContext

logger = logging.getLogger(__name__)


def demo_certificates() -> list[bytes]:
    """The demo operator card's signing certificates (RSA and SM2), registered in every sandbox."""
    from eport.card import demo

    return [demo.signing_certificate_der(), demo.sm2_signing_certificate_der()]


def load_certificate(path: Path) -> bytes:
    """Read a PEM or DER certificate file and return its DER.

    Raises:
        ConfigurationError: if the file is not a certificate.
    """
    data = path.read_bytes()
    try:
        if data.lstrip().startswith(b"-----"):
            return x509.load_pem_x509_certificate(data).public_bytes(Encoding.DER)
        return x509.load_der_x509_certificate(data).public_bytes(Encoding.DER)
    except ValueError as exc:
        raise ConfigurationError(f"{path} is not a PEM or DER certificate") from exc


class Sandbox:
    """The local E-Port exchange and customs simulator.

    Args:
        config: settings.
        certificates: extra signing certificates (DER) to register besides the demo card's.

    Example::

        sandbox = Sandbox(SandboxConfig(state_dir="state", imp_path="ImpPath", port=0))
        sandbox.start()
        url = sandbox.url                # http://127.0.0.1:<port>
        ...
        sandbox.stop()
    """

    def __init__(self, config: SandboxConfig, certificates: Iterable[bytes] = ()) -> None:
        self.config = config
        self.store = Store(config.database)
        for der in demo_certificates():
            self.store.add_certificate(der, "eport demo operator card")
        for der in certificates:
            self.store.add_certificate(der, x509.load_der_x509_certificate(der).subject.rfc4514_string())
        self.forms = VerificationStore(config.state_dir / "verification.sqlite3", delay=config.verification_delay)
        self.engine = Engine(config, self.store, self.forms)
        self._server: GatewayServer | None = None
        self._context: SandboxContext | None = None
        self._watcher = (
            FolderWatcher(self.engine, config.imp_path, config.poll_interval) if config.imp_path is not None else None
        )

    @property
    def url(self) -> str:
        """Base URL of the HTTP gateway (valid once started)."""
        if self._server is None:
            raise ConfigurationError("the sandbox is not started")
        host = f"[{self._server.host}]" if ":" in self._server.host else self._server.host
        return f"http://{host}:{self._server.port}"

    def start(self) -> None:
        """Bind the port and start the HTTP, watcher and scheduler threads.

        Raises:
            ConnectError: if the address cannot be bound.
            ConfigurationError: if the ``sandbox`` extra (FastAPI, uvicorn) is not installed.
        """
        if self.config.host not in ("127.0.0.1", "::1", "localhost"):
            logger.warning("sandbox listening on %s, beyond loopback, without authentication", self.config.host)
        try:
            from eport.sandbox.gateway import GatewayServer, create_app
            from eport.sandbox.web import SandboxContext
        except ImportError as exc:  # pragma: no cover - depends on the installed extras
            raise ConfigurationError(f"the sandbox needs the 'sandbox' extra (eport[sandbox]): {exc}") from exc
        self._context = SandboxContext(self.config, self.engine, self.store)
        self._server = GatewayServer(self.config.host, self.config.port)
        self.engine.start()
        if self._watcher is not None:
            self._watcher.start()
        self._server.start(create_app(self._context, server_url=self.url))
        info = {"url": self.url, "pid": os.getpid()}
        (self.config.state_dir / "sandbox.json").write_text(json.dumps(info), encoding="utf-8")
        logger.info("sandbox listening on %s", self.url)

    def stop(self) -> None:
        """Stop every thread and close the state."""
        if self._server is not None:
            self._server.stop()
        if self._watcher is not None:
            self._watcher.stop()
        self.engine.stop()
        if self._context is not None:
            self._context.close()
        self.forms.close()
        self.store.close()

    def __enter__(self) -> Sandbox:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve(config: SandboxConfig, certificates: Iterable[bytes] = (), stop: threading.Event | None = None) -> None:
    """Run a sandbox until ``stop`` is set (or forever, until the process is interrupted)."""
    stop = stop or threading.Event()
    sandbox = Sandbox(config, certificates)
    sandbox.start()
    try:
        while not stop.wait(0.5):
            pass
    finally:
        sandbox.stop()


__all__ = ["Sandbox", "demo_certificates", "load_certificate", "serve"]
