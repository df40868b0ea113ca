"""The receipt messages the simulated customs sends back, written with eport's models from a planned receipt.

A plan (stored as JSON in the scheduler table so a restart resumes it) says which receipt to write and with which
values; this module writes the XML in the exact element order of the official schema (CEB receipts and CEB900
validate against ``ceb-import.xsd``) or of the published samples (``DecImportResponse``, ``DEC_RESULT``, manifest
``MT9999``; no official schema is public for those).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from eport import edi
from eport.edi import manifest as mft
from eport.edi.ceb import imports as ceb_import
from eport.edi.dec.receipts import DecImportResponse, DecResult
from eport.errors import EncodeError

CHINA = dt.timezone(dt.timedelta(hours=8), "CST")

#: Child order of every CEB receipt entity the sandbox writes (from ceb-import.xsd, 202205 edition).
CEB_RETURN_FIELDS: dict[str, tuple[str, ...]] = {
    "OrderReturn": ("guid", "ebpCode", "ebcCode", "orderNo", "returnStatus", "returnTime", "returnInfo"),
    "PaymentReturn": ("guid", "payCode", "payTransactionId", "returnStatus", "returnTime", "returnInfo"),
    "LogisticsReturn": ("guid", "logisticsCode", "logisticsNo", "returnStatus", "returnTime", "returnInfo"),
    "InventoryReturn": (
        "guid",
        "customsCode",
        "ebpCode",
        "ebcCode",
        "agentCode",
        "copNo",
        "preNo",
        "invtNo",
        "returnStatus",
        "returnTime",
        "returnInfo",
    ),
    "MessageReturn": (
        "guid",
        "returnStatus",
        "returnInfo",
        "returnTime",
        "oriCopMsgId",
        "oriMessageType",
        "oriBizMessage",
    ),
}

#: Receipt root and entity for each CEB business message the sandbox simulates.
CEB_RECEIPT_FOR: dict[str, tuple[str, str]] = {
    "CEB311Message": ("CEB312Message", "OrderReturn"),
    "CEB411Message": ("CEB412Message", "PaymentReturn"),
    "CEB511Message": ("CEB512Message", "LogisticsReturn"),
    "CEB621Message": ("CEB622Message", "InventoryReturn"),
}


def return_time(at: dt.datetime) -> str:
    """``YYYYMMDDhhmmssSSS`` in China time, as CEB receipts write it."""
    local = at.astimezone(CHINA)
    return local.strftime("%Y%m%d%H%M%S") + f"{local.microsecond // 1000:03d}"


def ceb_receipt(root_name: str, entity: str, guid: str, fields: dict[str, Any], at: dt.datetime) -> bytes:
    """Write a CEB receipt (``CEB312Message`` … ``CEB900Message``) with one return entity, using eport's models.

    Args:
        root_name: e.g. ``CEB622Message``.
        entity: e.g. ``InventoryReturn``.
        guid: the receipt's guid (36 upper-case characters).
        fields: entity values by XML tag; ``returnTime`` is filled from ``at`` when absent; None values are omitted.
        at: emission time.

    Raises:
        EncodeError: for an unknown receipt or entity.
    """
    root_cls = getattr(ceb_import, root_name, None)
    entity_cls = getattr(ceb_import, entity, None)
    if root_cls is None or entity_cls is None:
        raise EncodeError(f"unknown CEB receipt {root_name}/{entity}")
    values = {"guid": guid, "returnTime": return_time(at), **fields}
    names = {f.tag: f.name for f in entity_cls.__eport_spec__.fields}
    body = entity_cls(**{names[tag]: str(v) for tag, v in values.items() if v is not None and tag in names})
    slot = next(f for f in root_cls.__eport_spec__.fields if f.tag == entity)
    repeated = slot.max_occurs is None or slot.max_occurs > 1
    message = root_cls(guid=guid, version="1.0", **{slot.name: (body,) if repeated else body})
    return edi.encode(message)


def dec_import_response(*, response_code: str, message: str, client_seq_no: str, seq_no: str) -> bytes:
    """Write a ``DecImportResponse`` (namespace ``http://www.chinaport.gov.cn/dec``) with eport's model."""
    return edi.encode(
        DecImportResponse(
            response_code=response_code, error_message=message, client_seq_no=client_seq_no, seq_no=seq_no or None
        )
    )


def dec_result(
    *, seq_no: str, entry_id: str, channel: str, note: str, customs_master: str, at: dt.datetime, dated: bool
) -> bytes:
    """Write a ``DEC_RESULT`` business receipt (no namespace; Single Window style) with eport's model.

    Args:
        seq_no: 统一编号 (``CUS_CIQ_NO``).
        entry_id: 海关编号, empty before customs assigns it.
        channel: the CHANNEL code (``7``, ``L``, ``J``, ``P``, ``R``, ``E`` …).
        note: the NOTE text.
        customs_master: 申报地海关 code.
        at: notice time.
        dated: fill ``I_E_DATE`` and ``D_DATE`` (from review concluded, channel J, on).
    """
    local = at.astimezone(CHINA)
    day = local.strftime("%Y-%m-%d") if dated else ""
    return edi.encode(
        DecResult(
            cus_ciq_no=seq_no,
            entry_id=entry_id,
            notice_date=local.strftime("%Y-%m-%dT%H:%M:%S"),
            channel=channel,
            note=note,
            custom_master=customs_master,
            i_e_date=day,
            d_date=day,
        )
    )


def manifest_response(
    *,
    message_id: str,
    receiver_id: str,
    original_message_id: str,
    journey_id: str,
    transport_id: str,
    bills: list[str],
    statement_code: str,
    statement: str,
    at: dt.datetime,
) -> bytes:
    """Write a manifest receipt ``MT9999`` (namespace ``urn:Declaration:datamodel:standard:CN:MT9999:1``) with
    eport's manifest models.

    Args:
        message_id: the receipt's MessageID.
        receiver_id: the ``SenderID`` of the manifest answered.
        original_message_id: the MessageID of the manifest answered (``Response/ID``).
        journey_id / transport_id: ``BorderTransportMeans`` of the answered manifest.
        bills: transport contract document (提运单) numbers answered.
        statement_code: ``01`` accepted, ``02`` pending manual review, ``03`` rejected, ``11`` B/L released …
        statement: the StatementDescription.
        at: send time.
    """

    def info() -> mft.AdditionalInformation:
        return mft.AdditionalInformation(statement_code=statement_code, statement_description=statement)

    message = mft.Manifest(
        head=mft.Head(
            message_id=message_id,
            function_code="3" if statement_code == "03" else "2",
            message_type="MT9999",
            sender_id="EPORT",
            receiver_id=receiver_id,
            send_time=mft.send_time(at.astimezone(CHINA)),
            version="1.0",
        ),
        response=mft.Response(
            id=original_message_id or None,
            additional_information=info(),
            border_transport_means=mft.BorderTransportMeans(journey_id=journey_id or None, id=transport_id or None),
            consignment=tuple(
                mft.ResponseConsignment(
                    transport_contract_document=mft.Identification(id=bill), additional_information=info()
                )
                for bill in bills
            ),
        ),
    )
    return mft.encode_manifest(message)


__all__ = [
    "CEB_RECEIPT_FOR",
    "CEB_RETURN_FIELDS",
    "ceb_receipt",
    "dec_import_response",
    "dec_result",
    "manifest_response",
    "return_time",
]
