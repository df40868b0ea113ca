"""The charset ``wrap`` writes in ``AddInfo/IsText@Encode``: the DXP terminal schema says the element marks a text
payload and must name its charset (文本标识节点，存在标识为文本，必须说明字符集). ``wrap`` used to write ``UTF-8``
for every payload, so a GBK document (the legacy exports, company names with 堃 喆 珺) went out labelled UTF-8 and
a receiver decoding by the label read it wrongly. The label is now the payload's own charset (its BOM or XML
declaration), the bytes are carried unchanged (a signature over them stays valid), and a payload that is not text
in that charset is refused instead of mislabelled."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner

from eport.cli.main import cli
from eport.edi import dxp
from eport.errors import ConfigurationError

SENDER = "DXPENT0000016069"
RECEIVER = "DXPEDCCEB0000002"
WHEN = dt.datetime(2026, 11, 28, 9, 52, 14, tzinfo=dxp.CHINA_TZ)
NAMES = "堃 喆 珺"  # in GBK, not in GB2312


def _document(declared: str | None, names: str = NAMES) -> str:
    prolog = f'<?xml version="1.0" encoding="{declared}"?>\n' if declared else ""
    return f"{prolog}<DecMessage><DecHead><OwnerName>测试企业 {names}</OwnerName></DecHead></DecMessage>"


def _wrap(payload: bytes, **options: object) -> dxp.DxpMsg:
    return dxp.wrap(payload, sender_id=SENDER, receiver_ids=RECEIVER, created=WHEN, **options)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("declared", "codec", "label"),
    [("GBK", "gbk", "GBK"), ("gbk", "gbk", "GBK"), ("GB18030", "gb18030", "GB18030"), ("UTF-8", "utf-8", "UTF-8"),
     (None, "utf-8", "UTF-8"),
     ("GB2312", "gbk", "GBK")],  # declared GB2312, written GBK (as other software does): labelled by what it is
)  # fmt: skip
def test_the_envelope_names_the_payloads_own_charset_and_carries_its_bytes(
    declared: str | None, codec: str, label: str
) -> None:
    payload = _document(declared).encode(codec)
    envelope = _wrap(payload)
    assert envelope.add_info is not None
    assert envelope.add_info.is_text == label
    decoded = dxp.decode_envelope(envelope.to_bytes())
    assert isinstance(decoded, dxp.DxpMsg)
    assert decoded.data == payload  # unchanged bytes
    assert NAMES in decoded.text  # a receiver decoding by the label reads the names


def test_a_gb2312_document_within_gb2312_keeps_its_label() -> None:
    envelope = _wrap(_document("GB2312", names="张三").encode("gb2312"))
    assert envelope.add_info is not None
    assert envelope.add_info.is_text == "GB2312"


def test_a_payload_that_is_not_text_in_its_charset_is_refused_not_mislabelled() -> None:
    with pytest.raises(ConfigurationError, match=r"not UTF-8 text .*byte \d+"):
        _wrap(_document(None).encode("gbk"))  # no declaration: XML says UTF-8, the bytes are GBK
    with pytest.raises(ConfigurationError, match="declares GBK"):
        _wrap(_document("GBK").encode("gbk"), encoding="UTF-8")  # a label that contradicts the declaration
    with pytest.raises(ConfigurationError, match="unknown charset"):
        _wrap(_document("X-NO-SUCH").encode())
    binary = _wrap(b"PK\x03\x04\xff\xfe", msg_type="ZIP", encoding=None)  # binary, said so: no IsText
    assert binary.add_info is None or binary.add_info.is_text is None
    gbk = _wrap(_document(None).encode("gbk"), encoding="GBK")  # undeclared text, charset given by the caller
    assert gbk.add_info is not None
    assert gbk.add_info.is_text == "GBK"


def test_cli_wrap_of_a_gbk_document(tmp_path: Path) -> None:
    runner = CliRunner()
    common = ["--sender-id", SENDER, "--receiver-id", RECEIVER]
    source = tmp_path / "dec.xml"
    source.write_bytes(_document("GBK").encode("gbk"))
    result = runner.invoke(cli, ["edi", "wrap", str(source), *common])
    assert result.exit_code == 0, result.output
    envelope = dxp.decode_envelope(result.stdout_bytes)
    assert isinstance(envelope, dxp.DxpMsg)
    assert b'<IsText Encode="GBK"/>' in result.stdout_bytes
    assert (envelope.data, NAMES in envelope.text) == (source.read_bytes(), True)
    unwrapped = tmp_path / "out.xml"
    envelope_file = tmp_path / "env.xml"
    envelope_file.write_bytes(result.stdout_bytes)
    assert runner.invoke(cli, ["edi", "unwrap", str(envelope_file), "-o", str(unwrapped)]).exit_code == 0
    assert unwrapped.read_bytes() == source.read_bytes()

    source.write_bytes(_document(None).encode("gbk"))
    refused = runner.invoke(cli, ["edi", "wrap", str(source), *common])
    assert refused.exit_code == 1
    assert refused.stdout_bytes == b""
    last = refused.stderr.strip().splitlines()[-1]
    assert last.startswith(f"error: ConfigurationError: {source}: payload is not UTF-8 text (byte ")
    assert "declares no encoding" in last
    assert "--binary" in last
    given = runner.invoke(cli, ["edi", "wrap", str(source), *common, "--encoding", "GBK"])  # the caller knows
    assert given.exit_code == 0, given.output
    assert b'<IsText Encode="GBK"/>' in given.stdout_bytes
