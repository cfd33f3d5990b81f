"""The engine's tables: cases (with the serialized workflow), events, timers.

Revision ID: 0001_cases_events_timers
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = "0001_cases_events_timers"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("id", AutoString(length=100), nullable=False),
        sa.Column("process_id", AutoString(length=64), nullable=False),
        sa.Column("status", AutoString(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("court_org", AutoString(length=200), nullable=True),
        sa.Column("mediator_org", AutoString(length=200), nullable=True),
        sa.Column("outcome", AutoString(length=64), nullable=True),
        sa.Column("opened_ts", sa.Float(), nullable=False),
        sa.Column("updated_ts", sa.Float(), nullable=False),
        sa.Column("closed_ts", sa.Float(), nullable=True),
        sa.Column("next_due_ts", sa.Float(), nullable=True),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.Column("last_hash", AutoString(length=64), nullable=False),
        sa.Column("facts", sa.Text(), nullable=False),
        sa.Column("workflow", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cases_court_org"), ["court_org"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_mediator_org"), ["mediator_org"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_next_due_ts"), ["next_due_ts"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_process_id"), ["process_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_status"), ["status"], unique=False)

    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", AutoString(length=100), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("activity", AutoString(length=64), nullable=False),
        sa.Column("at", AutoString(length=40), nullable=False),
        sa.Column("ts", sa.Float(), nullable=False),
        sa.Column("actor", AutoString(length=100), nullable=True),
        sa.Column("role", AutoString(length=32), nullable=True),
        sa.Column("org", AutoString(length=200), nullable=True),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("prev_hash", AutoString(length=64), nullable=False),
        sa.Column("hash", AutoString(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id", "seq", name="uq_events_case_seq"),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_events_case_id"), ["case_id"], unique=False)

    op.create_table(
        "timers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", AutoString(length=100), nullable=False),
        sa.Column("task_id", AutoString(length=36), nullable=False),
        sa.Column("name", AutoString(length=100), nullable=False),
        sa.Column("due_ts", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("timers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_timers_case_id"), ["case_id"], unique=False)
        batch_op.create_index("ix_timers_due", ["due_ts"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("timers", schema=None) as batch_op:
        batch_op.drop_index("ix_timers_due")
        batch_op.drop_index(batch_op.f("ix_timers_case_id"))

    op.drop_table("timers")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_events_case_id"))

    op.drop_table("events")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cases_status"))
        batch_op.drop_index(batch_op.f("ix_cases_process_id"))
        batch_op.drop_index(batch_op.f("ix_cases_next_due_ts"))
        batch_op.drop_index(batch_op.f("ix_cases_mediator_org"))
        batch_op.drop_index(batch_op.f("ix_cases_court_org"))

    op.drop_table("cases")
