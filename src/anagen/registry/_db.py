"""Where the registry lives and how to connect: SQLite (WAL) by default, PostgreSQL by URL.

The database URL is, in order: the ``url`` argument (``--db``), ``ANAGEN_DATABASE_URL``, or a
SQLite file at :func:`default_path` (``$ANAGEN_REGISTRY_HOME/registry.sqlite3``, else
``$XDG_DATA_HOME/anagen/registry.sqlite3``, else ``~/.local/share/anagen/registry.sqlite3``).

SQLite runs in WAL mode with ``synchronous=FULL`` and foreign keys on; every transaction starts
with ``BEGIN IMMEDIATE`` (writers queue on a 30 s busy timeout instead of failing half-way).
On PostgreSQL each transaction carries the session token of the acting user
(``set_config('anagen.session_token', ..., true)``), which the row-level-security policies check.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from anagen.errors import InputError

__all__ = ["Registry", "default_path", "now_iso", "open_registry", "resolve_url"]


def now_iso() -> str:
    """Current UTC time, ISO 8601 with microseconds and a trailing Z."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def default_path() -> Path:
    """The default SQLite file (see the module docstring)."""
    home = os.environ.get("ANAGEN_REGISTRY_HOME")
    if home:
        return Path(home) / "registry.sqlite3"
    xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(xdg) / "anagen" / "registry.sqlite3"


def resolve_url(url: str | None = None) -> str:
    """The database URL to use (argument, ``ANAGEN_DATABASE_URL``, or the default file)."""
    u = url or os.environ.get("ANAGEN_DATABASE_URL")
    if not u:
        return f"sqlite:///{default_path()}"
    if "://" not in u:  # a plain path means a SQLite file
        return f"sqlite:///{Path(u).expanduser().resolve()}"
    try:
        parsed = make_url(u)
    except ArgumentError:
        raise InputError(
            field="--db",
            allowed="a database URL (sqlite:///FILE or "
            "postgresql+psycopg://USER@HOST/DB) or a file path",
            got=u,
        ) from None
    if parsed.drivername not in ("sqlite", "sqlite+pysqlite", "postgresql+psycopg"):
        raise InputError(
            field="--db",
            allowed="sqlite:///FILE or postgresql+psycopg://...",
            got=parsed.drivername,
        )
    return u


def _sqlite_engine(url: str) -> Engine:
    path = make_url(url).database
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: Any, _rec: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


class Registry:
    """An open registry database: an engine and a session factory.

    Use :meth:`session` as a context manager: it commits on success and rolls back on error.
    """

    def __init__(self, url: str | None = None, *, echo: bool = False) -> None:
        self.url = resolve_url(url)
        if self.url.startswith("sqlite"):
            self.engine = _sqlite_engine(self.url)
        else:
            self.engine = create_engine(self.url, echo=echo, pool_pre_ping=True)
        self.dialect = self.engine.dialect.name
        from anagen.registry._session import RegistrySession

        self._factory = sessionmaker(self.engine, class_=RegistrySession, expire_on_commit=False)

    @property
    def is_postgres(self) -> bool:
        return self.dialect == "postgresql"

    def display_url(self) -> str:
        """The URL without its password (safe to print)."""
        return make_url(self.url).render_as_string(hide_password=True)

    @contextmanager
    def session(self, actor: Any = None, *, reason: str | None = None) -> Iterator[Session]:
        """A unit of work acting as ``actor`` (``None``: the database owner, for bootstrap)."""
        s = self._factory()
        s.info["actor"] = actor
        s.info["registry"] = self
        s.info["reason"] = reason
        try:
            yield s
            s.commit()
        except BaseException:
            s.rollback()
            raise
        finally:
            s.close()

    def check_connect(self) -> None:
        """Connect once; an unreachable database is an input error naming the URL."""
        try:
            with self.engine.connect() as c:
                c.execute(text("SELECT 1"))
                if self.engine.dialect.name == "sqlite":
                    c.commit()
        except OperationalError as exc:
            msg = str(exc.orig).splitlines()[0] if exc.orig else str(exc)
            raise InputError(f"cannot open the registry database: {msg}", field="--db") from None

    def dispose(self) -> None:
        self.engine.dispose()


def open_registry(url: str | None = None) -> Registry:
    """Open the registry at ``url`` (see :func:`resolve_url`); the schema must exist (``init``)."""
    return Registry(url)
