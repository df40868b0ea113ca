"""Write the test documents of ``tests/edi/data/writers/``: customs messages in the layouts other programs write.

eport must read what other software writes, not only what it writes itself. Each document here reproduces the
*layout* of one kind of writer that produces declarations (报关单 ``DecMessage``) and road manifests (公路舱单) in
the field: a .NET ``XmlSerializer`` (byte-order mark, ``xmlns:xsd``/``xmlns:xsi`` declarations, ``<X />`` for every
empty property), Python's ``xml.etree.ElementTree`` (single-quoted XML declaration, ``str(None)`` written as text),
the regional pre-2018 ``ImportMessage/SWImpData`` envelope around a ``DecMessage`` without namespace in the order of
the paper form, an XML editor's generated sample edited by hand, and a developer's notes file holding a
``DecImportResponse`` and the ``DxpMsg`` that carried it. The structure follows the message formats (the DecMessage
and manifest models of :mod:`eport.edi`); every value is invented (no real company, person, vehicle or number).

The documents are committed; ``tests/edi/test_writer_documents.py`` checks that this script still writes exactly
them. Run from the repository root::

    .venv/bin/python tools/make_writer_documents.py [--check]
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import io
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "edi" / "data" / "writers"
DEC_NS = "http://www.chinaport.gov.cn/dec"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XSD = "http://www.w3.org/2001/XMLSchema"
BOM = "\ufeff"


# --------------------------------------------------------------------------------------------- a tiny XML tree
@dataclass
class Node:
    """One element: tag, attributes in writing order, text, children."""

    tag: str
    text: str | None = None
    children: list[Node] = field(default_factory=list)
    attrs: list[tuple[str, str]] = field(default_factory=list)


def node(tag: str, text: object = None, *children: Node, **attrs: str) -> Node:
    """An element; ``text`` ``None`` means an empty element."""
    return Node(tag, None if text is None else str(text), list(children), list(attrs.items()))


def _escape(text: str, *, attribute: bool = False) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace('"', "&quot;") if attribute else text


def serialize(root: Node, *, indent: str, empty: str, newline: str = "\n") -> str:
    """Indented XML text: one element per line, ``empty`` closes an element without content (``" />"``/``"/>"``)."""
    lines: list[str] = []

    def walk(n: Node, level: int) -> None:
        pad = indent * level
        attrs = "".join(f' {k}="{_escape(v, attribute=True)}"' for k, v in n.attrs)
        if n.children:
            lines.append(f"{pad}<{n.tag}{attrs}>")
            for child in n.children:
                walk(child, level + 1)
            lines.append(f"{pad}</{n.tag}>")
        elif n.text is None or n.text == "":
            lines.append(f"{pad}<{n.tag}{attrs}{empty}")
        else:
            lines.append(f"{pad}<{n.tag}{attrs}>{_escape(n.text)}</{n.tag}>")

    walk(root, 0)
    return newline.join(lines)


def dotnet(root: Node, *, bom: bool, xsd_first: bool) -> bytes:
    """What .NET ``XmlSerializer`` writes: ``encoding="utf-8"``, both schema namespaces declared, ``<X />``."""
    pair = [("xmlns:xsd", XSD), ("xmlns:xsi", XSI)]
    root.attrs = (pair if xsd_first else pair[::-1]) + root.attrs
    text = '<?xml version="1.0" encoding="utf-8"?>\n' + serialize(root, indent="  ", empty=" />")
    return ((BOM if bom else "") + text).encode("utf-8")


def xmlspy(root: Node, comment: str) -> bytes:
    """An XML editor's generated sample: BOM, ``encoding="UTF-8"``, its comment, tab indentation, ``<X/>``."""
    text = f'<?xml version="1.0" encoding="UTF-8"?>\n<!--{comment}-->\n' + serialize(root, indent="\t", empty="/>")
    return (BOM + text + "\n").encode("utf-8")


