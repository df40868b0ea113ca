"""Revocation by CRL and OCSP: offline with supplied data, and online against a real loopback HTTP server."""

from __future__ import annotations

import datetime as dt
import http.server
import socket
import threading
from collections.abc import Iterator

import attrs
import pytest

from eport.errors import ChainError, ConfigurationError, RevocationError
from eport.pki.chain import ChainValidator
from eport.pki.revocation import RevocationMode, RevocationPolicy, Status, check, ocsp_request
from eport.pki.signer import KeyAlgorithm
from eport.pki.testing import TestChain, issue_certificate, make_chain, make_crl, make_ocsp_response, new_key
from tests.deadline import deadline


class _Responder(http.server.BaseHTTPRequestHandler):
    routes: dict[str, bytes] = {}  # noqa: RUF012 - set per server below
    requests: list[tuple[str, str, bytes]] = []  # noqa: RUF012

    def do_GET(self) -> None:
        self._answer(b"")

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self._answer(body)

    def _answer(self, body: bytes) -> None:
        self.requests.append((self.command, self.path, body))
        data = self.routes.get(self.path)
        if data is None:
            self.send_response(404)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, type[_Responder]]]:
    handler = type("Handler", (_Responder,), {"routes": {}, "requests": []})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", handler
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def online_chain(server: tuple[str, type[_Responder]]) -> TestChain:
    url, _ = server
    return make_chain(KeyAlgorithm.RSA, ocsp_url=f"{url}/ocsp", crl_url=f"{url}/ca.crl")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def test_off_by_default_and_no_network(online_chain: TestChain, server: tuple[str, type[_Responder]]) -> None:
    _, handler = server
    handler.requests.clear()
    ChainValidator([online_chain.root]).validate(online_chain.leaf, [online_chain.intermediate])
    assert handler.requests == []


def test_offline_crl(rsa_chain: TestChain) -> None:
    good = make_crl(rsa_chain.intermediate, rsa_chain.intermediate_key, [12345])
    revoked = make_crl(rsa_chain.intermediate, rsa_chain.intermediate_key, [rsa_chain.leaf.serial_number])
    policy = RevocationPolicy(mode=RevocationMode.HARD_FAIL, crls=(good,))
    assert check(rsa_chain.leaf, rsa_chain.intermediate, policy, _now()).status is Status.GOOD
    with pytest.raises(RevocationError, match="revoked"):
        check(
            rsa_chain.leaf,
            rsa_chain.intermediate,
            RevocationPolicy(mode=RevocationMode.SOFT_FAIL, crls=(revoked,)),
            _now(),
        )


def test_crl_signed_by_someone_else_is_not_trusted(rsa_chain: TestChain) -> None:
    forged = make_crl(rsa_chain.intermediate, new_key(KeyAlgorithm.RSA), [])
    policy = RevocationPolicy(mode=RevocationMode.HARD_FAIL, crls=(forged,))
    with pytest.raises(RevocationError, match="unknown"):
        check(rsa_chain.leaf, rsa_chain.intermediate, policy, _now())
    soft = RevocationPolicy(mode=RevocationMode.SOFT_FAIL, crls=(forged,))
    assert check(rsa_chain.leaf, rsa_chain.intermediate, soft, _now()).status is Status.UNKNOWN


def test_stale_crl(rsa_chain: TestChain) -> None:
    old = _now() - dt.timedelta(days=30)
    stale = make_crl(
        rsa_chain.intermediate, rsa_chain.intermediate_key, [], this_update=old, next_update=old + dt.timedelta(days=1)
    )
    with pytest.raises(RevocationError, match="unknown"):
        check(
            rsa_chain.leaf,
            rsa_chain.intermediate,
            RevocationPolicy(mode=RevocationMode.HARD_FAIL, crls=(stale,)),
            _now(),
        )


@pytest.mark.parametrize(("status", "expected"), [("good", Status.GOOD), ("unknown", Status.UNKNOWN)])
def test_offline_ocsp(sm2_chain: TestChain, status: str, expected: Status) -> None:
    response = make_ocsp_response(sm2_chain.leaf, sm2_chain.intermediate, sm2_chain.intermediate_key, status=status)
    policy = RevocationPolicy(mode=RevocationMode.SOFT_FAIL, ocsp_responses=(response,))
    assert check(sm2_chain.leaf, sm2_chain.intermediate, policy, _now()).status is expected


def test_delegated_ocsp_responder(rsa_chain: TestChain) -> None:
    responder_key = new_key(KeyAlgorithm.RSA)
    responder = issue_certificate(
        subject={"common_name": "OCSP responder"},
        subject_key=responder_key,
        issuer_key=rsa_chain.intermediate_key,
        issuer=rsa_chain.intermediate,
        extended_key_usage=["1.3.6.1.5.5.7.3.9"],
    )
    response = make_ocsp_response(
        rsa_chain.leaf, rsa_chain.intermediate, responder_key, status="revoked", responder=responder
    )
    with pytest.raises(RevocationError, match="revoked"):
        check(
            rsa_chain.leaf,
            rsa_chain.intermediate,
            RevocationPolicy(mode=RevocationMode.SOFT_FAIL, ocsp_responses=(response,)),
            _now(),
        )
    # a responder without the OCSP-signing EKU is not accepted
    rogue_key = new_key(KeyAlgorithm.RSA)
    rogue = issue_certificate(
        subject={"common_name": "rogue"},
        subject_key=rogue_key,
        issuer_key=rsa_chain.intermediate_key,
        issuer=rsa_chain.intermediate,
    )
    fake = make_ocsp_response(rsa_chain.leaf, rsa_chain.intermediate, rogue_key, status="good", responder=rogue)
    with pytest.raises(RevocationError, match="unknown"):
        check(
            rsa_chain.leaf,
            rsa_chain.intermediate,
            RevocationPolicy(mode=RevocationMode.HARD_FAIL, ocsp_responses=(fake,)),
            _now(),
        )


