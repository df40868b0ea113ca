"""Server defects the full schemathesis contract found in the refund, login, verification and identity routers,
each pinned against the sandbox process over a socket: what the served OpenAPI declares is what the server
enforces, and a refused field is named in ``field`` with its ``reason``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.sandbox.process import SandboxProcess, logged_in_session

pytestmark = pytest.mark.sandbox

TRADE_CODE = "1101960001"


@pytest.fixture(scope="module")
def logged_in(sandbox: SandboxProcess) -> Iterator[requests.Session]:
    with logged_in_session(sandbox) as session:
        yield session


def _refused(reply: requests.Response, field: str) -> dict[str, Any]:
    assert reply.status_code == 400, reply.text
    body: dict[str, Any] = reply.json()
    assert body["field"] == field
    assert body["reason"]
    return body


def _operation(sandbox: SandboxProcess, method: str, path: str) -> dict[str, Any]:
    document: dict[str, Any] = requests.get(f"{sandbox.url}/openapi.json", timeout=10).json()
    operation: dict[str, Any] = document["paths"][path][method]
    return operation


def test_a_boolean_is_no_form_count(logged_in: requests.Session, sandbox: SandboxProcess) -> None:
    reply = logged_in.post(f"{sandbox.url}/api/v1/verification/forms/apply", json={"count": True}, timeout=10)
    _refused(reply, "count")  # was 201: true was taken as one form


@pytest.mark.parametrize("value", ["2011-03-15T00:00:00", "2011-03-15T00:00:00Z"])
def test_a_date_with_a_time_is_no_date(logged_in: requests.Session, sandbox: SandboxProcess, value: str) -> None:
    reply = logged_in.get(f"{sandbox.url}/api/v1/proceeds", params={"dateFrom": value}, timeout=10)
    _refused(reply, "dateFrom")  # was 200: a date-time passed as a date
    body = {"entryId": "530020110000000001", "direction": "E", "ieDate": value, "customs": "5300",
            "currency": "USD", "amount": "1.00"}  # fmt: skip
    _refused(logged_in.post(f"{sandbox.url}/api/v1/proceeds", json=body, timeout=10), "ieDate")


def test_an_amount_in_exponent_form_is_refused(logged_in: requests.Session, sandbox: SandboxProcess) -> None:
    body = {"entryId": "530020110000000002", "direction": "E", "ieDate": "2011-03-15", "customs": "5300",
            "currency": "USD", "amount": "1e3"}  # fmt: skip
    _refused(logged_in.post(f"{sandbox.url}/api/v1/proceeds", json=body, timeout=10), "amount")


def test_a_calendar_day_that_does_not_exist_is_named(sandbox: SandboxProcess) -> None:
    reply = requests.get(
        f"{sandbox.url}/api/v1/refund/closed-declarations",
        params={"tradeCode": TRADE_CODE, "exportTo": "2026-02-30"},
        timeout=10,
    )
    _refused(reply, "exportTo")
    reply = requests.get(f"{sandbox.url}/api/v1/proceeds", params={"dateFrom": "2026-02-30"}, timeout=10, cookies=None)
    assert reply.status_code == 401  # behind the login: the session is checked first


@pytest.mark.parametrize("prefix", ["53%", "5300_", "ABC"])
def test_an_entry_id_prefix_that_no_entry_id_has_is_refused(sandbox: SandboxProcess, prefix: str) -> None:
    reply = requests.get(
        f"{sandbox.url}/api/v1/refund/closed-declarations",
        params={"tradeCode": TRADE_CODE, "entryIdPrefix": prefix},
        timeout=10,
    )
    _refused(reply, "entryIdPrefix")  # was 200 with an empty list


@pytest.mark.parametrize("service", ["http://[", "http://h:99999999999999999999/", "javascript:alert(1)"])
def test_a_bad_service_url_is_a_400_naming_it(sandbox: SandboxProcess, service: str) -> None:
    form = {"icCard": "x", "certNo": "x", "signData": "x", "random": "x", "lt": "x", "userPin": "x"}
    reply = requests.post(f"{sandbox.url}/cas/login", params={"service": service}, data=form, timeout=10,
                          allow_redirects=False)  # fmt: skip
    _refused(reply, "service")  # none of them was refused as the service parameter before


def test_a_card_flag_must_be_a_json_boolean(sandbox: SandboxProcess) -> None:
    body = {"cardId": "8900000000999", "certificates": ["AAAA"], "pin": "12345678", "holderName": "x",
            "idNumber": "x", "enterpriseCode": TRADE_CODE, "enterpriseName": "x", "blacklisted": "yes"}  # fmt: skip
    _refused(requests.post(f"{sandbox.url}/api/v1/login/cards", json=body, timeout=10), "blacklisted")


def test_legacy_query_conditions_are_declared_per_attribute(sandbox: SandboxProcess) -> None:
    body = {"tradeCode": TRADE_CODE, "conditions": [{"attribute": "exportDate", "op": ">=", "value": "soon"}]}
    reply = requests.post(f"{sandbox.url}/api/v1/refund/legacy/query", json=body, timeout=10)
    assert reply.status_code == 400
    assert reply.json()["field"].startswith("conditions[0]")
    schema = _operation(sandbox, "post", "/api/v1/refund/legacy/query")
    assert "requestBody" in schema


def test_the_served_openapi_declares_the_identifier_patterns(sandbox: SandboxProcess) -> None:
    params = {p["name"]: p["schema"] for p in _operation(sandbox, "get", "/api/v1/refund/closed-declarations")
              ["parameters"]}  # fmt: skip
    assert params["tradeCode"]["pattern"] == "^[0-9]{4}[0-9A-Z]{6}$"
    assert "entryIdPrefix" in params
    assert "date" in str(params["exportTo"])
    [form_no] = _operation(sandbox, "get", "/api/v1/verification/forms/{form_no}")["parameters"]
    assert form_no["schema"]["pattern"] == "^[0-9A-Za-z]{1,32}$"
    error = _operation(sandbox, "get", "/api/v1/refund/records")["responses"]["400"]
    assert error["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorBody")
    login = _operation(sandbox, "post", "/cas/login")
    assert "application/x-www-form-urlencoded" in login["requestBody"]["content"]


def test_a_schema_refusal_names_its_field(sandbox: SandboxProcess) -> None:
    reply = requests.get(f"{sandbox.url}/api/v1/receipts", params={"dxpId": "X", "limit": "0"}, timeout=10)
    body = _refused(reply, "limit")
    assert body["code"] == "bad_parameter"


@pytest.mark.parametrize(
    ("method", "path", "offset"),
    [
        ("get", "/api/v1/refund/records", {"tradeCode": TRADE_CODE}),
        ("get", "/api/v1/refund/closed-declarations", {"tradeCode": TRADE_CODE}),
        ("post", "/api/v1/refund/legacy/query", {"tradeCode": TRADE_CODE}),
        ("get", "/api/v1/proceeds", {}),
        ("post", "/api/v1/verification/forms/query", {}),
    ],
)
def test_an_offset_past_sqlite_integers_is_a_400_not_a_500(
    logged_in: requests.Session, sandbox: SandboxProcess, method: str, path: str, offset: dict[str, str]
) -> None:
    huge = 27495438593113225953280000
    if method == "get":
        reply = logged_in.get(f"{sandbox.url}{path}", params={**offset, "offset": str(huge)}, timeout=10)
        _refused(reply, "offset")
    else:
        reply = logged_in.post(f"{sandbox.url}{path}", json={**offset, "offset": huge}, timeout=10)
        _refused(reply, "offset")  # was 500: SQLite cannot bind the integer
