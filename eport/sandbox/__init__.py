"""``eport sandbox``: a local simulator of the E-Port exchange and customs.

A real server: an HTTP gateway on loopback (``/openapi.json``), a watcher on a file-exchange ImpPath, and SQLite
state that survives restarts. It checks envelopes, schemas, signatures against registered certificates,
duplicates, cross-border limits and 三单对碰, and answers with the real receipt messages on configurable timelines.
See ``docs/sandbox.md`` and ``docs/exchange-protocol.md``.
"""

from eport.sandbox.app import Sandbox, demo_certificates, load_certificate, serve
from eport.sandbox.config import (
    CEB_DXP_ID,
    DEC_DXP_ID,
    DEFAULT_PORT,
    DEMO_CUSTOMS_CODE,
    DEMO_DXP_ID,
    DEMO_ENTERPRISE_NAME,
    MFT_DXP_ID,
    SandboxConfig,
)

__all__ = [
    "CEB_DXP_ID",
    "DEC_DXP_ID",
    "DEFAULT_PORT",
    "DEMO_CUSTOMS_CODE",
    "DEMO_DXP_ID",
    "DEMO_ENTERPRISE_NAME",
    "MFT_DXP_ID",
    "Sandbox",
    "SandboxConfig",
    "demo_certificates",
    "load_certificate",
    "serve",
]
