"""finding_counts and stat_due: the findings read model counted by the columns a summary filters
on (storage/finding_counts.py), and open cases by the day of their next deadline
(storage/due_counts.py), so the dashboard and /stats add up rows that grow with days and
organisations, not with cases. Filled from finding_rows and the case rows.

Revision ID: 0018_finding_counts
Revises: 0017_stat_figures
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = "0018_finding_counts"
down_revision = "0017_stat_figures"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "finding_counts",
        sa.Column("rule", AutoString(length=16), nullable=False),
        sa.Column("org", AutoString(length=200), nullable=False),
        sa.Column("kind", AutoString(length=16), nullable=False),
        sa.Column("visible_from", sa.Integer(), nullable=False),
        sa.Column("status", AutoString(length=8), nullable=False),
        sa.Column("day_sort", sa.Integer(), nullable=False),
        sa.Column("court_org", AutoString(length=200), nullable=False),
        sa.Column("mediator_org", AutoString(length=200), nullable=False),
        sa.Column("findings", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            *("rule", "org", "kind", "visible_from", "status", "day_sort"),
            *("court_org", "mediator_org"),
        ),
    )
    op.create_table(
        "stat_due",
        sa.Column("court_org", AutoString(length=200), nullable=False),
        sa.Column("mediator_org", AutoString(length=200), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("cases", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("court_org", "mediator_org", "day"),
    )
    from storage.due_counts import reindex_due
    from storage.finding_counts import reindex_finding_counts
    from storage.sql import cases_t

    reindex_finding_counts(op.get_bind(), repair=True)
    reindex_due(op.get_bind(), cases_t, repair=True)


def downgrade() -> None:
    op.drop_table("stat_due")
    op.drop_table("finding_counts")
