"""Generated documents (stored with their case, hashed) and the notification outbox.

Revision ID: 0004_documents_outbox
Revises: 0003_accounts_idempotency
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = "0004_documents_outbox"
down_revision = "0003_accounts_idempotency"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "documents",
        sa.Column("id", AutoString(length=32), nullable=False),
        sa.Column("case_id", AutoString(length=100), nullable=False),
        sa.Column("kind", AutoString(length=64), nullable=False),
        sa.Column("format", AutoString(length=8), nullable=False),
        sa.Column("sha256", AutoString(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("created_ts", sa.Float(), nullable=False),
        sa.Column("created_by", AutoString(length=100), nullable=True),
        sa.Column("served_via", AutoString(length=32), nullable=True),
        sa.Column("served_ts", sa.Float(), nullable=True),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_documents_case_id"), ["case_id"], unique=False)

    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", AutoString(length=300), nullable=False),
        sa.Column("case_id", AutoString(length=100), nullable=False),
        sa.Column("kind", AutoString(length=16), nullable=False),
        sa.Column("channel", AutoString(length=16), nullable=False),
        sa.Column("recipient", AutoString(length=200), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("due_ts", sa.Float(), nullable=False),
        sa.Column("next_ts", sa.Float(), nullable=False),
        sa.Column("status", AutoString(length=8), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sent_ts", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_case_id"), ["case_id"], unique=False)
        batch_op.create_index("ix_outbox_due", ["status", "next_ts"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_recipient"), ["recipient"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_recipient"))
        batch_op.drop_index("ix_outbox_due")
        batch_op.drop_index(batch_op.f("ix_outbox_case_id"))

    op.drop_table("outbox")
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_documents_case_id"))

    op.drop_table("documents")
