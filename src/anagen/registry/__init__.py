"""Clinic outcomes registry: patients, visits, treatments, adverse events, frozen predictions.

Public API::

    from anagen.registry import open_registry, init_registry, login, service as svc
    reg = init_registry(url)                     # create/upgrade the schema (Alembic)
    actor = login(reg, "CLINIC", "user", password)      # expiring session token
    with reg.session(actor) as s:
        svc.add_patient(s, actor, svc.PatientIn(...))

SQLite (WAL) by default, PostgreSQL by URL (``ANAGEN_DATABASE_URL``); every read and write is
scoped to the actor's clinic (and by row-level security on PostgreSQL); every change is in a
hash-chained audit trail (:func:`verify`). See ``docs/registry.md``.
"""

from __future__ import annotations

from anagen._lazy import lazy_exports

_PUBLIC: dict[str, str] = {
    "Registry": "_db",
    "open_registry": "_db",
    "default_path": "_db",
    "resolve_url": "_db",
    "init_registry": "_init",
    "create_app_login": "_init",
    "Actor": "_session",
    "login": "_auth",
    "logout": "_auth",
    "actor_from_token": "_auth",
    "AuthError": "_errors",
    "AccessDenied": "_errors",
    "NotFound": "_errors",
    "Conflict": "_errors",
    "RegistryError": "_errors",
    "data_dictionary": "_dictionary",
    "upgrade": "_migrate",
    "downgrade": "_migrate",
    "current_revision": "_migrate",
    "head_revision": "_migrate",
}

__all__ = sorted(_PUBLIC)

__getattr__, __dir__ = lazy_exports(__name__, _PUBLIC, globals())
