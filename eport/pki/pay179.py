"""The customs announcement 179 payment-data upload (支付相关原始数据, ``realTimeDataUpload``): build and sign.

Customs asks the platform (``platDataOpen``) for the raw payment data of an order; the platform answers with
``payExInfoStr``, a JSON object whose ``signValue`` signs a hand-built string (FORMATS.md §5.3)::

    "sessionID":"<id>"||"payExchangeInfoHead":"<head JSON>"||"payExchangeInfoLists":"<lists JSON>"||"serviceTime":"<ms>"

The JSON inside the string is embedded unescaped, so its bytes must be identical to what is sent. This module
serialises the typed data once, uses the same fragments in the string and in ``payExInfoStr``, and keeps the
signing-string form overridable (:class:`SignStringStyle`; whether customs re-serialises is unverified).

Example::

    upload = sign_pay_ex_info(PayExInfo(session_id=sid, head=head, lists=(item,), service_time=ms), signer)
    requests.post(url, data={"payExInfoStr": upload.pay_ex_info_str}, timeout=10)
"""

from __future__ import annotations

import base64
import enum
import json
import logging
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import attrs

from eport.errors import ConfigurationError, InvalidSignature, SignatureFormatError
from eport.pki.certs import Certificate, certificate_from_der
from eport.pki.keys import PublicKey
from eport.pki.signer import KeyAlgorithm, SignatureAlgorithm, Signer
from eport.pki.sm2 import der_to_raw, raw_to_der

logger = logging.getLogger(__name__)


def _s(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _number(value: Decimal) -> str:
    if not value.is_finite():
        raise ConfigurationError("amounts must be finite")
    return format(value, "f")


@attrs.frozen(kw_only=True)
class GoodsInfo:
    """One item of ``goodsInfo``: 商品名称 ``gname`` and 商品展示链接 ``itemLink`` (several joined with ``;``)."""

    gname: str
    item_link: str

    def to_json(self) -> str:
        """Compact JSON, keys in spec order."""
        return f'{{"gname":{_s(self.gname)},"itemLink":{_s(self.item_link)}}}'


@attrs.frozen(kw_only=True)
class PayExchangeInfoList:
    """One entry of ``payExchangeInfoLists``: order number, goods, and the receiving account.

    Attributes:
        order_no: 订单编号.
        goods_info: the goods.
        recp_account: 收款账号.
        recp_code: 收款企业代码 (统一社会信用代码; may be empty for foreign companies).
        recp_name: 收款企业名称.
    """

    order_no: str
    goods_info: tuple[GoodsInfo, ...] = attrs.field(converter=tuple)
    recp_account: str
    recp_code: str = ""
    recp_name: str

    def to_json(self) -> str:
        """Compact JSON, keys in spec order."""
        goods = ",".join(g.to_json() for g in self.goods_info)
        return (
            f'{{"orderNo":{_s(self.order_no)},"goodsInfo":[{goods}],"recpAccount":{_s(self.recp_account)},'
            f'"recpCode":{_s(self.recp_code)},"recpName":{_s(self.recp_name)}}}'
        )


@attrs.frozen(kw_only=True)
class PayExchangeInfoHead:
    """``payExchangeInfoHead`` (支付原始数据表头). Optional fields that are ``None`` are left out of the JSON.

    Attributes:
        guid: upper-case unique id (36 characters).
        inital_request, inital_response: raw request to and response from the payment company (spelling as spec).
        ebp_code: 电商平台 customs code. pay_code: payment company customs code.
        pay_transaction_id: payment serial number.
        total_amount: amount (a JSON number, written exactly as the Decimal).
        currency: customs currency code, e.g. ``142``.
        ver_dept: 验核机构 1 银联 UnionPay, 2 网联 NetsUnion, 3 其他 other.
        pay_type: 1 APP, 2 PC, 3 扫码 QR, 4 其他 (optional).
        trading_time: ``yyyyMMddHHmmss``.
        note: remark (optional).
    """

    guid: str
    inital_request: str
    inital_response: str
    ebp_code: str
    pay_code: str
    pay_transaction_id: str
    total_amount: Decimal
    currency: str
    ver_dept: str
    pay_type: str | None = None
    trading_time: str
    note: str | None = None

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.total_amount, Decimal):
            raise ConfigurationError("total_amount must be a Decimal")
        if self.ver_dept not in ("1", "2", "3"):
            raise ConfigurationError("ver_dept must be 1 (UnionPay), 2 (NetsUnion) or 3 (other)")
        if len(self.trading_time) != 14 or not self.trading_time.isdigit():
            raise ConfigurationError("trading_time must be yyyyMMddHHmmss")

    def to_json(self) -> str:
        """Compact JSON, keys in spec order."""
        parts = [
            f'"guid":{_s(self.guid)}',
            f'"initalRequest":{_s(self.inital_request)}',
            f'"initalResponse":{_s(self.inital_response)}',
            f'"ebpCode":{_s(self.ebp_code)}',
            f'"payCode":{_s(self.pay_code)}',
            f'"payTransactionId":{_s(self.pay_transaction_id)}',
            f'"totalAmount":{_number(self.total_amount)}',
            f'"currency":{_s(self.currency)}',
            f'"verDept":{_s(self.ver_dept)}',
        ]
        if self.pay_type is not None:
            parts.append(f'"payType":{_s(self.pay_type)}')
        parts.append(f'"tradingTime":{_s(self.trading_time)}')
        if self.note is not None:
            parts.append(f'"note":{_s(self.note)}')
        return "{" + ",".join(parts) + "}"


