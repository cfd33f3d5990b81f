"""Reads of the findings read model and the statistics counters, limited to what a caller may
see: indexed, keyset-paginated, with totals. Nothing here loads a workflow or an event.

A finding is shown on an audit day when its `visible_from` is not after it (storage/findings.py):
a `missing` period or a `stalled` case counts from the day after its due date.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, func, select, tuple_
from sqlalchemy.sql.elements import ColumnElement

from standard_rules.audit import Finding
from standard_rules.figure_tallies import statistics_from_tallies
from standard_rules.statistics import PERIODS, Grouping, Statistics
from storage.figure_counts import read_tallies, stat_figures_t
from storage.finding_counts import finding_counts_t
from storage.findings import finding_rows_t, row_finding
from storage.scoped import Visibility
from storage.stat_counts import stat_cases_t, stat_opened_t

FindingCursor = tuple[str, int]  # (case_id, n) of the last finding shown


def encode_finding_cursor(cursor: FindingCursor) -> str:
    raw = orjson.dumps(list(cursor))
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_finding_cursor(token: str) -> FindingCursor:
    """The cursor of a token from encode_finding_cursor; ValueError when it is not one."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        case_id, n = orjson.loads(raw)
    except (ValueError, TypeError, orjson.JSONDecodeError) as exc:
        raise ValueError("not a cursor") from exc
    if not (isinstance(case_id, str) and type(n) is int):
        raise ValueError("not a cursor")
    return (case_id, n)


@dataclass(frozen=True)
class FindingFilter:
    """Which findings a list shows on audit day `as_of_day` (an ordinal); every field narrows."""

    as_of_day: int
    org: str = ""  # the organisation the finding is filed under (the case's, as the audit says)
    rule: str = ""
    kind: str = ""
    status: str = ""  # open | closed: whether the case is still running
    day_from: int | None = None  # the finding's day (due date, else its event's day), ordinals
    day_to: int | None = None

    def where(self, scope: Visibility, table: Any = finding_rows_t) -> list[ColumnElement[bool]]:
        """Over the finding rows, or over their counts (same column names)."""
        f = table.c
        clauses = [scope.where(table), f.visible_from <= self.as_of_day]
        for column, value in ((f.org, self.org), (f.rule, self.rule), (f.kind, self.kind)):
            if value:
                clauses.append(column == value)
        if self.status:
            clauses.append(f.status == self.status)
        if self.day_from is not None:
            clauses.append(f.day_sort >= self.day_from)
        if self.day_to is not None:
            clauses.append(f.day_sort <= self.day_to)
        return clauses


@dataclass(frozen=True)
class FindingPage:
    findings: list[Finding]
    total: int
    next: FindingCursor | None


@dataclass(frozen=True)
class FindingSummary:
    total: int
    by_rule: dict[str, int]
    by_org: dict[str, int]
    by_kind: dict[str, int]


