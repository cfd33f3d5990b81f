"""Files attached to a case and corrections of a case's facts (storage/attachments.py).

Revision ID: 0008_attachments
Revises: 0007_integrity_anchors
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = "0008_attachments"
down_revision = "0007_integrity_anchors"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "attachments",
        sa.Column("id", AutoString(length=32), nullable=False),
        sa.Column("case_id", AutoString(length=100), nullable=False),
        sa.Column("kind", AutoString(length=32), nullable=False),
        sa.Column("name", AutoString(length=200), nullable=False),
        sa.Column("media_type", AutoString(length=100), nullable=False),
        sa.Column("sha256", AutoString(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("created_ts", sa.Float(), nullable=False),
        sa.Column("created_by", AutoString(length=100), nullable=True),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attachments_case_id"), ["case_id"], unique=False)
    op.create_table(
        "case_fact_edits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", AutoString(length=100), nullable=False),
        sa.Column("field", AutoString(length=64), nullable=False),
        sa.Column("old_value", AutoString(length=2000), nullable=True),
        sa.Column("new_value", AutoString(length=2000), nullable=False),
        sa.Column("edited_by", AutoString(length=100), nullable=False),
        sa.Column("edited_ts", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("case_fact_edits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_fact_edits_case_id"), ["case_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("case_fact_edits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_fact_edits_case_id"))
    op.drop_table("case_fact_edits")
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attachments_case_id"))
    op.drop_table("attachments")
