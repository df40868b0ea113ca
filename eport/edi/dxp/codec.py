"""Reading and writing the DXP envelope (the codec behind :mod:`eport.edi.dxp`).

``Key`` and ``IsText`` carry attributes next to text, which the generic model spec does not describe, so the
envelope has this small codec of its own. Reading is strict: known elements in schema order, nothing left over.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import logging
from collections.abc import Callable

from lxml import etree

from eport.edi.core.schema import DS_NS, DXP_NS, MAX_DOCUMENT_BYTES, element_path, local_name, parse
from eport.edi.dxp.models import (
    CHINA_TZ,
    AddInfo,
    BizKey,
    DxpMsg,
    DxpMsgSv,
    DxpRep,
    DxpResponse,
    DxpResult,
    Envelope,
    SvNo,
    TransInfo,
)
from eport.errors import DecodeError, UnknownMessageError

logger = logging.getLogger(__name__)

_D = f"{{{DXP_NS}}}"
_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
_NSMAP = {None: DXP_NS}


# ----------------------------------------------------------------------------------------------- encoding
def _format_datetime(value: dt.datetime) -> str:
    if value.microsecond % 1000:
        return value.isoformat(timespec="microseconds")
    return value.isoformat(timespec="milliseconds" if value.microsecond else "seconds")


def _sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    child = etree.SubElement(parent, _D + tag)
    if text is not None:
        child.text = text
    return child


def _opt(parent: etree._Element, tag: str, text: str | None) -> None:
    if text is not None:
        _sub(parent, tag, text)


def _trans_info(parent: etree._Element, tag: str, info: TransInfo) -> None:
    node = _sub(parent, tag)
    _sub(node, "CopMsgId", info.cop_msg_id)
    _sub(node, "SenderId", info.sender_id)
    receivers = _sub(node, "ReceiverIds")
    for receiver in info.receiver_ids:
        _sub(receivers, "ReceiverId", receiver)
    _sub(node, "CreatTime", _format_datetime(info.creat_time))
    _sub(node, "MsgType", info.msg_type)


def _signature(parent: etree._Element, signature: bytes | None) -> None:
    if signature is not None:
        parent.append(parse(signature))


def _msg_element(msg: DxpMsg, line_length: int | None) -> etree._Element:
    root = etree.Element(_D + "DxpMsg", nsmap=_NSMAP)  # type: ignore[arg-type]
    root.set("ver", msg.ver)
    if msg.id is not None:
        root.set("Id", msg.id)
    _trans_info(root, "TransInfo", msg.trans_info)
    text = base64.b64encode(msg.data).decode("ascii")
    if line_length:
        text = "\n".join(text[i : i + line_length] for i in range(0, len(text), line_length))
    _sub(root, "Data", text)
    if msg.add_info is not None:
        info = msg.add_info
        node = _sub(root, "AddInfo")
        _opt(node, "FileName", info.file_name)
        _opt(node, "IcCard", info.ic_card)
        if info.biz_keys:
            keys = _sub(node, "BizKey")
            for key in info.biz_keys:
                element = _sub(keys, "Key", key.value)
                if key.name is not None:
                    element.set("name", key.name)
        if info.is_text is not None:
            _sub(node, "IsText").set("Encode", info.is_text)
        _opt(node, "RecMapId", info.rec_map_id)
    _signature(root, msg.signature)
    return root


def encode_envelope(envelope: Envelope, *, line_length: int | None = None, pretty: bool = False) -> bytes:
    """Write a DXP envelope as UTF-8 XML with the DXP namespace as default namespace.

    Args:
        envelope: a :class:`DxpMsg`, :class:`DxpMsgSv` or :class:`DxpRep`.
        line_length: break the base64 ``Data`` into lines of this length (76 like MIME); one line by default.
        pretty: indent the elements (whitespace between elements only; the content is unchanged).

    Returns:
        The document bytes, with an XML declaration.
    """
    if isinstance(envelope, DxpMsg):
        root = _msg_element(envelope, line_length)
    elif isinstance(envelope, DxpMsgSv):
        root = etree.Element(_D + "DxpMsgSv", nsmap=_NSMAP)  # type: ignore[arg-type]
        root.set("ver", envelope.ver)
        if envelope.id is not None:
            root.set("Id", envelope.id)
        sv = envelope.sv_no
        node = _sub(root, "SvNo")
        node.set("Ver", sv.ver)
        _sub(node, "MsgId", sv.msg_id)
        _opt(node, "SubMsgId", sv.sub_msg_id)
        _sub(node, "SendTime", _format_datetime(sv.send_time))
        _sub(node, "EndNode", sv.end_node)
        _sub(node, "StaNode", sv.sta_node)
        root.append(_msg_element(envelope.msg, line_length))
        _signature(root, envelope.signature)
    else:
        root = etree.Element(_D + "DxpRep", nsmap=_NSMAP)  # type: ignore[arg-type]
        root.set("ver", envelope.ver)
        _sub(root, "RecevierId", envelope.recevier_id)
        _opt(root, "AdNodeId", envelope.ad_node_id)
        for response in envelope.responses:
            node = _sub(root, "Response")
            _opt(node, "NodeId", response.node_id)
            _sub(node, "ResponseCode", response.response_code)
            _opt(node, "ResponseInfo", response.response_info)
            if response.results:
                results = _sub(node, "Results")
                for result in response.results:
                    item = _sub(results, "Result")
                    _sub(item, "RecId", result.rec_id)
                    _sub(item, "Code", result.code)
                    _opt(item, "Info", result.info)
                    _opt(item, "Note", result.note)
            _sub(node, "NoticeTime", response.notice_time.isoformat())
            _opt(node, "Note", response.note)
            _trans_info(node, "OriHead", response.ori_head)
        _signature(root, envelope.signature)
    return _DECLARATION + etree.tostring(root, encoding="UTF-8", xml_declaration=False, pretty_print=pretty)


# ----------------------------------------------------------------------------------------------- decoding
class _Reader:
    """Strict reader over the children of one element: known tags in schema order, nothing left over."""

    def __init__(self, element: etree._Element) -> None:
        self.element = element
        self.children = [c for c in element if isinstance(c.tag, str)]
        self.index = 0
        stray = [(element, element.text), *((c, c.tail) for c in element)]
        for node, text in stray:  # text between the elements of a container would be lost: refuse it
            if (text or "").strip():
                raise DecodeError(
                    f"unexpected text {(text or '').strip()[:40]!r} in {local_name(element)}",
                    path=element_path(element),
                    line=_line(node),
                )

    def _peek(self, tag: str, namespace: str = DXP_NS) -> etree._Element | None:
        if self.index < len(self.children) and self.children[self.index].tag == f"{{{namespace}}}{tag}":
            return self.children[self.index]
        return None

    def optional(self, tag: str, namespace: str = DXP_NS) -> etree._Element | None:
        found = self._peek(tag, namespace)
        if found is not None:
            self.index += 1
        return found

    def required(self, tag: str) -> etree._Element:
        found = self.optional(tag)
        if found is None:
            raise DecodeError(f"missing element {tag}", path=element_path(self.element), line=_line(self.element))
        return found

    def many(self, tag: str) -> list[etree._Element]:
        found = []
        while (item := self.optional(tag)) is not None:
            found.append(item)
        return found

    def text(self, tag: str) -> str:
        return _leaf_text(self.required(tag))

    def optional_text(self, tag: str) -> str | None:
        found = self.optional(tag)
        return None if found is None else _leaf_text(found)

    def signature(self) -> bytes | None:
        found = self.optional("Signature", DS_NS)
        return None if found is None else etree.tostring(found)

    def done(self) -> None:
        if self.index < len(self.children):
            extra = self.children[self.index]
            raise DecodeError(f"unexpected element {local_name(extra)}", path=element_path(extra), line=_line(extra))


#: Attributes each DXP element may carry (all others are refused rather than dropped).
_ATTRIBUTES: dict[str, frozenset[str]] = {
    "DxpMsg": frozenset({"ver", "Id"}),
    "DxpMsgSv": frozenset({"ver", "Id"}),
    "DxpRep": frozenset({"ver"}),
    "SvNo": frozenset({"Ver"}),
    "Key": frozenset({"name"}),
    "IsText": frozenset({"Encode"}),
}
_XSI = "{http://www.w3.org/2001/XMLSchema-instance}"


def _leaf_text(element: etree._Element) -> str:
    """Text of a simple element; comments inside are skipped, an element inside is refused (it would be lost)."""
    for child in element:
        if isinstance(child.tag, str):
            raise DecodeError(
                f"unexpected element {local_name(child)} inside {local_name(element)}",
                path=element_path(child),
                line=_line(child),
            )
    return (element.text or "") + "".join(c.tail or "" for c in element)


def _check_attributes(root: etree._Element) -> None:
    """Refuse attributes the envelope does not define on DXP elements (the signature keeps its own)."""
    for element in root.iter(f"{{{DXP_NS}}}*"):
        allowed = _ATTRIBUTES.get(local_name(element), frozenset())
        for key in element.attrib:
            name = key.decode() if isinstance(key, bytes) else key
            if name not in allowed and not name.startswith(_XSI):
                raise DecodeError(
                    f"unexpected attribute {name} on {local_name(element)}",
                    path=f"{element_path(element)}/@{name}",
                    line=_line(element),
                )


def _line(element: etree._Element) -> int | None:
    line = element.sourceline
    return line if isinstance(line, int) else None


def _parse_datetime(element: etree._Element) -> dt.datetime:
    text = _leaf_text(element).strip()
    try:
        value = dt.datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    except ValueError:
        raise DecodeError(f"not an xs:dateTime: {text!r}", path=element_path(element), line=_line(element)) from None
    return value if value.tzinfo is not None else value.replace(tzinfo=CHINA_TZ)


def _parse_date(element: etree._Element) -> dt.date:
    text = _leaf_text(element).strip()
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        raise DecodeError(f"not an xs:date: {text!r}", path=element_path(element), line=_line(element)) from None


def _read_trans_info(element: etree._Element) -> TransInfo:
    reader = _Reader(element)
    cop_msg_id = reader.text("CopMsgId")
    sender_id = reader.text("SenderId")
    receivers_element = reader.required("ReceiverIds")
    receivers = _Reader(receivers_element)
    receiver_ids = tuple(_leaf_text(r) for r in receivers.many("ReceiverId"))
    receivers.done()
    creat_time = _parse_datetime(reader.required("CreatTime"))
    msg_type = reader.text("MsgType")
    reader.done()
    return TransInfo(
        cop_msg_id=cop_msg_id,
        sender_id=sender_id,
        receiver_ids=receiver_ids,
        creat_time=creat_time,
        msg_type=msg_type,
    )


def _read_msg(element: etree._Element) -> DxpMsg:
    reader = _Reader(element)
    trans_info = _read_trans_info(reader.required("TransInfo"))
    data_element = reader.required("Data")
    try:
        data = base64.b64decode("".join(_leaf_text(data_element).split()), validate=True)
    except (binascii.Error, ValueError):
        raise DecodeError(
            "Data is not valid base64", path=element_path(data_element), line=_line(data_element)
        ) from None
    add_info = None
    add_element = reader.optional("AddInfo")
    if add_element is not None:
        add = _Reader(add_element)
        file_name = add.optional_text("FileName")
        ic_card = add.optional_text("IcCard")
        keys: list[BizKey] = []
        biz = add.optional("BizKey")
        if biz is not None:
            key_reader = _Reader(biz)
            keys = [BizKey(value=_leaf_text(k), name=k.get("name")) for k in key_reader.many("Key")]
            key_reader.done()
        is_text_element = add.optional("IsText")
        rec_map_id = add.optional_text("RecMapId")
        add.done()
        add_info = AddInfo(
            file_name=file_name,
            ic_card=ic_card,
            biz_keys=tuple(keys),
            is_text=None if is_text_element is None else is_text_element.get("Encode", ""),
            rec_map_id=rec_map_id,
        )
    signature = reader.signature()
    reader.done()
    return DxpMsg(
        trans_info=trans_info,
        data=data,
        add_info=add_info,
        signature=signature,
        id=element.get("Id"),
        ver=element.get("ver", "1.0"),
    )


def _read_rep(element: etree._Element) -> DxpRep:
    reader = _Reader(element)
    recevier_id = reader.text("RecevierId")
    ad_node_id = reader.optional_text("AdNodeId")
    responses = []
    for node in reader.many("Response"):
        item = _Reader(node)
        node_id = item.optional_text("NodeId")
        code = item.text("ResponseCode")
        info = item.optional_text("ResponseInfo")
        results: list[DxpResult] = []
        results_element = item.optional("Results")
        if results_element is not None:
            results_reader = _Reader(results_element)
            for result in results_reader.many("Result"):
                r = _Reader(result)
                results.append(
                    DxpResult(
                        rec_id=r.text("RecId"), code=r.text("Code"), info=r.optional_text("Info"),
                        note=r.optional_text("Note"),
                    )
                )  # fmt: skip
                r.done()
            results_reader.done()
        notice_time = _parse_date(item.required("NoticeTime"))
        note = item.optional_text("Note")
        ori_head = _read_trans_info(item.required("OriHead"))
        item.done()
        responses.append(
            DxpResponse(
                node_id=node_id, response_code=code, response_info=info, results=tuple(results),
                notice_time=notice_time, note=note, ori_head=ori_head,
            )
        )  # fmt: skip
    if not responses:
        raise DecodeError("a DxpRep needs at least one Response", path=element_path(element))
    signature = reader.signature()
    reader.done()
    return DxpRep(
        recevier_id=recevier_id,
        ad_node_id=ad_node_id,
        responses=tuple(responses),
        signature=signature,
        ver=element.get("ver", "1.0"),
    )


def _read_sv(element: etree._Element) -> DxpMsgSv:
    reader = _Reader(element)
    sv_element = reader.required("SvNo")
    sv = _Reader(sv_element)
    sv_no = SvNo(
        msg_id=sv.text("MsgId"),
        sub_msg_id=sv.optional_text("SubMsgId"),
        send_time=_parse_datetime(sv.required("SendTime")),
        end_node=sv.text("EndNode"),
        sta_node=sv.text("StaNode"),
        ver=sv_element.get("Ver", "1.0"),
    )
    sv.done()
    msg = _read_msg(reader.required("DxpMsg"))
    signature = reader.signature()
    reader.done()
    return DxpMsgSv(sv_no=sv_no, msg=msg, signature=signature, id=element.get("Id"), ver=element.get("ver", "1.0"))


def decode_envelope(data: bytes, *, max_bytes: int = MAX_DOCUMENT_BYTES) -> Envelope:
    """Parse a ``DxpMsg``, ``DxpMsgSv`` or ``DxpRep`` document safely (no DTD, no entities, bounded size).

    Raises:
        UnknownMessageError: when the root is not a DXP envelope.
        DecodeError: when the document is not well-formed, misses required elements, has unknown ones, or
            ``Data`` is not base64.
    """
    root = parse(data, max_bytes=max_bytes)
    qname = etree.QName(root)
    if qname.namespace != DXP_NS:
        raise UnknownMessageError(f"root {{{qname.namespace or ''}}}{qname.localname} is not a DXP envelope")
    readers: dict[str, Callable[[etree._Element], Envelope]] = {
        "DxpMsg": _read_msg,
        "DxpMsgSv": _read_sv,
        "DxpRep": _read_rep,
    }
    reader = readers.get(qname.localname)
    if reader is None:
        raise UnknownMessageError(f"root dxp:{qname.localname} is not a DXP envelope (DxpMsg, DxpMsgSv, DxpRep)")
    _check_attributes(root)
    return reader(root)


__all__ = ["decode_envelope", "encode_envelope"]
