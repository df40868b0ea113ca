"""Test helpers: business messages, receipts and a loopback HTTP gateway speaking docs/exchange-protocol.md."""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import signal
import socket
import sqlite3
import struct
import subprocess
import sys
import threading
import time
import uuid
import zipfile
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from eport.services import unwrap, wrap

ROOT = Path(__file__).resolve().parents[2]
CN = dt.timezone(dt.timedelta(hours=8))
SIGNATURE = b'<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignatureValue>AA==</ds:SignatureValue></ds:Signature>'


def fake_sign(payload: bytes, _signer: object) -> bytes:
    """Stand-in for eport.pki.ceb.sign_ceb in unit tests: appends an (unverifiable) ds:Signature."""
    end = payload.rindex(b"</")
    return payload[:end] + SIGNATURE + payload[end:]


def inventory(cop_no: str = "COP0001", *, guid: str | None = None, app_type: str = "1", signed: bool = False) -> bytes:
    """A minimal CEB621 inventory message (keys only; the sandbox tests use full example data)."""
    guid = guid or str(uuid.uuid4()).upper()
    sig = SIGNATURE.decode() if signed else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<ceb:CEB621Message guid="{guid}" version="1.0" xmlns:ceb="http://www.chinaport.gov.cn/ceb">
<ceb:Inventory><ceb:InventoryHead><ceb:guid>{guid}</ceb:guid><ceb:appType>{app_type}</ceb:appType>
<ceb:orderNo>ORDER-{cop_no}</ceb:orderNo><ceb:ebpCode>4403960001</ceb:ebpCode><ceb:ebcCode>4403960001</ceb:ebcCode>
<ceb:copNo>{cop_no}</ceb:copNo></ceb:InventoryHead></ceb:Inventory>{sig}</ceb:CEB621Message>""".encode()


def declaration(client_seq_no: str = "202611280000000001", oper_type: str = "C") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<DecMessage xmlns="http://www.chinaport.gov.cn/dec" Version="4.8"><DecHead><SeqNo/><IEFlag>I</IEFlag></DecHead>
<DecSign><OperType>{oper_type}</OperType><ClientSeqNo>{client_seq_no}</ClientSeqNo></DecSign></DecMessage>""".encode()


def manifest(message_id: str = "MFT0001") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Manifest xmlns="urn:Declaration:datamodel:standard:CN:MT2101:1"><Head><MessageID>{message_id}</MessageID>
<FunctionCode>9</FunctionCode><MessageType>MT2101</MessageType></Head><Declaration/></Manifest>""".encode()


def ceb622(guid: str, status: str, info: str = "", cop_no: str = "COP0001") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<CEB622Message guid="{uuid.uuid4()}" version="1.0" xmlns="http://www.chinaport.gov.cn/ceb"><InventoryReturn>
<guid>{guid}</guid><customsCode>5141</customsCode><ebpCode>4403960001</ebpCode><ebcCode>4403960001</ebcCode>
<agentCode>4403960001</agentCode><copNo>{cop_no}</copNo><preNo/><invtNo/><returnStatus>{status}</returnStatus>
<returnTime>20261128120000123</returnTime><returnInfo>{info}</returnInfo></InventoryReturn></CEB622Message>""".encode()


def ceb900(ori_cop_msg_id: str, status: str = "-0002", info: str = "schema") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<CEB900Message guid="{uuid.uuid4()}" version="1.0" xmlns="http://www.chinaport.gov.cn/ceb"><MessageReturn>
<guid>{uuid.uuid4()}</guid><returnStatus>{status}</returnStatus><returnInfo>{info}</returnInfo>
<returnTime>20261128120000</returnTime><oriCopMsgId>{ori_cop_msg_id}</oriCopMsgId>
<oriMessageType>CEB621Message</oriMessageType></MessageReturn></CEB900Message>""".encode()


def dec_import_response(client_seq_no: str, seq_no: str, code: str = "0") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<ns2:DecImportResponse xmlns:ns2="http://www.chinaport.gov.cn/dec"><ns2:ResponseCode>{code}</ns2:ResponseCode>
<ns2:ErrorMessage>调用成功</ns2:ErrorMessage><ns2:ClientSeqNo>{client_seq_no}</ns2:ClientSeqNo>
<ns2:SeqNo>{seq_no}</ns2:SeqNo></ns2:DecImportResponse>""".encode()


