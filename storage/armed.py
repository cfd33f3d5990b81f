"""The open cases that have armed timers, with their timers and events, a batch at a time.

For "what if" against the live database: which timers would fire earlier or later under a
proposed pack or calendar. Reads the timers and events tables only (never the serialized
workflows), walking the case ids with keyset pagination so memory holds one batch.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Engine, select

from engine.domain.events import CaseEvent
from engine.ports import Timer
from storage.sql import _dt, _event, cases_t, events_t, timers_t


def armed_cases(
    engine: Engine, batch: int = 500, org: str | None = None
) -> Iterator[tuple[str, list[Timer], list[CaseEvent]]]:
    """(case id, its armed timers by due time, its events in order) for every case with a timer,
    in case-id order; `org` limits them to the cases handed to or from one organisation."""
    last = ""
    with engine.connect() as conn:
        while True:
            ids_q = (
                select(timers_t.c.case_id)
                .where(timers_t.c.case_id > last)
                .group_by(timers_t.c.case_id)
                .order_by(timers_t.c.case_id)
                .limit(batch)
            )
            if org is not None:
                ids_q = ids_q.where(
                    timers_t.c.case_id.in_(
                        select(cases_t.c.id).where(
                            (cases_t.c.court_org == org) | (cases_t.c.mediator_org == org)
                        )
                    )
                )
            ids = list(conn.execute(ids_q).scalars())
            if not ids:
                return
            timers: dict[str, list[Timer]] = {case_id: [] for case_id in ids}
            for row in conn.execute(
                select(timers_t)
                .where(timers_t.c.case_id.in_(ids))
                .order_by(timers_t.c.case_id, timers_t.c.due_ts)
            ):
                due = _dt(row.due_ts)
                if due is not None:
                    timers[row.case_id].append(Timer(row.case_id, row.task_id, row.name, due))
            events: dict[str, list[CaseEvent]] = {case_id: [] for case_id in ids}
            for row in conn.execute(
                select(events_t)
                .where(events_t.c.case_id.in_(ids))
                .order_by(events_t.c.case_id, events_t.c.seq)
            ):
                events[row.case_id].append(_event(row))
            for case_id in ids:
                yield case_id, timers[case_id], events[case_id]
            last = ids[-1]
