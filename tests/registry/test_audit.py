"""The audit trail: every change logged with old -> new values, and tampering detected."""

from __future__ import annotations

import itertools
import json

import pytest
from sqlalchemy import select, text

from anagen.registry import models as m
from anagen.registry import service as svc
from tests.registry._helpers import seed


@pytest.fixture
def audited(registry_db):
    reg = registry_db.app()
    carl = registry_db.login("carl")
    ids = seed(reg, carl)
    with reg.session(carl) as s:
        svc.update_patient(
            s, carl, "P001", {"onset_year": 2014}, expected_version=1, reason="onset year misread"
        )
    return registry_db, reg, carl, ids


def _verify(reg, actor):
    with reg.session(actor) as s:
        return svc.verify_audit(s, actor)[0]


def test_every_change_is_logged(audited):
    _db, reg, carl, _ids = audited
    with reg.session(carl) as s:
        log = s.scalars(select(m.AuditEntry).order_by(m.AuditEntry.seq)).all()
    tables = [(e.action, e.table_name) for e in log if e.table_name != "users"]
    assert ("insert", "users") in [(e.action, e.table_name) for e in log[:3]]  # init's users
    assert tables[:3] == [("insert", "patients"), ("insert", "visits"), ("insert", "treatments")]
    assert tables.count(("insert", "predictions")) == 3
    upd = log[-1]
    assert (upd.action, upd.table_name, upd.username, upd.reason) == (
        "update",
        "patients",
        "carl",
        "onset year misread",
    )
    assert json.loads(upd.old)["onset_year"] == 2015
    assert json.loads(upd.new)["onset_year"] == 2014
    assert [e.seq for e in log] == list(range(1, len(log) + 1))
    assert all(e.prev_hash == p.hash for p, e in itertools.pairwise(log))
    r = _verify(reg, carl)
    assert r.ok and r.entries == len(log) and r.rows_checked >= 6


def test_password_hash_never_in_trail(registry_db):
    reg = registry_db.app()
    ana = registry_db.login("ana")
    with reg.session(ana) as s:
        svc.add_user(s, ana, "dora", "another long password", "clinician")
        e = s.scalars(select(m.AuditEntry).where(m.AuditEntry.table_name == "users")).all()[-1]
        assert json.loads(e.new)["password_hash"] == "***"
        assert "argon2" not in e.new


TAMPER = [
    (
        "alter an entry",
        "UPDATE audit_log SET new = replace(new, '2014', '2013') "
        "WHERE seq = (SELECT max(seq) FROM audit_log WHERE clinic_id = 1) AND clinic_id = 1",
        "hash does not match",
    ),
    ("delete an entry", "DELETE FROM audit_log WHERE clinic_id = 1 AND seq = 2", "expected seq 2"),
    (
        "truncate the tail",
        "DELETE FROM audit_log WHERE clinic_id = 1 AND seq > 3",
        "not in the audit trail",
    ),
    (
        "edit a row behind the app",
        "UPDATE visits SET terminal_density_per_cm2 = 150, total_density_per_cm2 = 190",
        "differs from its last audited values",
    ),
    (
        "insert a row behind the app",
        "INSERT INTO treatment_sessions (clinic_id, treatment_id, "
        "session_date, created_at) SELECT 1, id, start_date, 'x' FROM treatments",
        "not in the audit trail",
    ),
    (
        "delete a row behind the app",
        "DELETE FROM predictions WHERE month = 24",
        "deleted outside the application",
    ),
    (
        "rehash a forged entry",
        "UPDATE audit_log SET reason = 'forged', hash = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' "
        "WHERE clinic_id = 1 AND seq = 1",
        "prev_hash does not match",
    ),
]


@pytest.mark.parametrize("case", TAMPER, ids=[t[0] for t in TAMPER])
def test_tampering_is_detected(audited, case):
    db, reg, carl, _ids = audited
    assert _verify(reg, carl).ok
    owner = db.owner()
    with owner.engine.begin() as c:
        # the trail is append-only even for the owner: an attacker must bypass the triggers
        if owner.is_postgres:
            c.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
        else:
            c.execute(text("DROP TRIGGER audit_log_no_update"))
            c.execute(text("DROP TRIGGER audit_log_no_delete"))
        c.execute(text(case[1]))
    r = _verify(reg, carl)
    assert not r.ok
    assert any(case[2] in p for p in r.problems), r.problems


@pytest.mark.parametrize("sql", ["UPDATE audit_log SET reason = 'x'", "DELETE FROM audit_log"])
def test_audit_is_append_only_for_the_owner(registry_db, sql):
    from sqlalchemy.exc import DBAPIError

    reg = registry_db.app()
    seed(reg, registry_db.login("carl"), treat=False)
    owner = registry_db.owner()
    with pytest.raises(DBAPIError, match="append-only"), owner.engine.begin() as c:
        c.execute(text(sql))
