"""Settings of the local E-Port sandbox and its seeded identities (see ``docs/exchange-protocol.md``)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import attrs

from eport.errors import ConfigurationError

#: DXP id of the seeded demo enterprise (SenderId of its submissions).
DEMO_DXP_ID = "DXPENT0000000001"
#: Customs code and name of the seeded demo enterprise.
DEMO_CUSTOMS_CODE = "4403960001"
DEMO_ENTERPRISE_NAME = "eport 演示企业 demo enterprise"
#: DXP ids of the customs systems that answer.
CEB_DXP_ID = "DXPEDCCEB0000002"
DEC_DXP_ID = "DXPEDCDEC0000001"
MFT_DXP_ID = "DXPEDCMFT0000001"

#: Default HTTP port of the sandbox.
DEFAULT_PORT = 8730

#: File-exchange boxes (ImpPath sub-folders) the sandbox watches.
BOX_CEB = "CEB"
BOX_DEC = "DecCus001"
BOX_MFT = "Rmft"
BOXES = (BOX_CEB, BOX_DEC, BOX_MFT)


def _non_negative(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if value < 0:
        raise ConfigurationError(f"{attribute.name} must be >= 0, got {value!r}")


def _share(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise ConfigurationError(f"{attribute.name} must be between 0 and 1, got {value!r}")


@attrs.frozen(kw_only=True)
class SandboxConfig:
    """Everything the sandbox process needs.

    Attributes:
        state_dir: folder holding the SQLite state (``sandbox.sqlite3``); it survives restarts.
        imp_path: the file-exchange root (``ImpPath``); ``None`` disables the folder watcher.
        host: address to listen on; loopback by default.
        port: TCP port; 0 picks a free one (the chosen port is written to ``state_dir/port``).
        step_delay: seconds between two successive receipts of one submission (a few seconds by default).
        first_delay: seconds between reception and the first receipt.
        poll_interval: seconds between two scans of the OutBox folders and of the scheduler.
        inspection_share: share (0..1) of accepted import inventories that go through inspection (查验, 500).
        manual_review_share: share (0..1) of accepted import inventories that go through manual review (人工审核, 300).
        single_limit: single-purchase limit in CNY (-621005 above it). Unverified figure from policy: 5,000.
        annual_limit: annual limit per buyer in CNY (-621018 above it). Unverified figure from policy: 26,000.
        match_wait: seconds an inventory waits for its order, payment and waybill before it is rejected.
        seed: salt of the deterministic draw that picks inspected / reviewed messages.
        require_signature: check signatures against the registered certificates (off: accept any signature).
        max_body: largest accepted message in bytes.
        login_max_failures: wrong PINs before the fake CAS locks a card (the real number is not documented; 5 is
            the common card behaviour).
        login_session_ttl: seconds a portal session (card login) lives.
        login_challenge_hash: ``sha1`` or ``sha256``, the RSA hash the fake CAS verifies the login challenge with
            (what ``SpcSignRandom`` signs is unverified; eport assumes SHA-1).
        verification_delay: seconds SAFE takes to issue applied 核销单 and to verify handed-in ones (0: at once).
    """

    state_dir: Path = attrs.field(converter=Path)
    imp_path: Path | None = attrs.field(default=None, converter=attrs.converters.optional(Path))
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    step_delay: float = attrs.field(default=2.0, validator=_non_negative)
    first_delay: float = attrs.field(default=0.5, validator=_non_negative)
    poll_interval: float = attrs.field(default=0.2, validator=_non_negative)
    inspection_share: float = attrs.field(default=0.1, validator=_share)
    manual_review_share: float = attrs.field(default=0.1, validator=_share)
    single_limit: Decimal = attrs.field(default=Decimal("5000"), converter=Decimal)
    annual_limit: Decimal = attrs.field(default=Decimal("26000"), converter=Decimal)
    match_wait: float = attrs.field(default=30.0, validator=_non_negative)
    seed: str = "eport"
    require_signature: bool = True
    max_body: int = 10 * 1024 * 1024
    login_max_failures: int = attrs.field(default=5, validator=attrs.validators.ge(1))
    login_session_ttl: float = attrs.field(default=1800.0, validator=_non_negative)
    login_challenge_hash: str = attrs.field(default="sha1", validator=attrs.validators.in_(("sha1", "sha256")))
    verification_delay: float = attrs.field(default=0.0, validator=_non_negative)

    @property
    def database(self) -> Path:
        """Path of the SQLite state file."""
        return self.state_dir / "sandbox.sqlite3"


__all__ = [
    "BOXES",
    "BOX_CEB",
    "BOX_DEC",
    "BOX_MFT",
    "CEB_DXP_ID",
    "DEC_DXP_ID",
    "DEFAULT_PORT",
    "DEMO_CUSTOMS_CODE",
    "DEMO_DXP_ID",
    "DEMO_ENTERPRISE_NAME",
    "MFT_DXP_ID",
    "SandboxConfig",
]
