"""Shared conventions of the command line: exit codes, the one error format, input files, tables.

Every ``eport`` command follows these (docs/cli.md documents them; ``tests/test_cli_conventions.py`` walks the
command tree and checks them):

- data goes to stdout, progress and notes to stderr (:func:`err`);
- a failure prints one line ``error: <Class>: <message>`` on stderr (:func:`error_line`) and exits with a stable
  status (:data:`EXIT_FAIL` … :data:`EXIT_UNREADABLE_ROWS`): raise an :class:`~eport.errors.EportError` or a
  :class:`CliFail`, the group's error handler (:class:`EportGroup`) does the rest;
- input files are :class:`InputPath` parameters (or read with :func:`read_input`): a missing file exits with 1 and
  the one error format, never with a usage error;
- tables are rich tables (:func:`print_records`), aligned by display width (a CJK character takes two cells) and
  fitted to the terminal: a record that does not fit is shown vertically, one field per line;
- times carry their zone (:func:`format_time`, ``2026-12-04 10:00:01+08:00``);
- help texts are plain text (no reST markup such as double backquotes or ``:func:`` roles).
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, NoReturn

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from eport.errors import EportError, InvalidSignature, RejectedError, SignatureFormatError, UnreadableRowsError

#: Stable exit codes of the ``eport`` command (documented in docs/cli.md).
EXIT_OK = 0
EXIT_FAIL = 1  # expected failure: invalid file, missing file, card error, service error
EXIT_USAGE = 2  # click usage errors
EXIT_BAD_SIGNATURE = 3
EXIT_REJECTED = 4
EXIT_UNREADABLE_ROWS = 5  # a listing printed its readable rows; the others are named on stderr


def error_line(kind: str, message: str) -> str:
    """The one error format of the CLI: ``error: <Class>: <message>``."""
    return f"error: {kind}: {message}"


class CliFail(click.ClickException):
    """An expected failure: prints ``error: <kind>: <message>`` on stderr and exits with ``status``.

    Args:
        message: what went wrong, naming the file or field.
        status: exit status (:data:`EXIT_FAIL` unless a documented code applies).
        kind: the class shown in the error line; name the underlying error (``FileNotFoundError``) or the
            failed check (``ValidationFailed``).
    """

    def __init__(self, message: str, status: int = EXIT_FAIL, *, kind: str = "CommandFailed") -> None:
        super().__init__(message)
        self.status = status
        self.kind = kind
        vars(self)["exit_code"] = status  # click reads exit_code when exiting

    def show(self, file: Any = None) -> None:
        """Print the one error line on stderr."""
        click.echo(error_line(self.kind, self.format_message()), err=True)


def exit_status(exc: EportError) -> int:
    """The documented exit status of an eport error (3 bad signature, 4 rejected, otherwise 1).

    A :class:`~eport.errors.SignatureFormatError` (input that is no signature document at all) is an input error,
    1, though it is an ``InvalidSignature`` too: 3 says a signature does not verify.
    """
    if isinstance(exc, SignatureFormatError):
        return EXIT_FAIL
    if isinstance(exc, InvalidSignature):
        return EXIT_BAD_SIGNATURE
    if isinstance(exc, RejectedError):
        return EXIT_REJECTED
    return EXIT_FAIL


def err(message: str) -> None:
    """Write a progress or prompt line to stderr (data goes to stdout)."""
    click.echo(message, err=True)


# ------------------------------------------------------------------------------------------- listing rows
def read_listing(rows: Iterable[Any]) -> tuple[list[Any], UnreadableRowsError | None]:
    """Every row a listing yields, and the :class:`~eport.errors.UnreadableRowsError` it ended with (or None)."""
    items: list[Any] = []
    try:
        items.extend(rows)
    except UnreadableRowsError as exc:
        return items, exc
    return items, None


def fail_unreadable(errors: Iterable[UnreadableRowsError | None], *, then: str) -> None:
    """Name each unreadable row of the listings on stderr, then fail with exit status 5; return when there is none.

    Args:
        errors: what each listing ended with (:func:`read_listing`).
        then: what the command did with the readable rows, with ``{readable}`` for their number
            (``"the other {readable} were printed"``, ``"nothing was written"``).
    """
    failed = [error for error in errors if error is not None]
    if not failed:
        return
    for error in failed:
        for row in error.rows:
            err(f"row #{row.position}" + (f" ({row.key})" if row.key else "") + f" not read: {row.reason}")
    bad = sum(len(error.rows) for error in failed)
    total = sum(error.total for error in failed)
    raise CliFail(
        f"{bad} of {total} {failed[0].what} could not be read (named above); " + then.format(readable=total - bad),
        EXIT_UNREADABLE_ROWS,
        kind=UnreadableRowsError.__name__,
    )


# ------------------------------------------------------------------------------------------------ input files
def _os_fail(path: object, exc: OSError) -> CliFail:
    return CliFail(f"cannot read {path}: {exc.strerror or exc}", kind=type(exc).__name__)


class InputPath(click.Path):
    """A path parameter that must exist: a missing one fails with exit status 1 and the one error format.

    ``click.Path(exists=True)`` would make it a usage error (exit status 2); use this type for every file or
    folder a command reads. ``-`` (standard input) is accepted when ``allow_dash`` is true.
    """

    def __init__(self, *, file_okay: bool = True, dir_okay: bool = True, allow_dash: bool = False) -> None:
        super().__init__(
            exists=False, file_okay=file_okay, dir_okay=dir_okay, readable=False, allow_dash=allow_dash, path_type=Path
        )

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        """Check that the path exists and has the right kind, then convert it to a :class:`~pathlib.Path`."""
        text = os.fsdecode(value) if isinstance(value, bytes | os.PathLike) else str(value)
        if not (self.allow_dash and text == "-"):
            if not os.path.exists(text):
                raise CliFail(f"cannot read {text}: No such file or directory", kind="FileNotFoundError")
            if not self.dir_okay and os.path.isdir(text):
                raise CliFail(f"cannot read {text}: is a directory, a file is expected", kind="IsADirectoryError")
            if not self.file_okay and not os.path.isdir(text):
                raise CliFail(f"cannot read {text}: a folder is expected", kind="NotADirectoryError")
        return super().convert(value, param, ctx)


def read_input(path: Path) -> bytes:
    """The bytes of ``path`` (``-`` reads standard input); unreadable files fail with exit status 1."""
    if str(path) == "-":
        return sys.stdin.buffer.read()
    try:
        return path.read_bytes()
    except OSError as exc:
        raise _os_fail(path, exc) from None


# ----------------------------------------------------------------------------------------------------- output
def console(*, stderr: bool = False) -> Console:
    """A rich console on the current stdout (or stderr): no markup, no highlighting, the terminal's width."""
    stream = sys.stderr if stderr else sys.stdout
    return Console(file=stream, highlight=False, markup=False, emoji=False, soft_wrap=False)


