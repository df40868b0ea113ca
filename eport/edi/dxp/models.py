"""The DXP transport envelope's models (namespace ``http://www.chinaport.gov.cn/dxp``), :func:`wrap` and
:func:`message_type_of`; the package :mod:`eport.edi.dxp` adds the codec.

* :class:`DxpMsg` (终端节点报文, terminal node): a business message (CEB…, DecMessage, manifest) base64-encoded in
  ``Data``, with routing in ``TransInfo``, optional ``AddInfo`` and an optional enveloped ``ds:Signature`` slot.
* :class:`DxpMsgSv` (传输节点报文, transfer node): a ``DxpMsg`` under a ``SvNo`` routing head, written by
  third-party transfer platforms.
* :class:`DxpRep` (交换平台响应报文): the exchange platform's response, with four-digit codes of spec table 7-1.

:func:`wrap` builds an envelope around message bytes, :func:`unwrap` returns the payload of a ``DxpMsg`` or
``DxpMsgSv``. :func:`decode_envelope` parses any of the three roots; :func:`encode_envelope` writes them. The
envelope has its own small codec (``Key`` and ``IsText`` carry attributes next to text, which the generic
model spec does not describe); every model still carries an ``__eport_spec__`` so validation, notebooks and
DataFrames work on envelopes too.

Base64 in ``Data`` may be broken across lines (as real AS3 captures are): whitespace is ignored when reading.
This module is pure: no I/O.
"""

from __future__ import annotations

import codecs
import datetime as dt
import importlib
import logging
import re
import uuid
from typing import Any, ClassVar

import attrs

from eport.edi.codes.errors import ErrorCode, error_code
from eport.edi.core import registry
from eport.edi.core.schema import DS_NS, DXP_NS
from eport.edi.core.spec import AttributeSpec, Facets, FieldSpec, ModelSpec, ValueKind
from eport.errors import ConfigurationError, DecodeError

logger = logging.getLogger(__name__)

#: China Standard Time, assumed for ``xs:dateTime`` values written without an offset.
CHINA_TZ = dt.timezone(dt.timedelta(hours=8), "CST")


def _field(name: str, tag: str, kind: ValueKind = ValueKind.STRING, **kwargs: object) -> FieldSpec:
    return FieldSpec(name=name, tag=tag, kind=kind, **kwargs)  # type: ignore[arg-type]


def _len(low: int | None, high: int | None) -> Facets:
    return Facets(min_length=low, max_length=high)


def _codec() -> Any:
    """The envelope codec, late-bound: it builds on these models, so this module does not import it."""
    return importlib.import_module("eport.edi.dxp.codec")


@attrs.frozen(kw_only=True)
class TransInfo:
    """Routing head of a ``DxpMsg`` (客户端节点), also echoed as ``OriHead`` in a ``DxpRep``.

    Attributes:
        cop_msg_id: the sender's own unique message id (原始报文id), 1..255 characters.
        sender_id: DXP id of the sender (发送方id), e.g. ``DXPENT0000016069``.
        receiver_ids: DXP ids of the receivers (接收方id), one to five.
        creat_time: creation time (原始报文创建时间), timezone-aware.
        msg_type: message type agreed by both parties (报文类型), e.g. ``CEB621Message``.
    """

    __eport_spec__: ClassVar[ModelSpec]

    cop_msg_id: str
    sender_id: str
    receiver_ids: tuple[str, ...]
    creat_time: dt.datetime
    msg_type: str


@attrs.frozen(kw_only=True)
class BizKey:
    """One business key (``AddInfo/BizKey/Key``, 业务关键字): ``value`` with an optional ``name``."""

    __eport_spec__: ClassVar[ModelSpec]

    value: str
    name: str | None = None


@attrs.frozen(kw_only=True)
class AddInfo:
    """Optional extra information of a ``DxpMsg``.

    Attributes:
        file_name: original file name (原始报文名).
        ic_card: IC card number (ic卡号), up to 13 characters.
        biz_keys: up to five business keys (业务关键字).
        is_text: charset of a text payload (``IsText@Encode``, 文本标识); ``None`` when the payload is binary.
        rec_map_id: receiver mapping id (接收方报文转换ID).
    """

    __eport_spec__: ClassVar[ModelSpec]

    file_name: str | None = None
    ic_card: str | None = None
    biz_keys: tuple[BizKey, ...] = ()
    is_text: str | None = None
    rec_map_id: str | None = None


