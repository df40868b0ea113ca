"""Road manifest bodies (公路舱单, MT1401 原始舱单 and the other MT14xx–MT84xx road messages).

Element order from code generated from the official MT1401 schema (FORMATS.md §3.4, ``manifest-mt1401-
structure.txt``): reliable. Shared small blocks come from :mod:`eport.edi.manifest.models`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

import attrs

from eport.edi.core.spec import ModelSpec
from eport.edi.manifest._fields import child, children, manifest_model, number, text, texts
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


@manifest_model("Itinerary")
@attrs.frozen(kw_only=True)
class Itinerary:
    """``Itinerary``: RoutingCountryCode* 途经国家."""

    __eport_spec__: ClassVar[ModelSpec]
    routing_country_code: tuple[str, ...] = texts("RoutingCountryCode", "途经国家代码")


@manifest_model("BorderTransportMeans")
@attrs.frozen(kw_only=True)
class RoadConsignmentTransport:
    """Consignment/BorderTransportMeans: the itinerary of a road consignment."""

    __eport_spec__: ClassVar[ModelSpec]
    itinerary: Itinerary | None = child("Itinerary", Itinerary, "路由")


@manifest_model("Packaging")
@attrs.frozen(kw_only=True)
class RoadPackaging:
    """Packaging/QuantityQuantity@unitCode 件数及包装种类."""

    __eport_spec__: ClassVar[ModelSpec]
    quantity_quantity: Measure | None = child("QuantityQuantity", Measure, "件数")


@manifest_model("ConsignmentItem")
@attrs.frozen(kw_only=True)
class RoadConsignmentItem:
    """ConsignmentItem 商品项 of a road manifest."""

    __eport_spec__: ClassVar[ModelSpec]
    sequence_numeric: Decimal | None = number("SequenceNumeric", "商品项序号")
    commodity: Commodity | None = child("Commodity", Commodity)
    goods_measure: GoodsMeasure | None = child("GoodsMeasure", GoodsMeasure)
    packaging: RoadPackaging | None = child("Packaging", RoadPackaging)


@manifest_model("Freight")
@attrs.frozen(kw_only=True)
class Freight:
    """Freight/PaymentMethodCode 运费支付方法."""

    __eport_spec__: ClassVar[ModelSpec]
    payment_method_code: str | None = text("PaymentMethodCode", "运费支付方法")


@manifest_model("GovernmentAgencyGoodsItem")
@attrs.frozen(kw_only=True)
class GovernmentAgencyGoodsItem:
    """GovernmentAgencyGoodsItem/GoodsMeasure 货物毛重 (海关)."""

    __eport_spec__: ClassVar[ModelSpec]
    goods_measure: GoodsMeasure | None = child("GoodsMeasure", GoodsMeasure)


@manifest_model("GovernmentProcedure")
@attrs.frozen(kw_only=True)
class GovernmentProcedure:
    """GovernmentProcedure/CurrentCode 海关货物通关代码 (e.g. RD06)."""

    __eport_spec__: ClassVar[ModelSpec]
    current_code: str | None = text("CurrentCode", "通关代码")


@manifest_model("ChangeInformation")
@attrs.frozen(kw_only=True)
class ChangeInformation:
    """Amendment/ChangeInformation 变更信息 of a change or delete (FunctionCode 3): Reason, Contact, Phone."""

    __eport_spec__: ClassVar[ModelSpec]
    reason: str | None = text("Reason", "变更原因描述")
    contact: str | None = text("Contact", "变更申请联系人")
    phone: str | None = text("Phone", "变更申请联系人电话")


@manifest_model("Amendment")
@attrs.frozen(kw_only=True)
class Amendment:
    """Amendment 变更: ChangeInformation (in delete messages), then ChangeReasonCode* 更改原因."""

    __eport_spec__: ClassVar[ModelSpec]
    change_information: ChangeInformation | None = child("ChangeInformation", ChangeInformation, "变更信息")
    change_reason_code: tuple[str, ...] = texts("ChangeReasonCode", "更改原因代码")


@manifest_model("TransportContractDocument")
@attrs.frozen(kw_only=True)
class RoadTransportContractDocument:
    """TransportContractDocument 提(运)单 of a road manifest."""

    __eport_spec__: ClassVar[ModelSpec]
    condition_code: str | None = text("ConditionCode", "运输条款")
    id: str | None = text("ID", "提(运)单号")
    amendment: Amendment | None = child("Amendment", Amendment)
    consolidator: Identification | None = child("Consolidator", Identification, "拼箱人")
    deconsolidator: Identification | None = child("Deconsolidator", Identification, "拆箱人")


@manifest_model("TransportEquipment")
@attrs.frozen(kw_only=True)
class RoadTransportEquipment:
    """TransportEquipment 集装箱(器) of a road manifest."""

    __eport_spec__: ClassVar[ModelSpec]
    characteristic_code: str | None = text("CharacteristicCode", "尺寸和类型")
    fullness_code: str | None = text("FullnessCode", "重箱或者空箱标识")
    id: str | None = text("ID", "集装箱(器)编号")
    supplier_party_type_code: str | None = text("SupplierPartyTypeCode", "来源代码")


@manifest_model("Consignment")
@attrs.frozen(kw_only=True)
class RoadConsignment:
    """Consignment 提(运)单 of a road manifest."""

    __eport_spec__: ClassVar[ModelSpec]
    gross_volume_measure: Measure | None = child("GrossVolumeMeasure", Measure, "货物体积")
    total_package_quantity: Measure | None = child("TotalPackageQuantity", Measure, "货物总件数")
    value_amount: Amount | None = child("ValueAmount", Amount, "货物价值")
    border_transport_means: RoadConsignmentTransport | None = child("BorderTransportMeans", RoadConsignmentTransport)
    consignee: Party | None = child("Consignee", Party, "收货人")
    consignment_item: tuple[RoadConsignmentItem, ...] = children("ConsignmentItem", RoadConsignmentItem, "商品项")
    consignor: Party | None = child("Consignor", Party, "发货人")
    freight: Freight | None = child("Freight", Freight)
    government_agency_goods_item: GovernmentAgencyGoodsItem | None = child(
        "GovernmentAgencyGoodsItem", GovernmentAgencyGoodsItem
    )
    government_procedure: GovernmentProcedure | None = child("GovernmentProcedure", GovernmentProcedure)
    notify_party: Party | None = child("NotifyParty", Party, "通知人")
    transit_departure: Identification | None = child("TransitDeparture", Identification, "转关起始地")
    transit_destination: Identification | None = child("TransitDestination", Identification, "转关目的地")
    transport_contract_document: RoadTransportContractDocument | None = child(
        "TransportContractDocument", RoadTransportContractDocument
    )
    transport_equipment: tuple[RoadTransportEquipment, ...] = children(
        "TransportEquipment", RoadTransportEquipment, "集装箱(器)"
    )
    undg_contact: Contact | None = child("UNDGContact", Contact, "危险品联系人")


@manifest_model("UnloadingLocation")
@attrs.frozen(kw_only=True)
class RoadUnloadingLocation:
    """UnloadingLocation of a road manifest: ArrivalDateTime, then ID."""

    __eport_spec__: ClassVar[ModelSpec]
    arrival_date_time: str | None = text("ArrivalDateTime", "到达日期时间")
    id: str | None = text("ID", "卸货地代码")


@manifest_model("Declaration")
@attrs.frozen(kw_only=True)
class RoadDeclaration:
    """Declaration body of road manifests (MT1401 order)."""

    __eport_spec__: ClassVar[ModelSpec]
    declaration_office_id: str | None = text("DeclarationOfficeID", "申报地海关")
    id: str | None = text("ID", "货物运输批次号")
    additional_information: AdditionalInformation | None = child("AdditionalInformation", AdditionalInformation, "备注")
    agent: Identification | None = child("Agent", Identification, "代理人")
    border_transport_means: BorderTransportMeans | None = child(
        "BorderTransportMeans", BorderTransportMeans, "运输工具"
    )
    carrier: Identification | None = child("Carrier", Identification, "承运人")
    consignment: tuple[RoadConsignment, ...] = children("Consignment", RoadConsignment, "提(运)单")
    loading_location: Location | None = child("LoadingLocation", Location, "装货地")
    representative_person: Named | None = child("RepresentativePerson", Named, "舱单传输人")
    unloading_location: RoadUnloadingLocation | None = child("UnloadingLocation", RoadUnloadingLocation, "卸货地")


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
