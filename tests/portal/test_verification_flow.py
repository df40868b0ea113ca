"""出口收汇 end to end against the sandbox process with the emulated card: login → apply → file at port → declare
with ApprNo → hand in → verified; the port rules and illegal steps refuse and change nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import requests

from eport.card.emulator import DEMO_PIN
from eport.edi.dec import DecHead
from eport.errors import FieldError, FormStateError, PortalError, PortRuleError, SessionExpiredError
from eport.services import ClearanceClient, Stage
from eport.services.portal import PortalSession
from eport.services.session import CardLogin, PortalLoginSession
from eport.services.verification import VerificationClient
from eport.services.verification_models import Condition, Direction, FormState
from tests.portal.conftest import Backend, export_declaration
from tests.sandbox.process import SandboxProcess

_entry = iter(range(100_000, 999_999))


def entry_id(port: str = "5300", year: int = 2011) -> str:
    """A fresh export entry id at ``port``."""
    return f"{port}{year}0{next(_entry):09d}"


def head(form_no: str, entry: str, *, port: str = "5300", date: str = "20110315") -> DecHead:
    """An export declaration head carrying ``form_no`` as ApprNo."""
    return DecHead(appr_no=form_no, entry_id=entry, ie_port=port, ie_date=date, ie_flag="E", trade_mode="0110")


def test_end_to_end_with_each_card_backend(
    portal_sandbox: SandboxProcess, card_backend: Backend, clearance: ClearanceClient
) -> None:
    with PortalSession(portal_sandbox.url) as portal:
        session = CardLogin(portal).login(card_backend.card, DEMO_PIN)
        assert session.info.enterprise_code == "1101960001"
        client = VerificationClient(session)

        forms = client.apply(2)
        assert [f.state for f in forms] == [FormState.ISSUED, FormState.ISSUED]
        form_no = str(forms[0].form_no)

        filed = client.file(form_no, port="深圳海关")
        assert (filed.state, filed.port) == (FormState.FILED, "5300")

        # the declaration goes through the exchange; the sandbox's customs reads its ApprNo and uses the form
        handle = clearance.submit(export_declaration(form_no, port="5300", date="20110315"))
        declared = clearance.wait(handle, until=Stage.CLOSED, timeout=30)
        entry = str(declared.entry_id)
        used = client.get(form_no)
        assert (used.state, str(used.entry_id)) == (FormState.USED, entry)
        assert used.export_date == dt.date(2011, 3, 15)
        assert (used.currency, used.amount) == ("USD", Decimal("12345.60"))

        client.hand_in(form_no)
        final = client.get(form_no)
        assert final.state is FormState.VERIFIED
        assert [h.state for h in final.history] == [
            FormState.APPLIED, FormState.ISSUED, FormState.FILED, FormState.USED, FormState.SUBMITTED,
            FormState.VERIFIED,
        ]  # fmt: skip

        found = list(client.query([Condition.parse(f"formNo={form_no}"), Condition.parse("state=VERIFIED")]))
        assert [str(f.form_no) for f in found] == [form_no]
        rows = list(client.proceeds(Direction.EXPORT, entry_id=entry))
        assert [(str(r.entry_id), r.amount, r.customs) for r in rows] == [(entry, Decimal("12345.60"), "5300")]


def test_use_reported_by_the_client_for_a_declaration_outside_the_exchange(session: PortalLoginSession) -> None:
    client = VerificationClient(session)
    form_no = str(client.apply(1)[0].form_no)
    client.file(form_no, port="5300")
    entry = entry_id()
    used = client.use(form_no, head(form_no, entry), amount=Decimal("12345.60"))
    assert not used.informational
    assert (used.form.state, str(used.form.entry_id)) == (FormState.USED, entry)
    assert used.form.export_date == dt.date(2011, 3, 15)


def test_a_form_must_be_filed_for_the_declarations_port(session: PortalLoginSession) -> None:
    client = VerificationClient(session)
    form_no = str(client.apply(1)[0].form_no)
    entry = entry_id("2200")
    with pytest.raises(PortRuleError) as info:
        client.use(form_no, head(form_no, entry, port="2200"))
    assert info.value.rule == "not_filed_for_port"
    assert client.get(form_no).state is FormState.ISSUED

    client.file(form_no, port="5300")
    with pytest.raises(PortRuleError) as info:
        client.use(form_no, head(form_no, entry, port="2200"))
    assert info.value.rule == "not_filed_for_port"
    after = client.get(form_no)
    assert (after.state, after.port, after.entry_id) == (FormState.FILED, "5300", None)
    assert list(client.proceeds(entry_id=entry)) == []

    client.file(form_no, port="上海海关")  # filed again for the declaration's port
    assert client.use(form_no, head(form_no, entry, port="2200")).form.state is FormState.USED


def test_one_form_per_declaration_and_no_reuse(session: PortalLoginSession) -> None:
    client = VerificationClient(session)
    first, second = (str(f.form_no) for f in client.apply(2))
    for number in (first, second):
        client.file(number, port="5300")
    entry = entry_id()
    client.use(first, head(first, entry))
    with pytest.raises(PortRuleError) as info:
        client.use(second, head(second, entry))
    assert info.value.rule == "one_form_per_declaration"
    assert client.get(second).state is FormState.FILED
    with pytest.raises(PortRuleError) as info:
        client.use(first, head(first, entry_id()))
    assert info.value.rule == "form_already_used"


def test_illegal_steps_raise_form_state_error_and_change_nothing(session: PortalLoginSession) -> None:
    client = VerificationClient(session)
    form_no = str(client.apply(1)[0].form_no)
    with pytest.raises(FormStateError) as info:
        client.hand_in(form_no)
    assert (info.value.state, info.value.action, info.value.form_no) == ("ISSUED", "hand_in", form_no)
    assert client.get(form_no).state is FormState.ISSUED
    assert client.report_lost(form_no).state is FormState.LOST
    for step in (lambda: client.file(form_no, port="5300"), lambda: client.void(form_no)):
        with pytest.raises(FormStateError):
            step()
    assert client.get(form_no).state is FormState.LOST


def test_after_the_scheme_ended_apprno_is_informational(session: PortalLoginSession) -> None:
    client = VerificationClient(session)
    form_no = str(client.apply(1)[0].form_no)
    entry = entry_id(year=2013)
    result = client.use(form_no, head(form_no, entry, date="20130105"))
    assert result.informational
    assert result.form.state is FormState.ISSUED
    assert [str(r.entry_id) for r in client.proceeds(entry_id=entry)] == [entry]


def test_the_declaration_must_carry_the_form(session: PortalLoginSession) -> None:
    client = VerificationClient(session)
    form_no = str(client.apply(1)[0].form_no)
    with pytest.raises(FieldError) as info:
        client.use(form_no, head("999999999", entry_id()))
    assert info.value.field == "DecHead.ApprNo"
    with pytest.raises(FieldError) as info:
        client.use(form_no, DecHead(appr_no=form_no, entry_id=entry_id(), ie_port="5300", ie_date="2011"))
    assert info.value.field == "DecHead.IEDate"


def test_import_list_and_date_filters(session: PortalLoginSession, portal_sandbox: SandboxProcess) -> None:
    client = VerificationClient(session)
    entry = f"22002012{1}{next(_entry):09d}"
    reply = session.portal.request(
        "POST",
        "/api/v1/proceeds",
        json={
            "entryId": entry,
            "direction": "I",
            "ieDate": "2012-05-02",
            "customs": "2200",
            "currency": "EUR",
            "amount": "99.5",
        },
    )
    assert reply.status == 201
    rows = list(client.proceeds(Direction.IMPORT, date_from=dt.date(2012, 5, 1), date_to=dt.date(2012, 5, 31)))
    assert entry in [str(r.entry_id) for r in rows]
    assert list(client.proceeds(Direction.IMPORT, date_from=dt.date(2012, 6, 1), entry_id=entry)) == []
    with pytest.raises(FieldError):
        list(client.proceeds(date_from=dt.date(2012, 6, 1), date_to=dt.date(2012, 5, 1)))


def test_queries_page_through_every_match(session: PortalLoginSession) -> None:
    client = VerificationClient(session)
    numbers = {str(f.form_no) for f in client.apply(7)}
    today = dt.datetime.now(dt.timezone.utc).date().isoformat()
    found = {str(f.form_no) for f in client.query([Condition.parse(f"appliedDate>={today}")], page_size=3)}
    assert numbers <= found


def test_without_a_session_every_call_is_refused(portal: PortalSession, portal_sandbox: SandboxProcess) -> None:
    with pytest.raises(SessionExpiredError):
        VerificationClient(portal).apply(1)
    bad = requests.post(f"{portal_sandbox.url}/api/v1/verification/forms/apply", json={"count": 0}, timeout=5)
    assert bad.status_code in (400, 401)


def test_unknown_form_is_a_portal_error(session: PortalLoginSession) -> None:
    with pytest.raises(PortalError) as info:
        VerificationClient(session).get("123456789")
    assert info.value.status == 404


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("amount", {"amount": Decimal("-5")}),
        ("amount", {"amount": Decimal("NaN")}),
        ("amount", {"amount": Decimal("Infinity")}),
        ("currency", {"currency": "US"}),
        ("currency", {"currency": "usd1"}),
    ],
)
def test_a_bad_value_is_a_field_error_before_anything_is_sent(
    session: PortalLoginSession, field: str, kwargs: dict[str, object]
) -> None:
    client = VerificationClient(session)
    form_no = str(client.apply(1)[0].form_no)
    client.file(form_no, port="5300")
    with pytest.raises(FieldError) as info:
        client.use(form_no, head(form_no, entry_id()), **kwargs)  # type: ignore[arg-type]
    assert info.value.field == field
    assert client.get(form_no).state is FormState.FILED


def _form_in(client: VerificationClient, state: FormState) -> str:
    """A fresh form brought to ``state`` through the sandbox's API."""
    form_no = str(client.apply(1)[0].form_no)
    if state in (FormState.LOST, FormState.VOID):
        (client.report_lost if state is FormState.LOST else client.void)(form_no)
        return form_no
    steps = [FormState.FILED, FormState.USED, FormState.SUBMITTED]  # hand-in: SUBMITTED, then VERIFIED by SAFE
    for step in steps[: [FormState.ISSUED, FormState.FILED, FormState.USED, FormState.VERIFIED].index(state)]:
        if step is FormState.FILED:
            client.file(form_no, port="5300")
        elif step is FormState.USED:
            client.use(form_no, head(form_no, entry_id()))
        else:
            client.hand_in(form_no)
    assert client.get(form_no).state is state
    return form_no


def test_every_illegal_step_at_the_sandbox_is_refused_and_changes_nothing(session: PortalLoginSession) -> None:
    from eport.services.verification_models import FormAction, next_state

    client = VerificationClient(session)
    actions = {
        FormAction.FILE: lambda n: client.file(n, port="2200"),
        FormAction.USE: lambda n: client.use(n, head(n, entry_id(), port="2200")),
        FormAction.HAND_IN: client.hand_in,
        FormAction.REPORT_LOST: client.report_lost,
        FormAction.VOID: client.void,
    }
    refused = 0
    # SUBMITTED is passed at once (the test sandbox's SAFE verifies without delay)
    for state in (FormState.ISSUED, FormState.FILED, FormState.USED, FormState.VERIFIED, FormState.LOST,
                  FormState.VOID):  # fmt: skip
        for action, step in actions.items():
            try:
                next_state(state, action, form_no="x")
                continue  # allowed by the table (tested elsewhere)
            except FormStateError:
                pass
            form_no = _form_in(client, state)
            before = client.get(form_no)
            with pytest.raises((FormStateError, PortRuleError)):
                step(form_no)
            assert client.get(form_no) == before, (state, action)
            refused += 1
    assert refused >= 15
