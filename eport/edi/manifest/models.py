"""Manifest (舱单) models: the message head, the sea/air and road declaration bodies, and the MT9999 response.

Sources (FORMATS.md §3): the road manifest MT1401 follows code generated from its official schema (reliable order,
:class:`RoadDeclaration`); the sea and air bodies (:class:`Declaration`, used by MT1101, MT2101, MT3101, MT4101,
MT5101, MT5102 and their air variants) merge the element lists of secondary sources and real samples, so their
order is **[UNVERIFIED]**: every element is optional and only what a message carries is written.

Namespace: ``urn:Declaration:datamodel:standard:CN:<MessageType>:1``; it changes with the message type, so the
models carry no namespace and :mod:`eport.edi.manifest.codec` writes the one of ``Head/MessageType``.

Elements with a value and an attribute (``<GrossMassMeasure unitCode="KGM">233</GrossMassMeasure>``) are small
models whose ``value`` field has the tag :data:`TEXT` (:data:`eport.edi.core.spec.TEXT_CONTENT`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

import attrs

from eport.edi.core.spec import TEXT_CONTENT, ModelSpec
from eport.edi.manifest._fields import attribute, child, children, manifest_model, number, text
from eport.edi.manifest.status import StatementCode, statement_of

#: ``FieldSpec.tag`` of a field that holds the element's own text (simple content with attributes); the same
#: marker as :data:`eport.edi.core.spec.TEXT_CONTENT`.
TEXT = TEXT_CONTENT


# ------------------------------------------------------------------------------------------ simple content
@manifest_model("Measure")
@attrs.frozen(kw_only=True)
class Measure:
    """A measure or quantity with a unit: ``<GrossMassMeasure unitCode="KGM">233</GrossMassMeasure>``."""

    __eport_spec__: ClassVar[ModelSpec]
    value: Decimal | None = number(TEXT)
    unit_code: str | None = attribute("unitCode", "计量单位 (UN/ECE Rec 20, e.g. KGM, MTQ)")


@manifest_model("Amount")
@attrs.frozen(kw_only=True)
class Amount:
    """An amount with its currency: ``<ValueAmount currencyID="USD">777.00</ValueAmount>``.

    Road messages write ``currencyID``; sea samples write ``CurrencyTypeCode`` [UNVERIFIED]: set the one you need.
    """

    __eport_spec__: ClassVar[ModelSpec]
    value: Decimal | None = number(TEXT)
    currency_id: str | None = attribute("currencyID", "币制 (ISO 4217)")
    currency_type_code: str | None = attribute("CurrencyTypeCode", "币制 (ISO 4217)")


@manifest_model("SealID")
@attrs.frozen(kw_only=True)
class Seal:
    """``<SealID AgencyCode="CA">…</SealID>`` 封志."""

    __eport_spec__: ClassVar[ModelSpec]
    value: str | None = text(TEXT)
    agency_code: str | None = attribute("AgencyCode", "施封人类型")


# ------------------------------------------------------------------------------------------ small blocks
@manifest_model("Identification")
@attrs.frozen(kw_only=True)
class Identification:
    """A block holding only ``ID`` (Agent, Carrier, ExitCustomsOffice, Consolidator, TransitDestination …)."""

    __eport_spec__: ClassVar[ModelSpec]
    id: str | None = text("ID", "代码")


@manifest_model("Named")
@attrs.frozen(kw_only=True)
class Named:
    """A block holding only ``Name`` (RepresentativePerson 舱单传输人)."""

    __eport_spec__: ClassVar[ModelSpec]
    name: str | None = text("Name", "名称")


@manifest_model("AdditionalInformation")
@attrs.frozen(kw_only=True)
class AdditionalInformation:
    """``AdditionalInformation``: free text (Content), or a response statement (StatementCode 01/02/03/11/12/13)."""

    __eport_spec__: ClassVar[ModelSpec]
    statement_code: str | None = text("StatementCode", "回执类型")
    statement_description: str | None = text("StatementDescription", "回执描述")
    content: str | None = text("Content", "备注")


@manifest_model("Communication")
@attrs.frozen(kw_only=True)
class Communication:
    """``Communication``: ID (number or address) and TypeID (TE phone, EM e-mail, FX fax)."""

    __eport_spec__: ClassVar[ModelSpec]
    id: str | None = text("ID", "通讯号码")
    type_id: str | None = text("TypeID", "通讯方式类别")


@manifest_model("Contact")
@attrs.frozen(kw_only=True)
class Contact:
    """``Contact`` (具体联系人) and ``UNDGContact`` (危险品联系人): Name and Communication*."""

    __eport_spec__: ClassVar[ModelSpec]
    name: str | None = text("Name", "联系人名称")
    communication: tuple[Communication, ...] = children("Communication", Communication)


@manifest_model("Address")
@attrs.frozen(kw_only=True)
class Address:
    """``Address`` 地址."""

    __eport_spec__: ClassVar[ModelSpec]
    line: str | None = text("Line", "街道")
    city_name: str | None = text("CityName", "城市")
    country_sub_entity_id: str | None = text("CountrySubEntityID", "省/州代码")
    country_sub_entity_name: str | None = text("CountrySubEntityName", "省/州名称")
    postcode_id: str | None = text("PostcodeID", "邮编")
    country_code: str | None = text("CountryCode", "国家代码")


@manifest_model("Party")
@attrs.frozen(kw_only=True)
class Party:
    """Consignee 收货人, Consignor 发货人, NotifyParty 通知人. ``id`` is written ``<type>+<code>`` in sea samples."""

    __eport_spec__: ClassVar[ModelSpec]
    id: str | None = text("ID", "代码")
    name: str | None = text("Name", "名称")
    address: Address | None = child("Address", Address)
    communication: tuple[Communication, ...] = children("Communication", Communication)
    contact: Contact | None = child("Contact", Contact)
    aeo: str | None = text("AEO", "AEO企业编码")


@manifest_model("Location")
@attrs.frozen(kw_only=True)
class Location:
    """A place with dates: LoadingLocation (ID, LoadingDate), UnloadingLocation (ID, ArrivalDate), GoodsReceiptPlace."""

    __eport_spec__: ClassVar[ModelSpec]
    id: str | None = text("ID", "地点代码")
    name: str | None = text("Name", "地点名称")
    loading_date: str | None = text("LoadingDate", "装货日期")
    loading_date_time: str | None = text("LoadingDateTime", "装货日期时间")
    arrival_date: str | None = text("ArrivalDate", "到达日期")


@manifest_model("Packaging")
@attrs.frozen(kw_only=True)
class Packaging:
    """ConsignmentPackaging / ConsignmentItemPackaging 包装: QuantityQuantity 件数, TypeCode 包装种类, MarksNumbers."""

    __eport_spec__: ClassVar[ModelSpec]
    quantity_quantity: Decimal | None = number("QuantityQuantity", "件数")
    type_code: str | None = text("TypeCode", "包装种类")
    marks_numbers: str | None = text("MarksNumbers", "唛头")


@manifest_model("TransportContractDocument")
@attrs.frozen(kw_only=True)
class TransportContractDocument:
    """TransportContractDocument 提(运)单: ID 提运单号, ConditionCode 运输条款, Consolidator 拼箱人."""

    __eport_spec__: ClassVar[ModelSpec]
    id: str | None = text("ID", "提(运)单号")
    condition_code: str | None = text("ConditionCode", "运输条款")
    consolidator: Identification | None = child("Consolidator", Identification, "拼箱人")


@manifest_model("TransportEquipment")
@attrs.frozen(kw_only=True)
class TransportEquipment:
    """TransportEquipment 集装箱(器): EquipmentIdentification/ID, size/type, supplier, fullness, seals."""

    __eport_spec__: ClassVar[ModelSpec]
    equipment_identification: Identification | None = child("EquipmentIdentification", Identification, "集装箱(器)编号")
    characteristic_code: str | None = text("CharacteristicCode", "尺寸和类型")
    supplier_party_type_code: str | None = text("SupplierPartyTypeCode", "来源代码")
    fullness_code: str | None = text("FullnessCode", "重箱或者空箱标识")
    seal_id: tuple[Seal, ...] = children("SealID", Seal, "封志")


@manifest_model("Commodity")
@attrs.frozen(kw_only=True)
class Commodity:
    """Commodity 商品: CargoDescription 货物简要描述, Description, Classification/ID (HS)."""

    __eport_spec__: ClassVar[ModelSpec]
    cargo_description: str | None = text("CargoDescription", "货物简要描述")
    description: str | None = text("Description", "货物描述")
    classification: Identification | None = child("Classification", Identification, "商品分类")


@manifest_model("GoodsMeasure")
@attrs.frozen(kw_only=True)
class GoodsMeasure:
    """GoodsMeasure: GrossMassMeasure 货物毛重."""

    __eport_spec__: ClassVar[ModelSpec]
    gross_mass_measure: Measure | None = child("GrossMassMeasure", Measure, "毛重")


@manifest_model("ConsignmentItem")
@attrs.frozen(kw_only=True)
class ConsignmentItem:
    """ConsignmentItem 商品项 (sea/air order [UNVERIFIED])."""

    __eport_spec__: ClassVar[ModelSpec]
    sequence_numeric: Decimal | None = number("SequenceNumeric", "商品项序号")
    consignment_item_packaging: Packaging | None = child("ConsignmentItemPackaging", Packaging, "商品项包装")
    commodity: Commodity | None = child("Commodity", Commodity)
    undg_code: str | None = text("UNDGCode", "危险品编号")
    goods_measure: GoodsMeasure | None = child("GoodsMeasure", GoodsMeasure)
    additional_information: AdditionalInformation | None = child("AdditionalInformation", AdditionalInformation)


@manifest_model("TransportEquipment")
@attrs.frozen(kw_only=True)
class ResponseTransportEquipment:
    """``Response/BorderTransportMeans/TransportEquipment`` of an MT9999: a container and the statement about it.

    Order ID, AdditionalInformation from code generated from the (road) response schema (FORMATS.md §3.5).
    """

    __eport_spec__: ClassVar[ModelSpec]
    id: str | None = text("ID", "集装箱(器)编号")
    additional_information: AdditionalInformation | None = child("AdditionalInformation", AdditionalInformation, "回执")

    @property
    def statement(self) -> StatementCode | None:
        """The statement code as :class:`~eport.edi.manifest.StatementCode` (``None`` if absent or unknown)."""
        return statement_of(self.additional_information)


@manifest_model("BorderTransportMeans")
@attrs.frozen(kw_only=True)
class BorderTransportMeans:
    """BorderTransportMeans 运输工具: JourneyID 航次, TypeCode 运输方式, ID, Name, arrival/departure.

    In an MT9999 response it may list the containers a statement is about (``transport_equipment``, after the
    other fields); declarations leave that empty.
    """

    __eport_spec__: ClassVar[ModelSpec]
    journey_id: str | None = text("JourneyID", "航次航班编号")
    type_code: str | None = text("TypeCode", "运输方式代码")
    id: str | None = text("ID", "运输工具代码")
    name: str | None = text("Name", "运输工具名称")
    first_arrival_location_id: str | None = text("FirstArrivalLocationID", "抵达关境内第一个目的港")
    arrival_date_time: str | None = text("ArrivalDateTime", "抵达时间")
    departure_date_time: str | None = text("DepartureDateTime", "启运时间")
    transport_equipment: tuple[ResponseTransportEquipment, ...] = children(
        "TransportEquipment", ResponseTransportEquipment, "集装箱(器)回执 (MT9999)"
    )


@manifest_model("PreviousCustomsDocument")
@attrs.frozen(kw_only=True)
class PreviousCustomsDocument:
    """PreviousCustomsDocument 前序海关单证: ID, TypeCode."""

    __eport_spec__: ClassVar[ModelSpec]
    id: str | None = text("ID", "单证号")
    type_code: str | None = text("TypeCode", "单证类型")


@manifest_model("FreightPayment")
@attrs.frozen(kw_only=True)
class FreightPayment:
    """FreightPayment/MethodCode 运费支付方法."""

    __eport_spec__: ClassVar[ModelSpec]
    method_code: str | None = text("MethodCode", "运费支付方法")


@manifest_model("Consignment")
@attrs.frozen(kw_only=True)
class Consignment:
    """Consignment 提(运)单 of sea and air manifests (order [UNVERIFIED], see the module docstring)."""

    __eport_spec__: ClassVar[ModelSpec]
    transport_contract_document: TransportContractDocument | None = child(
        "TransportContractDocument", TransportContractDocument, "提(运)单"
    )
    associated_transport_document: Identification | None = child(
        "AssociatedTransportDocument", Identification, "总提(运)单"
    )
    gross_volume_measure: Measure | None = child("GrossVolumeMeasure", Measure, "货物体积")
    value_amount: Amount | None = child("ValueAmount", Amount, "货物价值")
    loading_location: Location | None = child("LoadingLocation", Location, "装货地")
    unloading_location: Location | None = child("UnloadingLocation", Location, "卸货地")
    goods_receipt_place: Location | None = child("GoodsReceiptPlace", Location, "收货地")
    transhipment_location: Identification | None = child("TranshipmentLocation", Identification, "中转地")
    transit_destination: Identification | None = child("TransitDestination", Identification, "转运目的地")
    goods_consigned_place: Identification | None = child("GoodsConsignedPlace", Identification, "货物托运地")
    freight_payment: FreightPayment | None = child("FreightPayment", FreightPayment)
    consignment_packaging: Packaging | None = child("ConsignmentPackaging", Packaging, "包装")
    total_gross_mass_measure: Measure | None = child("TotalGrossMassMeasure", Measure, "货物总毛重")
    transport_split_indicator: str | None = text("TransportSplitIndicator", "分批标识")
    previous_customs_document: PreviousCustomsDocument | None = child(
        "PreviousCustomsDocument", PreviousCustomsDocument
    )
    delivery_destination: Address | None = child("DeliveryDestination", Address, "交货地")
    intermediate_carrier: Identification | None = child("IntermediateCarrier", Identification, "中转承运人")
    consignee: Party | None = child("Consignee", Party, "收货人")
    consignor: Party | None = child("Consignor", Party, "发货人")
    notify_party: Party | None = child("NotifyParty", Party, "通知人")
    undg_contact: Contact | None = child("UNDGContact", Contact, "危险品联系人")
    transport_equipment: tuple[TransportEquipment, ...] = children(
        "TransportEquipment", TransportEquipment, "集装箱(器)"
    )
    consignment_item: tuple[ConsignmentItem, ...] = children("ConsignmentItem", ConsignmentItem, "商品项")
    additional_information: AdditionalInformation | None = child(
        "AdditionalInformation", AdditionalInformation, "备注/回执"
    )


@manifest_model("Declaration")
@attrs.frozen(kw_only=True)
class Declaration:
    """Declaration body of sea and air manifests (MT1101, MT2101, MT3101, MT4101, MT5101, MT5102, MT1201 …).

    An arrival report (运抵报告 MT3101) of containers carries ``transport_equipment`` right after
    ``unloading_location`` (two independent public MT3101 writers agree); its place relative to ``consignment``
    is [UNVERIFIED].
    """

    __eport_spec__: ClassVar[ModelSpec]
    declaration_office_id: str | None = text("DeclarationOfficeID", "申报地海关")
    id: str | None = text("ID", "舱单编号")
    representative_person: Named | None = child("RepresentativePerson", Named, "舱单传输人")
    exit_customs_office: Identification | None = child("ExitCustomsOffice", Identification, "离境地海关")
    agent: Identification | None = child("Agent", Identification, "代理人")
    carrier: Identification | None = child("Carrier", Identification, "承运人")
    border_transport_means: BorderTransportMeans | None = child(
        "BorderTransportMeans", BorderTransportMeans, "运输工具"
    )
    unloading_location: Location | None = child("UnloadingLocation", Location, "卸货地")
    transport_equipment: tuple[TransportEquipment, ...] = children(
        "TransportEquipment", TransportEquipment, "集装箱(器), 运抵报告 MT3101"
    )
    consignment: tuple[Consignment, ...] = children("Consignment", Consignment, "提(运)单")
    additional_information: AdditionalInformation | None = child("AdditionalInformation", AdditionalInformation, "备注")