class FindingReads:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def page(
        self,
        scope: Visibility,
        chosen: FindingFilter,
        *,
        after: FindingCursor | None = None,
        limit: int = 100,
    ) -> FindingPage:
        f = finding_rows_t.c
        where = chosen.where(scope)
        stmt = select(finding_rows_t).where(*where)
        if after is not None:
            stmt = stmt.where(tuple_(f.case_id, f.n) > tuple_(*after))
        stmt = stmt.order_by(f.case_id, f.n).limit(limit + 1)
        with self.engine.connect() as conn:
            rows = conn.execute(stmt).all()
            counted = self._total(conn, scope, chosen)
        more = len(rows) > limit
        rows = rows[:limit]
        cursor = (rows[-1].case_id, int(rows[-1].n)) if more and rows else None
        return FindingPage([row_finding(r) for r in rows], counted, cursor)

    def _total(self, conn: Connection, scope: Visibility, chosen: FindingFilter) -> int:
        c = finding_counts_t
        stmt = select(func.sum(c.c.findings)).where(*chosen.where(scope, c))
        return int(conn.execute(stmt).scalar() or 0)

    def summary(self, scope: Visibility, chosen: FindingFilter) -> FindingSummary:
        """Counts by rule, organisation and kind: one grouped sum over the finding counts
        (storage/finding_counts.py), which grow with days and organisations, not cases."""
        c = finding_counts_t.c
        stmt = (
            select(c.rule, c.org, c.kind, func.sum(c.findings))
            .where(*chosen.where(scope, finding_counts_t))
            .group_by(c.rule, c.org, c.kind)
        )
        by_rule: dict[str, int] = {}
        by_org: dict[str, int] = {}
        by_kind: dict[str, int] = {}
        with self.engine.connect() as conn:
            for rule, org, kind, n in conn.execute(stmt).all():
                if not n:
                    continue
                for table, key in ((by_rule, rule), (by_org, org), (by_kind, kind)):
                    table[key] = table.get(key, 0) + int(n)
        return FindingSummary(sum(by_rule.values()), by_rule, by_org, by_kind)

    # -- statistics counters -----------------------------------------------------------------

    def counters(self, scope: Visibility) -> dict[str, Any]:
        """Cases and events, and cases by status, process and outcome, from the counters."""
        s = stat_cases_t.c
        stmt = (
            select(s.status, s.process_id, s.outcome, func.sum(s.cases), func.sum(s.events))
            .where(scope.where(stat_cases_t))
            .group_by(s.status, s.process_id, s.outcome)
        )
        figures: dict[str, Any] = {
            "cases": 0,
            "events": 0,
            "by_status": {},
            "by_process": {},
            "by_outcome": {},
        }
        with self.engine.connect() as conn:
            for status, process, outcome, cases, events in conn.execute(stmt).all():
                n = int(cases or 0)
                figures["cases"] += n
                figures["events"] += int(events or 0)
                if not n:
                    continue
                for name, key in (("by_status", status), ("by_process", process)):
                    figures[name][key] = figures[name].get(key, 0) + n
                if outcome:
                    figures["by_outcome"][outcome] = figures["by_outcome"].get(outcome, 0) + n
        for name in ("by_status", "by_process", "by_outcome"):
            figures[name] = dict(sorted(figures[name].items()))
        return figures

    def case_orgs(self, scope: Visibility) -> list[str]:
        """The courts and committees of the visible cases, from the per-day counters."""
        o = stat_opened_t.c
        where = scope.where(stat_opened_t)
        with self.engine.connect() as conn:
            found = set(conn.execute(select(o.court_org).where(where).distinct()).scalars())
            found |= set(conn.execute(select(o.mediator_org).where(where).distinct()).scalars())
        return sorted(x for x in found if x)

    def opened_by_org(
        self, scope: Visibility, days: tuple[int, int] | None = None
    ) -> dict[str, int]:
        """Cases opened per handling organisation (the mediating one once referred, else the
        court) on the days [first, last] (ordinals), from the per-day counters."""
        o = stat_opened_t.c
        org = func.coalesce(func.nullif(o.mediator_org, ""), func.nullif(o.court_org, ""))
        stmt = select(org, func.sum(o.cases)).where(scope.where(stat_opened_t)).group_by(org)
        if days is not None:
            stmt = stmt.where(o.day >= days[0], o.day <= days[1])
        with self.engine.connect() as conn:
            return {str(k): int(n) for k, n in conn.execute(stmt).all() if k is not None and n}

    def figures(
        self,
        scope: Visibility,
        chosen: FindingFilter,
        by: Sequence[Grouping] = ("org",),
        start: date | None = None,
        end: date | None = None,
    ) -> Statistics:
        """The published figures (RULES.md §4) of the visible cases over [start, end], as
        compute_statistics makes them from the events and the findings `chosen` selects, read
        from the tallies kept at each step and a grouped count of the overdue findings."""
        f = finding_rows_t.c
        by_day = any(g in PERIODS for g in by)
        window = [f.day_sort >= start.toordinal()] if start else []
        window += [f.day_sort <= end.toordinal()] if end else []
        # Not by period: counted per organisation and rule over the window, on one of its days.
        columns = (f.org, f.day_sort, f.rule) if by_day else (f.org, f.rule)
        overdue = (
            select(*columns, func.count())
            .where(*chosen.where(scope), *window, f.kind.in_(("late", "missing")), f.day_sort > 0)
            .group_by(*columns)
        )
        one_day = (start or end or date(1, 1, 1)).toordinal()
        with self.engine.connect() as conn:
            read = read_tallies(conn, scope.where(stat_figures_t), start, end, by_day=by_day)
            late = [
                (str(r[0]), int(r[1]) if by_day else one_day, str(r[-2]), int(r[-1]))
                for r in conn.execute(overdue).all()
            ]
        return statistics_from_tallies(
            read.tallies,
            late,
            by,
            start,
            end,
            cases_seen=read.cases_seen,
            registrations=read.registrations,
            latest=read.latest,
        )
