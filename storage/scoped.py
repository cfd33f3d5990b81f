"""Reads limited to what one organisation may see: case lists, the event feed, statistics.

A Visibility says which cases a caller sees: those whose court is its organisation, those whose
mediator is, either, or (a provincial auditor) all of them. `below` adds the organisations under
the caller's in the registry (a city committee's auditor sees its counties' cases), so the
hierarchy is one IN list on the indexed organisation columns, never a read of every case.
The feed reads the append-only events table in the order of its autoincrement id, so `after` is
a durable cursor.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import Engine, false, func, select, true, tuple_
from sqlalchemy.sql.elements import ColumnElement

from engine.domain.events import CaseEvent
from engine.ports import StoredCase
from standard_rules.eventlog import shanghai_day
from storage.case_search import search_statements
from storage.case_terms import matching
from storage.sql import LISTED_COLUMNS, _case, _event, cases_t, events_t, listed_case
from storage.stat_counts import stat_cases_t
from storage.task_rows import task_rows_t

if TYPE_CHECKING:
    from storage.finding_reads import FindingReads


@dataclass(frozen=True)
class Visibility:
    side: str  # court | mediator | either | all | none
    org: str = ""
    below: frozenset[str] = frozenset()  # organisations under `org` whose cases it sees too

    @property
    def orgs(self) -> frozenset[str]:
        return self.below | {self.org}

    def allows(self, court_org: str | None, mediator_org: str | None) -> bool:
        if self.side == "all":
            return True
        orgs = self.orgs
        if self.side == "court":
            return court_org in orgs
        if self.side == "mediator":
            return mediator_org in orgs
        if self.side == "either":
            return court_org in orgs or mediator_org in orgs
        return False

    def where(self, table: Any = cases_t) -> ColumnElement[bool]:
        """The clause over a table with court_org and mediator_org columns (cases, task_rows)."""
        return self.over(table.c.court_org, table.c.mediator_org)

    def over(self, court_org: Any, mediator_org: Any) -> ColumnElement[bool]:
        """The clause over these two expressions (columns, or columns kept off their index)."""
        orgs = sorted(self.orgs)
        court, mediator = court_org.in_(orgs), mediator_org.in_(orgs)
        if self.side == "all":
            return true()
        if self.side == "court":
            return court  # type: ignore[no-any-return]
        if self.side == "mediator":
            return mediator  # type: ignore[no-any-return]
        if self.side == "either":
            return court | mediator  # type: ignore[no-any-return]
        return false()


@dataclass(frozen=True)
class TaskFilter:
    """Which waiting tasks a list shows; every field narrows it."""

    role: str | None = None  # only tasks this role acts on ...
    acting_org: str | None = None  # ... for this organisation
    court: str = ""
    cpa: str = ""
    process: str = ""
    status: str = ""
    q: str = ""  # in the case id or a party's name
    due_from: date | None = None
    due_to: date | None = None
    assignee: str | None = None  # only the tasks assigned to this login
    open_to: str | None = None  # leave out the tasks assigned to anyone but this login


Cursor = tuple[int, str, str]  # (due_sort, case_id, task_id) of the last row shown


def encode_cursor(cursor: Cursor) -> str:
    """An opaque, header-safe token (case numbers hold Chinese characters)."""
    raw = orjson.dumps(list(cursor))
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(token: str) -> Cursor:
    """The cursor of a token from encode_cursor; ValueError when it is not one."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        due, case_id, task_id = orjson.loads(raw)
    except (ValueError, TypeError, orjson.JSONDecodeError) as exc:
        raise ValueError("not a cursor") from exc
    if not (isinstance(due, int) and isinstance(case_id, str) and isinstance(task_id, str)):
        raise ValueError("not a cursor")
    return (due, case_id, task_id)


@dataclass(frozen=True)
class TaskPage:
    rows: list[dict[str, Any]]
    total: int
    next: Cursor | None


