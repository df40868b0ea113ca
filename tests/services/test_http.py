"""HttpTransport against a real loopback gateway: idempotent retries, retry policy, timeouts, TLS verification."""

from __future__ import annotations

import datetime as dt
import inspect
import ipaddress
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from eport.errors import (
    ConfigurationError,
    ConnectError,
    DuplicateError,
    ProtocolError,
    ServiceTimeout,
    TransportError,
)
from eport.services import ClearanceClient, Family, HttpTransport, Journal, Outgoing, Retry, Stage, Timeout, wrap
from eport.services.http import build_receipts, parse_receipts_reply, parse_submit_reply, retry_after_seconds
from tests.services.helpers import Gateway, ceb622, fake_sign, free_port, inventory

SENDER = "DXPENT0000000001"


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def _transport(url: str, *, sleeps: Sleeps | None = None, **kwargs: object) -> HttpTransport:
    kwargs.setdefault("retry", Retry(attempts=4, backoff=0.01, max_backoff=0.02))
    return HttpTransport(url, dxp_id=SENDER, sleep=sleeps if sleeps is not None else Sleeps(), **kwargs)  # type: ignore[arg-type]


def _client(transport: HttpTransport, journal: Journal | Path) -> ClearanceClient:
    return ClearanceClient(transport, journal, sender_id=SENDER, sign=fake_sign, poll_interval=0.01)


def test_submit_and_receipts_with_a_persistent_cursor(gateway: Gateway, tmp_path: Path) -> None:
    gateway.on_store = lambda cop, data: [ceb622(_guid(data), "120"), ceb622(_guid(data), "800")]
    client = _client(_transport(gateway.url), tmp_path / "j.db")
    handle = client.submit(inventory("COP1"), signer=object())
    assert list(gateway.stored) == [handle.cop_msg_id]
    sub = client.wait(handle, until=Stage.RELEASED, timeout=5)
    assert [e.code for e in sub.history] == ["120", "800"]
    assert client.journal.cursor(client.transport.name) == "2"
    client.close()
    again = _client(_transport(gateway.url), tmp_path / "j.db")
    assert again.poll() == []
    assert len(again.status(handle).history) == 2
    assert again.transport.submission(handle.cop_msg_id)["copMsgId"] == handle.cop_msg_id  # type: ignore[attr-defined, index]
    assert again.transport.submission("unknown") is None  # type: ignore[attr-defined]
    again.close()


def _guid(business: bytes) -> str:
    start = business.index(b"<ceb:guid>") + len(b"<ceb:guid>")
    return business[start : business.index(b"</ceb:guid>")].decode()


def test_connection_dropped_after_the_server_stored_the_message_creates_no_duplicate(
    gateway: Gateway, tmp_path: Path
) -> None:
    gateway.drop_after_store = 1
    sleeps = Sleeps()
    client = _client(_transport(gateway.url, sleeps=sleeps), Journal(":memory:"))
    handle = client.submit(inventory("COP1"), signer=object())
    assert gateway.posts == 2
    assert list(gateway.stored) == [handle.cop_msg_id]
    assert handle.duplicate_send is True
    assert len(sleeps) == 1
    assert client.status(handle).stage is Stage.SENT


def test_5xx_is_retried_with_backoff(gateway: Gateway) -> None:
    gateway.fail_next = [503, 502, 500]
    sleeps = Sleeps()
    transport = _transport(gateway.url, sleeps=sleeps, retry=Retry(attempts=4, backoff=0.1, max_backoff=0.3))
    result = transport.send(_outgoing(gateway))
    assert result.duplicate is False
    assert gateway.posts == 4
    assert sleeps == [0.1, 0.2, 0.3]


def test_5xx_until_retries_run_out_leaves_the_submission_written_for_recovery(gateway: Gateway) -> None:
    gateway.fail_next = [503] * 4
    journal = Journal(":memory:")
    client = _client(_transport(gateway.url), journal)
    with pytest.raises(TransportError, match="HTTP 503"):
        client.submit(inventory("COP1"), signer=object())
    [written] = journal.unsent()
    assert gateway.stored == {}
    client.close()  # a restart: the next client recovers what this one left
    [handle] = _client(_transport(gateway.url), journal).recover()
    assert handle.cop_msg_id == written.cop_msg_id
    assert list(gateway.stored) == [written.cop_msg_id]


