"""One place that turns the portal services' refusal codes into eport's typed errors (verification, identity)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from eport.errors import FormStateError, IdentityMismatchError, PortRuleError, ProtocolError
from eport.services.portal import PortalResponse, PortalSession, error_from_response

_PORT_RULES = frozenset({"not_filed_for_port", "form_already_used", "one_form_per_declaration"})


def raise_typed(response: PortalResponse) -> None:
    """Raise the most specific error of a non-2xx answer; return for 2xx.

    Raises:
        eport.errors.FormStateError: ``illegal_transition``.
        eport.errors.PortRuleError: a port / single-use rule.
        eport.errors.IdentityMismatchError: ``identity_mismatch`` (with the differing field names).
        eport.errors.SessionExpiredError, eport.errors.PortalError: anything else (see the portal base).
    """
    if 200 <= response.status < 300:
        return
    try:
        body: Any = response.json()
    except ProtocolError:
        body = None
    if isinstance(body, dict):
        code = body.get("code") if isinstance(body.get("code"), str) else None  # a list or object names no rule
        message = str(body.get("error") or f"HTTP {response.status}")
        if code == "illegal_transition":
            raise FormStateError(
                message,
                form_no=str(body.get("formNo", "")),
                state=str(body.get("state", "")),
                action=str(body.get("action", "")),
                status=response.status,
            )
        if code in _PORT_RULES:
            raise PortRuleError(message, rule=str(code), status=response.status)
        if code == "identity_mismatch":
            fields = body.get("fields")
            names = [str(f) for f in fields] if isinstance(fields, list) else []
            raise IdentityMismatchError(message, fields=names, status=response.status)
    error_from_response(response)


def call(
    portal: PortalSession,
    method: str,
    path: str,
    *,
    json: Any = None,
    params: Mapping[str, Any] | None = None,
    idempotent: bool | None = None,
) -> Any:
    """Make a request and return its JSON, raising the typed error of a refusal (retries: see PortalSession)."""
    response = portal.request(method, path, json=json, params=params, idempotent=idempotent, check=False)
    raise_typed(response)
    return response.json()


__all__ = ["call", "raise_typed"]
