"""users.token_version: a counter carried in every access token, raised to revoke them all.

Signing out, deactivation, a password or role change raise it, so tokens issued before stop
working at once instead of after their 15 minutes.

Revision ID: 0009_user_token_version
Revises: 0008_attachments
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_user_token_version"
down_revision = "0008_attachments"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A users table made by create_all after this change has the column already.
    existing = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("users")}
    if "token_version" not in existing:
        with op.batch_alter_table("users") as batch_op:
            batch_op.add_column(
                sa.Column("token_version", sa.Integer(), nullable=False, server_default="0")
            )


def downgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("token_version")
