"""PostgreSQL only: the app role, row-level security per clinic, login functions, append-only audit.

The application connects as a LOGIN role that is a member of ``anagen_app`` (not the owner of
the tables, so the policies apply to it). Each transaction sets ``anagen.session_token``; the
policies admit a row only if its ``clinic_id`` is the clinic of the unexpired, unrevoked session
whose SHA-256 matches that token. Knowing or guessing another clinic's ids, or setting any other
variable in raw SQL, therefore reaches nothing. Writes need role admin/clinician (users: admin).
The app role cannot read ``auth_sessions`` at all; login goes through SECURITY DEFINER functions.
On SQLite this revision only makes the audit trail append-only (triggers); isolation there is
the ORM layer's.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_DATA = ("patients", "visits", "treatments", "treatment_sessions", "adverse_events", "predictions")
_NOW = "to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"

_FUNCTIONS = f"""
CREATE FUNCTION anagen_session_user(OUT user_id int, OUT clinic_id int, OUT role text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
  SELECT u.id, u.clinic_id, u.role::text FROM auth_sessions s JOIN users u ON u.id = s.user_id
  WHERE s.token_sha256 = encode(sha256(convert_to(
          coalesce(current_setting('anagen.session_token', true), ''), 'UTF8')), 'hex')
    AND NOT s.revoked AND u.active AND s.expires_at > {_NOW}
$$;
CREATE FUNCTION anagen_clinic() RETURNS int LANGUAGE sql STABLE AS
  $$ SELECT clinic_id FROM anagen_session_user() $$;
CREATE FUNCTION anagen_can_write() RETURNS boolean LANGUAGE sql STABLE AS
  $$ SELECT coalesce((SELECT role IN ('admin', 'clinician') FROM anagen_session_user()), false) $$;
CREATE FUNCTION anagen_is_admin() RETURNS boolean LANGUAGE sql STABLE AS
  $$ SELECT coalesce((SELECT role = 'admin' FROM anagen_session_user()), false) $$;

CREATE FUNCTION anagen_login_lookup(p_clinic text, p_username text,
    OUT user_id int, OUT clinic_id int, OUT role text, OUT password_hash text,
    OUT active boolean, OUT failed_logins int)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
  SELECT u.id, u.clinic_id, u.role::text, u.password_hash::text, u.active, u.failed_logins
  FROM users u JOIN clinics c ON c.id = u.clinic_id
  WHERE c.code = p_clinic AND u.username = p_username
$$;
CREATE FUNCTION anagen_login_failed(p_user int) RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public AS $$
  UPDATE users SET failed_logins = failed_logins + 1 WHERE id = p_user
$$;
CREATE FUNCTION anagen_open_session(p_user int, p_token_sha256 text, p_expires text)
RETURNS void LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public AS $$
  UPDATE users SET failed_logins = 0 WHERE id = p_user AND failed_logins <> 0;
  INSERT INTO auth_sessions (clinic_id, user_id, token_sha256, created_at, expires_at, revoked)
  SELECT clinic_id, id, p_token_sha256, {_NOW}, p_expires, false FROM users WHERE id = p_user;
$$;
CREATE FUNCTION anagen_close_session(p_token_sha256 text) RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public AS $$
  UPDATE auth_sessions SET revoked = true WHERE token_sha256 = p_token_sha256
$$;
CREATE FUNCTION anagen_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only';
END $$;
"""

_DROP_FUNCTIONS = """
DROP FUNCTION IF EXISTS anagen_refuse_change() CASCADE;
DROP FUNCTION IF EXISTS anagen_close_session(text);
DROP FUNCTION IF EXISTS anagen_open_session(int, text, text);
DROP FUNCTION IF EXISTS anagen_login_failed(int);
DROP FUNCTION IF EXISTS anagen_login_lookup(text, text);
DROP FUNCTION IF EXISTS anagen_is_admin();
DROP FUNCTION IF EXISTS anagen_can_write();
DROP FUNCTION IF EXISTS anagen_clinic();
DROP FUNCTION IF EXISTS anagen_session_user();
"""


def _policies() -> list[str]:
    me = "clinic_id = (SELECT anagen_clinic())"
    w = "(SELECT anagen_can_write())"
    adm = "(SELECT anagen_is_admin())"
    out = []
    for t in (*_DATA, "users"):
        can = adm if t == "users" else w
        out += [
            f"ALTER TABLE {t} ENABLE ROW LEVEL SECURITY",
            f"CREATE POLICY {t}_select ON {t} FOR SELECT TO anagen_app USING ({me})",
            f"CREATE POLICY {t}_insert ON {t} FOR INSERT TO anagen_app WITH CHECK ({me} AND {can})",
            f"CREATE POLICY {t}_update ON {t} FOR UPDATE TO anagen_app "
            f"USING ({me} AND {can}) WITH CHECK ({me} AND {can})",
            f"CREATE POLICY {t}_delete ON {t} FOR DELETE TO anagen_app USING ({me} AND {can})",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON {t} TO anagen_app",
        ]
    out += [
        "ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY",
        f"CREATE POLICY audit_log_select ON audit_log FOR SELECT TO anagen_app USING ({me})",
        f"CREATE POLICY audit_log_insert ON audit_log FOR INSERT TO anagen_app "
        f"WITH CHECK ({me} AND {w})",
        "GRANT SELECT, INSERT ON audit_log TO anagen_app",
        "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
        "FOR EACH ROW EXECUTE FUNCTION anagen_refuse_change()",
        "ALTER TABLE clinics ENABLE ROW LEVEL SECURITY",
        "CREATE POLICY clinics_select ON clinics FOR SELECT TO anagen_app "
        "USING (id = (SELECT anagen_clinic()))",
        "GRANT SELECT ON clinics TO anagen_app",
        "ALTER TABLE auth_sessions ENABLE ROW LEVEL SECURITY",  # no policy: the app sees nothing
        "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO anagen_app",
        "GRANT EXECUTE ON FUNCTION anagen_session_user(), anagen_clinic(), anagen_can_write(), "
        "anagen_is_admin(), anagen_login_lookup(text, text), anagen_login_failed(int), "
        "anagen_open_session(int, text, text), anagen_close_session(text) TO anagen_app",
    ]
    return out


_SQLITE_TRIGGERS = [
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
]


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for stmt in _SQLITE_TRIGGERS:
            op.execute(stmt)
        return
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'anagen_app') THEN "
        "CREATE ROLE anagen_app NOLOGIN; END IF; END $$"
    )
    op.execute("GRANT USAGE ON SCHEMA public TO anagen_app")
    op.execute(_FUNCTIONS)
    for stmt in _policies():
        op.execute(stmt)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
        return
    if op.get_bind().dialect.name != "postgresql":
        return
    for t in (*_DATA, "users"):
        for p in ("select", "insert", "update", "delete"):
            op.execute(f"DROP POLICY IF EXISTS {t}_{p} ON {t}")
        op.execute(f"ALTER TABLE {t} DISABLE ROW LEVEL SECURITY")
        op.execute(f"REVOKE ALL ON {t} FROM anagen_app")
    op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
    for p in ("select", "insert"):
        op.execute(f"DROP POLICY IF EXISTS audit_log_{p} ON audit_log")
    op.execute("DROP POLICY IF EXISTS clinics_select ON clinics")
    for t in ("audit_log", "clinics", "auth_sessions"):
        op.execute(f"ALTER TABLE {t} DISABLE ROW LEVEL SECURITY")
        op.execute(f"REVOKE ALL ON {t} FROM anagen_app")
    op.execute("REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM anagen_app")
    op.execute(_DROP_FUNCTIONS)
    op.execute("REVOKE USAGE ON SCHEMA public FROM anagen_app")
