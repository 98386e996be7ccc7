"""The registry pages in the browser (SQLite registry): login, dashboard, patients, a patient
with its forms — screenshots, axe-core (0 serious violations), no console errors."""

from __future__ import annotations

import pytest

from anagen.web import Settings, create_app
from tests.conftest import PASSWORD
from tests.registry._helpers import seed
from tests.web.conftest import serve, shot
from tests.web.test_browser import _check


@pytest.fixture
def registry_server(registry_db):
    app = create_app(Settings(db_url=registry_db.app_url, secure_cookies=False))
    try:
        with serve(app) as url:
            yield url
    finally:
        app.state.jobs.shutdown()


@pytest.mark.parametrize("registry_db", ["sqlite"], indirect=True)
def test_registry_flow_in_the_browser(page, registry_db, registry_server):
    seed(registry_db.app(), registry_db.login("ana"), "P-0042", treat=True)
    page.goto(registry_server + "/registry")
    assert page.url.endswith("/registry/login")
    _check(page, "registry-login")
    page.fill("#l-clinic", "north")
    page.fill("#l-user", "ana")
    page.fill("#l-pass", "not the password")
    page.click("#login-form button[type=submit]")
    assert "login failed" in page.inner_text("#form-error")
    page.csp_errors.clear()  # the browser logs the failed login's 401 response
    page.fill("#l-pass", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url("**/registry")
    assert "P-0042" in page.inner_text("main")
    _check(page, "registry-dashboard")
    page.click("text=Patients")
    page.fill("#r-pseudo", "P-0043")
    page.fill("#r-born", "1979")
    page.fill("#r-stage", "IV")
    page.fill("#r-onset", "2010")
    page.fill("#r-cv", "v2")
    page.fill("#r-cd", "2024-03-01")
    page.click("#patient-form button[type=submit]")
    page.wait_for_url("**/registry/patients/*")
    assert "Patient P-0043" in page.inner_text("h1")
    # the patient's stage is drawn next to the record
    assert (
        page.locator(".who img")
        .get_attribute("alt")
        .startswith("Drawing of Norwood-Hamilton stage IV,")
    )
    page.click("text=Add a visit")
    _check(page, "registry-patient")
    page.goto(registry_server + "/registry/patients")
    assert "P-0043" in page.inner_text("#patients")
    shot(page, "registry-patients")