def elementtree(root: Node, *, indent: str, namespace: str | None) -> bytes:
    """What ``xml.etree.ElementTree`` writes for the same tree (``ET.indent``, ``xml_declaration=True``)."""

    def build(n: Node, parent: ET.Element | None) -> ET.Element:
        tag = n.tag if namespace is None or ":" in n.tag else f"{{{namespace}}}{n.tag}"
        el = ET.Element(tag) if parent is None else ET.SubElement(parent, tag)
        for k, v in n.attrs:
            if not k.startswith("xmlns"):  # ElementTree declares the namespaces it uses by itself
                el.set(k.replace("xsi:", f"{{{XSI}}}"), v)
        el.text = n.text or None
        for child in n.children:
            build(child, el)
        return el

    ET.register_namespace("xsi", XSI)
    if namespace is not None:
        ET.register_namespace("", namespace)
    tree = ET.ElementTree(build(root, None))
    ET.indent(tree, space=indent)
    sink = io.BytesIO()
    tree.write(sink, encoding="utf-8", xml_declaration=True)
    return sink.getvalue() + b"\n"


# ------------------------------------------------------------------------------------- declarations (报关单)
def _names(text: str) -> list[str]:
    return text.split()


#: DecHead, DecList and DecSign elements in today's order (the DecMessage structure; eport.edi.dec models).
HEAD_ORDER = _names(
    "SeqNo IEFlag Type AgentCode AgentName ApprNo BillNo ContrNo CustomMaster CutMode DistinatePort FeeCurr FeeMark "
    "FeeRate GrossWet IEDate IEPort InsurCurr InsurMark InsurRate LicenseNo ManualNo NetWt NoteS OtherCurr OtherMark "
    "OtherRate OwnerCode OwnerName PackNo TradeCode TradeCountry TradeMode TradeName TrafMode TrafName TransMode "
    "WrapType EntryId PreEntryId EdiId Risk CopName CopCode EntryType PDate TypistNo InputerName PartenerID TgdNo "
    "DataSource DeclTrnRel ChkSurety BillType CopCodeScc OwnerCodeScc AgentCodeScc TradeCoScc PromiseItmes"
)
LIST_ORDER = _names(
    "ClassMark CodeTS ContrItem DeclPrice DutyMode Factor GModel GName GNo OriginCountry TradeCurr DeclTotal GQty "
    "FirstQty SecondQty GUnit FirstUnit SecondUnit UseTo WorkUsd ExgNo ExgVersion DestinationCountry"
)
SIGN_ORDER = _names("OperType ICCode CopCode OperName ClientSeqNo Sign SignDate Certificate HostId BillSeqNo")

#: The pre-2018 writers' order: the columns of the paper declaration form (进出口货物报关单), head then items.
OLD_HEAD_ORDER = _names(
    "SeqNo PreEntryId EntryId IEPort ManualNo ContrNo IEDate PDate TradeCode TradeName OwnerCode OwnerName AgentCode "
    "AgentName AgentLinkMan AgentLinkPHONE AgentLinkMAIL TrafMode TrafName BillNo TradeMode CutMode PayWay LicenseNo "
    "TradeCountry DistinatePort DistrictCode TransMode FeeMark FeeRate FeeCurr InsurMark InsurRate InsurCurr OtherMark "
    "OtherRate OtherCurr PackNo WrapType GrossWet NetWt ApprNo NoteS IEFlag Type EdiId EntryType CustomMaster InRatio "
    "DeclTrnRel ChkSurety TradeCodeScc"
)
OLD_LIST_ORDER = _names(
    "GNo CodeTS GName GModel GQty GUnit FirstQty FirstUnit SecondQty SecondUnit DeclPrice DeclTotal TradeCurr "
    "OriginCountry DestinationCountry DutyMode UseTo ContrItem ClassMark Factor WorkUsd ExgNo ExgVersion"
)
OLD_SIGN_ORDER = _names("ClientSeqNo CopCode OperType ICCode OperName Sign SignDate Certificate HostId BillSeqNo")


