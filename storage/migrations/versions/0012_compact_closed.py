"""Closed cases' workflow documents compressed in place (storage/compact.py).

Their signed anchors hold the SHA-256 of the document as serialized, not as stored, so they
stay valid. Downgrade writes the plain documents back. Batches of 500 by id keep memory flat.

Revision ID: 0012_compact_closed
Revises: 0011_findings_stats
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from alembic import op

revision = "0012_compact_closed"
down_revision = "0011_findings_stats"
branch_labels = None
depends_on = None

BATCH = 500
cases = sa.table(
    "cases",
    sa.column("id", sa.String),
    sa.column("status", sa.String),
    sa.column("workflow", sa.LargeBinary),
)


def _rewrite(change: Callable[[bytes], bytes]) -> None:
    bind = op.get_bind()
    last = ""
    while True:
        rows = bind.execute(
            sa.select(cases.c.id, cases.c.workflow)
            .where(cases.c.status == "closed", cases.c.id > last)
            .order_by(cases.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        updates = []
        for case_id, stored in rows:
            new = change(bytes(stored))
            if new != bytes(stored):
                updates.append({"b_id": case_id, "b_workflow": new})
        if updates:
            bind.execute(
                sa.update(cases)
                .where(cases.c.id == sa.bindparam("b_id"))
                .values(workflow=sa.bindparam("b_workflow")),
                updates,
            )
        last = rows[-1].id


def upgrade() -> None:
    from storage.compact import pack_workflow

    _rewrite(lambda stored: pack_workflow("closed", stored))


def downgrade() -> None:
    from storage.compact import plain_workflow

    _rewrite(plain_workflow)