@attrs.frozen(kw_only=True)
class DxpMsg:
    """The terminal-node envelope (客户端传输报文).

    Attributes:
        trans_info: routing head.
        data: the payload bytes (the business XML), written base64-encoded in ``Data``.
        add_info: optional extra information.
        signature: raw XML of an enveloped ``ds:Signature`` over the envelope, if any.
        id: the optional ``Id`` attribute (an ``xs:ID``: not empty, not starting with a digit), the target of a
            signature reference.
        ver: the fixed version ``1.0``.
    """

    __eport_spec__: ClassVar[ModelSpec]

    trans_info: TransInfo
    data: bytes = attrs.field(repr=lambda d: f"<{len(d)} bytes>")
    add_info: AddInfo | None = None
    signature: bytes | None = attrs.field(default=None, repr=lambda s: "None" if s is None else "<signature>")
    id: str | None = None
    ver: str = "1.0"

    @property
    def text(self) -> str:
        """The payload decoded with the charset of ``AddInfo/IsText`` (UTF-8 when not stated)."""
        encoding = (self.add_info.is_text if self.add_info else None) or "UTF-8"
        try:
            return self.data.decode(encoding)
        except (LookupError, UnicodeDecodeError) as exc:
            raise DecodeError(f"payload is not text in {encoding}: {exc}") from None

    def to_bytes(self, *, line_length: int | None = None, pretty: bool = False) -> bytes:
        """Write the envelope as UTF-8 XML; see :func:`encode_envelope`."""
        return bytes(_codec().encode_envelope(self, line_length=line_length, pretty=pretty))

    @classmethod
    def from_bytes(cls, data: bytes) -> DxpMsg:
        """Parse a ``DxpMsg`` document.

        Raises:
            DecodeError: when the bytes are not a well-formed ``DxpMsg``.
        """
        envelope = _codec().decode_envelope(data)
        if not isinstance(envelope, DxpMsg):
            raise DecodeError(f"expected a DxpMsg, got {type(envelope).__name__}")
        return envelope


@attrs.frozen(kw_only=True)
class SvNo:
    """Routing head of a transfer-node envelope (服务器节点), generated by the transfer nodes.

    Attributes:
        msg_id: unique id on the exchange platform: 8-digit node id + ``yyyymmddhh24miss`` + 10-digit sequence.
        sub_msg_id: one character, numbering the copies split per receiver.
        send_time: processing time (报文处理时间).
        end_node: destination node (报文目的服务器节点), up to 8 characters.
        sta_node: entry node (报文接入服务器节点), up to 8 characters.
        ver: the fixed version ``1.0``.
    """

    __eport_spec__: ClassVar[ModelSpec]

    msg_id: str
    sub_msg_id: str | None = None
    send_time: dt.datetime
    end_node: str
    sta_node: str
    ver: str = "1.0"


@attrs.frozen(kw_only=True)
class DxpMsgSv:
    """The transfer-node envelope (服务器传输报文): a :class:`DxpMsg` with a :class:`SvNo` head."""

    __eport_spec__: ClassVar[ModelSpec]

    sv_no: SvNo
    msg: DxpMsg
    signature: bytes | None = attrs.field(default=None, repr=lambda s: "None" if s is None else "<signature>")
    id: str | None = None
    ver: str = "1.0"

    def to_bytes(self, *, line_length: int | None = None, pretty: bool = False) -> bytes:
        """Write the envelope as UTF-8 XML; see :func:`encode_envelope`."""
        return bytes(_codec().encode_envelope(self, line_length=line_length, pretty=pretty))


@attrs.frozen(kw_only=True)
class DxpResult:
    """Result for one receiver in a :class:`DxpResponse` (``Results/Result``)."""

    __eport_spec__: ClassVar[ModelSpec]

    rec_id: str
    code: str
    info: str | None = None
    note: str | None = None


