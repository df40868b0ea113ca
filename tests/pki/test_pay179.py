"""The 179 payment-data string: exact bytes, signing with RSA and SM2, JSON identical to what is sent."""

from __future__ import annotations

import base64
import json
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from eport.errors import ConfigurationError, InvalidSignature, SignatureFormatError
from eport.pki.pay179 import (
    GoodsInfo,
    PayExchangeInfoHead,
    PayExchangeInfoList,
    PayExInfo,
    SignStringStyle,
    sign_pay_ex_info,
    sign_string,
    verify_pay_ex_info,
)
from eport.pki.testing import TestChain


def _info() -> PayExInfo:
    head = PayExchangeInfoHead(
        guid="9D55BA71-22DE-41F4-8B50-C36C83B3B530",
        inital_request='{"out_trade_no":"A1"}',
        inital_response="<xml>ok</xml>",
        ebp_code="1101960001",
        pay_code="312226T001",
        pay_transaction_id="4200000001201806",
        total_amount=Decimal("100.50"),
        currency="142",
        ver_dept="3",
        pay_type="1",
        trading_time="20180803124523",
        note="测试",
    )
    item = PayExchangeInfoList(
        order_no="order-1",
        goods_info=[GoodsInfo(gname="奶粉", item_link="https://shop.example/1")],
        recp_account="6222000000000000",
        recp_code="",
        recp_name="收款公司",
    )
    return PayExInfo(session_id="fe2374-8fnejf97-55616242", head=head, lists=[item], service_time=1533271903898)


EXPECTED = (
    '"sessionID":"fe2374-8fnejf97-55616242"||"payExchangeInfoHead":"{"guid":"9D55BA71-22DE-41F4-8B50-C36C83B3B530",'
    '"initalRequest":"{\\"out_trade_no\\":\\"A1\\"}","initalResponse":"<xml>ok</xml>","ebpCode":"1101960001",'
    '"payCode":"312226T001","payTransactionId":"4200000001201806","totalAmount":100.50,"currency":"142",'
    '"verDept":"3","payType":"1","tradingTime":"20180803124523","note":"测试"}"||"payExchangeInfoLists":"[{"orderNo":'
    '"order-1","goodsInfo":[{"gname":"奶粉","itemLink":"https://shop.example/1"}],"recpAccount":"6222000000000000",'
    '"recpCode":"","recpName":"收款公司"}]"||"serviceTime":"1533271903898"'
)


def test_exact_sign_string() -> None:
    assert sign_string(_info()) == EXPECTED


def test_raw_style() -> None:
    text = sign_string(_info(), style=SignStringStyle.RAW)
    assert text.startswith('"sessionID":"fe2374-8fnejf97-55616242"||"payExchangeInfoHead":{"guid"')
    assert text.endswith('||"serviceTime":1533271903898')


