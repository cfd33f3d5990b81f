"""Process versions: every deployed set of BPMN files is kept, and a case names its version.

Cases opened on one version of the process files keep running on it after the files change
(engine/bpmn/specs.py); `suitiao processes` lists the versions with their open cases. The
column is filled for existing cases from the `spec_ref` their workflow documents carry.

Revision ID: 0006_process_versions
Revises: 0005_case_due_index
Create Date: 2026-12-07
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = "0006_process_versions"
down_revision = "0005_case_due_index"
branch_labels = None
depends_on = None

SPEC_REF = re.compile(rb'"spec_ref"\s*:\s*"([^"]{1,100})"')


def upgrade() -> None:
    # A database made by create_all before migrations existed may have these already.
    inspector = sa.inspect(op.get_bind())
    if "process_files" in inspector.get_table_names():
        return
    op.create_table(
        "process_files",
        sa.Column("version", AutoString(length=32), nullable=False),
        sa.Column("name", AutoString(length=100), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("deployed_ts", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("version", "name"),
    )
    columns = {c["name"] for c in inspector.get_columns("cases")}
    indexes = {ix["name"] for ix in inspector.get_indexes("cases")}
    with op.batch_alter_table("cases") as batch:
        if "process_ref" not in columns:
            batch.add_column(sa.Column("process_ref", AutoString(length=100), nullable=True))
        if "ix_cases_process_ref" not in indexes:
            batch.create_index("ix_cases_process_ref", ["process_ref"], unique=False)
    bind = op.get_bind()
    cases = sa.table(
        "cases",
        sa.column("id", sa.String),
        sa.column("workflow", sa.LargeBinary),
        sa.column("process_ref", sa.String),
    )
    rows = bind.execute(sa.select(cases.c.id, cases.c.workflow)).all()
    for case_id, workflow in rows:
        found = SPEC_REF.search(bytes(workflow or b"")[-4096:]) or SPEC_REF.search(
            bytes(workflow or b"")
        )
        if found:
            bind.execute(
                cases.update()
                .where(cases.c.id == case_id)
                .values(process_ref=found.group(1).decode())
            )


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_index("ix_cases_process_ref")
        batch.drop_column("process_ref")
    op.drop_table("process_files")
