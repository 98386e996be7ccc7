"""Migrations up and down on SQLite and PostgreSQL; the schema matches the models."""

from __future__ import annotations

from sqlalchemy import inspect, text

from anagen.registry import Registry, current_revision, downgrade, head_revision, upgrade
from anagen.registry.models import Base


def _tables(reg: Registry) -> set[str]:
    with reg.engine.connect() as c:
        return set(inspect(c).get_table_names()) - {"alembic_version"}


def test_up_down_up(registry_db):
    reg = registry_db.owner()
    assert current_revision(reg) == head_revision() == "0004"
    assert _tables(reg) == set(Base.metadata.tables)
    if reg.is_postgres:
        with reg.engine.connect() as c:
            pol = c.execute(text("SELECT count(*) FROM pg_policies")).scalar()
        assert pol == 4 * 7 + 2 + 1  # 7 tables x 4 + audit (2) + clinics (1)
    downgrade(reg, "0003")
    assert current_revision(reg) == "0003"
    downgrade(reg, "0002")
    assert current_revision(reg) == "0002"
    downgrade(reg, "0001")
    assert current_revision(reg) == "0001"
    if reg.is_postgres:
        with reg.engine.connect() as c:
            assert c.execute(text("SELECT count(*) FROM pg_policies")).scalar() == 0
    downgrade(reg, "base")
    assert current_revision(reg) is None
    assert _tables(reg) == set()
    upgrade(reg)
    assert current_revision(reg) == "0004"
    assert _tables(reg) == set(Base.metadata.tables)


def test_schema_matches_models(registry_db):
    """Alembic's autogenerate finds nothing to change: migrations and models agree."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    reg = registry_db.owner()
    with reg.engine.connect() as c:
        diff = compare_metadata(MigrationContext.configure(c), Base.metadata)
    assert diff == []


def test_sqlite_is_wal(tmp_path):
    from anagen.registry import init_registry

    url = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    init_registry(url)
    reg = Registry(url)
    with reg.engine.connect() as c:
        assert c.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert c.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    reg.dispose()


def test_model_constants_match_the_model():
    from anagen.registry import models as m
    from anagen.scalp import ZONE_NAMES
    from anagen.therapy.patient import MEN_STAGES, WOMEN_STAGES

    assert m.ZONE_NAMES == tuple(ZONE_NAMES)
    assert m.MEN_STAGES == tuple(MEN_STAGES)
    assert set().union(*(m.SCALES[k] for k in ("ludwig", "savin", "sinclair"))) == set(WOMEN_STAGES)


def test_downgrade_refuses_unknown_predictions(registry_db):
    """Revision 0003 cannot hold an 'unknown' prediction: downgrading says so and changes
    nothing (rather than deleting frozen predictions behind the audit trail's back)."""
    import pytest

    from anagen.registry import service as svc
    from tests.registry._helpers import seed

    reg = registry_db.app()
    seed(reg, registry_db.login("carl"))  # minoxidil (a man) at 6, 12, 24: 24 is unknown
    owner = registry_db.owner()
    with pytest.raises(RuntimeError, match=r"1 frozen prediction\(s\) say 'unknown'"):
        downgrade(owner, "0003")
    assert current_revision(owner) == "0004"
    with owner.session(None) as s:
        assert all(r.ok for r in svc.verify_audit(s, None))
