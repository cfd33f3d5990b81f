"""cases.pack_version and cases.calendar_version: the rule pack and legal calendar a case's
deadlines were last reckoned under (standard_rules/versions.py).

Cases stepped before this revision keep NULL: which pack reckoned them was never recorded, and
guessing today's would be a false statement. Their next step fills both.

Revision ID: 0014_case_pack_version
Revises: 0012_compact_closed
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = "0014_case_pack_version"
down_revision = "0012_compact_closed"
branch_labels = None
depends_on = None

COLUMNS = ("pack_version", "calendar_version")


def upgrade() -> None:
    # A cases table made by create_all after this change has the columns already.
    existing = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("cases")}
    with op.batch_alter_table("cases") as batch:
        for name in COLUMNS:
            if name not in existing:
                batch.add_column(sa.Column(name, AutoString(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        for name in reversed(COLUMNS):
            batch.drop_column(name)