def block(tag: str, values: dict[str, object], order: list[str], *, every: bool) -> Node:
    """A DecMessage block: the values in ``order``; with ``every``, also an empty element for each missing one.

    Elements not in ``order`` (foreign ones) are written where ``values`` lists them relative to their neighbours:
    ``values`` is itself ordered, so a foreign element follows the element before it in ``values``.
    """
    names = [n for n in order if n in values or every]
    for n in values:  # foreign elements go after their predecessor in ``values``
        if n not in names:
            before = list(values)[: list(values).index(n)]
            anchor = max((names.index(b) for b in before if b in names), default=-1)
            names.insert(anchor + 1, n)
    return node(tag, None, *(node(n, values.get(n)) for n in names))


def out_of_order(written: list[str], order: list[str]) -> int:
    """How many known elements come after an element that the structure puts later (eport's element-order rule)."""
    last, count = -1, 0
    for name in written:
        if name not in order:
            continue
        i = order.index(name)
        if i < last:
            count += 1
        else:
            last = i
    return count


AGENT = {"AgentCode": "4403960002", "AgentName": "深圳样例报关服务有限公司"}
TRADER = {
    "TradeCode": "4403960101",
    "TradeName": "样例电子（深圳）有限公司",
    "OwnerCode": "4403960101",
    "OwnerName": "样例电子（深圳）有限公司",
}


def item(
    no: int, code: str, name: str, qty: str, unit: str, price: str, total: str, **extra: object
) -> dict[str, object]:
    """One DecList's values."""
    return {
        "GNo": no,
        "CodeTS": code,
        "GName": name,
        "GModel": f"{name}|样例型号{no:02d}|无品牌",
        "GQty": qty,
        "GUnit": unit,
        "FirstQty": qty,
        "FirstUnit": unit,
        "DeclPrice": price,
        "DeclTotal": total,
        "TradeCurr": "502",
        "OriginCountry": "142",
        "DestinationCountry": "142",
        "DutyMode": "3",
        "ContrItem": no,
        **extra,
    }


def dotnet_export() -> bytes:
    """An export declaration as a .NET ``XmlSerializer`` writes it: 4 items, every property written."""
    head: dict[str, object] = {
        "SeqNo": "",
        "IEFlag": "E",
        **AGENT,
        "ContrNo": "SAMPLE-2018-007",
        "CustomMaster": "5317",
        "CutMode": "503",
        "DistinatePort": "142",
        "DistrictCode": "44031",  # a pre-2018 element, not in today's structure
        "GrossWet": "512.4000",
        "IEPort": "5317",
        "InRatio": "",  # pre-2018, empty: nothing to keep
        "ManualNo": "C53199990001",
        "NetWt": "468.25",
        "NoteS": "保税物流中心出区，入库单号：SAMPLE-IN-0007",
        **TRADER,
        "PackNo": "36",
        "PayWay": "",  # pre-2018, empty
        "TradeCountry": "142",
        "TradeMode": "0615",
        "TrafMode": "4",
        "TrafName": "样例车辆01",
        "TransMode": "3",
        "WrapType": "2",
        "EdiId": "1",
        "CopName": "深圳样例供应链有限公司",
        "EntryType": "M",
        "PDate": "20180201",
        "InputerName": "样例录入员",
        "TypistNo": "8900000000007",  # written after InputerName: one element out of today's order
        "DeclTrnRel": "0",
        "ChkSurety": "0",
        "TradeCodeScc": "91440300SAMPLE0101",  # pre-2018
    }
    order = [n for n in HEAD_ORDER if n != "TypistNo"]
    order.insert(order.index("InputerName") + 1, "TypistNo")
    items = [
        # 12800 × 0.0573 = 733.44: the stated total was computed from an unrounded price (within the tolerance)
        item(1, "8542399000", "集成电路", "12800", "007", "0.0573", "733.90"),
        item(2, "8532241000", "陶瓷电容", "50000", "007", "0.002", "100.00"),
        item(3, "8533211000", "片式电阻", "30000", "007", "0.0015", "45.00"),
        item(4, "8541100000", "二极管", "8000", "007", "0.0125", "100.00"),
    ]
    sign = {
        "OperType": "G",
        "ICCode": "8900000000007",
        "CopCode": "4403960002",
        "OperName": "样例录入员",
        "ClientSeqNo": "201802011651490001",
    }
    root = node(
        "DecMessage",
        None,
        block("DecHead", head, order, every=True),
        node("DecLists", None, *(block("DecList", i, LIST_ORDER, every=True) for i in items)),
        block("DecSign", sign, SIGN_ORDER, every=True),
    )
    root.attrs = [("xmlns", DEC_NS)]
    return dotnet(root, bom=True, xsd_first=True)


