"""Patients: the Sinclair scale (women) joins norwood_hamilton, ludwig and savin.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_OLD = "stage_scale IN ('norwood_hamilton', 'ludwig', 'savin')"
_NEW = "stage_scale IN ('norwood_hamilton', 'ludwig', 'savin', 'sinclair')"


def _swap(cond: str) -> None:
    with op.batch_alter_table("patients") as batch:
        batch.drop_constraint(op.f("ck_patients_stage_scale_range"), type_="check")
        batch.create_check_constraint("stage_scale_range", cond)


def upgrade() -> None:
    _swap(_NEW)


def downgrade() -> None:
    _swap(_OLD)