@pytest.mark.parametrize("status", [408, 429])
def test_408_and_429_are_retried_honouring_retry_after(gateway: Gateway, status: int) -> None:
    """Both say "not now": retried (the POST too, as the gateway did not process it), after the pause asked for."""
    gateway.fail_next = [status, status]
    gateway.fail_headers = {"Retry-After": "2"}
    sleeps = Sleeps()
    transport = _transport(gateway.url, sleeps=sleeps, retry=Retry(attempts=4, backoff=0.1, max_backoff=0.3))
    result = transport.send(_outgoing(gateway))
    assert result.duplicate is False
    assert gateway.posts == 3
    assert sleeps == [2.0, 2.0]  # Retry-After, longer than the backoff, wins
    assert len(gateway.stored) == 1


@pytest.mark.parametrize("status", [408, 429])
def test_408_and_429_until_retries_run_out_leave_the_submission_written(gateway: Gateway, status: int) -> None:
    gateway.fail_next = [status] * 4
    journal = Journal(":memory:")
    sleeps = Sleeps()
    client = _client(_transport(gateway.url, sleeps=sleeps), journal)
    with pytest.raises(TransportError, match=f"HTTP {status}"):
        client.submit(inventory("COP1"), signer=object())
    assert sleeps == [0.01, 0.02, 0.02]  # no Retry-After: the backoff
    [written] = journal.unsent()  # not refused for good: recovery sends it
    client.close()
    [handle] = _client(_transport(gateway.url), journal).recover()
    assert list(gateway.stored) == [handle.cop_msg_id] == [written.cop_msg_id]


def test_retry_after_beyond_the_limit_is_not_waited_for(gateway: Gateway) -> None:
    gateway.fail_next = [429]
    gateway.fail_headers = {"Retry-After": "3600"}
    sleeps = Sleeps()
    transport = _transport(gateway.url, sleeps=sleeps, retry=Retry(attempts=4, backoff=0.1, max_retry_after=60))
    with pytest.raises(TransportError, match="retry after 3600 s"):
        transport.send(_outgoing(gateway))
    assert sleeps == []
    assert gateway.posts == 1


def test_retry_after_as_an_http_date() -> None:
    now = dt.datetime(2026, 12, 4, 12, 0, 0, tzinfo=dt.timezone.utc)
    assert retry_after_seconds("Fri, 04 Dec 2026 12:00:30 GMT", now) == 30.0
    assert retry_after_seconds("Fri, 04 Dec 2026 11:00:00 GMT", now) == 0.0
    assert retry_after_seconds("soon", now) is None
    assert retry_after_seconds(None, now) is None


@pytest.mark.parametrize("status", [400, 403, 404, 422])
def test_4xx_is_never_retried_and_never_resent(gateway: Gateway, status: int) -> None:
    gateway.fail_next = [status]
    journal = Journal(":memory:")
    client = _client(_transport(gateway.url), journal)
    with pytest.raises(ProtocolError, match=f"HTTP {status}"):
        client.submit(inventory("COP1"), signer=object())
    assert gateway.posts == 1
    assert journal.unsent() == []
    assert journal.submissions()[0].stage is Stage.REJECTED
    assert _client(_transport(gateway.url), journal).recover() == []
    assert gateway.posts == 1


def test_409_conflict_is_a_duplicate_error(gateway: Gateway) -> None:
    transport = _transport(gateway.url)
    outgoing = _outgoing(gateway)
    transport.send(outgoing)
    other = _outgoing(gateway, b"<x>COPY</x>")
    assert other.cop_msg_id == outgoing.cop_msg_id
    with pytest.raises(DuplicateError) as info:
        transport.send(other)
    assert info.value.code == "conflict"
    assert gateway.posts == 2


def test_connect_errors_are_retried_then_typed() -> None:
    sleeps = Sleeps()
    transport = _transport(f"http://127.0.0.1:{free_port()}", sleeps=sleeps)
    with pytest.raises(ConnectError, match="connection failed"):
        transport.receive()
    assert len(sleeps) == 3


def test_read_timeout_is_a_service_timeout_and_recovery_is_idempotent(gateway: Gateway) -> None:
    gateway.delay_after_store = 0.5
    journal = Journal(":memory:")
    transport = _transport(gateway.url, timeout=Timeout(connect=1, read=0.1), retry=Retry(attempts=1))
    client = _client(transport, journal)
    with pytest.raises(ServiceTimeout, match="no reply in time"):
        client.submit(inventory("COP1"), signer=object())
    [written] = journal.unsent()
    gateway.delay_after_store = 0
    client.close()
    [handle] = _client(_transport(gateway.url), journal).recover()
    assert handle.duplicate_send is True
    assert list(gateway.stored) == [written.cop_msg_id]


def test_timeouts_are_structured_and_never_unbounded() -> None:
    assert Timeout().connect > 0
    assert Timeout().read > 0
    with pytest.raises(ConfigurationError):
        Timeout(read=0)
    with pytest.raises(ConfigurationError):
        Timeout(connect=-1)
    assert inspect.signature(HttpTransport).parameters["timeout"].default is not None


