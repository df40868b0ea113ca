"""``eport edi``: command line for :mod:`eport.edi`."""

from __future__ import annotations

import click


@click.group(name="edi")
def group() -> None:
    """Commands for eport.edi."""
