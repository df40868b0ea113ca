"""The sandbox's customs reads ``DecHead.ApprNo`` (批准文号) of an export declaration: the 核销单 rules of
``REFUND_AND_VERIFICATION.md`` §3.5 at the exchange.

When the ``ApprNo`` of a submitted export declaration (``IEFlag`` ``E``) names a form of the sandbox's
verification registry, customs checks, before it accepts the declaration (``L`` 海关入库):

* the form was issued to the declaration's 经营单位 (``DecHead.TradeCode``, when given);
* the form is FILED (口岸备案) for the declaration's port: ``DecHead.IEPort`` (出境关别, the 使用口岸), or
  ``DecHead.CustomMaster`` (申报地海关) when ``IEPort`` is empty, the same port
  :meth:`eport.services.verification.VerificationClient.use` sends;
* the form was not used before, and the declaration carries no other form (one form per declaration).

A refusal is a ``DEC_RESULT`` ``E`` 退单 whose note names the reason and the rule (``[not_filed_for_port]`` …), and
nothing changes. On acceptance the form becomes USED with the sandbox's entry id and the export date
(``DecHead.IEDate``, or the day of acceptance when it is empty): a ``form_use`` event planned with the ``L``
receipt, recorded atomically with the decision and run by the scheduler. An ``ApprNo`` that names no registered
form is informational, and so is any ``ApprNo`` of a declaration dated on or after 2012-08-01 (the form is left as
it is; the declaration joins the 出口收汇报关单 list).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

import attrs
from lxml import etree

from eport.errors import FormStateError, PortRuleError
from eport.identifiers import EntryId
from eport.sandbox.envelope import DEC_NS
from eport.sandbox.verification_store import FormNotFoundError, Use, VerificationStore
from eport.services.verification_models import SCHEME_ENDED

#: The kind of the scheduled event that marks a form USED.
FORM_USE_EVENT = "form_use"


@attrs.frozen
class FormCheck:
    """What customs found about a declaration's ``ApprNo``.

    Attributes:
        payload: the ``form_use`` event to plan on acceptance (None: nothing to record).
        refusal: the reason to reject the declaration (``E`` 退单), naming the rule; None when accepted.
    """

    payload: dict[str, Any] | None = None
    refusal: str | None = None


def _text(root: etree._Element, path: str) -> str:
    steps = "/".join(f"{{{DEC_NS}}}{step}" for step in path.split("/"))
    return (root.findtext(steps) or "").strip()


def _amount(root: etree._Element) -> tuple[str, Decimal]:
    total = Decimal(0)
    currency = ""
    for item in root.iterfind(f"{{{DEC_NS}}}DecLists/{{{DEC_NS}}}DecList"):
        currency = currency or (item.findtext(f"{{{DEC_NS}}}TradeCurr") or "").strip()
        try:
            total += Decimal((item.findtext(f"{{{DEC_NS}}}DeclTotal") or "0").strip() or "0")
        except InvalidOperation:
            continue
    return (currency if len(currency) == 3 else "USD"), total


def check_appr_no(root: etree._Element, forms: VerificationStore | None, *, entry_id: str, today: dt.date) -> FormCheck:
    """Check the ``ApprNo`` of a declaration about to be accepted under ``entry_id`` (read only).

    Args:
        root: the ``DecMessage``.
        forms: the sandbox's verification registry (None: customs reads no ``ApprNo``).
        entry_id: the entry id (海关编号) customs gives the declaration.
        today: the day of acceptance (the export date when ``IEDate`` is empty).
    """
    appr_no = _text(root, "DecHead/ApprNo")
    if forms is None or not appr_no or _text(root, "DecHead/IEFlag") != "E":
        return FormCheck()
    enterprise = forms.enterprise_of(appr_no)
    if enterprise is None:
        return FormCheck()
    date_text = _text(root, "DecHead/IEDate")
    try:
        ie_date = dt.datetime.strptime(date_text[:8], "%Y%m%d").date() if date_text else today
    except ValueError:
        return FormCheck(refusal=f"DecHead.IEDate {date_text!r} is not a date (YYYYMMDD) [bad_ie_date]")
    trade_code = _text(root, "DecHead/TradeCode")
    if trade_code and trade_code != enterprise:
        if ie_date >= SCHEME_ENDED:  # informational, and not this enterprise's list to join
            return FormCheck()
        return FormCheck(
            refusal=f"核销单 {appr_no} (ApprNo) was not issued to the 经营单位 {trade_code} (TradeCode) "
            "[form_of_another_enterprise]"
        )
    port = _text(root, "DecHead/IEPort") or _text(root, "DecHead/CustomMaster")
    currency, amount = _amount(root)
    use = Use(
        entry_id=EntryId(entry_id),
        port=port,
        ie_date=ie_date,
        currency=currency,
        amount=amount,
        trade_mode=_text(root, "DecHead/TradeMode") or None,
    )
    try:
        forms.check_use(appr_no, enterprise, use)
    except PortRuleError as exc:
        return FormCheck(refusal=f"{exc} [{exc.rule}]")
    except FormStateError as exc:
        return FormCheck(refusal=f"{exc} [illegal_transition]")
    except FormNotFoundError:  # pragma: no cover - found a moment ago
        return FormCheck()
    payload = {
        "formNo": appr_no,
        "enterprise": enterprise,
        "entryId": entry_id,
        "port": port,
        "ieDate": ie_date.isoformat(),
        "currency": currency,
        "amount": str(amount),
        "tradeMode": use.trade_mode,
    }
    return FormCheck(payload=payload)


def record_use(forms: VerificationStore, payload: dict[str, Any]) -> str:
    """Run a ``form_use`` event: mark the form USED on the accepted declaration (a replay changes nothing).

    Returns:
        What happened, for the log.

    Raises:
        eport.errors.PortRuleError, eport.errors.FormStateError: the form changed since customs checked it.
    """
    use = Use(
        entry_id=EntryId(str(payload["entryId"])),
        port=str(payload["port"]),
        ie_date=dt.date.fromisoformat(str(payload["ieDate"])),
        currency=str(payload["currency"]),
        amount=Decimal(str(payload["amount"])),
        trade_mode=payload.get("tradeMode"),
    )
    form_no = str(payload["formNo"])
    form, informational = forms.use_by_customs(form_no, str(payload["enterprise"]), use)
    if informational:
        return f"核销单 {form_no} on {use.entry_id}: informational (dated {use.ie_date})"
    return f"核销单 {form_no} used on {use.entry_id} ({form.state.value})"


__all__ = ["FORM_USE_EVENT", "FormCheck", "check_appr_no", "record_use"]