def dec_result(seq_no: str, channel: str, entry_id: str = "") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<DEC_RESULT><CUS_CIQ_NO>{seq_no}</CUS_CIQ_NO><ENTRY_ID>{entry_id}</ENTRY_ID>
<NOTICE_DATE>2026-11-28T12:00:00</NOTICE_DATE><CHANNEL>{channel}</CHANNEL><NOTE>{seq_no} {channel}</NOTE>
<CUSTOM_MASTER/><I_E_DATE/><D_DATE/></DEC_RESULT>""".encode()


def mt9999(code: str, description: str = "") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Manifest xmlns="urn:Declaration:datamodel:standard:CN:MT9999:1"><Head><MessageID>R1</MessageID>
<FunctionCode>2</FunctionCode><MessageType>MT9999</MessageType><SendTime>20261128120000000</SendTime></Head>
<Response><ID>MFT0001</ID><AdditionalInformation><StatementCode>{code}</StatementCode>
<StatementDescription>{description}</StatementDescription></AdditionalInformation></Response></Manifest>""".encode()


def receipt_envelope(business: bytes, source: str | None, msg_type: str = "CEB622Message") -> bytes:
    """A receipt DxpMsg from customs to the demo enterprise, naming the answered submission."""
    return wrap(
        business,
        cop_msg_id=str(uuid.uuid4()),
        sender_id="DXPEDCCEB0000002",
        receiver_ids=("DXPENT0000000001",),
        msg_type=msg_type,
        created=dt.datetime.now(CN),
        biz_keys={"SourceCopMsgId": source} if source else None,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Gateway:
    """A loopback gateway implementing the HTTP part of docs/exchange-protocol.md, with fault switches.

    Attributes:
        stored: CopMsgId -> envelope bytes.
        drop_after_store: number of next POSTs whose connection is closed without a reply *after* storing.
        fail_next: list of HTTP statuses answered (without storing) to the next POSTs.
        fail_headers: headers sent with those injected answers (``Retry-After`` …).
        fail_body: the body of those injected answers (JSON ``{"error","code"}`` when ``None``).
        delay: seconds to sleep before storing and answering.
        delay_after_store: seconds to sleep after storing, before answering.
        on_store: called with (cop_msg_id, envelope) to produce receipt business XML (or None).
        idempotent: honour the Idempotency-Key (the protocol); ``False`` plays a gateway that stores every POST.
        copies: how many times each CopMsgId was stored (more than 1 only when not idempotent).
    """

    def __init__(self, context: Any = None) -> None:
        self.stored: dict[str, bytes] = {}
        self.posts = 0
        self.drop_after_store = 0
        self.fail_next: list[int] = []
        self.fail_headers: dict[str, str] = {}
        self.fail_body: bytes | None = None
        self.delay = 0.0
        self.delay_after_store = 0.0
        self.on_store: Callable[[str, bytes], list[bytes] | None] | None = None
        self.idempotent = True
        self.copies: dict[str, int] = {}
        self.receipts: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # no 40 ms Nagle/delayed-ACK stall between head and body

            def log_message(self, *args: object) -> None:
                pass

            def _reply(self, status: int, body: dict[str, Any] | bytes, headers: dict[str, str] | None = None) -> None:
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if gateway.delay:
                    threading.Event().wait(gateway.delay)
                with gateway.lock:
                    gateway.posts += 1
                    if gateway.fail_next:
                        status = gateway.fail_next.pop(0)
                        injected = gateway.fail_body or {"error": "injected", "code": str(status)}
                        self._reply(status, injected, gateway.fail_headers)
                        return
                    try:
                        envelope = unwrap(body)
                    except Exception:
                        self._reply(400, {"error": "unreadable envelope", "code": "bad_envelope"})
                        return
                    key = self.headers.get("Idempotency-Key")
                    if key != envelope.cop_msg_id:
                        self._reply(400, {"error": "Idempotency-Key mismatch", "code": "bad_key"})
                        return
                    known = gateway.stored.get(key) if gateway.idempotent else None
                    if known is not None and known != body:
                        self._reply(409, {"error": "different bytes", "code": "conflict"})
                        return
                    duplicate = known is not None
                    if not duplicate:
                        gateway.stored[key] = body
                        gateway.copies[key] = gateway.copies.get(key, 0) + 1
                        for receipt in (gateway.on_store(key, envelope.data) if gateway.on_store else None) or []:
                            gateway.add_receipt(receipt, key)
                    drop = gateway.drop_after_store > 0
                    if drop:
                        gateway.drop_after_store -= 1
                if gateway.delay_after_store:
                    threading.Event().wait(gateway.delay_after_store)
                if drop:
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                self._reply(200 if duplicate else 202, {"copMsgId": key, "msgId": key, "duplicate": duplicate})

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                if url.path == "/healthz":
                    self._reply(200, {"status": "ok"})
                    return
                if url.path == "/api/v1/receipts":
                    query = parse_qs(url.query)
                    after = int(query.get("after", ["0"])[0])
                    limit = int(query.get("limit", ["100"])[0])
                    with gateway.lock:
                        items = [r for r in gateway.receipts if r["seq"] > after][:limit]
                    nxt = items[-1]["seq"] if items else after
                    self._reply(200, {"receipts": items, "next": nxt})
                    return
                if url.path.startswith("/api/v1/submissions/"):
                    key = url.path.rsplit("/", 1)[1]
                    if key in gateway.stored:
                        self._reply(200, {"copMsgId": key, "msgType": "", "state": "stored", "statuses": []})
                    else:
                        self._reply(404, {"error": "unknown", "code": "not_found"})
                    return
                self._reply(404, {"error": "no route", "code": "not_found"})

        self.port = free_port()
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        scheme = "http"
        if context is not None:
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
            scheme = "https"
        self.url = f"{scheme}://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def add_receipt(self, business: bytes, source: str | None, msg_type: str = "CEB622Message") -> None:
        envelope = receipt_envelope(business, source, msg_type)
        seq = len(self.receipts) + 1
        self.receipts.append(
            {
                "seq": seq,
                "copMsgId": unwrap(envelope).cop_msg_id,
                "sourceCopMsgId": source or "",
                "msgType": msg_type,
                "createdAt": dt.datetime.now(dt.timezone.utc).isoformat(),
                "dxp": base64.b64encode(envelope).decode(),
            }
        )

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# ------------------------------------------------------------------------------------------ client processes
CHILD_PREAMBLE = """
import sys
from eport.services import ClearanceClient, HttpTransport, Timeout
from tests.services.helpers import fake_sign, inventory
client = ClearanceClient(HttpTransport(sys.argv[1], dxp_id="DXPENT0000000001", timeout=Timeout(read=60)),
                         sys.argv[2], sender_id="DXPENT0000000001", sign=fake_sign)
"""
"""The start of a client process script: ``client`` posts to the gateway URL in argv[1], journals in argv[2]."""


def journal_states(journal: Path) -> list[str]:
    """The states of a journal's submissions in recording order, read with plain sqlite3 (empty while absent)."""
    if not journal.exists():
        return []
    try:
        with sqlite3.connect(journal) as db:
            return [row[0] for row in db.execute("SELECT state FROM submissions ORDER BY rowid")]
    except sqlite3.OperationalError:  # the child is still creating the journal
        return []


def run_and_kill(script: str, gateway: Gateway, journal: Path, until: Callable[[], bool]) -> None:
    """Run ``CHILD_PREAMBLE + script`` in a client process and SIGKILL it as soon as ``until()`` holds."""
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD_PREAMBLE + script, gateway.url, str(journal)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        deadline = time.monotonic() + 30
        while not until():
            assert child.poll() is None, "the client finished before it could be killed"
            assert time.monotonic() < deadline, "the client never reached the point to kill it"
            time.sleep(0.02)
        child.send_signal(signal.SIGKILL)
    finally:
        if child.poll() is None:
            child.kill()
        child.wait(timeout=10)
    assert child.returncode == -signal.SIGKILL


def unsupported_compression_zip(xml: bytes) -> bytes:
    """A zip whose member claims compression method 97 (WavPack), which no zip reader here implements."""
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("message.xml", xml)
    data = bytearray(buffer.getvalue())
    local = data.index(b"PK\x03\x04")
    struct.pack_into("<H", data, local + 8, 97)
    central = data.index(b"PK\x01\x02")
    struct.pack_into("<H", data, central + 10, 97)
    return bytes(data)
