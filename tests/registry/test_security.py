"""Security on both databases: Argon2, expiring sessions, roles, and clinic isolation.

Every cross-clinic attempt below is made by a logged-in user of clinic 'south' against rows of
clinic 'north' (ids known, as an attacker would guess them): through every service function,
through the ORM directly, and on PostgreSQL through raw SQL on the application's own
connection. Each must find nothing or be refused, and north's rows must be unchanged.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from anagen.errors import InputError
from anagen.registry import AccessDenied, AuthError, NotFound, actor_from_token, login, logout
from anagen.registry import models as m
from anagen.registry import service as svc
from tests.conftest import PASSWORD
from tests.registry._helpers import D, baseline_in, patient_in, seed, treatment_in


def _two(registry_db):
    reg = registry_db.app()
    carl = registry_db.login("carl")  # north clinician
    ids = seed(reg, carl)
    with reg.session(carl) as s:
        ae = svc.add_adverse_event(
            s,
            carl,
            svc.AdverseEventIn(
                patient="P001",
                description="erythema",
                severity="mild",
                causality="possible",
                outcome="recovering",
                onset_date=D(2024, 1, 22),
            ),
        )
        ids["ae"] = ae.id
        ids["session"] = svc.add_session(
            s, carl, ids["treatment"], svc.SessionIn(session_date=D(2024, 1, 20))
        ).id
    sam = registry_db.login("sam")  # south clinician
    return registry_db, reg, carl, sam, ids


@pytest.fixture
def two_clinics(registry_db):
    return _two(registry_db)


@pytest.fixture
def pg_two_clinics(pg_registry_db):
    return _two(pg_registry_db)


def _north_unchanged(reg, carl, ids):
    with reg.session(carl) as s:
        p = svc.get_patient(s, carl, ids["patient"])
        assert (p.pseudonym, p.onset_year, p.version) == ("P001", 2015, 1)
        assert len(s.scalars(select(m.Visit)).all()) == 1
        t = svc.get_treatment(s, carl, ids["treatment"])
        assert (t.sessions_given, t.version) == (1, 2)
        assert len(s.scalars(select(m.AdverseEvent)).all()) == 1
        assert all(r.ok for r in svc.verify_audit(s, carl))


# Each attempt: (name, callable(session, actor, ids)). All must raise NotFound/AccessDenied or
# find nothing.
SERVICE_ATTEMPTS = [
    ("get_patient by id", lambda s, a, i: svc.get_patient(s, a, i["patient"])),
    ("get_patient by #id", lambda s, a, i: svc.get_patient(s, a, f"#{i['patient']}")),
    ("get_patient by pseudonym", lambda s, a, i: svc.get_patient(s, a, "P001")),
    ("patient_detail", lambda s, a, i: svc.patient_detail(s, a, i["patient"])),
    (
        "update_patient",
        lambda s, a, i: svc.update_patient(
            s, a, i["patient"], {"onset_year": 2000}, expected_version=1, reason="x"
        ),
    ),
    (
        "add_visit",
        lambda s, a, i: svc.add_visit(
            s, a, baseline_in(kind="follow-up", visit_date=D(2024, 6, 1))
        ),
    ),
    ("add_treatment", lambda s, a, i: svc.add_treatment(s, a, treatment_in())),
    ("get_treatment", lambda s, a, i: svc.get_treatment(s, a, i["treatment"])),
    (
        "add_session",
        lambda s, a, i: svc.add_session(
            s, a, i["treatment"], svc.SessionIn(session_date=D(2024, 2, 1))
        ),
    ),
    (
        "add_adverse_event",
        lambda s, a, i: svc.add_adverse_event(
            s,
            a,
            svc.AdverseEventIn(
                patient="P001",
                description="x",
                severity="mild",
                causality="possible",
                outcome="unknown",
                onset_date=D(2024, 2, 1),
            ),
        ),
    ),
    ("orm get patient", lambda s, a, i: _none(s.get(m.Patient, i["patient"]))),
    ("orm get visit", lambda s, a, i: _none(s.get(m.Visit, i["visit"]))),
    ("orm get treatment", lambda s, a, i: _none(s.get(m.Treatment, i["treatment"]))),
    ("orm get adverse event", lambda s, a, i: _none(s.get(m.AdverseEvent, i["ae"]))),
    ("orm get session", lambda s, a, i: _none(s.get(m.TreatmentSession, i["session"]))),
    ("orm select predictions", lambda s, a, i: _empty(s.scalars(select(m.Prediction)).all())),
    ("orm select audit", lambda s, a, i: _only(s.scalars(select(m.AuditEntry)).all(), a)),
    ("orm select users", lambda s, a, i: _only(s.scalars(select(m.User)).all(), a)),
    ("orm select clinics", lambda s, a, i: _clinics(s.scalars(select(m.Clinic)).all(), a)),
    (
        "orm bulk update",
        lambda s, a, i: _zero(
            s.execute(update(m.Patient).where(m.Patient.id == i["patient"]).values(onset_year=2000))
        ),
    ),
    (
        "orm bulk delete",
        lambda s, a, i: _zero(
            s.execute(delete(m.AdverseEvent).where(m.AdverseEvent.id == i["ae"]))
        ),
    ),
    (
        "orm insert into north",
        lambda s, a, i: _flush_other(
            s,
            m.Visit(
                clinic_id=1,
                patient_id=i["patient"],
                visit_date=D(2024, 6, 1),
                kind="follow-up",
                target_area="vertex",
            ),
        ),
    ),
    ("orm move own row to north", lambda s, a, i: _move(s, a)),
    ("verify other clinic", lambda s, a, i: _own_chain(svc.verify_audit(s, a), a)),
]


def _none(x):
    assert x is None
    raise NotFound("nothing")


def _empty(rows):
    assert rows == []
    raise NotFound("nothing")


def _only(rows, a):
    assert rows and all(r.clinic_id == a.clinic_id for r in rows)
    raise NotFound("only own rows")


def _clinics(rows, a):
    assert [c.id for c in rows] == [a.clinic_id]
    raise NotFound("only own clinic")


def _own_chain(reports, a):
    assert [r.clinic_id for r in reports] == [a.clinic_id]
    raise NotFound("only own chain")


def _zero(result):
    assert result.rowcount == 0
    raise NotFound("nothing changed")


def _flush_other(s, obj):
    s.add(obj)
    s.flush()


def _move(s, a):
    svc.add_patient(s, a, patient_in("S001"))
    p = svc.get_patient(s, a, "S001")
    p.clinic_id = 1
    s.flush()


@pytest.mark.parametrize("attempt", SERVICE_ATTEMPTS, ids=[x[0] for x in SERVICE_ATTEMPTS])
def test_cross_clinic_service_and_orm(two_clinics, attempt):
    _db, reg, carl, sam, ids = two_clinics
    with pytest.raises((NotFound, AccessDenied)), reg.session(sam) as s:
        attempt[1](s, sam, ids)
    _north_unchanged(reg, carl, ids)


RAW_SQL = [
    "SELECT id FROM patients WHERE id = {patient}",
    "SELECT id FROM visits",
    "SELECT id FROM predictions",
    "SELECT id FROM adverse_events WHERE id = {ae}",
    "SELECT id FROM treatment_sessions",
    "SELECT id FROM audit_log WHERE clinic_id = 1",
    "SELECT id FROM users WHERE clinic_id = 1",
    "SELECT id FROM clinics WHERE id = 1",
    "UPDATE patients SET onset_year = 2000 WHERE id = {patient} RETURNING id",
    "UPDATE treatments SET sessions_given = 9 RETURNING id",
    "DELETE FROM visits WHERE id = {visit} RETURNING id",
    "DELETE FROM adverse_events RETURNING id",
    "SELECT id FROM patients WHERE clinic_id <> 2 OR true",
]
RAW_REFUSED = [
    "INSERT INTO visits (clinic_id, patient_id, visit_date, kind, target_area, created_at, "
    "version) VALUES (1, {patient}, '2024-06-01', 'follow-up', 'vertex', 'x', 1)",
    "INSERT INTO patients (clinic_id, pseudonym, birth_year, sex, stage_scale, stage, "
    "onset_year, health, current_treatments, consent_version, consent_date, "
    "consent_evidence_sharing, created_at, version) VALUES (1, 'X1', 1980, 'M', "
    "'norwood_hamilton', 'III', 2000, '{{}}', '[]', 'v', '2024-01-01', false, 'x', 1)",
    "UPDATE patients SET clinic_id = 1 RETURNING id",
    "SELECT * FROM auth_sessions",
    "UPDATE audit_log SET reason = 'x'",
    "DELETE FROM audit_log",
    "UPDATE users SET role = 'admin' WHERE clinic_id = 1 RETURNING id",
]


@pytest.mark.parametrize("sql", RAW_SQL + RAW_REFUSED)
def test_cross_clinic_raw_sql_postgres(pg_two_clinics, sql):
    """Raw SQL through the app's connection, with south's live token (and with a forged one).

    PostgreSQL only: row-level security is PostgreSQL's (SQLite is covered by the ORM tests)."""
    _db, reg, carl, sam, ids = pg_two_clinics
    q = text(sql.format(**ids))
    for token in (sam.token, "forged-token", ""):
        with reg.engine.connect() as c:
            c.execute(text("SELECT set_config('anagen.session_token', :t, false)"), {"t": token})
            c.execute(text("SELECT set_config('anagen.clinic_id', '1', false)"))
            try:
                rows = c.execute(q).fetchall()
            except DBAPIError:
                c.rollback()
                continue
            if (
                sql.startswith("SELECT id FROM patients WHERE clinic_id")
                or "users" in sql
                or "audit_log" in sql
                or "clinics" in sql
            ):
                assert all(r[0] not in (ids["patient"],) or token == sam.token for r in rows)
            assert sql not in RAW_REFUSED or rows == [], sql
            assert not any(
                r[0] in (ids["patient"], ids["visit"], ids["ae"], ids["treatment"])
                for r in rows
                if "clinics" not in sql
                and "users" not in sql
                and "audit" not in sql
                and "sessions" not in sql
            )
            c.rollback()
    _north_unchanged(reg, carl, ids)


