"""Top-level ``eport`` command group and the one error handler that turns EportError into a one-line message."""

from __future__ import annotations

import logging
import sys

import click

from eport import __version__
from eport.cli import card as card_cli
from eport.cli import edi as edi_cli
from eport.cli import pki as pki_cli
from eport.cli import services as services_cli
from eport.cli._util import EXIT_BAD_SIGNATURE, EXIT_FAIL, EXIT_REJECTED
from eport.errors import EportError, InvalidSignature, RejectedError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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
for command in services_cli.commands:
    cli.add_command(command)


def run() -> None:
    """Run the CLI, mapping eport errors to one line on stderr and a stable exit code."""
    debug = "--debug" in sys.argv
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        raise SystemExit(EXIT_FAIL) from None
    except click.ClickException as exc:
        exc.show()
        raise SystemExit(exc.exit_code) from None
    except EportError as exc:
        if debug:
            raise
        status = EXIT_FAIL
        if isinstance(exc, InvalidSignature):
            status = EXIT_BAD_SIGNATURE
        elif isinstance(exc, RejectedError):
            status = EXIT_REJECTED
        click.echo(f"error: {type(exc).__name__}: {exc}", err=True)
        raise SystemExit(status) from None
