"""The 核销单 state model, query conditions and port lookup (pure; no sandbox)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from eport.edi.codes.districts import customs_districts, parse_districts_csv
from eport.errors import CodeTableError, FieldError, FormStateError
from eport.identifiers import EntryId, VerificationFormNo
from eport.services.verification import resolve_port
from eport.services.verification_models import (
    TRANSITIONS,
    Condition,
    CustodyStep,
    FormAction,
    FormState,
    Operator,
    QueryField,
    VerificationForm,
    allowed_actions,
    matches,
    next_state,
)

HAPPY_PATH = [
    (FormAction.ISSUE, FormState.ISSUED),
    (FormAction.FILE, FormState.FILED),
    (FormAction.USE, FormState.USED),
    (FormAction.HAND_IN, FormState.SUBMITTED),
    (FormAction.VERIFY, FormState.VERIFIED),
]


def test_the_portal_lifecycle_runs_from_applied_to_verified() -> None:
    state = FormState.APPLIED
    for action, expected in HAPPY_PATH:
        state = next_state(state, action, form_no="280000001")
        assert state is expected
    assert state.final
    assert state.label == "已核销"


@pytest.mark.parametrize(("state", "action"), list(itertools.product(FormState, FormAction)))
def test_every_pair_outside_the_table_is_refused_with_a_typed_error(state: FormState, action: FormAction) -> None:
    if (state, action) in TRANSITIONS:
        assert next_state(state, action) is TRANSITIONS[(state, action)]
        return
    with pytest.raises(FormStateError) as info:
        next_state(state, action, form_no="280000009")
    assert (info.value.form_no, info.value.state, info.value.action) == ("280000009", state.value, action.value)
    assert info.value.code == "illegal_transition"


def test_lost_and_void_only_from_custody_and_final_states_allow_nothing() -> None:
    for state in (FormState.ISSUED, FormState.FILED, FormState.USED):
        assert next_state(state, FormAction.REPORT_LOST) is FormState.LOST
        assert next_state(state, FormAction.VOID) is FormState.VOID
    for state in (FormState.APPLIED, FormState.SUBMITTED):
        assert FormAction.REPORT_LOST not in allowed_actions(state)
    for state in (FormState.VERIFIED, FormState.LOST, FormState.VOID):
        assert allowed_actions(state) == frozenset()


def test_a_filed_form_may_be_filed_again_for_another_port_before_use() -> None:
    assert next_state(FormState.FILED, FormAction.FILE) is FormState.FILED
    with pytest.raises(FormStateError):
        next_state(FormState.USED, FormAction.FILE)


def test_custody_steps_map_onto_portal_states() -> None:
    assert CustodyStep(1).portal_state is FormState.ISSUED
    assert CustodyStep.DEBENTURE_SIGN_IN.portal_state is FormState.USED
    assert CustodyStep.HAND_IN_BILL.portal_state is FormState.SUBMITTED
    assert CustodyStep.CANCEL.portal_state is FormState.VERIFIED


def _form(**changes: object) -> VerificationForm:
    values: dict[str, object] = {
        "form_no": VerificationFormNo("280000123"),
        "state": FormState.FILED,
        "enterprise_code": "1101960001",
        "applied_at": dt.datetime(2011, 3, 1, 8, tzinfo=dt.timezone.utc),
        "port": "5300",
    }
    values.update(changes)
    return VerificationForm(**values)  # type: ignore[arg-type]


def test_conditions_are_conjunctive_with_prefix_and_date_ranges() -> None:
    form = _form()
    assert matches(form, [])
    assert matches(form, [Condition.parse("formNo~2800"), Condition.parse("state=FILED")])
    assert not matches(form, [Condition.parse("formNo~2800"), Condition.parse("state=USED")])
    assert matches(form, [Condition.parse("appliedDate>=2011-03-01"), Condition.parse("appliedDate<=2011-03-01")])
    assert not matches(form, [Condition.parse("appliedDate>=2011-03-02")])
    assert not matches(form, [Condition(QueryField.ENTRY_ID, Operator.EQ, "530020110000123456")])
    used = _form(state=FormState.USED, entry_id=EntryId("530020110000123456"))
    assert matches(used, [Condition("entryId", "like", "5300")])


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("state>=FILED", "condition[state]"),
        ("state=DONE", "condition[state]"),
        ("appliedDate>=2011-13-01", "condition[appliedDate]"),
        ("port>=5300", "condition[port]"),
        ("colour=red", "condition"),
        ("no operator", "condition"),
    ],
)
def test_bad_conditions_name_the_field(text: str, field: str) -> None:
    with pytest.raises(FieldError) as info:
        Condition.parse(text)
    assert info.value.field == field


def test_condition_wire_round_trip() -> None:
    condition = Condition.parse("appliedDate<=2011-12-31")
    assert Condition.from_wire(condition.to_wire()) == condition
    with pytest.raises(FieldError):
        Condition.from_wire({"field": "formNo"})


def test_form_wire_round_trip() -> None:
    form = _form(state=FormState.USED, entry_id=EntryId("530020110000123456"))
    assert VerificationForm.from_wire(form.to_wire()) == form


def test_ports_resolve_by_code_or_by_name_through_the_code_table() -> None:
    assert resolve_port("5300") == "5300"
    assert resolve_port(" 深圳海关 ") == "5300"
    assert resolve_port("皇岗海关") == "5301"
    with pytest.raises(CodeTableError):
        resolve_port("火星海关")
    with pytest.raises(FieldError):
        resolve_port("9999")
    with pytest.raises(FieldError):
        resolve_port("53")
    table = parse_districts_csv("code,name\n1234,测试海关\n")
    assert resolve_port("测试海关", table) == "1234"
    assert "5300" in customs_districts()


def test_a_bad_district_table_is_refused_with_its_line() -> None:
    with pytest.raises(CodeTableError, match="line 3"):
        parse_districts_csv("code,name\n1234,a\n12345,b\n")
    with pytest.raises(CodeTableError, match="repeated"):
        parse_districts_csv("code,name\n1234,a\n1234,b\n")