def test_raw_sql_sees_own_clinic_only_postgres(pg_two_clinics):
    _db, reg, carl, sam, _ids = pg_two_clinics
    with reg.engine.connect() as c:
        c.execute(text("SELECT set_config('anagen.session_token', :t, false)"), {"t": carl.token})
        assert c.execute(text("SELECT count(*) FROM patients")).scalar() == 1
        c.execute(text("SELECT set_config('anagen.session_token', :t, false)"), {"t": sam.token})
        assert c.execute(text("SELECT count(*) FROM patients")).scalar() == 0
        assert c.execute(text("SELECT count(*) FROM audit_log WHERE clinic_id = 1")).scalar() == 0
        assert c.execute(text("SELECT count(*) FROM users")).scalar() == 2  # bob, sam


def test_analyst_is_read_only(registry_db):
    reg = registry_db.app()
    seed(reg, registry_db.login("carl"), treat=False)
    alice = registry_db.login("alice")
    with reg.session(alice) as s:
        assert [p.pseudonym for p in svc.list_patients(s, alice)] == ["P001"]
    for fn in (
        lambda s: svc.add_patient(s, alice, patient_in("P009")),
        lambda s: svc.add_visit(s, alice, baseline_in(kind="follow-up", visit_date=D(2024, 5, 1))),
        lambda s: svc.update_patient(
            s, alice, "P001", {"onset_year": 2014}, expected_version=1, reason="x"
        ),
        lambda s: svc.add_user(s, alice, "mallory", PASSWORD, "admin"),
    ):
        with pytest.raises(AccessDenied), reg.session(alice) as s:
            fn(s)
    if registry_db.kind == "postgresql":
        with reg.engine.connect() as c:
            c.execute(
                text("SELECT set_config('anagen.session_token', :t, false)"), {"t": alice.token}
            )
            with pytest.raises(DBAPIError, match="row-level security"):
                c.execute(text("UPDATE patients SET onset_year = 2000 RETURNING id")).fetchall()
                c.execute(
                    text(
                        "INSERT INTO treatment_sessions (clinic_id, treatment_id, session_date, "
                        "created_at) VALUES (1, 1, '2024-01-01', 'x')"
                    )
                )
            c.rollback()


