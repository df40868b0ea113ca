"""The ``eport`` command line (installed with the ``eport[cli]`` extra: click and rich)."""

from __future__ import annotations

import sys


def main() -> None:
    """Entry point of the ``eport`` console script."""
    try:
        from eport.cli.main import run
    except ImportError as exc:  # pragma: no cover - only without the extra
        if exc.name in {"click", "rich"}:
            sys.stderr.write("The eport command line needs the 'cli' extra: pip install 'eport[cli]'\n")
            raise SystemExit(2) from None
        raise
    run()


__all__ = ["main"]
