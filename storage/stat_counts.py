"""Statistics counters kept at each step: cases and events by organisation pair, month opened,
process, status and outcome (stat_cases), and cases opened by organisation pair and day
(stat_opened). A step moves a case from its old key to its new one (-1 here, +1 there), in the
step's transaction, so /stats and the dashboard add up a few thousand counter rows whatever the
number of cases. `suitiao reindex` recounts them from the case rows.

PostgreSQL: two steps of one organisation lock the same counter row until they commit; the
upserts come last in the step and in key order, so they wait briefly and never deadlock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from standard_rules.eventlog import shanghai_day
from storage.driver import adding_upsert
from storage.tables import StatCaseRecord, StatOpenedRecord

stat_cases_t = StatCaseRecord.__table__  # type: ignore[attr-defined]
stat_opened_t = StatOpenedRecord.__table__  # type: ignore[attr-defined]
CASE_KEY = ("court_org", "mediator_org", "month", "process_id", "status", "outcome")
OPENED_KEY = ("court_org", "mediator_org", "day")
# The case-row columns the counters are keyed on (read before a step moves them).
COLUMNS = ("court_org", "mediator_org", "opened_ts", "process_id", "status", "outcome", "last_seq")

CaseKey = tuple[str, str, str, str, str, str]
OpenedKey = tuple[str, str, int]


def keys(values: Mapping[str, Any]) -> tuple[CaseKey, OpenedKey, int]:
    """The counter keys of a case row's values, and its number of events."""
    day = shanghai_day(float(values["opened_ts"]))
    court, cpa = values["court_org"] or "", values["mediator_org"] or ""
    opened = date.fromordinal(day)
    month = f"{opened.year:04d}-{opened.month:02d}"  # strftime cost more than the upsert
    case_key = (
        court,
        cpa,
        month,
        values["process_id"],
        values["status"],
        values["outcome"] or "",
    )
    return case_key, (court, cpa, day), int(values["last_seq"] or 0)


_UPSERTS = (
    adding_upsert(stat_cases_t, CASE_KEY, ["cases", "events"]),
    adding_upsert(stat_opened_t, OPENED_KEY, ["cases"]),
)


def move_counters(conn: Connection, old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> None:
    """Take a case out of the counters as it was (`old`, None for a new case) and into them
    as it is now."""
    moves = [(values, sign) for values, sign in ((old, -1), (new, 1)) if values is not None]
    _move(conn, moves)


def add_cases(conn: Connection, new: Iterable[Mapping[str, Any]]) -> None:
    """Count many new cases at once (bulk inserts): one upsert per key, not per case."""
    _move(conn, [(values, 1) for values in new])


def _move(conn: Connection, moves: Iterable[tuple[Mapping[str, Any], int]]) -> None:
    case_deltas: dict[CaseKey, list[int]] = {}
    opened_deltas: dict[OpenedKey, int] = {}
    for values, sign in moves:
        case_key, opened_key, events = keys(values)
        delta = case_deltas.setdefault(case_key, [0, 0])
        delta[0] += sign
        delta[1] += sign * events
        opened_deltas[opened_key] = opened_deltas.get(opened_key, 0) + sign
    case_rows = [
        {**dict(zip(CASE_KEY, k, strict=True)), "cases": d[0], "events": d[1]}
        for k, d in sorted(case_deltas.items())
        if d != [0, 0]
    ]
    opened_rows = [
        {**dict(zip(OPENED_KEY, k, strict=True)), "cases": n}
        for k, n in sorted(opened_deltas.items())
        if n
    ]
    for statement, rows in zip(_UPSERTS, (case_rows, opened_rows), strict=True):
        statement.many(conn, rows)  # in key order: concurrent steps lock rows in one order


def recount(
    rows: Iterable[Mapping[str, Any]],
) -> tuple[dict[CaseKey, tuple[int, int]], dict[OpenedKey, int]]:
    """The counters as the case rows say they should be."""
    cases: dict[CaseKey, tuple[int, int]] = {}
    opened: dict[OpenedKey, int] = {}
    for values in rows:
        case_key, opened_key, events = keys(values)
        n, e = cases.get(case_key, (0, 0))
        cases[case_key] = (n + 1, e + events)
        opened[opened_key] = opened.get(opened_key, 0) + 1
    return cases, opened


def stored_counts(conn: Connection) -> tuple[dict[CaseKey, tuple[int, int]], dict[OpenedKey, int]]:
    cases: dict[CaseKey, tuple[int, int]] = {}
    for row in conn.execute(select(stat_cases_t)).all():
        if row.cases or row.events:  # a key every case has left keeps a row of zeros
            key = tuple(getattr(row, k) for k in CASE_KEY)
            cases[key] = (int(row.cases), int(row.events))
    opened: dict[OpenedKey, int] = {}
    for row in conn.execute(select(stat_opened_t)).all():
        if row.cases:
            opened[(row.court_org, row.mediator_org, int(row.day))] = int(row.cases)
    return cases, opened


def reindex_counters(conn: Connection, cases_t: Any, *, repair: bool) -> list[str]:
    """Recount from the case rows; the counter keys that differed (rewritten with `repair`)."""
    # Streamed, with the options on the statement: on the connection they would outlive it.
    stmt = select(*(cases_t.c[c] for c in COLUMNS)).execution_options(
        stream_results=True, yield_per=5000
    )
    result = conn.execute(stmt)
    want_cases, want_opened = recount(dict(r._mapping) for r in result)
    have_cases, have_opened = stored_counts(conn)
    differing = sorted(
        "stat_cases " + "/".join(k)
        for k in set(want_cases) | set(have_cases)
        if want_cases.get(k) != have_cases.get(k)
    ) + sorted(
        "stat_opened " + "/".join(map(str, k))
        for k in set(want_opened) | set(have_opened)
        if want_opened.get(k) != have_opened.get(k)
    )
    if differing and repair:
        conn.execute(delete(stat_cases_t))
        conn.execute(delete(stat_opened_t))
        rows = [
            {**dict(zip(CASE_KEY, k, strict=True)), "cases": n, "events": e}
            for k, (n, e) in sorted(want_cases.items())
        ]
        if rows:
            conn.execute(insert(stat_cases_t), rows)
        days = [
            {**dict(zip(OPENED_KEY, k, strict=True)), "cases": n}
            for k, n in sorted(want_opened.items())
        ]
        if days:
            conn.execute(insert(stat_opened_t), days)
    return differing
