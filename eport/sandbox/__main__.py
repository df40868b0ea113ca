"""``python -m eport.sandbox``: run the sandbox without the CLI extra (used by the test fixtures).

Same options, defaults and output as ``eport sandbox`` (both run :func:`eport.sandbox.foreground.run_foreground`),
plus ``--poll-interval`` and ``--log-level``.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from eport.sandbox.app import load_certificate
from eport.sandbox.config import DEFAULT_PORT, SandboxConfig
from eport.sandbox.foreground import run_foreground


def main(argv: list[str] | None = None) -> None:
    """Parse the arguments, print the banner and serve until SIGTERM or SIGINT."""
    parser = argparse.ArgumentParser(prog="python -m eport.sandbox", description="Run the eport sandbox.")
    parser.add_argument("--state-dir", type=Path, default=Path(".eport-sandbox"))
    parser.add_argument("--imp-path", type=Path, default=None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--step-delay", type=float, default=2.0)
    parser.add_argument("--first-delay", type=float, default=0.5)
    parser.add_argument("--poll-interval", type=float, default=0.2)
    parser.add_argument("--inspection-share", type=float, default=0.1)
    parser.add_argument("--manual-review-share", type=float, default=0.1)
    parser.add_argument("--match-wait", type=float, default=30.0)
    parser.add_argument("--login-max-failures", type=int, default=5)
    parser.add_argument("--login-session-ttl", type=float, default=1800.0)
    parser.add_argument("--login-challenge-hash", choices=("sha1", "sha256"), default="sha1")
    parser.add_argument("--verification-delay", type=float, default=0.0)
    parser.add_argument("--certificate", type=Path, action="append", default=[])
    parser.add_argument("--log-level", default="WARNING")
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level.upper())
    config = SandboxConfig(
        state_dir=args.state_dir,
        imp_path=args.imp_path or args.state_dir / "ImpPath",
        host=args.host,
        port=args.port,
        step_delay=args.step_delay,
        first_delay=args.first_delay,
        poll_interval=args.poll_interval,
        inspection_share=args.inspection_share,
        manual_review_share=args.manual_review_share,
        match_wait=args.match_wait,
        login_max_failures=args.login_max_failures,
        login_session_ttl=args.login_session_ttl,
        login_challenge_hash=args.login_challenge_hash,
        verification_delay=args.verification_delay,
    )
    run_foreground(config, [load_certificate(p) for p in args.certificate])


if __name__ == "__main__":
    main()
