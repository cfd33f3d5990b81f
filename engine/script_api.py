"""The functions BPMN expressions may call: due dates from the rule pack, today, emit, remind.

They write into the StepContext of the step under way (a context variable), so a script task
that says `emit("case_closed", outcome="filed")` adds that event to the step's transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from standard_rules.legal_calendar import LegalCalendar
from standard_rules.pack import RulePack
from standard_rules.timezone import SHANGHAI

MIDNIGHT = time(0, 0, tzinfo=SHANGHAI)
ONE_MICROSECOND = timedelta(microseconds=1)
# The engine-policy interval between escalations of an overdue wait (rule pack, T03).
ESCALATION_RULE, ESCALATION_PERIOD = "T03", "escalate_every"


@dataclass
class Draft:
    activity: str
    data: dict[str, Any]
    at: datetime | None = None
    system: bool = False  # emitted by the process itself (a script task or a timer), not a person


@dataclass
class Reminder:
    rule: str
    task: str
    at: datetime


@dataclass
class StepContext:
    """What one engine step produced; `stamp` is the instant its automatic events carry."""

    stamp: datetime
    drafts: list[Draft] = field(default_factory=list)
    reminders: list[Reminder] = field(default_factory=list)


_STEP: ContextVar[StepContext | None] = ContextVar("suitiao_step", default=None)


@contextmanager
def step_context(context: StepContext) -> Iterator[StepContext]:
    token = _STEP.set(context)
    try:
        yield context
    finally:
        _STEP.reset(token)


def _current() -> StepContext:
    context = _STEP.get()
    if context is None:
        raise RuntimeError("BPMN code ran outside an engine step")
    return context


def end_of_day(day: date) -> datetime:
    """The deadline of a due date: 24:00 Asia/Shanghai, that is 00:00 of the day after.

    An act at 23:59:59.999 on the due date is on time (contract/EVENTS.md); a timer fires, and
    a lapse is recorded, at this instant or later, never within the due date itself.
    """
    return datetime.combine(day + timedelta(days=1), MIDNIGHT)


def due_date_of(deadline: datetime) -> date:
    """The due date whose deadline is `deadline` (the day that ends at that instant)."""
    return (deadline - ONE_MICROSECOND).astimezone(SHANGHAI).date()


def shanghai_date(instant: datetime) -> date:
    return instant.astimezone(SHANGHAI).date()


def script_functions(pack: RulePack, calendar: LegalCalendar) -> dict[str, Callable[..., Any]]:
    def due_date(rule_id: str, period: str, start: str) -> date:
        p = pack.rule(rule_id).period(period)
        if p.days is None:
            raise ValueError(f"{rule_id}.{period} is not counted in days")
        return calendar.due(date.fromisoformat(str(start)[:10]), p.days, p.unit).due

    def period_due(rule_id: str, period: str, start: str) -> str:
        """The deadline (end of the due date, ISO with offset) of a rule's period."""
        return end_of_day(due_date(rule_id, period, start)).isoformat()

    def escalation_cycle(rule_id: str, period: str, start: str) -> str:
        """Every T03 interval after a duty's deadline, for as long as nobody acts (an ISO 8601
        repeating interval, as a BPMN timeCycle reads it)."""
        every = pack.rule(ESCALATION_RULE).period(ESCALATION_PERIOD).days
        if every is None or every <= 0:
            raise ValueError(f"{ESCALATION_RULE}.{ESCALATION_PERIOD} must be a number of days")
        begin = end_of_day(due_date(rule_id, period, start)) + timedelta(days=every)
        return f"R/{begin.isoformat()}/P{every}D"

    def today() -> str:
        return shanghai_date(_current().stamp).isoformat()

    def emit(activity: str, **data: Any) -> None:
        _current().drafts.append(Draft(activity, dict(data)))

    def remind(rule_id: str, task: str) -> None:
        context = _current()
        context.reminders.append(Reminder(rule_id, task, context.stamp))

    return {
        "period_due": period_due,
        "escalation_cycle": escalation_cycle,
        "today": today,
        "emit": emit,
        "remind": remind,
    }