@attrs.frozen(kw_only=True)
class PayExInfo:
    """The payment data for one customs request.

    Attributes:
        session_id: the ``sessionID`` from customs' ``openReq``.
        head: the header.
        lists: the entries.
        service_time: current time in milliseconds since the epoch.
    """

    session_id: str
    head: PayExchangeInfoHead
    lists: tuple[PayExchangeInfoList, ...] = attrs.field(converter=tuple)
    service_time: int

    def lists_json(self) -> str:
        """Compact JSON array of the entries."""
        return "[" + ",".join(item.to_json() for item in self.lists) + "]"


class SignStringStyle(enum.Enum):
    """How the signed string is written.

    ``QUOTED`` (default): every value in double quotes, JSON embedded unescaped — what working implementations
    sign. ``RAW``: the spec's loose example, JSON and ``serviceTime`` unquoted.
    """

    QUOTED = "quoted"
    RAW = "raw"


SignStringBuilder = Callable[[PayExInfo, str, str], str]


def sign_string(info: PayExInfo, *, style: SignStringStyle = SignStringStyle.QUOTED) -> str:
    """Return the exact string that is signed for ``info``."""
    head, lists = info.head.to_json(), info.lists_json()
    if style is SignStringStyle.RAW:
        return (
            f'"sessionID":"{info.session_id}"||"payExchangeInfoHead":{head}||"payExchangeInfoLists":{lists}'
            f'||"serviceTime":{info.service_time}'
        )
    return (
        f'"sessionID":"{info.session_id}"||"payExchangeInfoHead":"{head}"||"payExchangeInfoLists":"{lists}"'
        f'||"serviceTime":"{info.service_time}"'
    )


@attrs.frozen(kw_only=True)
class SignedPayExInfo:
    """The signed upload.

    Attributes:
        pay_ex_info_str: the ``payExInfoStr`` form value (JSON), ready to POST.
        signed_string: the string that was signed (UTF-8 encoded before signing).
        sign_value: ``signValue`` (base64).
        cert_no: ``certNo``.
    """

    pay_ex_info_str: str
    signed_string: str = attrs.field(repr=False)
    sign_value: str = attrs.field(repr=False)
    cert_no: str


def _algorithm_for(key: KeyAlgorithm) -> SignatureAlgorithm:
    if key is KeyAlgorithm.RSA:
        return SignatureAlgorithm.RSA_SHA1
    if key is KeyAlgorithm.SM2:
        return SignatureAlgorithm.SM2_SM3
    raise ConfigurationError("179 uploads are signed with RSA or SM2 keys")


def sign_pay_ex_info(
    info: PayExInfo,
    signer: Signer,
    *,
    style: SignStringStyle = SignStringStyle.QUOTED,
    builder: SignStringBuilder | None = None,
    cert_no: str | None = None,
) -> SignedPayExInfo:
    """Sign the payment data and build ``payExInfoStr``.

    RSA keys sign with PKCS#1 v1.5 SHA-1 (what E-Port cards do); SM2 keys with SM3 and the default ID, and the
    value is the 64-byte ``r || s`` (88 base64 characters), as the E-Port client returns it.

    Args:
        info: the typed payment data.
        signer: card, token or in-memory signer.
        style: the signed-string form.
        builder: replaces the signed-string builder: ``builder(info, head_json, lists_json) -> str``.
        cert_no: ``certNo``; default the signer's certificate number.

    Raises:
        ConfigurationError: for an EC signer.
    """
    head, lists = info.head.to_json(), info.lists_json()
    text = builder(info, head, lists) if builder is not None else sign_string(info, style=style)
    algorithm = _algorithm_for(signer.key_algorithm)
    value = signer.sign(text.encode("utf-8"), algorithm)
    if algorithm is SignatureAlgorithm.SM2_SM3 and len(value) != 64:
        value = der_to_raw(value)
    sign_value = base64.b64encode(value).decode("ascii")
    number = cert_no or certificate_from_der(signer.certificate_der).cert_no
    body = (
        f'{{"sessionID":{_s(info.session_id)},"payExchangeInfoHead":{head},"payExchangeInfoLists":{lists},'
        f'"serviceTime":{info.service_time},"certNo":{_s(number)},"signValue":{_s(sign_value)}}}'
    )
    logger.debug("signed 179 payment data for session %s with cert_no %s", info.session_id, number)
    return SignedPayExInfo(pay_ex_info_str=body, signed_string=text, sign_value=sign_value, cert_no=number)


