"""身份认证 and 企业管理 against the sandbox process: bind / unbind a 报关人员 with the emulated card, the match rule
(a mismatch gives IdentityMismatchError and changes nothing), enterprise records with credit levels."""

from __future__ import annotations

import pytest
import requests

from eport.card.operator import OperatorCard
from eport.errors import IdentityMismatchError, PortalError, ProtocolError
from eport.sandbox.login_api import DEMO_ID_NUMBER
from eport.services.enterprise import (
    AnnualReportStatus,
    CreditLevel,
    CreditScheme,
    EnterpriseClient,
    FilingState,
    scheme_on,
    to_current,
)
from eport.services.identity import BindingState, IdentityClient, card_identity
from eport.services.session import PortalLoginSession
from tests.portal.conftest import unique
from tests.sandbox.process import SandboxProcess

HOLDER = "演示操作员 Demo Operator"


def file_declarant(sandbox: SandboxProcess, *, name: str = HOLDER, id_number: str = DEMO_ID_NUMBER,
                   enterprise: str = "1101960001") -> str:  # fmt: skip
    """File a fresh 报关人员 with the sandbox and return its number."""
    number = unique("T")
    body = {"declarantNo": number, "name": name, "idNumber": id_number, "enterpriseCode": enterprise}
    reply = requests.post(f"{sandbox.url}/api/v1/identity/declarants", json=body, timeout=5)
    assert reply.status_code == 201, reply.text
    return number


def test_bind_and_unbind_with_the_emulated_card(
    session: PortalLoginSession, card: OperatorCard, portal_sandbox: SandboxProcess
) -> None:
    number = file_declarant(portal_sandbox)
    client = IdentityClient(session)
    assert client.get(number).binding is BindingState.UNBOUND
    bound = client.bind(number, card=card_identity(card))
    assert (bound.binding, bound.card_id) == (BindingState.BOUND, "JJ0DEMO000001")
    assert client.bind(number).binding is BindingState.BOUND  # binding again is harmless
    unbound = client.unbind(number)
    assert (unbound.binding, unbound.card_id) == (BindingState.UNBOUND, None)
    with pytest.raises(PortalError) as info:
        client.unbind(number)
    assert info.value.code == "not_bound"


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"id_number": "110101198505120029"}, ("id_number",)),
        ({"name": "另一报关员 Other"}, ("name",)),
        ({"enterprise": "4403960001"}, ("enterprise_code",)),
    ],
)
def test_a_mismatch_gives_the_typed_error_and_changes_nothing(
    session: PortalLoginSession,
    portal_sandbox: SandboxProcess,
    changes: dict[str, str],
    fields: tuple[str, ...],
) -> None:
    number = file_declarant(portal_sandbox, **changes)
    client = IdentityClient(session)
    before = client.get(number)
    with pytest.raises(IdentityMismatchError) as info:
        client.bind(number)  # the portal applies the rule with the card centre's identity
    assert info.value.fields == fields
    assert info.value.code == "identity_mismatch"
    assert info.value.status == 409
    assert client.get(number) == before
    assert before.binding is BindingState.UNBOUND


def test_the_local_check_catches_what_the_card_shows(session: PortalLoginSession, card: OperatorCard,
                                                     portal_sandbox: SandboxProcess) -> None:  # fmt: skip
    number = file_declarant(portal_sandbox, enterprise="4403960001")
    with pytest.raises(IdentityMismatchError) as info:
        IdentityClient(session).bind(number, card=card_identity(card))
    assert info.value.fields == ("enterprise_code",)
    assert str(DEMO_ID_NUMBER) not in str(info.value)


def test_enterprise_records_are_typed_and_older_credit_levels_are_mapped(session: PortalLoginSession) -> None:
    client = EnterpriseClient(session)
    mine = client.get("1101960001")
    assert (mine.filing_state, mine.credit_level) == (FilingState.APPROVED, CreditLevel.CONVENTIONAL)
    assert mine.annual_report is not None
    assert mine.annual_report.status is AnnualReportStatus.SUBMITTED
    other = client.get("4403960001")
    assert other.credit_level is CreditLevel.CERTIFIED
    assert other.credit_level.is_aeo
    assert other.annual_report is not None
    assert other.annual_report.status is AnnualReportStatus.OVERDUE
    with pytest.raises(PortalError) as info:
        client.get("9999999999")
    assert info.value.status == 404


def test_credit_scheme_mapping() -> None:
    assert scheme_on(__import__("datetime").date(2026, 3, 31)) is CreditScheme.DECREE_251
    assert scheme_on(__import__("datetime").date(2026, 4, 1)) is CreditScheme.DECREE_282
    assert to_current("AA", CreditScheme.CLASSIFICATION) is CreditLevel.ADVANCED_CERTIFIED
    assert to_current("d", CreditScheme.CLASSIFICATION) is CreditLevel.DISHONEST
    assert to_current("其他", CreditScheme.DECREE_251) is CreditLevel.CONVENTIONAL
    assert to_current("严重失信企业", CreditScheme.DECREE_282) is CreditLevel.SEVERELY_DISHONEST
    assert to_current("CERTIFIED", CreditScheme.DECREE_282) is CreditLevel.CERTIFIED
    with pytest.raises(ValueError, match="credit_level"):
        to_current("认证企业", CreditScheme.DECREE_225)
    assert {level.label for level in CreditLevel} == {
        "高级认证企业",
        "认证企业",
        "常规企业",
        "失信企业",
        "严重失信企业",
    }


def test_the_sandbox_refuses_a_bad_enterprise_record(portal_sandbox: SandboxProcess) -> None:
    body = {"customsCode": "1101960999", "uscc": "91110108MA01DEMQ0X", "name": "x", "registeredCustoms": "0100"}
    reply = requests.post(f"{portal_sandbox.url}/api/v1/enterprise", json=body, timeout=5)
    assert reply.status_code == 400
    assert "uscc" in reply.json()["error"]


def test_records_parse_strictly() -> None:
    from eport.services.identity import DeclarantRecord

    with pytest.raises(ProtocolError):
        DeclarantRecord.from_wire({"declarantNo": "X1"})


def test_the_unverified_credit_mapping_is_configurable(session: PortalLoginSession) -> None:
    # the 2014 conversion of the classification levels (and the others) is eport's reading, not confirmed
    mine = {CreditScheme.CLASSIFICATION: {"C": CreditLevel.CONVENTIONAL, "D": CreditLevel.DISHONEST}}
    assert to_current("c", CreditScheme.CLASSIFICATION, mapping=mine) is CreditLevel.CONVENTIONAL
    assert to_current("其他", CreditScheme.DECREE_251, mapping=mine) is CreditLevel.CONVENTIONAL  # others kept
    with pytest.raises(ValueError, match="credit_level"):
        to_current("AA", CreditScheme.CLASSIFICATION, mapping=mine)
    decree_225 = {CreditScheme.DECREE_225: {"一般认证企业": CreditLevel.ADVANCED_CERTIFIED}}
    other = EnterpriseClient(session, credit_mapping=decree_225).get("4403960001")  # 一般认证企业 under 225
    assert other.credit_level is CreditLevel.ADVANCED_CERTIFIED
    assert EnterpriseClient(session).get("4403960001").credit_level is CreditLevel.CERTIFIED
