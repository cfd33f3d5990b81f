"""The read-model statements a step runs, executed on the database driver's own cursor.

Why: a step writes its read model in about ten small statements (task rows, findings, the
counters). Through SQLAlchemy's `Connection.execute` each one cost about 0.05 ms of
bookkeeping (execution context, bind and result processing) against 0.015 ms for the driver
itself: a third of what the read model added to a step (bench/bench_read_model.py). The
statements are still built with SQLAlchemy, once, and compiled once per dialect to SQL text with
named parameters, which sqlite3 (`:name`) and psycopg (`%(name)s`) bind from dicts as they are.
Their values are plain str, int, float, bool and None, which neither driver needs converted.

They run on the connection's transaction: a step's writes still commit or roll back together.
A driver's error is raised as SQLAlchemy's (IntegrityError, OperationalError, ...), as a
statement run through SQLAlchemy would raise it.

On PostgreSQL each statement is a round trip to the server, which cost a step more than the
statement itself: `pipelined` sends a step's read-model statements in one pipeline (psycopg),
and the step waits for the server only where it reads a result and at the end.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.sql.expression import ClauseElement

_NAMED = {"sqlite": "named", "postgresql": "pyformat"}


class DriverStatement:
    """One SQLAlchemy statement, compiled on first use per dialect, run on the DBAPI cursor.
    `statement`: the statement, or what builds it for a dialect's name (an upsert is written
    with each dialect's own INSERT)."""

    def __init__(self, statement: ClauseElement | Callable[[str], ClauseElement]) -> None:
        if isinstance(statement, ClauseElement):
            fixed = statement
            self._build: Callable[[str], ClauseElement] = lambda _name: fixed
        else:
            self._build = statement
        self._text: dict[tuple[str, tuple[str, ...]], str] = {}

    def text(self, dialect: Dialect, keys: tuple[str, ...]) -> str:
        """The SQL for values with these `keys` (an INSERT names only the columns given)."""
        found = self._text.get((dialect.name, keys))
        if found is None:
            style = _NAMED.get(dialect.name, dialect.paramstyle)
            named = dialect
            if dialect.paramstyle != style:  # sqlite3 binds :name as well as the default ?
                named = type(dialect)(paramstyle=style)  # type: ignore[call-arg]
            compiled = self._build(dialect.name).compile(dialect=named, column_keys=list(keys))
            found = self._text[(dialect.name, keys)] = str(compiled)
        return found

    def many(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """Run once per row, in the order given (counter upserts rely on it); none: no call."""
        if not rows:
            return
        sql = self.text(conn.dialect, tuple(rows[0]))
        cursor = conn.connection.cursor()
        try:
            if len(rows) == 1:
                cursor.execute(sql, rows[0])
            else:
                cursor.executemany(sql, rows)
        except conn.dialect.loaded_dbapi.Error as exc:
            raise _translated(sql, rows, exc, conn) from exc
        finally:
            cursor.close()

    def one(self, conn: Connection, values: Mapping[str, Any]) -> None:
        self.many(conn, [values])

    def rows(self, conn: Connection, values: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """A query's rows as tuples, in its columns' order."""
        sql = self.text(conn.dialect, tuple(values))
        cursor = conn.connection.cursor()
        try:
            cursor.execute(sql, values)
            return list(cursor.fetchall())
        except conn.dialect.loaded_dbapi.Error as exc:
            raise _translated(sql, values, exc, conn) from exc
        finally:
            cursor.close()


def adding_upsert(table: Table, key: Sequence[str], sums: Sequence[str]) -> DriverStatement:
    """A counter's upsert: a row's `sums` are added to the stored row of its `key`, or start it."""

    def build(dialect: str) -> ClauseElement:
        stmt = (pg_insert if dialect == "postgresql" else sqlite_insert)(table)
        added = {name: table.c[name] + stmt.excluded[name] for name in sums}
        return stmt.on_conflict_do_update(index_elements=list(key), set_=added)

    return DriverStatement(build)


@contextmanager
def pipelined(conn: Connection) -> Iterator[None]:
    """On PostgreSQL, the driver statements run in here in one pipeline; elsewhere as they are."""
    if conn.dialect.name != "postgresql":
        yield
        return
    dbapi = conn.connection.dbapi_connection
    try:
        with dbapi.pipeline():  # type: ignore[union-attr]
            yield
    except conn.dialect.loaded_dbapi.Error as exc:  # what the server said at a sync
        raise _translated("(pipeline)", None, exc, conn) from exc


def _translated(sql: str, params: Any, exc: Exception, conn: Connection) -> StatementError:
    """A driver's error as SQLAlchemy raises it (IntegrityError, OperationalError, ...)."""
    return DBAPIError.instance(sql, params, exc, conn.dialect.loaded_dbapi.Error)
