"""CaseStore on SQL: SQLite (WAL) by default, PostgreSQL by DATABASE_URL.

One engine step is one transaction (`commit`, the unit of work of engine/ports.py): a
compare-and-swap UPDATE of the case row on its version, the new events appended, the case's
timers and waiting-task rows replaced, its outbox messages queued, the request's idempotency key
recorded. If the version moved, nothing is written and the caller gets ConcurrentUpdate.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import (
    Engine,
    bindparam,
    create_engine,
    delete,
    event,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import SQLModel

from engine.audit_events import stored_audit_event
from engine.domain.errors import CaseExists, ConcurrentUpdate
from engine.domain.events import CaseEvent
from engine.ports import CaseQuery, StepWrite, StoredCase, Timer
from standard_rules.eventlog import Event
from standard_rules.figure_tallies import case_tallies
from standard_rules.timezone import SHANGHAI
from storage import figure_counts
from storage.case_terms import differing_terms, write_terms
from storage.compact import pack_workflow, plain_workflow
from storage.driver import DriverStatement, pipelined
from storage.due_counts import COLUMNS as DUE_COLUMNS
from storage.due_counts import move_due, reindex_due
from storage.figure_counts import CaseTallies, move_tallies
from storage.figure_counts import pair as figure_pair
from storage.finding_counts import move_counts, reindex_finding_counts
from storage.findings import (
    AUDIT_ORDER,
    FindingAuditor,
    audit_items,
    default_auditor,
    finding_rows,
    finding_rows_t,
    stored_rows,
    write_audited,
    write_findings,
)
from storage.idempotency import write_pending
from storage.integrity import Anchors, register
from storage.outbox import queue
from storage.stat_counts import COLUMNS as STAT_COLUMNS
from storage.stat_counts import move_counters, reindex_counters
from storage.tables import CaseRow, EventRow, TimerLeaseRow, TimerRow
from storage.task_rows import task_rows, task_rows_t

DEFAULT_URL = "sqlite:///suitiao.db"

cases_t = CaseRow.__table__  # type: ignore[attr-defined]
events_t = EventRow.__table__  # type: ignore[attr-defined]
timers_t = TimerRow.__table__  # type: ignore[attr-defined]
leases_t = TimerLeaseRow.__table__  # type: ignore[attr-defined]

# Built once: composing SQLAlchemy statements per call cost more than the SQLite write itself.
_GET = select(cases_t).where(cases_t.c.id == bindparam("b_id"))
_UPDATE = update(cases_t).where(
    cases_t.c.id == bindparam("b_id"), cases_t.c.version == bindparam("b_expected")
)
_EVENTS = select(events_t).where(events_t.c.case_id == bindparam("b_id")).order_by(events_t.c.seq)
_DELETE_TIMERS = delete(timers_t).where(timers_t.c.case_id == bindparam("b_id"))
_INSERT_CASE, _INSERT_EVENTS, _INSERT_TIMERS = insert(cases_t), insert(events_t), insert(timers_t)
_DELETE_TASKS = delete(task_rows_t).where(task_rows_t.c.case_id == bindparam("b_id"))
_INSERT_TASKS = insert(task_rows_t)
# What a step runs on the driver's cursor (storage/driver.py says why).
_STEP_DELETE_TASKS = DriverStatement(_DELETE_TASKS)
_STEP_INSERT_TASKS = DriverStatement(_INSERT_TASKS)
# The counter columns of the case as it was, read in the step before it moves them, and its
# facts (whether the parties changed, so the search terms must be rewritten).
_STAT_BEFORE = select(
    *(cases_t.c[c] for c in dict.fromkeys((*STAT_COLUMNS, *DUE_COLUMNS))), cases_t.c.facts
).where(cases_t.c.id == bindparam("b_id"), cases_t.c.version == bindparam("b_expected"))


def _ts(value: datetime) -> float:
    return value.timestamp()


def _dt(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


def make_engine(url: str = DEFAULT_URL) -> Engine:
    """An SQLAlchemy engine; SQLite files get WAL, NORMAL sync and a busy timeout."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA wal_autocheckpoint=20000")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def create_schema(engine: Engine) -> None:
    """Migrate the database to the current schema (Alembic), from empty or any older version.

    Tables registered by modules whose migration is not written yet are created as they are;
    tests/integration/test_migrations.py fails until every table has its migration.
    """
    from storage.migrate import upgrade

    upgrade(engine)
    SQLModel.metadata.create_all(engine)


