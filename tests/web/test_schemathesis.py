"""Schemathesis against the OpenAPI schema, in-process: generated requests (valid and invalid)
to every operation of /api/v1 give no server error and responses that match the schema.

Bounded: a few examples per operation (the whole run takes about a minute on 2 cores). Jobs the
generated payloads start are real; the pool is shut down at the end.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from anagen.web import Settings, create_app

APP = create_app(Settings(workers=1, assess_draws=5, assess_follicles=2000, max_jobs=50))
schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", APP)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module", autouse=True)
def _stop_jobs():
    yield
    APP.state.jobs.shutdown()


@schema.parametrize()
@settings(max_examples=12, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case):
    case.call_and_validate(checks=CHECKS)
