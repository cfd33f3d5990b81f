"""Alembic migrations: from an empty database, between versions with data in place, and
down again; the migrated schema is what the code's tables declare."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlmodel import SQLModel

import storage.accounts
import storage.attachments
import storage.documents
import storage.idempotency
import storage.integrity
import storage.outbox
import storage.tables
from storage.migrate import downgrade, upgrade


def test_empty_database_migrates_to_the_declared_schema(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'm.db'}")
    upgrade(engine)
    with engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), SQLModel.metadata
        )
    assert diff == [], diff
    with engine.connect() as conn:
        assert conn.execute(text("select version_num from alembic_version")).scalar() == (
            "0017_stat_figures"
        )


def test_upgrade_from_the_first_version_keeps_data(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'm.db'}")
    upgrade(engine, "0001_cases_events_timers")
    assert "timer_leases" not in inspect(engine).get_table_names()
    with engine.begin() as conn:
        conn.execute(
            text(
                "insert into cases (id, process_id, status, version, opened_ts, updated_ts,"
                " last_seq, last_hash, facts, workflow) values ('(2026)浙1082民诉前调1号',"
                " 'pre_filing_referral', 'intake', 1, 0, 0, 0, 'x', '{}', x'00')"
            )
        )
    upgrade(engine)
    assert "timer_leases" in inspect(engine).get_table_names()
    with engine.connect() as conn:
        assert conn.execute(text("select id from cases")).scalar() == "(2026)浙1082民诉前调1号"
    downgrade(engine, "0001_cases_events_timers")
    assert "timer_leases" not in inspect(engine).get_table_names()
    with engine.connect() as conn:
        assert conn.execute(text("select count(*) from cases")).scalar() == 1


def test_a_database_made_before_migrations_is_adopted(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'm.db'}")
    tables = storage.tables
    SQLModel.metadata.create_all(
        engine,
        tables=[
            t.__table__  # type: ignore[attr-defined]
            for t in (tables.CaseRow, tables.EventRow, tables.TimerRow)
        ],
    )
    upgrade(engine)
    assert "timer_leases" in inspect(engine).get_table_names()
