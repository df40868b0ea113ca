"""Declaration receipts (报关单回执): ``DecImportResponse``, ``DEC_RESULT``, legacy ``DEC_DATA`` and ``failInfo``.

Receipts come from the Single Window import client's InBox (or the exchange) and are written loosely by other
software: element order varies, legacy receipts are GB2312, extra elements appear. :func:`parse_dec_receipt`
therefore reads them tolerantly by element name (never failing on order or unknown children) into typed, frozen
objects. The classes also carry ``__eport_spec__`` so :func:`eport.edi.encode` can write them (tests, sandbox).

Shapes (FORMATS.md §2.6):

* ``DecImportResponse`` (namespace ``http://www.chinaport.gov.cn/dec``): ResponseCode (``0`` = success),
  ErrorMessage, ClientSeqNo, SeqNo (统一编号, the key of later receipts);
* ``DEC_RESULT`` (no namespace): CUS_CIQ_NO (= SeqNo), ENTRY_ID (海关编号), NOTICE_DATE, CHANNEL, NOTE …;
* ``DEC_DATA`` (no namespace, GB2312): a ``DEC_RESULT`` with more fields plus ``RESULT_INFO``;
* ``<Root><failInfo>…</failInfo></Root>``: the client refused the file.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from decimal import Decimal, InvalidOperation
from typing import ClassVar

import attrs

from eport.edi.core.spec import FieldSpec, ModelSpec, ValueKind
from eport.edi.dec._parse import child_texts, local, parse_root
from eport.edi.dec.channel import DecStatus
from eport.edi.dec.models import NS
from eport.errors import DecodeError

logger = logging.getLogger(__name__)

#: China Standard Time, the time zone of every receipt time.
CHINA_TZ = dt.timezone(dt.timedelta(hours=8), "CST")


def _opt(tag: str, name: str, doc: str = "", kind: ValueKind = ValueKind.STRING) -> FieldSpec:
    return FieldSpec(name=name, tag=tag, kind=kind, min_occurs=0, doc=doc)


def parse_notice_date(value: str | None) -> dt.datetime | None:
    """Parse a receipt time (``2018-12-12T14:40:43``, ``20180208T15032200``, ``20180208150322``) as China time.

    Returns:
        A timezone-aware datetime, or ``None`` when ``value`` is empty or not a known format.
    """
    if not value:
        return None
    digits = re.sub(r"\D", "", value)
    if len(digits) < 14:
        if len(digits) == 8:
            digits += "000000"
        else:
            return None
    try:
        base = dt.datetime.strptime(digits[:14], "%Y%m%d%H%M%S")
    except ValueError:
        return None
    frac = digits[14:17]
    micro = int(frac.ljust(3, "0")) * 1000 if frac else 0
    return base.replace(microsecond=micro, tzinfo=CHINA_TZ)


def _decimal(value: str | None) -> Decimal | None:
    if not value:
        return None
    try:
        return Decimal(value)
    except InvalidOperation:
        return None


@attrs.frozen(kw_only=True)
class DecImportResponse:
    """The import client's answer to a dropped declaration (导入回执).

    Attributes:
        response_code: ``"0"`` on success.
        error_message: text such as ``调用成功`` or the reason of a failure.
        client_seq_no: ``DecSign/ClientSeqNo`` of the declaration.
        seq_no: 统一编号 assigned by the Single Window (18 chars), the key of later receipts.
        trn_pre_id: 转关单预录入号 when a transit declaration was imported.
    """

    __eport_spec__: ClassVar[ModelSpec]

    response_code: str
    error_message: str | None = None
    client_seq_no: str | None = None
    seq_no: str | None = None
    trn_pre_id: str | None = None

    @property
    def ok(self) -> bool:
        """True when ``ResponseCode`` is ``0``."""
        return self.response_code.strip() == "0"


DecImportResponse.__eport_spec__ = ModelSpec(
    tag="DecImportResponse",
    namespace=NS,
    fields=(
        FieldSpec(name="response_code", tag="ResponseCode", kind=ValueKind.STRING, doc="0 = success"),
        _opt("ErrorMessage", "error_message"),
        _opt("ClientSeqNo", "client_seq_no", "客户端报关单编号"),
        _opt("SeqNo", "seq_no", "数据中心统一编号"),
        _opt("TrnPreId", "trn_pre_id", "转关单预录入号"),
    ),
    family="dec-receipt",
    doc="报关单导入回执",
)


@attrs.frozen(kw_only=True)
class DecResult:
    """``DEC_RESULT`` business receipt (报关单回执).

    Attributes:
        cus_ciq_no: 统一编号 (the ``SeqNo`` of the import response).
        entry_id: 海关编号 (18 digits) once customs assigned it.
        notice_date: receipt time as written (see :attr:`notice_time`).
        channel: raw ``CHANNEL`` code (see :attr:`status`).
        note: text, e.g. ``…直接申报成功``.
    """

    __eport_spec__: ClassVar[ModelSpec]

    cus_ciq_no: str | None = None
    entry_id: str | None = None
    notice_date: str | None = None
    channel: str | None = None
    note: str | None = None
    custom_master: str | None = None
    i_e_date: str | None = None
    d_date: str | None = None

    @property
    def status(self) -> DecStatus:
        """The channel as :class:`DecStatus` (``receipt.status.is_released``)."""
        return DecStatus.of(self.channel)

    @property
    def seq_no(self) -> str | None:
        """统一编号 (same as :attr:`cus_ciq_no`)."""
        return self.cus_ciq_no

    @property
    def notice_time(self) -> dt.datetime | None:
        """:attr:`notice_date` as an aware datetime in China time, ``None`` if absent or unparsable."""
        return parse_notice_date(self.notice_date)


DecResult.__eport_spec__ = ModelSpec(
    tag="DEC_RESULT",
    namespace=None,
    fields=(
        _opt("CUS_CIQ_NO", "cus_ciq_no", "统一编号"),
        _opt("ENTRY_ID", "entry_id", "海关编号"),
        _opt("NOTICE_DATE", "notice_date", "通知时间"),
        _opt("CHANNEL", "channel", "处理结果"),
        _opt("NOTE", "note", "备注"),
        _opt("CUSTOM_MASTER", "custom_master", "申报地海关"),
        _opt("I_E_DATE", "i_e_date", "进出口日期"),
        _opt("D_DATE", "d_date", "申报日期"),
    ),
    family="dec-receipt",
    doc="报关单回执",
)


@attrs.frozen(kw_only=True)
class DecDataResult:
    """The ``DEC_RESULT`` inside a legacy ``DEC_DATA`` receipt (QP/H2000 style)."""

    __eport_spec__: ClassVar[ModelSpec]

    seq_no: str | None = None
    entry_id: str | None = None
    notice_date: str | None = None
    channel: str | None = None
    note: str | None = None
    decl_port: str | None = None
    agent_name: str | None = None
    declare_no: str | None = None
    trade_co: str | None = None
    customs_field: str | None = None
    bonded_no: str | None = None
    i_e_date: str | None = None
    pack_no: str | None = None
    bill_no: str | None = None
    traf_mode: str | None = None
    voyage_no: str | None = None
    net_wt: Decimal | None = None
    gross_wt: Decimal | None = None
    d_date: str | None = None


_DATA_RESULT_TAGS = (
    ("SEQ_NO", "seq_no", "统一编号"),
    ("ENTRY_ID", "entry_id", "海关编号"),
    ("NOTICE_DATE", "notice_date", "通知时间"),
    ("CHANNEL", "channel", "处理结果"),
    ("NOTE", "note", "备注"),
    ("DECL_PORT", "decl_port", "申报口岸"),
    ("AGENT_NAME", "agent_name", "申报单位"),
    ("DECLARE_NO", "declare_no", "报关员"),
    ("TRADE_CO", "trade_co", "经营单位"),
    ("CUSTOMS_FIELD", "customs_field", "货场代码"),
    ("BONDED_NO", "bonded_no", "监管仓号"),
    ("I_E_DATE", "i_e_date", "进出口日期"),
    ("PACK_NO", "pack_no", "件数"),
    ("BILL_NO", "bill_no", "提单号"),
    ("TRAF_MODE", "traf_mode", "运输方式"),
    ("VOYAGE_NO", "voyage_no", "航次号"),
    ("NET_WT", "net_wt", "净重"),
    ("GROSS_WT", "gross_wt", "毛重"),
    ("D_DATE", "d_date", "申报日期"),
)
_DECIMAL_FIELDS = {"net_wt", "gross_wt"}

DecDataResult.__eport_spec__ = ModelSpec(
    tag="DEC_RESULT",
    namespace=None,
    fields=tuple(
        _opt(tag, name, doc, ValueKind.DECIMAL if name in _DECIMAL_FIELDS else ValueKind.STRING)
        for tag, name, doc in _DATA_RESULT_TAGS
    ),
    family="dec-receipt",
)


@attrs.frozen(kw_only=True)
class DecData:
    """Legacy ``DEC_DATA`` receipt (GB2312): the result block plus ``RESULT_INFO`` text."""

    __eport_spec__: ClassVar[ModelSpec]

    result: DecDataResult
    result_info: str | None = None

    @property
    def status(self) -> DecStatus:
        """The channel as :class:`DecStatus`."""
        return DecStatus.of(self.result.channel)

    @property
    def seq_no(self) -> str | None:
        """统一编号."""
        return self.result.seq_no

    @property
    def entry_id(self) -> str | None:
        """海关编号."""
        return self.result.entry_id

    @property
    def notice_time(self) -> dt.datetime | None:
        """Receipt time in China time."""
        return parse_notice_date(self.result.notice_date)


DecData.__eport_spec__ = ModelSpec(
    tag="DEC_DATA",
    namespace=None,
    fields=(
        FieldSpec(name="result", tag="DEC_RESULT", kind=ValueKind.MODEL, model=DecDataResult),
        _opt("RESULT_INFO", "result_info", "处理结果说明"),
    ),
    family="dec-receipt",
    doc="报关单回执 (QP/H2000 legacy)",
)


@attrs.frozen
class FailInfo:
    """``<Root><failInfo>…</failInfo></Root>``: the import client refused the file. ``message`` is its text."""

    message: str


DecReceipt = DecImportResponse | DecResult | DecData | FailInfo


def _build_result(texts: dict[str, str]) -> DecResult:
    fields = {f.name: (texts.get(f.tag) or None) for f in DecResult.__eport_spec__.fields}
    return DecResult(**fields)


def _build_data_result(texts: dict[str, str]) -> DecDataResult:
    values: dict[str, object] = {}
    for tag, name, _doc in _DATA_RESULT_TAGS:
        raw = texts.get(tag) or None
        values[name] = _decimal(raw) if name in _DECIMAL_FIELDS else raw
    return DecDataResult(**values)  # type: ignore[arg-type]


def parse_dec_receipt(data: bytes) -> DecReceipt:
    """Decode any declaration receipt, telling the kind apart by content.

    Args:
        data: the receipt file's bytes (UTF-8 or GB2312/GB18030).

    Returns:
        A :class:`DecImportResponse`, :class:`DecResult`, :class:`DecData` or :class:`FailInfo`.

    Raises:
        DecodeError: if the bytes are not a well-formed declaration receipt (for instance a manifest response;
            use :func:`eport.edi.dec.filedrop.classify_receipt` first when the kind is unknown).
    """
    root = parse_root(data)
    name = local(root)
    if name == "DecImportResponse":
        texts = child_texts(root)
        if "ResponseCode" not in texts:
            raise DecodeError("DecImportResponse without ResponseCode", path="/DecImportResponse")
        return DecImportResponse(
            response_code=texts["ResponseCode"],
            error_message=texts.get("ErrorMessage") or None,
            client_seq_no=texts.get("ClientSeqNo") or None,
            seq_no=texts.get("SeqNo") or None,
            trn_pre_id=texts.get("TrnPreId") or None,
        )
    if name == "DEC_RESULT":
        return _build_result(child_texts(root))
    if name == "DEC_DATA":
        inner = next((c for c in root if local(c) == "DEC_RESULT"), None)
        if inner is None:
            raise DecodeError("DEC_DATA without DEC_RESULT", path="/DEC_DATA")
        info = child_texts(root).get("RESULT_INFO") or None
        return DecData(result=_build_data_result(child_texts(inner)), result_info=info)
    fail = next((el for el in root.iter() if local(el) == "failInfo"), None)
    if fail is not None:
        return FailInfo(message="".join(str(t) for t in fail.itertext()).strip())
    raise DecodeError(f"{name} is not a declaration receipt", path=f"/{name}")


__all__ = [
    "CHINA_TZ",
    "DecData",
    "DecDataResult",
    "DecImportResponse",
    "DecReceipt",
    "DecResult",
    "FailInfo",
    "parse_dec_receipt",
    "parse_notice_date",
]
