"""出口收汇: the verification-form client (historical) and the 出口收汇报关单 / 进口付汇报关单 list query (live).

**Historical.** The national 出口收汇核销 scheme ended on **2012-08-01**; the live E-Port no longer applies for,
files or hands in 核销单. :class:`VerificationClient` keeps the operations for historical data and replays against
the sandbox (``eport sandbox``), which plays the form registry with its rules. What is still useful on the live
portal is :meth:`VerificationClient.proceeds`, the 出口收汇报关单 / 进口付汇报关单 list (its field names on the
live portal are not publicly documented: the sandbox's are eport's).

The steps (``REFUND_AND_VERIFICATION.md`` §3.1)::

    forms = client.apply(2)                                  # 核销单申请; SAFE issues them (ISSUED)
    client.file(forms[0].form_no, port="深圳海关")             # 口岸备案: 使用口岸 by code or by name
    client.use(forms[0].form_no, dec_head)                   # the declaration carries it as DecHead.ApprNo
    client.hand_in(forms[0].form_no)                         # 交单; SAFE verifies it (VERIFIED)
    client.query([Condition("state", "=", "VERIFIED")])      # 条件设定 / 开始查找

Illegal steps raise :class:`~eport.errors.FormStateError`; the port rules raise
:class:`~eport.errors.PortRuleError` (not filed for the declaration's port, already used, one form per
declaration). Both change nothing. Every call needs a card-login session (:mod:`eport.services.session`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any

import attrs

from eport.edi.codes import CodeTable
from eport.edi.codes.districts import customs_districts
from eport.errors import CodeTableError, FieldError, ProtocolError
from eport.identifiers import EntryId, VerificationFormNo
from eport.services._portal_typed import call
from eport.services.portal import Page, PortalSession, paginate
from eport.services.rows import count, page_of, read_rows
from eport.services.session import PortalLoginSession
from eport.services.verification_models import (
    SCHEME_ENDED,
    Condition,
    Direction,
    ProceedsDeclaration,
    VerificationForm,
)

#: The service paths (the sandbox's; the old E-Port's were pages, not JSON).
FORMS_PATH = "/api/v1/verification/forms"
PROCEEDS_PATH = "/api/v1/proceeds"

_FORMS = "verification forms (核销单)"
_PROCEEDS = "proceeds declarations (收付汇报关单)"


@attrs.frozen
class UseResult:
    """The outcome of using a form on a declaration.

    Attributes:
        form: the form after the use.
        informational: the declaration is dated on or after 2012-08-01, so its ``ApprNo`` was accepted for
            information only and the form was left as it was.
    """

    form: VerificationForm
    informational: bool


def resolve_port(value: str, districts: CodeTable | None = None) -> str:
    """The 4-digit 使用口岸 code of a code or a name (``"5300"``, ``"深圳海关"``), through the 关区 code table.

    Raises:
        eport.errors.FieldError: empty, or a 4-digit code not in the table.
        eport.errors.CodeTableError: no district has that name.
    """
    table = districts or customs_districts()
    text = value.strip()
    if not text:
        raise FieldError("port", "give a 4-digit 关区 code or a customs name")
    if text.isdigit():
        if len(text) != 4:
            raise FieldError("port", "a 关区 code is 4 digits")
        if text not in table:
            raise FieldError("port", f"{text} is not in the 关区 code table ({table.name})")
        return text
    try:
        return table.by_name(text).code
    except CodeTableError:
        raise CodeTableError(f"port: no customs district named {text!r} in the 关区 code table") from None


class VerificationClient:
    """The 出口收汇 services of the portal (or the sandbox) for the logged-in enterprise.

    Args:
        session: a card-login session (:class:`~eport.services.session.PortalLoginSession`) or its portal.
        districts: the 关区 code table for port names (default: eport's shipped, partial table).
        strict_legacy: demand 9-digit form numbers (the width is unverified folklore).
    """

    def __init__(
        self,
        session: PortalLoginSession | PortalSession,
        *,
        districts: CodeTable | None = None,
        strict_legacy: bool = False,
    ) -> None:
        self.portal = session.portal if isinstance(session, PortalLoginSession) else session
        self.districts = districts or customs_districts()
        self.strict_legacy = strict_legacy

    def __repr__(self) -> str:
        return f"VerificationClient({self.portal.base_url!r})"

    def _form_no(self, value: str) -> str:
        return str(VerificationFormNo.parse(value, field="form_no", strict_legacy=self.strict_legacy))

    @staticmethod
    def _form(data: Any) -> VerificationForm:
        if not isinstance(data, dict):
            raise ProtocolError("the verification service did not answer a form")
        return VerificationForm.from_wire(data)

    @classmethod
    def _the_form(cls, number: str, data: Any) -> VerificationForm:
        """The form ``number`` as the service answered it; an answer about another form is the service's fault (it
        would be shown, or acted on, as this one)."""
        form = cls._form(data)
        if str(form.form_no) != number:
            raise ProtocolError(f"asked about form {number}, the verification service answered form {form.form_no}")
        return form

    # ------------------------------------------------------------------------------------------- the steps
    def apply(self, count: int) -> list[VerificationForm]:
        """核销单申请: apply for ``count`` forms (1–100). SAFE may issue fewer later.

        Raises:
            eport.errors.FieldError: ``count`` out of range.
        """
        if not 1 <= count <= 100:
            raise FieldError("count", "apply for 1 to 100 forms at a time")
        data = call(self.portal, "POST", f"{FORMS_PATH}/apply", json={"count": count})
        forms = data.get("forms") if isinstance(data, dict) else None
        if not isinstance(forms, list):
            raise ProtocolError("the application answer has no forms")
        return [self._form(item) for item in forms]

    def get(self, form_no: str) -> VerificationForm:
        """One form.

        Raises:
            eport.errors.PortalError: 404 when the enterprise has no such form.
        """
        number = self._form_no(form_no)
        return self._the_form(number, call(self.portal, "GET", f"{FORMS_PATH}/{number}"))

    def file(self, form_no: str, *, port: str) -> VerificationForm:
        """口岸备案: file the form for a port (使用口岸), given by 4-digit code or by name (``"深圳海关"``).

        Raises:
            eport.errors.FieldError, eport.errors.CodeTableError: an unknown port.
            eport.errors.FormStateError: the form is not ISSUED or FILED.
        """
        code = resolve_port(port, self.districts)
        number = self._form_no(form_no)
        path = f"{FORMS_PATH}/{number}/filing"
        return self._the_form(number, call(self.portal, "POST", path, json={"port": code}, idempotent=True))

    def use(
        self,
        form_no: str,
        declaration: Any,
        *,
        currency: str = "USD",
        amount: Decimal | None = None,
    ) -> UseResult:
        """Use the form on an export declaration that carries it as ``DecHead.ApprNo``.

        Args:
            form_no: the form.
            declaration: the declaration head (:class:`eport.edi.dec.DecHead` or anything with ``appr_no``,
                ``entry_id``, ``ie_port``/``custom_master``, ``ie_date`` ``YYYYMMDD`` and ``ie_flag``).
            currency, amount: the declared value (the head carries none): a 3-letter currency code and a finite
                amount of 0 or more.

        Raises:
            eport.errors.FieldError: ``ApprNo`` is not this form, or the head lacks the entry id, port or date, or
                is an import declaration, or ``currency`` / ``amount`` is malformed (nothing is sent).
            eport.errors.PortRuleError: the form is not filed for the declaration's port, was used, or the
                declaration carries another form.
            eport.errors.FormStateError: the form is lost or void.
        """
        number = self._form_no(form_no)
        appr_no = getattr(declaration, "appr_no", None)
        if appr_no != number:
            raise FieldError("DecHead.ApprNo", f"the declaration must carry this form's number ({number})")
        if getattr(declaration, "ie_flag", None) == "I":
            raise FieldError("DecHead.IEFlag", "核销单 are used on export declarations only")
        entry_id = EntryId.parse(getattr(declaration, "entry_id", None) or "", field="DecHead.EntryId")
        port = getattr(declaration, "ie_port", None) or getattr(declaration, "custom_master", None)
        if not port:
            raise FieldError("DecHead.IEPort", "the declaration's port (IEPort or CustomMaster) is missing")
        ie_date = _ie_date(getattr(declaration, "ie_date", None))
        value = amount if amount is not None else Decimal(0)
        if not value.is_finite() or value < 0:
            raise FieldError("amount", f"the declared value must be a finite amount of 0 or more, got {value}")
        if not (len(currency) == 3 and currency.isascii() and currency.isalpha()):
            raise FieldError("currency", f"a currency is a 3-letter code (USD), got {currency!r}")
        body = {
            "entryId": str(entry_id),
            "port": str(port),
            "ieDate": ie_date.isoformat(),
            "currency": currency,
            "amount": str(value),
            "tradeMode": getattr(declaration, "trade_mode", None),
        }
        data = call(self.portal, "POST", f"{FORMS_PATH}/{number}/use", json=body)
        if not isinstance(data, dict):
            raise ProtocolError("the use answer is not an object")
        return UseResult(form=self._the_form(number, data.get("form")), informational=bool(data.get("informational")))

    def hand_in(self, form_no: str) -> VerificationForm:
        """交单: hand in a used form; SAFE then verifies it (核销).

        Raises:
            eport.errors.FormStateError: the form is not USED.
        """
        return self._step(form_no, "hand-in")

    def report_lost(self, form_no: str) -> VerificationForm:
        """挂失: report a form in custody lost. Raises FormStateError outside ISSUED/FILED/USED."""
        return self._step(form_no, "report-lost")

    def void(self, form_no: str) -> VerificationForm:
        """作废: void a form in custody. Raises FormStateError outside ISSUED/FILED/USED."""
        return self._step(form_no, "void")

    def _step(self, form_no: str, action: str) -> VerificationForm:
        number = self._form_no(form_no)
        return self._the_form(number, call(self.portal, "POST", f"{FORMS_PATH}/{number}/{action}"))

    # ------------------------------------------------------------------------------------------- queries
    def _query_raw(self, conditions: Sequence[Condition], offset: int, limit: int) -> Page[Any]:
        body = {"conditions": [c.to_wire() for c in conditions], "offset": offset, "limit": limit}
        data = call(self.portal, "POST", f"{FORMS_PATH}/query", json=body, idempotent=True)
        rows, total = _rows(data)
        return Page(items=tuple(rows), offset=offset, total=total)

    def query_page(
        self, conditions: Sequence[Condition] = (), *, offset: int = 0, limit: int = 50
    ) -> Page[VerificationForm]:
        """One page of the forms matching every condition (条件设定).

        Raises:
            eport.errors.UnreadableRowsError: a row could not be read (the page's other forms are its
                ``readable``).
        """
        return page_of(self._query_raw(conditions, offset, limit), self._form, key_field="formNo", what=_FORMS)

    def query(self, conditions: Sequence[Condition] = (), *, page_size: int = 50) -> Iterator[VerificationForm]:
        """Every form matching every condition, fetched a page at a time.

        A form the client cannot read (a state it does not know) does not end the listing: every readable form is
        yielded, every page is fetched, and then :class:`~eport.errors.UnreadableRowsError` names the others
        (``rows``: position, ``formNo``, the raw row, the reason). A form pushed onto the next page by forms added
        while the pages are read is yielded (or named) once.
        """
        pages = paginate(lambda o, n: self._query_raw(conditions, o, n), page_size=page_size)
        return read_rows(pages, self._form, key_field="formNo", what=_FORMS, identity=lambda form: str(form.form_no))

    def _proceeds_raw(
        self,
        direction: Direction,
        entry_id: str | None,
        date_from: dt.date | None,
        date_to: dt.date | None,
        offset: int,
        limit: int,
    ) -> Page[Any]:
        params: dict[str, Any] = {"direction": direction.value, "offset": offset, "limit": limit}
        if entry_id:
            params["entryId"] = str(EntryId.parse(entry_id, field="entry_id"))
        if date_from and date_to and date_from > date_to:
            raise FieldError("date_from", "must not be after date_to")
        if date_from:
            params["dateFrom"] = date_from.isoformat()
        if date_to:
            params["dateTo"] = date_to.isoformat()
        data = call(self.portal, "GET", PROCEEDS_PATH, params=params)
        rows, total = _rows(data)
        return Page(items=tuple(rows), offset=offset, total=total)

    def proceeds_page(
        self,
        direction: Direction = Direction.EXPORT,
        *,
        entry_id: str | None = None,
        date_from: dt.date | None = None,
        date_to: dt.date | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> Page[ProceedsDeclaration]:
        """One page of the 出口收汇报关单 (export) or 进口付汇报关单 (import) list, newest first.

        Raises:
            eport.errors.IdentifierError: a malformed ``entry_id``.
            eport.errors.FieldError: ``date_from`` after ``date_to``.
            eport.errors.UnreadableRowsError: a row could not be read (the page's other rows are its ``readable``).
        """
        page = self._proceeds_raw(direction, entry_id, date_from, date_to, offset, limit)
        return page_of(page, ProceedsDeclaration.from_wire, key_field="entryId", what=_PROCEEDS)

    def proceeds(
        self,
        direction: Direction = Direction.EXPORT,
        *,
        entry_id: str | None = None,
        date_from: dt.date | None = None,
        date_to: dt.date | None = None,
        page_size: int = 50,
    ) -> Iterator[ProceedsDeclaration]:
        """Every row of the 出口收汇报关单 / 进口付汇报关单 list, fetched a page at a time.

        A row the client cannot read does not end the listing: every readable row is yielded, every page is
        fetched, and then :class:`~eport.errors.UnreadableRowsError` names the others (``rows``: position,
        ``entryId``, the raw row, the reason). A row pushed onto the next page by rows added while the pages are
        read is yielded (or named) once.

        Raises:
            eport.errors.IdentifierError: a malformed ``entry_id``.
            eport.errors.FieldError: ``date_from`` after ``date_to``.
        """
        pages = paginate(
            lambda o, n: self._proceeds_raw(direction, entry_id, date_from, date_to, o, n), page_size=page_size
        )
        return read_rows(pages, ProceedsDeclaration.from_wire, key_field="entryId", what=_PROCEEDS,
                         identity=lambda row: str(row.entry_id))  # fmt: skip


def _rows(data: Any) -> tuple[list[Any], int | None]:
    if not isinstance(data, dict) or not isinstance(data.get("rows"), list):
        raise ProtocolError("the listing has no rows")
    return data["rows"], count(data.get("total"))


def _ie_date(value: object) -> dt.date:
    text = str(value or "").strip()
    try:
        if len(text) == 8 and text.isdigit():
            return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        raise FieldError("DecHead.IEDate", "the declaration's date (YYYYMMDD) is missing or invalid") from None


__all__ = [
    "FORMS_PATH",
    "PROCEEDS_PATH",
    "SCHEME_ENDED",
    "UseResult",
    "VerificationClient",
    "resolve_port",
]