def _case_values(case: StoredCase, stored_workflow: bytes | None = None) -> dict[str, Any]:
    """The row; `stored_workflow`: the document as stored, when the caller packed it already."""
    return {
        "id": case.id,
        "process_id": case.process_id,
        "status": case.status,
        "version": case.version,
        "court_org": case.court_org,
        "mediator_org": case.mediator_org,
        "outcome": case.outcome,
        "opened_ts": _ts(case.opened_at),
        "updated_ts": _ts(case.updated_at),
        "closed_ts": _ts(case.closed_at) if case.closed_at else None,
        "next_due_ts": _ts(case.next_due) if case.next_due else None,
        "last_seq": case.last_seq,
        "last_hash": case.last_hash,
        "facts": orjson.dumps(case.facts).decode(),
        "workflow": stored_workflow or pack_workflow(case.status, case.workflow),
        "process_ref": case.process_ref,
        "pack_version": case.pack_version,
        "calendar_version": case.calendar_version,
    }


def _event_values(e: CaseEvent) -> dict[str, Any]:
    return {
        "case_id": e.case,
        "seq": e.seq,
        "activity": e.activity,
        "at": e.at_text,
        "ts": _ts(e.at),
        "actor": e.actor,
        "role": e.role,
        "org": e.org,
        "data": orjson.dumps(dict(e.data)).decode(),
        "prev_hash": e.prev_hash,
        "hash": e.hash,
    }


def _timer_values(t: Timer) -> dict[str, Any]:
    return {"case_id": t.case_id, "task_id": t.task_id, "name": t.name, "due_ts": _ts(t.due_at)}


# What a list shows of a case: the row without its workflow document, which only a step or the
# case page needs (a page of 50 cases would otherwise fetch and inflate 50 documents).
LISTED_COLUMNS = tuple(c for c in cases_t.c if c.name != "workflow")


def listed_case(row: Any) -> StoredCase:
    """A case read with LISTED_COLUMNS: everything but the document (left empty)."""
    return _case(row, workflow=b"")


def _case(row: Any, workflow: bytes | None = None) -> StoredCase:
    return StoredCase(
        id=row.id,
        process_id=row.process_id,
        status=row.status,
        version=row.version,
        opened_at=_dt(row.opened_ts) or datetime.now(UTC),
        updated_at=_dt(row.updated_ts) or datetime.now(UTC),
        workflow=plain_workflow(bytes(row.workflow)) if workflow is None else workflow,
        court_org=row.court_org,
        mediator_org=row.mediator_org,
        outcome=row.outcome,
        closed_at=_dt(row.closed_ts),
        facts=orjson.loads(row.facts),
        last_seq=row.last_seq,
        last_hash=row.last_hash,
        next_due=_dt(row.next_due_ts),
        process_ref=row.process_ref,
        pack_version=row.pack_version,
        calendar_version=row.calendar_version,
    )


def _event(row: Any) -> CaseEvent:
    return CaseEvent(
        case=row.case_id,
        seq=row.seq,
        activity=row.activity,
        at=datetime.fromisoformat(row.at),
        actor=row.actor,
        role=row.role,
        org=row.org,
        data=orjson.loads(row.data),
        prev_hash=row.prev_hash,
        hash=row.hash,
    )


