"""``eport edi``: validate, show, wrap and unwrap customs messages (:mod:`eport.edi`).

Data goes to stdout, progress and notes to stderr. ``validate`` exits with 1 when a file has errors.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import sys
from collections.abc import Callable, Hashable, Iterator, Sequence
from pathlib import Path
from typing import Any

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from eport import edi
from eport.cli._util import (
    EXIT_FAIL,
    EXIT_USAGE,
    CliFail,
    InputPath,
    console,
    err,
    format_time,
    print_records,
    read_input,
)
from eport.edi import dxp, frames
from eport.edi.batch import cpu_count, validate_many
from eport.edi.ceb.receipts import Receipt, receipts
from eport.edi.core.report import Problem, ValidationReport
from eport.edi.core.schema import EDITIONS, field_names
from eport.edi.core.spec import ValueKind, spec_of
from eport.edi.core.validation import summary
from eport.errors import ConfigurationError, DecodeError

logger = logging.getLogger(__name__)

_EDITION = click.option(
    "--edition",
    type=click.Choice(sorted(EDITIONS)),
    default="202205",
    show_default=True,
    help="Schema edition of the CEB specification.",
)
_JSON = click.option("--json", "as_json", is_flag=True, help="Print one JSON document instead of text.")


def _expand(paths: tuple[Path, ...]) -> list[Path]:
    """Files as given; folders become their ``*.xml`` files, recursively, sorted (a folder without any fails).

    A link to nothing named ``*.xml`` is kept, so that reading it fails: skipping it would pass a folder one of
    whose files was never checked.
    """
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.suffix.lower() == ".xml" and _file_or_dangling(p))
            if not found:
                raise CliFail(f"{path}: no .xml files in this folder", kind="FileNotFoundError")
            out.extend(found)
        else:
            out.append(path)
    return out


def _file_or_dangling(path: Path) -> bool:
    return path.is_file() or (path.is_symlink() and not path.exists())


def _write(data: bytes, output: Path | None) -> None:
    if output is None:
        sys.stdout.flush()
        stream = sys.stdout.buffer
        stream.write(data)
        stream.flush()
        return
    try:
        output.write_bytes(data)
    except OSError as exc:
        raise CliFail(f"cannot write {output}: {exc.strerror or exc}", kind=type(exc).__name__) from None
    err(f"wrote {output} ({len(data)} bytes)")


#: What ``edi validate`` says of a signature it found (the summary line, the JSON ``signature`` key).
SIGNATURE_NOT_VERIFIED = "present, not verified"

_SIGNATURE_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?Signature[\s/>]")


def _has_signature(data: bytes) -> bool:
    """Whether ``data`` holds an XML-DSig ``Signature`` element (the namespace declared and the tag present).

    A byte scan, no second parse: it only decides whether the summary adds "signature present, not verified";
    the validation itself never checks a signature (``eport pki verify-xml`` does).
    """
    return b"http://www.w3.org/2000/09/xmldsig#" in data and _SIGNATURE_TAG.search(data) is not None


def _problem_dict(problem: Problem) -> dict[str, str]:
    return {"severity": problem.severity.value, "path": problem.path, "code": problem.code, "message": problem.message}


@click.group(name="edi")
def group() -> None:
    """Customs messages: validate, show, wrap in / unwrap from the DXP envelope."""


@group.command(name="validate")
@click.argument("files", nargs=-1, required=True, type=InputPath(allow_dash=True))
@_EDITION
@_JSON
@click.option("-q", "--quiet", is_flag=True, help="Print errors only (no warnings, no per-file summary).")
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=0),
    default=1,
    show_default=True,
    help="Processes validating in parallel, this one included (0: one per CPU).",
)
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Progress bar on stderr (default: shown when stderr is a terminal and more than one file is given).",
)
def validate_command(
    files: tuple[Path, ...], edition: str, as_json: bool, quiet: bool, jobs: int, progress: bool | None
) -> None:
    """Validate FILES with the official schema and the customs rules: one line per problem.

    A folder stands for its .xml files (recursively); - reads standard input. Files are read as they are
    validated, so a large folder needs little memory; --jobs spreads them over worker processes, results
    stay in file order.

    The summary of a signed file says "signature present, not verified": this command checks structure and rules,
    never a signature (eport pki verify-xml does); the JSON gives it as "signature".

    Exit status: 0 when no file has errors (warnings allowed), 1 when at least one has (a file that cannot be read
    is an error of that file, "unreadable"; the others are still checked), or when a folder holds no .xml file.
    """
    results: list[dict[str, Any]] = []
    failed = 0
    paths = _expand(files)
    unreadable: dict[Hashable, str] = {}
    signed: set[Hashable] = set()
    processes = (cpu_count() if jobs == 0 else jobs) if len(paths) > 1 else 1
    sources = _Counted(_sources(paths, unreadable, signed), len(paths))
    reports = validate_many(sources, edition=edition, processes=processes)
    with _progress_bar(len(paths), progress) as advance:
        for index, report in reports:
            assert isinstance(index, int)  # noqa: S101 - the source ids are the positions _sources gives
            path = paths[index]
            if index in unreadable:  # its (empty) stand-in was validated for nothing: the reading failed
                report = ValidationReport.of([Problem("/", "unreadable", unreadable.pop(index))])
            if not report.ok:
                failed += 1
            shown = report.errors if quiet else report.problems
            signature = SIGNATURE_NOT_VERIFIED if index in signed else None
            if as_json:
                results.append(
                    {
                        "file": str(path),
                        "ok": report.ok,
                        "signature": signature,
                        "problems": [_problem_dict(p) for p in shown],
                    }
                )
            else:
                for problem in shown:
                    click.echo(f"{path}: {problem}")
                if not quiet:
                    note = f" (signature {signature}: use `eport pki verify-xml`)" if signature else ""
                    err(f"{path}: {summary(report)}{note}")
            advance()
    if as_json:
        click.echo(json.dumps({"edition": edition, "files": results}, ensure_ascii=False, indent=2))
    if failed:
        raise CliFail(f"{failed} of {len(paths)} file(s) have errors", EXIT_FAIL, kind="ValidationFailed")


class _Counted(Iterator[tuple[Hashable, bytes]]):
    """An iterator that tells how many items remain (``__length_hint__``): the batch then shrinks its last
    chunks so that the processes finish together."""

    def __init__(self, items: Iterator[tuple[Hashable, bytes]], count: int) -> None:
        self._items, self._left = items, count

    def __next__(self) -> tuple[Hashable, bytes]:
        item = next(self._items)
        self._left -= 1
        return item

    def __length_hint__(self) -> int:
        return max(self._left, 0)


def _sources(
    paths: list[Path], unreadable: dict[Hashable, str], signed: set[Hashable]
) -> Iterator[tuple[Hashable, bytes]]:
    """``(position, bytes)`` of each file, read as the validation asks for it. A file that cannot be read is that
    file's error (noted in ``unreadable`` by position), not the end of the run: the files after it are checked.
    A file that carries an XML signature is noted in ``signed``: the validation does not verify it."""
    for index, path in enumerate(paths):
        try:
            data = read_input(path)
            if _has_signature(data):
                signed.add(index)
            yield index, data
        except CliFail as exc:
            unreadable[index] = exc.format_message()
            yield index, b""


@contextlib.contextmanager
def _progress_bar(total: int, wanted: bool | None) -> Iterator[Callable[[], None]]:
    """A rich progress bar on stderr, advanced by the callable it yields; a no-op when not shown.

    By default it shows only on a terminal and for more than one file, so piped or logged output stays plain
    lines; ``--progress`` forces it (rich then prints the finished bar once, without animation).
    """
    stream = console(stderr=True)
    show = wanted if wanted is not None else stream.is_terminal and total > 1
    if not show:
        yield lambda: None
        return
    columns = (TextColumn("validating"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=stream, transient=stream.is_terminal) as bar:
        task = bar.add_task("validate", total=total)
        yield lambda: bar.advance(task)


def _json_value(value: Any) -> Any:
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    if isinstance(value, tuple):
        return [_json_value(v) for v in value]
    if value is None or isinstance(value, str | int | bool):
        return value
    return str(value)


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    return {k: _json_value(v) for k, v in row.items()}


def _receipt_dict(receipt: Receipt) -> dict[str, Any]:
    return {
        "message": receipt.message_type,
        "returnStatus": receipt.return_status,
        "status": receipt.status.name,
        "meaning": receipt.meaning,
        "final": receipt.is_final,
        "time": receipt.time.isoformat() if receipt.time else receipt.return_time,
        "info": receipt.info,
        "keys": dict(receipt.keys),
    }


def _receipt_row(receipt: Receipt) -> dict[str, Any]:
    return {
        "message": receipt.message_type,
        "returnStatus": receipt.return_status,
        "meaning": receipt.meaning,
        "time": format_time(receipt.time) if receipt.time else receipt.return_time,
        "keys": " ".join(f"{k}={v}" for k, v in receipt.keys.items()),
        "info": receipt.info,
    }


def _show_envelope(envelope: dxp.Envelope, as_json: bool) -> None:
    if isinstance(envelope, dxp.DxpRep):
        rows = [
            {"ResponseCode": r.response_code, "meaning": r.error.description if r.error else "ok",
             "ResponseInfo": r.response_info, "CopMsgId": r.ori_head.cop_msg_id, "NoticeTime": r.notice_time}
            for r in envelope.responses
        ]  # fmt: skip
        if as_json:
            click.echo(json.dumps({"type": "DxpRep", "responses": rows}, ensure_ascii=False, default=str, indent=2))
        else:
            print_records(rows, title=f"DxpRep for {envelope.recevier_id}")
        return
    msg = envelope.msg if isinstance(envelope, dxp.DxpMsgSv) else envelope
    info = msg.trans_info
    head = {
        "CopMsgId": info.cop_msg_id,
        "SenderId": info.sender_id,
        "ReceiverIds": ",".join(info.receiver_ids),
        "CreatTime": info.creat_time,
        "MsgType": info.msg_type,
        "Data": f"{len(msg.data)} bytes",
        "FileName": msg.add_info.file_name if msg.add_info else None,
        "Signed": "yes" if msg.signature else "no",
    }
    if as_json:
        document = {"type": spec_of(envelope).tag, "transInfo": {**head, "CreatTime": info.creat_time.isoformat()}}
        click.echo(json.dumps(document, ensure_ascii=False, indent=2))
    else:
        print_records([head], title=spec_of(envelope).tag)
    err("payload: run `eport edi unwrap` to extract it")


@group.command(name="show")
@click.argument("file", type=InputPath(dir_okay=False, allow_dash=True))
@_EDITION
@_JSON
def show_command(file: Path, edition: str, as_json: bool) -> None:
    """Show a message: document heads and item lists, receipts with their meaning, or a DXP envelope.

    One document is shown vertically (field, value, Chinese name); several as a table when it fits the terminal.
    Receipt times carry their zone (+08:00). - reads standard input.
    """
    data = read_input(file)
    try:
        envelope = dxp.decode_envelope(data)
    except DecodeError:
        envelope = None
    if envelope is not None:
        _show_envelope(envelope, as_json)
        return
    try:
        decoded = edi.decode_lenient(data, edition=edition)
    except DecodeError as exc:
        raise CliFail(f"{file}: {exc}", kind=type(exc).__name__) from None
    message = decoded.message
    if decoded.problems:
        err(f"note: {file} decoded leniently with {len(decoded.problems)} problem(s); see `eport edi validate`")
    tag = spec_of(message).tag
    found = receipts(message)
    if found:
        rows = [_receipt_dict(r) for r in found]
        if as_json:
            click.echo(json.dumps({"type": tag, "receipts": rows}, ensure_ascii=False, indent=2))
            return
        print_records([_receipt_row(r) for r in found], title=f"{tag} ({len(found)} receipt(s))")
        return
    missing = _missing_heads(message, decoded.problems)
    documents = len(frames.documents(message))
    # a document without its head has no head row: frames.heads would give the document's own fields instead
    heads = [h for h in frames.heads(message, columns="tag") if h["document"] not in {m["document"] for m in missing}]
    items = frames.items(message, columns="tag")
    if as_json:
        document = {
            "type": tag,
            "guid": getattr(message, "guid", None),
            "heads": [{k: _json_value(v) for k, v in h.items()} for h in heads],
            "missing_heads": missing,
            "items": [{k: _json_value(v) for k, v in i.items()} for i in items],
        }
        click.echo(json.dumps(document, ensure_ascii=False, indent=2))
        return
    guid = getattr(message, "guid", None)  # CEB messages; declarations and manifests have none
    click.echo(f"{tag}{f' guid={guid}' if guid else ''} documents={documents}")
    labels = field_names()
    if missing and not heads:
        click.echo("heads:")
    else:
        print_records([_plain(h) for h in heads], title="heads:", labels=labels)
    for gap in missing:
        where = f" (missing at {gap['path']})" if gap["path"] else " (missing)"
        click.echo(f"document {gap['document']}: no {gap['element']}{where}")
    print_records([_plain(i) for i in items], title="items:", labels=labels)


def _missing_heads(message: Any, problems: Sequence[Problem]) -> list[dict[str, Any]]:
    """The documents of ``message`` whose required head element (``DecHead``, ``OrderHead`` …) is missing: ``document``
    number, ``element`` and, when the lenient decoding reported it, the ``path`` of its ``missing-element``
    problem (else ``None``)."""
    found: list[dict[str, Any]] = []
    for number, document in enumerate(frames.documents(message), 1):
        for field in spec_of(document).fields:
            is_head = field.kind is ValueKind.MODEL and not field.repeated and field.tag.endswith("Head")
            if is_head and field.required and getattr(document, field.name, None) is None:
                found.append({"document": number, "element": field.tag, "path": None})
    for element in {gap["element"] for gap in found}:
        paths = [p.path for p in problems if p.code == "missing-element" and _last_name(p.path) == element]
        gaps = [gap for gap in found if gap["element"] == element]
        if len(paths) == len(gaps):  # both in document order
            for gap, path in zip(gaps, paths, strict=True):
                gap["path"] = path
    return found


def _last_name(path: str | None) -> str:
    """The local name of a problem path's last step: ``/ceb:CEB621Message/ceb:Inventory[2]/ceb:InventoryHead`` →
    ``InventoryHead``."""
    return (path or "").rsplit("/", 1)[-1].split("[", 1)[0].rsplit(":", 1)[-1]


@group.command(name="wrap")
@click.argument("file", type=InputPath(dir_okay=False, allow_dash=True))
@click.option("--sender-id", required=True, help="Your DXP id (DXPENT…).")
@click.option("--receiver-id", "receiver_ids", multiple=True, required=True, help="Receiver DXP id (1 to 5).")
@click.option(
    "--msg-type", default=None, help="MsgType; default: the payload's root element name (required when it is no XML)."
)
@click.option("--file-name", default=None, help="AddInfo/FileName; default: the input file's name.")
@click.option("--ic-card", default=None, help="AddInfo/IcCard.")
@click.option("--line-length", type=click.IntRange(0, 10_000), default=0, help="Break base64 Data lines (0: one line).")
@click.option(
    "--encoding",
    default=None,
    help="AddInfo/IsText charset of a text payload that declares none; default: what it declares (BOM, XML "
    "declaration), else UTF-8.",
)
@click.option("--binary", is_flag=True, help="The payload is binary: no AddInfo/IsText (文本标识).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Write here.")
def wrap_command(
    file: Path,
    sender_id: str,
    receiver_ids: tuple[str, ...],
    msg_type: str | None,
    file_name: str | None,
    ic_card: str | None,
    line_length: int,
    encoding: str | None,
    binary: bool,
    output: Path | None,
) -> None:
    """Wrap FILE in a DXP envelope (DxpMsg 终端节点报文) and print it.

    The envelope names the payload's own charset in AddInfo/IsText (GBK for a document declared GBK) and carries
    its bytes unchanged; a payload that is not text in that charset is refused (give --binary for binary data).
    """
    payload = read_input(file)
    if msg_type is None and payload:
        msg_type = dxp.message_type_of(payload)
        if not msg_type:  # not XML: an envelope with an empty MsgType would be refused, or misrouted
            raise CliFail(
                f"{file}: no XML root element names its MsgType; give --msg-type to wrap it anyway",
                kind="ConfigurationError",
            )
    if binary and encoding:
        raise CliFail("give --encoding or --binary, not both", EXIT_USAGE, kind="UsageError")
    charset = None
    if not binary and payload:
        try:
            charset = dxp.text_charset(payload, encoding or dxp.DECLARED)
        except ConfigurationError as exc:  # a wrong IsText would make the receiver misread every character
            raise CliFail(f"{file}: {exc}; give --binary if it is binary data", kind="ConfigurationError") from None
    envelope = dxp.wrap(
        payload,
        sender_id=sender_id,
        receiver_ids=receiver_ids,
        msg_type=msg_type,
        file_name=file_name or file.name,
        ic_card=ic_card,
        encoding=charset,
    )
    _write(envelope.to_bytes(line_length=line_length or None), output)


@group.command(name="unwrap")
@click.argument("file", type=InputPath(dir_okay=False, allow_dash=True))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Write here.")
def unwrap_command(file: Path, output: Path | None) -> None:
    """Extract the payload of a DxpMsg or DxpMsgSv envelope."""
    _write(dxp.unwrap(read_input(file)), output)


__all__ = ["group"]
from eport.cli import edi_import  # noqa: E402, F401 - registers "eport edi import"
