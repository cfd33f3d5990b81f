"""schemathesis against the live OpenAPI document, in process: every operation, every role,
valid and invalid data. No answer may be a 5xx, use an undocumented status or content type, or
break its documented schema. At least 1,000 requests are sent."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.integration.api.conftest import ROLES, World

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
POSITIVE_EXAMPLES, NEGATIVE_EXAMPLES, ON_REAL_CASES = 30, 10, 15
MINIMUM_REQUESTS = 1000
STATES = ("record_consent", "refer", "sign_for_referral", "mediate", "decide_acceptance")

pytestmark = pytest.mark.slow


def _fuzz(
    strategy: Any,
    headers: st.SearchStrategy[dict[str, str]],
    examples: int,
    sent: list[int],
    checks: list[Any],
    negative: bool = False,
) -> None:
    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy, auth=headers)
    def run(case: Any, auth: dict[str, str]) -> None:
        case.headers = {**(case.headers or {}), **auth}
        response = case.call()
        sent.append(response.status_code)
        case.validate_response(response, checks=checks)

    try:
        run()
    except Unsatisfiable:
        # negative data for an operation with nothing to get wrong (no parameters, no body)
        if not negative:
            raise


def test_no_server_errors_and_no_schema_violations(fresh: World) -> None:
    world = fresh
    cases = [world.case_at(state) for state in STATES]
    world.open("complaint_mediation")
    schema = schemathesis.openapi.from_asgi("/openapi.json", world.app)
    # A token per request: POST /auth/logout, which the fuzzer calls too, revokes earlier ones.
    who = [(role, "own", "org") for role in ROLES]
    who += [("auditor", "own", "province"), ("mediator", "other", "org")]
    headers = st.sampled_from(who).map(lambda w: world.headers(*w))
    sent: list[int] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 30
    for operation in operations:
        _fuzz(operation.as_strategy(), headers, POSITIVE_EXAMPLES, sent, CHECKS)
        _fuzz(
            operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
            headers,
            NEGATIVE_EXAMPLES,
            sent,
            [*CHECKS, negative_data_rejection],
            negative=True,
        )
        if "{case_id}" in operation.path:
            on_cases = st.sampled_from(cases).flatmap(
                lambda case_id, op=operation: op.as_strategy(path_parameters={"case_id": case_id})
            )
            _fuzz(on_cases, headers, ON_REAL_CASES, sent, CHECKS)
    print(f"schemathesis: {len(sent)} requests, statuses {sorted(set(sent))}")  # noqa: T201
    assert len(sent) >= MINIMUM_REQUESTS, f"only {len(sent)} requests"
    assert not [s for s in sent if s >= 500]
    # the generated traffic reached the operations, not only the gates
    assert sum(200 <= s < 300 for s in sent) > 100, sorted(set(sent))
