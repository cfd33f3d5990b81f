"""The waiting-task read model (task_rows), filled from the open cases' saved task lists.

Revision ID: 0010_task_rows
Revises: 0009_user_token_version
Create Date: 2026-12-07
"""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = "0010_task_rows"
down_revision = "0009_user_token_version"
branch_labels = None
depends_on = None
COLUMNS = frozenset(
    [
        "case_id",
        "task_id",
        "bpmn_id",
        "process_id",
        "status",
        "court_org",
        "mediator_org",
        "acting_org",
        "roles",
        "title_zh",
        "due",
        "due_sort",
        "provisional",
        "search",
    ]
)


def upgrade() -> None:
    from engine.ports import StoredCase
    from storage.task_rows import task_rows, task_rows_t

    bind = op.get_bind()
    if "task_rows" not in sa.inspect(bind).get_table_names():
        op.create_table(
            "task_rows",
            sa.Column("case_id", AutoString(length=100), nullable=False),
            sa.Column("task_id", AutoString(length=36), nullable=False),
            sa.Column("bpmn_id", AutoString(length=64), nullable=False),
            sa.Column("process_id", AutoString(length=64), nullable=False),
            sa.Column("status", AutoString(length=32), nullable=False),
            sa.Column("court_org", AutoString(length=200), nullable=True),
            sa.Column("mediator_org", AutoString(length=200), nullable=True),
            sa.Column("acting_org", AutoString(length=200), nullable=True),
            sa.Column("roles", AutoString(length=100), nullable=False),
            sa.Column("title_zh", AutoString(length=200), nullable=False),
            sa.Column("due", AutoString(length=10), nullable=True),
            sa.Column("due_sort", sa.Integer(), nullable=False),
            sa.Column("provisional", sa.Boolean(), nullable=False),
            sa.Column("search", sa.Text(), nullable=False),
            sa.PrimaryKeyConstraint("case_id", "task_id"),
        )
        for name, columns in (
            ("ix_task_rows_actor_due", ["acting_org", "due_sort", "case_id", "task_id"]),
            ("ix_task_rows_court_due", ["court_org", "due_sort", "case_id", "task_id"]),
            ("ix_task_rows_cpa_due", ["mediator_org", "due_sort", "case_id", "task_id"]),
            ("ix_task_rows_due", ["due_sort", "case_id", "task_id"]),
        ):
            op.create_index(name, "task_rows", columns, unique=False)
    cases = sa.table(
        "cases",
        sa.column("id", sa.String),
        sa.column("process_id", sa.String),
        sa.column("status", sa.String),
        sa.column("court_org", sa.String),
        sa.column("mediator_org", sa.String),
        sa.column("facts", sa.Text),
    )
    now = datetime.now(UTC)  # not read by task_rows()
    query = sa.select(cases).where(cases.c.status != "closed").order_by(cases.c.id)
    for row in bind.execute(query):
        stored = StoredCase(
            id=row.id,
            process_id=row.process_id,
            status=row.status,
            version=0,
            opened_at=now,
            updated_at=now,
            workflow=b"",
            court_org=row.court_org,
            mediator_org=row.mediator_org,
            facts=orjson.loads(row.facts),
        )
        # Only the columns this revision makes: later revisions (0015's assignee) add theirs.
        rows = [{k: v for k, v in r.items() if k in COLUMNS} for r in task_rows(stored)]
        if rows:
            bind.execute(sa.delete(task_rows_t).where(task_rows_t.c.case_id == row.id))
            bind.execute(sa.insert(task_rows_t), rows)


def downgrade() -> None:
    op.drop_table("task_rows")
