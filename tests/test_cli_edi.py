"""``eport edi``: validate, show, wrap, unwrap through click's runner and the installed console script."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from eport import edi, examples
from eport.cli.main import cli
from tests.edi.samples import load
from tests.prerequisites import unavailable

EPORT = Path(sys.executable).with_name("eport")


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    out = {}
    for key in ("import/CEB311Message.xml", "import/CEB622Message.xml", "export/CEB303Message.xml",
                "export/CEB792Message.xml", "export/CEB214Message.xml"):  # fmt: skip
        path = tmp_path / key.replace("/", "-")
        path.write_bytes(load(key).data)
        out[key.split("/")[1][:6]] = path
    return out


def test_validate_valid_file_exits_zero(runner: CliRunner, files: dict[str, Path]) -> None:
    result = runner.invoke(cli, ["edi", "validate", str(files["CEB622"])])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert "valid" in result.stderr


def test_validate_reports_one_line_per_problem_and_exits_one(runner: CliRunner, files: dict[str, Path]) -> None:
    result = runner.invoke(cli, ["edi", "validate", str(files["CEB622"]), str(files["CEB303"]), str(files["CEB214"])])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    expected = edi.validate_bytes(files["CEB303"].read_bytes()).problems
    expected += edi.validate_bytes(files["CEB214"].read_bytes()).problems
    assert len(lines) == len(expected)
    assert any(
        line.startswith(f"{files['CEB303']}: error: /ceb:CEB303Message/ceb:BaseTransfer[2]: [xsd-duplicate-element]")
        for line in lines
    )
    assert any(f"{files['CEB214']}: error: /ceb:CEB214: [root-misnamed]" in line for line in lines)
    assert "2 of 3 file(s) have errors" in result.stderr


def test_validate_exits_one_for_a_document_that_is_no_customs_message(runner: CliRunner, tmp_path: Path) -> None:
    page = tmp_path / "page.xml"
    page.write_bytes(b"<html><body><p>hello</p></body></html>")
    result = runner.invoke(cli, ["edi", "validate", str(page)])
    assert result.exit_code == 1, result.output
    assert "unknown-root" in result.output


def test_validate_json_and_quiet(runner: CliRunner, files: dict[str, Path]) -> None:
    result = runner.invoke(cli, ["edi", "validate", "--json", "-q", str(files["CEB792"]), str(files["CEB311"])])
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    by_file = {Path(f["file"]).name: f for f in document["files"]}
    bad = by_file[files["CEB792"].name]
    assert not bad["ok"]
    assert {p["code"] for p in bad["problems"]} >= {"xsd-unexpected-element"}
    assert all(p["severity"] == "error" for p in bad["problems"])
    good = by_file[files["CEB311"].name]
    assert good["ok"]
    assert good["problems"] == []  # -q hides the sample's line-total warnings


def test_validate_edition_and_missing_file(runner: CliRunner, files: dict[str, Path], tmp_path: Path) -> None:
    result = runner.invoke(cli, ["edi", "validate", "--edition", "2018", str(files["CEB622"])])
    assert result.exit_code == 0
    missing = runner.invoke(cli, ["edi", "validate", str(tmp_path / "nope.xml")])
    assert missing.exit_code == 1
    expected = f"error: FileNotFoundError: cannot read {tmp_path / 'nope.xml'}: No such file or directory\n"
    assert missing.stderr == expected
    usage = runner.invoke(cli, ["edi", "validate", "--edition", "1999", str(files["CEB622"])])
    assert usage.exit_code == 2
    assert usage.stderr.splitlines()[-1].startswith("error: BadParameter: Invalid value for '--edition'")


def test_show_data_message_and_receipts(runner: CliRunner, files: dict[str, Path]) -> None:
    result = runner.invoke(cli, ["edi", "show", str(files["CEB311"])])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("CEB311Message guid=4CDE1CFD-EDED-46B1-946C-B8022E42FC94 documents=6")
    assert "order20160321116421002" in result.stdout
    receipts = runner.invoke(cli, ["edi", "show", "--json", str(files["CEB622"])])
    document = json.loads(receipts.stdout)
    assert document["type"] == "CEB622Message"
    assert document["receipts"][0]["meaning"] == "saved at E-Port 电子口岸已暂存"
    assert document["receipts"][0]["keys"]["copNo"] == "cop2016032211000"


def test_show_lenient_notes_problems(runner: CliRunner, files: dict[str, Path]) -> None:
    result = runner.invoke(cli, ["edi", "show", "--json", str(files["CEB214"])])
    assert result.exit_code == 0
    assert "decoded leniently" in result.stderr
    assert json.loads(result.stdout)["type"] == "CEB214Message"


def test_show_unknown_file_fails_cleanly(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "x.xml"
    path.write_bytes(b"<nope/>")
    result = runner.invoke(cli, ["edi", "show", str(path)])
    assert result.exit_code == 1
    assert "unknown message root" in result.stderr


def test_wrap_show_unwrap_round_trip(runner: CliRunner, tmp_path: Path) -> None:
    payload = edi.encode(examples.order())
    source = tmp_path / "order.xml"
    source.write_bytes(payload)
    envelope = tmp_path / "env.xml"
    result = runner.invoke(
        cli,
        ["edi", "wrap", str(source), "--sender-id", "DXPENT0000458763", "--receiver-id", "DXPEDCCEB0000002",
         "--line-length", "76", "-o", str(envelope)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    msg = edi.DxpMsg.from_bytes(envelope.read_bytes())
    assert msg.trans_info.msg_type == "CEB311Message"
    assert msg.add_info is not None
    assert msg.add_info.file_name == "order.xml"
    shown = runner.invoke(cli, ["edi", "show", str(envelope)])
    assert "MsgType" in shown.stdout
    assert "CEB311Message" in shown.stdout
    unwrapped = runner.invoke(cli, ["edi", "unwrap", str(envelope)])
    assert unwrapped.exit_code == 0
    assert unwrapped.stdout_bytes == payload
    valid = runner.invoke(cli, ["edi", "validate", str(envelope)])
    assert valid.exit_code == 0, valid.output


def test_wrap_refuses_bad_receivers(runner: CliRunner, files: dict[str, Path]) -> None:
    args = ["edi", "wrap", str(files["CEB311"]), "--sender-id", "S"]
    args += [x for i in range(6) for x in ("--receiver-id", f"R{i}")]
    result = runner.invoke(cli, args)
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ConfigurationError: ")
    assert result.stdout == ""


def test_unwrap_non_envelope_is_a_decode_error(runner: CliRunner, files: dict[str, Path]) -> None:
    result = runner.invoke(cli, ["edi", "unwrap", str(files["CEB311"])])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: UnknownMessageError: ")


def test_console_script_validates_and_maps_errors(tmp_path: Path) -> None:
    if not EPORT.exists():
        unavailable("the eport console script is not installed (pip install -e .)")
    bad = tmp_path / "CEB303Message.xml"
    bad.write_bytes(load("export/CEB303Message.xml").data)  # an official sample known to be invalid
    proc = subprocess.run([str(EPORT), "edi", "validate", "-q", str(bad)], capture_output=True, text=True,
                          check=False, timeout=120, env={**os.environ, "NO_COLOR": "1"})  # fmt: skip
    assert proc.returncode == 1
    assert "[xsd-duplicate-element]" in proc.stdout
    assert proc.stderr.strip().endswith("1 of 1 file(s) have errors")
    envelope = tmp_path / "e.xml"
    envelope.write_bytes(b"<DxpMsg xmlns='http://www.chinaport.gov.cn/dxp'/>")
    unwrap = subprocess.run([str(EPORT), "edi", "unwrap", str(envelope)], capture_output=True, text=True,
                            check=False, timeout=120)  # fmt: skip
    assert unwrap.returncode == 1
    assert unwrap.stderr.startswith("error: DecodeError: missing element TransInfo")


def test_show_platform_response(runner: CliRunner, tmp_path: Path) -> None:
    import datetime as dt

    from eport.edi import dxp

    when = dt.datetime(2026, 11, 28, tzinfo=dxp.CHINA_TZ)
    head = dxp.TransInfo(cop_msg_id="X1", sender_id="S", receiver_ids=("R",), creat_time=when, msg_type="CEB621")
    response = dxp.DxpResponse(response_code="2001", notice_time=when.date(), ori_head=head)
    rep = dxp.DxpRep(recevier_id="S", responses=(response,))
    path = tmp_path / "rep.xml"
    path.write_bytes(dxp.encode_envelope(rep))
    result = runner.invoke(cli, ["edi", "show", str(path)])
    assert result.exit_code == 0, result.output
    assert "2001" in result.stdout
    assert "指定的接收方不存在" in result.stdout


def test_validate_folders_and_stdin(runner: CliRunner, files: dict[str, Path], tmp_path: Path) -> None:
    result = runner.invoke(cli, ["edi", "validate", "-q", str(tmp_path)])
    assert result.exit_code == 1
    assert "3 of 5 file(s) have errors" in result.stderr  # 303, 792 and 214 are invalid
    piped = runner.invoke(cli, ["edi", "validate", "-"], input=files["CEB622"].read_bytes())
    assert piped.exit_code == 0, piped.output
    shown = runner.invoke(cli, ["edi", "show", "-"], input=files["CEB622"].read_bytes())
    assert shown.stdout.startswith("CEB622Message (10 receipt(s))")
    empty = tmp_path / "empty"
    empty.mkdir()
    nothing = runner.invoke(cli, ["edi", "validate", str(empty)])
    assert nothing.exit_code == 1  # a folder without XML files was "valid" (exit 0) before
    assert nothing.stderr == f"error: FileNotFoundError: {empty}: no .xml files in this folder\n"


EDI_DATA = Path(__file__).parent / "edi" / "data"


def test_validate_a_manifest_with_a_broken_head_exits_one(runner: CliRunner, tmp_path: Path) -> None:
    # Before the review manifests were not decoded by validate_bytes: no rule ran and this file was "valid".
    data = (EDI_DATA / "manifest" / "mt2101_sea_preloading.xml").read_text(encoding="utf-8")
    start = data.index("<SendTime>") + len("<SendTime>")
    broken = tmp_path / "mt2101.xml"
    broken.write_text(data[:start] + "2024" + data[data.index("</SendTime>") :], encoding="utf-8")
    result = runner.invoke(cli, ["edi", "validate", str(broken)])
    assert result.exit_code == 1, result.output
    assert f"{broken}: error: /Manifest/Head/SendTime: [send-time]" in result.stdout


def test_show_a_declaration_prints_its_head_and_goods(runner: CliRunner) -> None:
    path = EDI_DATA / "dec" / "dec_import_air_full.xml"
    result = runner.invoke(cli, ["edi", "show", "--json", str(path)])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    message = edi.decode(path.read_bytes())
    assert document["type"] == "DecMessage"
    assert [h["IEFlag"] for h in document["heads"]] == [message.dec_head.ie_flag]
    assert [i["CodeTS"] for i in document["items"]] == [i.code_ts for i in message.dec_lists.dec_list]
    assert "decoded leniently" not in result.stderr  # empty elements are read as the declaration codec reads them


def test_show_a_manifest_without_a_guid(runner: CliRunner) -> None:
    path = EDI_DATA / "writers" / "mt1401_dotnet_one_bill.xml"
    result = runner.invoke(cli, ["edi", "show", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "Manifest documents=1"  # no empty "guid=": manifests have none
    assert "MT1401" in result.stdout


def test_valid_without_a_schema_says_what_was_checked(runner: CliRunner, tmp_path: Path) -> None:
    """No official schema exists for manifests or declarations: a sea original manifest with an empty Declaration
    (no transport, no consignment) passes eport's head rules, and the summary said a bare "valid" like a
    schema-checked CEB message's. It now says what the verdict rests on."""
    data = (EDI_DATA / "manifest" / "mt3101_sea_arrival.xml").read_text(encoding="utf-8")
    head = data[data.index("<Head>") : data.index("</Head>") + len("</Head>")].replace("MT3101", "MT1101")
    empty = tmp_path / "mt1101.xml"
    empty.write_text(
        f'<Manifest xmlns="urn:Declaration:datamodel:standard:CN:MT1101:1">{head}<Declaration/></Manifest>',
        encoding="utf-8",
    )
    result = runner.invoke(cli, ["edi", "validate", str(empty)])
    assert result.exit_code == 0, result.output  # nothing eport checks is wrong
    assert f"{empty}: valid by eport's rules only (no official schema checked the structure)" in result.stderr
    schema_checked = tmp_path / "ceb622.xml"
    schema_checked.write_bytes(load("import/CEB622Message.xml").data)
    assert f"{schema_checked}: valid\n" in runner.invoke(cli, ["edi", "validate", str(schema_checked)]).stderr


