"""TLS for eport's HTTP clients: one trust setup shared by the gateway transport and the portal session.

Servers are verified against the system trust store plus extra PEM certificates (the eport trust store of E-Port
root CAs, or a private CA). There is no way to switch verification off. Private to :mod:`eport.services`: used by
:mod:`eport.services.http` and :mod:`eport.services.portal`; :func:`trust_context` is public as
``eport.services.trust_context``.
"""

from __future__ import annotations

import importlib
import logging
import os
import ssl
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from eport.errors import ConfigurationError, EportError

logger = logging.getLogger(__name__)

#: Host names of a loopback base URL: requests to it never go through an environment proxy.
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def trust_context(trust: Sequence[str | os.PathLike[str] | bytes] = ()) -> ssl.SSLContext:
    """An SSL context that verifies servers against the system trust store plus extra PEM certificates.

    Args:
        trust: PEM bundles, as file paths or bytes (for example the eport trust store's PEM bundle).

    Raises:
        eport.errors.ConfigurationError: a bundle cannot be read or holds no certificate.
    """
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
    for item in trust:
        try:
            pem = item if isinstance(item, bytes) else Path(item).read_bytes()
            context.load_verify_locations(cadata=pem.decode("ascii"))
        except (OSError, ssl.SSLError, UnicodeDecodeError, ValueError) as exc:
            raise ConfigurationError(f"cannot load trusted certificates from {item!r:.80}") from exc
    return context


def eport_roots() -> list[bytes]:
    """The root certificates of the default eport trust store as one PEM bundle (empty when there is none)."""
    try:
        truststore = importlib.import_module("eport.pki.truststore")
        bundle = truststore.TrustStore().pem_bundle()
    except (ImportError, EportError, OSError) as exc:
        logger.debug("no eport trust store: %s", exc)
        return []
    return [bundle.encode("ascii")] if isinstance(bundle, str) and bundle.strip() else []


class TrustAdapter(HTTPAdapter):
    """A ``requests`` adapter that verifies TLS with a given context and never retries on its own.

    Args:
        context: the SSL context (see :func:`trust_context`).
    """

    def __init__(self, context: ssl.SSLContext) -> None:
        self._context = context
        super().__init__(max_retries=0, pool_connections=4, pool_maxsize=16)

    def init_poolmanager(self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any) -> None:
        """Create the pool manager with the adapter's SSL context."""
        pool_kwargs["ssl_context"] = self._context
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)


def trust_adapter(trust: Sequence[str | os.PathLike[str] | bytes] | None = None) -> TrustAdapter:
    """The adapter to mount on ``https://``: ``trust`` on top of the system store (``None``: the E-Port roots)."""
    return TrustAdapter(trust_context(eport_roots() if trust is None else trust))


def client_session(
    base_url: str, session: requests.Session | None, trust: Sequence[str | os.PathLike[str] | bytes] | None
) -> requests.Session:
    """The ``requests`` session of a client of ``base_url``: ``session`` (or a new one) verifying TLS on top of the
    system store (:func:`trust_adapter`), and never routing a loopback base URL through an environment proxy.

    Raises:
        eport.errors.ConfigurationError: ``base_url`` is not ``http://`` or ``https://``; ``session`` has TLS
            verification switched off; a trust bundle cannot be read.
    """
    if not base_url.startswith(("http://", "https://")):
        raise ConfigurationError("base_url must start with http:// or https://")
    if session is not None and session.verify is False:
        raise ConfigurationError("a session with TLS verification switched off is refused")
    session = session or requests.Session()
    if urlsplit(base_url).hostname in _LOOPBACK:
        session.trust_env = False  # never route loopback through an environment proxy
    session.mount("https://", trust_adapter(trust))
    return session


__all__ = ["TrustAdapter", "client_session", "eport_roots", "trust_adapter", "trust_context"]
