"""Shared builders for the benchmarks: realistic CEB621 inventories and a plain lxml baseline encoder."""

from __future__ import annotations

import functools
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

from lxml import etree

from eport.edi.ceb import imports as ceb
from eport.edi.core.spec import ValueKind, spec_of

GUID = "4CDE1CFD-EDED-46B1-946C-B8022E42FC94"

T = TypeVar("T")


def measure(benchmark: Any, group: str, func: Callable[..., T], *args: Any) -> T:
    """Benchmark ``func(*args)`` in ``group`` at steady state.

    One call runs before the measurement, so one-time work (compiling eport's writers and readers, lxml's first
    parse) neither lands in a measured round nor spoils pytest-benchmark's calibration: a slow first call would make
    it plan a handful of rounds instead of thousands, and the minimum would then be a poor estimate.
    """
    benchmark.group = group
    func(*args)
    return benchmark(func, *args)  # type: ignore[no-any-return]


#: A structurally valid enveloped ds:Signature (dummy values) of realistic size.
SIGNATURE = (
    '<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo>'
    '<ds:CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/>'
    '<ds:SignatureMethod Algorithm="http://www.w3.org/2000/09/xmldsig#rsa-sha1"/>'
    '<ds:Reference URI=""><ds:Transforms>'
    '<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/></ds:Transforms>'
    '<ds:DigestMethod Algorithm="http://www.w3.org/2000/09/xmldsig#sha1"/>'
    f"<ds:DigestValue>{'A' * 27}=</ds:DigestValue></ds:Reference></ds:SignedInfo>"
    f"<ds:SignatureValue>{'B' * 169}A==</ds:SignatureValue>"
    f"<ds:KeyInfo><ds:KeyName>0001</ds:KeyName><ds:X509Data><ds:X509Certificate>{'C' * 1500}"
    "</ds:X509Certificate></ds:X509Data></ds:KeyInfo></ds:Signature>"
).encode()


def inventory_list(gnum: int) -> ceb.InventoryList:
    """One realistic 清单表体 line."""
    return ceb.InventoryList(
        gnum=gnum,
        item_record_no="1210",
        item_no=f"AF001-{gnum:03d}",
        item_name="小米盒子 & 配件 <套装>",
        gcode="8541401000",
        gname="小米盒子",
        gmodel="44mm",
        bar_code="2345123",
        country="116",
        trade_country="116",
        currency="142",
        qty=Decimal("100"),
        unit="007",
        qty1=Decimal("200"),
        unit1="007",
        qty2=Decimal("300"),
        unit2="035",
        price=Decimal("20.5"),
        total_price=Decimal("2050.00"),
        note="",
    )


def ceb621(items: int, *, order: int = 1) -> ceb.CEB621Message:
    """A CEB621 进口清单 with ``items`` goods lines."""
    head = ceb.InventoryHead(
        guid=GUID,
        app_type="1",
        app_time="20220315153555",
        app_status="2",
        order_no=f"order2022030811340{order:03d}",
        ebp_code="1101110325",
        ebp_name="测试企业",
        ebc_code="1101110325",
        ebc_name="测试企业",
        logistics_no=f"L2022030811380{order:02d}",
        logistics_code="1101180326",
        logistics_name="测试物流企业",
        cop_no="NBBH20220308005",
        pre_no="",
        assure_code="ass201603081155",
        ems_no="S1501I000164",
        invt_no="",
        ie_flag="I",
        decl_time="20220308",
        customs_code="3700",
        port_code="3700",
        ie_date="20220308",
        buyer_id_type="1",
        buyer_id_number="130681136250023332",
        buyer_name="李小宝",
        buyer_telephone="13256253633",
        consignee_address="北京市海淀区中关村软件园",
        agent_code="1105910159",
        agent_name="测试企业",
        area_code="110108130000000007",
        area_name="北京市海淀区中关村软件园",
        trade_mode="9610",
        traf_mode="4",
        traf_no="MH730",
        voyage_no="BJ20220308",
        bill_no="B00024204007",
        loct_no="",
        license_no="L20220315001",
        country="116",
        freight=Decimal("500"),
        insured_fee=Decimal("200"),
        currency="142",
        wrap_type="1",
        pack_no=6000,
        gross_weight=Decimal("4000.5"),
        net_weight=Decimal("3500"),
        note="",
    )
    return ceb.CEB621Message(
        guid=GUID,
        version="1.0",
        inventory=(
            ceb.Inventory(inventory_head=head, inventory_list=tuple(inventory_list(i) for i in range(1, items + 1))),
        ),
        base_transfer=ceb.BaseTransfer(
            cop_code="1105910159", cop_name="东方物通科技(北京)有限公司", dxp_mode="DXP", dxp_id="DXPENT0000011951"
        ),
        signature=SIGNATURE,
    )


