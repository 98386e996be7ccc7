"""Schemathesis against the OpenAPI schema, in-process: generated requests (valid and invalid)
to every operation of /api/v1 give no server error and responses that match the schema.

Bounded: a few examples per operation (the whole run takes about two minutes on 2 cores). Jobs
the generated payloads start are real; the pool is shut down at the end. The registry routes
run against a throwaway SQLite registry of a synthetic clinic, logged in with a bearer token,
so generated patients, visits, treatments, adverse events and imports reach the registry's
service layer (patient 1 exists, so writes to it are tried too).
"""

from __future__ import annotations

import atexit
import datetime as dt
import shutil
import tempfile
from pathlib import Path

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

_DIR = Path(tempfile.mkdtemp(prefix="anagen-schemathesis-"))
atexit.register(shutil.rmtree, _DIR, True)  # also when the module is collected but not run
_DB = f"sqlite:///{_DIR / 'registry.sqlite3'}"
_PASSWORD = "schemathesis test password"
APP = create_app(
    Settings(
        workers=1,
        assess_draws=5,
        assess_follicles=2000,
        registry_draws=5,
        max_jobs=50,
        db_url=_DB,
        secure_cookies=False,
    )
)
schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", APP)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
_AUTH: dict[str, str] = {}


def _token() -> str:
    from anagen.registry import login, open_registry

    reg = open_registry(_DB)
    try:
        return str(login(reg, "demo", "demo", _PASSWORD).token)
    finally:
        reg.dispose()


@pytest.fixture(scope="module", autouse=True)
def _registry_and_jobs():
    from anagen.registry import init_registry, login, open_registry
    from anagen.registry import service as svc

    init_registry(
        _DB,
        clinic="demo",
        clinic_name="Schemathesis clinic (synthetic)",
        admin="demo",
        admin_password=_PASSWORD,
        synthetic=True,
    )
    reg = open_registry(_DB)
    actor = login(reg, "demo", "demo", _PASSWORD)
    with reg.session(actor) as s:
        svc.add_patient(
            s,
            actor,
            svc.PatientIn(
                pseudonym="SYN-001",
                birth_year=1980,
                sex="M",
                stage="III",
                onset_year=2016,
                consent_version="v1",
                consent_date=dt.date(2024, 1, 5),
            ),
        )
    reg.dispose()
    _AUTH["authorization"] = f"Bearer {_token()}"
    yield
    APP.state.jobs.shutdown()
    shutil.rmtree(_DIR, ignore_errors=True)


@schema.parametrize()
@settings(max_examples=12, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case):
    headers = dict(_AUTH)
    if case.path.endswith("/sessions/current"):  # logging out revokes the token: use a fresh one
        headers = {"authorization": f"Bearer {_token()}"}
    case.call_and_validate(headers=headers, checks=CHECKS)
