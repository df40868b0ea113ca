"""Heads and item lists of messages as plain rows and as pandas DataFrames, and back.

:func:`heads` and :func:`items` flatten any message through its specs: one row per document head (``OrderHead``,
``InventoryHead`` …) or per item (``OrderList`` …), with a ``document`` column numbering the documents from 1.
:func:`to_frame` turns those rows into a DataFrame: of one message, of a list of messages (one row per document
of each, with a ``message`` column), of receipts (one row per receipt) or of any sequence of models of one class;
:func:`from_frame` builds models back from a DataFrame's rows. Amounts stay :class:`~decimal.Decimal` (object
columns), never floats; values read back from floats (Excel) go through ``str`` so ``0.1`` stays ``0.1``.

pandas is optional (the ``eport[pandas]`` extra) and imported only by :func:`to_frame` and :func:`from_frame`.
"""

from __future__ import annotations

import importlib
import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from eport.edi.ceb.receipts import Receipt
from eport.edi.core import registry
from eport.edi.core.schema import EDITIONS, field_names
from eport.edi.core.spec import FieldSpec, ModelSpec, ValueKind, spec_of
from eport.edi.sheets import read_declarations
from eport.errors import ConfigurationError

if TYPE_CHECKING:
    import pandas as pd

logger = logging.getLogger(__name__)

M = TypeVar("M")
Columns = Literal["name", "tag"]
Part = Literal["heads", "items"]


def _scalar_fields(spec: ModelSpec) -> list[FieldSpec]:
    return [f for f in spec.fields if f.kind in (ValueKind.STRING, ValueKind.DECIMAL, ValueKind.INTEGER)]


def row(model: Any, *, columns: Columns = "name") -> dict[str, Any]:
    """The attributes and simple fields of one model as a dict (nested models and raw XML are left out).

    Args:
        model: any eport model.
        columns: key by Python name (``"order_no"``) or by XML tag (``"orderNo"``).
    """
    spec = spec_of(model)
    out: dict[str, Any] = {}
    for attribute in spec.attributes:
        out[attribute.name if columns == "name" else attribute.tag] = getattr(model, attribute.name, None)
    for field in _scalar_fields(spec):
        value = getattr(model, field.name, None)
        if field.repeated and isinstance(value, tuple):
            value = ";".join(str(v) for v in value)
        out[field.name if columns == "name" else field.tag] = value
    return out


def documents(message: Any) -> list[Any]:
    """The business documents of a message: the items of its first repeated model field (``Order``,
    ``Inventory``, ``OrderReturn`` …); the message itself when it has none."""
    spec = spec_of(message)
    if any(f.kind is ValueKind.MODEL and not f.repeated and f.tag.endswith("Head") for f in spec.fields):
        return [message]  # one document with its head right under the root (DecMessage: DecHead, DecLists …)
    for field in spec.fields:
        if field.kind is ValueKind.MODEL and field.repeated:
            value = getattr(message, field.name, None) or ()
            return list(value)
    return [message]


def _head_and_lists(document: Any) -> tuple[Any, list[tuple[FieldSpec, tuple[Any, ...]]]]:
    spec = spec_of(document)
    head = document
    lists: list[tuple[FieldSpec, tuple[Any, ...]]] = []
    for field in spec.fields:
        if field.kind is not ValueKind.MODEL:
            continue
        value = getattr(document, field.name, None)
        if field.repeated:
            lists.append((field, tuple(value or ())))
        elif value is not None and field.tag.endswith("Head"):
            head = value
        elif value is not None and not lists:
            inner = spec_of(value).fields  # a container of one list (DecLists → DecList)
            if len(inner) == 1 and inner[0].kind is ValueKind.MODEL and inner[0].repeated:
                lists.append((inner[0], tuple(getattr(value, inner[0].name, None) or ())))
    if len(lists) > 1 and head is not document:  # items are the first list: DecList, not EdocRealation too
        lists = lists[:1]
    return head, lists


def heads(message: Any, *, columns: Columns = "name") -> list[dict[str, Any]]:
    """One row per document head (or per document when it has no head), with a ``document`` number."""
    out = []
    for n, document in enumerate(documents(message), 1):
        head, _ = _head_and_lists(document)
        out.append({"document": n, **row(head, columns=columns)})
    return out


