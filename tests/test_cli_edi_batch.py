"""``eport edi validate`` over folders: worker processes keep file order, the progress bar stays off pipes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from eport.cli.main import cli
from tests.edi.test_batch import documents


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    for name, data in documents(12):
        (tmp_path / name).write_bytes(data)
    return tmp_path


def test_jobs_give_the_same_output_in_the_same_order(folder: Path) -> None:
    runner = CliRunner()
    one = runner.invoke(cli, ["edi", "validate", str(folder)])
    two = runner.invoke(cli, ["edi", "validate", "-j", "2", str(folder)])
    every_cpu = runner.invoke(cli, ["edi", "validate", "--jobs", "0", "--json", str(folder)])
    assert one.exit_code == two.exit_code == every_cpu.exit_code == 1
    assert one.stdout == two.stdout
    assert one.stderr == two.stderr
    assert "doc-1.xml: error:" in one.stdout
    assert "5 of 12 file(s) have errors" in one.stderr
    assert '"file"' in every_cpu.stdout


def test_no_progress_bar_when_stderr_is_not_a_terminal(folder: Path) -> None:
    result = CliRunner().invoke(cli, ["edi", "validate", "-q", str(folder)])
    assert "validating" not in result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.endswith("5 of 12 file(s) have errors")


def test_forced_progress_bar_prints_its_final_state_once(folder: Path) -> None:
    result = CliRunner().invoke(cli, ["edi", "validate", "-q", "--progress", str(folder)])
    assert result.exit_code == 1
    bars = [line for line in result.stderr.splitlines() if line.startswith("validating")]
    assert len(bars) == 1
    assert "12/12" in bars[0]


def test_a_dangling_link_in_a_folder_is_not_skipped(tmp_path: Path) -> None:
    """A ``.xml`` entry that cannot be read (a link to nothing) used to be left out of the folder silently, so the
    folder passed with exit status 0 although that file was never checked."""
    [(name, data)] = documents(1)
    (tmp_path / name).write_bytes(data)
    (tmp_path / "lost.xml").symlink_to(tmp_path / "gone" / "lost.xml")
    result = CliRunner().invoke(cli, ["edi", "validate", str(tmp_path)])
    assert result.exit_code == 1
    assert "lost.xml: error: /: [unreadable] cannot read" in result.stdout
    assert "1 of 2 file(s) have errors" in result.stderr


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_an_unreadable_file_does_not_stop_the_files_after_it(tmp_path: Path, jobs: str) -> None:
    """A file that cannot be read (a link to nothing) is that file's error: the files after it are still checked
    and reported. It used to end the run there, so one bad entry left the rest of the folder unchecked."""
    [(_, good)] = documents(1)
    (tmp_path / "a.xml").write_bytes(good)
    (tmp_path / "b.xml").symlink_to(tmp_path / "gone" / "b.xml")
    (tmp_path / "c.xml").write_bytes(good)
    (tmp_path / "d.xml").write_bytes(b"<CEB622Message><broken>")
    result = CliRunner().invoke(cli, ["edi", "validate", "-j", jobs, str(tmp_path)])
    assert result.exit_code == 1
    assert f"{tmp_path / 'a.xml'}: valid" in result.stderr
    assert f"{tmp_path / 'b.xml'}: error: /: [unreadable] cannot read" in result.stdout
    assert f"{tmp_path / 'c.xml'}: valid" in result.stderr
    assert f"{tmp_path / 'd.xml'}: error:" in result.stdout
    assert "2 of 4 file(s) have errors" in result.stderr
    as_json = CliRunner().invoke(cli, ["edi", "validate", "--json", "-j", jobs, str(tmp_path)])
    files = json.loads(as_json.stdout)["files"]
    assert [(f["file"].rsplit("/", 1)[-1], f["ok"]) for f in files] == [
        ("a.xml", True), ("b.xml", False), ("c.xml", True), ("d.xml", False)
    ]  # fmt: skip
    assert files[1]["problems"][0]["code"] == "unreadable"


def test_the_files_tell_the_batch_how_many_remain(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`edi validate` reads the files lazily (a generator has no length), so it tells the batch how many remain:
    with that, the batch shrinks its last chunks and the processes finish together."""
    import operator

    from eport.cli import edi as edi_cli

    for name, data in documents(7):
        (tmp_path / name).write_bytes(data)
    hints: list[int] = []
    real = edi_cli.validate_many

    def spy(documents: object, **options: object) -> object:
        hints.append(operator.length_hint(documents, -1))
        return real(documents, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(edi_cli, "validate_many", spy)
    result = CliRunner().invoke(cli, ["edi", "validate", "-q", "-j", "2", str(tmp_path)])
    assert result.exit_code == 1  # documents() has broken ones
    assert hints == [7]
