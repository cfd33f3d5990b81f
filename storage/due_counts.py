"""Open cases counted by organisation pair and the Shanghai day their next deadline falls on,
kept with the case row: "due within three days" (/stats) adds up the days up to the third
after today instead of counting every open case with a due date (at a province's 100,000 open
cases, most of them).

A step moves its case from its old day to its new one (a closed case, or one with no deadline,
is on none), in the step's transaction, after the finding counts and before the statistics
counters (storage/sql.py): every step takes the counter rows of one table after another and
each in key order, so steps on PostgreSQL never deadlock. `suitiao reindex` recounts them from
the case rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select

from standard_rules.eventlog import shanghai_day
from storage.driver import adding_upsert
from storage.tables import StatDueRecord

stat_due_t = StatDueRecord.__table__  # type: ignore[attr-defined]
KEY = ("court_org", "mediator_org", "day")
COLUMNS = ("court_org", "mediator_org", "status", "next_due_ts")
DueKey = tuple[str, str, int]


def key_of(values: Mapping[Any, Any]) -> DueKey | None:
    """The day a case row is counted on, None when it has no open deadline."""
    due = values.get("next_due_ts")
    if due is None or values.get("status") == "closed":
        return None
    return (values["court_org"] or "", values["mediator_org"] or "", shanghai_day(float(due)))


def move_due(conn: Connection, moves: Iterable[tuple[Mapping[str, Any] | None, int]]) -> None:
    """Count case rows in (+1) or out (-1) of their days; one upsert per day, in key order."""
    moved: dict[DueKey, int] = {}
    for values, sign in moves:
        key = key_of(values) if values is not None else None
        if key is not None:
            moved[key] = moved.get(key, 0) + sign
    changes = sorted((k, n) for k, n in moved.items() if n)
    if not changes:
        return
    rows = [{**dict(zip(KEY, key, strict=True)), "cases": n} for key, n in changes]
    _UPSERT.many(conn, rows)  # in key order


_UPSERT = adding_upsert(stat_due_t, KEY, ["cases"])


def due_by(conn: Connection, where: Any, last_day: int) -> int:
    """Open cases (within `where`, a clause over stat_due) due on or before `last_day`."""
    stmt = select(func.sum(stat_due_t.c.cases)).where(where, stat_due_t.c.day <= last_day)
    return int(conn.execute(stmt).scalar() or 0)


def reindex_due(conn: Connection, cases_t: Any, *, repair: bool) -> list[str]:
    """Recount from the case rows; the keys that differed (rewritten with `repair`)."""
    stmt = select(*(cases_t.c[c] for c in COLUMNS)).execution_options(
        stream_results=True, yield_per=5000
    )
    want: dict[DueKey, int] = {}
    for row in conn.execute(stmt):
        key = key_of(row._mapping)
        if key is not None:
            want[key] = want.get(key, 0) + 1
    have = {
        (r.court_org, r.mediator_org, int(r.day)): int(r.cases)
        for r in conn.execute(select(stat_due_t)).all()
        if r.cases
    }
    differing = sorted(
        "stat_due " + "/".join(map(str, k))
        for k in set(want) | set(have)
        if want.get(k) != have.get(k)
    )
    if differing and repair:
        conn.execute(delete(stat_due_t))
        rows = [{**dict(zip(KEY, k, strict=True)), "cases": n} for k, n in sorted(want.items())]
        if rows:
            conn.execute(insert(stat_due_t), rows)
    return differing