def test_online_ocsp_over_loopback(online_chain: TestChain, server: tuple[str, type[_Responder]]) -> None:
    _, handler = server
    handler.routes["/ocsp"] = make_ocsp_response(
        online_chain.leaf, online_chain.intermediate, online_chain.intermediate_key, status="good"
    )
    handler.requests.clear()
    policy = RevocationPolicy(mode=RevocationMode.HARD_FAIL, online=True, timeout=5, leaf_only=True)
    validator = ChainValidator([online_chain.root], revocation=policy)
    validator.validate(online_chain.leaf, [online_chain.intermediate])
    posts = [r for r in handler.requests if r[0] == "POST"]
    assert posts
    assert posts[0][2] == ocsp_request(online_chain.leaf, online_chain.intermediate)


def test_online_crl_fallback_and_revoked(online_chain: TestChain, server: tuple[str, type[_Responder]]) -> None:
    _, handler = server
    handler.routes.pop("/ocsp", None)  # responder down: 404
    handler.routes["/ca.crl"] = make_crl(
        online_chain.intermediate, online_chain.intermediate_key, [online_chain.leaf.serial_number]
    )
    validator = ChainValidator(
        [online_chain.root], revocation=RevocationPolicy(mode=RevocationMode.SOFT_FAIL, online=True, timeout=5)
    )
    with pytest.raises(RevocationError, match="revoked"):
        validator.validate(online_chain.leaf, [online_chain.intermediate])


def test_online_unreachable_hard_and_soft(online_chain: TestChain, server: tuple[str, type[_Responder]]) -> None:
    _, handler = server
    handler.routes.clear()
    hard = ChainValidator(
        [online_chain.root], revocation=RevocationPolicy(mode=RevocationMode.HARD_FAIL, online=True, timeout=5)
    )
    with pytest.raises(RevocationError, match="unknown"):
        hard.validate(online_chain.leaf, [online_chain.intermediate])
    soft = ChainValidator(
        [online_chain.root], revocation=RevocationPolicy(mode=RevocationMode.SOFT_FAIL, online=True, timeout=5)
    )
    assert len(soft.validate(online_chain.leaf, [online_chain.intermediate])) == 3


def test_intermediates_are_checked_unless_leaf_only(
    online_chain: TestChain, server: tuple[str, type[_Responder]]
) -> None:
    _, handler = server
    handler.routes["/ocsp"] = make_ocsp_response(
        online_chain.leaf, online_chain.intermediate, online_chain.intermediate_key, status="good"
    )
    strict = ChainValidator(
        [online_chain.root], revocation=RevocationPolicy(mode=RevocationMode.HARD_FAIL, online=True, timeout=5)
    )
    with pytest.raises(RevocationError, match="中国电子业务证书管理中心"):
        strict.validate(online_chain.leaf, [online_chain.intermediate])


def test_policy_validation() -> None:
    with pytest.raises(ConfigurationError):
        RevocationPolicy(timeout=0)


def test_revocation_runs_after_the_path_is_valid(rsa_chain: TestChain) -> None:
    other = make_chain(KeyAlgorithm.RSA)
    validator = ChainValidator([other.root], revocation=RevocationPolicy(mode=RevocationMode.HARD_FAIL))
    with pytest.raises(ChainError):
        validator.validate(rsa_chain.leaf, [rsa_chain.intermediate])


# ------------------------------------------------------------------------------------- stalled responders
class _StallingResponder:
    """A loopback HTTP responder that sends its headers and then stalls (``trickle=False``) or sends one byte every
    50 ms forever (``trickle=True``). ``closed`` is set when the client closes its side of a connection."""

    def __init__(self, *, trickle: bool) -> None:
        self.trickle = trickle
        self.closed = threading.Event()
        self.stop = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        self.listener.settimeout(0.1)
        while not self.stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            conn.recv(65536)  # the request (small: an OCSP POST or a CRL GET)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + b"0")
            conn.settimeout(0.05)
            while not self.stop.is_set():
                try:
                    if conn.recv(1) == b"":
                        self.closed.set()
                        return
                except TimeoutError:
                    if self.trickle:
                        try:
                            conn.sendall(b"0")
                        except OSError:
                            self.closed.set()
                            return
                except OSError:
                    self.closed.set()
                    return

    def close(self) -> None:
        self.stop.set()
        self._thread.join(timeout=2)
        self.listener.close()


@pytest.mark.parametrize("trickle", [False, True], ids=["stalled", "trickling"])
def test_a_stalled_download_is_a_typed_unknown_status(trickle: bool) -> None:
    responder = _StallingResponder(trickle=trickle)
    try:
        chain = make_chain(KeyAlgorithm.RSA, ocsp_url=f"{responder.url}/ocsp", crl_url=f"{responder.url}/ca.crl")
        hard = RevocationPolicy(mode=RevocationMode.HARD_FAIL, online=True, timeout=0.5, leaf_only=True)
        with deadline(10, "download"), pytest.raises(RevocationError, match="unknown") as info:
            ChainValidator([chain.root], revocation=hard).validate(chain.leaf, [chain.intermediate])
        assert "cannot fetch" in info.value.args[0]
        assert responder.closed.wait(2), "the stalled response was not closed"
        soft = attrs.evolve(hard, mode=RevocationMode.SOFT_FAIL)
        with deadline(10, "download"):
            path = ChainValidator([chain.root], revocation=soft).validate(chain.leaf, [chain.intermediate])
        assert len(path) == 3
    finally:
        responder.close()