def test_clinician_cannot_add_users(registry_db):
    reg = registry_db.app()
    carl = registry_db.login("carl")
    with pytest.raises(AccessDenied), reg.session(carl) as s:
        svc.add_user(s, carl, "eve", PASSWORD, "admin")
    ana = registry_db.login("ana")
    with reg.session(ana) as s:
        u = svc.add_user(s, ana, "dora", PASSWORD, "clinician")
        assert u.password_hash.startswith("$argon2id$")
        assert PASSWORD not in u.password_hash


def test_passwords_and_sessions(registry_db):
    reg = registry_db.app()
    with pytest.raises(AuthError, match="login failed"):
        login(reg, "north", "carl", "wrong password here")
    with pytest.raises(AuthError, match="login failed"):
        login(reg, "north", "nobody", PASSWORD)
    with pytest.raises(AuthError, match="login failed"):
        login(reg, "south", "carl", PASSWORD)  # right password, wrong clinic
    with pytest.raises(InputError, match="--hours"):
        login(reg, "north", "carl", PASSWORD, hours=48)
    a = login(reg, "north", "carl", PASSWORD, hours=1)
    assert actor_from_token(reg, a.token).username == "carl"
    exp = dt.datetime.strptime(a.expires_at, "%Y-%m-%dT%H:%M:%S.%fZ")
    assert dt.timedelta(minutes=59) < exp - dt.datetime.utcnow() <= dt.timedelta(hours=1)
    logout(reg, a.token)
    with pytest.raises(AuthError, match="expired or unknown"):
        actor_from_token(reg, a.token)
    with pytest.raises(AuthError):
        actor_from_token(reg, "made-up-token")
    # an expired session stops working (expiry moved into the past by the owner)
    b = login(reg, "north", "carl", PASSWORD)
    owner = registry_db.owner()
    with owner.engine.begin() as c:
        c.execute(update(m.AuthSession).values(expires_at="2000-01-01T00:00:00.000000Z"))
    with pytest.raises(AuthError, match="expired"):
        actor_from_token(reg, b.token)


def test_lockout_after_ten_failures(registry_db):
    reg = registry_db.app()
    for _ in range(10):
        with pytest.raises(AuthError):
            login(reg, "south", "sam", "not the password!!")
    with pytest.raises(AuthError, match="locked"):
        login(reg, "south", "sam", PASSWORD)


def test_no_token_sees_nothing_postgres(pg_registry_db):
    reg = pg_registry_db.app()
    seed(reg, pg_registry_db.login("carl"), treat=False)
    with reg.engine.connect() as c:
        for t in ("patients", "visits", "users", "clinics", "audit_log"):
            assert c.execute(text(f"SELECT count(*) FROM {t}")).scalar() == 0
