"""Reads limited to what one organisation may see: case lists, the event feed, statistics.

A Visibility says which cases a caller sees: those whose court is its organisation, those whose
mediator is, either, or (a provincial auditor) all of them. `below` adds the organisations under
the caller's in the registry (a city committee's auditor sees its counties' cases), so the
hierarchy is one IN list on the indexed organisation columns, never a read of every case.
The feed reads the append-only events table in the order of its autoincrement id, so `after` is
a durable cursor.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.sql.elements import ColumnElement

from engine.domain.events import CaseEvent
from engine.ports import StoredCase
from storage.sql import _case, _event, cases_t, events_t


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

    def where(self) -> ColumnElement[bool]:
        orgs = sorted(self.orgs)
        court, mediator = cases_t.c.court_org.in_(orgs), cases_t.c.mediator_org.in_(orgs)
        if self.side == "all":
            return cases_t.c.id.is_not(None)  # type: ignore[no-any-return]
        if self.side == "court":
            return court  # type: ignore[no-any-return]
        if self.side == "mediator":
            return mediator  # type: ignore[no-any-return]
        if self.side == "either":
            return court | mediator  # type: ignore[no-any-return]
        return cases_t.c.id.is_(None)  # type: ignore[no-any-return]


@dataclass(frozen=True)
class FeedItem:
    id: int
    event: CaseEvent


class ScopedReads:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

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
                .where(cases_t.c.next_due_ts < now.timestamp() + 3 * 86400)
            ).scalar()
        return {
            "cases": int(total or 0),
            "by_status": grouped(cases_t.c.status),
            "by_process": grouped(cases_t.c.process_id),
            "by_outcome": grouped(cases_t.c.outcome),
            "deadline_within_3_days": int(due_soon or 0),
        }
