"""Top-level ``eport`` command group (its error handler is :class:`eport.cli._util.EportGroup`)."""

from __future__ import annotations

import logging
import sys

import click

from eport import __version__
from eport.cli import card as card_cli
from eport.cli import edi as edi_cli
from eport.cli import identity as identity_cli
from eport.cli import login as login_cli
from eport.cli import pki as pki_cli
from eport.cli import refund as refund_cli
from eport.cli import services as services_cli
from eport.cli import verification as verification_cli
from eport.cli._util import EportGroup


@click.group(cls=EportGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="eport")
@click.option("--debug", is_flag=True, help="Log at debug level and show tracebacks.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """eport: China E-Port (中国电子口岸) and Single Window (国际贸易单一窗口) from the command line."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING, stream=sys.stderr)


cli.add_command(edi_cli.group)
cli.add_command(card_cli.group)
cli.add_command(pki_cli.group)
cli.add_command(login_cli.login_command)
cli.add_command(verification_cli.group)
cli.add_command(identity_cli.group)
cli.add_command(refund_cli.group)
for command in services_cli.commands:
    cli.add_command(command)


def run() -> None:
    """Run the CLI: every failure is one line ``error: <Class>: <message>`` on stderr and a stable exit code."""
    cli.main(prog_name="eport")
