"""Fire due timers: each at its own deadline, in deadline order across all cases.

`catch_up` is also the first move of every person's step (complete_task.py): a deadline that
passed before the step (the worker has not swept yet) takes effect first, at its own instant.
"""

from __future__ import annotations

import logging
from datetime import datetime
from uuid import uuid4

from engine.bpmn import runtime
from engine.domain.errors import DomainError
from engine.moving_deadlines import adjustable, rearm
from engine.script_api import Draft, StepContext, step_context
from engine.use_cases.stepping import SYSTEM, Step, Stepper, stamped

log = logging.getLogger("suitiao.engine")


class FireTimers:
    """The timer sweep of one worker; several may sweep one database."""

    def __init__(self, steps: Stepper) -> None:
        self.steps = steps
        self.worker = f"worker-{uuid4().hex[:12]}"
        self.failed = 0  # cases a sweep could not step (logged), since start

    def __call__(self, now: datetime | None = None, limit: int = 500) -> int:
        """Fire every timer due by `now`, each at its own deadline, in deadline order across
        all cases (a worker back from downtime replays the missed days as they happened).

        Each worker leases the earliest due case nobody else holds. Returns the number of
        cases stepped (after at most `limit` steps).
        """
        store = self.steps.store
        now = now or self.steps.clock.now()
        steps = 0
        stepped: set[str] = set()
        skipped: set[str] = set()
        while steps < limit:
            claim = store.claim_due(now, self.worker, 60.0, frozenset(skipped))
            if claim is None:
                break
            case_id, next_other = claim
            # Only up to the next case's deadline: then that case's turn comes first.
            until = min(now, next_other) if next_other is not None else now
            try:
                fired = fire_case(self.steps, case_id, until)
            except DomainError as exc:  # stepped meanwhile by another worker, or closed
                self.failed += 1
                log.warning("timers of case %s not fired: %s", case_id, exc)
                fired = False
            except Exception:
                # One unreadable case must not stop every other deadline: log it, pass it over
                # in this sweep (it stays due, so `suitiao verify` and the next sweep see it).
                self.failed += 1
                log.exception("timers of case %s could not be fired", case_id)
                fired = False
            finally:
                store.release(case_id, self.worker)
            if fired:
                steps += 1
                stepped.add(case_id)
            else:
                skipped.add(case_id)
        return len(stepped)


def fire_case(steps: Stepper, case_id: str, until: datetime) -> bool:
    """Fire one case's timers due by `until` as one step; False when none was due."""
    step = steps.load(case_id)
    try:
        if not catch_up(steps, step, until):
            return False
        steps.commit(step, SYSTEM, until)
    except BaseException:
        steps.cache.forget(case_id)
        raise
    return True


def catch_up(steps: Stepper, step: Step, until: datetime) -> bool:
    """Fire the case's timers due by `until`, one by one, each at its own deadline."""
    fired = False
    for _ in range(100):  # a case has a handful of timers; the bound guards a bug
        due = [t for t in runtime.armed_timers(step.workflow) if t.due_at <= until]
        if not due:
            break
        timer = due[0]
        paused = steps.status(step) == "paused"
        if paused and adjustable(steps.pack, step.workflow, timer) is not None:
            # The declared end of an appraisal pause: the period runs again from here.
            step.drafts.append(Draft("pause_ended", {"auto": True}, timer.due_at, system=True))
            reckon_again(steps, step)
            fired = True
            continue
        context = StepContext(stamp=timer.due_at)
        with step_context(context):
            runtime.step(step.workflow, timer.due_at)
        step.drafts.extend(stamped(context, timer.due_at))
        step.reminders.extend(context.reminders)
        reckon_again(steps, step)
        fired = True
    return fired


def reckon_again(steps: Stepper, step: Step) -> None:
    """Re-arm the periods the step's events move (pauses, received dates)."""
    rearm(steps.pack, steps.calendar, step.workflow, step.history, step.drafts, steps.clock.now())
