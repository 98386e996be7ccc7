"""``anagen registry init``: create or upgrade the schema; bootstrap a clinic, its admin and
(PostgreSQL) the application's login role."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, text

from anagen.errors import InputError
from anagen.registry import models as m
from anagen.registry._db import Registry
from anagen.registry._migrate import upgrade

__all__ = ["create_app_login", "init_registry"]


def create_app_login(registry: Registry, name: str, password: str) -> None:
    """PostgreSQL: a LOGIN role in ``anagen_app`` (subject to row-level security) for the app.

    The connecting (owner) role needs CREATEROLE. An existing role gets the new password.
    """
    import re

    if not registry.is_postgres:
        raise InputError(field="--app-user", allowed="used with PostgreSQL only")
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", name):
        raise InputError(field="--app-user", allowed="a lower-case SQL identifier", got=name)
    if len(password) < 12:
        raise InputError(field="app password", allowed="at least 12 characters")
    with registry.engine.begin() as conn:
        exists = conn.execute(
            text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": name}
        ).first()
        verb = (
            "ALTER ROLE %I LOGIN PASSWORD %L"
            if exists
            else ("CREATE ROLE %I LOGIN PASSWORD %L IN ROLE anagen_app")
        )
        stmt = conn.execute(
            text("SELECT format(CAST(:f AS text), CAST(:n AS text), CAST(:p AS text))"),
            {"f": verb, "n": name, "p": password},
        ).scalar_one()
        conn.exec_driver_sql(stmt)
        if exists:
            conn.exec_driver_sql(f'GRANT anagen_app TO "{name}"')


def init_registry(
    url: str | None = None,
    *,
    clinic: str | None = None,
    clinic_name: str | None = None,
    admin: str | None = None,
    admin_password: str | None = None,
    synthetic: bool = False,
) -> dict[str, Any]:
    """Create/upgrade the schema at ``url``; optionally add a clinic and its first admin.

    Run it with the database owner's URL. Returns what was done (for the CLI's JSON).
    """
    from anagen.registry import service as svc
    from anagen.registry._migrate import current_revision, head_revision

    reg = Registry(url)
    reg.check_connect()
    before = current_revision(reg)
    upgrade(reg)
    out: dict[str, Any] = {
        "database": reg.display_url(),
        "dialect": reg.dialect,
        "revision_before": before,
        "revision": head_revision(),
    }
    if clinic:
        if not admin or not admin_password:
            raise InputError(field="--admin", allowed="given with --clinic (the first admin)")
        with reg.session(None) as s:
            c = s.scalar(select(m.Clinic).where(m.Clinic.code == clinic))
            if c is None:
                c = svc.create_clinic(s, clinic, clinic_name or clinic, synthetic=synthetic)
            svc.add_user(s, None, admin, admin_password, "admin", clinic_id=c.id)
            out["clinic"] = {"id": c.id, "code": c.code, "name": c.name, "synthetic": c.synthetic}
            out["admin"] = admin
    reg.dispose()
    return out
