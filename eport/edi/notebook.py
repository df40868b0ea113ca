"""HTML rendering of messages, validation reports and receipts for Jupyter.

:func:`render_html` takes any eport model, a :class:`~eport.edi.core.report.ValidationReport`, a
:class:`~eport.edi.ceb.receipts.Receipt` or a sequence of receipts, and returns an HTML fragment: simple fields as a
two-column table (XML tag with its Chinese field name, value; empty fields hidden), nested models as sections,
repeated models (``OrderList`` …) as one table with a row per item and only the columns that hold a value, folded
away (a closed ``<details>``) beyond :data:`COLLAPSE_AFTER` items. Code values show their names (``142 人民币``,
``502 美国``, ``007 个``). Generated models call it from ``_repr_html_``; for reports use
``IPython.display.HTML(render_html(report))``.

Every value is escaped; signatures and other raw XML are summarised, never inlined. Pure: no I/O.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Sequence
from typing import Any

from eport.edi import codes
from eport.edi.ceb.receipts import Receipt
from eport.edi.ceb.rules import CODE_FIELDS
from eport.edi.core.report import Severity, ValidationReport
from eport.edi.core.schema import field_names
from eport.edi.core.spec import FieldSpec, ModelSpec, ValueKind, spec_of
from eport.errors import EportError

logger = logging.getLogger(__name__)

#: Items shown per repeated element before the table is cut (the rest is counted).
MAX_ROWS = 200
#: Item lists longer than this are folded (a closed ``<details>``: click to open).
COLLAPSE_AFTER = 10

#: Field (Python name) → code table alias, for the names shown next to codes: the CEB fields of the validation
#: rules and the declaration's (DecHead, DecList) coded fields.
_CODE_FIELDS = {
    **CODE_FIELDS,
    "trade_curr": "currency",
    "origin_country": "country",
    "destination_country": "country",
    "trade_area_code": "country",
    "g_unit": "unit",
    "first_unit": "unit",
    "second_unit": "unit",
}

_STYLE = (
    "<style>.eport table{border-collapse:collapse;margin:2px 0 8px 0;font-size:12px}"
    ".eport th,.eport td{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}"
    ".eport th{background:#f3f3f3}.eport .zh{color:#777;font-weight:normal}"
    ".eport .error{color:#b00020}.eport .warning{color:#a15c00}.eport .info{color:#555}</style>"
)


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _label(tag: str, doc: str = "") -> str:
    chinese = field_names().get(tag) or (doc.split("，")[0].split("。")[0][:20] if doc else "")
    suffix = f' <span class="zh">{_e(chinese)}</span>' if chinese else ""
    return f"{_e(tag)}{suffix}"


def code_name(field: str, value: object) -> str | None:
    """The name of a coded value (``currency`` ``142`` → ``人民币``), ``None`` when the field is not coded or the
    code is unknown. Currencies and countries are looked up in both generations (``142`` and ``CNY``)."""
    table = _CODE_FIELDS.get(field)
    if table is None or not isinstance(value, str) or not value:
        return None
    try:
        if table == "currency":
            return codes.currency(value).name_cn or None
        if table == "country":
            return codes.country(value).name_cn or None
        entry = codes.numeric(table).get(value)
    except EportError:
        return None
    return entry.name if entry is not None else None


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == ()


def _value(field: FieldSpec | None, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        kind = "raw XML" if field is not None and field.kind is ValueKind.XML else "bytes"
        return f"<i>{_e(kind)}, {len(value)} bytes</i>"
    if isinstance(value, tuple):
        return _e(", ".join(str(v) for v in value))
    name = code_name(field.name, value) if field is not None else None
    return f'{_e(value)} <span class="zh">{_e(name)}</span>' if name else _e(value)


def _simple(field: FieldSpec) -> bool:
    return field.kind is not ValueKind.MODEL


def _model_table(model: Any, spec: ModelSpec) -> str:
    rows = [
        f"<tr><th>@{_e(a.tag)}</th><td>{_value(None, getattr(model, a.name, None))}</td></tr>"
        for a in spec.attributes
        if not _empty(getattr(model, a.name, None))
    ]
    for field in spec.fields:
        value = getattr(model, field.name, None)
        if _simple(field) and not _empty(value):
            rows.append(f"<tr><th>{_label(field.tag, field.doc)}</th><td>{_value(field, value)}</td></tr>")
    return f"<table>{''.join(rows)}</table>" if rows else ""


def _items_table(field: FieldSpec, values: Sequence[Any]) -> str:
    spec = spec_of(values[0])
    shown = values[:MAX_ROWS]
    simple = [f for f in spec.fields if _simple(f) and any(not _empty(getattr(v, f.name, None)) for v in shown)]
    header = "".join(f"<th>{_label(f.tag, f.doc)}</th>" for f in simple)
    body = []
    for item in shown:
        cells = "".join(f"<td>{_value(f, getattr(item, f.name, None))}</td>" for f in simple)
        body.append(f"<tr>{cells}</tr>")
    more = f"<p>… {len(values) - MAX_ROWS} more</p>" if len(values) > MAX_ROWS else ""
    nested = any(f.kind is ValueKind.MODEL for f in spec.fields)
    if nested:  # items with their own structure (documents): one section each
        sections = [_section(item, f"{field.tag}[{n}]", len(values)) for n, item in enumerate(shown, 1)]
        return "".join(sections) + more
    title = f"<b>{_e(field.tag)}</b> ({len(values)})"
    state = "" if len(values) > COLLAPSE_AFTER else " open"
    table = f"<table><tr>{header}</tr>{''.join(body)}</table>{more}"
    return f"<details{state}><summary>{title}</summary>{table}</details>"


def _section(model: Any, title: str, siblings: int = 1) -> str:
    spec = spec_of(model)
    state = "" if siblings > COLLAPSE_AFTER else " open"
    parts = [f"<details{state}><summary><b>{_e(title)}</b> <span class='zh'>{_e(spec.doc)}</span></summary>"]
    parts.append(_model_table(model, spec))
    for field in spec.fields:
        if field.kind is not ValueKind.MODEL:
            continue
        value = getattr(model, field.name, None)
        if value is None or value == ():
            continue
        if isinstance(value, tuple):
            parts.append(_items_table(field, value))
        else:
            parts.append(_section(value, field.tag))
    parts.append("</details>")
    return "".join(parts)


def _report(report: ValidationReport) -> str:
    if not report.problems:
        return "<p>✔ valid</p>"
    rows = []
    for problem in report:
        css = problem.severity.value
        rows.append(
            f"<tr class='{css}'><td>{_e(problem.severity.value)}</td><td><code>{_e(problem.path)}</code></td>"
            f"<td>{_e(problem.code)}</td><td>{_e(problem.message)}</td></tr>"
        )
    errors = sum(1 for p in report if p.severity is Severity.ERROR)
    head = "<tr><th>severity</th><th>path</th><th>code</th><th>message</th></tr>"
    return f"<p>{errors} error(s), {len(report) - errors} other</p><table>{head}{''.join(rows)}</table>"


def _receipts(receipts: Sequence[Receipt]) -> str:
    head = "<tr><th>message</th><th>returnStatus</th><th>meaning</th><th>time</th><th>keys</th><th>returnInfo</th></tr>"
    rows = []
    for r in receipts:
        css = "error" if r.is_error else ""
        keys = "<br>".join(f"{_e(k)}={_e(v)}" for k, v in r.keys.items())
        rows.append(
            f"<tr class='{css}'><td>{_e(r.message_type)}</td><td>{_e(r.return_status)}</td><td>{_e(r.meaning)}</td>"
            f"<td>{_e(r.time.isoformat(sep=' ') if r.time else r.return_time or '')}</td><td>{keys}</td>"
            f"<td>{_e(r.info or '')}</td></tr>"
        )
    return f"<table>{head}{''.join(rows)}</table>"


def render_html(obj: Any) -> str:
    """Render a model, a validation report, a receipt or a sequence of receipts as an HTML fragment.

    Raises:
        TypeError: for objects of other types.
    """
    if isinstance(obj, ValidationReport):
        body = _report(obj)
    elif isinstance(obj, Receipt):
        body = _receipts([obj])
    elif isinstance(obj, Sequence) and obj and all(isinstance(r, Receipt) for r in obj):
        body = _receipts(list(obj))
    else:
        spec = spec_of(obj)
        body = _section(obj, spec.tag)
    return f'<div class="eport">{_STYLE}{body}</div>'


__all__ = ["COLLAPSE_AFTER", "MAX_ROWS", "code_name", "render_html"]
