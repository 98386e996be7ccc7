"""Registry pages over a real registry (SQLite and PostgreSQL, ``registry_db`` fixture):
login with CSRF and rate limiting, session cookie flags, forms, and cross-clinic access on
every registry route."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from anagen.web import Settings, create_app
from tests.conftest import PASSWORD
from tests.registry._helpers import seed


def _client(db) -> tuple[TestClient, object]:
    app = create_app(
        Settings(db_url=db.app_url, secure_cookies=False, registry_draws=5, assess_follicles=2000)
    )
    return TestClient(app, follow_redirects=False), app


def _csrf(c: TestClient, url: str = "/registry/login") -> str:
    html = c.get(url).text
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def _login(c: TestClient, clinic: str, user: str, password: str = PASSWORD):
    return c.post(
        "/registry/login",
        data={"clinic": clinic, "username": user, "password": password, "csrf": _csrf(c)},
    )


def test_login_sets_a_safe_session_cookie_and_pages_need_it(registry_db):
    c, _ = _client(registry_db)
    assert c.get("/registry").status_code == 303  # to the login page
    assert c.get("/api/v1/registry/patients").status_code == 401
    r = _login(c, "north", "ana")
    assert r.status_code == 303 and r.headers["location"] == "/registry"
    cookie = next(h for h in r.headers.get_list("set-cookie") if "anagen_session" in h).lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    assert c.get("/registry").status_code == 200
    # logout revokes the token
    r = c.post("/registry/logout", data={"csrf": _csrf(c, "/registry")})
    assert r.status_code == 303
    c.cookies.clear()
    assert c.get("/registry").status_code == 303


def test_login_without_csrf_token_is_refused(registry_db):
    c, _ = _client(registry_db)
    c.get("/registry/login")
    r = c.post("/registry/login", data={"clinic": "north", "username": "ana", "password": PASSWORD})
    assert r.status_code == 403


def test_failed_logins_are_rate_limited(registry_db):
    c, _ = _client(registry_db)
    codes = [_login(c, "south", "sam", "wrong password!").status_code for _ in range(6)]
    assert codes[:5] == [401] * 5
    assert codes[5] == 429
    # even the right password waits now (the limit is per client and per user)
    r = _login(c, "south", "sam")
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0


def test_patient_visit_and_adverse_event_forms(registry_db):
    c, _ = _client(registry_db)
    _login(c, "north", "carl")
    tok = _csrf(c, "/registry/patients")
    r = c.post(
        "/registry/patients",
        data={
            "csrf": tok,
            "pseudonym": "W001",
            "birth_year": "1981",
            "sex": "M",
            "stage": "IV",
            "onset_year": "2012",
            "consent_version": "v2",
            "consent_date": "2024-02-01",
        },
    )
    assert r.status_code == 303, r.text
    url = r.headers["location"]
    r = c.post(
        url + "/visits",
        data={
            "csrf": tok,
            "visit_date": "2024-02-10",
            "kind": "baseline",
            "target_area": "vertex",
            "terminal_density_per_cm2": "118",
        },
    )
    assert r.status_code == 303, r.text
    r = c.post(
        url + "/adverse-events",
        data={
            "csrf": tok,
            "description": "scalp erythema",
            "severity": "mild",
            "causality": "possible",
            "outcome": "recovered",
            "onset_date": "2024-02-11",
            "resolution_date": "2024-02-20",
        },
    )
    assert r.status_code == 303, r.text
    page = c.get(url).text
    assert "scalp erythema" in page and "118" in page
    # a bad value answers 422 naming the field, on the same page
    r = c.post(
        url + "/visits",
        data={
            "csrf": tok,
            "visit_date": "2024-03-10",
            "kind": "follow-up",
            "target_area": "moon",
        },
    )
    assert r.status_code == 422 and "target_area" in r.text


@pytest.mark.slow
def test_treatment_freezes_a_prediction_shown_on_the_dashboard(registry_db):
    c, _ = _client(registry_db)
    actor = registry_db.login("ana")
    seed(registry_db.app(), actor, "D001", treat=False)
    _login(c, "north", "ana")
    pid = re.search(r'/registry/patients/(\d+)">D001', c.get("/registry/patients").text)[1]
    r = c.post(
        f"/registry/patients/{pid}/treatments",
        data={
            "csrf": _csrf(c, "/registry"),
            "option": "minoxidil_5",
            "start_date": "2024-01-20",
        },
    )
    assert r.status_code == 303, r.text
    detail = c.get(f"/api/v1/registry/patients/{pid}").json()
    t = detail["treatments"][0]
    preds, unknown = t["predictions"], t.get("unknown_predictions", [])
    assert sorted(p["month"] for p in preds + unknown) == t["planned_months"]
    import html

    dash = html.unescape(c.get("/registry").text)
    page = html.unescape(c.get(f"/registry/patients/{pid}").text)

    for p in preds:  # every frozen number, as the registry stored it
        iv = f"{p['change_median']:+.1f} ({p['change_low']:+.1f} to {p['change_high']:+.1f})"
        assert iv in dash and iv in page
    for p in unknown:  # months past the trials' follow-up: the reason, never a number
        assert p["reason"] in dash and p["reason"] in page


_BODY = {
    "visit_date": "2024-05-01",
    "kind": "follow-up",
    "target_area": "vertex",
    "description": "x",
    "severity": "mild",
    "causality": "possible",
    "outcome": "recovered",
    "onset_date": "2024-05-01",
    "option": "minoxidil_5",
    "start_date": "2024-05-01",
}
_API_BODIES = {
    "visits": {k: _BODY[k] for k in ("visit_date", "kind", "target_area")},
    "treatments": {k: _BODY[k] for k in ("option", "start_date")},
    "adverse-events": {
        k: _BODY[k] for k in ("description", "severity", "causality", "outcome", "onset_date")
    },
}
_NEW_PATIENT = {
    "pseudonym": "S-NEW",
    "birth_year": "1990",
    "sex": "M",
    "stage": "III",
    "onset_year": "2015",
    "consent_version": "v1",
    "consent_date": "2024-01-01",
}


def test_every_registry_route_refuses_another_clinics_records(registry_db):
    """bob (clinic south) tries north's patient on every registry route — pages and JSON API,
    JSON with his bearer token and with his cookie + CSRF header — by id and pseudonym."""
    north = seed(registry_db.app(), registry_db.login("ana"), "N-SECRET", treat=False)
    c, _ = _client(registry_db)
    _login(c, "south", "bob")
    tok = _csrf(c, "/registry")
    from anagen.web.routes import registry as web_registry
    from anagen.web.routes import registry_api

    def routes(router):
        return [
            (m, r.path)
            for r in router.routes
            for m in r.methods
            if m in ("GET", "POST", "DELETE")
            and r.path not in ("/registry/logout", "/registry/login")
            and not r.path.endswith("/sessions")
        ]

    pages, api = routes(web_registry.router), routes(registry_api.api)
    assert len(pages) >= 9 and len(api) >= 9
    bearer = {"authorization": f"Bearer {registry_db.login('bob').token}"}
    checked = 0
    for kind, method, path in [("page", *r) for r in pages] + [("api", *r) for r in api]:
        for ref in (str(north["patient"]), "N-SECRET"):
            url = path.replace("{ref}", ref)
            if method == "GET":
                answers = [c.get(url)] if kind == "page" else [c.get(url, headers=bearer)]
            elif kind == "page":
                answers = [c.post(url, data={"csrf": tok, **_BODY, **_NEW_PATIENT})]
            elif method == "POST" and "{ref}" in path:
                body = _API_BODIES[path.rsplit("/", 1)[1]]  # valid: only the patient is wrong
                answers = [
                    c.post(url, json=body, headers=bearer),
                    c.post(url, json=body, headers={"x-csrf-token": tok}),
                ]
            else:  # the clinic's own lists and the import: nothing of north's in the answer
                answers = [c.get(url, headers=bearer)] if method == "GET" else []
            for r in answers:
                assert "N-SECRET" not in r.text, (method, url)
                if "{ref}" in path:
                    assert r.status_code == 404, (kind, method, url, r.status_code, r.text)
                    checked += 1
    # by id and pseudonym: the patient page and its three forms (8), the JSON detail (2) and
    # the three JSON writes with the token and with the cookie (12)
    assert checked == 22
    # and north's records were not changed by any of it
    with registry_db.app().session(registry_db.login("ana")) as s:
        from anagen.registry import service as svc

        d = svc.patient_detail(s, registry_db.login("ana"), north["patient"])
    assert len(d["visits"]) == 1 and d["treatments"] == [] and d["adverse_events"] == []
    # south's own lists and dashboard never show north's patient
    for url in ("/api/v1/registry/patients", "/api/v1/registry/dashboard"):
        r = c.get(url, headers=bearer)
        assert r.status_code == 200 and "N-SECRET" not in r.text
    # a visits import naming north's patient is refused whole, as for a pseudonym that does
    # not exist
    csv = "patient,visit_date,kind,target_area,terminal_density_per_cm2\nN-SECRET,2024-07-01,follow-up,vertex,1\n"
    r = c.post(
        "/api/v1/registry/imports",
        data={"kind": "visits"},
        files={"file": ("v.csv", csv.encode(), "text/csv")},
        headers=bearer,
    )
    assert r.status_code == 422, r.text
    assert "visits.csv row 1: 'patient' must be a pseudonym of your clinic" in r.json()["message"]
    with registry_db.app().session(registry_db.login("ana")) as s:
        d = svc.patient_detail(s, registry_db.login("ana"), north["patient"])
    assert len(d["visits"]) == 1


def test_import_visits_csv_all_or_nothing_and_only_own_clinic(registry_db):
    north = seed(registry_db.app(), registry_db.login("ana"), "N-SECRET", treat=False)
    seed(registry_db.app(), registry_db.login("bob"), "S-001", treat=False)
    c, _ = _client(registry_db)
    _login(c, "south", "bob")
    tok = _csrf(c, "/registry/imports")
    header = "patient,visit_date,kind,target_area,terminal_density_per_cm2\n"
    ok = header + "S-001,2024-06-01,follow-up,vertex,125\n"
    r = c.post(
        "/registry/imports",
        data={"csrf": tok, "kind": "visits"},
        files={"file": ("v.csv", ok.encode(), "text/csv")},
    )
    assert r.status_code == 200 and "import-result" in r.text, r.text
    # a row naming another clinic's patient refuses the whole file, naming row and column
    bad = header + "S-001,2024-07-01,follow-up,vertex,126\nN-SECRET,2024-07-01,follow-up,vertex,1\n"
    r = c.post(
        "/registry/imports",
        data={"csrf": tok, "kind": "visits"},
        files={"file": ("v.csv", bad.encode(), "text/csv")},
    )
    assert r.status_code == 422 and "row 2" in r.text and "/tmp" not in r.text
    with registry_db.app().session(registry_db.login("bob")) as s:
        from anagen.registry import service as svc

        d = svc.patient_detail(s, registry_db.login("bob"), "S-001")
    assert len(d["visits"]) == 2  # the baseline and the one good import; nothing of the bad file
    with registry_db.app().session(registry_db.login("ana")) as s:
        d = svc.patient_detail(s, registry_db.login("ana"), north["patient"])
    assert len(d["visits"]) == 1
