"""Property-based contract test of the sandbox's HTTP gateway: schemathesis generates requests (valid and invalid)
from the OpenAPI document the sandbox process serves, and checks every answer against it: no 5xx, documented status
codes, content types and bodies.

Bounded so CI stays fast: ``MAX_EXAMPLES`` requests per operation and generation mode, no per-example deadline (the
machine is shared). The test drives hypothesis itself (``APIOperation.as_strategy``) rather than schemathesis'
pytest plugin, whose fixture loader does not run under the pytest this project uses.
"""

from __future__ import annotations

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import checks

from tests.sandbox.process import SandboxProcess

pytestmark = pytest.mark.sandbox

MAX_EXAMPLES = 20
OTHER_EXAMPLES = 3  # per operation of the other services' routers (only the no-5xx check)
MODES = (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE)


def _gateway_own(operation: schemathesis.APIOperation) -> bool:
    """The exchange routes and the gateway's own (``/healthz``), whose whole contract this test checks."""
    return "exchange" in (operation.tags or []) or operation.label == "GET /healthz"


def _modes(operation: schemathesis.APIOperation) -> tuple[schemathesis.GenerationMode, ...]:
    """Invalid requests too for the operations with query parameters (the only inputs whose schema can be broken
    while the request still reaches the route: path strings and opaque bodies have no invalid form, and searching
    for one costs seconds per operation)."""
    if any(p.location.value == "query" for p in operation.iter_parameters()):
        return MODES
    return MODES[:1]


def test_gateway_honours_its_openapi_contract(sandbox: SandboxProcess) -> None:
    schema = schemathesis.openapi.from_url(f"{sandbox.url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.label for op in operations} >= {"POST /api/v1/dxp", "GET /api/v1/receipts", "GET /healthz"}
    checked: list[str] = []
    with requests.Session() as session:
        session.trust_env = False
        for operation in operations:
            for mode in _modes(operation):
                examples = MAX_EXAMPLES if _gateway_own(operation) else OTHER_EXAMPLES

                @given(case=operation.as_strategy(generation_mode=mode))
                @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
                def run(case: schemathesis.Case) -> None:
                    # base URL: the served `servers`. A body the schema calls a string may still be no DxpMsg or
                    # certificate (the documented 400): schema-valid is not business-valid for opaque bodies.
                    excluded = [checks.positive_data_acceptance] if case.method == "POST" else []
                    if _gateway_own(case.operation):
                        case.call_and_validate(session=session, timeout=10, excluded_checks=excluded)
                    else:  # other services' routers: never a 5xx (their contracts are their own tests')
                        case.call_and_validate(session=session, timeout=10, checks=[checks.not_a_server_error])

                try:
                    run()
                except Unsatisfiable:  # nothing to make invalid (no parameter, no body): GET /healthz …
                    assert mode is schemathesis.GenerationMode.NEGATIVE, operation.label
                    continue
                checked.append(f"{operation.label} {mode.value}")
    assert "GET /api/v1/receipts negative" in checked  # invalid cursors and limits answer the documented 400
    assert all(f"{op.label} positive" in checked for op in operations)