def format_time(value: dt.datetime | None, *, date: bool = True) -> str:
    """A time with its zone offset (``2026-12-04 10:00:01+08:00``; ``10:00:01+08:00`` without the date)."""
    if value is None:
        return ""
    text = value.isoformat(sep=" ", timespec="seconds")
    return text if date else text.split(" ", 1)[1]


def _cell(value: Any) -> Text:
    if value is None:
        return Text("")
    if isinstance(value, dt.datetime):
        return Text(format_time(value))
    if isinstance(value, bytes):
        return Text(f"<{len(value)} bytes>")
    if isinstance(value, tuple | list):
        return Text(", ".join(str(v) for v in value))
    return Text(str(value))


def records_table(records: Sequence[Mapping[str, Any]], *, title: str | None = None) -> Table:
    """A table with one row per record and one column per key that has a value in some record."""
    keys: list[str] = []
    for record in records:
        keys.extend(k for k, v in record.items() if k not in keys and v not in (None, ""))
    table = Table(title=title, title_justify="left", box=None, pad_edge=False, header_style="")
    for key in keys:
        table.add_column(key, no_wrap=True)
    for record in records:
        table.add_row(*(_cell(record.get(key)) for key in keys))
    return table


def fields_table(record: Mapping[str, Any], labels: Mapping[str, str] | None = None) -> Table:
    """One record vertically: field, value and (when given) the field's label, empty fields left out."""
    table = Table(box=None, pad_edge=False, show_header=False)
    table.add_column("field", no_wrap=True)
    table.add_column("value", overflow="fold")
    if labels is not None:
        table.add_column("label", overflow="fold")
    for key, value in record.items():
        if value in (None, ""):
            continue
        row = [Text(key), _cell(value)]
        if labels is not None:
            row.append(Text(labels.get(key, "")))
        table.add_row(*row)
    return table


