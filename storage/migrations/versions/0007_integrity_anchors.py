"""Signed anchors for `suitiao verify` (storage/integrity.py): chain heads, letter anchors and
the signed count of cases.

A database upgraded to this version holds no anchors yet: `suitiao verify --seal` signs it as it
stands, once.

Revision ID: 0007_integrity_anchors
Revises: 0006_process_versions
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = "0007_integrity_anchors"
down_revision = "0006_process_versions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "chain_heads",
        sa.Column("case_id", AutoString(length=100), nullable=False),
        sa.Column("mac", AutoString(length=64), nullable=False),
        sa.PrimaryKeyConstraint("case_id"),
    )
    op.create_table(
        "document_anchors",
        sa.Column("document_id", AutoString(length=32), nullable=False),
        sa.Column("case_id", AutoString(length=100), nullable=False),
        sa.Column("mac", AutoString(length=64), nullable=False),
        sa.PrimaryKeyConstraint("document_id"),
    )
    with op.batch_alter_table("document_anchors", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_document_anchors_case_id"), ["case_id"], unique=False)
    op.create_table(
        "integrity_ledger",
        sa.Column("name", AutoString(length=32), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("mac", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("integrity_ledger")
    with op.batch_alter_table("document_anchors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_document_anchors_case_id"))
    op.drop_table("document_anchors")
    op.drop_table("chain_heads")
