"""Top-level ``eport`` command group (its error handler is :class:`eport.cli._util.EportGroup`).

The commands' modules are imported when a command runs (or when ``--help`` lists them), not when ``eport`` starts:
``eport edi validate`` does not import the card, refund or sandbox code, which halves its start-up.
"""

from __future__ import annotations

import importlib
import logging
import sys

import click

from eport import __version__
from eport.cli._util import EportGroup

#: Each top-level command: the module that defines it and its name there.
COMMANDS: dict[str, tuple[str, str]] = {
    "card": ("eport.cli.card", "group"),
    "demo": ("eport.cli.demo", "demo"),
    "edi": ("eport.cli.edi", "group"),
    "identity": ("eport.cli.identity", "group"),
    "login": ("eport.cli.login", "login_command"),
    "pki": ("eport.cli.pki", "group"),
    "refund": ("eport.cli.refund", "group"),
    "sandbox": ("eport.cli.sandbox", "sandbox"),
    "verification": ("eport.cli.verification", "group"),
}


class TopLevelGroup(EportGroup):
    """:class:`EportGroup` whose commands are imported on first use (:data:`COMMANDS`)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command's name, sorted, without importing any."""
        return sorted({*COMMANDS, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The command called ``cmd_name``, importing its module the first time; ``None`` if there is none."""
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            module, name = COMMANDS[cmd_name]
            command = getattr(importlib.import_module(module), name)
            if not isinstance(command, click.Command) or command.name != cmd_name:
                raise RuntimeError(f"{module}.{name} is not the command {cmd_name!r}")  # a wrong COMMANDS entry
            self.add_command(command)
        return self.commands.get(cmd_name)


@click.group(cls=TopLevelGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="eport")
@click.option("--debug", is_flag=True, help="Log at debug level and show tracebacks.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """eport: China E-Port (中国电子口岸) and Single Window (国际贸易单一窗口) from the command line."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING, stream=sys.stderr)


def run() -> None:
    """Run the CLI: every failure is one line ``error: <Class>: <message>`` on stderr and a stable exit code."""
    cli.main(prog_name="eport")
