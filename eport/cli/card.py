"""``eport card``: command line for :mod:`eport.card`."""

from __future__ import annotations

import click


@click.group(name="card")
def group() -> None:
    """Commands for eport.card."""