# A case's events as the audit reads them, straight from the columns (no CaseEvent on the way).
_AUDIT_ROWS = DriverStatement(
    select(
        events_t.c.seq,
        events_t.c.activity,
        events_t.c.at,
        events_t.c.ts,
        events_t.c.data,
        events_t.c.org,
        events_t.c.role,
    ).where(events_t.c.case_id == bindparam("b_id"))
)


def _case_audit_items(conn: Any, step: StepWrite) -> list[Event]:
    """All of the case's events, the step's included, as the audit reads them."""
    if step.history is not None:
        return audit_items([*step.history, *step.events])
    return _stored_audit_items(conn, step.case.id)  # the step's are inserted already


def _stored_audit_items(conn: Any, case_id: str) -> list[Event]:
    items = [
        stored_audit_event(case_id, seq, activity, at, ts, orjson.loads(data), org, role)
        for seq, activity, at, ts, data, org, role in _AUDIT_ROWS.rows(conn, {"b_id": case_id})
    ]
    items.sort(key=AUDIT_ORDER)
    return items


class SqlCaseStore:
    # Benchmarks only (bench/bench_read_model.py): what a step costs without its read model
    # (waiting tasks, findings, statistics counters).
    write_read_model = True

    def __init__(
        self,
        engine: Engine,
        anchors: Anchors | None = None,
        auditor: FindingAuditor | None = None,
    ) -> None:
        """`anchors`: sign every write for `suitiao verify` (storage/integrity.py).
        `auditor`: the pack and calendar the findings read model audits with (the engine's;
        the packaged ones by default)."""
        self.engine = engine
        self.anchors = anchors
        self.auditor = auditor or default_auditor()
        if anchors is not None:
            register(engine, anchors)

    @classmethod
    def from_url(
        cls,
        url: str = DEFAULT_URL,
        anchors: Anchors | None = None,
        auditor: FindingAuditor | None = None,
    ) -> SqlCaseStore:
        if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = make_engine(url)
        create_schema(engine)
        return cls(engine, anchors, auditor)

    def _anchor(self, conn: Any, case: StoredCase, timers: Sequence[Timer], new: bool) -> None:
        if self.anchors is None:
            return
        self.anchors.write_head(conn, _case_values(case), [_timer_values(t) for t in timers])
        if new:
            self.anchors.count_case(conn)

    def get(self, case_id: str) -> StoredCase | None:
        with self.engine.connect() as conn:
            row = conn.execute(_GET, {"b_id": case_id}).first()
        return _case(row) if row is not None else None

    def insert(
        self, case: StoredCase, events: Sequence[CaseEvent], timers: Sequence[Timer]
    ) -> None:
        """Store a new case (a step with nothing before it); CaseExists if the id is taken."""
        self.commit(StepWrite(case, None, events, timers))

    def update(
        self,
        case: StoredCase,
        expected_version: int,
        events: Sequence[CaseEvent],
        timers: Sequence[Timer],
    ) -> None:
        """Write a step of a stored case if its version is still `expected_version`."""
        self.commit(StepWrite(case, expected_version, events, timers))

    def commit(self, step: StepWrite) -> None:
        """The unit of work (engine/ports.py): one transaction, or ConcurrentUpdate/CaseExists
        and nothing written."""
        case, new = step.case, step.expected_version is None
        try:
            with self.engine.begin() as conn:
                before: dict[str, Any] | None = None
                old_facts = ""
                row = _case_values(case)
                if new:
                    conn.execute(_INSERT_CASE, [row])
                else:
                    values = {k: v for k, v in row.items() if k != "id"}
                    values.update(b_id=case.id, b_expected=step.expected_version)
                    found = conn.execute(_STAT_BEFORE, values).first()
                    if found is None or conn.execute(_UPDATE, values).rowcount != 1:
                        raise ConcurrentUpdate(f"案件 {case.id} 已被他人更新，请刷新后重试")
                    before = dict(found._mapping)
                    old_facts = before.pop("facts")
                if step.events:
                    conn.execute(_INSERT_EVENTS, [_event_values(e) for e in step.events])
                if not new:
                    conn.execute(_DELETE_TIMERS, {"b_id": case.id})
                if step.timers:
                    conn.execute(_INSERT_TIMERS, [_timer_values(t) for t in step.timers])
                queue(conn, step.messages)
                self._anchor(conn, case, step.timers, new=new)
                write_pending(conn)  # the request's Idempotency-Key, with the step
                if self.write_read_model:
                    with pipelined(conn):
                        self._move_read_model(conn, step, before, old_facts, row)
        except IntegrityError as exc:
            if new:
                raise CaseExists(f"案件 {case.id} 已存在") from exc
            # two writers raced past the version check on events
            raise ConcurrentUpdate(f"案件 {case.id} 已被他人更新，请刷新后重试") from exc

    def _move_read_model(
        self,
        conn: Any,
        step: StepWrite,
        before: dict[str, Any] | None,
        old_facts: str,
        row: dict[str, Any],
    ) -> None:
        """The read model moves with the step: the case's waiting tasks, search terms, findings
        and their counts, open deadlines by day, statistics counters and figure tallies."""
        case = step.case
        if before is not None:
            _STEP_DELETE_TASKS.one(conn, {"b_id": case.id})
        _STEP_INSERT_TASKS.many(conn, task_rows(case))
        # The search index, when the parties or the organisations changed.
        write_terms(conn, case, None if before is None else (before, old_facts))
        # The findings and figures are the case's audit: all of its events, the new ones
        # included, converted once for both.
        items = self._audited(conn, step)
        counts = write_audited(conn, self.auditor, case, items)
        figures = self._figure_move(conn, step, before, row, items)
        # Last, one table after another and each in key order: on PostgreSQL a counter row
        # stays locked until the commit, and steps that take them in one order never deadlock.
        move_counts(conn, counts)
        move_due(conn, [(before, -1), (row, 1)])
        move_counters(conn, before, row)
        if figures is not None:
            move_tallies(conn, *figures)

    @staticmethod
    def _audited(conn: Any, step: StepWrite) -> list[Event] | None:
        """The case's events as the audit reads them; None when the step appended none."""
        if step.expected_version is None:
            return audit_items(step.events)
        if not step.events:
            return None
        return _case_audit_items(conn, step)

    @staticmethod
    def _figure_move(
        conn: Any,
        step: StepWrite,
        before: dict[str, Any] | None,
        row: dict[str, Any],
        items: list[Event] | None,
    ) -> tuple[CaseTallies | None, CaseTallies] | None:
        """The case's tallies before and after the step where it was and is filed (None: the
        step moves none). The tallies depend on the events only, and on where it is filed."""
        if before is not None and items is None:
            if figure_pair(before) == figure_pair(row):
                return None  # no new event, filed where it was
            tallies = case_tallies(_case_audit_items(conn, step))
            return (figure_pair(before), tallies), (figure_pair(row), tallies)
        now = case_tallies(items or [])
        if before is None:
            return None, (figure_pair(row), now)
        added = {e.seq for e in step.events}
        earlier = case_tallies([e for e in items or [] if e.seq not in added])
        return (figure_pair(before), earlier), (figure_pair(row), now)

    def events(self, case_id: str) -> list[CaseEvent]:
        with self.engine.connect() as conn:
            rows = conn.execute(_EVENTS, {"b_id": case_id}).all()
        return [_event(r) for r in rows]

    def all_events(self) -> Iterator[CaseEvent]:
        with self.engine.connect() as conn:
            result = conn.execution_options(stream_results=True, yield_per=2000).execute(
                select(events_t).order_by(events_t.c.case_id, events_t.c.seq)
            )
            for row in result:
                yield _event(row)

    def timers(self, case_id: str) -> list[Timer]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(timers_t).where(timers_t.c.case_id == case_id).order_by(timers_t.c.due_ts)
            ).all()
        return [Timer(r.case_id, r.task_id, r.name, _dt(r.due_ts) or _now()) for r in rows]

    def open_cases_on(self, refs: Sequence[str]) -> list[str]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(cases_t.c.id)
                .where(cases_t.c.process_ref.in_(list(refs)), cases_t.c.status != "closed")
                .order_by(cases_t.c.id)
            ).scalars()
            return list(rows)

    def open_cases_by_process_ref(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(cases_t.c.process_ref, func.count())
                .where(cases_t.c.status != "closed", cases_t.c.process_ref.is_not(None))
                .group_by(cases_t.c.process_ref)
            ).all()
        return {str(ref): int(count) for ref, count in rows}

    def reindex_tasks(self, *, repair: bool = True, batch: int = 500) -> list[str]:
        """Recompute the waiting-task read model from the cases; returns the ids of the cases
        whose rows differed (and, with `repair`, rewrites them). Walks the cases in id order,
        one batch in memory at a time."""
        differing: list[str] = []
        last = ""
        key = ("case_id", "task_id")
        while True:
            with self.engine.begin() as conn:
                cases = [
                    _case(r)
                    for r in conn.execute(
                        select(cases_t)
                        .where(cases_t.c.id > last)
                        .order_by(cases_t.c.id)
                        .limit(batch)
                    ).all()
                ]
                if not cases:
                    return differing
                ids = [c.id for c in cases]
                stored: dict[str, list[dict[str, Any]]] = {}
                for row in conn.execute(
                    select(task_rows_t).where(task_rows_t.c.case_id.in_(ids))
                ).all():
                    stored.setdefault(row.case_id, []).append(dict(row._mapping))
                for case in cases:
                    expected = sorted(task_rows(case), key=lambda r: tuple(r[k] for k in key))
                    found = sorted(stored.get(case.id, []), key=lambda r: tuple(r[k] for k in key))
                    if expected == found:
                        continue
                    differing.append(case.id)
                    if repair:
                        conn.execute(_DELETE_TASKS, {"b_id": case.id})
                        if expected:
                            conn.execute(_INSERT_TASKS, expected)
                last = cases[-1].id

    def reindex_terms(self, *, repair: bool = True, batch: int = 500) -> list[str]:
        """Recompute the search index (case_terms) from the cases, closed ones too; returns
        the ids of the cases whose rows differed (and, with `repair`, rewrites them)."""
        differing: list[str] = []
        last = ""
        while True:
            with self.engine.begin() as conn:
                cases = [
                    _case(r)
                    for r in conn.execute(
                        select(cases_t)
                        .where(cases_t.c.id > last)
                        .order_by(cases_t.c.id)
                        .limit(batch)
                    ).all()
                ]
                if not cases:
                    return differing
                differing += differing_terms(conn, cases, repair=repair)
                last = cases[-1].id

    def reindex_findings(
        self,
        *,
        repair: bool = True,
        batch: int = 500,
        auditor: FindingAuditor | None = None,
        only: ColumnElement[bool] | None = None,
    ) -> list[str]:
        """Re-audit every case's events into the findings read model (`auditor`: another pack
        or calendar than the store's; `only`: the cases this clause selects); returns the ids
        of the cases whose rows differed (and, with `repair`, rewrites them). One batch of
        cases and their events in memory at a time, each batch in its own transaction."""
        auditor = auditor or self.auditor
        differing: list[str] = []
        last = ""
        while True:
            with self.engine.begin() as conn:
                chosen = select(cases_t).where(cases_t.c.id > last)
                if only is not None:
                    chosen = chosen.where(only)
                cases = [
                    _case(r) for r in conn.execute(chosen.order_by(cases_t.c.id).limit(batch)).all()
                ]
                if not cases:
                    return differing
                ids = [c.id for c in cases]
                events: dict[str, list[CaseEvent]] = {}
                for row in conn.execute(
                    select(events_t)
                    .where(events_t.c.case_id.in_(ids))
                    .order_by(events_t.c.case_id, events_t.c.seq)
                ).all():
                    events.setdefault(row.case_id, []).append(_event(row))
                stored = stored_rows(conn, ids)
                for case in cases:
                    expected = finding_rows(case, auditor.findings(events.get(case.id, [])))
                    if expected == stored.get(case.id, []):
                        continue
                    differing.append(case.id)
                    if repair:
                        counts = write_findings(conn, auditor, case, events.get(case.id, []))
                        move_counts(conn, counts)
                last = cases[-1].id

    def refresh_findings_from(
        self, first: date, auditor: FindingAuditor, *, repair: bool = True, batch: int = 500
    ) -> list[str]:
        """Re-audit, under `auditor`'s calendar, the cases a schedule for the days from `first`
        on can change: those with a finding due on or after it (an open period is a `missing`
        finding, a late step a `late` one) and those that took a step since (a period closed
        in time under the old schedule may be late under the new). Dates before `first` count
        the same under both, so no other case can change. Returns the ids whose rows differed."""
        f = finding_rows_t.c
        due_later = (
            select(f.case_id).where(f.case_id == cases_t.c.id, f.due >= first.isoformat()).exists()
        )
        since = datetime.combine(first, time(0, 0), SHANGHAI).timestamp()
        return self.reindex_findings(
            repair=repair,
            batch=batch,
            auditor=auditor,
            only=or_(due_later, cases_t.c.updated_ts >= since),
        )

    def reindex_counters(self, *, repair: bool = True, batch: int = 500) -> list[str]:
        """Recount the statistics counters from the case rows, and the published figures'
        tallies from the events (one batch of cases at a time); the keys that differed."""
        with self.engine.begin() as conn:
            differing = [
                *reindex_counters(conn, cases_t, repair=repair),
                *reindex_finding_counts(conn, repair=repair),
                *reindex_due(conn, cases_t, repair=repair),
            ]
        want: dict[figure_counts.FigureKey, float] = {}
        last = ""
        columns = (cases_t.c.id, cases_t.c.court_org, cases_t.c.mediator_org)
        while True:
            with self.engine.connect() as conn:
                rows = conn.execute(
                    select(*columns).where(cases_t.c.id > last).order_by(cases_t.c.id).limit(batch)
                ).all()
                if not rows:
                    break
                events: dict[str, list[CaseEvent]] = {}
                for found in conn.execute(
                    select(events_t)
                    .where(events_t.c.case_id.in_([r.id for r in rows]))
                    .order_by(events_t.c.case_id, events_t.c.seq)
                ).all():
                    events.setdefault(found.case_id, []).append(_event(found))
            cases = [(figure_pair(r._mapping), events.get(r.id, [])) for r in rows]
            figure_counts.recount(cases, want)
            last = rows[-1].id
        with self.engine.begin() as conn:
            return differing + figure_counts.compare(conn, want, repair=repair)

    def cases_with_timers_from(self, instant: datetime) -> list[str]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(timers_t.c.case_id)
                .where(timers_t.c.due_ts >= _ts(instant))
                .distinct()
                .order_by(timers_t.c.case_id)
            ).scalars()
            return list(rows)

    def due_cases(self, now: datetime, limit: int) -> list[tuple[str, datetime]]:
        due = (
            select(timers_t.c.case_id, timers_t.c.due_ts)
            .where(timers_t.c.due_ts <= _ts(now))
            .order_by(timers_t.c.due_ts, timers_t.c.case_id)
        )
        seen: dict[str, datetime] = {}
        batch, offset = limit * 4, 0
        with self.engine.connect() as conn:
            # A case has several timers: read on in due order until `limit` cases are found.
            while len(seen) < limit:
                rows = conn.execute(due.offset(offset).limit(batch)).all()
                for case_id, due_ts in rows:
                    if case_id not in seen and len(seen) < limit:
                        seen[case_id] = _dt(due_ts) or _now()
                if len(rows) < batch:
                    break
                offset += batch
        return list(seen.items())

    def claim_due(
        self, now: datetime, worker: str, lease_seconds: float, exclude: frozenset[str]
    ) -> tuple[str, datetime | None] | None:
        now_ts = _ts(now)
        pick = (
            select(cases_t.c.id, cases_t.c.next_due_ts)
            .where(cases_t.c.next_due_ts <= now_ts)
            .where(
                ~select(leases_t.c.case_id)
                .where(leases_t.c.case_id == cases_t.c.id, leases_t.c.until_ts > now_ts)
                .exists()
            )
            .order_by(cases_t.c.next_due_ts, cases_t.c.id)
            .limit(1)
        )
        if exclude:
            pick = pick.where(cases_t.c.id.not_in(sorted(exclude)))
        postgres = self.engine.dialect.name == "postgresql"
        if postgres:
            # Two workers never claim the same case: the row is locked while claimed and the
            # other worker skips it instead of waiting.
            pick = pick.with_for_update(of=cases_t, skip_locked=True)
        upsert_insert = pg_insert if postgres else sqlite_insert
        # Losing a race for a case is not "nothing due": try the next one (bounded).
        for _ in range(8):
            with self.engine.begin() as conn:
                row = conn.execute(pick).first()
                if row is None:
                    return None
                lease = upsert_insert(leases_t).values(
                    case_id=row.id, worker=worker, until_ts=now_ts + lease_seconds
                )
                lease = lease.on_conflict_do_update(
                    index_elements=[leases_t.c.case_id],
                    set_={"worker": worker, "until_ts": now_ts + lease_seconds},
                    where=leases_t.c.until_ts <= now_ts,
                )
                if conn.execute(lease.returning(leases_t.c.case_id)).first() is None:
                    continue  # another worker leased it a moment ago
                others_due = select(cases_t.c.next_due_ts).where(
                    cases_t.c.next_due_ts <= now_ts, cases_t.c.id != row.id
                )
                if exclude:  # a case the worker passed over must not bound the others
                    others_due = others_due.where(cases_t.c.id.not_in(sorted(exclude)))
                others = conn.execute(others_due.order_by(cases_t.c.next_due_ts).limit(1)).scalar()
            return row.id, _dt(others)
        return None

    def release(self, case_id: str, worker: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                delete(leases_t).where(leases_t.c.case_id == case_id, leases_t.c.worker == worker)
            )

    def next_due(self) -> datetime | None:
        with self.engine.connect() as conn:
            value = conn.execute(
                select(timers_t.c.due_ts).order_by(timers_t.c.due_ts).limit(1)
            ).scalar()
        return _dt(value)

    def query(self, query: CaseQuery) -> list[StoredCase]:
        stmt = select(cases_t)
        if query.org is not None:
            stmt = stmt.where(
                (cases_t.c.court_org == query.org) | (cases_t.c.mediator_org == query.org)
            )
        if query.status is not None:
            stmt = stmt.where(cases_t.c.status == query.status)
        if query.process_id is not None:
            stmt = stmt.where(cases_t.c.process_id == query.process_id)
        if query.open_only:
            stmt = stmt.where(cases_t.c.status != "closed")
        stmt = stmt.order_by(cases_t.c.id).offset(query.offset).limit(query.limit)
        with self.engine.connect() as conn:
            return [_case(r) for r in conn.execute(stmt).all()]

    def count(self) -> int:
        from sqlalchemy import func

        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(cases_t)).scalar() or 0)


def _now() -> datetime:
    return datetime.now(UTC)
