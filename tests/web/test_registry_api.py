"""The registry's JSON API over a real registry (SQLite and PostgreSQL, ``registry_db``):
token login, every write the pages can do, 422 naming the field, CSRF for cookie-authenticated
writes, and nothing of another clinic reachable (see also ``test_registry_web.py``)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from anagen.web import Settings, create_app
from tests.conftest import PASSWORD

API = "/api/v1/registry"
PATIENT = {
    "pseudonym": "J001",
    "birth_year": 1979,
    "sex": "M",
    "stage": "IV",
    "onset_year": 2011,
    "consent_version": "v2",
    "consent_date": "2024-02-01",
}
VISIT = {
    "visit_date": "2024-02-10",
    "kind": "baseline",
    "target_area": "vertex",
    "terminal_density_per_cm2": 118,
}
AE = {
    "description": "scalp erythema",
    "severity": "mild",
    "causality": "possible",
    "outcome": "recovered",
    "onset_date": "2024-02-11",
    "resolution_date": "2024-02-20",
}


def _client(db) -> TestClient:
    app = create_app(
        Settings(db_url=db.app_url, secure_cookies=False, registry_draws=5, assess_follicles=2000)
    )
    return TestClient(app, follow_redirects=False)


def _token(c: TestClient, clinic: str, user: str) -> dict[str, str]:
    r = c.post(f"{API}/sessions", json={"clinic": clinic, "username": user, "password": PASSWORD})
    assert r.status_code == 201, r.text
    assert r.headers["cache-control"] == "no-store"
    return {"authorization": f"Bearer {r.json()['token']}"}


def test_token_login_then_every_write_the_pages_do(registry_db):
    c = _client(registry_db)
    assert c.get(f"{API}/patients").status_code == 401
    auth = _token(c, "north", "carl")
    r = c.post(f"{API}/patients", json=PATIENT, headers=auth)
    assert r.status_code == 201, r.text
    url, pid = r.json()["url"], r.json()["id"]
    assert url == f"{API}/patients/{pid}" and r.json()["patient"] == "J001"
    r = c.post(f"{url}/visits", json=VISIT, headers=auth)
    assert r.status_code == 201, r.text
    r = c.post(f"{API}/patients/J001/adverse-events", json=AE, headers=auth)  # by pseudonym
    assert r.status_code == 201, r.text
    d = c.get(url, headers=auth).json()
    assert d["pseudonym"] == "J001"
    assert [v["terminal_density_per_cm2"] for v in d["visits"]] == [118]
    assert [e["description"] for e in d["adverse_events"]] == ["scalp erythema"]
    assert "J001" in [
        p["pseudonym"] for p in c.get(f"{API}/patients", headers=auth).json()["patients"]
    ]
    counts = c.get(f"{API}/dashboard", headers=auth).json()["counts"]
    assert counts["patients"] >= 1 and counts["visits"] >= 1
    # the same pseudonym again is a conflict or a 422 naming it, never a second patient
    r = c.post(f"{API}/patients", json=PATIENT, headers=auth)
    assert r.status_code in (409, 422) and "pseudonym" in r.text
    # imports: the same service as the page, all rows or none
    csv = "patient,visit_date,kind,target_area,terminal_density_per_cm2\nJ001,2024-08-01,follow-up,vertex,121\n"
    r = c.post(
        f"{API}/imports",
        data={"kind": "visits"},
        files={"file": ("mine.csv", csv.encode(), "text/csv")},
        headers=auth,
    )
    assert r.status_code == 201 and r.json()["rows"] == 1, r.text
    bad = csv.replace("121", "-5")
    r = c.post(
        f"{API}/imports",
        data={"kind": "visits"},
        files={"file": ("mine.csv", bad.encode(), "text/csv")},
        headers=auth,
    )
    assert r.status_code == 422 and "visits.csv row 1" in r.json()["message"], r.text
    assert "/tmp" not in r.text
    assert len(c.get(url, headers=auth).json()["visits"]) == 2
    # logout revokes the token
    assert c.delete(f"{API}/sessions/current", headers=auth).status_code == 204
    assert c.get(f"{API}/patients", headers=auth).status_code == 401


def test_bad_payloads_are_422_naming_the_field(registry_db):
    c = _client(registry_db)
    auth = _token(c, "north", "ana")
    cases = [
        (f"{API}/patients", {**PATIENT, "birth_year": "nineteen"}, "birth_year"),
        (f"{API}/patients", {**PATIENT, "sex": "X"}, "sex"),
        (f"{API}/patients", {**PATIENT, "colour": "red"}, "colour"),
        (
            f"{API}/patients",
            {k: v for k, v in PATIENT.items() if k != "consent_date"},
            "consent_date",
        ),
    ]
    for url, body, field in cases:
        r = c.post(url, json=body, headers=auth)
        assert r.status_code == 422, (field, r.text)
        assert f"'{field}" in r.json()["message"] or f"{field}" in r.json()["message"], r.text
    pid = c.post(f"{API}/patients", json=PATIENT, headers=auth).json()["id"]
    cases = [
        ("visits", {**VISIT, "target_area": "moon"}, "target_area"),
        ("visits", {**VISIT, "visit_date": "2024-13-01"}, "visit_date"),
        ("visits", {**VISIT, "patient": "J002"}, "patient"),  # the path names the patient
        ("adverse-events", {**AE, "severity": "apocalyptic"}, "severity"),
        ("treatments", {"option": "/etc/passwd", "start_date": "2024-03-01"}, "option"),
        (
            "treatments",
            {"option": "minoxidil_5", "start_date": "2024-03-01", "n_draws": 9},
            "n_draws",
        ),
    ]
    for what, body, field in cases:
        r = c.post(f"{API}/patients/{pid}/{what}", json=body, headers=auth)
        assert r.status_code == 422, (what, field, r.text)
        assert field in r.json()["message"], (field, r.json()["message"])
    d = c.get(f"{API}/patients/{pid}", headers=auth).json()
    assert d["visits"] == [] and d["treatments"] == [] and d["adverse_events"] == []


def test_cookie_writes_need_the_csrf_header(registry_db):
    c = _client(registry_db)
    html = c.get("/registry/login").text
    tok = re.search(r'name="csrf" value="([^"]+)"', html).group(1)
    r = c.post(
        "/registry/login",
        data={"clinic": "north", "username": "ana", "password": PASSWORD, "csrf": tok},
    )
    assert r.status_code == 303
    assert c.get(f"{API}/patients").status_code == 200  # reads with the cookie alone
    r = c.post(f"{API}/patients", json=PATIENT)
    assert r.status_code == 403 and "X-CSRF-Token" in r.json()["detail"]
    r = c.post(f"{API}/patients", json=PATIENT, headers={"x-csrf-token": "forged"})
    assert r.status_code == 403
    assert "J001" not in c.get(f"{API}/patients").text
    r = c.post(f"{API}/patients", json=PATIENT, headers={"x-csrf-token": tok})
    assert r.status_code == 201, r.text


def test_api_login_is_rate_limited(registry_db):
    c = _client(registry_db)
    wrong = {"clinic": "south", "username": "sam", "password": "wrong password!"}
    codes = [c.post(f"{API}/sessions", json=wrong).status_code for _ in range(6)]
    assert codes == [401] * 5 + [429]
    r = c.post(f"{API}/sessions", json={**wrong, "password": PASSWORD})
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0


def test_a_treatment_freezes_its_prediction(registry_db):
    c = _client(registry_db)
    auth = _token(c, "north", "ana")
    pid = c.post(f"{API}/patients", json=PATIENT, headers=auth).json()["id"]
    assert c.post(f"{API}/patients/{pid}/visits", json=VISIT, headers=auth).status_code == 201
    r = c.post(
        f"{API}/patients/{pid}/treatments",
        json={"option": "minoxidil_5", "start_date": "2024-02-20"},
        headers=auth,
    )
    assert r.status_code == 201, r.text
    t = c.get(f"{API}/patients/{pid}", headers=auth).json()["treatments"]
    assert [x["id"] for x in t] == [r.json()["id"]]
    frozen = t[0]["predictions"] + t[0]["unknown_predictions"]
    assert sorted(p["month"] for p in frozen) == t[0]["planned_months"]
    rows = c.get(f"{API}/dashboard", headers=auth).json()["observed_vs_predicted"]
    row = next(x for x in rows if x["patient"] == "J001")
    assert row["predictions"] + row["unknown_predictions"] == frozen


def test_login_and_clinic_are_checked_before_the_body(registry_db):
    """No token: 401 even for a broken body; another clinic's patient: 404, whatever the body."""
    from tests.registry._helpers import seed

    north = seed(registry_db.app(), registry_db.login("ana"), "N-ONLY", treat=False)
    c = _client(registry_db)
    assert c.post(f"{API}/patients", json={}).status_code == 401
    assert c.post(f"{API}/patients/N-ONLY/visits", json={"x": 1}).status_code == 401
    bob = {"authorization": f"Bearer {registry_db.login('bob').token}"}
    for ref in (str(north["patient"]), "N-ONLY", "NO-SUCH-PATIENT"):
        for what in ("visits", "treatments", "adverse-events"):
            r = c.post(f"{API}/patients/{ref}/{what}", json={"x": 1}, headers=bob)
            assert r.status_code == 404 and "N-ONLY" not in r.text, (ref, what, r.text)


def test_a_read_only_role_reads_but_cannot_write(registry_db):
    c = _client(registry_db)
    auth = _token(c, "north", "alice")  # analyst
    assert c.get(f"{API}/patients", headers=auth).status_code == 200
    r = c.post(f"{API}/patients", json=PATIENT, headers=auth)
    assert r.status_code == 403 and "read-only" in r.json()["detail"]
    assert "J001" not in c.get(f"{API}/patients", headers=auth).text
    assert c.delete(f"{API}/sessions/current", headers=auth).status_code == 204  # may log out
