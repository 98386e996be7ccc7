"""Fixtures shared by the registry tests."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD


@pytest.fixture
def cli(registry_db, tmp_path, monkeypatch, capsys):
    """``anagen registry ARGS`` in process against ``registry_db``: ``(exit code, out, err)``."""
    from anagen.cli import main

    monkeypatch.setenv("ANAGEN_REGISTRY_SESSION", str(tmp_path / "session.json"))
    monkeypatch.setenv("ANAGEN_DATABASE_URL", registry_db.app_url)
    monkeypatch.delenv("ANAGEN_REGISTRY_TOKEN", raising=False)
    monkeypatch.setenv("ANAGEN_REGISTRY_PASSWORD", PASSWORD)

    def run(*args: str) -> tuple[int, str, str]:
        code = main(["registry", *args])
        out = capsys.readouterr()
        return code, out.out, out.err

    return run
