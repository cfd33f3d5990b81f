"""The findings read model (finding_rows) and the statistics counters (stat_cases,
stat_opened), filled from the cases and their events with the packaged rule pack (a pack with
local rules: `suitiao reindex` then rewrites what they change).

Revision ID: 0011_findings_stats
Revises: 0010_task_rows
Create Date: 2026-12-07
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = "0011_findings_stats"
down_revision = "0010_task_rows"
branch_labels = None
depends_on = None

BATCH = 500


def _create() -> None:
    op.create_table(
        "finding_rows",
        sa.Column("case_id", AutoString(length=100), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("rule", AutoString(length=16), nullable=False),
        sa.Column("kind", AutoString(length=16), nullable=False),
        sa.Column("org", AutoString(length=200), nullable=False),
        sa.Column("court_org", AutoString(length=200), nullable=True),
        sa.Column("mediator_org", AutoString(length=200), nullable=True),
        sa.Column("status", AutoString(length=8), nullable=False),
        sa.Column("due", AutoString(length=10), nullable=True),
        sa.Column("at", AutoString(length=40), nullable=True),
        sa.Column("day_sort", sa.Integer(), nullable=False),
        sa.Column("visible_from", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("message_en", sa.Text(), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("case_id", "n"),
    )
    for name, columns in (
        ("ix_finding_rows_court", ["court_org", "case_id", "n"]),
        ("ix_finding_rows_cpa", ["mediator_org", "case_id", "n"]),
        ("ix_finding_rows_org", ["org", "case_id", "n"]),
        (
            "ix_finding_rows_rule",
            [
                *("rule", "org", "kind", "visible_from", "status", "day_sort"),
                *("court_org", "mediator_org"),
            ],
        ),
        ("ix_finding_rows_visible", ["visible_from"]),
    ):
        op.create_index(name, "finding_rows", columns, unique=False)
    op.create_table(
        "stat_cases",
        sa.Column("court_org", AutoString(length=200), nullable=False),
        sa.Column("mediator_org", AutoString(length=200), nullable=False),
        sa.Column("month", AutoString(length=7), nullable=False),
        sa.Column("process_id", AutoString(length=64), nullable=False),
        sa.Column("status", AutoString(length=32), nullable=False),
        sa.Column("outcome", AutoString(length=64), nullable=False),
        sa.Column("cases", sa.Integer(), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "court_org", "mediator_org", "month", "process_id", "status", "outcome"
        ),
    )
    op.create_table(
        "stat_opened",
        sa.Column("court_org", AutoString(length=200), nullable=False),
        sa.Column("mediator_org", AutoString(length=200), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("cases", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("court_org", "mediator_org", "day"),
    )


def upgrade() -> None:
    from engine.ports import StoredCase
    from storage.findings import default_auditor, write_findings
    from storage.sql import _event, cases_t, events_t
    from storage.stat_counts import reindex_counters

    bind = op.get_bind()
    if "finding_rows" not in sa.inspect(bind).get_table_names():
        _create()
    reindex_counters(bind, cases_t, repair=True)
    auditor = default_auditor()
    now = datetime.now(UTC)  # not read by the findings
    columns = [cases_t.c[c] for c in ("id", "process_id", "status", "court_org", "mediator_org")]
    last = ""
    while True:
        rows = bind.execute(
            sa.select(*columns).where(cases_t.c.id > last).order_by(cases_t.c.id).limit(BATCH)
        ).all()
        if not rows:
            return
        events: dict[str, list[object]] = {}
        for row in bind.execute(
            sa.select(events_t)
            .where(events_t.c.case_id.in_([r.id for r in rows]))
            .order_by(events_t.c.case_id, events_t.c.seq)
        ).all():
            events.setdefault(row.case_id, []).append(_event(row))
        for row in rows:
            case = StoredCase(
                id=row.id,
                process_id=row.process_id,
                status=row.status,
                version=0,
                opened_at=now,
                updated_at=now,
                workflow=b"",
                court_org=row.court_org,
                mediator_org=row.mediator_org,
            )
            write_findings(bind, auditor, case, events.get(row.id, []))  # type: ignore[arg-type]
        last = rows[-1].id


def downgrade() -> None:
    op.drop_table("stat_opened")
    op.drop_table("stat_cases")
    op.drop_table("finding_rows")
