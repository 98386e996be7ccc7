"""A throwaway PostgreSQL server for the test suite (one per pytest session).

``initdb``/``pg_ctl`` come from Debian's PostgreSQL packages (``.ci/run`` installs them when
missing). They refuse to run as root, so when the suite runs as root the cluster is created and
started as the unprivileged ``postgres`` user (``runuser``). The server listens only on
127.0.0.1 on a free port, lives in a temporary directory and is stopped (and the directory
removed) at the end of the session.

Use it through the fixtures in ``tests/conftest.py`` (``pg_server``); other test packages (the
web app's) reuse them instead of starting their own server.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["PostgresServer", "find_pg_bin", "start_postgres"]


def find_pg_bin() -> Path:
    """Directory holding ``initdb`` and ``pg_ctl`` (newest Debian version first)."""
    env = os.environ.get("ANAGEN_PG_BIN")
    if env:
        return Path(env)
    for cand in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(cand, "initdb").exists():
            return Path(cand)
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    raise RuntimeError(
        "PostgreSQL server binaries not found (initdb); install Debian's 'postgresql' package "
        "(.ci/run does it) or set ANAGEN_PG_BIN"
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PostgresServer:
    """A running throwaway server; ``superuser_url`` connects as the bootstrap superuser."""

    datadir: Path
    port: int
    superuser: str
    _prefix: list[str]
    _bin: Path
    _root: Path

    def url(
        self, user: str | None = None, password: str | None = None, db: str = "postgres"
    ) -> str:
        u = user or self.superuser
        cred = f"{u}:{password}" if password else u
        return f"postgresql+psycopg://{cred}@127.0.0.1:{self.port}/{db}"

    @property
    def superuser_url(self) -> str:
        return self.url()

    def stop(self) -> None:
        subprocess.run(
            [
                *self._prefix,
                str(self._bin / "pg_ctl"),
                "-D",
                str(self.datadir),
                "-m",
                "immediate",
                "stop",
            ],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(self._root, ignore_errors=True)


def start_postgres() -> PostgresServer:
    """initdb + pg_ctl start in a fresh temporary directory; returns when it accepts connections."""
    pg_bin = find_pg_bin()
    root = Path(tempfile.mkdtemp(prefix="anagen-pg-"))
    datadir = root / "data"
    prefix: list[str] = []
    superuser = pwd.getpwuid(os.getuid()).pw_name
    if os.getuid() == 0:
        pw = pwd.getpwnam("postgres")
        os.chown(root, pw.pw_uid, pw.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
        superuser = "postgres"
    subprocess.run(
        [
            *prefix,
            str(pg_bin / "initdb"),
            "-D",
            str(datadir),
            "-U",
            superuser,
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-sync",
        ],
        check=True,
        capture_output=True,
    )
    port = _free_port()
    opts = (
        f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={root} "
        "-c fsync=on -c max_connections=120 -c shared_buffers=32MB"
    )
    subprocess.run(
        [
            *prefix,
            str(pg_bin / "pg_ctl"),
            "-D",
            str(datadir),
            "-o",
            opts,
            "-l",
            str(root / "log"),
            "-w",
            "-t",
            "60",
            "start",
        ],
        check=True,
        capture_output=True,
    )
    server = PostgresServer(datadir, port, superuser, prefix, pg_bin, root)
    deadline = time.monotonic() + 30
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            if time.monotonic() > deadline:
                server.stop()
                raise
            time.sleep(0.1)
    return server


_OWNER = "anagen_owner"
_OWNER_PW = "owner-test-password"


def create_database(server: PostgresServer, name: str) -> str:
    """A fresh database owned by a non-superuser role with CREATEROLE; returns its owner URL.

    The registry's row-level security applies to the application role, not to this owner (and
    never to a superuser), so tests connect the application as the role ``init`` creates.
    """
    import psycopg

    dsn = f"host=127.0.0.1 port={server.port} user={server.superuser} dbname=postgres"
    with psycopg.connect(dsn, autocommit=True) as c:
        if c.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (_OWNER,)).fetchone() is None:
            c.execute(f"CREATE ROLE {_OWNER} LOGIN CREATEROLE PASSWORD '{_OWNER_PW}'")
        c.execute(f'CREATE DATABASE "{name}" OWNER {_OWNER}')
    return server.url(_OWNER, _OWNER_PW, name)
