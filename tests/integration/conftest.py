"""Case stores under test: memory, SQLite in a temporary file, and PostgreSQL.

PostgreSQL runs on a database of its own, created for the session (suitiao_test_<random>) and
dropped at the end. SUITIAO_TEST_PG names another server (a libpq connection string for the
maintenance database, default `host=127.0.0.1 port=5432 user=postgres dbname=postgres`). When the
server cannot be reached the PostgreSQL tests are skipped with the reason, except under CI (the
CI environment variable is set), where they fail: CI promises a server.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

import psycopg
import pytest
from psycopg import sql
from sqlalchemy import Engine, text
from sqlmodel import SQLModel

from engine.bpmn.specs import SpecLibrary
from engine.ports import CaseStore
from standard_rules.legal_calendar import default_calendar
from standard_rules.pack import default_pack
from storage.memory import MemoryCaseStore
from storage.sql import SqlCaseStore, create_schema, make_engine
from tests.workflows.conftest import Driver

MAINTENANCE_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres connect_timeout=5"


def _server_unavailable(reason: str) -> NoReturn:
    if os.environ.get("CI"):
        pytest.fail(f"PostgreSQL is required under CI but {reason}", pytrace=False)
    pytest.skip(f"PostgreSQL not reachable ({reason}); set CI=1 to make this an error")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    dsn = os.environ.get("SUITIAO_TEST_PG", MAINTENANCE_DSN)
    name = f"suitiao_test_{secrets.token_hex(6)}"
    try:
        admin = psycopg.connect(dsn, autocommit=True)
    except psycopg.Error as exc:
        _server_unavailable(f"connecting with {dsn!r} failed: {exc}")
    with admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        info = admin.info
        host, port, user = info.host, info.port, info.user
    url = f"postgresql://{user}@{host}:{port}/{name}"
    try:
        yield url
    finally:
        with psycopg.connect(dsn, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@pytest.fixture(scope="session")
def postgres_engine(postgres_url: str) -> Iterator[Engine]:
    engine = make_engine(postgres_url)
    create_schema(engine)
    try:
        yield engine
    finally:
        engine.dispose()


def _empty(engine: Engine) -> None:
    """Every table of the schema emptied (cases, events, timers, leases and whatever else)."""
    names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE TABLE {names} RESTART IDENTITY CASCADE"))


SQL_STORES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
STORES = ["memory", *SQL_STORES]


def _sql(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlCaseStore]:
    """An empty SQL store: a new SQLite file, or the session's PostgreSQL database emptied."""
    if kind == "sqlite":
        sqlite = SqlCaseStore.from_url(f"sqlite:///{tmp_path / 'suitiao.db'}")
        try:
            yield sqlite
        finally:
            sqlite.engine.dispose()
        return
    engine: Engine = request.getfixturevalue("postgres_engine")
    _empty(engine)
    yield SqlCaseStore(engine)


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[CaseStore]:
    """An empty case store of each kind."""
    if request.param == "memory":
        yield MemoryCaseStore()
        return
    yield from _sql(request.param, request, tmp_path)


@pytest.fixture(params=SQL_STORES)
def sql_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlCaseStore]:
    """An empty SQL store of each kind (the read models live in SQL)."""
    yield from _sql(request.param, request, tmp_path)


@pytest.fixture(scope="session")
def specs() -> SpecLibrary:
    return SpecLibrary()


@pytest.fixture
def make_driver(specs: SpecLibrary) -> Any:
    """Drivers of tests/workflows, here on any store."""

    def make(reload: bool = False, **kwargs: Any) -> Driver:
        return Driver(specs, default_pack(), default_calendar(), reload=reload, **kwargs)

    return make
