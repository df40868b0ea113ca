"""``eport edi import``: declarations from a spreadsheet into a file-drop OutBox (报关单导入).

Reads an Excel worksheet or CSV file (:func:`eport.files.read_declarations`), prints every problem with its row
and column, and writes each declaration without errors to ``OUT/OutBox/Dec<ClientSeqNo>.xml`` under a temporary
name first, then renamed, so the Single Window import client never picks up half a file. Exit code 1 when any
declaration had errors (the others are still written unless ``--all-or-nothing``).
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import click

from eport.cli._util import CliFail, InputPath, err
from eport.cli.edi import group
from eport.edi.codes import Generation
from eport.edi.core.report import Severity
from eport.edi.dec.codec import encode_declaration
from eport.edi.dec.filedrop import OUT_BOX, declaration_file_name, temporary_name
from eport.edi.dec.flags import Level
from eport.edi.sheets import SheetImport
from eport.errors import EportError
from eport.files import read_declarations

logger = logging.getLogger(__name__)


def _defaults(values: tuple[str, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in values:
        field, sep, value = item.partition("=")
        if not sep or not field.strip():
            raise click.BadParameter(f"{item!r} is not FIELD=VALUE", param_hint="--default")
        out[field.strip()] = value
    return out


def _mapping(path: Path | None) -> dict[str, str] | None:
    if path is None:
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CliFail(f"cannot read mapping {path}: {exc}", kind=type(exc).__name__) from None
    if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
        raise CliFail(f"mapping {path} must be a JSON object of column → field names", kind="ConfigurationError")
    return data


def _write_atomic(folder: Path, name: str, data: bytes) -> Path:
    target = folder / name
    temp = folder / temporary_name(name)
    try:
        temp.write_bytes(data)
        os.replace(temp, target)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise CliFail(f"cannot write {target}: {exc.strerror or exc}", kind=type(exc).__name__) from None
    return target


def _bad_rows(result: SheetImport) -> set[int]:
    return {p.row for p in result.problems if p.severity is Severity.ERROR}


@group.command(name="import")
@click.argument("sheet_file", metavar="SHEET", type=InputPath(dir_okay=False))
@click.option("--sheet", "sheet", default=None, help="Worksheet name (Excel); default: the first sheet.")
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder that holds (or will hold) the OutBox, e.g. ImpPath/DecCus001.",
)
@click.option("--mapping", type=InputPath(dir_okay=False), help="JSON column→field map.")
@click.option("--default", "defaults", multiple=True, metavar="FIELD=VALUE", help="Value for empty cells (repeat).")
@click.option(
    "--codes",
    type=click.Choice(["iso", "numeric"]),
    default=None,
    help="Convert currency/country codes and names to this generation (USD/USA or 502/502).",
)
@click.option("--level", type=click.Choice(["save", "declare"]), default=None, help="Required fields to check.")
@click.option("--all-or-nothing", is_flag=True, help="Write nothing when any declaration has errors.")
@click.option("--json", "as_json", is_flag=True, help="Print the problems as one JSON document.")
def import_command(
    sheet_file: Path,
    sheet: str | None,
    out: Path,
    mapping: Path | None,
    defaults: tuple[str, ...],
    codes: str | None,
    level: str | None,
    all_or_nothing: bool,
    as_json: bool,
) -> None:
    """Import declarations from SHEET (.xlsx or .csv) into OUT/OutBox, one Dec<ClientSeqNo>.xml each.

    Exits 1 when a declaration has errors (the others are written unless --all-or-nothing) or SHEET holds none.
    """
    try:
        result = read_declarations(
            sheet_file,
            sheet=sheet,
            mapping=_mapping(mapping),
            defaults=_defaults(defaults),
            generation=Generation(codes) if codes else None,
            level=Level(level) if level else None,
        )
    except EportError as exc:
        raise CliFail(str(exc), kind=type(exc).__name__) from None
    bad = _bad_rows(result)
    problems = [
        {
            "row": p.row,
            "column": p.column,
            "field": p.field,
            "code": p.code,
            "severity": p.severity.value,
            "problem": p.message,
        }
        for p in result.problems
    ]
    if as_json:
        click.echo(json.dumps({"declarations": len(result.messages), "problems": problems}, ensure_ascii=False))
    else:
        for p in result.problems:
            click.echo(f"row {p.row}\t{p.column}\t{p.severity.value}\t{p.code}\t{p.message}")
    if not result.messages:  # headings without rows: nothing was imported, which is no success
        raise CliFail(f"{sheet_file} holds no declaration", kind="NothingImported")
    failed = [i for i, rows in enumerate(result.rows) if bad & set(rows)]
    if failed and all_or_nothing:
        note = f"{len(failed)} of {len(result.messages)} declarations have errors; nothing written"
        raise CliFail(note, kind="ValidationFailed")
    box = out / OUT_BOX
    try:
        box.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CliFail(f"cannot create {box}: {exc.strerror or exc}", kind=type(exc).__name__) from None
    written = 0
    for i, message in enumerate(result.messages):
        if i in failed:
            continue
        try:
            name = declaration_file_name(message.client_seq_no or "")
            data = encode_declaration(message)
        except EportError as exc:
            where = f"declaration starting on row {min(result.rows[i])}"
            raise CliFail(f"{where}: {exc}", kind=type(exc).__name__) from None
        _write_atomic(box, name, data)
        written += 1
    err(f"wrote {written} declaration(s) to {box}; {len(failed)} with errors skipped")
    if failed:
        first_rows = ", ".join(str(min(result.rows[i])) for i in failed[:10])
        raise CliFail(f"{len(failed)} declaration(s) have errors (first rows: {first_rows})", kind="ValidationFailed")
