"""``python -m eport.sandbox``: run the sandbox without the CLI extra (used by the test fixtures)."""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from pathlib import Path

from eport.sandbox.app import load_certificate, serve
from eport.sandbox.config import DEFAULT_PORT, SandboxConfig


def main(argv: list[str] | None = None) -> None:
    """Parse the arguments and serve until SIGTERM or SIGINT."""
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
    parser.add_argument("--certificate", type=Path, action="append", default=[])
    parser.add_argument("--log-level", default="WARNING")
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level.upper())
    config = SandboxConfig(
        state_dir=args.state_dir,
        imp_path=args.imp_path,
        host=args.host,
        port=args.port,
        step_delay=args.step_delay,
        first_delay=args.first_delay,
        poll_interval=args.poll_interval,
        inspection_share=args.inspection_share,
        manual_review_share=args.manual_review_share,
        match_wait=args.match_wait,
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    serve(config, [load_certificate(p) for p in args.certificate], stop)


if __name__ == "__main__":
    main()
