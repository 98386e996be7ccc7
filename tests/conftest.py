"""Session-wide fixtures shared by every test package.

``pg_server``: ONE throwaway PostgreSQL server per pytest session (see ``tests/_postgres.py``),
started on first use and stopped at the end. There is no skip: if PostgreSQL cannot start, the
tests that need it fail (a skip would read as a pass).

``registry_db``: a fresh, initialised registry on SQLite AND (second parameter) on PostgreSQL,
with two clinics and users (see :class:`RegistryDB`). The web app's tests reuse it.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests._postgres import PostgresServer, create_database, start_postgres

PASSWORD = "correct horse battery staple"
APP_USER, APP_PASSWORD = "clinic_app", "app-role-test-password"
#: clinic code -> [(username, role)]
USERS = {
    "north": [("ana", "admin"), ("carl", "clinician"), ("alice", "analyst")],
    "south": [("bob", "admin"), ("sam", "clinician")],
}
_counter = itertools.count()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    server = start_postgres()
    try:
        yield server
    finally:
        server.stop()


@dataclass
class RegistryDB:
    """An initialised registry: ``owner_url`` (schema owner) and ``app_url`` (what the CLI and
    web app use; on PostgreSQL a role subject to row-level security)."""

    kind: str
    owner_url: str
    app_url: str
    actors: dict[str, Any] = field(default_factory=dict)
    _open: list[Any] = field(default_factory=list)

    def app(self) -> Any:
        from anagen.registry import Registry

        r = Registry(self.app_url)
        self._open.append(r)
        return r

    def owner(self) -> Any:
        from anagen.registry import Registry

        r = Registry(self.owner_url)
        self._open.append(r)
        return r

    def login(self, user: str) -> Any:
        """The user's session (opened once in the template; valid in every copy of it)."""
        if user not in self.actors:
            from anagen.registry import login

            clinic = next(c for c, us in USERS.items() if any(u == user for u, _ in us))
            self.actors[user] = login(self.app(), clinic, user, PASSWORD, hours=24)
        return self.actors[user]

    def close(self) -> None:
        for r in self._open:
            r.dispose()


def make_registry_db(kind: str, tmp_path: Path, server: PostgresServer | None) -> RegistryDB:
    from anagen.registry import Registry, create_app_login, init_registry
    from anagen.registry import service as svc

    if kind == "sqlite":
        url = f"sqlite:///{tmp_path / 'registry.sqlite3'}"
        app_url = url
    else:
        assert server is not None
        url = create_database(server, f"reg_{next(_counter)}_{tmp_path.name[-20:]}".lower())
        app_url = None
    first = True
    for clinic, users in USERS.items():
        (admin, _), *rest = users
        init_registry(
            url,
            clinic=clinic,
            clinic_name=f"{clinic.title()} Hair Clinic",
            admin=admin,
            admin_password=PASSWORD,
        )
        reg = Registry(url)
        with reg.session(None) as s:
            from sqlalchemy import select

            from anagen.registry import models as m

            cid = s.scalar(select(m.Clinic.id).where(m.Clinic.code == clinic))
            for u, role in rest:
                svc.add_user(s, None, u, PASSWORD, role, clinic_id=cid)
        if kind == "postgresql" and first:
            create_app_login(reg, APP_USER, APP_PASSWORD)
            db = url.rsplit("/", 1)[1]
            app_url = server.url(APP_USER, APP_PASSWORD, db)
            first = False
        reg.dispose()
    db = RegistryDB(kind, url, app_url)
    for users in USERS.values():
        for u, _ in users:
            db.login(u)
    return db


@pytest.fixture(scope="session")
def _registry_templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return {"dir": tmp_path_factory.mktemp("registry-templates")}


def _clone(
    kind: str, templates: dict[str, Any], tmp_path: Path, server: PostgresServer | None
) -> RegistryDB:
    """A copy of a once-per-session initialised registry (Argon2 and migrations run once)."""
    import shutil

    import psycopg

    if kind not in templates:
        templates[kind] = make_registry_db(kind, templates["dir"], server)
        templates[kind].close()
    tpl: RegistryDB = templates[kind]
    if kind == "sqlite":
        src = Path(tpl.owner_url.removeprefix("sqlite:///"))
        dst = tmp_path / "registry.sqlite3"
        shutil.copyfile(src, dst)
        url = f"sqlite:///{dst}"
        return RegistryDB(kind, url, url, dict(tpl.actors))
    assert server is not None
    name = f"reg_{next(_counter)}"
    tpl_name = tpl.owner_url.rsplit("/", 1)[1]
    dsn = f"host=127.0.0.1 port={server.port} user={server.superuser} dbname=postgres"
    with psycopg.connect(dsn, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}" TEMPLATE "{tpl_name}" OWNER anagen_owner')
    return RegistryDB(
        kind,
        tpl.owner_url.rsplit("/", 1)[0] + "/" + name,
        tpl.app_url.rsplit("/", 1)[0] + "/" + name,
        dict(tpl.actors),
    )


@pytest.fixture
def pg_registry_db(
    tmp_path: Path, pg_server: PostgresServer, _registry_templates: dict[str, Any]
) -> Iterator[RegistryDB]:
    """Like ``registry_db``, PostgreSQL only (for row-level-security tests)."""
    db = _clone("postgresql", _registry_templates, tmp_path, pg_server)
    try:
        yield db
    finally:
        db.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def registry_db(
    request: pytest.FixtureRequest, tmp_path: Path, _registry_templates: dict[str, Any]
) -> Iterator[RegistryDB]:
    server = request.getfixturevalue("pg_server") if request.param == "postgresql" else None
    db = _clone(request.param, _registry_templates, tmp_path, server)
    try:
        yield db
    finally:
        db.close()


@pytest.fixture(scope="session", autouse=True)
def _private_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The user cache (``anagen.evidence._cache``) in a throwaway folder, never ~/.cache."""
    import os

    old = os.environ.get("ANAGEN_CACHE_DIR")
    os.environ["ANAGEN_CACHE_DIR"] = str(tmp_path_factory.mktemp("anagen-cache"))
    yield
    if old is None:
        os.environ.pop("ANAGEN_CACHE_DIR", None)
    else:
        os.environ["ANAGEN_CACHE_DIR"] = old
