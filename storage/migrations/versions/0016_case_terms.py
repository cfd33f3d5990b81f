"""case_terms: the case search index (storage/case_terms.py), filled from every case.

Revision ID: 0016_case_terms
Revises: 0015_task_assignee
Create Date: 2026-12-07
"""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = "0016_case_terms"
down_revision = "0015_task_assignee"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_case_terms_term", ["term", "opened_ts", "case_id"]),
    ("ix_case_terms_court", ["court_org", "term", "opened_ts", "case_id"]),
    ("ix_case_terms_cpa", ["mediator_org", "term", "opened_ts", "case_id"]),
)
BATCH = 1000


def upgrade() -> None:
    from engine.ports import StoredCase
    from storage.case_terms import INSERT_TERMS, case_terms
    from storage.tables import TERM_TYPE

    bind = op.get_bind()
    if "case_terms" not in sa.inspect(bind).get_table_names():
        op.create_table(
            "case_terms",
            sa.Column("case_id", AutoString(length=100), nullable=False),
            sa.Column("term", TERM_TYPE, nullable=False),
            sa.Column("court_org", AutoString(length=200), nullable=True),
            sa.Column("mediator_org", AutoString(length=200), nullable=True),
            sa.Column("opened_ts", sa.Float(), nullable=False),
            sa.PrimaryKeyConstraint("case_id", "term"),
            sqlite_with_rowid=False,
        )
        for name, columns in INDEXES:
            op.create_index(name, "case_terms", columns, unique=False)
    cases = sa.table(
        "cases",
        sa.column("id", sa.String),
        sa.column("process_id", sa.String),
        sa.column("status", sa.String),
        sa.column("court_org", sa.String),
        sa.column("mediator_org", sa.String),
        sa.column("opened_ts", sa.Float),
        sa.column("facts", sa.Text),
    )
    terms = sa.table("case_terms", sa.column("case_id", sa.String))
    now = datetime.now(UTC)  # not read by case_terms()
    last = ""
    while True:  # every case, open or closed, a batch at a time (keyset on the id)
        query = sa.select(cases).where(cases.c.id > last).order_by(cases.c.id).limit(BATCH)
        found = bind.execute(query).all()
        if not found:
            return
        rows = []
        for row in found:
            stored = StoredCase(
                id=row.id,
                process_id=row.process_id,
                status=row.status,
                version=0,
                opened_at=datetime.fromtimestamp(row.opened_ts, UTC),
                updated_at=now,
                workflow=b"",
                court_org=row.court_org,
                mediator_org=row.mediator_org,
                facts=orjson.loads(row.facts),
            )
            rows += case_terms(stored)
        ids = [row.id for row in found]
        bind.execute(sa.delete(terms).where(terms.c.case_id.in_(ids)))
        if rows:
            bind.execute(INSERT_TERMS, rows)
        last = found[-1].id


def downgrade() -> None:
    op.drop_table("case_terms")
