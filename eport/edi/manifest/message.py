"""The manifest message: ``Manifest`` = ``Head`` + ``Declaration`` (or ``Response`` in receipts), its message types,
head value builders and the MT9999 statement codes.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import ClassVar

import attrs

from eport.edi.core.spec import Facets, ModelSpec
from eport.edi.manifest._fields import child, children, manifest_model, text
from eport.edi.manifest.models import (
    AdditionalInformation,
    BorderTransportMeans,
    Declaration,
    Identification,
)
from eport.edi.manifest.names import NS_TEMPLATE, manifest_type
from eport.edi.manifest.road import RoadDeclaration
from eport.edi.manifest.status import StatementCode, statement_of
from eport.errors import ConfigurationError

#: Namespace of a manifest message; ``{}`` is the message type (``MT2101``).
NAMESPACE_TEMPLATE = NS_TEMPLATE

#: China Standard Time.
CHINA_TZ = dt.timezone(dt.timedelta(hours=8), "CST")

#: Message types and meanings (FORMATS.md §3.2: message-type constants of several public implementations and the
#: road enum CC002 generated from the MT1401 schema). Meanings marked [UNVERIFIED] are inferred from the number.
MESSAGE_TYPES: dict[str, str] = {
    "MT1101": "海运原始舱单 sea original manifest (import)",
    "MT1201": "空运原始舱单 air original manifest",
    "MT2101": "海运预配舱单 sea pre-loading manifest (export)",
    "MT2201": "空运预配舱单 air pre-loading manifest",
    "MT3101": "海运出口运抵报告 sea arrival report",
    "MT3102": "海运分流运抵报告",
    "MT3201": "空运出口运抵报告 air arrival report",
    "MT3202": "空运分流运抵报告",
    "MT4101": "海运出口装载舱单 sea loading manifest",
    "MT4201": "空运装载舱单 air loading manifest",
    "MT5101": "海运进口理货报告 sea import tally",
    "MT5102": "海运出口理货报告 sea export tally",
    "MT5201": "空运进口理货报告 air import tally",
    "MT5202": "空运出口理货报告 air export tally",
    "MT6101": "海运进口分流申请",
    "MT6102": "海运进口分拨申请",
    "MT6201": "空运进口分流申请",
    "MT6202": "空运进口分拨申请",
    "MT7101": "装箱清单 packing list",
    "MT8101": "海运改靠港申请 change of port",
    "MT8102": "海运落装申请 off-load",
    "MT8103": "海运落装改配申请",
    "MT8104": "海运直接改配申请",
    "MT8105": "海运国际转运准单",
    "MT8201": "空运改降申请 change of airport",
    "MT8202": "空运落装申请 off-load",
    "MT8203": "空运落装改配申请",
    "MT8204": "空运直接改配申请",
    "MT8205": "空运国际转运准单",
    "MTECIM": "空箱快速验放 (进口) empty containers, import",
    "MTECEX": "空箱快速验放 (出口) empty containers, export",
    "MT1401": "公路原始舱单 road original manifest",
    "MT1402": "公路原始舱单 (other road variant) [UNVERIFIED meaning]",
    "MT2401": "公路预配舱单 road pre-loading manifest",
    "MT2402": "公路预配舱单 (other road variant) [UNVERIFIED meaning]",
    "MT3402": "公路运抵报告 road arrival report",
    **{f"MT440{n}": "公路装载/进出境 road loading and crossing [UNVERIFIED meaning]" for n in range(1, 7)},
    "MT5401": "公路理货报告 road tally [UNVERIFIED meaning]",
    "MT5402": "公路理货报告 road tally [UNVERIFIED meaning]",
    "MT7402": "公路装箱清单 road packing list [UNVERIFIED meaning]",
    **{f"MT840{n}": "公路变更申请 road amendment requests [UNVERIFIED meaning]" for n in range(1, 5)},
    "MT9999": "指令通知/回执 response",
}


def is_road(message_type: str | None) -> bool:
    """True for road (公路) message types, ``MTx4yy`` (MT1401, MT2401, MT3402 …): their body has the MT1401 order."""
    return bool(re.fullmatch(r"MT[0-9]4[0-9]{2}", message_type or ""))


#: ``Head/FunctionCode`` values (CN010): 9 original, 2 add, 3 delete; 5 and 11 exist with unconfirmed meanings.
FUNCTION_CODES: dict[str, str] = {
    "9": "原始申报 original declaration",
    "2": "增加 add",
    "3": "删除 delete",
    "5": "变更 change [UNVERIFIED]",
    "11": "[UNVERIFIED meaning]",
}


def namespace_for(message_type: str) -> str:
    """``urn:Declaration:datamodel:standard:CN:MT2101:1`` for ``MT2101``.

    Raises:
        ConfigurationError: if ``message_type`` is not of the form ``MTxxxx``.
    """
    if not re.fullmatch(r"MT[0-9A-Z]{4}", message_type or ""):
        raise ConfigurationError(f"message type {message_type!r} is not of the form MTxxxx")
    return NAMESPACE_TEMPLATE.format(message_type)


def message_type_of_namespace(namespace: str | None) -> str | None:
    """``MT2101`` for ``urn:Declaration:datamodel:standard:CN:MT2101:1``; ``None`` for another namespace."""
    return manifest_type(namespace, "Manifest")


def sender_id(customs_code: str, organization_code: str, dxp_id: str | None = None) -> str:
    """Build ``Head/SenderID``: 4-digit customs code (关区) + 9-character organisation code (+ ``_`` DXP id).

    Raises:
        ConfigurationError: for a malformed part.
    """
    if not re.fullmatch(r"[0-9]{4}", customs_code):
        raise ConfigurationError(f"customs code {customs_code!r} must be 4 digits (e.g. 4201)")
    if not re.fullmatch(r"[0-9A-Z]{9}", organization_code):
        raise ConfigurationError(f"organisation code {organization_code!r} must be 9 characters (组织机构代码)")
    base = customs_code + organization_code
    if dxp_id:
        if not re.fullmatch(r"[0-9A-Za-z_@]{1,60}", dxp_id):
            raise ConfigurationError(f"DXP id {dxp_id!r} has unexpected characters")
        return f"{base}_{dxp_id}"
    return base


def send_time(when: dt.datetime) -> str:
    """Format ``Head/SendTime`` as ``YYYYMMDDHHmmssfff`` in China time (naive values are taken as China time)."""
    if when.tzinfo is not None:
        when = when.astimezone(CHINA_TZ)
    return when.strftime("%Y%m%d%H%M%S") + f"{when.microsecond // 1000:03d}"


def parse_send_time(value: str) -> dt.datetime:
    """Parse ``YYYYMMDDHHmmssfff`` as an aware China-time datetime.

    Raises:
        ConfigurationError: if the value is not 17 digits of a real time.
    """
    if not re.fullmatch(r"[0-9]{17}", value or ""):
        raise ConfigurationError(f"SendTime {value!r} must be 17 digits YYYYMMDDHHmmssfff")
    try:
        base = dt.datetime.strptime(value[:14], "%Y%m%d%H%M%S")
    except ValueError:
        raise ConfigurationError(f"SendTime {value!r} is not a real date and time") from None
    return base.replace(microsecond=int(value[14:]) * 1000, tzinfo=CHINA_TZ)


def message_id(message_type: str, sender: str, when: dt.datetime, *, version: str = "1p0") -> str:
    """Build a ``Head/MessageID`` the way samples do: ``CN_<type>_<version>_<SenderID>_<SendTime>``.

    Example: ``CN_MT2101_1p0_4201101115245_20180903113640022``.
    """
    return f"CN_{message_type}_{version}_{sender}_{send_time(when)}"


#: Pattern of message ids as samples write them (rules warn when an id does not follow it).
MESSAGE_ID_PATTERN = re.compile(r"^CN_(MT[0-9A-Z]{4})_\d+p\d+_([0-9A-Za-z_@]+)_(\d{17})$")


@manifest_model("Head")
@attrs.frozen(kw_only=True)
class Head:
    """``Head`` 报文头."""

    __eport_spec__: ClassVar[ModelSpec]
    message_id: str | None = text("MessageID", "报文编号", Facets(max_length=70))
    function_code: str | None = text("FunctionCode", "报文功能代码")
    message_type: str | None = text("MessageType", "报文类型代码")
    sender_id: str | None = text("SenderID", "发送方代码")
    receiver_id: str | None = text("ReceiverID", "接收方代码")
    send_time: str | None = text("SendTime", "发送时间 YYYYMMDDHHmmssfff")
    version: str | None = text("Version", "报文版本号", default="1.0")


@manifest_model("Consignment")
@attrs.frozen(kw_only=True)
class ResponseConsignment:
    """``Response/Consignment``: the B/L a statement is about.

    Order AdditionalInformation, then TransportContractDocument, as code generated from the response schema has it
    (FORMATS.md §3.5).
    """

    __eport_spec__: ClassVar[ModelSpec]
    additional_information: AdditionalInformation | None = child("AdditionalInformation", AdditionalInformation, "回执")
    transport_contract_document: Identification | None = child("TransportContractDocument", Identification, "提(运)单")

    @property
    def statement(self) -> StatementCode | None:
        """The statement code as :class:`StatementCode` (``None`` if absent or unknown)."""
        return statement_of(self.additional_information)


@manifest_model("ResponseType")
@attrs.frozen(kw_only=True)
class ResponseType:
    """``Response/ResponseType``: Code and Text (seen in one implementation's extension)."""

    __eport_spec__: ClassVar[ModelSpec]
    code: str | None = text("Code", "处理结果代码")
    text: str | None = text("Text", "处理结果")


@manifest_model("Response")
@attrs.frozen(kw_only=True)
class Response:
    """``Response`` 回执 of MT9999: the statement about the whole message and about each B/L."""

    __eport_spec__: ClassVar[ModelSpec]
    id: str | None = text("ID", "舱单编号")
    additional_information: AdditionalInformation | None = child("AdditionalInformation", AdditionalInformation, "回执")
    border_transport_means: BorderTransportMeans | None = child(
        "BorderTransportMeans", BorderTransportMeans, "运输工具"
    )
    consignment: tuple[ResponseConsignment, ...] = children("Consignment", ResponseConsignment, "提(运)单回执")
    response_type: ResponseType | None = child("ResponseType", ResponseType)

    @property
    def statement(self) -> StatementCode | None:
        """The message-level statement code, ``None`` if absent or unknown."""
        return statement_of(self.additional_information)


@manifest_model("Manifest", doc="舱单报文")
@attrs.frozen(kw_only=True)
class Manifest:
    """A manifest message: ``Head`` plus a ``Declaration`` (sea/air or road) or a ``Response`` (MT9999).

    Encode and decode with :func:`eport.edi.manifest.encode_manifest` / :func:`decode_manifest`.
    """

    __eport_spec__: ClassVar[ModelSpec]
    head: Head = child("Head", Head, "报文头", required=True)
    declaration: Declaration | RoadDeclaration | None = child("Declaration", Declaration, "报文体")
    response: Response | None = child("Response", Response, "回执")

    @property
    def message_type(self) -> str | None:
        """``Head/MessageType`` (``MT2101``)."""
        return self.head.message_type

    @property
    def namespace(self) -> str:
        """The message's namespace, from ``Head/MessageType``.

        Raises:
            ConfigurationError: when the head has no valid message type.
        """
        return namespace_for(self.head.message_type or "")


__all__ = [
    "CHINA_TZ",
    "FUNCTION_CODES",
    "MESSAGE_ID_PATTERN",
    "MESSAGE_TYPES",
    "NAMESPACE_TEMPLATE",
    "Head",
    "Manifest",
    "Response",
    "ResponseConsignment",
    "ResponseType",
    "StatementCode",
    "is_road",
    "message_id",
    "message_type_of_namespace",
    "namespace_for",
    "parse_send_time",
    "send_time",
    "sender_id",
    "statement_of",
]
