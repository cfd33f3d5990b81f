"""task_rows.assignee: the person a supervisor assigned a waiting task to (engine/assignment.py).

The assignment itself is kept in the case's facts (`assigned`), where `suitiao reindex` finds
it; this column is its copy in the read model, indexed for "assigned to me". No case had an
assignment before this revision, so existing rows stay NULL.

Revision ID: 0015_task_assignee
Revises: 0014_case_pack_version
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = "0015_task_assignee"
down_revision = "0014_case_pack_version"
branch_labels = None
depends_on = None

INDEX = "ix_task_rows_assignee_due"


def upgrade() -> None:
    # A task_rows table made by create_all after this change has the column already.
    inspector = sa.inspect(op.get_bind())
    existing = {c["name"] for c in inspector.get_columns("task_rows")}
    indexes = {i["name"] for i in inspector.get_indexes("task_rows")}
    if "assignee" not in existing:
        with op.batch_alter_table("task_rows") as batch:
            batch.add_column(sa.Column("assignee", AutoString(length=64), nullable=True))
    if INDEX not in indexes:
        op.create_index(INDEX, "task_rows", ["assignee", "due_sort", "case_id", "task_id"])


def downgrade() -> None:
    op.drop_index(INDEX, table_name="task_rows")
    with op.batch_alter_table("task_rows") as batch:
        batch.drop_column("assignee")