def verify_pay_ex_info(
    pay_ex_info_str: str, certificate: Certificate, *, style: SignStringStyle = SignStringStyle.QUOTED
) -> dict[str, object]:
    """Verify a ``payExInfoStr`` against a certificate and return the parsed JSON.

    The embedded JSON fragments are taken verbatim from the input (no re-serialisation), and the returned JSON is
    what they say: a key repeated in any object, or a signed fragment that is not the top-level member, is refused.

    Raises:
        SignatureFormatError: ``pay_ex_info_str`` is no JSON at all; an :class:`InvalidSignature` too, caught
            first to tell it apart.
        InvalidSignature: JSON that is not a signed payExInfoStr (a member missing or malformed, a repeated key),
            a certificate number that does not match, or a bad signature.
    """
    try:
        data = json.loads(pay_ex_info_str, parse_float=Decimal, object_pairs_hook=_no_repeated_keys)
    except json.JSONDecodeError as exc:
        raise SignatureFormatError(f"payExInfoStr is not JSON: {exc.msg}", line=exc.lineno, column=exc.colno) from None
    except RecursionError:  # absurdly deep JSON
        raise InvalidSignature("malformed payExInfoStr: nested too deeply") from None
    except (ValueError, TypeError) as exc:
        raise InvalidSignature(f"malformed payExInfoStr: {exc}") from None
    try:
        head = _raw_member(pay_ex_info_str, "payExchangeInfoHead")
        lists = _raw_member(pay_ex_info_str, "payExchangeInfoLists")
        for name, raw in (("payExchangeInfoHead", head), ("payExchangeInfoLists", lists)):
            if json.loads(raw, parse_float=Decimal) != data[name]:  # the text signed must be the member returned
                raise InvalidSignature(f"the signed {name} is not the document's {name}")
        session, service_time = data["sessionID"], data["serviceTime"]
        value = base64.b64decode(data["signValue"], validate=True)
        cert_no = data["certNo"]
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        raise InvalidSignature(f"malformed payExInfoStr: {exc}") from None
    except RecursionError:  # absurdly deep JSON
        raise InvalidSignature("malformed payExInfoStr: nested too deeply") from None
    if cert_no != certificate.cert_no:
        raise InvalidSignature(f"certNo {cert_no!r} is not the certificate's number {certificate.cert_no!r}")
    if style is SignStringStyle.RAW:
        text = (
            f'"sessionID":"{session}"||"payExchangeInfoHead":{head}||"payExchangeInfoLists":{lists}'
            f'||"serviceTime":{service_time}'
        )
    else:
        text = (
            f'"sessionID":"{session}"||"payExchangeInfoHead":"{head}"||"payExchangeInfoLists":"{lists}"'
            f'||"serviceTime":"{service_time}"'
        )
    key: PublicKey = certificate.public_key
    if key.algorithm is KeyAlgorithm.SM2:
        key.verify(raw_to_der(value) if len(value) == 64 else value, text.encode("utf-8"), "sm3")
    else:
        key.verify(value, text.encode("utf-8"), "sha1")
    result: dict[str, object] = data
    return result


def _no_repeated_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object whose keys are all different: with a repeated key, the text that was signed and the value
    ``json.loads`` keeps (the last) could differ."""
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise InvalidSignature(f"malformed payExInfoStr: key {key!r:.40} appears twice in one object")
        found[key] = value
    return found


def _raw_member(text: str, name: str) -> str:
    """The exact source text of a top-level member's value (an object or array)."""
    decoder = json.JSONDecoder(parse_float=Decimal)
    marker = f'"{name}":'
    start = text.find(marker)
    if start < 0:
        raise KeyError(name)
    pos = start + len(marker)
    while text[pos] in " \t\r\n":
        pos += 1
    _, end = decoder.raw_decode(text, pos)
    return text[pos:end]


__all__ = [
    "GoodsInfo",
    "PayExInfo",
    "PayExchangeInfoHead",
    "PayExchangeInfoList",
    "SignStringBuilder",
    "SignStringStyle",
    "SignedPayExInfo",
    "sign_pay_ex_info",
    "sign_string",
    "verify_pay_ex_info",
]
