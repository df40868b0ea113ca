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


def _applied(url: str, state: str = "ISSUED") -> str:
    code, out, _ = _eport(url, "verification", "apply", "1", "--json")
    assert code == 0
    (form,) = (row["formNo"] for row in json.loads(out))
    if state == "FILED":
        assert _eport(url, "verification", "file", form, "--port", "5300")[0] == 0
    return str(form)


@pytest.mark.parametrize(
    ("member", "value"),
    [("formNo", None), ("formNo", True), ("formNo", "OTHER0001"), ("enterpriseCode", None), ("enterpriseCode", -1),
     ("enterpriseCode", ["1101960001"]), ("port", ["5300"]), ("port", 5300), ("currency", {"code": "USD"}),
     ("amount", "NaN"), ("amount", "Infinity")],
)  # fmt: skip
def test_a_form_reply_with_a_member_of_the_wrong_kind_or_another_form_is_refused(
    proxy: tuple[str, Damage], member: str, value: Any
) -> None:
    """The form a command acts on was shown with ``formNo`` "None" or another form's number, an enterprise code
    "None", a port that is a list, an amount NaN: printed as if the portal had said so, exit status 0."""
    url, damage = proxy
    form = _applied(url)
    damage[f"/api/v1/verification/forms/{form}/filing"] = _member(member, value)
    damage[f"/api/v1/verification/forms/{form}"] = _member(member, value)
    for command in (["file", form, "--port", "5300"], ["show", form]):
        code, out, err = _eport(url, "verification", *command, "--json")
        assert code == 1, (command, out, err)
        assert out == ""
        assert err.strip().splitlines()[-1].startswith("error: ProtocolError: "), err


@pytest.mark.parametrize(
    ("member", "value"),
    [("declarantNo", "OTHER01"), ("name", None), ("idType", 1), ("idNumber", ["x"]), ("enterpriseCode", None),
     ("cardId", ["JJ0DEMO000001"]), ("cardId", 7)],
)  # fmt: skip
def test_identity_show_of_a_record_with_a_member_of_the_wrong_kind_or_another_declarant_is_refused(
    proxy: tuple[str, Damage], portal_sandbox: SandboxProcess, member: str, value: Any
) -> None:
    """A record was shown with the name "None", an enterprise code "None" or another declarant's number."""
    from tests.portal.test_identity import file_declarant

    url, damage = proxy
    number = file_declarant(portal_sandbox)
    assert _eport(url, "identity", "show", number)[0] == 0
    damage[f"/api/v1/identity/declarants/{number}"] = _member(member, value)
    code, out, err = _eport(url, "identity", "show", number, "--json")
    assert code == 1, (out, err)
    assert out == ""
    assert err.strip().splitlines()[-1].startswith("error: ProtocolError: "), err


def test_bind_checks_the_card_against_the_record_asked_for_not_another(
    proxy: tuple[str, Damage], portal_sandbox: SandboxProcess
) -> None:
    """``bind(card=…)`` applies the match rule to the record it reads first: a record of another declarant (one the
    card matches) passed the local check, and the bind of the declarant asked for was sent unchecked (only the
    portal's own rule refused it)."""
    from eport.card.emulator import InProcessTransport, demo_card
    from eport.card.operator import OperatorCard
    from eport.errors import ProtocolError
    from eport.services.identity import BindingState, IdentityClient, card_identity
    from eport.services.portal import PortalSession
    from eport.services.session import CardLogin
    from tests.portal.test_identity import file_declarant

    url, damage = proxy
    other = file_declarant(portal_sandbox)  # matches the card
    number = file_declarant(portal_sandbox, enterprise="4403960001")  # does not: binding it must be refused
    card = OperatorCard(InProcessTransport(demo_card()))
    with PortalSession(url) as portal:
        client = IdentityClient(CardLogin(portal).login(card, DEMO_PIN))
        record = portal.get_json(f"/api/v1/identity/declarants/{other}")
        damage[f"/api/v1/identity/declarants/{number}"] = lambda _: record  # the other declarant's record
        with pytest.raises(ProtocolError, match=other):
            client.bind(number, card=card_identity(card))
        del damage[f"/api/v1/identity/declarants/{number}"]
        assert client.get(number).binding is BindingState.UNBOUND  # nothing was bound


@pytest.mark.parametrize(
    ("member", "value"),
    [("customsCode", "4403960001"), ("name", None), ("registeredCustoms", 100), ("address", ["x"])],
)
def test_identity_enterprise_of_a_record_with_a_member_of_the_wrong_kind_or_another_enterprise_is_refused(
    proxy: tuple[str, Damage], member: str, value: Any
) -> None:
    url, damage = proxy
    damage["/api/v1/enterprise/1101960001"] = _member(member, value)
    code, out, err = _eport(url, "identity", "enterprise", "1101960001", "--json")
    assert code == 1, (out, err)
    assert out == ""
    assert err.strip().splitlines()[-1].startswith("error: ProtocolError: "), err


@pytest.mark.parametrize(("member", "value"), [("holderName", ["x"]), ("enterpriseCode", 1101960001)])
def test_login_with_a_session_text_member_that_is_no_text_fails_cleanly_and_logs_out(
    proxy: tuple[str, Damage], member: str, value: Any
) -> None:
    """The session was shown with the enterprise code ``1101960001`` read from a number, a holder ``['x']``."""
    url, damage = proxy
    logged_out: list[Any] = []
    damage["/deskserver/sw/allVersion"] = _member(member, value)
    damage["/cas/logout"] = lambda body: logged_out.append(body) or body
    code, out, err = _eport(url, "login", "--json")
    assert code == 1, (out, err)
    assert err.strip().splitlines()[-1].startswith("error: ProtocolError: "), err
    assert member in err
    assert len(logged_out) == 1