def items(message: Any, *, columns: Columns = "name") -> list[dict[str, Any]]:
    """One row per item of every document (``OrderList``, ``InventoryList`` …), with a ``document`` number."""
    out = []
    for n, document in enumerate(documents(message), 1):
        _, lists = _head_and_lists(document)
        for _field, values in lists:
            for item in values:
                out.append({"document": n, **row(item, columns=columns)})
    return out


def labels(rows_model: type[Any]) -> dict[str, str]:
    """Python field name → ``"tag 中文名"`` for a model class, to relabel DataFrame columns for people."""
    spec = spec_of(rows_model)
    names = field_names()
    out = {}
    for field in _scalar_fields(spec):
        chinese = names.get(field.tag)
        out[field.name] = f"{field.tag} {chinese}" if chinese else field.tag
    return out


def _pandas() -> Any:
    try:
        return importlib.import_module("pandas")
    except ImportError:  # pragma: no cover - only without the extra
        raise ConfigurationError("DataFrames need pandas: pip install 'eport[pandas]'") from None


def is_message(model: Any) -> bool:
    """True for a whole message (a registered root: ``CEB311Message``, ``DecMessage``, ``Manifest`` …)."""
    spec = spec_of(model)
    if spec.tag == "Manifest":  # one class serves every manifest message type
        return True
    return any(registry.lookup(spec.namespace, spec.tag, edition=edition) is type(model) for edition in EDITIONS)


def receipt_row(receipt: Receipt, *, columns: Columns = "name") -> dict[str, Any]:
    """One receipt as a row: message type, returnStatus, status meaning, time (China time), info and its keys."""
    tag = columns == "tag"
    out: dict[str, Any] = {
        "type": receipt.message_type,
        "entity": receipt.entity,
        "returnStatus" if tag else "return_status": receipt.return_status,
        "meaning": receipt.meaning,
        "final": receipt.is_final,
        "error": receipt.is_error,
        "returnTime" if tag else "time": receipt.time,
        "returnInfo" if tag else "info": receipt.info,
    }
    for key, value in receipt.keys.items():
        out.setdefault(key, value)
    return out


def _message_rows(messages: Sequence[Any], part: Part, columns: Columns) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for n, message in enumerate(messages, 1):
        rows = heads(message, columns=columns) if part == "heads" else items(message, columns=columns)
        tag = spec_of(message).tag
        out.extend({"message": n, "type": tag, **r} for r in rows)
    return out


def to_frame(obj: Any, *, part: Part = "heads", columns: Columns = "name") -> pd.DataFrame:
    """Convert messages, receipts or models to a DataFrame.

    - one message: its document heads (``part="heads"``, one row per document) or items (``part="items"``);
    - a sequence of messages (a month of orders): the heads (or items) of every document of every message, with
      ``message`` (1-based position in the sequence) and ``type`` (``CEB311Message``) columns first;
    - a receipt or a sequence of receipts (:class:`~eport.edi.ceb.receipts.Receipt`, from
      :func:`eport.edi.parse_receipts`): one row per receipt, its business keys as columns;
    - a sequence of models of one class (``order.order[0].order_list``): one row per model.

    Args:
        obj: a message, a receipt, or a sequence of messages, receipts or models of one class.
        part: for messages, ``"heads"`` or ``"items"``.
        columns: column names: Python names (default, what :func:`from_frame` reads) or XML tags.

    Returns:
        The DataFrame; amounts are Decimal objects, times aware datetimes.

    Raises:
        ConfigurationError: when pandas is missing, ``part`` is unknown, or the sequence mixes model classes
            (messages of different types may be mixed).
        TypeError: when ``obj`` is neither a model nor a sequence of models.
    """
    pandas = _pandas()
    if part not in ("heads", "items"):
        raise ConfigurationError(f"part must be 'heads' or 'items', not {part!r}")
    if isinstance(obj, Receipt):
        obj = [obj]
    if isinstance(obj, Sequence) and not isinstance(obj, str | bytes):
        models = list(obj)
        if models and all(isinstance(m, Receipt) for m in models):
            return cast("pd.DataFrame", pandas.DataFrame([receipt_row(r, columns=columns) for r in models]))
        if models and all(not isinstance(m, Receipt) and is_message(m) for m in models):
            return cast("pd.DataFrame", pandas.DataFrame(_message_rows(models, part, columns)))
        classes = {type(m) for m in models}
        if len(classes) > 1:
            raise ConfigurationError(f"models of one class expected, got {sorted(c.__name__ for c in classes)}")
        frame = pandas.DataFrame([row(m, columns=columns) for m in models])
        if classes:
            frame.attrs["eport_model"] = next(iter(classes)).__name__
        return cast("pd.DataFrame", frame)
    spec_of(obj)
    data = heads(obj, columns=columns) if part == "heads" else items(obj, columns=columns)
    return cast("pd.DataFrame", pandas.DataFrame(data))