def elementtree_import() -> bytes:
    """An import declaration written with ElementTree from Python values: a ``None`` became the text ``None``."""
    head: dict[str, object] = {
        "SeqNo": "",
        "IEFlag": "I",
        **AGENT,
        "ContrNo": "SAMPLE-2018-011",
        "CustomMaster": "5317",
        "CutMode": "101",
        "DistinatePort": "142",
        "DistrictCode": "44031",
        "GrossWet": "96.5",
        "IEPort": "5317",
        "InRatio": "1",
        "NetWt": "88",
        **TRADER,
        "PackNo": "4",
        "TradeCountry": "110",
        "TradeMode": "0110",
        "TrafMode": "4",
        "TransMode": "1",
        "WrapType": "2",
        "EdiId": "1",
        "EntryType": "M",
        "PDate": "20180206",
        "DeclTrnRel": "0",
        "ChkSurety": "0",
        "TradeCodeScc": "91440300SAMPLE0101",
    }
    goods = item(1, "8471500000", "服务器主机", "400", "001", "8.5", "3400.00", Factor=None)
    goods["Factor"] = str(None)  # the writer stringified a missing value
    sign = {"OperType": "G", "CopCode": "4403960002", "ClientSeqNo": "201802061935530001"}
    root = node(
        "DecMessage",
        None,
        block("DecHead", head, HEAD_ORDER, every=False),
        node("DecLists", None, block("DecList", goods, LIST_ORDER, every=False)),
        block("DecSign", sign, SIGN_ORDER, every=False),
    )
    return elementtree(root, indent="    ", namespace=DEC_NS)


def _envelope(declaration: Node, cop_msg_id: str) -> Node:
    head = node(
        "SWImpHead",
        None,
        node("CopMsgId", cop_msg_id),
        node("MsgType"),
        node("FunctionCode"),
        node("Format", "xml"),
        node("Compress", "0"),
        node("Version", "1.0"),
    )
    root = node("ImportMessage", None, head, node("SWImpData", None, declaration))
    root.attrs = [("xmlns:xsi", XSI), ("xsi:noNamespaceSchemaLocation", "SWImportMessagexsd.xsd")]
    return root


def _in_old_order(head: dict[str, object], items: list[dict[str, object]], sign: dict[str, object]) -> tuple[Node, int]:
    """A ``DecMessage`` written in the paper form's (pre-2018) order, and how many elements follow a later one."""
    head_names = [n for n in OLD_HEAD_ORDER if n in head]
    declaration = node(
        "DecMessage",
        None,
        block("DecHead", head, head_names, every=False),
        node("DecLists", None, *(block("DecList", i, OLD_LIST_ORDER, every=False) for i in items)),
        block("DecSign", sign, OLD_SIGN_ORDER, every=False),
    )
    count = out_of_order(head_names, HEAD_ORDER)
    count += sum(out_of_order([n for n in OLD_LIST_ORDER if n in i], LIST_ORDER) for i in items)
    count += out_of_order([n for n in OLD_SIGN_ORDER if n in sign], SIGN_ORDER)
    return declaration, count