def test_pure_reply_parsing() -> None:
    relisted = parse_receipts_reply(200, b'{"receipts":[{"seq":1,"dxp":""}],"next":1}', "5")
    assert (len(relisted.receipts), relisted.cursor) == (1, "5")  # passed on for the journal, cursor kept (#14)
    with pytest.raises(ProtocolError, match="not JSON"):
        parse_receipts_reply(200, b"<html>", None)
    [seqless] = parse_receipts_reply(200, b'{"receipts":[{"dxp":""}],"next":1}', None).receipts
    assert seqless.error is not None  # kept as unreadable, never blocking (#14)
    [damaged] = parse_receipts_reply(200, b'{"receipts":[{"seq":1,"dxp":"%%%"}],"next":1}', None).receipts
    assert (damaged.cursor, b'"%%%"' in damaged.data) == ("1", True)  # kept as unreadable, never blocking
    with pytest.raises(TransportError):
        parse_receipts_reply(502, b"", None)
    out = _outgoing(None)
    with pytest.raises(ProtocolError, match="different CopMsgId"):
        parse_submit_reply(out, 202, b'{"copMsgId":"other"}')
    assert parse_submit_reply(out, 200, b'{"copMsgId":"%s","duplicate":true}' % out.cop_msg_id.encode()).duplicate
    assert build_receipts("DXP 1", "7", 5).path == "/api/v1/receipts?dxpId=DXP%201&after=7&limit=5"
    with pytest.raises(ConfigurationError):
        build_receipts("D", None, 0)


def _outgoing(_gateway: Gateway | None, payload: bytes = b"<x>COPX</x>") -> Outgoing:
    cop = "22222222-2222-2222-2222-222222222222"
    envelope = wrap(payload, cop_msg_id=cop, sender_id=SENDER, receiver_ids=("DXPEDCCEB0000002",),
                    msg_type="CEB621Message", created=dt.datetime.now(dt.timezone.utc))  # fmt: skip
    return Outgoing(cop_msg_id=cop, msg_type="CEB621Message", family=Family.CEB, envelope=envelope)


# ------------------------------------------------------------------------------------------------------ TLS
@pytest.fixture(scope="module")
def throwaway_ca(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, ssl.SSLContext]:
    now = dt.datetime.now(dt.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "eport throwaway test CA")])
    ca = (
        x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                     content_commitment=False, key_encipherment=False, data_encipherment=False,
                                     key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    folder = tmp_path_factory.mktemp("tls")
    (folder / "server.pem").write_bytes(
        cert.public_bytes(serialization.Encoding.PEM)
        + key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(folder / "server.pem")
    return ca.public_bytes(serialization.Encoding.PEM), context


@pytest.fixture
def tls_gateway(throwaway_ca: tuple[bytes, ssl.SSLContext]) -> Iterator[Gateway]:
    server = Gateway(context=throwaway_ca[1])
    yield server
    server.close()


def test_tls_to_an_unknown_ca_is_refused_without_retry(tls_gateway: Gateway) -> None:
    sleeps = Sleeps()
    transport = _transport(tls_gateway.url, sleeps=sleeps, trust=[])
    with pytest.raises(ConnectError, match="TLS"):
        transport.send(_outgoing(tls_gateway))
    assert sleeps == []
    assert tls_gateway.stored == {}


def test_tls_with_the_ca_in_the_trust_bundle_works(
    tls_gateway: Gateway, throwaway_ca: tuple[bytes, ssl.SSLContext], tmp_path: Path
) -> None:
    outgoing = _outgoing(tls_gateway)
    transport = _transport(tls_gateway.url, trust=[throwaway_ca[0]])
    assert transport.send(outgoing).duplicate is False
    bundle = tmp_path / "roots.pem"
    bundle.write_bytes(throwaway_ca[0])
    assert _transport(tls_gateway.url, trust=[bundle]).send(outgoing).duplicate is True


def test_there_is_no_way_to_switch_verification_off(tls_gateway: Gateway) -> None:
    parameters = set(inspect.signature(HttpTransport).parameters)
    assert not parameters & {"verify", "insecure", "verify_tls", "check_hostname"}
    session = requests.Session()
    session.verify = False
    with pytest.raises(ConfigurationError, match="verification"):
        HttpTransport(tls_gateway.url, dxp_id=SENDER, session=session)
    with pytest.raises(ConfigurationError, match="cannot load"):
        HttpTransport(tls_gateway.url, dxp_id=SENDER, trust=[b"not a certificate"])


def test_loopback_never_goes_through_an_environment_proxy(gateway: Gateway, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("NO_PROXY", "")
    transport = _transport(gateway.url, retry=Retry(attempts=1))
    assert transport.receive().receipts == ()
