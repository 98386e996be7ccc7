"""Schema migrations (Alembic, scripts inside the package): upgrade, downgrade, current revision."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

__all__ = ["current_revision", "downgrade", "head_revision", "upgrade"]

_HERE = Path(__file__).resolve().parent / "migrations"


def _config(connection) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(_HERE))
    cfg.attributes["connection"] = connection
    return cfg


def upgrade(registry, revision: str = "head") -> None:
    """Create or upgrade the schema of ``registry`` (a :class:`~anagen.registry.Registry`)."""
    with registry.engine.begin() as conn:
        command.upgrade(_config(conn), revision)


def downgrade(registry, revision: str = "base") -> None:
    """Downgrade the schema (``base`` drops everything the migrations created)."""
    with registry.engine.begin() as conn:
        command.downgrade(_config(conn), revision)


def current_revision(registry) -> str | None:
    with registry.engine.connect() as conn:
        rev = MigrationContext.configure(conn).get_current_revision()
        if conn.dialect.name == "sqlite":
            conn.rollback()
        return rev


def head_revision() -> str | None:
    cfg = Config()
    cfg.set_main_option("script_location", str(_HERE))
    return ScriptDirectory.from_config(cfg).get_current_head()
