"""Due dates of the rule pack's periods for one case, pauses and extensions included.

Shared by the auditor's checker and the engine's timers, so that the deadline a timer waits for
is the very deadline the audit holds the case to (contract/EVENTS.md, "How periods are reckoned").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from standard_rules.eventlog import parse_date
from standard_rules.legal_calendar import LegalCalendar, Unit
from standard_rules.pack import Period


class DatedEvent(Protocol):
    """What deadline reckoning needs of an event: its activity, Shanghai day and data."""

    @property
    def activity(self) -> str: ...
    @property
    def day(self) -> int: ...
    @property
    def data(self) -> Mapping[str, Any]: ...


@dataclass(frozen=True, slots=True)
class Reckoning:
    """The state of one period after the events so far."""

    due: int | None  # day ordinal of the due date; None while open-ended or paused
    start: int
    satisfied_at: int | None  # index of the satisfying event, if it came
    paused: bool = False
    extended_until: int | None = None
    pause_days: int = 0
    open_ended: bool = False  # an extension without `until` lifted the deadline
    cancelled_at: int | None = None  # index of an event that ended the obligation (e.g. a decline)

    @property
    def due_date(self) -> date | None:
        return None if self.due is None else date.fromordinal(self.due)


def start_day(period: Period, event: DatedEvent) -> int:
    """The day a period starts from: the event's date, or a date in its data (e.g. effective_on)."""
    if period.from_field:
        day = parse_date(event.data.get(period.from_field))
        if day is not None:
            return day
    return event.day


# The fields of a Reckoning as a plain tuple, in its order: the audit reckons hundreds of
# thousands of periods and only builds a Reckoning for the few that become findings.
ReckoningFields = tuple[int | None, int, int | None, bool, int | None, int, bool, int | None]


def reckon(
    period: Period,
    calendar: LegalCalendar,
    events: Sequence[DatedEvent],
    trigger: int,
) -> Reckoning:
    """Follow a period opened by events[trigger] through the events after it.

    Pauses lengthen the period by the calendar days between their dates (the 顺延 applies to the
    lengthened last day); an extension dated on or before the due date replaces it with `until`
    (as given, no 顺延) or lifts it. Events after the due date change nothing.
    """
    return Reckoning(*reckon_fields(period, calendar, events, trigger))


def reckon_fields(
    period: Period,
    calendar: LegalCalendar,
    events: Sequence[DatedEvent],
    trigger: int,
) -> ReckoningFields:
    """reckon() as the tuple of Reckoning's fields (due, start, satisfied_at, paused,
    extended_until, pause_days, open_ended, cancelled_at)."""
    if period.days is None:
        raise ValueError(f"period {period.name} is not counted in days")
    start = start_day(period, events[trigger])
    nominal = start + period.days
    due: int | None = calendar.due_ordinal(start, period.days, period.unit)
    until = period.until
    cancelled_by = period.cancelled_by
    adjusts = period.adjust
    if not adjusts:
        for index in range(trigger + 1, len(events)):
            activity = events[index].activity
            if activity in until:
                return (due, start, index, False, None, 0, False, None)
            if activity in cancelled_by:
                return (due, start, None, False, None, 0, False, index)
        return (due, start, None, False, None, 0, False, None)
    fixed: int | None = None
    paused_on: int | None = None
    pause_days = 0
    open_ended = False
    for index in range(trigger + 1, len(events)):
        event = events[index]
        activity = event.activity
        ends_pause = activity == "pause_ended" or activity in until
        if ends_pause and paused_on is not None:
            # A pause still open when the outcome is recorded ends on the outcome's date.
            length = event.day - paused_on
            pause_days += length
            paused_on = None
            if not open_ended:
                if fixed is not None:
                    # after an extension the agreed date moves by the paused days, no 顺延
                    fixed += length
                    due = fixed
                else:
                    nominal += length
                    due = calendar.roll_forward_ordinal(nominal)
        if activity in until:
            return (due, start, index, False, fixed, pause_days, open_ended, None)
        if activity in cancelled_by:
            return (due, start, None, False, fixed, pause_days, open_ended, index)
        if activity == "pause_started" and "pause" in adjusts:
            if paused_on is None and (due is None or event.day <= due):
                paused_on = event.day
        elif (
            activity == "extension_agreed"
            and "extension" in adjusts
            and due is not None
            and event.day <= due
        ):
            # The agreed date is absolute: it already allows for any pause under way.
            paused_on = None
            new_until = parse_date(event.data.get("until"))
            if new_until is None:
                open_ended, due = True, None
            else:
                fixed = due = new_until
    paused = paused_on is not None
    return (None if paused else due, start, None, paused, fixed, pause_days, open_ended, None)


def case_conditions(events: Sequence[DatedEvent], before: int) -> dict[str, str | None]:
    """mode / procedure / channel of the case as known at events[before]."""
    found: dict[str, str | None] = {"mode": None, "procedure": None, "channel": None}
    for event in events[: before + 1]:
        if event.activity == "referred":
            found["mode"] = event.data.get("mode")
            found["procedure"] = event.data.get("procedure")
        elif event.activity == "dispute_received" and event.data.get("channel"):
            found["channel"] = event.data.get("channel")
    return found


def due_for(period: Period, calendar: LegalCalendar, start: date, unit: Unit | None = None) -> date:
    """The plain due date of a period from a start date (no pauses): for timers and look-ups."""
    if period.days is None:
        raise ValueError(f"period {period.name} is not counted in days")
    return date.fromordinal(
        calendar.due_ordinal(start.toordinal(), period.days, unit or period.unit)
    )
