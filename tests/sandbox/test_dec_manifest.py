"""Declarations (报关单) and manifests (舱单) against the sandbox running as a separate process."""

from __future__ import annotations

import base64
import uuid
from typing import Any

import pytest
from lxml import etree

from eport.edi import manifest
from eport.edi.dec.receipts import DecImportResponse, DecResult, parse_dec_receipt
from eport.errors import RejectedError
from eport.sandbox import DEMO_DXP_ID
from eport.services import ClearanceClient, Stage
from eport.services._xml import unwrap
from tests.sandbox import messages as m
from tests.sandbox.process import SandboxProcess

pytestmark = pytest.mark.sandbox


def test_declaration_goes_7_l_j_p_r_by_file_exchange(file_client: ClearanceClient, sandbox: SandboxProcess) -> None:
    seq = m.client_seq_no()
    handle = file_client.submit(m.declaration(seq))

    final = file_client.wait(handle, until=Stage.CLOSED, timeout=30)

    assert [e.code for e in final.history if e.code] == ["0", "7", "L", "J", "P", "R"]
    assert final.seq_no is not None
    assert len(final.seq_no) == 18
    assert final.entry_id is not None
    assert len(final.entry_id) == 18
    assert file_client.status(client_seq_no=seq).cop_msg_id == handle.cop_msg_id
    assert file_client.status(entry_id=final.entry_id).cop_msg_id == handle.cop_msg_id
    assert list((sandbox.imp_path / "DecCus001" / "SentBox").glob(f"Dec{seq}*.xml"))


def test_declaration_receipts_decode_with_eport_models(http_client: ClearanceClient, sandbox: SandboxProcess) -> None:
    handle = http_client.submit(m.declaration(m.client_seq_no()))
    http_client.wait(handle, until=Stage.CLOSED, timeout=30)
    statuses: Any = sandbox.get(f"/api/v1/submissions/{handle.cop_msg_id}")["statuses"]
    assert [s["msgType"] for s in statuses][1:] == ["DecImportResponse"] + ["DEC_RESULT"] * 5

    decoded = [parse_dec_receipt(unwrap(raw).data) for raw in _receipts_for(sandbox, handle.cop_msg_id)]
    assert isinstance(decoded[0], DecImportResponse)
    assert decoded[0].ok
    assert [d.channel for d in decoded[1:] if isinstance(d, DecResult)] == ["7", "L", "J", "P", "R"]


def _receipts_for(sandbox: SandboxProcess, cop_msg_id: str) -> list[bytes]:
    """Every receipt envelope the sandbox holds for one submission, through the receipts cursor."""
    found: list[bytes] = []
    after = 0
    while True:
        page: Any = sandbox.get(f"/api/v1/receipts?dxpId={DEMO_DXP_ID}&after={after}&limit=1000")
        found += [base64.b64decode(r["dxp"]) for r in page["receipts"] if r["sourceCopMsgId"] == cop_msg_id]
        if not page["receipts"]:
            return found
        after = page["next"]


def test_declaration_without_goods_is_rejected_with_e(http_client: ClearanceClient) -> None:
    handle = http_client.submit(m.declaration(m.client_seq_no(), with_goods=False))

    with pytest.raises(RejectedError) as caught:
        http_client.wait(handle, until=Stage.CLOSED, timeout=30)

    assert caught.value.code == "E"


def test_manifest_goes_01_then_11(file_client: ClearanceClient) -> None:
    message_id = f"CN_MT2101_1p0_4403960001_{uuid.uuid4().hex[:17]}"
    handle = file_client.submit(m.manifest(message_id, bills=("BL0001", "BL0002")))

    final = file_client.wait(handle, until=Stage.RELEASED, timeout=30)

    assert [e.code for e in final.history if e.code] == ["01", "11"]
    assert final.stage is Stage.RELEASED


def test_manifest_receipt_is_an_mt9999(http_client: ClearanceClient, sandbox: SandboxProcess) -> None:
    message_id = f"CN_MT2101_1p0_4403960001_{uuid.uuid4().hex[:17]}"
    handle = http_client.submit(m.manifest(message_id))
    http_client.wait(handle, until=Stage.RELEASED, timeout=30)

    last = _receipts_for(sandbox, handle.cop_msg_id)[-1]
    root = etree.fromstring(unwrap(last).data)
    ns = {"m": "urn:Declaration:datamodel:standard:CN:MT9999:1"}
    assert root.findtext("m:Head/m:MessageType", namespaces=ns) == "MT9999"
    assert root.findtext("m:Response/m:AdditionalInformation/m:StatementCode", namespaces=ns) == "11"
    bills = root.findall("m:Response/m:Consignment/m:TransportContractDocument/m:ID", namespaces=ns)
    assert [b.text for b in bills] == ["BL0001"]
    decoded = manifest.decode_manifest(unwrap(last).data)
    assert decoded.response is not None
    assert decoded.response.statement is manifest.StatementCode.RELEASED
    assert decoded.response.id == message_id


def test_manifest_without_bills_is_rejected_with_03(http_client: ClearanceClient) -> None:
    handle = http_client.submit(m.manifest(f"CN_MT2101_1p0_X_{uuid.uuid4().hex[:12]}", bills=()))

    with pytest.raises(RejectedError) as caught:
        http_client.wait(handle, until=Stage.RELEASED, timeout=30)

    assert caught.value.code == "03"


def test_declaration_out_of_structure_order_is_refused_at_import(http_client: ClearanceClient) -> None:
    seq = m.client_seq_no()
    xml = m.declaration(seq)
    head_start, head_end = xml.index(b"<DecHead>"), xml.index(b"</DecHead>") + len(b"</DecHead>")
    lists_end = xml.index(b"</DecLists>") + len(b"</DecLists>")
    swapped = xml[:head_start] + xml[head_end:lists_end] + xml[head_start:head_end] + xml[lists_end:]

    handle = http_client.submit(swapped)
    result = http_client.wait(handle, until=Stage.CLOSED, timeout=30, raise_on_reject=False)

    assert result.stage is Stage.REJECTED
    assert [e.code for e in result.history if e.code] == ["1"]
    assert "format error" in (result.info or "")
