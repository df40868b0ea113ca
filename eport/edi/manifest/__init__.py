"""Manifests (舱单): sea, air and road manifest messages, their head rules and the MT9999 response.

::

    from eport.edi import manifest

    m = manifest.decode_manifest(data)           # Manifest(head=Head(...), declaration=Declaration(...))
    xml = manifest.encode_manifest(m)            # namespace urn:Declaration:datamodel:standard:CN:MT2101:1

Pure: no I/O. See ``docs/manifests.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from eport._lazy import lazy_exports

if TYPE_CHECKING:  # what type checkers and IDEs see; at run time __getattr__ imports these on first use
    from eport.edi.manifest.codec import decode_manifest, decode_manifest_lenient, encode_manifest
    from eport.edi.manifest.message import (
        FUNCTION_CODES,
        MESSAGE_ID_PATTERN,
        MESSAGE_TYPES,
        NAMESPACE_TEMPLATE,
        Head,
        Manifest,
        Response,
        ResponseConsignment,
        ResponseType,
        is_road,
        message_id,
        message_type_of_namespace,
        namespace_for,
        parse_send_time,
        send_time,
        sender_id,
    )
    from eport.edi.manifest.models import (
        TEXT,
        AdditionalInformation,
        Address,
        Amount,
        BorderTransportMeans,
        Commodity,
        Communication,
        Consignment,
        ConsignmentItem,
        Contact,
        Declaration,
        FreightPayment,
        GoodsMeasure,
        Identification,
        Location,
        Measure,
        Named,
        Packaging,
        Party,
        PreviousCustomsDocument,
        ResponseTransportEquipment,
        Seal,
        TransportContractDocument,
        TransportEquipment,
    )
    from eport.edi.manifest.road import (
        Amendment,
        ChangeInformation,
        Freight,
        GovernmentAgencyGoodsItem,
        GovernmentProcedure,
        Itinerary,
        RoadConsignment,
        RoadConsignmentItem,
        RoadConsignmentTransport,
        RoadDeclaration,
        RoadPackaging,
        RoadTransportContractDocument,
        RoadTransportEquipment,
        RoadUnloadingLocation,
    )
    from eport.edi.manifest.status import StatementCode

#: Public name → the module that defines it; imported on first use, so that importing the package (the family
#: registering with the engine, for one) does not build every model.
_LAZY: dict[str, str] = {
    "StatementCode": "eport.edi.manifest.status",
    **dict.fromkeys(("decode_manifest", "decode_manifest_lenient", "encode_manifest"), "eport.edi.manifest.codec"),
    **dict.fromkeys(
        (
            "FUNCTION_CODES",
            "MESSAGE_ID_PATTERN",
            "MESSAGE_TYPES",
            "NAMESPACE_TEMPLATE",
            "Head",
            "Manifest",
            "Response",
            "ResponseConsignment",
            "ResponseType",
            "is_road",
            "message_id",
            "message_type_of_namespace",
            "namespace_for",
            "parse_send_time",
            "send_time",
            "sender_id",
        ),
        "eport.edi.manifest.message",
    ),
    **dict.fromkeys(
        (
            "TEXT",
            "AdditionalInformation",
            "Address",
            "Amount",
            "BorderTransportMeans",
            "Commodity",
            "Communication",
            "Consignment",
            "ConsignmentItem",
            "Contact",
            "Declaration",
            "FreightPayment",
            "GoodsMeasure",
            "Identification",
            "Location",
            "Measure",
            "Named",
            "Packaging",
            "Party",
            "PreviousCustomsDocument",
            "ResponseTransportEquipment",
            "Seal",
            "TransportContractDocument",
            "TransportEquipment",
        ),
        "eport.edi.manifest.models",
    ),
    **dict.fromkeys(
        (
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
        ),
        "eport.edi.manifest.road",
    ),
}


__getattr__, __dir__ = lazy_exports(globals(), _LAZY)


__all__ = [
    "FUNCTION_CODES",
    "MESSAGE_ID_PATTERN",
    "MESSAGE_TYPES",
    "NAMESPACE_TEMPLATE",
    "TEXT",
    "AdditionalInformation",
    "Address",
    "Amendment",
    "Amount",
    "BorderTransportMeans",
    "ChangeInformation",
    "Commodity",
    "Communication",
    "Consignment",
    "ConsignmentItem",
    "Contact",
    "Declaration",
    "Freight",
    "FreightPayment",
    "GoodsMeasure",
    "GovernmentAgencyGoodsItem",
    "GovernmentProcedure",
    "Head",
    "Identification",
    "Itinerary",
    "Location",
    "Manifest",
    "Measure",
    "Named",
    "Packaging",
    "Party",
    "PreviousCustomsDocument",
    "Response",
    "ResponseConsignment",
    "ResponseTransportEquipment",
    "ResponseType",
    "RoadConsignment",
    "RoadConsignmentItem",
    "RoadConsignmentTransport",
    "RoadDeclaration",
    "RoadPackaging",
    "RoadTransportContractDocument",
    "RoadTransportEquipment",
    "RoadUnloadingLocation",
    "Seal",
    "StatementCode",
    "TransportContractDocument",
    "TransportEquipment",
    "decode_manifest",
    "decode_manifest_lenient",
    "encode_manifest",
    "is_road",
    "message_id",
    "message_type_of_namespace",
    "namespace_for",
    "parse_send_time",
    "send_time",
    "sender_id",
]