def test_valid_signed_message_says_the_signature_was_not_verified(runner: CliRunner, tmp_path: Path) -> None:
    """`edi validate` checks structure and rules, never a signature: a signed CEB623 was a bare "valid", which
    reads like "signature checked". The summary and the JSON now say the signature was not verified and name the
    command that verifies it; the exit status is unchanged."""
    from eport.pki import KeyAlgorithm
    from eport.pki.ceb import sign_ceb
    from eport.pki.testing import make_chain
    from eport.pki.xmldsig import remove_signature

    unsigned = remove_signature(load("import/CEB623Message.xml").data)
    path = tmp_path / "ceb623.signed.xml"
    path.write_bytes(sign_ceb(unsigned, make_chain(KeyAlgorithm.RSA).signer()))
    result = runner.invoke(cli, ["edi", "validate", str(path)])
    assert result.exit_code == 0, result.output
    assert f"{path}: valid (signature present, not verified: use `eport pki verify-xml`)\n" in result.stderr
    as_json = runner.invoke(cli, ["edi", "validate", "--json", str(path)])
    assert as_json.exit_code == 0, as_json.output
    (entry,) = json.loads(as_json.stdout)["files"]
    assert entry["ok"] is True
    assert entry["signature"] == "present, not verified"
    draft = tmp_path / "ceb622.xml"  # unsigned: nothing to say about a signature
    draft.write_bytes(load("import/CEB622Message.xml").data)
    assert f"{draft}: valid\n" in runner.invoke(cli, ["edi", "validate", str(draft)]).stderr
    (plain,) = json.loads(runner.invoke(cli, ["edi", "validate", "--json", str(draft)]).stdout)["files"]
    assert plain["signature"] is None
