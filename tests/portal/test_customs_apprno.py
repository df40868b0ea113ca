"""The sandbox's customs reads DecHead.ApprNo of export declarations submitted to its exchange (the sandbox
process): a registered 核销单 must be filed for the declaration's port and used once; a refusal is a DEC_RESULT E
naming the rule and changes nothing; an unregistered ApprNo, or one dated after 2012-08-01, is informational."""

from __future__ import annotations

from pathlib import Path

import pytest

from eport.errors import PortRuleError, RejectedError
from eport.sandbox import DEMO_DXP_ID
from eport.sandbox.customs_forms import record_use
from eport.sandbox.verification_store import VerificationStore
from eport.services import ClearanceClient, FileExchangeTransport, Stage
from eport.services.session import PortalLoginSession
from eport.services.verification import VerificationClient
from eport.services.verification_models import FormAction, FormState, VerificationForm
from tests.portal.conftest import export_declaration
from tests.sandbox.process import SandboxProcess


def _filed(session: PortalLoginSession, port: str = "5300") -> tuple[VerificationClient, str]:
    client = VerificationClient(session)
    form_no = str(client.apply(1)[0].form_no)
    client.file(form_no, port=port)
    return client, form_no


def _refused(clearance: ClearanceClient, message: bytes) -> RejectedError:
    handle = clearance.submit(message)
    with pytest.raises(RejectedError) as caught:
        clearance.wait(handle, until=Stage.CLOSED, timeout=30)
    assert caught.value.code == "E"
    return caught.value


def _unchanged(form: VerificationForm) -> tuple[object, ...]:
    return (form.state, form.port, form.entry_id, form.export_date, [h.state for h in form.history])


def test_a_form_filed_for_another_port_rejects_the_declaration_and_changes_nothing(
    session: PortalLoginSession, clearance: ClearanceClient
) -> None:
    client, form_no = _filed(session, port="5300")
    before = client.get(form_no)
    proceeds_before = [str(r.entry_id) for r in client.proceeds()]

    error = _refused(clearance, export_declaration(form_no, port="2200"))

    assert "not_filed_for_port" in str(error)
    assert form_no in str(error)
    after = client.get(form_no)
    assert _unchanged(after) == _unchanged(before)
    assert after.state is FormState.FILED
    assert [str(r.entry_id) for r in client.proceeds()] == proceeds_before


def test_a_form_not_filed_at_all_rejects_the_declaration(
    session: PortalLoginSession, clearance: ClearanceClient
) -> None:
    client = VerificationClient(session)
    form_no = str(client.apply(1)[0].form_no)

    error = _refused(clearance, export_declaration(form_no))

    assert "not_filed_for_port" in str(error)
    assert client.get(form_no).state is FormState.ISSUED


def test_a_used_form_rejects_a_second_declaration(session: PortalLoginSession, clearance: ClearanceClient) -> None:
    client, form_no = _filed(session)
    handle = clearance.submit(export_declaration(form_no))
    clearance.wait(handle, until=Stage.ACCEPTED, timeout=30)
    assert client.get(form_no).state is FormState.USED  # on acceptance (L 海关入库), not later
    first = clearance.wait(handle, until=Stage.CLOSED, timeout=30)
    used = client.get(form_no)
    assert (used.state, str(used.entry_id)) == (FormState.USED, str(first.entry_id))

    error = _refused(clearance, export_declaration(form_no))

    assert "form_already_used" in str(error)
    assert client.get(form_no) == used


def test_a_form_of_another_enterprise_rejects_the_declaration(
    session: PortalLoginSession, clearance: ClearanceClient
) -> None:
    client, form_no = _filed(session)
    error = _refused(clearance, export_declaration(form_no, trade_code="4403960001"))
    assert "form_of_another_enterprise" in str(error)
    assert client.get(form_no).state is FormState.FILED


def test_lost_form_rejects_the_declaration(session: PortalLoginSession, clearance: ClearanceClient) -> None:
    client, form_no = _filed(session)
    client.report_lost(form_no)
    error = _refused(clearance, export_declaration(form_no))
    assert "illegal_transition" in str(error)
    assert client.get(form_no).state is FormState.LOST


def test_apprno_is_informational_when_unregistered_or_after_the_scheme_ended(
    session: PortalLoginSession, clearance: ClearanceClient
) -> None:
    client, form_no = _filed(session)
    unknown = clearance.wait(clearance.submit(export_declaration("APPR2026001")), until=Stage.CLOSED, timeout=30)
    assert unknown.stage is Stage.CLOSED

    late = clearance.wait(
        clearance.submit(export_declaration(form_no, port="2200", date="20130105")), until=Stage.CLOSED, timeout=30
    )
    assert late.stage is Stage.CLOSED
    form = client.get(form_no)
    assert (form.state, form.entry_id) == (FormState.FILED, None)
    assert [str(r.entry_id) for r in client.proceeds(entry_id=str(late.entry_id))] == [str(late.entry_id)]


def test_a_replayed_form_use_event_changes_nothing(tmp_path: Path) -> None:
    forms = VerificationStore(tmp_path / "verification.sqlite3")
    try:
        form_no = str(forms.apply("1101960001", 1)[0].form_no)
        forms.act(form_no, "1101960001", FormAction.FILE, port="5300")
        payload = {
            "formNo": form_no, "enterprise": "1101960001", "entryId": "530020261000000001", "port": "5300",
            "ieDate": "2011-03-15", "currency": "USD", "amount": "1.00", "tradeMode": None,
        }  # fmt: skip
        record_use(forms, payload)
        once = forms.form(form_no, "1101960001")
        record_use(forms, payload)  # the scheduler ran the event again (crash before it was marked done)
        assert forms.form(form_no, "1101960001") == once
        assert once.state is FormState.USED
        with pytest.raises(PortRuleError):
            record_use(forms, {**payload, "entryId": "530020261000000002"})
    finally:
        forms.close()


def test_after_the_scheme_ended_even_another_enterprises_form_number_is_informational(
    session: PortalLoginSession, clearance: ClearanceClient
) -> None:
    client, form_no = _filed(session)
    before = client.get(form_no)
    late = export_declaration(form_no, date="20130105", trade_code="4403960001")
    assert clearance.wait(clearance.submit(late), until=Stage.CLOSED, timeout=30).stage is Stage.CLOSED
    assert client.get(form_no) == before


def test_a_declaration_dropped_by_file_exchange_uses_the_form_too(
    session: PortalLoginSession, portal_sandbox: SandboxProcess, tmp_path: Path
) -> None:
    client, form_no = _filed(session)
    transport = FileExchangeTransport(portal_sandbox.imp_path)
    with ClearanceClient(transport, tmp_path / "files.db", sender_id=DEMO_DXP_ID, poll_interval=0.02) as files:
        declared = files.wait(files.submit(export_declaration(form_no)), until=Stage.CLOSED, timeout=30)
    used = client.get(form_no)
    assert (used.state, str(used.entry_id)) == (FormState.USED, str(declared.entry_id))