def import_message_20() -> tuple[bytes, int]:
    """A pre-2018 import file: ``ImportMessage`` envelope, DecMessage without namespace, paper-form order, 20 items.

    Returns the document and the number of elements out of today's order in it.
    """
    head: dict[str, object] = {
        "SeqNo": "",
        "IEFlag": "I",
        **AGENT,
        "ContrNo": "SAMPLE-2018-020",
        "CustomMaster": "5317",
        "CutMode": "101",
        "DistinatePort": "142",
        "DistrictCode": "44031",
        "GrossWet": "2210",
        "IEPort": "5317",
        "InRatio": "1",
        "NetWt": "2048.5",
        **TRADER,
        "PackNo": "20",
        "TradeCountry": "110",
        "TradeMode": "0110",
        "TrafMode": "4",
        "TrafName": "样例车辆02",
        "TransMode": "1",
        "WrapType": "2",
        "EdiId": "1",
        "EntryType": "M",
        "PDate": "20180118",
        "DeclTrnRel": "0",
        "ChkSurety": "0",
        "TradeCodeScc": "91440300SAMPLE0101",
    }
    items = []
    for n in range(1, 21):
        qty, price = 100 * n, 1.25 + (n - 1) * 0.5
        items.append(
            item(n, f"85{n:02d}000000", f"样例零件{n:02d}", str(qty), "007", f"{price:.2f}", f"{qty * price:.2f}")
        )
    sign = {"OperType": "G", "CopCode": "4403960002", "ClientSeqNo": "201801181647070020"}
    declaration, count = _in_old_order(head, items, sign)
    return elementtree(_envelope(declaration, "样例进口报关单.xml"), indent="\t", namespace=None), count


def xmlspy_export_sample() -> tuple[bytes, int]:
    """An export sample generated by an XML editor from the pre-2018 schema, then filled in by hand (4 items)."""
    head: dict[str, object] = {
        "SeqNo": "",
        "IEFlag": "E",
        "AgentCode": "1101960003",
        "AgentName": "北京样例报关行有限公司",
        "AgentLinkMan": "1",
        "AgentLinkPHONE": "1",
        "AgentLinkMAIL": "1",
        "ContrNo": "SAMPLE-EX-01",
        "CustomMaster": "0106",
        "CutMode": "101",
        "DistinatePort": "142",
        "DistrictCode": "11019",
        "GrossWet": "39",
        "IEPort": "0102",
        "InRatio": "1",
        "NetWt": "17",
        "TradeCode": "1101960003",
        "TradeName": "北京样例报关行有限公司",
        "OwnerCode": "1101960003",
        "OwnerName": "北京样例报关行有限公司",
        "PackNo": "4",
        "PayWay": "2",
        "TradeCountry": "142",
        "TradeMode": "0110",
        "TrafMode": "9",
        "TransMode": "3",
        "WrapType": "2",
        "EdiId": "1",
        "EntryType": "M",
        "PDate": "20180118",
        "TradeCodeScc": "91110000SAMPLE0003",
    }
    items = [
        item(1, "9503008900", "塑料玩具", "100", "007", "10", "1000"),
        item(2, "9503002100", "玩具娃娃", "50", "007", "12", "600"),
        item(3, "9504504000", "游戏手柄", "20", "007", "35", "700"),
        item(4, "9506620000", "充气足球", "40", "007", "8.5", "340"),
    ]
    # a client sequence number 24 characters long, over the 18 the structure allows (a hand edit)
    sign = {"OperType": "G", "CopCode": "1101960003", "ClientSeqNo": "SAMPLE201801181647070001"}
    declaration, count = _in_old_order(head, items, sign)
    comment = "Sample XML file generated by an XML editor from SWImportMessagexsd.xsd, then edited by hand"
    return xmlspy(_envelope(declaration, "样例出口报关单.xml"), comment), count


