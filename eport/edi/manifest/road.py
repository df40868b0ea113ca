"""Road manifest bodies (公路舱单, MT1401 原始舱单 and the other MT14xx–MT84xx road messages).

Element order from code generated from the official MT1401 schema (FORMATS.md §3.4, ``manifest-mt1401-
structure.txt``): reliable. Shared small blocks come from :mod:`eport.edi.manifest.models`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

import attrs

from eport.edi.manifest._fields import decimal as _d
from eport.edi.manifest._fields import model as _m
from eport.edi.manifest._fields import spec as _spec
from eport.edi.manifest._fields import string as _s
from eport.edi.manifest.models import (
    AdditionalInformation,
    Amount,
    BorderTransportMeans,
    Commodity,
    Contact,
    GoodsMeasure,
    Identification,
    Location,
    Measure,
    Named,
    Party,
)
from eport.edi.spec import ModelSpec


@attrs.frozen(kw_only=True)
class Itinerary:
    """``Itinerary``: RoutingCountryCode* 途经国家."""

    __eport_spec__: ClassVar[ModelSpec]
    routing_country_code: tuple[str, ...] = ()


Itinerary.__eport_spec__ = _spec(
    "Itinerary",
    _s("routing_country_code", "RoutingCountryCode", "途经国家代码", many=True),
)


@attrs.frozen(kw_only=True)
class RoadConsignmentTransport:
    """Consignment/BorderTransportMeans: the itinerary of a road consignment."""

    __eport_spec__: ClassVar[ModelSpec]
    itinerary: Itinerary | None = None


RoadConsignmentTransport.__eport_spec__ = _spec("BorderTransportMeans", _m("itinerary", "Itinerary", Itinerary, "路由"))


@attrs.frozen(kw_only=True)
class RoadPackaging:
    """Packaging/QuantityQuantity@unitCode 件数及包装种类."""

    __eport_spec__: ClassVar[ModelSpec]
    quantity_quantity: Measure | None = None


RoadPackaging.__eport_spec__ = _spec("Packaging", _m("quantity_quantity", "QuantityQuantity", Measure, "件数"))


@attrs.frozen(kw_only=True)
class RoadConsignmentItem:
    """ConsignmentItem 商品项 of a road manifest."""

    __eport_spec__: ClassVar[ModelSpec]
    sequence_numeric: Decimal | None = None
    commodity: Commodity | None = None
    goods_measure: GoodsMeasure | None = None
    packaging: RoadPackaging | None = None


RoadConsignmentItem.__eport_spec__ = _spec(
    "ConsignmentItem",
    _d("sequence_numeric", "SequenceNumeric", "商品项序号"),
    _m("commodity", "Commodity", Commodity),
    _m("goods_measure", "GoodsMeasure", GoodsMeasure),
    _m("packaging", "Packaging", RoadPackaging),
)


@attrs.frozen(kw_only=True)
class Freight:
    """Freight/PaymentMethodCode 运费支付方法."""

    __eport_spec__: ClassVar[ModelSpec]
    payment_method_code: str | None = None


Freight.__eport_spec__ = _spec("Freight", _s("payment_method_code", "PaymentMethodCode", "运费支付方法"))


@attrs.frozen(kw_only=True)
class GovernmentAgencyGoodsItem:
    """GovernmentAgencyGoodsItem/GoodsMeasure 货物毛重 (海关)."""

    __eport_spec__: ClassVar[ModelSpec]
    goods_measure: GoodsMeasure | None = None


GovernmentAgencyGoodsItem.__eport_spec__ = _spec(
    "GovernmentAgencyGoodsItem", _m("goods_measure", "GoodsMeasure", GoodsMeasure)
)


@attrs.frozen(kw_only=True)
class GovernmentProcedure:
    """GovernmentProcedure/CurrentCode 海关货物通关代码 (e.g. RD06)."""

    __eport_spec__: ClassVar[ModelSpec]
    current_code: str | None = None


GovernmentProcedure.__eport_spec__ = _spec("GovernmentProcedure", _s("current_code", "CurrentCode", "通关代码"))


@attrs.frozen(kw_only=True)
class ChangeInformation:
    """Amendment/ChangeInformation 变更信息 of a change or delete (FunctionCode 3): Reason, Contact, Phone."""

    __eport_spec__: ClassVar[ModelSpec]
    reason: str | None = None
    contact: str | None = None
    phone: str | None = None


ChangeInformation.__eport_spec__ = _spec(
    "ChangeInformation",
    _s("reason", "Reason", "变更原因描述"),
    _s("contact", "Contact", "变更申请联系人"),
    _s("phone", "Phone", "变更申请联系人电话"),
)


@attrs.frozen(kw_only=True)
class Amendment:
    """Amendment 变更: ChangeInformation (in delete messages), then ChangeReasonCode* 更改原因."""

    __eport_spec__: ClassVar[ModelSpec]
    change_information: ChangeInformation | None = None
    change_reason_code: tuple[str, ...] = ()


Amendment.__eport_spec__ = _spec(
    "Amendment",
    _m("change_information", "ChangeInformation", ChangeInformation, "变更信息"),
    _s("change_reason_code", "ChangeReasonCode", "更改原因代码", many=True),
)


@attrs.frozen(kw_only=True)
class RoadTransportContractDocument:
    """TransportContractDocument 提(运)单 of a road manifest."""

    __eport_spec__: ClassVar[ModelSpec]
    condition_code: str | None = None
    id: str | None = None
    amendment: Amendment | None = None
    consolidator: Identification | None = None
    deconsolidator: Identification | None = None


RoadTransportContractDocument.__eport_spec__ = _spec(
    "TransportContractDocument",
    _s("condition_code", "ConditionCode", "运输条款"),
    _s("id", "ID", "提(运)单号"),
    _m("amendment", "Amendment", Amendment),
    _m("consolidator", "Consolidator", Identification, "拼箱人"),
    _m("deconsolidator", "Deconsolidator", Identification, "拆箱人"),
)


@attrs.frozen(kw_only=True)
class RoadTransportEquipment:
    """TransportEquipment 集装箱(器) of a road manifest."""

    __eport_spec__: ClassVar[ModelSpec]
    characteristic_code: str | None = None
    fullness_code: str | None = None
    id: str | None = None
    supplier_party_type_code: str | None = None


RoadTransportEquipment.__eport_spec__ = _spec(
    "TransportEquipment",
    _s("characteristic_code", "CharacteristicCode", "尺寸和类型"),
    _s("fullness_code", "FullnessCode", "重箱或者空箱标识"),
    _s("id", "ID", "集装箱(器)编号"),
    _s("supplier_party_type_code", "SupplierPartyTypeCode", "来源代码"),
)


@attrs.frozen(kw_only=True)
class RoadConsignment:
    """Consignment 提(运)单 of a road manifest."""

    __eport_spec__: ClassVar[ModelSpec]
    gross_volume_measure: Measure | None = None
    total_package_quantity: Measure | None = None
    value_amount: Amount | None = None
    border_transport_means: RoadConsignmentTransport | None = None
    consignee: Party | None = None
    consignment_item: tuple[RoadConsignmentItem, ...] = ()
    consignor: Party | None = None
    freight: Freight | None = None
    government_agency_goods_item: GovernmentAgencyGoodsItem | None = None
    government_procedure: GovernmentProcedure | None = None
    notify_party: Party | None = None
    transit_departure: Identification | None = None
    transit_destination: Identification | None = None
    transport_contract_document: RoadTransportContractDocument | None = None
    transport_equipment: tuple[RoadTransportEquipment, ...] = ()
    undg_contact: Contact | None = None


RoadConsignment.__eport_spec__ = _spec(
    "Consignment",
    _m("gross_volume_measure", "GrossVolumeMeasure", Measure, "货物体积"),
    _m("total_package_quantity", "TotalPackageQuantity", Measure, "货物总件数"),
    _m("value_amount", "ValueAmount", Amount, "货物价值"),
    _m("border_transport_means", "BorderTransportMeans", RoadConsignmentTransport),
    _m("consignee", "Consignee", Party, "收货人"),
    _m("consignment_item", "ConsignmentItem", RoadConsignmentItem, "商品项", many=True),
    _m("consignor", "Consignor", Party, "发货人"),
    _m("freight", "Freight", Freight),
    _m("government_agency_goods_item", "GovernmentAgencyGoodsItem", GovernmentAgencyGoodsItem),
    _m("government_procedure", "GovernmentProcedure", GovernmentProcedure),
    _m("notify_party", "NotifyParty", Party, "通知人"),
    _m("transit_departure", "TransitDeparture", Identification, "转关起始地"),
    _m("transit_destination", "TransitDestination", Identification, "转关目的地"),
    _m("transport_contract_document", "TransportContractDocument", RoadTransportContractDocument),
    _m("transport_equipment", "TransportEquipment", RoadTransportEquipment, "集装箱(器)", many=True),
    _m("undg_contact", "UNDGContact", Contact, "危险品联系人"),
)


@attrs.frozen(kw_only=True)
class RoadUnloadingLocation:
    """UnloadingLocation of a road manifest: ArrivalDateTime, then ID."""

    __eport_spec__: ClassVar[ModelSpec]
    arrival_date_time: str | None = None
    id: str | None = None


RoadUnloadingLocation.__eport_spec__ = _spec(
    "UnloadingLocation", _s("arrival_date_time", "ArrivalDateTime", "到达日期时间"), _s("id", "ID", "卸货地代码")
)


@attrs.frozen(kw_only=True)
class RoadDeclaration:
    """Declaration body of road manifests (MT1401 order)."""

    __eport_spec__: ClassVar[ModelSpec]
    declaration_office_id: str | None = None
    id: str | None = None
    additional_information: AdditionalInformation | None = None
    agent: Identification | None = None
    border_transport_means: BorderTransportMeans | None = None
    carrier: Identification | None = None
    consignment: tuple[RoadConsignment, ...] = ()
    loading_location: Location | None = None
    representative_person: Named | None = None
    unloading_location: RoadUnloadingLocation | None = None


RoadDeclaration.__eport_spec__ = _spec(
    "Declaration",
    _s("declaration_office_id", "DeclarationOfficeID", "申报地海关"),
    _s("id", "ID", "货物运输批次号"),
    _m("additional_information", "AdditionalInformation", AdditionalInformation, "备注"),
    _m("agent", "Agent", Identification, "代理人"),
    _m("border_transport_means", "BorderTransportMeans", BorderTransportMeans, "运输工具"),
    _m("carrier", "Carrier", Identification, "承运人"),
    _m("consignment", "Consignment", RoadConsignment, "提(运)单", many=True),
    _m("loading_location", "LoadingLocation", Location, "装货地"),
    _m("representative_person", "RepresentativePerson", Named, "舱单传输人"),
    _m("unloading_location", "UnloadingLocation", RoadUnloadingLocation, "卸货地"),
)

__all__ = [
    "Amendment",
    "ChangeInformation",
    "Freight",
    "GovernmentAgencyGoodsItem",
    "GovernmentProcedure",
    "Itinerary",
    "RoadConsignment",
    "RoadConsignmentItem",
    "RoadConsignmentTransport",
    "RoadDeclaration",
    "RoadPackaging",
    "RoadTransportContractDocument",
    "RoadTransportEquipment",
    "RoadUnloadingLocation",
]
