"""Top-level commands built on :mod:`eport.services`: ``eport demo`` and ``eport sandbox``."""

from __future__ import annotations

import click

from eport.cli.demo import demo
from eport.cli.sandbox import sandbox

commands: list[click.Command] = [demo, sandbox]
