"""Users, API keys and idempotency records for the HTTP API.

Revision ID: 0003_accounts_idempotency
Revises: 0002_timer_leases
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = "0003_accounts_idempotency"
down_revision = "0002_timer_leases"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("username", AutoString(length=64), nullable=False),
        sa.Column("display_name", AutoString(length=100), nullable=False),
        sa.Column("password_hash", AutoString(length=200), nullable=False),
        sa.Column("role", AutoString(length=32), nullable=False),
        sa.Column("org", AutoString(length=200), nullable=False),
        sa.Column("scope", AutoString(length=16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_ts", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("username"),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", AutoString(length=32), nullable=False),
        sa.Column("name", AutoString(length=100), nullable=False),
        sa.Column("secret_hash", AutoString(length=64), nullable=False),
        sa.Column("role", AutoString(length=32), nullable=False),
        sa.Column("org", AutoString(length=200), nullable=False),
        sa.Column("scope", AutoString(length=16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_ts", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "idempotency",
        sa.Column("principal", AutoString(length=120), nullable=False),
        sa.Column("key", AutoString(length=255), nullable=False),
        sa.Column("fingerprint", AutoString(length=64), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("etag", AutoString(length=40), nullable=True),
        sa.Column("created_ts", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("principal", "key"),
    )
    op.create_index("ix_idempotency_created_ts", "idempotency", ["created_ts"])


def downgrade() -> None:
    op.drop_index("ix_idempotency_created_ts", table_name="idempotency")
    op.drop_table("idempotency")
    op.drop_table("api_keys")
    op.drop_table("users")