@attrs.frozen(kw_only=True)
class DxpResponse:
    """One ``Response`` of a :class:`DxpRep`.

    Attributes:
        node_id: id of the node that produced the response (产生错误回执的节点id).
        response_code: processing code (报文处理响应码); four-digit codes are in spec table 7-1.
        response_info: response text (报文响应信息).
        results: per-receiver results (每个接收者的处理回执内容).
        notice_time: date the response was produced (回执产生时间).
        note: remark (备注).
        ori_head: the ``TransInfo`` of the message this responds to.
    """

    __eport_spec__: ClassVar[ModelSpec]

    node_id: str | None = None
    response_code: str
    response_info: str | None = None
    results: tuple[DxpResult, ...] = ()
    notice_time: dt.date
    note: str | None = None
    ori_head: TransInfo

    @property
    def error(self) -> ErrorCode | None:
        """The table 7-1 entry of ``response_code``, or ``None`` for success codes (``0000`` and other zeros)."""
        try:
            if int(self.response_code) == 0:
                return None
        except ValueError:
            pass
        return error_code(self.response_code)


@attrs.frozen(kw_only=True)
class DxpRep:
    """The exchange platform's response (交换平台响应报文). ``recevier_id`` keeps the schema's spelling."""

    __eport_spec__: ClassVar[ModelSpec]

    recevier_id: str
    ad_node_id: str | None = None
    responses: tuple[DxpResponse, ...]
    signature: bytes | None = attrs.field(default=None, repr=lambda s: "None" if s is None else "<signature>")
    ver: str = "1.0"


Envelope = DxpMsg | DxpMsgSv | DxpRep


def _repr_html(self: object) -> str:
    """Jupyter rendering (:func:`eport.edi.notebook.render_html`)."""
    return str(importlib.import_module("eport.edi.notebook").render_html(self))


DxpMsg._repr_html_ = _repr_html  # type: ignore[attr-defined]
DxpMsgSv._repr_html_ = _repr_html  # type: ignore[attr-defined]
DxpRep._repr_html_ = _repr_html  # type: ignore[attr-defined]

_SIGNATURE = FieldSpec(
    name="signature", tag="Signature", kind=ValueKind.XML, min_occurs=0, namespace=DS_NS, doc="数字签名"
)
_VER = AttributeSpec(name="ver", tag="ver", required=True, default="1.0")
_ID = AttributeSpec(name="id", tag="Id", doc="xs:ID, signature reference target")


def _spec(tag: str, fields: tuple[FieldSpec, ...], doc: str, attributes: tuple[AttributeSpec, ...] = ()) -> ModelSpec:
    return ModelSpec(
        tag=tag, namespace=DXP_NS, fields=fields, attributes=attributes, prefix=None, doc=doc, family="dxp"
    )