def test_rsa_upload_json_is_identical_to_the_signed_fragments(tmp_path: Path, rsa_chain: TestChain) -> None:
    upload = sign_pay_ex_info(_info(), rsa_chain.signer())
    assert upload.signed_string == EXPECTED
    body = json.loads(upload.pay_ex_info_str, parse_float=Decimal)
    assert list(body) == [
        "sessionID",
        "payExchangeInfoHead",
        "payExchangeInfoLists",
        "serviceTime",
        "certNo",
        "signValue",
    ]
    assert body["certNo"] == rsa_chain.leaf.cert_no
    assert body["payExchangeInfoHead"]["totalAmount"] == Decimal("100.50")
    # the fragments in the sent JSON are byte-identical to those in the signed string
    assert _info().head.to_json() in upload.pay_ex_info_str
    assert _info().lists_json() in upload.pay_ex_info_str
    # independent check: openssl verifies the RSA-SHA1 signature over the UTF-8 string
    (tmp_path / "msg").write_bytes(upload.signed_string.encode())
    (tmp_path / "sig").write_bytes(base64.b64decode(upload.sign_value))
    (tmp_path / "cert.pem").write_text(rsa_chain.leaf.to_pem())
    pub = subprocess.run(
        ["openssl", "x509", "-in", str(tmp_path / "cert.pem"), "-pubkey", "-noout"], check=True, capture_output=True
    ).stdout
    (tmp_path / "pub.pem").write_bytes(pub)
    out = subprocess.run(
        [
            "openssl",
            "dgst",
            "-sha1",
            "-verify",
            str(tmp_path / "pub.pem"),
            "-signature",
            str(tmp_path / "sig"),
            str(tmp_path / "msg"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert verify_pay_ex_info(upload.pay_ex_info_str, rsa_chain.leaf)["sessionID"] == "fe2374-8fnejf97-55616242"


def test_sm2_upload(sm2_chain: TestChain) -> None:
    upload = sign_pay_ex_info(_info(), sm2_chain.signer())
    assert len(upload.sign_value) == 88  # 64-byte r || s, as the E-Port client returns it
    verify_pay_ex_info(upload.pay_ex_info_str, sm2_chain.leaf)


def test_tampering_and_wrong_certificate(rsa_chain: TestChain, sha1_chain: TestChain) -> None:
    upload = sign_pay_ex_info(_info(), rsa_chain.signer())
    with pytest.raises(InvalidSignature):
        verify_pay_ex_info(upload.pay_ex_info_str.replace("100.50", "100.5"), rsa_chain.leaf)
    with pytest.raises(InvalidSignature, match="certNo"):
        verify_pay_ex_info(upload.pay_ex_info_str, sha1_chain.leaf)
    with pytest.raises(SignatureFormatError, match="not JSON"):  # an InvalidSignature too
        verify_pay_ex_info("{", rsa_chain.leaf)
    with pytest.raises(InvalidSignature, match="malformed"):
        verify_pay_ex_info("{}", rsa_chain.leaf)


def test_custom_builder(rsa_chain: TestChain) -> None:
    upload = sign_pay_ex_info(_info(), rsa_chain.signer(), builder=lambda info, head, lists: f"{head}|{lists}")
    assert upload.signed_string == _info().head.to_json() + "|" + _info().lists_json()


def test_typed_validation() -> None:
    head = _info().head
    with pytest.raises(ConfigurationError):
        PayExchangeInfoHead(**{**_fields(head), "total_amount": 1.5})  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError):
        PayExchangeInfoHead(**{**_fields(head), "ver_dept": "9"})
    with pytest.raises(ConfigurationError):
        PayExchangeInfoHead(**{**_fields(head), "trading_time": "2018"})


def _fields(head: PayExchangeInfoHead) -> dict[str, object]:
    import attrs

    return attrs.asdict(head)


def test_what_is_returned_is_what_was_verified(rsa_chain: TestChain) -> None:
    """The signed fragments were cut from the text at the first ``"payExchangeInfoHead":`` while the returned JSON
    came from ``json.loads``, where a repeated key's last value wins: a second ``payExchangeInfoHead`` (another
    amount) appended to a genuine upload verified, and the forged head was handed back as verified data."""
    upload = sign_pay_ex_info(_info(), rsa_chain.signer())
    genuine = upload.pay_ex_info_str
    forged_head = json.dumps(json.loads(genuine)["payExchangeInfoHead"] | {"totalAmount": 1}, ensure_ascii=False)
    for name, value in (("payExchangeInfoHead", forged_head), ("payExchangeInfoLists", "[]")):
        wrapped = genuine[:-1] + f',"{name}":{value}}}'
        with pytest.raises(InvalidSignature, match="twice"):
            verify_pay_ex_info(wrapped, rsa_chain.leaf)
    data = verify_pay_ex_info(genuine, rsa_chain.leaf)
    assert data["payExchangeInfoHead"]["totalAmount"] == Decimal("100.50")  # type: ignore[index]
