"""``RefundClient``: the export tax refund (出口退税) service over a :class:`~eport.services.portal.PortalSession`.

What it talks to: eport's refund API (``/api/v1/refund``, ``docs/refund.md``), which the sandbox implements. The
live E-Port has **no** public refund API; what maps to the live world:

* closed declarations (结关信息查询) and the head/body view: on the live Single Window these are the declaration
  list filtered on status ``R`` and the declaration detail (internal, unofficial portal JSON);
* refund-copy records and claim batches: held by the tax side (电子税务局 / the refund declaration software), not
  by E-Port; the sandbox plays that side so the whole flow can be tested;
* the legacy 查询报送 / 选择报送 / 全体报送: the old E-Port only. Customs has fed the tax side directly for years;
  these calls work against the sandbox and refuse (:class:`~eport.errors.LegacyOperationError`, without any
  network call) unless the client is created with ``legacy=True``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from eport.errors import FieldError, LegacyOperationError, PortalError, ProtocolError
from eport.identifiers import CustomsCode, CustomsDistrict, EntryId, RefundDeclNo, Uscc
from eport.services.portal import (
    DEFAULT_LOGIN_MARKERS,
    Page,
    PortalResponse,
    PortalSession,
    error_from_response,
    paginate,
)
from eport.services.refund.lines import ClaimLine
from eport.services.refund.models import BatchState, ClosedDeclaration, Condition, Doubt, LegacyState, RefundRecord
from eport.services.rows import count, page_of, read_rows

if TYPE_CHECKING:
    import pandas as pd

T = TypeVar("T")
PREFIX = "/api/v1/refund"
NO_RECORD = "no_record"
"""The refund service's 404 code for an item customs sent no electronic record of (无电子信息)."""
CLOSED_DECLARATIONS = "closed declarations (结关信息)"
RECORDS = "refund-copy records (退税联)"
LEGACY_ROWS = "legacy 查询报送 rows"
BATCHES = "refund batches (申报批次)"


@attrs.frozen
class DeclarationView:
    """The 表头 / 表体 view of a declaration.

    Attributes:
        head: head fields by eport attribute name (``entry_id``, ``trade_mode``, ``ie_port`` …), as text.
        body: one mapping per item (``g_no``, ``code_ts``, ``g_name``, ``g_qty``, ``decl_total`` …).
    """

    head: dict[str, Any]
    body: tuple[dict[str, Any], ...]


@attrs.frozen
class LegacyRow:
    """A row of the legacy 查询报送 list.

    Attributes:
        entry_id: 报关单编号.
        export_date: 出口时间.
        customs: 申报地海关.
        state: 未报送 / 已报送 / 已接收 / 报送失败.
    """

    entry_id: EntryId
    export_date: dt.date | None
    customs: str
    state: LegacyState


@attrs.frozen(kw_only=True)
class Batch:
    """A refund declaration batch as the tax service holds it.

    Attributes:
        id: the service's batch id.
        trade_code: the enterprise's customs code.
        period: 申报年月 ``YYYYMM``.
        batch: 申报批次.
        state: DRAFT → SELF_CHECKED → DECLARED → APPROVED / REJECTED.
        lines: number of lines.
        doubts: the doubts of the last self-check.
        lcslid: 流程实例ID once declared.
    """

    id: str
    trade_code: str
    period: str
    batch: int
    state: BatchState
    lines: int
    doubts: tuple[Doubt, ...]
    lcslid: str | None = None

    @property
    def blocking(self) -> tuple[Doubt, ...]:
        """Doubts that block the declaration."""
        return tuple(d for d in self.doubts if not d.passable)

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> Batch:
        """Read the service's JSON.

        Raises:
            eport.errors.ProtocolError: malformed.
        """
        try:
            return cls(id=str(value["id"]), trade_code=str(value["tradeCode"]), period=str(value["period"]),
                       batch=int(value["batch"]), state=BatchState(value["state"]), lines=int(value["lines"]),
                       doubts=tuple(Doubt.from_json(d) for d in value.get("doubts") or ()),
                       lcslid=value.get("lcslid"))  # fmt: skip
        except (KeyError, TypeError, ValueError) as exc:
            raise ProtocolError(f"malformed batch in the refund service's answer: {exc}") from exc