TransInfo.__eport_spec__ = _spec(
    "TransInfo",
    (
        _field("cop_msg_id", "CopMsgId", facets=_len(1, 255), doc="原始报文id"),
        _field("sender_id", "SenderId", facets=_len(1, 16), doc="发送方id"),
        _field("receiver_ids", "ReceiverId", max_occurs=5, facets=_len(1, 16), doc="接收方id"),
        _field("creat_time", "CreatTime", doc="原始报文创建时间"),
        _field("msg_type", "MsgType", facets=_len(0, 30), doc="报文类型"),
    ),
    "客户端节点",
)
BizKey.__eport_spec__ = _spec(
    "Key",
    (_field("value", "Key", facets=_len(1, 64), doc="业务关键字"),),
    "业务关键字",
    (AttributeSpec(name="name", tag="name", facets=_len(1, 32)),),
)
AddInfo.__eport_spec__ = _spec(
    "AddInfo",
    (
        _field("file_name", "FileName", min_occurs=0, facets=_len(1, 255), doc="原始报文名"),
        _field("ic_card", "IcCard", min_occurs=0, facets=_len(1, 13), doc="ic卡号"),
        _field("biz_keys", "BizKey", ValueKind.MODEL, min_occurs=0, max_occurs=5, model=BizKey, doc="业务关键字"),
        _field("is_text", "IsText", min_occurs=0, facets=_len(None, 50), doc="文本标识节点（字符集）"),
        _field("rec_map_id", "RecMapId", min_occurs=0, doc="接收方报文转换ID"),
    ),
    "附加信息",
)
DxpMsg.__eport_spec__ = _spec(
    "DxpMsg",
    (
        _field("trans_info", "TransInfo", ValueKind.MODEL, model=TransInfo, doc="客户端节点"),
        _field("data", "Data", doc="待传输数据 (base64)"),
        _field("add_info", "AddInfo", ValueKind.MODEL, min_occurs=0, model=AddInfo, doc="附加信息"),
        _SIGNATURE,
    ),
    "客户端传输报文",
    (_VER, _ID),
)
SvNo.__eport_spec__ = _spec(
    "SvNo",
    (
        _field("msg_id", "MsgId", facets=_len(1, 32), doc="报文在交换平台的唯一id号"),
        _field("sub_msg_id", "SubMsgId", min_occurs=0, facets=Facets(length=1), doc="分拆报文的报文id"),
        _field("send_time", "SendTime", doc="报文处理时间"),
        _field("end_node", "EndNode", facets=_len(1, 8), doc="报文目的服务器节点"),
        _field("sta_node", "StaNode", facets=_len(1, 8), doc="报文接入服务器节点"),
    ),
    "服务器节点",
    (AttributeSpec(name="ver", tag="Ver", required=True, default="1.0", doc="服务器节点版本"),),
)
DxpMsgSv.__eport_spec__ = _spec(
    "DxpMsgSv",
    (
        _field("sv_no", "SvNo", ValueKind.MODEL, model=SvNo, doc="服务器节点"),
        _field("msg", "DxpMsg", ValueKind.MODEL, model=DxpMsg, doc="客户端传输报文"),
        _SIGNATURE,
    ),
    "服务器传输报文",
    (_VER, _ID),
)
DxpResult.__eport_spec__ = _spec(
    "Result",
    (
        _field("rec_id", "RecId", facets=_len(1, 16), doc="接收方id"),
        _field("code", "Code", facets=_len(1, 9), doc="处理结果代码"),
        _field("info", "Info", min_occurs=0, facets=_len(None, 300), doc="处理结果信息"),
        _field("note", "Note", min_occurs=0, facets=_len(None, 500), doc="备注"),
    ),
    "接收者处理回执",
)
DxpResponse.__eport_spec__ = _spec(
    "Response",
    (
        _field("node_id", "NodeId", min_occurs=0, facets=_len(1, 8), doc="产生错误回执的节点id"),
        _field("response_code", "ResponseCode", facets=_len(1, 9), doc="报文处理响应码"),
        _field("response_info", "ResponseInfo", min_occurs=0, facets=_len(None, 300), doc="报文响应信息"),
        _field("results", "Result", ValueKind.MODEL, min_occurs=0, max_occurs=None, model=DxpResult, doc="处理回执"),
        _field("notice_time", "NoticeTime", doc="回执产生时间"),
        _field("note", "Note", min_occurs=0, facets=_len(None, 500), doc="备注"),
        _field("ori_head", "OriHead", ValueKind.MODEL, model=TransInfo, doc="原始报文头"),
    ),
    "响应",
)
DxpRep.__eport_spec__ = _spec(
    "DxpRep",
    (
        _field("recevier_id", "RecevierId", facets=_len(1, 16), doc="接收方id"),
        _field("ad_node_id", "AdNodeId", min_occurs=0, facets=_len(1, 8), doc="归属节点"),
        _field("responses", "Response", ValueKind.MODEL, max_occurs=None, model=DxpResponse, doc="响应"),
        _SIGNATURE,
    ),
    "交换平台响应报文",
    (_VER,),
)


# ----------------------------------------------------------------------------------------------- building
_ROOT_RE = re.compile(rb"<(?:[\w.-]+:)?([A-Za-z][\w.-]*)[\s/>]")
_NS_DECL_RE = re.compile(rb"""xmlns(?::[\w.-]+)?\s*=\s*["']([^"']*)["']""")