def print_records(
    records: Sequence[Mapping[str, Any]],
    *,
    title: str | None = None,
    labels: Mapping[str, str] | None = None,
    out: Console | None = None,
    one_vertical: bool = True,
) -> None:
    """Print records as a table that fits the terminal.

    One record (unless ``one_vertical`` is false), or records whose table is wider than the terminal, are shown
    vertically (one field per line, with its label); otherwise one row per record.
    """
    target = out or console()
    if title:
        _emit(target, Text(title))
    if not records:
        return
    table = records_table(records)
    natural = target.measure(table, options=target.options.update_width(1_000_000)).maximum
    if (len(records) > 1 or not one_vertical) and natural <= target.width:
        _emit(target, table)
        return
    for i, record in enumerate(records, 1):
        if len(records) > 1:
            _emit(target, Text(f"[{i}/{len(records)}]"))
        _emit(target, fields_table(record, labels))


def _emit(target: Console, renderable: Table | Text) -> None:
    """Print without the padding rich leaves at the end of table lines."""
    with target.capture() as captured:
        target.print(renderable)
    text = "\n".join(line.rstrip() for line in captured.get().splitlines())
    target.file.write(text + "\n")
    target.file.flush()


# ------------------------------------------------------------------------------------------------ error handler
class EportGroup(click.Group):
    """The top-level group: one error handler for every command, in standalone mode (console script, CliRunner).

    ``EportError`` → ``error: <Class>: <message>`` and its documented exit status; :class:`CliFail` likewise;
    usage errors → the usage line, then ``error: <Class>: <message>`` and exit status 2; file-system errors that
    escape a command → ``error: <OSError subclass>: …`` and exit status 1. With ``--debug`` eport errors raise
    with their traceback.
    """

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        """Run the command; in standalone mode map every expected failure to one line and an exit status."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        argv = list(sys.argv[1:] if args is None else args)
        try:
            result = super().main(argv, prog_name, complete_var, standalone_mode=False, **extra)
        except click.UsageError as exc:
            self._usage_failure(exc)
        except click.ClickException as exc:  # CliFail and click's own FileError
            if isinstance(exc, CliFail):
                exc.show()
            else:
                click.echo(error_line(type(exc).__name__, exc.format_message()), err=True)
            sys.exit(exc.exit_code)
        except click.exceptions.Abort:
            click.echo(error_line("Aborted", "interrupted"), err=True)
            sys.exit(EXIT_FAIL)
        except EportError as exc:
            if "--debug" in argv:
                raise
            click.echo(error_line(type(exc).__name__, str(exc)), err=True)
            sys.exit(exit_status(exc))
        except OSError as exc:
            if "--debug" in argv:
                raise
            click.echo(error_line(type(exc).__name__, str(exc)), err=True)
            sys.exit(EXIT_FAIL)
        sys.exit(result if isinstance(result, int) and not isinstance(result, bool) else EXIT_OK)

    @staticmethod
    def _usage_failure(exc: click.UsageError) -> NoReturn:
        if exc.ctx is not None:
            click.echo(exc.ctx.get_usage(), err=True)
            option = exc.ctx.help_option_names[0] if exc.ctx.help_option_names else "--help"
            click.echo(f"Try '{exc.ctx.command_path} {option}' for help.", err=True)
        click.echo(error_line(type(exc).__name__, exc.format_message()), err=True)
        sys.exit(exc.exit_code)
