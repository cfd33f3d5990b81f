"""Many new cases written at once (`suitiao demo` at province size, benchmarks).

The rows are those a step writes for a new case (case row, events, timers, waiting-task rows,
search terms, findings audited from the case's events, signed chain head), one transaction per
call with one multi-row statement per table, and the signed case count and statistics counters
moved once for the batch. Nothing is checked beyond the database's keys: the caller hands over
cases a real engine step produced (or faithful copies of them).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import insert

from engine.domain.errors import CaseExists
from engine.domain.events import CaseEvent
from engine.ports import StoredCase, Timer
from storage.case_terms import INSERT_TERMS, case_terms
from storage.due_counts import move_due
from storage.figure_counts import add_figures
from storage.figure_counts import pair as figure_pair
from storage.finding_counts import deltas, move_counts
from storage.findings import INSERT_FINDINGS, finding_rows
from storage.integrity import Anchors, heads_t
from storage.sql import (
    _INSERT_CASE,
    _INSERT_EVENTS,
    _INSERT_TASKS,
    _INSERT_TIMERS,
    SqlCaseStore,
    _case_values,
    _event_values,
    _timer_values,
)
from storage.stat_counts import add_cases
from storage.task_rows import task_rows

NewCase = tuple[StoredCase, Sequence[CaseEvent], Sequence[Timer]]
_INSERT_HEADS = insert(heads_t)


def insert_cases(store: SqlCaseStore, batch: Sequence[NewCase]) -> None:
    """Store new cases together, or none of them (CaseExists if an id is taken)."""
    from sqlalchemy.exc import IntegrityError

    if not batch:
        return
    cases, events, timers, tasks, heads, findings, terms = [], [], [], [], [], [], []
    # Copies share their template's document object: compress and hash it once per batch.
    packed: dict[int, tuple[bytes, str]] = {}
    for case, case_events, case_timers in batch:
        values = _case_values(case, packed.get(id(case.workflow), (None,))[0])
        if id(case.workflow) not in packed:
            digest = Anchors.document_digest(values["workflow"])
            packed[id(case.workflow)] = (values["workflow"], digest)
        armed = [_timer_values(t) for t in case_timers]
        cases.append(values)
        events += [_event_values(e) for e in case_events]
        timers += armed
        tasks += task_rows(case)
        terms += case_terms(case)
        findings += finding_rows(case, store.auditor.findings(case_events))
        if store.anchors is not None:
            mac = store.anchors.case_mac(values, armed, packed[id(case.workflow)][1])
            heads.append({"case_id": case.id, "mac": mac})
    try:
        with store.engine.begin() as conn:
            conn.execute(_INSERT_CASE, cases)
            if events:
                conn.execute(_INSERT_EVENTS, events)
            if timers:
                conn.execute(_INSERT_TIMERS, timers)
            if tasks:
                conn.execute(_INSERT_TASKS, tasks)
            if findings:
                conn.execute(INSERT_FINDINGS, findings)
                move_counts(conn, deltas([], findings))
            if terms:
                conn.execute(INSERT_TERMS, terms)
            move_due(conn, [(values, 1) for values in cases])
            add_cases(conn, cases)
            add_figures(
                conn, [(figure_pair(v), e) for v, (_, e, _) in zip(cases, batch, strict=True)]
            )
            if store.anchors is not None:
                conn.execute(_INSERT_HEADS, heads)
                store.anchors.count_case(conn, added=len(cases))
    except IntegrityError as exc:
        raise CaseExists(f"{len(cases)} 件案件中有案号已存在，未写入任何一件") from exc
