"""The HTTP surface of the sandbox (raw HTTP on purpose: these tests check the wire contract itself)."""

from __future__ import annotations

import base64
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree

from eport.edi import dxp
from eport.pki.ceb import sign_ceb
from eport.pki.signer import KeyAlgorithm
from eport.pki.signers import InMemorySigner
from eport.pki.testing import make_chain
from eport.sandbox import CEB_DXP_ID, DEMO_DXP_ID
from eport.services import ClearanceClient, HttpTransport, Stage
from tests import reference
from tests.sandbox import messages as m
from tests.sandbox.process import SandboxProcess

pytestmark = pytest.mark.sandbox


def official_xsd_dir() -> Path:
    """The official 202205 schemas from the shared reference folder (an independent copy of the package's)."""
    return reference.require("ceb", "xsd202205")


def envelope(signer: InMemorySigner, cop_msg_id: str | None = None, deal: m.Deal | None = None) -> bytes:
    """A signed order in a DxpMsg from the demo enterprise."""
    payload = sign_ceb(m.order(deal or m.Deal()), signer)
    return dxp.wrap(
        payload, sender_id=DEMO_DXP_ID, receiver_ids=(CEB_DXP_ID,), cop_msg_id=cop_msg_id or str(uuid.uuid4())
    ).to_bytes()


def post(sandbox: SandboxProcess, body: bytes, key: str | None) -> requests.Response:
    headers = {"Content-Type": "application/xml"}
    if key is not None:
        headers["Idempotency-Key"] = key
    return requests.post(f"{sandbox.url}/api/v1/dxp", data=body, headers=headers, timeout=10)


def test_health_and_openapi(sandbox: SandboxProcess) -> None:
    assert requests.get(f"{sandbox.url}/healthz", timeout=5).json() == {"status": "ok"}
    spec = requests.get(f"{sandbox.url}/openapi.json", timeout=5).json()
    assert spec["openapi"] == "3.1.0"
    assert {"/api/v1/dxp", "/api/v1/receipts", "/api/v1/submissions/{copMsgId}", "/healthz"} <= set(spec["paths"])
    assert set(spec["paths"]["/api/v1/dxp"]["post"]["responses"]) == {"200", "202", "400", "406", "409", "413", "415"}
    assert spec["servers"] == [{"url": sandbox.url}]  # the real port, not the default one


def test_submit_retry_and_conflict(sandbox: SandboxProcess, signer: InMemorySigner) -> None:
    cop_msg_id = str(uuid.uuid4())
    body = envelope(signer, cop_msg_id)

    first = post(sandbox, body, cop_msg_id)
    again = post(sandbox, body, cop_msg_id)
    other = post(sandbox, envelope(signer, cop_msg_id), cop_msg_id)

    assert first.status_code == 202
    assert first.json() == {"copMsgId": cop_msg_id, "msgId": first.json()["msgId"], "duplicate": False}
    assert again.status_code == 200
    assert again.json()["duplicate"] is True
    assert again.json()["msgId"] == first.json()["msgId"]
    assert other.status_code == 409
    assert other.json()["code"] == "conflict"


def test_idempotency_key_must_match(sandbox: SandboxProcess, signer: InMemorySigner) -> None:
    cop_msg_id = str(uuid.uuid4())
    reply = post(sandbox, envelope(signer, cop_msg_id), "not-the-cop-msg-id")
    assert reply.status_code == 400
    assert reply.json()["code"] == "idempotency_key_mismatch"
    assert requests.get(f"{sandbox.url}/api/v1/submissions/{cop_msg_id}", timeout=5).status_code == 404  # not stored


@pytest.mark.parametrize(
    "body",
    [
        b"not xml at all",
        b"<DxpMsg xmlns='http://www.chinaport.gov.cn/dxp' ver='1.0'><TransInfo/></DxpMsg>",
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]><DxpMsg>&e;</DxpMsg>',
        b"<Other/>",
    ],
)
def test_unreadable_envelopes_are_400(sandbox: SandboxProcess, body: bytes) -> None:
    reply = post(sandbox, body, None)
    assert reply.status_code == 400
    assert reply.json()["code"] == "bad_envelope"
    assert reply.json()["error"]


