"""Leases that let several timer workers share one database.

Revision ID: 0002_timer_leases
Revises: 0001_cases_events_timers
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = "0002_timer_leases"
down_revision = "0001_cases_events_timers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "timer_leases",
        sa.Column("case_id", AutoString(length=100), nullable=False),
        sa.Column("worker", AutoString(length=64), nullable=False),
        sa.Column("until_ts", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("case_id"),
    )


def downgrade() -> None:
    op.drop_table("timer_leases")
