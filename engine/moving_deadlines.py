"""Deadlines that move: pauses for appraisal and agreed extensions re-arm a running timer.

The new date is reckoned from the case's events by standard_rules.deadlines.reckon, the very
function the auditor's checker uses, so the engine waits for the deadline the audit expects.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from engine.bpmn import runtime
from engine.domain.events import CaseEvent
from engine.script_api import Draft, end_of_day
from standard_rules.deadlines import reckon
from standard_rules.eventlog import shanghai_day
from standard_rules.legal_calendar import LegalCalendar
from standard_rules.pack import Period, RulePack


class _SimpleEvent:
    """Events as deadline reckoning reads them (activity, Shanghai day, data)."""

    __slots__ = ("activity", "data", "day")

    def __init__(self, activity: str, day: int, data: Mapping[str, Any]) -> None:
        self.activity, self.day, self.data = activity, day, data


def reckoning_events(
    history: Iterable[CaseEvent], drafts: Iterable[Draft], now: datetime
) -> list[_SimpleEvent]:
    events = [_SimpleEvent(e.activity, _day(e.at), e.data) for e in history]
    events += [_SimpleEvent(d.activity, _day(d.at or now), d.data) for d in drafts]
    return events


def start_activity(period: Period, events: Sequence[_SimpleEvent]) -> str:
    """The event a period counts from in this case: for a dispute that came in online, the
    mediation periods run from the mediator's platform acceptance (R18), not from receipt."""
    online = any(
        e.activity == "dispute_received" and e.data.get("channel") == "online" for e in events
    )
    return period.start_for(online)  # the pack says where (R16/R17's online_from)


def adjustable(pack: RulePack, workflow: Any, timer: runtime.ArmedTimer) -> tuple[str, str] | None:
    """(rule, period) when a timer holds a period that pauses and extensions move."""
    target = runtime.period_reference(workflow, timer.task_id, timer.expression)
    if target is None:
        return None
    rule_id, period_name = target
    period = pack.rule(rule_id).period(period_name)
    return target if period.adjust else None


def rearm(
    pack: RulePack,
    calendar: LegalCalendar,
    workflow: Any,
    history: Iterable[CaseEvent],
    drafts: Iterable[Draft],
    now: datetime,
) -> None:
    """Move adjustable deadlines after pauses and extensions, reckoned as the audit does."""
    events: list[_SimpleEvent] | None = None
    for timer in runtime.armed_timers(workflow):
        key = adjustable(pack, workflow, timer)
        if key is None:
            continue
        if events is None:
            events = reckoning_events(history, drafts, now)
        period = pack.rule(key[0]).period(key[1])
        begins = start_activity(period, events)
        # The latest start: after a decline and a new referral, the new receipt counts.
        starts = [i for i, e in enumerate(events) if e.activity == begins]
        if not starts:
            continue
        result = reckon(period, calendar, events, starts[-1])
        if result.satisfied_at is not None:
            continue
        if result.paused:
            pause = next(e for e in reversed(events) if e.activity == "pause_started")
            until = pause.data.get("until")
            # The declared day of resumption: the period runs again from its first instant.
            target = end_of_day(date.fromisoformat(until) - timedelta(days=1)) if until else None
        elif result.due is not None:
            target = end_of_day(date.fromordinal(result.due))
        else:
            target = None
        if target is not None and target.astimezone(UTC) != timer.due_at:
            runtime.rearm(workflow, timer.task_id, target)


def _day(at: datetime) -> int:
    return shanghai_day(at.timestamp())
