"""stat_figures: the published figures' tallies by organisation pair, case organisation, day
and tally (standard_rules/figure_tallies.py), counted here from the cases' events, so the
statistics workbook reads counters from the first request after the upgrade.

Revision ID: 0017_stat_figures
Revises: 0016_case_terms
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = "0017_stat_figures"
down_revision = "0016_case_terms"
branch_labels = None
depends_on = None

BATCH = 500


def upgrade() -> None:
    from storage import figure_counts
    from storage.sql import _event, cases_t, events_t

    bind = op.get_bind()
    if "stat_figures" not in sa.inspect(bind).get_table_names():
        op.create_table(
            "stat_figures",
            sa.Column("court_org", AutoString(length=200), nullable=False),
            sa.Column("mediator_org", AutoString(length=200), nullable=False),
            sa.Column("org", AutoString(length=200), nullable=False),
            sa.Column("day", sa.Integer(), nullable=False),
            sa.Column("tally", AutoString(length=32), nullable=False),
            sa.Column("bucket", sa.Integer(), nullable=False),
            sa.Column("value", sa.Float(), nullable=False),
            sa.PrimaryKeyConstraint("court_org", "mediator_org", "org", "day", "tally", "bucket"),
        )
        for name, indexed in (
            ("ix_stat_figures_day", ["tally", "day", "bucket"]),
            ("ix_stat_figures_gap", ["tally", "bucket", "day"]),
        ):
            op.create_index(name, "stat_figures", indexed, unique=False)
    want: dict[figure_counts.FigureKey, float] = {}
    columns = (cases_t.c.id, cases_t.c.court_org, cases_t.c.mediator_org)
    last = ""
    while True:
        rows = bind.execute(
            sa.select(*columns).where(cases_t.c.id > last).order_by(cases_t.c.id).limit(BATCH)
        ).all()
        if not rows:
            break
        events: dict[str, list[object]] = {}
        for row in bind.execute(
            sa.select(events_t)
            .where(events_t.c.case_id.in_([r.id for r in rows]))
            .order_by(events_t.c.case_id, events_t.c.seq)
        ).all():
            events.setdefault(row.case_id, []).append(_event(row))
        cases = [(figure_counts.pair(r._mapping), events.get(r.id, [])) for r in rows]
        figure_counts.recount(cases, want)  # type: ignore[arg-type]
        last = rows[-1].id
    figure_counts.compare(bind, want, repair=True)


def downgrade() -> None:
    op.drop_index("ix_stat_figures_gap", table_name="stat_figures")
    op.drop_index("ix_stat_figures_day", table_name="stat_figures")
    op.drop_table("stat_figures")
