"""Timers that read the engine's clock instead of the wall clock.

SpiffWorkflow 3.2.0 calls datetime.now(timezone.utc) inside its timer definitions. The engine
swaps those classes for subclasses reading a context variable, so a worker catching up after
downtime fires each timer at its own deadline, in order, and a test moves time without patching
the process. The bodies follow SpiffWorkflow 3.2.0's timer.py: re-check them on every upgrade.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent

_NOW: ContextVar[datetime | None] = ContextVar("suitiao_engine_now", default=None)


def engine_now() -> datetime:
    now = _NOW.get()
    return now if now is not None else datetime.now(UTC)


@contextmanager
def engine_clock(now: datetime) -> Iterator[None]:
    if now.tzinfo is None:
        raise ValueError("the engine clock needs a timezone-aware instant")
    token = _NOW.set(now)
    try:
        yield
    finally:
        _NOW.reset(token)


class ClockTimeDate(TimeDateEventDefinition):  # type: ignore[misc]
    def has_fired(self, my_task: Any) -> bool:
        event_value = my_task._get_internal_data("event_value")
        if event_value is None:
            event_value = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            # When it was armed: a new holiday schedule evaluates the expression again as of
            # then (its today()), see runtime.reevaluate_timers.
            my_task._set_internal_data(event_value=event_value, armed_at=engine_now().isoformat())
        # A deadline is an instant that has passed once it is reached: 24:00 of a due date
        # is already the next day (SpiffWorkflow compares with a strict `<`).
        if TimerEventDefinition.parse_time_or_duration(event_value) <= engine_now():
            my_task._set_internal_data(event_fired=True)
        return bool(my_task._get_internal_data("event_fired", False))


class ClockDuration(DurationTimerEventDefinition):  # type: ignore[misc]
    def has_fired(self, my_task: Any) -> bool:
        event_value = my_task._get_internal_data("event_value")
        if event_value is None:
            expression = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            parsed = TimerEventDefinition.parse_iso_duration(expression)
            start = engine_now()
            delta = TimerEventDefinition.get_timedelta_from_start(parsed, start)
            event_value = (start + delta).isoformat()
            my_task._set_internal_data(event_value=event_value)
        if TimerEventDefinition.get_datetime(event_value) <= engine_now():
            my_task._set_internal_data(event_fired=True)
        return bool(my_task._get_internal_data("event_fired", False))


class ClockCycle(CycleTimerEventDefinition):  # type: ignore[misc]
    def cycle_complete(self, my_task: Any) -> bool:
        event_value = my_task._get_internal_data("event_value")
        if event_value is None:
            expression = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            cycles, start, duration = TimerEventDefinition.parse_iso_recurring_interval(expression)
            event_value = {
                "cycles": cycles,
                "next": start.isoformat(),
                "duration": duration.total_seconds(),
            }
            my_task._set_internal_data(armed_at=engine_now().isoformat())
        ready = False
        if event_value["cycles"] != 0:
            next_event = datetime.fromisoformat(event_value["next"])
            if next_event <= engine_now():
                following = next_event + timedelta(seconds=event_value["duration"])
                event_value["next"] = following.isoformat()
                event_value["cycles"] -= 1
                ready = True
        else:
            my_task.internal_data.pop("event_value", None)
            my_task.internal_data["event_fired"] = True
        my_task._set_internal_data(event_value=event_value)
        return ready


_SWAP: dict[type, type] = {
    TimeDateEventDefinition: ClockTimeDate,
    DurationTimerEventDefinition: ClockDuration,
    CycleTimerEventDefinition: ClockCycle,
}


def use_engine_clock(spec: Any, subprocess_specs: dict[str, Any]) -> int:
    """Make the timer definitions of freshly parsed specs read engine_now(); returns the count."""
    count = 0
    for process in [spec, *subprocess_specs.values()]:
        for task_spec in process.task_specs.values():
            if isinstance(task_spec, CatchingEvent):
                swapped = _SWAP.get(type(task_spec.event_definition))
                if swapped is not None:
                    task_spec.event_definition.__class__ = swapped
                    count += 1
    return count
