"""The published figures' tallies (stat_figures), kept at each step like stat_cases: a step
takes the case's tallies as its events were out of the sums and puts them in as they are now,
in the step's transaction, so the statistics workbook adds up counter rows instead of reading
every event. `suitiao reindex` recounts them from the events, one batch of cases at a time.

PostgreSQL: the upserts run after stat_cases' and in key order, as those do, so two steps of one
organisation wait for each other briefly and never deadlock.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from operator import attrgetter
from typing import Any

from sqlalchemy import Connection, and_, case, delete, func, insert, select

from engine.audit_events import audit_events
from engine.domain.events import CaseEvent
from standard_rules.figure_tallies import ACTIVE, LAST, TallyKey, case_tallies, year_earlier
from storage.driver import adding_upsert
from storage.tables import StatFigureRecord

stat_figures_t = StatFigureRecord.__table__  # type: ignore[attr-defined]
KEY = ("court_org", "mediator_org", "org", "day", "tally", "bucket")
Pair = tuple[str, str]  # (court, mediating organisation) the case is filed under, "" for none
FigureKey = tuple[str, str, str, int, str, int]
CaseFigures = tuple[Pair, Sequence[CaseEvent]]
# A case's tallies where it is filed (a step has them from the events it audited already).
CaseTallies = tuple[Pair, Mapping[TallyKey, float]]
_ORDER = attrgetter("ts", "seq")


def pair(values: Mapping[Any, Any]) -> Pair:
    return (values["court_org"] or "", values["mediator_org"] or "")


def case_figures(events: Iterable[CaseEvent]) -> dict[TallyKey, float]:
    """A case's tallies from its engine events, in the order the audit reads them."""
    return case_tallies(sorted(audit_events(events), key=_ORDER))


def _add(into: dict[FigureKey, float], filed: CaseTallies, sign: float = 1.0) -> None:
    (court, cpa), tallies = filed
    for (org, day, tally, bucket), value in tallies.items():
        key = (court, cpa, org, day, tally, bucket)
        into[key] = into.get(key, 0.0) + sign * value


def _sum(into: dict[FigureKey, float], cases: Iterable[CaseFigures], sign: float = 1.0) -> None:
    for filed, events in cases:
        _add(into, (filed, case_figures(events)), sign)


def move_tallies(conn: Connection, old: CaseTallies | None, new: CaseTallies) -> None:
    """Take a case out of the tallies as it was (`old`, None for a new case), in as it is."""
    deltas: dict[FigureKey, float] = {}
    if old is not None:
        _add(deltas, old, -1.0)
    _add(deltas, new)
    _apply(conn, deltas)


def add_figures(conn: Connection, cases: Iterable[CaseFigures]) -> None:
    """Count many new cases at once (bulk inserts): one upsert per key, not per case."""
    deltas: dict[FigureKey, float] = {}
    _sum(deltas, cases)
    _apply(conn, deltas)


_UPSERT = adding_upsert(stat_figures_t, KEY, ["value"])


def _apply(conn: Connection, deltas: Mapping[FigureKey, float]) -> None:
    rows = [{**dict(zip(KEY, k, strict=True)), "value": v} for k, v in sorted(deltas.items()) if v]
    _UPSERT.many(conn, rows)  # in key order: concurrent steps lock rows in one order


def recount(cases: Iterable[CaseFigures], into: dict[FigureKey, float]) -> None:
    """Add cases to the tallies as their events say they should be (for reindex)."""
    _sum(into, cases)


def stored(conn: Connection) -> dict[FigureKey, float]:
    found: dict[FigureKey, float] = {}
    for row in conn.execute(select(stat_figures_t)).all():
        if row.value:  # a key every case has left keeps a row of zero
            found[tuple(getattr(row, k) for k in KEY)] = float(row.value)
    return found


def compare(conn: Connection, want: Mapping[FigureKey, float], *, repair: bool) -> list[str]:
    """The tally keys whose stored sums differ from `want` (rewritten with `repair`)."""
    want = {k: v for k, v in want.items() if v}
    have = stored(conn)
    differing = sorted(
        "stat_figures " + "/".join(map(str, k))
        for k in set(want) | set(have)
        if not math.isclose(want.get(k, 0.0), have.get(k, 0.0), rel_tol=1e-9, abs_tol=1e-9)
    )
    if differing and repair:
        conn.execute(delete(stat_figures_t))
        rows = [{**dict(zip(KEY, k, strict=True)), "value": v} for k, v in sorted(want.items())]
        for start in range(0, len(rows), 5000):
            conn.execute(insert(stat_figures_t), rows[start : start + 5000])
    return differing