def _read(what: str, read: Callable[[Any], T], value: Any) -> T:
    """Read one object of the service's answer; anything malformed is the service's fault (:class:`ProtocolError`),
    never a :class:`FieldError` that would blame the caller's input."""
    try:
        return read(value)
    except (FieldError, KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ProtocolError(f"malformed {what} in the refund service's answer: {exc}") from exc


def _closed(value: Any) -> ClosedDeclaration:
    return _read("closed declaration", ClosedDeclaration.from_json, value)


def _record(value: Any) -> RefundRecord:
    return _read("record", RefundRecord.from_json, value)


def _entry_id(row: ClosedDeclaration | LegacyRow) -> str:
    return str(row.entry_id)


def _batch(value: Any) -> Batch:
    return _read("batch", Batch.from_json, value)


def _legacy(value: Any) -> LegacyRow:
    return _read("legacy row", _legacy_row, value)


def _legacy_row(r: Any) -> LegacyRow:
    export_date = dt.date.fromisoformat(r["exportDate"]) if r.get("exportDate") else None
    return LegacyRow(EntryId.parse(r["entryId"]), export_date, str(r.get("customs") or ""), LegacyState(r["state"]))


def _entry_ids(answer: Any) -> list[EntryId]:
    return [EntryId.parse(v) for v in answer["submitted"]]


def _rows(answer: Any) -> tuple[list[Any], int | None]:
    if not isinstance(answer, dict) or not isinstance(answer.get("rows"), list):
        raise ProtocolError("the refund service answered without a rows array")
    return answer["rows"], count(answer.get("total"))


class RefundClient:
    """Client of the refund service.

    Args:
        session: a :class:`PortalSession`, or the service's base URL (a session is then created and owned).
        legacy: allow the legacy 数据报送 calls (the sandbox has them; the live E-Port does not).

    Example (against a running sandbox)::

        client = RefundClient("http://127.0.0.1:8730")
        for row in client.closed_declarations("4403960001"):
            print(row.entry_id, row.closed_on)
    """

    def __init__(self, session: PortalSession | str, *, legacy: bool = False) -> None:
        self._owned = isinstance(session, str)
        self.session = PortalSession(session) if isinstance(session, str) else session
        self.legacy = legacy

    def __repr__(self) -> str:
        return f"RefundClient({self.session.base_url!r}, legacy={self.legacy})"

    def close(self) -> None:
        """Close the session when the client created it."""
        if self._owned:
            self.session.close()

    def __enter__(self) -> RefundClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --------------------------------------------------------------------------------------------- helpers
    def _call(self, method: str, path: str, *, params: dict[str, Any] | None = None, body: Any = None,
              idempotent: bool | None = None) -> Any:  # fmt: skip
        response = self.session.request(method, PREFIX + path, params=params, json=body, idempotent=idempotent,
                                        check=False)  # fmt: skip
        raise_refusal(response, login_markers=self.session.login_markers)
        return response.json()

    def _get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self._call("GET", path, params=params)

    def _post(self, path: str, body: Any, *, idempotent: bool = False) -> Any:
        return self._call("POST", path, body=body, idempotent=idempotent)

    # --------------------------------------------------------------------------------------------- queries
    def closed_declarations(
        self,
        trade_code: str,
        *,
        entry_id_prefix: str = "",
        export_from: dt.date | None = None,
        export_to: dt.date | None = None,
        customs: str = "",
        page_size: int = 50,
    ) -> Iterator[ClosedDeclaration]:
        """结关信息查询: the enterprise's closed export declarations, newest first, fetched page by page (each once,
        even when customs closes more while the pages are read).

        A row the client cannot read does not end the listing: every readable row is yielded, every page is fetched,
        and then :class:`~eport.errors.UnreadableRowsError` names the others (``rows``: position, ``entryId`` as
        sent, the raw row, the reason).

        Raises:
            eport.errors.IdentifierError: a bad trade code, prefix or 关区 code (checked before any request).
            eport.errors.PortalError: the service refused.
            eport.errors.UnreadableRowsError: after the last row, when rows could not be read.
        """
        code = CustomsCode.parse(trade_code, field="trade_code")
        if entry_id_prefix and not (entry_id_prefix.isascii() and entry_id_prefix.isalnum()
                                    and len(entry_id_prefix) <= 18):  # fmt: skip
            raise FieldError("entry_id_prefix", "up to 18 digits (or I/E) of an entry id")
        if customs:
            customs = CustomsDistrict.parse(customs, field="customs")
        params = {"tradeCode": code, "entryIdPrefix": entry_id_prefix, "customs": customs,
                  "exportFrom": export_from.isoformat() if export_from else None,
                  "exportTo": export_to.isoformat() if export_to else None}  # fmt: skip

        def fetch(offset: int, limit: int) -> Page[Any]:
            rows, total = _rows(self._get("/closed-declarations", {**params, "offset": offset, "limit": limit}))
            return Page(tuple(rows), offset, total)

        pages = paginate(fetch, page_size=page_size)
        # The listing only grows (customs closes more declarations): a row added while the pages are fetched shifts
        # the later pages by one, and the shifted row comes twice; it is yielded (or named) once, none is lost.
        return read_rows(pages, _closed, key_field="entryId", what=CLOSED_DECLARATIONS, identity=_entry_id)

    def closed_declarations_frame(self, trade_code: str, **filters: Any) -> pd.DataFrame:
        """:meth:`closed_declarations` as a DataFrame (``pandas`` extra).

        Raises:
            eport.errors.UnreadableRowsError: rows could not be read (no frame is returned).
        """
        import pandas as pd

        rows = [attrs.asdict(row) for row in self.closed_declarations(trade_code, **filters)]
        columns = [f.name for f in attrs.fields(ClosedDeclaration)]
        frame: pd.DataFrame = pd.DataFrame(rows, columns=columns)
        return frame

    def declaration(self, entry_id: str) -> DeclarationView:
        """表头 / 表体 of one closed declaration.

        Raises:
            eport.errors.IdentifierError: a bad entry id.
            eport.errors.PortalError: not found (``status`` 404).
        """
        answer = self._get(f"/declarations/{EntryId.parse(entry_id)}")
        if not isinstance(answer, dict) or not isinstance(answer.get("head"), dict):
            raise ProtocolError("the declaration view has no head")
        return DeclarationView(head=answer["head"], body=tuple(answer.get("body") or ()))

    def record(self, refund_decl_no: str) -> RefundRecord | None:
        """The refund-copy record of one 21-character item; ``None`` when customs sent none (无电子信息).

        Raises:
            eport.errors.IdentifierError: a malformed number.
            eport.errors.PortalError: any other refusal, including a 404 that is not the service's ``no_record``
                (e.g. a wrong base URL).
        """
        key = RefundDeclNo.parse(refund_decl_no)
        try:
            answer = self._get(f"/records/{key}")
        except PortalError as exc:
            if exc.status == 404 and exc.code == NO_RECORD:  # not any 404: a wrong URL is no "无电子信息"
                return None
            raise
        return _record(answer)

    def records(self, trade_code: str, *, entry_id: str = "", page_size: int = 100) -> Iterator[RefundRecord]:
        """All refund-copy records of the enterprise (or of one declaration), page by page, each once.

        A record the client cannot read does not end the listing: every readable record is yielded, every page is
        fetched, and then :class:`~eport.errors.UnreadableRowsError` names the others (``rows``: position,
        ``refund_decl_no`` as sent, the raw row, the reason). Whatever builds a claim from the records must not go
        on without them (a form would silently miss a record): ``eport refund export`` writes nothing then.

        Raises:
            eport.errors.IdentifierError: a bad trade code or entry id (checked before any request).
            eport.errors.PortalError: the service refused.
            eport.errors.UnreadableRowsError: after the last record, when records could not be read.
        """
        params = {"tradeCode": CustomsCode.parse(trade_code, field="trade_code"),
                  "entryId": EntryId.parse(entry_id) if entry_id else ""}  # fmt: skip

        def fetch(offset: int, limit: int) -> Page[Any]:
            rows, total = _rows(self._get("/records", {**params, "offset": offset, "limit": limit}))
            return Page(tuple(rows), offset, total)

        pages = paginate(fetch, page_size=page_size)
        return read_rows(pages, _record, key_field="refund_decl_no", what=RECORDS,
                         identity=lambda row: str(row.refund_decl_no))  # fmt: skip

    def records_frame(self, trade_code: str, **filters: Any) -> pd.DataFrame:
        """:meth:`records` as a DataFrame.

        Raises:
            eport.errors.UnreadableRowsError: records could not be read (no frame is returned).
        """
        import pandas as pd

        frame: pd.DataFrame = pd.DataFrame([r.to_json() for r in self.records(trade_code, **filters)])
        return frame

    # ---------------------------------------------------------------------------------------------- legacy
    def _legacy(self, what: str) -> None:
        if not self.legacy:
            raise LegacyOperationError(
                f"{what} existed only on the old E-Port; customs now feeds the tax side directly. Check data "
                "availability with record() instead, or pass legacy=True to use the sandbox's simulation",
                code="legacy",
            )

    def legacy_query(
        self, trade_code: str, conditions: Sequence[tuple[str, Condition | str, str]] = (), *, page_size: int = 50
    ) -> Iterator[LegacyRow]:
        """查询报送 (legacy): declarations and their 报送 state, filtered by ``(attribute, operator, value)``
        conditions, all of which must hold. Attributes: ``entryId`` (报关单编号), ``exportDate`` (出口时间);
        operators ``=``, ``like`` (prefix), ``>=``, ``<=``. Each declaration once, even when rows are added while
        the pages are read.

        A row the client cannot read does not end the listing: every readable row is yielded, every page is fetched,
        and then :class:`~eport.errors.UnreadableRowsError` names the others (``rows``: position, ``entryId`` as
        sent, the raw row, the reason).

        Raises:
            eport.errors.LegacyOperationError: the client was not created with ``legacy=True``.
            eport.errors.FieldError: a bad condition.
            eport.errors.UnreadableRowsError: after the last row, when rows could not be read.
        """
        self._legacy("查询报送")
        checked = []
        for index, (attribute, op, value) in enumerate(conditions):
            if attribute not in ("entryId", "exportDate"):
                raise FieldError(f"conditions[{index}].attribute", "must be entryId or exportDate")
            try:
                checked.append({"attribute": attribute, "op": Condition(op).value, "value": value})
            except ValueError as exc:
                raise FieldError(f"conditions[{index}].op", "must be =, like, >= or <=") from exc
        code = CustomsCode.parse(trade_code, field="trade_code")

        def fetch(offset: int, limit: int) -> Page[Any]:
            body = {"tradeCode": code, "conditions": checked, "offset": offset, "limit": limit}
            rows, total = _rows(self._post("/legacy/query", body, idempotent=True))  # a query: safe to repeat
            return Page(tuple(rows), offset, total)

        pages = paginate(fetch, page_size=page_size)
        return read_rows(pages, _legacy, key_field="entryId", what=LEGACY_ROWS, identity=_entry_id)

    def select_submit(self, trade_code: str, entry_ids: Iterable[str]) -> list[EntryId]:
        """选择报送 (legacy): submit the chosen declarations (未报送 → 已报送).

        Raises:
            eport.errors.LegacyOperationError: without ``legacy=True``.
            eport.errors.IdentifierError: a bad entry id (nothing is sent).
            eport.errors.PortalError: a declaration is unknown (404) or already submitted (409); nothing changes.
        """
        self._legacy("选择报送")
        ids = [str(EntryId.parse(value, field=f"entry_ids[{i}]")) for i, value in enumerate(entry_ids)]
        if not ids:
            raise FieldError("entry_ids", "choose at least one declaration")
        body = {"tradeCode": CustomsCode.parse(trade_code, field="trade_code"), "entryIds": ids}
        return _read("submission", _entry_ids, self._post("/legacy/submit", body))

    def submit_all(self, trade_code: str) -> list[EntryId]:
        """全体报送 (legacy): submit every declaration not yet submitted.

        Raises:
            eport.errors.LegacyOperationError: without ``legacy=True``.
        """
        self._legacy("全体报送")
        body = {"tradeCode": CustomsCode.parse(trade_code, field="trade_code"), "entryIds": None}
        return _read("submission", _entry_ids, self._post("/legacy/submit", body))

    # --------------------------------------------------------------------------------------------- batches
    def create_batch(
        self,
        *,
        trade_code: str,
        taxpayer_id: str,
        period: str,
        lines: Sequence[ClaimLine],
        batch: int = 1,
        explained: Iterable[str] = (),
    ) -> Batch:
        """Store a claim batch (DRAFT).

        Every line is validated again locally first (``lines[<n>].<field>`` errors); nothing is sent on refusal.

        Raises:
            eport.errors.FieldError: a bad identifier or line (checked locally), or a value the service refuses.
        """
        rows = [ClaimLine.from_row(line.to_json(), index=index).to_json() for index, line in enumerate(lines, 1)]
        body = {
            "tradeCode": CustomsCode.parse(trade_code, field="trade_code"),
            "taxpayerId": Uscc.parse(taxpayer_id, field="taxpayer_id"),
            "period": period,
            "batch": batch,
            "lines": rows,
            "explained": [str(RefundDeclNo.parse(v, field=f"explained[{i}]")) for i, v in enumerate(explained)],
        }
        return Batch.from_json(self._post("/batches", body))

    def self_check(self, batch_id: str) -> Batch:
        """Run the tax side's self-check (自检) on a batch; the doubts come back on the batch."""
        return Batch.from_json(self._post(f"/batches/{_batch_id(batch_id)}/self-check", {}))

    def declare(self, batch_id: str) -> Batch:
        """正式申报 a self-checked batch without blocking doubts.

        Raises:
            eport.errors.PortalError: ``code="blocking_doubts"`` or ``"state"`` (status 409).
        """
        return Batch.from_json(self._post(f"/batches/{_batch_id(batch_id)}/declare", {}))

    def batches(self, trade_code: str) -> list[Batch]:
        """Every batch of the enterprise, oldest first.

        Raises:
            eport.errors.UnreadableRowsError: batches could not be read; the others are its ``readable``.
        """
        answer = self._get("/batches", {"tradeCode": CustomsCode.parse(trade_code, field="trade_code")})
        rows, _ = _rows(answer)
        return list(page_of(Page(tuple(rows), 0, len(rows)), _batch, key_field="id", what=BATCHES).items)

    def batch(self, batch_id: str) -> Batch:
        """The batch as the service holds it now."""
        return Batch.from_json(self._get(f"/batches/{_batch_id(batch_id)}"))


def _batch_id(value: str) -> str:
    """A batch id as the service gives it (letters, digits, ``-``, ``_``), safe to put in a URL path."""
    text = str(value).strip()
    if not text or len(text) > 64 or not all(c.isascii() and (c.isalnum() or c in "-_") for c in text):
        raise FieldError("batch_id", "a batch id is 1-64 letters, digits, - or _ (as create_batch returned it)")
    return text


def raise_refusal(response: PortalResponse, *, login_markers: Sequence[str] = DEFAULT_LOGIN_MARKERS) -> None:
    """Raise the typed error of a refund service refusal; return for 2xx.

    A 400 ``invalid`` or ``bad_parameter`` answer names the refused field in its ``field`` and ``reason`` members
    (the ``ErrorBody`` of the OpenAPI document); it becomes a :class:`~eport.errors.FieldError` with them.

    Raises:
        eport.errors.FieldError: 400 ``invalid`` or ``bad_parameter`` with a ``field``.
        eport.errors.SessionExpiredError, eport.errors.PortalError: any other refusal
            (:func:`~eport.services.portal.error_from_response`).
    """
    if response.status == 400:
        try:
            body = response.json()
        except ProtocolError:
            body = None
        if isinstance(body, dict) and body.get("code") in ("invalid", "bad_parameter"):
            field, reason = body.get("field"), body.get("reason")
            if isinstance(field, str) and field:
                raise FieldError(field, str(reason) if reason else "invalid")
    error_from_response(response, login_markers=login_markers)


__all__ = ["Batch", "DeclarationView", "LegacyRow", "RefundClient", "raise_refusal"]