def response_notes() -> bytes:
    """A developer's notes: the saved ``DecImportResponse``, the AS3 headers, and the ``DxpMsg`` that carried it."""
    from eport.edi import dxp  # the envelope is written by eport's own DXP writer (its structure is eport's)

    response = serialize(
        Node(
            "ns2:DecImportResponse",
            None,
            [
                node("ns2:ResponseCode", "0"),
                node("ns2:ErrorMessage", "调用成功"),
                node("ns2:ClientSeqNo", "201802260951580001"),
                node("ns2:SeqNo", "Z99000009999990001"),
            ],
            [("xmlns:ns2", DEC_NS)],
        ),
        indent="",
        empty="/>",
        newline="",
    )
    saved = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{response}'
    envelope = dxp.wrap(
        saved.encode("utf-8"),
        sender_id="DXPEDCDEC0000009",
        receiver_ids=("DXPENT0000099999",),
        msg_type="DECMSG",
        cop_msg_id="00000000-0000-4000-8000-000000000001",
        created=dt.datetime(2018, 2, 26, 9, 51, 59, tzinfo=dt.timezone(dt.timedelta(hours=8))),
    )
    wire = dxp.encode_envelope(envelope).decode("utf-8")
    assert base64.b64encode(saved.encode()).decode() in wire
    declaration, rest = wire.split("?>", 1)
    notes = [
        saved,
        "",
        "AS3 headers of the reply (copied from the transfer log):",
        "AS3-Version: 1.2",
        "AS3-From: DXPEDCDEC0000009",
        "AS3-To: DXPENT0000099999",
        "Message-ID: <sample-0001@as3.invalid>",
        "Content-Type: application/xml",
        "",
        "the same response as the data centre sent it:",
        f"    {declaration}?>",  # indented by the notes' author: not a well-formed document start any more
        rest.lstrip(),
        "",
    ]
    return "\n".join(notes).encode("utf-8")


# ----------------------------------------------------------------------------------------- road manifests (舱单)
MANIFEST_NS = "urn:Declaration:datamodel:standard:CN:{}:1"


def _measure(tag: str, value: str, unit: str) -> Node:
    return node(tag, value, unitCode=unit)


def _road_consignment(bill: str, packages: tuple[str, str], items: int, transit: str | None) -> Node:
    equipment = ["SAMPLEBOX002", "SAMPLEBOX003", "SAMPLEBOX001"]  # in loading order, not sorted
    children = [
        _measure("GrossVolumeMeasure", "12.50", "MTQ"),
        _measure("TotalPackageQuantity", packages[0], packages[1]),
        node("ValueAmount", "777.00", currencyID="HKD"),
        node(
            "BorderTransportMeans", None, node("Itinerary", None, *(node("RoutingCountryCode", "HK") for _ in range(4)))
        ),
        node(
            "Consignee",
            None,
            node("ID", "USCI+91440300SAMPLE0101"),
            node("Name", "样例电子（深圳）有限公司"),
            node(
                "Contact",
                None,
                node("Name", "样例收货联系人"),
                node("Communication", None, node("ID", "13800000000"), node("TypeID", "EM")),
            ),
        ),
    ]
    for n in range(1, items + 1):
        children.append(
            node(
                "ConsignmentItem",
                None,
                node("SequenceNumeric", n),
                node("Commodity", None, node("CargoDescription", f"样例货物{n}"), node("Description", f"样例货物{n}")),
                node("GoodsMeasure", None, _measure("GrossMassMeasure", str(100 + n), "KGM")),
                node("Packaging", None, _measure("QuantityQuantity", str(10 * n), "CT")),
            )
        )
    children += [
        node("Consignor", None, node("ID", "9999+SAMPLE HK LTD"), node("Name", "SAMPLE HK LTD")),
        node("Freight", None, node("PaymentMethodCode", "2")),
        node("GovernmentProcedure", None, node("CurrentCode", "RD01")),
    ]
    if transit is not None:
        children.append(node("TransitDestination", None, node("ID", transit)))
    children.append(
        node(
            "TransportContractDocument",
            None,
            node("ConditionCode", "27"),
            node("ID", bill),
            node("Deconsolidator", None, node("ID", "000000000")),
        )
    )
    children += [node("TransportEquipment", None, node("ID", e)) for e in equipment]
    return node("Consignment", None, *children)