def message_type_of(payload: bytes) -> str:
    """Guess ``MsgType`` from the payload: the root element name (``CEB621Message``, ``DecMessage``) or, for a
    manifest (舱单), its message type from the namespace (``MT2101``); ``""`` if not found.

    The manifest rule follows public integrations that send manifests with ``MsgType`` = the MT code; it is not
    verified against E-Port. Pass ``msg_type`` to :func:`wrap` to override it.
    """
    head = re.sub(rb"<\?.*?\?>|<!--.*?-->", b"", payload[:4096], flags=re.S)
    match = _ROOT_RE.search(head)
    if match is None:
        return ""
    root = match.group(1).decode("ascii", "replace")[:30]
    for namespace in _NS_DECL_RE.findall(head):  # a family may name the message by its namespace (manifests)
        name = registry.message_name(namespace.decode("utf-8", "replace"), root)
        if name != root:
            return name
    return root


#: ``wrap(encoding=DECLARED)``: label the payload with the charset it declares (the default).
DECLARED = "declared"

_ENCODING_DECL_RE = re.compile(rb"""^<\?xml\s[^>]*?\bencoding\s*=\s*["']([^"']{1,50})["']""")
_BOMS = ((codecs.BOM_UTF8, "UTF-8"), (codecs.BOM_UTF16_LE, "UTF-16"), (codecs.BOM_UTF16_BE, "UTF-16"))
#: What software that declares GB2312 or GBK often writes instead (a name with 堃, 喆, 珺 is GBK, not GB2312).
_WIDER = {"gb2312": ("GBK", "GB18030"), "gbk": ("GB18030",)}
#: Charsets in which pure ASCII bytes are the same text (no decoding needed to know the payload is readable).
_ASCII_SAFE = frozenset({"utf-8", "gb2312", "gbk", "gb18030", "ascii", "latin-1", "iso8859-1", "cp1252", "big5"})


def declared_charset(payload: bytes) -> str | None:
    """The charset ``payload`` declares: its byte-order mark, else the ``encoding`` of its XML declaration; ``None``
    when it declares none (XML then reads it as UTF-8)."""
    for bom, name in _BOMS:
        if payload.startswith(bom):
            return name
    match = _ENCODING_DECL_RE.match(payload[:512])
    return match.group(1).decode("ascii", "replace") if match else None


def _codec_name(name: str) -> str:
    try:
        return codecs.lookup(name).name
    except LookupError:
        raise ConfigurationError(f"unknown charset {name!r}: cannot say which text the payload is") from None


def text_charset(payload: bytes, encoding: str = DECLARED) -> str:
    """The charset to write in ``AddInfo/IsText@Encode`` for a text payload (the schema requires the real one).

    Args:
        payload: the business message bytes.
        encoding: :data:`DECLARED` for the charset the payload declares (UTF-8 when it declares none), or the
            caller's charset, which must agree with a declaration.

    The bytes must be text in that charset. A payload declared GB2312 whose bytes are GBK (or GB18030), as other
    software writes them, is labelled GBK (GB18030): the label says how to read the bytes.

    Raises:
        ConfigurationError: an unknown charset, a charset that contradicts the declaration, or bytes that are not
            text in the charset (a binary payload is wrapped with ``encoding=None``).
    """
    declared = declared_charset(payload)
    label = (declared or "UTF-8") if encoding == DECLARED else encoding
    name = _codec_name(label)
    if declared is not None and encoding != DECLARED and _codec_name(declared) != name:
        raise ConfigurationError(f"the payload declares {declared}, not {encoding}: the label would be wrong")
    if len(label) > 50:
        raise ConfigurationError(f"charset name longer than 50 characters (IsText@Encode): {label[:60]!r}")
    if payload.isascii() and name in _ASCII_SAFE:
        return label.upper()
    try:
        payload.decode(name)
    except UnicodeDecodeError as exc:
        for wider in _WIDER.get(name, ()):
            try:
                payload.decode(wider)
            except UnicodeDecodeError:
                continue
            return wider
        raise ConfigurationError(
            f"payload is not {label.upper()} text (byte {exc.start}: {exc.reason})"
            + ("" if declared else "; it declares no encoding, so XML reads it as UTF-8")
        ) from None
    return label.upper()