@dataclass(frozen=True)
class FeedItem:
    id: int
    event: CaseEvent


class ScopedReads:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @property
    def findings(self) -> FindingReads:
        """The findings read model and the statistics counters (storage/finding_reads.py)."""
        from storage.finding_reads import FindingReads

        return FindingReads(self.engine)

    def due_within(self, scope: Visibility, now: datetime, *, days: int) -> int:
        """Open cases whose next deadline falls on or before the `days`-th day after today
        (Shanghai), overdue ones included: a sum over the per-day counters, not a count of
        the open cases."""
        from storage.due_counts import due_by, stat_due_t

        with self.engine.connect() as conn:
            return due_by(conn, scope.where(stat_due_t), shanghai_day(now.timestamp()) + days)

    def orgs(self, case_id: str) -> tuple[str | None, str | None] | None:
        """(court_org, mediator_org) of a case, or None: the cheap check before a step."""
        stmt = select(cases_t.c.court_org, cases_t.c.mediator_org).where(cases_t.c.id == case_id)
        with self.engine.connect() as conn:
            row = conn.execute(stmt).first()
        return None if row is None else (row[0], row[1])

    def existing_ids(self, ids: list[str]) -> list[str]:
        """Which of these case ids are taken (one query, by primary key)."""
        stmt = select(cases_t.c.id).where(cases_t.c.id.in_(ids)).order_by(cases_t.c.id)
        with self.engine.connect() as conn:
            return [str(r[0]) for r in conn.execute(stmt).all()]

    def last_id_with_prefix(self, prefix: str) -> str | None:
        """The id with the highest serial after a prefix: serials without padding sort by
        length first, so this needs no reading of every id."""
        stmt = (
            select(cases_t.c.id)
            .where(cases_t.c.id.startswith(prefix, autoescape=True))
            .order_by(func.length(cases_t.c.id).desc(), cases_t.c.id.desc())
            .limit(1)
        )
        with self.engine.connect() as conn:
            row = conn.execute(stmt).first()
        return None if row is None else str(row[0])

    def cases(
        self,
        scope: Visibility,
        *,
        status: str | None = None,
        process_id: str | None = None,
        open_only: bool = False,
        limit: int = 100,
        offset: int = 0,
    ) -> list[StoredCase]:
        stmt = select(cases_t).where(scope.where())
        if status is not None:
            stmt = stmt.where(cases_t.c.status == status)
        if process_id is not None:
            stmt = stmt.where(cases_t.c.process_id == process_id)
        if open_only:
            stmt = stmt.where(cases_t.c.status != "closed")
        stmt = stmt.order_by(cases_t.c.id).offset(offset).limit(limit)
        with self.engine.connect() as conn:
            return [_case(r) for r in conn.execute(stmt).all()]

    def open_cases(self, scope: Visibility, batch: int = 500) -> Iterator[StoredCase]:
        offset = 0
        while True:
            page = self.cases(scope, open_only=True, limit=batch, offset=offset)
            yield from page
            if len(page) < batch:
                return
            offset += batch

    def tasks(
        self, scope: Visibility, f: TaskFilter, *, after: Cursor | None = None, limit: int = 50
    ) -> TaskPage:
        """A page of waiting tasks by legal due date (undated last), with the total; keyset
        pagination over an index, so the cost is the page's, not the number of cases."""
        t = task_rows_t.c
        where = [scope.where(task_rows_t)]
        if f.role is not None:
            where.append(t.roles.contains(f",{f.role},", autoescape=True))
        if f.acting_org is not None:  # (no organisation yet: whoever has the role)
            where.append((t.acting_org == f.acting_org) | t.acting_org.is_(None))
        for column, value in ((t.court_org, f.court), (t.mediator_org, f.cpa)):
            if value:
                where.append(column == value)
        if f.process:
            where.append(t.process_id == f.process)
        if f.status:
            where.append(t.status == f.status)
        if f.q.strip():
            where.append(t.search.contains(f.q.strip().lower(), autoescape=True))
        if f.due_from is not None:
            where.append(t.due_sort >= f.due_from.toordinal())
        if f.due_to is not None:
            where.append(t.due_sort <= f.due_to.toordinal())
        if f.assignee is not None:
            where.append(t.assignee == f.assignee)
        if f.open_to is not None:
            where.append(t.assignee.is_(None) | (t.assignee == f.open_to))
        page = select(task_rows_t).where(*where)
        if after is not None:
            page = page.where(tuple_(t.due_sort, t.case_id, t.task_id) > tuple_(*after))
        page = page.order_by(t.due_sort, t.case_id, t.task_id).limit(limit + 1)
        with self.engine.connect() as conn:
            rows = [dict(r._mapping) for r in conn.execute(page).all()]
            total = conn.execute(select(func.count()).select_from(task_rows_t).where(*where))
            counted = int(total.scalar() or 0)
        more = len(rows) > limit
        rows = rows[:limit]
        last = rows[-1] if rows and more else None
        cursor = (last["due_sort"], last["case_id"], last["task_id"]) if last else None
        return TaskPage(rows, counted, cursor)

    def case_page(
        self,
        scope: Visibility,
        *,
        court: str = "",
        cpa: str = "",
        process: str = "",
        status: str = "",
        q: str = "",
        after: tuple[float, str] | None = None,
        limit: int = 50,
    ) -> tuple[list[StoredCase], int, tuple[float, str] | None]:
        """A page of cases, newest first, with the total and the cursor of the next page.

        With `q`, the cases are those the search index (storage/case_terms.py) finds within
        the caller's scope, and the total is counted up to SEARCH_COUNT_CAP + 1 only: a
        surname matches thousands of a court's cases, and counting them all would cost what
        the index saves. A total above SEARCH_COUNT_CAP means "more than that"."""
        c = cases_t.c
        found = matching(q) if q.strip() else None
        if q.strip() and found is None:
            return [], 0, None  # only spaces or nothing a term holds: nothing matches
        conditions = (
            (c.court_org, court),
            (c.mediator_org, cpa),
            (c.process_id, process),
            (c.status, status),
        )
        if found is None:
            where = [scope.where()] + [col == value for col, value in conditions if value]
            stmt = select(*LISTED_COLUMNS).where(*where)
            if after is not None:
                stmt = stmt.where(tuple_(c.opened_ts, c.id) < tuple_(*after))
            count = select(func.count()).select_from(cases_t).where(*where)
        else:
            stmt, count = search_statements(
                scope, found, court, cpa, process, status, after=after, limit=limit
            )
        stmt = stmt.order_by(c.opened_ts.desc(), c.id.desc()).limit(limit + 1)
        with self.engine.connect() as conn:
            rows = [listed_case(r) for r in conn.execute(stmt).all()]
            total = int(conn.execute(count).scalar() or 0)
        more = len(rows) > limit
        rows = rows[:limit]
        cursor = (rows[-1].opened_at.timestamp(), rows[-1].id) if more and rows else None
        return rows, total, cursor

    def case_orgs(self, scope: Visibility) -> tuple[list[str], list[str]]:
        """The courts and committees of the visible cases (the filters' choices), from the
        statistics counters (a row per organisation pair and month, not per case): the case
        list and every search show them, and reading them from the cases would read every
        case of the court."""
        s = stat_cases_t.c
        where = (scope.where(stat_cases_t), s.cases > 0)
        with self.engine.connect() as conn:
            courts = conn.execute(select(s.court_org).where(*where).distinct()).scalars()
            court_list = sorted(x for x in courts if x)
            cpas = conn.execute(select(s.mediator_org).where(*where).distinct()).scalars()
            return court_list, sorted(x for x in cpas if x)

    def task_orgs(self, scope: Visibility) -> tuple[list[str], list[str]]:
        """The courts and committees of the visible waiting tasks (the filters' choices)."""
        t = task_rows_t.c
        with self.engine.connect() as conn:
            courts = conn.execute(
                select(t.court_org).where(scope.where(task_rows_t)).distinct()
            ).scalars()
            court_list = sorted(c for c in courts if c)
            cpas = conn.execute(
                select(t.mediator_org).where(scope.where(task_rows_t)).distinct()
            ).scalars()
            return court_list, sorted(c for c in cpas if c)

    def stored(self, case_ids: list[str]) -> dict[str, StoredCase]:
        """The case rows of a page (a bounded IN list)."""
        if not case_ids:
            return {}
        with self.engine.connect() as conn:
            rows = conn.execute(select(*LISTED_COLUMNS).where(cases_t.c.id.in_(case_ids))).all()
        return {row.id: listed_case(row) for row in rows}

    def feed(self, scope: Visibility, after: int, limit: int) -> list[FeedItem]:
        stmt = (
            select(events_t)
            .join(cases_t, cases_t.c.id == events_t.c.case_id)
            .where(events_t.c.id > after, scope.where())
            .order_by(events_t.c.id)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [FeedItem(r.id, _event(r)) for r in conn.execute(stmt).all()]

    def events(self, scope: Visibility) -> Iterator[CaseEvent]:
        """Every event of every visible case, cases in id order, events in order."""
        stmt = (
            select(events_t)
            .join(cases_t, cases_t.c.id == events_t.c.case_id)
            .where(scope.where())
            .order_by(events_t.c.case_id, events_t.c.seq)
        )
        with self.engine.connect() as conn:
            for row in conn.execution_options(stream_results=True, yield_per=2000).execute(stmt):
                yield _event(row)

    def cases_by_org(
        self, scope: Visibility, opened: tuple[float, float] | None = None
    ) -> dict[str, int]:
        """Cases per handling organisation: the mediating one once referred, else the court;
        `opened` limits them to those opened in [from, to). One grouped query; the registry
        rolls these up by county, city and province."""
        org = func.coalesce(cases_t.c.mediator_org, cases_t.c.court_org)
        stmt = select(org, func.count()).where(scope.where()).group_by(org)
        if opened is not None:
            stmt = stmt.where(cases_t.c.opened_ts >= opened[0], cases_t.c.opened_ts < opened[1])
        with self.engine.connect() as conn:
            return {str(k): int(n) for k, n in conn.execute(stmt).all() if k is not None}

    def statistics(self, scope: Visibility, now: datetime) -> dict[str, Any]:
        where = scope.where()

        def grouped(column: Any) -> dict[str, int]:
            stmt = select(column, func.count()).where(where).group_by(column)
            with self.engine.connect() as conn:
                return {str(k): int(n) for k, n in conn.execute(stmt).all() if k is not None}

        with self.engine.connect() as conn:
            total = conn.execute(select(func.count()).select_from(cases_t).where(where)).scalar()
            due_soon = conn.execute(
                select(func.count())
                .select_from(cases_t)
                .where(where, cases_t.c.status != "closed", cases_t.c.next_due_ts.is_not(None))
                .where(cases_t.c.next_due_ts < _start_of_day(shanghai_day(now.timestamp()) + 4))
            ).scalar()
        return {
            "cases": int(total or 0),
            "by_status": grouped(cases_t.c.status),
            "by_process": grouped(cases_t.c.process_id),
            "by_outcome": grouped(cases_t.c.outcome),
            "deadline_within_3_days": int(due_soon or 0),
        }


def _start_of_day(ordinal: int) -> float:
    """The instant a Shanghai calendar day begins."""
    from datetime import time

    from standard_rules.timezone import SHANGHAI

    return datetime.combine(date.fromordinal(ordinal), time(), SHANGHAI).timestamp()