def road_template(message_type: str) -> bytes:
    """A road manifest template kept by a .NET program (``xmlns:xsi`` before ``xmlns:xsd``, no BOM): 2 bills."""
    head = node(
        "Head",
        None,
        node("MessageID", f"CN_{message_type}_1p0_5317SAMPLE001_20180221163412760"),
        node("FunctionCode", "9"),
        node("MessageType", message_type),
        node("SenderID", "5317SAMPLE001_DXPESW0000099999"),
        node("ReceiverID", "EPORT"),
        node("SendTime", "20180221163412760"),
        node("Version", "1.0"),
    )
    declaration = node(
        "Declaration",
        None,
        node("DeclarationOfficeID", "5317"),
        node("ID", "SAMPLETRIP01"),
        node("Agent", None, node("ID", "5317SAMPLE001")),
        node("BorderTransportMeans", None, node("TypeCode", "4"), node("ID", "样例车辆03")),
        node("Carrier", None, node("ID", "5317SAMPLE001")),
        _road_consignment("SAMPLE-B1", ("233", "CT"), 3, None),
        _road_consignment("SAMPLE-B2", ("211", "PK"), 3, "5300"),
        node("UnloadingLocation", None, node("ArrivalDateTime", "20180222"), node("ID", "5317")),
    )
    root = node("Manifest", None, head, declaration)
    root.attrs = [("xmlns", MANIFEST_NS.format(message_type))]
    return dotnet(root, bom=False, xsd_first=False)


def road_single_bill() -> bytes:
    """One truck load written by a .NET ``XmlSerializer`` over schema-generated classes: BOM, ``xmlns:xsd`` first,
    the bill number used as MessageID, weights with three decimals (``2.000``)."""
    head = node(
        "Head",
        None,
        node("MessageID", "SAMPLEXD20240510001"),
        node("FunctionCode", "9"),
        node("MessageType", "MT1401"),
        node("SenderID", "5303SAMPLE002_DXPESW0000099998"),
        node("ReceiverID", "EPORT"),
        node("SendTime", "20240512025337834"),
        node("Version", "1.0"),
    )
    consignment = node(
        "Consignment",
        None,
        _measure("TotalPackageQuantity", "1", "CT"),
        node("Consignee", None, node("Name", "样例供应链（深圳）有限公司")),
        node(
            "ConsignmentItem",
            None,
            node("SequenceNumeric", "1"),
            node("Commodity", None, node("CargoDescription", "样例电子元件")),
            node("GoodsMeasure", None, _measure("GrossMassMeasure", "2.000", "KGM")),
        ),
        node("Consignor", None, node("Name", "SAMPLE SUPPLY HK LTD")),
        node(
            "GovernmentAgencyGoodsItem", None, node("GoodsMeasure", None, _measure("GrossMassMeasure", "2.000", "KGM"))
        ),
        node("GovernmentProcedure", None, node("CurrentCode", "RD01")),
        node("TransportContractDocument", None, node("ID", "SAMPLEXD20240510001")),
    )
    declaration = node(
        "Declaration",
        None,
        node("DeclarationOfficeID", "5303"),
        node("ID", "SAMPLEXD20240510001"),
        node("Carrier", None, node("ID", "5303SAMPLE002")),
        consignment,
        node("UnloadingLocation", None, node("ArrivalDateTime", "20240512"), node("ID", "5303")),
    )
    root = node("Manifest", None, head, declaration)
    root.attrs = [("xmlns", MANIFEST_NS.format("MT1401"))]
    return dotnet(root, bom=True, xsd_first=True)


# ------------------------------------------------------------------------------------------------------- main
def documents() -> dict[str, bytes]:
    """Every document, by file name."""
    import_message, _ = import_message_20()
    sample, _ = xmlspy_export_sample()
    return {
        "dec_dotnet_export.xml": dotnet_export(),
        "dec_elementtree_import.xml": elementtree_import(),
        "dec_import_message_20_items.xml": import_message,
        "dec_xml_editor_sample.xml": sample,
        "dec_import_response_notes.txt": response_notes(),
        "mt1401_dotnet_template.xml": road_template("MT1401"),
        "mt2401_dotnet_template.xml": road_template("MT2401"),
        "mt1401_dotnet_one_bill.xml": road_single_bill(),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="compare with the committed files instead of writing")
    args = ap.parse_args()
    stale = []
    for name, data in documents().items():
        path = OUT / name
        if args.check:
            if not path.is_file() or path.read_bytes() != data:
                stale.append(name)
        else:
            OUT.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    if stale:
        print("out of date: " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
