"""Property-based contract test of the sandbox's HTTP gateway: schemathesis generates requests (valid and invalid)
from the OpenAPI document the sandbox process serves, and checks every answer of every router (exchange, refund,
login, verification, identity) against it: no 5xx, schema-valid requests accepted, schema-violating ones refused,
documented status codes, content types, headers and bodies.

The routes behind a card login (verification, identity) are called with the ``JSESSIONID`` of a real card login
(the emulated demo card), so their bodies are checked, not only the 401 of a missing session.

"Schema-valid requests are accepted" is left out where a schema cannot say what the server rightly checks: opaque
bodies (a DxpMsg, a certificate, base64 DER certificates), a USCC check character, and the claim lines of a refund
batch (docs/refund.md); every other check still runs on them. 413 counts as a refusal of invalid data (a body over
the route's limit).

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
from schemathesis.config import SchemathesisConfig

from tests.sandbox.process import SandboxProcess, logged_in_session

pytestmark = pytest.mark.sandbox

MAX_EXAMPLES = 12
MODES = (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE)
#: Operations whose valid-looking requests the server may rightly refuse (see the module docstring).
NOT_SCHEMA_DECIDED = frozenset({
    "POST /api/v1/dxp",  # a DxpMsg envelope: XML the schema calls a string
    "POST /api/v1/certificates",  # a PEM or DER certificate
    "POST /api/v1/login/cards",  # base64 DER certificates
    "POST /api/v1/enterprise",  # the USCC check character, credit levels per scheme
    "POST /api/v1/refund/batches",  # the claim-line rules and the taxpayer USCC check character
})  # fmt: skip
REFUSALS = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429"]


def test_every_router_honours_its_openapi_contract(sandbox: SandboxProcess) -> None:
    config = SchemathesisConfig.from_dict({"checks": {"negative_data_rejection": {"expected-statuses": REFUSALS}}})
    schema = schemathesis.openapi.from_url(f"{sandbox.url}/openapi.json", config=config)
    operations = [result.ok() for result in schema.get_all_operations()]
    tags = {tag for op in operations for tag in op.tags or []}
    assert {"exchange", "refund (出口退税)", "login", "verification", "identity"} <= tags
    checked: list[str] = []
    plain = requests.Session()
    plain.trust_env = False
    logged_in = logged_in_session(sandbox)
    try:
        for operation in operations:
            guarded = bool({"verification", "identity"} & set(operation.tags or []))
            session = logged_in if guarded else plain
            excluded = [checks.positive_data_acceptance] if operation.label in NOT_SCHEMA_DECIDED else []
            for mode in MODES:

                @given(case=operation.as_strategy(generation_mode=mode))
                @settings(
                    max_examples=MAX_EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck)
                )
                def run(case: schemathesis.Case) -> None:
                    # run() is called at once, in this iteration: the loop variables are the ones meant
                    case.call_and_validate(session=session, timeout=10, excluded_checks=excluded)  # noqa: B023

                try:
                    run()
                except Unsatisfiable:  # nothing to make invalid (no parameter, no body): GET /healthz …
                    assert mode is schemathesis.GenerationMode.NEGATIVE, operation.label
                    continue
                checked.append(f"{operation.label} {mode.value}")
    finally:
        plain.close()
        logged_in.close()
    assert all(f"{op.label} positive" in checked for op in operations)
    for label in (
        "GET /api/v1/receipts",
        "GET /api/v1/refund/closed-declarations",
        "POST /api/v1/refund/legacy/query",
        "POST /cas/login",
        "POST /api/v1/verification/forms/query",
        "GET /api/v1/proceeds",
        "POST /api/v1/identity/declarants",
    ):
        assert f"{label} negative" in checked, label
