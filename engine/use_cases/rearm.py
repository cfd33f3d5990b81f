"""A new holiday schedule: reckon again every armed deadline it may move (contract/EVENTS.md:
when a year's schedule is loaded, every date computed while it was provisional is computed
again), and save the cases whose deadlines moved."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from engine import reckoning
from engine.bpmn import runtime
from engine.domain.errors import TransitionNotAllowed
from engine.moving_deadlines import rearm
from engine.script_api import StepContext, step_context
from engine.use_cases.stepping import SYSTEM, Stepper


@dataclass(frozen=True)
class Rearmed:
    """A timer a new holiday schedule moved."""

    case_id: str
    timer: str  # the BPMN id of the timer
    old: datetime
    new: datetime


def rearm_from(steps: Stepper, since: datetime, *, dry_run: bool = False) -> list[Rearmed]:
    """Every timer of the open cases with a timer due at or after `since`, reckoned under the
    stepper's calendar. Returns what moved; `dry_run` saves nothing."""
    now = steps.clock.now()
    moved: list[Rearmed] = []
    for case_id in steps.store.cases_with_timers_from(since):
        try:
            step = steps.load(case_id)
        except TransitionNotAllowed:  # closed meanwhile
            continue
        before = {t.task_id: t for t in runtime.armed_timers(step.workflow)}
        runtime.reevaluate_timers(step.workflow, lambda at: step_context(StepContext(stamp=at)))
        rearm(steps.pack, steps.calendar, step.workflow, step.history, [], now)
        changes = [
            Rearmed(case_id, t.bpmn_id, before[t.task_id].due_at, t.due_at)
            for t in runtime.armed_timers(step.workflow)
            if t.task_id in before and before[t.task_id].due_at != t.due_at
        ]
        moved += changes
        if not changes or dry_run:
            continue  # the changed workflow is dropped: load took it out of the cache
        moves = [(c.timer, c.old, c.new) for c in changes]
        reckoning.note_rearm(step.facts, step.stored.facts, steps.calendar, now, moves)
        steps.commit(step, SYSTEM, now)
    return moved
