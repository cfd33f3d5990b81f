"""The read-model statements a step runs on the driver's cursor (storage/driver.py): they write
in the step's transaction, fail as SQLAlchemy statements fail, and on PostgreSQL in a pipeline."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, bindparam, insert, select
from sqlalchemy.exc import IntegrityError

from storage.driver import DriverStatement, pipelined
from storage.sql import SqlCaseStore

_table = Table(
    "driver_probe", MetaData(), Column("k", Integer, primary_key=True), Column("v", Integer)
)
_INSERT = DriverStatement(insert(_table))
_READ = DriverStatement(select(_table.c.v).where(_table.c.k == bindparam("b_k")))


@pytest.fixture
def probe(sql_store: SqlCaseStore) -> Iterator[SqlCaseStore]:
    _table.drop(sql_store.engine, checkfirst=True)  # not among the tables the fixture empties
    _table.create(sql_store.engine)
    yield sql_store
    _table.drop(sql_store.engine)


def test_a_duplicate_is_an_integrity_error_and_nothing_of_the_transaction_stays(
    probe: SqlCaseStore,
) -> None:
    with pytest.raises(IntegrityError), probe.engine.begin() as conn, pipelined(conn):
        _INSERT.many(conn, [{"k": 1, "v": 10}])
        _INSERT.many(conn, [{"k": 2, "v": 20}, {"k": 2, "v": 21}])
    with probe.engine.connect() as conn:
        assert conn.execute(select(_table)).all() == []


def test_rows_written_in_a_pipeline_are_read_back_within_it(probe: SqlCaseStore) -> None:
    with probe.engine.begin() as conn, pipelined(conn):
        _INSERT.many(conn, [{"k": 1, "v": 10}, {"k": 2, "v": 20}])
        assert _READ.rows(conn, {"b_k": 2}) == [(20,)]
        _INSERT.one(conn, {"k": 3, "v": 30})
    with probe.engine.connect() as conn:
        assert [tuple(r) for r in conn.execute(select(_table).order_by(_table.c.k))] == [
            (1, 10),
            (2, 20),
            (3, 30),
        ]
