"""``eport login`` / ``identity`` / ``verification`` when a portal reply is damaged on the wire (a JSON body of the
wrong shape, a member of the wrong type): each used to end in a Python traceback (``ValueError`` of an expiry that is
no time, ``AttributeError`` of an enterprise record that is no object, ``TypeError`` of an error code that is a
list). Each is now one ``error: ProtocolError`` or ``PortalError`` line with exit status 1, and a login whose
session answer is damaged logs out again instead of leaving the portal session open.

The real CLI runs against the sandbox process through the damaging proxy (tests/sandbox/damaging_proxy.py)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from click.testing import CliRunner

from eport.card.emulator import DEMO_PIN
from eport.cli.main import cli
from tests.sandbox.damaging_proxy import Damage, damaging_proxy
from tests.sandbox.process import SandboxProcess


@pytest.fixture
def proxy(portal_sandbox: SandboxProcess) -> Iterator[tuple[str, Damage]]:
    with damaging_proxy(portal_sandbox.url) as running:
        yield running


def _eport(portal: str, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, [*args, "--emulated", "--portal", portal], env={"EPORT_PIN": DEMO_PIN})
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert DEMO_PIN not in result.stdout + result.stderr
    return result.exit_code, result.stdout, result.stderr


def _member(name: str, value: Any) -> Callable[[Any], Any]:
    return lambda body: {**body, name: value}


@pytest.mark.parametrize("value", ["x", -1, True, [], {}])
def test_login_with_a_session_expiry_that_is_no_time_fails_cleanly_and_logs_out(
    proxy: tuple[str, Damage], value: Any
) -> None:
    url, damage = proxy
    logged_out: list[Any] = []
    damage["/deskserver/sw/allVersion"] = _member("expiresAt", value)
    damage["/cas/logout"] = lambda body: logged_out.append(body) or body
    code, out, err = _eport(url, "login", "--json")
    assert code == 1, err
    assert out == ""
    assert err.strip().splitlines()[-1].startswith("error: ProtocolError: "), err
    assert "expiresAt" in err
    assert len(logged_out) == 1  # the session the login opened was ended


@pytest.mark.parametrize("body", [None, [], "x", 3, b"<html>busy</html>"], ids=["null", "list", "str", "int", "html"])
def test_identity_enterprise_of_a_reply_that_is_no_record_is_a_protocol_error(
    proxy: tuple[str, Damage], body: Any
) -> None:
    url, damage = proxy
    assert _eport(url, "identity", "enterprise", "1101960001")[0] == 0  # undamaged, the proxy is transparent
    damage["/api/v1/enterprise/1101960001"] = lambda _: body
    code, out, err = _eport(url, "identity", "enterprise", "1101960001", "--json")
    assert code == 1, err
    assert out == ""
    assert err.strip().splitlines()[-1].startswith("error: ProtocolError: "), err


@pytest.mark.parametrize("value", [["illegal_transition"], {"a": 1}, 7])
def test_a_refusal_whose_code_is_no_text_is_a_portal_error(proxy: tuple[str, Damage], value: Any) -> None:
    url, damage = proxy
    code, out, _ = _eport(url, "verification", "apply", "1", "--json")
    assert code == 0
    (form,) = (row["formNo"] for row in json.loads(out))
    damage[f"/api/v1/verification/forms/{form}/hand-in"] = _member("code", value)
    code, _, err = _eport(url, "verification", "hand-in", form)  # an ISSUED form cannot be handed in: 409
    assert code == 1, err
    assert err.strip().splitlines()[-1].startswith("error: PortalError: "), err
    assert "409" in err
