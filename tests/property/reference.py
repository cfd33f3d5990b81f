"""An independent reckoning of the mediation period, for the property test.

The engine and the auditor share standard_rules.deadlines.reckon, so a bug there would pass
both. This module reckons R16/R17 again from the case's log, written straight from
contract/EVENTS.md ("How periods are reckoned"), with nothing but the calendar's is_working.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, timedelta

from engine.domain.events import CaseEvent
from engine.script_api import SHANGHAI

OUTCOMES = {"agreement_signed", "mediation_failed", "mediation_withdrawn", "mediation_timed_out"}


def _day(event: CaseEvent) -> date:
    return event.at.astimezone(SHANGHAI).date()


def mediation_due(
    events: Sequence[CaseEvent], days: int, is_working: Callable[[date], bool]
) -> date | None:
    """The due date of the mediation period the case is in, or None (open-ended or paused)."""

    def roll(day: date) -> date:
        while not is_working(day):
            day += timedelta(days=1)
        return day

    online = any(
        e.activity == "dispute_received" and e.data.get("channel") == "online" for e in events
    )
    opening = "referral_accepted" if online else "referral_received"
    starts = [i for i, e in enumerate(events) if e.activity == opening]
    if not starts:
        return None
    start = _day(events[starts[-1]])
    end = start + timedelta(days=days)  # the last day before any 顺延
    due: date | None = roll(end)
    agreed: date | None = None  # an extension's date, taken as given
    paused_since: date | None = None
    for event in events[starts[-1] + 1 :]:
        if event.activity in OUTCOMES:
            break
        day = _day(event)
        if event.activity == "pause_started" and paused_since is None:
            if due is not None and day <= due:
                paused_since = day
        elif event.activity == "pause_ended" and paused_since is not None:
            length = (day - paused_since).days
            paused_since = None
            if due is None:
                continue
            if agreed is not None:
                agreed += timedelta(days=length)
                due = agreed
            else:
                end += timedelta(days=length)
                due = roll(end)
        elif event.activity == "extension_agreed" and due is not None and day <= due:
            paused_since = None
            until = event.data.get("until")
            if until is None:
                due = None
            else:
                agreed = due = date.fromisoformat(str(until))
    return None if paused_since is not None else due