def _convert(field: FieldSpec, value: Any, where: str) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "item") and not isinstance(value, str | bytes | Decimal):  # numpy scalars
        value = value.item()
    try:
        if field.kind is ValueKind.DECIMAL:
            return value if isinstance(value, Decimal) else Decimal(str(value))
        if field.kind is ValueKind.INTEGER:
            if isinstance(value, float) and not value.is_integer():
                raise ValueError(value)
            return int(value)
    except (InvalidOperation, ValueError, TypeError):
        raise ConfigurationError(f"{where}: {value!r} is not a valid {field.kind.value}") from None
    if isinstance(value, float) and value.is_integer():  # a code in a float column (pandas, NaN elsewhere): 502.0
        return str(int(value))
    return value if isinstance(value, str) else str(value)


def _convert_blank(value: Any) -> Any:
    """``None`` for an empty cell (None, NaN, blank text), else the value."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, str) and not value.strip():
        return None
    return value


def models_from_rows(rows: Iterable[Mapping[str, Any]], model: type[M]) -> tuple[M, ...]:
    """Build models of class ``model`` from mappings keyed by Python name or XML tag.

    The ``document``, ``message`` and ``type`` keys (from :func:`heads`, :func:`items`, :func:`to_frame`) are
    ignored; any other key that names no field of ``model`` is refused when it holds a value, so a misspelt column
    never loses its data silently.

    Raises:
        ConfigurationError: when a required field is missing, a value cannot be converted, a non-empty column
            names no field, or ``model`` has required nested fields (build those with the model's constructor).
    """
    spec = spec_of(model)
    nested = [f.name for f in spec.fields if f.kind in (ValueKind.MODEL, ValueKind.XML) and f.required]
    if nested:
        raise ConfigurationError(f"{model.__name__} has nested required fields {nested}: build it directly")
    simple = _scalar_fields(spec)
    known = (
        {"document", "message", "type"}
        | {k for a in spec.attributes for k in (a.name, a.tag)}
        | {k for f in simple for k in (f.name, f.tag)}
    )
    out = []
    for n, mapping in enumerate(rows, 1):
        unknown = sorted(str(k) for k, v in mapping.items() if k not in known and _convert_blank(v) is not None)
        if unknown:
            raise ConfigurationError(
                f"row {n}: column(s) {', '.join(unknown)} name no field of {model.__name__}; rename or drop them"
            )
        kwargs: dict[str, Any] = {}
        for attribute in spec.attributes:
            value = mapping.get(attribute.name, mapping.get(attribute.tag))
            if value is not None:
                kwargs[attribute.name] = str(value)
        for field in simple:
            raw = mapping.get(field.name, mapping.get(field.tag))
            value = _convert(field, raw, f"row {n}, {field.name}")
            if value is None:
                if field.required:
                    raise ConfigurationError(f"row {n}: required column {field.name} ({field.tag}) is empty")
                value = () if field.repeated else None
            elif field.repeated:
                value = tuple(_convert(field, v, f"row {n}, {field.name}") for v in str(value).split(";"))
            kwargs[field.name] = value
        out.append(model(**kwargs))
    return tuple(out)


def from_frame(frame: pd.DataFrame, model: type[M]) -> tuple[M, ...]:
    """Build one ``model`` per DataFrame row (columns by Python name or XML tag; ``document``, ``message`` and ``type``
    columns are ignored).

    Args:
        frame: e.g. from :func:`to_frame` or ``pandas.read_excel``.
        model: the model class of the rows, e.g. ``OrderList``.

    Returns:
        The models, in row order.

    Raises:
        ConfigurationError: as :func:`models_from_rows`.
    """
    records = frame.astype(object).where(frame.notna(), None).to_dict(orient="records")
    return models_from_rows(records, model)


__all__ = [
    "documents",
    "from_frame",
    "heads",
    "is_message",
    "items",
    "labels",
    "models_from_rows",
    "read_declarations",
    "receipt_row",
    "row",
    "to_frame",
]