def lxml_encode(message: Any) -> bytes:
    """Baseline: a plain lxml tree-building encoder walking the same spec (what most integrations do)."""
    spec = spec_of(message)
    root = etree.Element(f"{{{spec.namespace}}}{spec.tag}", nsmap={spec.prefix: spec.namespace})
    for a in spec.attributes:
        value = getattr(message, a.name)
        if value is not None:
            root.set(a.tag, value)
    _lxml_fill(root, message, spec.namespace)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _lxml_fill(el: etree._Element, obj: Any, ns: str | None) -> None:
    for f in spec_of(obj).fields:
        value = getattr(obj, f.name)
        if value is None:
            continue
        for v in value if f.repeated else (value,):
            if f.kind is ValueKind.XML:
                el.append(etree.fromstring(v))
                continue
            child = etree.SubElement(el, f"{{{ns}}}{f.tag}")
            if f.kind is ValueKind.MODEL:
                _lxml_fill(child, v, ns)
            elif f.kind is ValueKind.DECIMAL:
                child.text = format(v, "f")
            else:
                child.text = str(v)


def lxml_decode(data: bytes, cls: type[Any]) -> Any:
    """Baseline: parse with lxml, then build the models with ``find``/``findall`` per field (the plain way)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.fromstring(data, parser)
    return _lxml_read(root, cls)


def _lxml_read(el: etree._Element, cls: type[Any]) -> Any:
    spec = spec_of(cls)
    kwargs: dict[str, Any] = {a.name: el.get(a.tag) for a in spec.attributes}
    for f in spec.fields:
        ns = spec_of(f.model).namespace if f.kind is ValueKind.MODEL else f.namespace or spec.namespace
        found = el.findall(f"{{{ns}}}{f.tag}")
        values = [_lxml_value(child, f) for child in found]
        if f.repeated:
            kwargs[f.name] = tuple(values)
        else:
            kwargs[f.name] = values[0] if values else None
    return cls(**kwargs)


def _lxml_value(child: etree._Element, f: Any) -> Any:
    if f.kind is ValueKind.MODEL:
        return _lxml_read(child, f.model)
    if f.kind is ValueKind.XML:
        return etree.tostring(child)
    text = child.text or ""
    if f.kind is ValueKind.DECIMAL:
        return Decimal(text)
    if f.kind is ValueKind.INTEGER:
        return int(text)
    return text


#: The hardened parser of the dict-walk baseline: no DTD, no entity expansion, no network, no huge trees.
HARDENED = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False, collect_ids=False
)
_DS = "{http://www.w3.org/2000/09/xmldsig#}"


def lxml_dict_decode(data: bytes, cls: type[Any], max_size: int = 50 * 1024 * 1024) -> Any:
    """Baseline: a hardened lxml parse, one recursive walk into dicts, then the typed models built from the dicts.

    What a careful integration writes without eport: the size limit and DOCTYPE refusal eport applies, local names
    as keys (lists where a name repeats), ``ds:Signature`` kept as serialised bytes, values converted per field
    (``Decimal``, ``int``) into the same attrs models. No structure checks beyond what building the models needs.
    """
    if len(data) > max_size:
        raise ValueError("document too large")
    root = etree.fromstring(data, HARDENED)
    if root.getroottree().docinfo.doctype:
        raise ValueError("DOCTYPE refused")
    return _from_dict(cls, _to_dict(root))


def _to_dict(el: etree._Element) -> dict[str, Any]:
    out: dict[str, Any] = {"@" + k.rpartition("}")[2]: v for k, v in el.attrib.items()}
    for child in el:
        tag = child.tag
        if not isinstance(tag, str):
            continue
        value: Any
        if tag.startswith(_DS):
            value = etree.tostring(child)
        elif len(child):
            value = _to_dict(child)
        else:
            value = child.text or ""
        key = tag.rpartition("}")[2]
        previous = out.get(key)
        if previous is None:
            out[key] = value
        elif isinstance(previous, list):
            previous.append(value)
        else:
            out[key] = [previous, value]
    return out


@functools.cache
def _dict_plan(cls: type[Any]) -> list[tuple[str, str, Any, Any, bool]]:
    spec = spec_of(cls)
    attributes = [(a.name, "@" + a.tag, None, None, False) for a in spec.attributes]
    return attributes + [(f.name, f.tag, f.kind, f.model, f.repeated) for f in spec.fields]


def _from_dict(cls: type[Any], d: dict[str, Any]) -> Any:
    kwargs: dict[str, Any] = {}
    for name, key, kind, model, repeated in _dict_plan(cls):
        value = d.get(key)
        if kind is None or value is None:
            kwargs[name] = () if repeated and value is None else value
            continue
        values = value if isinstance(value, list) else [value]
        if kind is ValueKind.MODEL:
            values = [_from_dict(model, v) for v in values]
        elif kind is ValueKind.DECIMAL:
            values = [Decimal(v) for v in values]
        elif kind is ValueKind.INTEGER:
            values = [int(v) for v in values]
        kwargs[name] = tuple(values) if repeated else values[0]
    return cls(**kwargs)
