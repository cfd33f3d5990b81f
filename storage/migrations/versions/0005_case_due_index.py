"""An index on cases (next_due_ts, id), the order in which timer workers claim due cases.

Without it every claim read and sorted all due cases: a burst of 10,000 due timers drained
2.2 times slower (bench/bench_workers.py).

Revision ID: 0005_case_due_index
Revises: 0004_documents_outbox
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_case_due_index"
down_revision = "0004_documents_outbox"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A database made by create_all before migrations existed may have the index already.
    existing = {ix["name"] for ix in sa.inspect(op.get_bind()).get_indexes("cases")}
    if "ix_cases_due" not in existing:
        op.create_index("ix_cases_due", "cases", ["next_due_ts", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_cases_due", table_name="cases")