@dataclass(frozen=True)
class FigureRead:
    """What statistics_from_tallies needs, read in a few grouped queries."""

    tallies: list[tuple[TallyKey, float]]
    cases_seen: int
    registrations: list[tuple[str, int, float]]
    latest: int


def read_tallies(
    conn: Connection, where: Any, start: date | None, end: date | None, *, by_day: bool
) -> FigureRead:
    """The tallies of the cases `where` selects, summed in SQL over organisation pairs and, when
    the figures are not grouped by period (`by_day` false), over the window's days too: rows per
    organisation, tally and duration, however many days and cases. Besides: the cases with an
    event in the window (one sum), the latest event day (when the window is open-ended) and the
    registrations the year-earlier figure counts."""
    f = stat_figures_t.c
    lo = start.toordinal() if start else None
    hi = end.toordinal() if end else None
    in_window = [f.day >= lo] if lo is not None else []
    in_window += [f.day <= hi] if hi is not None else []
    latest = 0
    if lo is None or hi is None:
        found = select(func.max(f.day)).where(where, f.tally == LAST, f.value != 0)
        latest = int(conn.execute(found).scalar() or 0)
    # Not by period: every row of the window stands on one day of it (any day would do).
    columns = (f.org, f.day, f.tally, f.bucket) if by_day else (f.org, f.tally, f.bucket)
    stmt = (
        select(*columns, func.sum(f.value))
        .where(where, f.tally.not_in((ACTIVE, LAST)), *in_window)
        .group_by(*columns)
    )
    one_day = lo or hi or 1
    tallies = [
        ((str(r[0]), int(r[1]) if by_day else one_day, str(r[-3]), int(r[-2])), float(r[-1] or 0))
        for r in conn.execute(stmt).all()
    ]
    cases_seen = _cases_seen(conn, where, lo, hi)
    # The same period a year earlier: by period, any day may be asked for (rows per day).
    registered = select(f.org, f.day, func.sum(f.value)).where(where, f.tally == "registered")
    if not by_day:
        back_lo, back_hi = year_earlier(start, end, latest)
        registered = registered.where(f.day >= back_lo, f.day <= back_hi)
    registrations = [
        (str(org), int(d), float(n or 0.0))
        for org, d, n in conn.execute(registered.group_by(f.org, f.day)).all()
    ]
    return FigureRead(tallies, cases_seen, registrations, latest)


def _cases_seen(conn: Connection, where: Any, lo: int | None, hi: int | None) -> int:
    """The cases with an event in [lo, hi]: each counts at its first event day in the window,
    the day whose previous event day lies before it. Cases' first days (gap 0) are read over
    the window; a gap of g days counts only on the window's first g days, read gap by gap (the
    distinct gaps found by index seeks), so the rows read do not grow with the cases."""
    f = stat_figures_t.c
    firsts = select(func.sum(f.value)).where(where, f.tally == ACTIVE, f.bucket == 0)
    if lo is not None:
        firsts = firsts.where(f.day >= lo)
    if hi is not None:
        firsts = firsts.where(f.day <= hi)
    seen = float(conn.execute(firsts).scalar() or 0.0)
    if lo is None:  # a window open at its start: every case seen began in it
        return round(seen)
    smallest = select(func.min(f.bucket)).where(f.tally == ACTIVE, f.bucket > 0)
    gaps = select(smallest.scalar_subquery().label("g")).cte("gaps", recursive=True)
    following = select(func.min(f.bucket)).where(f.tally == ACTIVE, f.bucket > gaps.c.g)
    gaps = gaps.union_all(
        select(following.scalar_subquery().label("g")).where(gaps.c.g.is_not(None))
    )
    last_day = lo + gaps.c.g - 1  # the last day of the window a gap of g days can count on
    if hi is not None:
        last_day = case((last_day > hi, hi), else_=last_day)
    spans = (
        select(func.sum(f.value))
        .select_from(gaps.join(stat_figures_t, and_(f.tally == ACTIVE, f.bucket == gaps.c.g)))
        .where(where, f.day >= lo, f.day <= last_day)
    )
    return round(seen + float(conn.execute(spans).scalar() or 0.0))
