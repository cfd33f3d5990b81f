"""The engine's case events as the auditor reads them: one converter for every audit of live
cases (the findings read model written with each step, the case page's deadlines, what-if), so
they all see the same fields, the role included (a lapse is told by `role` = system)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from engine.domain.events import CaseEvent
from standard_rules.eventlog import Event


def audit_event(e: CaseEvent) -> Event:
    return Event(
        e.case,
        e.activity,
        e.at_text,
        e.at.timestamp(),
        e.data,
        e.seq,
        line=e.seq,
        source="db",
        org=e.org or "",
        role=e.role or "",
    )


def audit_events(events: Iterable[CaseEvent]) -> Iterator[Event]:
    return (audit_event(e) for e in events)
