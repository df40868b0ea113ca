"""``eport pki``: command line for :mod:`eport.pki`."""

from __future__ import annotations

import click


@click.group(name="pki")
def group() -> None:
    """Commands for eport.pki."""
