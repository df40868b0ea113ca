"""``eport sandbox``: run the local E-Port exchange and customs simulator in the foreground."""

from __future__ import annotations

from pathlib import Path

import click

from eport.cli._util import InputPath, err
from eport.sandbox import DEFAULT_PORT, SandboxConfig, load_certificate
from eport.sandbox.foreground import run_foreground


@click.command(name="sandbox")
@click.option(
    "--state-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path(".eport-sandbox"),
    show_default=True,
    help="Folder of the SQLite state (kept across restarts).",
)
@click.option(
    "--imp-path",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="File-exchange root (ImpPath) to watch; default <state-dir>/ImpPath.",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=DEFAULT_PORT, show_default=True, help="0 = any free.")
@click.option("--step-delay", type=float, default=2.0, show_default=True, help="Seconds between two receipts.")
@click.option("--first-delay", type=float, default=0.5, show_default=True, help="Seconds before the first receipt.")
@click.option("--inspection-share", type=float, default=0.1, show_default=True, help="Share inspected (查验 500).")
@click.option(
    "--manual-review-share", type=float, default=0.1, show_default=True, help="Share reviewed by hand (人工审核 300)."
)
@click.option(
    "--match-wait", type=float, default=30.0, show_default=True, help="Seconds an inventory waits for its 三单."
)
@click.option(
    "--login-max-failures",
    type=click.IntRange(1, 99),
    default=5,
    show_default=True,
    help="Wrong PINs before the fake CAS locks a card.",
)
@click.option(
    "--login-session-ttl", type=float, default=1800.0, show_default=True, help="Seconds a card-login session lives."
)
@click.option(
    "--login-challenge-hash",
    type=click.Choice(["sha1", "sha256"]),
    default="sha1",
    show_default=True,
    help="RSA hash the fake CAS verifies the login challenge with (SpcSignRandom's is unverified).",
)
@click.option(
    "--verification-delay",
    type=float,
    default=0.0,
    show_default=True,
    help="Seconds SAFE takes to issue and to verify verification forms (核销单).",
)
@click.option(
    "--certificate",
    "certificates",
    type=InputPath(dir_okay=False),
    multiple=True,
    help="Register a signing certificate (PEM or DER); repeatable. The demo card's certificates always are.",
)
def sandbox(
    state_dir: Path,
    imp_path: Path | None,
    host: str,
    port: int,
    step_delay: float,
    first_delay: float,
    inspection_share: float,
    manual_review_share: float,
    match_wait: float,
    login_max_failures: int,
    login_session_ttl: float,
    login_challenge_hash: str,
    verification_delay: float,
    certificates: tuple[Path, ...],
) -> None:
    """Run a local simulator of the E-Port exchange and customs (HTTP gateway plus file exchange).

    Submit DxpMsg envelopes to POST /api/v1/dxp or drop files into <ImpPath>/<Box>/OutBox; receipts come back on
    GET /api/v1/receipts and in <ImpPath>/<Box>/InBox. Stop with Ctrl-C.
    """
    config = SandboxConfig(
        state_dir=state_dir,
        imp_path=imp_path or state_dir / "ImpPath",
        host=host,
        port=port,
        step_delay=step_delay,
        first_delay=first_delay,
        inspection_share=inspection_share,
        manual_review_share=manual_review_share,
        match_wait=match_wait,
        login_max_failures=login_max_failures,
        login_session_ttl=login_session_ttl,
        login_challenge_hash=login_challenge_hash,
        verification_delay=verification_delay,
    )
    run_foreground(config, [load_certificate(path) for path in certificates], echo=err)


__all__ = ["sandbox"]
