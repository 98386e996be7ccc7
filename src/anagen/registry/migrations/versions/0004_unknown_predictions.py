"""Predictions at any planned month: a month past the evidence's follow-up is stored as unknown.

The six numbers of a prediction (change and untreated: median, 10th, 90th percentile) become
nullable; a CHECK keeps each triple all-present or all-empty, and the range CHECKs admit empty.
Downgrading refuses (one clear line) while any prediction says unknown: the older schema cannot
hold it, and deleting frozen predictions would break the audit trail.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_COLS = tuple(f"{a}_{q}" for a in ("change", "untreated") for q in ("median", "low", "high"))
_RANGE = "{c} >= -1000 AND {c} <= 1000"
_ALL_OR_NONE = {
    name: f"({' AND '.join(f'{c} IS NULL' for c in cols)}) OR "
    f"({' AND '.join(f'{c} IS NOT NULL' for c in cols)})"
    for name, cols in (("change_all_or_none", _COLS[:3]), ("untreated_all_or_none", _COLS[3:]))
}


def upgrade() -> None:
    with op.batch_alter_table("predictions") as batch:
        for c in _COLS:
            batch.drop_constraint(op.f(f"ck_predictions_{c}_range"), type_="check")
            batch.alter_column(c, existing_type=sa.Float(), nullable=True)
            batch.create_check_constraint(f"{c}_range", f"{c} IS NULL OR ({_RANGE.format(c=c)})")
        for name, cond in _ALL_OR_NONE.items():
            batch.create_check_constraint(name, cond)


def downgrade() -> None:
    bind = op.get_bind()
    n = bind.execute(
        sa.text(
            "SELECT count(*) FROM predictions WHERE " + " OR ".join(f"{c} IS NULL" for c in _COLS)
        )
    ).scalar()
    if n:
        raise RuntimeError(
            f"cannot downgrade below 0004: {n} frozen prediction(s) say 'unknown' (past the "
            "evidence's follow-up) and revision 0003 cannot store them"
        )
    with op.batch_alter_table("predictions") as batch:
        for name in _ALL_OR_NONE:
            batch.drop_constraint(op.f(f"ck_predictions_{name}"), type_="check")
        for c in _COLS:
            batch.drop_constraint(op.f(f"ck_predictions_{c}_range"), type_="check")
            batch.alter_column(c, existing_type=sa.Float(), nullable=False)
            batch.create_check_constraint(f"{c}_range", _RANGE.format(c=c))
