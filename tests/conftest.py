"""Session-wide fixtures shared by every test package.

``pg_server``: ONE throwaway PostgreSQL server per pytest session (see ``tests/_postgres.py``),
started on first use and stopped at the end. Registry and web tests run against it; there is
no skip: if PostgreSQL cannot start, the tests that need it fail (a skip would read as a pass).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests._postgres import PostgresServer, start_postgres


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    server = start_postgres()
    try:
        yield server
    finally:
        server.stop()
