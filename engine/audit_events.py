"""The engine's case events as the auditor reads them: one converter for every audit of live
cases (the findings read model written with each step, the case page's deadlines, what-if), so
they all see the same fields, the role included (a lapse is told by `role` = system)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from engine.domain.events import CaseEvent
from standard_rules.eventlog import Event


def audit_event(e: CaseEvent) -> Event:
    return stored_audit_event(
        e.case, e.seq, e.activity, e.at_text, e.at.timestamp(), e.data, e.org, e.role
    )


def stored_audit_event(
    case: str,
    seq: int,
    activity: str,
    at_text: str,
    ts: float,
    data: Mapping[str, Any],
    org: str | None,
    role: str | None,
) -> Event:
    """The same, from an event's stored columns (`at_text` as CaseEvent.at_text, `ts` its
    instant): a step's audit reads them without building the CaseEvent first."""
    return Event(
        case,
        activity,
        at_text,
        ts,
        data,
        seq,
        line=seq,
        source="db",
        org=org or "",
        role=role or "",
    )


def audit_events(events: Iterable[CaseEvent]) -> Iterator[Event]:
    return (audit_event(e) for e in events)
