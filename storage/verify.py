"""`suitiao verify`: every case's chain, row, timers and letters against what was signed.

Cases are read in keyset-paged batches (never all at once, never OFFSET), events one case at a
time. Without anchors (a store built with no key) only the unsigned checks run.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, Row, select

from engine.domain.errors import TransitionNotAllowed
from engine.domain.events import CaseEvent, verify_chain
from engine.domain.lifecycle import apply as lifecycle_apply
from storage.documents import documents_t
from storage.integrity import (
    BATCH,
    Anchors,
    check_cases,
    check_documents,
    check_ledger,
    check_orphans,
)
from storage.integrity import seal as seal_all
from storage.sql import _event, cases_t, events_t, timers_t


@dataclass
class Report:
    checked: int = 0


def _status_from(events: Sequence[CaseEvent]) -> str | None:
    status = "intake"
    try:
        for event in events:
            status = lifecycle_apply(status, event.activity)
    except TransitionNotAllowed:
        return None
    return status


def _mediator_from(process_id: str, events: Sequence[CaseEvent]) -> str | None:
    """The mediation organisation the events name: the last referral's, or for a complaint the
    organisation that received it; None when the events do not say."""
    named = [e.data.get("mediator_org") for e in events if e.activity == "referred"]
    if named and isinstance(named[-1], str):
        return named[-1]
    if process_id in ("complaint_mediation", "supported_lawsuit") and events[0].org:
        return events[0].org
    return None


def verify(engine: Engine, anchors: Anchors | None, report: Report) -> Iterator[str]:
    with engine.connect() as conn:
        last: str | None = None
        while True:
            stmt = select(cases_t).order_by(cases_t.c.id).limit(BATCH)
            if last is not None:
                stmt = stmt.where(cases_t.c.id > last)
            rows = conn.execute(stmt).all()
            if not rows:
                break
            last = rows[-1].id
            report.checked += len(rows)
            if anchors is not None:
                yield from check_cases(conn, anchors, rows, timers_t)
            for row in rows:
                yield from _check_case(conn, row)
        yield from check_orphans(conn, cases_t, events_t, timers_t)
        if anchors is not None:
            yield from check_ledger(conn, anchors, cases_t)
            yield from check_documents(conn, anchors, documents_t)


def _check_case(conn: Connection, row: Row[Any]) -> Iterator[str]:
    case_id = row.id
    stmt = select(events_t).where(events_t.c.case_id == case_id).order_by(events_t.c.seq)
    events = [_event(r) for r in conn.execute(stmt).all()]
    yield from verify_chain(events)
    if not events:
        yield f"{case_id}: has no events"
        return
    if events[-1].hash != row.last_hash or events[-1].seq != row.last_seq:
        yield f"{case_id}: case row does not point at its last event"
    status = _status_from(events)
    if status is None:
        yield f"{case_id}: its events do not follow the case lifecycle"
    elif status != row.status:
        yield f"{case_id}: status {row.status} but its events say {status}"
    expected = _mediator_from(row.process_id, events)
    if expected is not None and row.mediator_org != expected:
        yield f"{case_id}: mediation organisation {row.mediator_org} but its events say {expected}"
    if row.status == "closed":
        armed = select(timers_t.c.id).where(timers_t.c.case_id == case_id).limit(1)
        if conn.execute(armed).first() is not None:
            yield f"{case_id}: closed but still has armed timers"


def seal(engine: Engine, anchors: Anchors) -> int:
    return seal_all(engine, anchors, cases_t, timers_t, documents_t)