def wrap(
    payload: bytes,
    *,
    sender_id: str,
    receiver_ids: tuple[str, ...] | list[str] | str,
    msg_type: str | None = None,
    cop_msg_id: str | None = None,
    created: dt.datetime | None = None,
    file_name: str | None = None,
    ic_card: str | None = None,
    biz_keys: tuple[BizKey, ...] = (),
    encoding: str | None = DECLARED,
    id: str | None = None,
) -> DxpMsg:
    """Wrap a business message in a :class:`DxpMsg`.

    Args:
        payload: the business XML (already signed where the message type requires it).
        sender_id: your DXP id (``DXPENT…``), 1..16 characters.
        receiver_ids: one to five receiver DXP ids (for CEB the customs receiver agreed with E-Port).
        msg_type: ``MsgType``; by default the payload's root name (``CEB621Message``).
        cop_msg_id: your unique message id; by default the sender id + a UUID without dashes.
        created: ``CreatTime``; by default now in China Standard Time. Naive values are taken as CST.
        file_name: optional ``AddInfo/FileName``.
        ic_card: optional ``AddInfo/IcCard``.
        biz_keys: optional ``AddInfo/BizKey`` entries.
        encoding: charset written in ``AddInfo/IsText`` (文本标识: the schema requires the payload's real charset);
            by default the one the payload declares (:func:`text_charset`: its BOM or XML declaration, UTF-8 when
            it declares none; a GB2312 declaration over GBK bytes is labelled GBK). The bytes are carried as they
            are. ``None`` marks a binary payload (no ``IsText``).
        id: optional ``Id`` attribute, the reference target of an envelope signature.

    Returns:
        The envelope; write it with :meth:`DxpMsg.to_bytes`.

    Raises:
        ConfigurationError: for an empty payload, no or more than five receivers, an over-long id, or a text
            payload whose bytes are not text in its charset (or a given charset that contradicts its declaration).
    """
    receivers = (receiver_ids,) if isinstance(receiver_ids, str) else tuple(receiver_ids)
    if not payload:
        raise ConfigurationError("cannot wrap an empty payload")
    if not 1 <= len(receivers) <= 5:
        raise ConfigurationError(f"a DxpMsg takes 1 to 5 receivers (ReceiverId), got {len(receivers)}")
    for name, value in [("sender_id", sender_id), *(("receiver_id", r) for r in receivers)]:
        if not 1 <= len(value) <= 16:
            raise ConfigurationError(f"{name} must be 1..16 characters (DXP id), got {value!r}")
    if id is not None and not re.fullmatch(r"[A-Za-z_][\w.-]*", id):
        raise ConfigurationError(f"Id must be an xs:ID (a name not starting with a digit), got {id!r}")
    if created is None:
        now = dt.datetime.now(CHINA_TZ)
        created = now.replace(microsecond=now.microsecond // 1000 * 1000)
    when = created
    if when.tzinfo is None:
        when = when.replace(tzinfo=CHINA_TZ)
    if encoding is not None:
        try:
            encoding = text_charset(payload, encoding)
        except ConfigurationError as exc:
            raise ConfigurationError(f"{exc} (wrap a binary payload with encoding=None)") from None
    add_info = None
    if file_name or ic_card or biz_keys or encoding:
        add_info = AddInfo(file_name=file_name, ic_card=ic_card, biz_keys=biz_keys, is_text=encoding)
    return DxpMsg(
        trans_info=TransInfo(
            cop_msg_id=cop_msg_id or f"{sender_id}{uuid.uuid4().hex.upper()}",
            sender_id=sender_id,
            receiver_ids=receivers,
            creat_time=when,
            msg_type=msg_type if msg_type is not None else message_type_of(payload),
        ),
        data=payload,
        add_info=add_info,
        id=id,
    )


__all__ = [
    "CHINA_TZ",
    "DECLARED",
    "AddInfo",
    "BizKey",
    "DxpMsg",
    "DxpMsgSv",
    "DxpRep",
    "DxpResponse",
    "DxpResult",
    "Envelope",
    "SvNo",
    "TransInfo",
    "declared_charset",
    "message_type_of",
    "text_charset",
    "wrap",
]
