"""The CLI conventions (docs/cli.md), checked on every command of the click tree, so new commands are covered.

- help texts are plain text: no reST markup (double backquotes, ``:func:`` roles, ``::`` literal blocks);
- a missing input file exits with 1 and one line ``error: FileNotFoundError: …`` (never a usage error, exit 2);
- no parameter uses ``click.Path(exists=True)`` (that would make a missing file a usage error): input files are
  :class:`eport.cli._util.InputPath`;
- the one error handler maps eport errors, usage errors and file-system errors to ``error: <Class>: <message>`` and
  the documented exit codes.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from rich.cells import cell_len

from eport import edi, examples
from eport.cli._util import (
    EXIT_BAD_SIGNATURE,
    EXIT_FAIL,
    EXIT_REJECTED,
    EXIT_USAGE,
    CliFail,
    EportGroup,
    InputPath,
    error_line,
    print_records,
)
from eport.cli.main import cli
from eport.errors import ConfigurationError, InvalidSignature, RejectedError

ERROR_LINE = re.compile(r"^error: [A-Za-z_][A-Za-z0-9_]*: \S")
REST_MARKUP = re.compile(r"``|:(?:func|class|mod|meth|attr|data|exc|obj|ref|doc):`|::\s*$", re.MULTILINE)


def _commands(command: click.Command, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    yield path, command
    if isinstance(command, click.Group):
        context = click.Context(command)
        for name in command.list_commands(context):  # the top level imports its commands' modules here
            sub = command.get_command(context, name)
            assert sub is not None, f"{' '.join(('eport', *path))} lists {name!r} but has no such command"
            yield from _commands(sub, (*path, name))


ALL = list(_commands(cli))
LEAVES = [(path, command) for path, command in ALL if not isinstance(command, click.Group)]


def _id(item: tuple[tuple[str, ...], click.Command]) -> str:
    return " ".join(("eport", *item[0]))


def test_the_walk_finds_the_commands() -> None:
    names = {" ".join(path) for path, _ in LEAVES}
    assert {"edi validate", "edi show", "edi import", "pki verify-xml", "card info", "sandbox", "demo"} <= names


@pytest.mark.parametrize("item", ALL, ids=[_id(i) for i in ALL])
def test_help_is_plain_text(item: tuple[tuple[str, ...], click.Command]) -> None:
    path, _ = item
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.stdout
    found = REST_MARKUP.findall(result.stdout)
    assert not found, f"reST markup in the help of {' '.join(path)}: {found}"


def _input_params(command: click.Command) -> list[click.Parameter]:
    return [p for p in command.params if isinstance(p.type, InputPath)]


@pytest.mark.parametrize("item", LEAVES, ids=[_id(i) for i in LEAVES])
def test_no_parameter_makes_a_missing_file_a_usage_error(item: tuple[tuple[str, ...], click.Command]) -> None:
    _, command = item
    for param in command.params:
        if isinstance(param.type, click.Path) and not isinstance(param.type, InputPath):
            assert not param.type.exists, f"{param.name}: use eport.cli._util.InputPath for input files"
        assert not isinstance(param.type, click.File), f"{param.name}: use InputPath and read_input"


def _placeholder(param: click.Parameter, tmp_path: Path, existing: Path) -> str:
    kind = param.type
    if isinstance(kind, InputPath):
        return str(existing if kind.file_okay else existing.parent)
    if isinstance(kind, click.Path):
        return str(tmp_path / f"out-{param.name}")
    if isinstance(kind, click.Choice):
        return str(kind.choices[0])
    if isinstance(kind, click.IntRange | click.FloatRange) and kind.min is not None:
        return str(kind.min)
    if isinstance(kind, click.types.IntParamType | click.types.FloatParamType):
        return "1"
    return "x"


def _argv(command: click.Command, target: click.Parameter, missing: Path, tmp_path: Path) -> list[str]:
    existing = tmp_path / "existing.xml"
    existing.write_bytes(b"<x/>")
    options: list[str] = []
    arguments: list[str] = []
    for param in command.params:
        if param is target:
            value = str(missing)
        elif param.required or (isinstance(param, click.Argument) and param.nargs == -1):
            value = _placeholder(param, tmp_path, existing)
        else:
            continue
        if isinstance(param, click.Argument):
            arguments.append(value)
        elif isinstance(param, click.Option):
            options += [param.opts[0], value]
    return [*options, *arguments]


INPUTS = [(path, command, p) for path, command in LEAVES for p in _input_params(command)]


@pytest.mark.parametrize("item", INPUTS, ids=[f"{_id(i[:2])} {i[2].name}" for i in INPUTS])
def test_a_missing_input_file_exits_one_with_the_error_format(
    item: tuple[tuple[str, ...], click.Command, click.Parameter], tmp_path: Path
) -> None:
    path, command, param = item
    missing = tmp_path / "does-not-exist.xml"
    result = CliRunner().invoke(cli, [*path, *_argv(command, param, missing, tmp_path)])
    assert result.exit_code == EXIT_FAIL, result.output
    expected = f"error: FileNotFoundError: cannot read {missing}: No such file or directory"
    assert result.stderr.splitlines()[-1] == expected
    assert "Traceback" not in result.output


def test_every_command_that_reads_a_file_is_checked() -> None:
    readers = {" ".join(path) for path, _, _ in INPUTS}
    assert {"edi validate", "edi show", "edi wrap", "edi unwrap", "edi import", "pki show", "sandbox"} <= readers


def test_a_file_where_a_folder_is_expected_and_the_reverse(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["edi", "show", str(tmp_path)])
    assert result.exit_code == EXIT_FAIL
    assert result.stderr.startswith("error: IsADirectoryError: ")


# --------------------------------------------------------------------------------------- the one error handler
def _app() -> click.Group:
    @click.group(cls=EportGroup)
    @click.option("--debug", is_flag=True)
    def app(debug: bool) -> None:
        """Test app."""

    @app.command()
    @click.argument("what")
    def fail(what: str) -> None:
        """Raise an error."""
        errors: dict[str, Exception] = {
            "config": ConfigurationError("bad option --x"),
            "signature": InvalidSignature("digest mismatch"),
            "rejected": RejectedError("customs said no"),
            "os": PermissionError(13, "Permission denied", "out.xml"),
            "cli": CliFail("2 of 3 files have errors", kind="ValidationFailed"),
        }
        raise errors[what]

    @app.command()
    def ok() -> None:
        """Succeed."""
        click.echo("done")

    return app


@pytest.mark.parametrize(
    ("what", "status", "line"),
    [
        ("config", EXIT_FAIL, "error: ConfigurationError: bad option --x"),
        ("signature", EXIT_BAD_SIGNATURE, "error: InvalidSignature: digest mismatch"),
        ("rejected", EXIT_REJECTED, "error: RejectedError: customs said no"),
        ("os", EXIT_FAIL, "error: PermissionError: [Errno 13] Permission denied: 'out.xml'"),
        ("cli", EXIT_FAIL, "error: ValidationFailed: 2 of 3 files have errors"),
    ],
)
def test_errors_map_to_one_line_and_the_documented_status(what: str, status: int, line: str) -> None:
    result = CliRunner().invoke(_app(), ["fail", what])
    assert result.exit_code == status
    assert result.stderr == line + "\n"
    assert result.stdout == ""


def test_usage_errors_exit_two_with_the_error_line() -> None:
    result = CliRunner().invoke(_app(), ["ok", "--nope"])
    assert result.exit_code == EXIT_USAGE
    lines = result.stderr.splitlines()
    assert lines[0].startswith("Usage: ")
    assert lines[-1].startswith("error: NoSuchOption: No such option")
    assert "--nope" in lines[-1]
    assert ERROR_LINE.match(lines[-1])


def test_success_exits_zero_and_debug_shows_the_traceback() -> None:
    result = CliRunner().invoke(_app(), ["ok"])
    assert result.exit_code == 0
    assert result.stdout == "done\n"
    debug = CliRunner().invoke(_app(), ["--debug", "fail", "config"])
    assert isinstance(debug.exception, ConfigurationError)


def test_error_line_format() -> None:
    assert error_line("DecodeError", "line 3: bad tag") == "error: DecodeError: line 3: bad tag"


# ------------------------------------------------------------------------------------------------------ tables
def test_tables_align_by_display_width() -> None:
    @click.command()
    def table() -> None:
        print_records(
            [{"code": "142", "name": "人民币"}, {"code": "502", "name": "美元 USD"}, {"code": "1", "name": "x"}]
        )

    lines = CliRunner().invoke(table, []).stdout.splitlines()
    assert [line.split() for line in lines] == [["code", "name"], ["142", "人民币"], ["502", "美元", "USD"], ["1", "x"]]
    # the second column starts at the same display cell on every line (a CJK character takes two cells)
    starts = {
        cell_len(line[: line.index(name)]) for line, name in zip(lines, ["name", "人民币", "美元", "x"], strict=True)
    }
    assert len(starts) == 1


def test_one_record_and_wide_records_are_shown_vertically() -> None:
    @click.command()
    @click.argument("count", type=int)
    def table(count: int) -> None:
        record = {f"field{i:02}": "值" * 8 for i in range(12)}
        print_records([record] * count, labels={"field00": "名称"})

    one = CliRunner().invoke(table, ["1"])
    lines = one.stdout.splitlines()
    assert len(lines) == 12  # one field per line
    assert lines[0].split() == ["field00", "值" * 8, "名称"]
    wide = CliRunner().invoke(table, ["2"])
    assert wide.stdout.splitlines()[0] == "[1/2]"
    assert all(len(line) <= 80 for line in wide.stdout.splitlines())


def test_a_command_imports_only_its_own_module() -> None:
    """``eport`` imports a command's module when the command runs: validating a file loads neither the card, the
    refund client nor the sandbox (their imports used to be half of every command's start-up)."""
    probe = (
        "import sys\n"
        "from eport.cli.main import cli\n"
        "try:\n"
        "    cli.main(['edi', 'validate', '-q', '--no-progress', sys.argv[1]], standalone_mode=False)\n"
        "finally:\n"
        "    loaded = {'eport.cli.edi', 'eport.cli.refund', 'eport.cli.card', 'eport.cli.demo', 'eport.sandbox',\n"
        "              'eport.card', 'eport.services.refund'} & set(sys.modules)\n"
        "    print(' '.join(sorted(loaded)))\n"
    )
    with tempfile.TemporaryDirectory() as folder:
        document = Path(folder, "order.xml")
        document.write_bytes(edi.encode(examples.order()))
        done = subprocess.run(
            [sys.executable, "-c", probe, str(document)], capture_output=True, text=True, check=True, timeout=120
        )
    assert done.stdout.split() == ["eport.cli.edi"]
