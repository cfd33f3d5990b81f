"""Alembic migrations: from an empty database, between versions with data in place, and
down again; the migrated schema is what the code's tables declare."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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
            "0019_task_rows_compact"
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


def test_0016_indexes_the_cases_already_stored(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'm.db'}")
    upgrade(engine, "0014_case_pack_version")
    with engine.begin() as conn:
        conn.execute(
            text(
                "insert into cases (id, process_id, status, version, opened_ts, updated_ts,"
                " last_seq, last_hash, facts, workflow, court_org) values"
                " ('(2026)浙1082民诉前调0007号', 'pre_filing_referral', 'closed', 1, 0, 0, 0,"
                ' \'x\', \'{"consumer": {"name": "王伟", "phone": "13900001111"}}\', x\'00\','
                " '临海市人民法院')"
            )
        )
    upgrade(engine)
    with engine.connect() as conn:
        terms = set(conn.execute(text("select term from case_terms")).scalars())
    assert {"王伟", "1111", "7号", "(2026)浙1082民诉前调7号"} <= terms
    downgrade(engine, "0014_case_pack_version")
    assert "case_terms" not in inspect(engine).get_table_names()


def _task_schema(engine: Any) -> tuple[str, str]:
    with engine.connect() as conn:
        table = conn.execute(text("select sql from sqlite_master where name = 'task_rows'"))
        index = conn.execute(
            text("select sql from sqlite_master where name = 'ix_task_rows_assignee_due'")
        )
        return str(table.scalar()), str(index.scalar())


def test_0019_keeps_the_task_rows_and_makes_the_table_without_rowid(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'm.db'}")
    upgrade(engine, "0018_finding_counts")
    row = (
        "insert into task_rows (case_id, task_id, bpmn_id, process_id, status, court_org,"
        " mediator_org, acting_org, roles, title_zh, due, due_sort, provisional, search,"
        " assignee) values ('C-1', 't-1', 'sign', 'pre_filing_referral', 'referred',"
        " '临海市人民法院', '临海市消保委', '临海市消保委', ',mediator,', '签收', '2027-01-05',"
        " 739256, 1, 'c-1 王伟', 'mediator2')"
    )
    with engine.begin() as conn:
        conn.execute(text(row))
    assert "WITHOUT ROWID" not in _task_schema(engine)[0]
    upgrade(engine)
    table, index = _task_schema(engine)
    assert "WITHOUT ROWID" in table
    assert "WHERE assignee IS NOT NULL" in index
    with engine.connect() as conn:
        kept = conn.execute(text("select case_id, task_id, assignee, due_sort from task_rows"))
        assert kept.all() == [("C-1", "t-1", "mediator2", 739256)]
        plan = " ".join(
            str(r[-1])
            for r in conn.execute(
                text(
                    "explain query plan select case_id from task_rows where assignee = 'x'"
                    " order by due_sort"
                )
            )
        )
    assert "ix_task_rows_assignee_due" in plan  # "assigned to me" still reads the index
    downgrade(engine, "0018_finding_counts")
    table, index = _task_schema(engine)
    assert "WITHOUT ROWID" not in table
    assert "WHERE" not in index
    with engine.connect() as conn:
        assert conn.execute(text("select count(*) from task_rows")).scalar() == 1