def test_unknown_submission_and_route(sandbox: SandboxProcess) -> None:
    assert requests.get(f"{sandbox.url}/api/v1/submissions/nope", timeout=5).status_code == 404
    assert requests.get(f"{sandbox.url}/nothing", timeout=5).json()["code"] == "not_found"


@pytest.mark.parametrize("query", ["dxpId=&after=0", "dxpId=X&limit=0", "dxpId=X&limit=1001", "dxpId=X&after=x"])
def test_bad_receipt_queries_are_400(sandbox: SandboxProcess, query: str) -> None:
    reply = requests.get(f"{sandbox.url}/api/v1/receipts?{query}", timeout=5)
    assert reply.status_code == 400
    assert reply.json()["code"] == "bad_parameter"


def test_receipts_cursor_and_schema_validity(
    sandbox: SandboxProcess, http_client: ClearanceClient, signer: InMemorySigner
) -> None:
    handle = http_client.submit(m.order(m.Deal()), signer=signer)
    http_client.wait(handle, until=Stage.CONCLUDED, timeout=30)
    broken = http_client.submit(m.order(m.Deal()).replace(b"<ceb:orderType>I", b"<ceb:orderType>II"), signer=signer)
    http_client.wait(broken, until=Stage.CONCLUDED, timeout=30, raise_on_reject=False)

    seen: list[dict[str, Any]] = []
    after = 0
    while True:
        page = requests.get(
            f"{sandbox.url}/api/v1/receipts", params={"dxpId": DEMO_DXP_ID, "after": after, "limit": 7}, timeout=5
        ).json()
        if not page["receipts"]:
            assert page["next"] == after
            break
        assert len(page["receipts"]) <= 7
        seen += page["receipts"]
        after = page["next"]
    seqs = [r["seq"] for r in seen]
    assert seqs == sorted(set(seqs))

    xsd_dir = official_xsd_dir()
    dxp_schema = etree.XMLSchema(etree.parse(str(xsd_dir / "dxp-terminal.xsd")))
    ceb_schema = etree.XMLSchema(etree.parse(str(xsd_dir / "ceb-import.xsd")))
    mine = [r for r in seen if r["sourceCopMsgId"] in {handle.cop_msg_id, broken.cop_msg_id}]
    assert [r["msgType"] for r in mine] == ["CEB312Message"] * 3 + ["CEB900Message"]
    for row in mine:
        wrapped = base64.b64decode(row["dxp"])
        dxp_schema.assertValid(etree.fromstring(wrapped))
        business = dxp.unwrap(wrapped)
        ceb_schema.assertValid(etree.fromstring(business))


def test_registered_certificate_is_accepted(sandbox: SandboxProcess, tmp_path: Path) -> None:
    chain = make_chain(KeyAlgorithm.RSA)
    newcomer: Any = chain.signer()
    pem = x509.load_der_x509_certificate(chain.leaf.der).public_bytes(Encoding.PEM)
    pem_type = {"Content-Type": "application/x-pem-file"}
    reply = requests.post(f"{sandbox.url}/api/v1/certificates", data=pem, headers=pem_type, timeout=5)
    assert reply.status_code == 201
    listed = requests.get(f"{sandbox.url}/api/v1/certificates", timeout=5).json()["certificates"]
    assert reply.json()["fingerprint"] in {c["fingerprint"] for c in listed}
    assert (
        requests.post(f"{sandbox.url}/api/v1/certificates", data=b"junk", headers=pem_type, timeout=5).status_code
        == 400
    )

    with ClearanceClient(
        HttpTransport(sandbox.url, dxp_id=DEMO_DXP_ID), tmp_path / "j.db", sender_id=DEMO_DXP_ID, poll_interval=0.02
    ) as client:
        handle = client.submit(m.order(m.Deal()), signer=newcomer)
        assert [e.code for e in client.wait(handle, until=Stage.CONCLUDED, timeout=30).history if e.code] == [
            "2",
            "120",
            "399",
        ]
