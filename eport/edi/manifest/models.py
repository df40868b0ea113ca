"""Manifest (舱单) models: the message head, the sea/air and road declaration bodies, and the MT9999 response.

Sources (FORMATS.md §3): the road manifest MT1401 follows code generated from its official schema (reliable order,
:class:`RoadDeclaration`); the sea and air bodies (:class:`Declaration`, used by MT1101, MT2101, MT3101, MT4101,
MT5101, MT5102 and their air variants) merge the element lists of secondary sources and real samples, so their
order is **[UNVERIFIED]**: every element is optional and only what a message carries is written.

Namespace: ``urn:Declaration:datamodel:standard:CN:<MessageType>:1``; it changes with the message type, so the
models carry no namespace and :mod:`eport.edi.manifest.codec` writes the one of ``Head/MessageType``.

Elements with a value and an attribute (``<GrossMassMeasure unitCode="KGM">233</GrossMassMeasure>``) are small
models whose ``value`` field has the tag :data:`TEXT` (:data:`eport.edi.spec.TEXT_CONTENT`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

import attrs

from eport.edi.manifest._fields import decimal as _d
from eport.edi.manifest._fields import model as _m
from eport.edi.manifest._fields import spec as _spec
from eport.edi.manifest._fields import string as _s
from eport.edi.spec import TEXT_CONTENT, AttributeSpec, ModelSpec

#: ``FieldSpec.tag`` of a field that holds the element's own text (simple content with attributes); the same
#: marker as :data:`eport.edi.spec.TEXT_CONTENT`.
TEXT = TEXT_CONTENT


# ------------------------------------------------------------------------------------------ simple content
@attrs.frozen(kw_only=True)
class Measure:
    """A measure or quantity with a unit: ``<GrossMassMeasure unitCode="KGM">233</GrossMassMeasure>``."""

    __eport_spec__: ClassVar[ModelSpec]
    value: Decimal | None = None
    unit_code: str | None = None


Measure.__eport_spec__ = _spec(
    "Measure",
    _d("value", TEXT),
    attributes=(AttributeSpec(name="unit_code", tag="unitCode", doc="计量单位 (UN/ECE Rec 20, e.g. KGM, MTQ)"),),
)


@attrs.frozen(kw_only=True)
class Amount:
    """An amount with its currency: ``<ValueAmount currencyID="USD">777.00</ValueAmount>``.

    Road messages write ``currencyID``; sea samples write ``CurrencyTypeCode`` [UNVERIFIED]: set the one you need.
    """

    __eport_spec__: ClassVar[ModelSpec]
    value: Decimal | None = None
    currency_id: str | None = None
    currency_type_code: str | None = None


Amount.__eport_spec__ = _spec(
    "Amount",
    _d("value", TEXT),
    attributes=(
        AttributeSpec(name="currency_id", tag="currencyID", doc="币制 (ISO 4217)"),
        AttributeSpec(name="currency_type_code", tag="CurrencyTypeCode", doc="币制 (ISO 4217)"),
    ),
)


@attrs.frozen(kw_only=True)
class Seal:
    """``<SealID AgencyCode="CA">…</SealID>`` 封志."""

    __eport_spec__: ClassVar[ModelSpec]
    value: str | None = None
    agency_code: str | None = None


Seal.__eport_spec__ = _spec(
    "SealID", _s("value", TEXT), attributes=(AttributeSpec(name="agency_code", tag="AgencyCode", doc="施封人类型"),)
)


# ------------------------------------------------------------------------------------------ small blocks
@attrs.frozen(kw_only=True)
class Identification:
    """A block holding only ``ID`` (Agent, Carrier, ExitCustomsOffice, Consolidator, TransitDestination …)."""

    __eport_spec__: ClassVar[ModelSpec]
    id: str | None = None


Identification.__eport_spec__ = _spec("Identification", _s("id", "ID", "代码"))


@attrs.frozen(kw_only=True)
class Named:
    """A block holding only ``Name`` (RepresentativePerson 舱单传输人)."""

    __eport_spec__: ClassVar[ModelSpec]
    name: str | None = None


Named.__eport_spec__ = _spec("Named", _s("name", "Name", "名称"))


@attrs.frozen(kw_only=True)
class AdditionalInformation:
    """``AdditionalInformation``: free text (Content), or a response statement (StatementCode 01/02/03/11/12/13)."""

    __eport_spec__: ClassVar[ModelSpec]
    statement_code: str | None = None
    statement_description: str | None = None
    content: str | None = None


AdditionalInformation.__eport_spec__ = _spec(
    "AdditionalInformation",
    _s("statement_code", "StatementCode", "回执类型"),
    _s("statement_description", "StatementDescription", "回执描述"),
    _s("content", "Content", "备注"),
)


@attrs.frozen(kw_only=True)
class Communication:
    """``Communication``: ID (number or address) and TypeID (TE phone, EM e-mail, FX fax)."""

    __eport_spec__: ClassVar[ModelSpec]
    id: str | None = None
    type_id: str | None = None


Communication.__eport_spec__ = _spec(
    "Communication", _s("id", "ID", "通讯号码"), _s("type_id", "TypeID", "通讯方式类别")
)


@attrs.frozen(kw_only=True)
class Contact:
    """``Contact`` (具体联系人) and ``UNDGContact`` (危险品联系人): Name and Communication*."""

    __eport_spec__: ClassVar[ModelSpec]
    name: str | None = None
    communication: tuple[Communication, ...] = ()


Contact.__eport_spec__ = _spec(
    "Contact", _s("name", "Name", "联系人名称"), _m("communication", "Communication", Communication, many=True)
)


@attrs.frozen(kw_only=True)
class Address:
    """``Address`` 地址."""

    __eport_spec__: ClassVar[ModelSpec]
    line: str | None = None
    city_name: str | None = None
    country_sub_entity_id: str | None = None
    country_sub_entity_name: str | None = None
    postcode_id: str | None = None
    country_code: str | None = None


Address.__eport_spec__ = _spec(
    "Address",
    _s("line", "Line", "街道"),
    _s("city_name", "CityName", "城市"),
    _s("country_sub_entity_id", "CountrySubEntityID", "省/州代码"),
    _s("country_sub_entity_name", "CountrySubEntityName", "省/州名称"),
    _s("postcode_id", "PostcodeID", "邮编"),
    _s("country_code", "CountryCode", "国家代码"),
)


@attrs.frozen(kw_only=True)
class Party:
    """Consignee 收货人, Consignor 发货人, NotifyParty 通知人. ``id`` is written ``<type>+<code>`` in sea samples."""

    __eport_spec__: ClassVar[ModelSpec]
    id: str | None = None
    name: str | None = None
    address: Address | None = None
    communication: tuple[Communication, ...] = ()
    contact: Contact | None = None
    aeo: str | None = None


Party.__eport_spec__ = _spec(
    "Party",
    _s("id", "ID", "代码"),
    _s("name", "Name", "名称"),
    _m("address", "Address", Address),
    _m("communication", "Communication", Communication, many=True),
    _m("contact", "Contact", Contact),
    _s("aeo", "AEO", "AEO企业编码"),
)


@attrs.frozen(kw_only=True)
class Location:
    """A place with dates: LoadingLocation (ID, LoadingDate), UnloadingLocation (ID, ArrivalDate), GoodsReceiptPlace."""

    __eport_spec__: ClassVar[ModelSpec]
    id: str | None = None
    name: str | None = None
    loading_date: str | None = None
    loading_date_time: str | None = None
    arrival_date: str | None = None


Location.__eport_spec__ = _spec(
    "Location",
    _s("id", "ID", "地点代码"),
    _s("name", "Name", "地点名称"),
    _s("loading_date", "LoadingDate", "装货日期"),
    _s("loading_date_time", "LoadingDateTime", "装货日期时间"),
    _s("arrival_date", "ArrivalDate", "到达日期"),
)


@attrs.frozen(kw_only=True)
class Packaging:
    """ConsignmentPackaging / ConsignmentItemPackaging 包装: QuantityQuantity 件数, TypeCode 包装种类, MarksNumbers."""

    __eport_spec__: ClassVar[ModelSpec]
    quantity_quantity: Decimal | None = None
    type_code: str | None = None
    marks_numbers: str | None = None


Packaging.__eport_spec__ = _spec(
    "Packaging",
    _d("quantity_quantity", "QuantityQuantity", "件数"),
    _s("type_code", "TypeCode", "包装种类"),
    _s("marks_numbers", "MarksNumbers", "唛头"),
)


@attrs.frozen(kw_only=True)
class TransportContractDocument:
    """TransportContractDocument 提(运)单: ID 提运单号, ConditionCode 运输条款, Consolidator 拼箱人."""

    __eport_spec__: ClassVar[ModelSpec]
    id: str | None = None
    condition_code: str | None = None
    consolidator: Identification | None = None


TransportContractDocument.__eport_spec__ = _spec(
    "TransportContractDocument",
    _s("id", "ID", "提(运)单号"),
    _s("condition_code", "ConditionCode", "运输条款"),
    _m("consolidator", "Consolidator", Identification, "拼箱人"),
)


@attrs.frozen(kw_only=True)
class TransportEquipment:
    """TransportEquipment 集装箱(器): EquipmentIdentification/ID, size/type, supplier, fullness, seals."""

    __eport_spec__: ClassVar[ModelSpec]
    equipment_identification: Identification | None = None
    characteristic_code: str | None = None
    supplier_party_type_code: str | None = None
    fullness_code: str | None = None
    seal_id: tuple[Seal, ...] = ()


TransportEquipment.__eport_spec__ = _spec(
    "TransportEquipment",
    _m("equipment_identification", "EquipmentIdentification", Identification, "集装箱(器)编号"),
    _s("characteristic_code", "CharacteristicCode", "尺寸和类型"),
    _s("supplier_party_type_code", "SupplierPartyTypeCode", "来源代码"),
    _s("fullness_code", "FullnessCode", "重箱或者空箱标识"),
    _m("seal_id", "SealID", Seal, "封志", many=True),
)


@attrs.frozen(kw_only=True)
class Commodity:
    """Commodity 商品: CargoDescription 货物简要描述, Description, Classification/ID (HS)."""

    __eport_spec__: ClassVar[ModelSpec]
    cargo_description: str | None = None
    description: str | None = None
    classification: Identification | None = None


Commodity.__eport_spec__ = _spec(
    "Commodity",
    _s("cargo_description", "CargoDescription", "货物简要描述"),
    _s("description", "Description", "货物描述"),
    _m("classification", "Classification", Identification, "商品分类"),
)


@attrs.frozen(kw_only=True)
class GoodsMeasure:
    """GoodsMeasure: GrossMassMeasure 货物毛重."""

    __eport_spec__: ClassVar[ModelSpec]
    gross_mass_measure: Measure | None = None


GoodsMeasure.__eport_spec__ = _spec("GoodsMeasure", _m("gross_mass_measure", "GrossMassMeasure", Measure, "毛重"))


@attrs.frozen(kw_only=True)
class ConsignmentItem:
    """ConsignmentItem 商品项 (sea/air order [UNVERIFIED])."""

    __eport_spec__: ClassVar[ModelSpec]
    sequence_numeric: Decimal | None = None
    consignment_item_packaging: Packaging | None = None
    commodity: Commodity | None = None
    undg_code: str | None = None
    goods_measure: GoodsMeasure | None = None
    additional_information: AdditionalInformation | None = None


ConsignmentItem.__eport_spec__ = _spec(
    "ConsignmentItem",
    _d("sequence_numeric", "SequenceNumeric", "商品项序号"),
    _m("consignment_item_packaging", "ConsignmentItemPackaging", Packaging, "商品项包装"),
    _m("commodity", "Commodity", Commodity),
    _s("undg_code", "UNDGCode", "危险品编号"),
    _m("goods_measure", "GoodsMeasure", GoodsMeasure),
    _m("additional_information", "AdditionalInformation", AdditionalInformation),
)


@attrs.frozen(kw_only=True)
class BorderTransportMeans:
    """BorderTransportMeans 运输工具: JourneyID 航次, TypeCode 运输方式, ID, Name, arrival/departure."""

    __eport_spec__: ClassVar[ModelSpec]
    journey_id: str | None = None
    type_code: str | None = None
    id: str | None = None
    name: str | None = None
    first_arrival_location_id: str | None = None
    arrival_date_time: str | None = None
    departure_date_time: str | None = None


BorderTransportMeans.__eport_spec__ = _spec(
    "BorderTransportMeans",
    _s("journey_id", "JourneyID", "航次航班编号"),
    _s("type_code", "TypeCode", "运输方式代码"),
    _s("id", "ID", "运输工具代码"),
    _s("name", "Name", "运输工具名称"),
    _s("first_arrival_location_id", "FirstArrivalLocationID", "抵达关境内第一个目的港"),
    _s("arrival_date_time", "ArrivalDateTime", "抵达时间"),
    _s("departure_date_time", "DepartureDateTime", "启运时间"),
)


@attrs.frozen(kw_only=True)
class PreviousCustomsDocument:
    """PreviousCustomsDocument 前序海关单证: ID, TypeCode."""

    __eport_spec__: ClassVar[ModelSpec]
    id: str | None = None
    type_code: str | None = None


PreviousCustomsDocument.__eport_spec__ = _spec(
    "PreviousCustomsDocument", _s("id", "ID", "单证号"), _s("type_code", "TypeCode", "单证类型")
)


@attrs.frozen(kw_only=True)
class FreightPayment:
    """FreightPayment/MethodCode 运费支付方法."""

    __eport_spec__: ClassVar[ModelSpec]
    method_code: str | None = None


FreightPayment.__eport_spec__ = _spec("FreightPayment", _s("method_code", "MethodCode", "运费支付方法"))


@attrs.frozen(kw_only=True)
class Consignment:
    """Consignment 提(运)单 of sea and air manifests (order [UNVERIFIED], see the module docstring)."""

    __eport_spec__: ClassVar[ModelSpec]
    transport_contract_document: TransportContractDocument | None = None
    associated_transport_document: Identification | None = None
    gross_volume_measure: Measure | None = None
    value_amount: Amount | None = None
    loading_location: Location | None = None
    unloading_location: Location | None = None
    goods_receipt_place: Location | None = None
    transhipment_location: Identification | None = None
    transit_destination: Identification | None = None
    goods_consigned_place: Identification | None = None
    freight_payment: FreightPayment | None = None
    consignment_packaging: Packaging | None = None
    total_gross_mass_measure: Measure | None = None
    transport_split_indicator: str | None = None
    previous_customs_document: PreviousCustomsDocument | None = None
    delivery_destination: Address | None = None
    intermediate_carrier: Identification | None = None
    consignee: Party | None = None
    consignor: Party | None = None
    notify_party: Party | None = None
    undg_contact: Contact | None = None
    transport_equipment: tuple[TransportEquipment, ...] = ()
    consignment_item: tuple[ConsignmentItem, ...] = ()
    additional_information: AdditionalInformation | None = None


Consignment.__eport_spec__ = _spec(
    "Consignment",
    _m("transport_contract_document", "TransportContractDocument", TransportContractDocument, "提(运)单"),
    _m("associated_transport_document", "AssociatedTransportDocument", Identification, "总提(运)单"),
    _m("gross_volume_measure", "GrossVolumeMeasure", Measure, "货物体积"),
    _m("value_amount", "ValueAmount", Amount, "货物价值"),
    _m("loading_location", "LoadingLocation", Location, "装货地"),
    _m("unloading_location", "UnloadingLocation", Location, "卸货地"),
    _m("goods_receipt_place", "GoodsReceiptPlace", Location, "收货地"),
    _m("transhipment_location", "TranshipmentLocation", Identification, "中转地"),
    _m("transit_destination", "TransitDestination", Identification, "转运目的地"),
    _m("goods_consigned_place", "GoodsConsignedPlace", Identification, "货物托运地"),
    _m("freight_payment", "FreightPayment", FreightPayment),
    _m("consignment_packaging", "ConsignmentPackaging", Packaging, "包装"),
    _m("total_gross_mass_measure", "TotalGrossMassMeasure", Measure, "货物总毛重"),
    _s("transport_split_indicator", "TransportSplitIndicator", "分批标识"),
    _m("previous_customs_document", "PreviousCustomsDocument", PreviousCustomsDocument),
    _m("delivery_destination", "DeliveryDestination", Address, "交货地"),
    _m("intermediate_carrier", "IntermediateCarrier", Identification, "中转承运人"),
    _m("consignee", "Consignee", Party, "收货人"),
    _m("consignor", "Consignor", Party, "发货人"),
    _m("notify_party", "NotifyParty", Party, "通知人"),
    _m("undg_contact", "UNDGContact", Contact, "危险品联系人"),
    _m("transport_equipment", "TransportEquipment", TransportEquipment, "集装箱(器)", many=True),
    _m("consignment_item", "ConsignmentItem", ConsignmentItem, "商品项", many=True),
    _m("additional_information", "AdditionalInformation", AdditionalInformation, "备注/回执"),
)


@attrs.frozen(kw_only=True)
class Declaration:
    """Declaration body of sea and air manifests (MT1101, MT2101, MT3101, MT4101, MT5101, MT5102, MT1201 …).

    An arrival report (运抵报告 MT3101) of containers carries ``transport_equipment`` right after
    ``unloading_location`` (two independent public MT3101 writers agree); its place relative to ``consignment``
    is [UNVERIFIED].
    """

    __eport_spec__: ClassVar[ModelSpec]
    declaration_office_id: str | None = None
    id: str | None = None
    representative_person: Named | None = None
    exit_customs_office: Identification | None = None
    agent: Identification | None = None
    carrier: Identification | None = None
    border_transport_means: BorderTransportMeans | None = None
    unloading_location: Location | None = None
    transport_equipment: tuple[TransportEquipment, ...] = ()
    consignment: tuple[Consignment, ...] = ()
    additional_information: AdditionalInformation | None = None


Declaration.__eport_spec__ = _spec(
    "Declaration",
    _s("declaration_office_id", "DeclarationOfficeID", "申报地海关"),
    _s("id", "ID", "舱单编号"),
    _m("representative_person", "RepresentativePerson", Named, "舱单传输人"),
    _m("exit_customs_office", "ExitCustomsOffice", Identification, "离境地海关"),
    _m("agent", "Agent", Identification, "代理人"),
    _m("carrier", "Carrier", Identification, "承运人"),
    _m("border_transport_means", "BorderTransportMeans", BorderTransportMeans, "运输工具"),
    _m("unloading_location", "UnloadingLocation", Location, "卸货地"),
    _m("transport_equipment", "TransportEquipment", TransportEquipment, "集装箱(器), 运抵报告 MT3101", many=True),
    _m("consignment", "Consignment", Consignment, "提(运)单", many=True),
    _m("additional_information", "AdditionalInformation", AdditionalInformation, "备注"),
)
