"""Shared helpers of the command line: failures with exit codes, output streams."""

from __future__ import annotations

import click

#: Stable exit codes of the ``eport`` command (documented in docs/cli.md).
EXIT_OK = 0
EXIT_FAIL = 1  # expected failure: invalid file, card error, service error
EXIT_USAGE = 2  # click usage errors
EXIT_BAD_SIGNATURE = 3
EXIT_REJECTED = 4


class CliFail(click.ClickException):
    """An expected failure: prints one line and exits with ``status``."""

    def __init__(self, message: str, status: int = EXIT_FAIL) -> None:
        super().__init__(message)
        self.status = status
        vars(self)["exit_code"] = status  # click reads exit_code when exiting


def err(message: str) -> None:
    """Write a progress or prompt line to stderr (data goes to stdout)."""
    click.echo(message, err=True)
