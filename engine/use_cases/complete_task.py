"""A person completes a waiting task: check the role, the organisation and the form, apply the
chosen action, run the process on to its next wait, and commit it all as one step."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from engine.actions import CLERK, JUDGE, MEDIATOR, Effect, form_for, validate
from engine.assignment import assignee
from engine.bpmn import runtime
from engine.domain.errors import (
    AssignedToOther,
    ConcurrentUpdate,
    InvalidTaskData,
    NotPermitted,
    TaskNotFound,
)
from engine.ports import StoredCase
from engine.script_api import Draft, StepContext, due_date_of, step_context
from engine.use_cases.fire_timers import catch_up, reckon_again
from engine.use_cases.stepping import SYSTEM, Actor, Step, Stepper, stamped, task_context
from engine.views import CaseView, case_view, task_record

ROLE_NAMES = {CLERK: "法院立案/诉调对接人员", JUDGE: "法官", MEDIATOR: "调解员"}


def complete_task(
    steps: Stepper,
    *,
    case_id: str,
    task_id: str,
    actor: Actor,
    payload: Mapping[str, Any],
    expected_version: int | None = None,
) -> CaseView:
    now = steps.clock.now()
    step = steps.load(case_id)
    try:
        if expected_version is not None and expected_version != step.stored.version:
            raise ConcurrentUpdate(
                f"案件已被他人更新（当前版本 {step.stored.version}），请刷新后重试"
            )
        # A deadline that passed before this step (the worker has not swept yet) takes
        # effect first, at its own instant and in the system's name, as it would have.
        caught_up = catch_up(steps, step, now)
        # The task list saved with the case names the waiting tasks; a bpmn id is accepted
        # too, for scripts and people who know the step but not its instance id.
        listed = step.stored.facts.get("tasks", [])
        if caught_up:
            listed = [
                task_record(t, step.workflow, steps.provisional)
                for t in runtime.ready_tasks(step.workflow)
            ]
        wanted = next(
            (t["task_id"] for t in listed if task_id in (t["task_id"], t["bpmn_id"])), None
        )
        task = runtime.ready_task(step.workflow, wanted) if wanted else None
        if task is None and caught_up:
            steps.commit(step, SYSTEM, now)
            raise TaskNotFound(
                f"期限已届满，系统已按规定处理；案件 {case_id} 已没有待办任务 {task_id}"
            )
        if task is None:
            raise TaskNotFound(f"案件 {case_id} 当前没有待办任务 {task_id}")
        _act(steps, step, task, actor, payload, now)
        new = steps.commit(step, actor, now)
    except BaseException:
        steps.cache.forget(case_id)
        raise
    return case_view(new)


def _act(
    steps: Stepper,
    step: Step,
    task: runtime.ReadyTask,
    actor: Actor,
    payload: Mapping[str, Any],
    now: datetime,
) -> None:
    """Apply the person's choice on the task and run the process on from it."""
    form = form_for(task.bpmn_id)
    authorize(form.roles, form.org, step.stored, actor)
    check_assignee(step.stored, task.task_id, actor)
    ctx = task_context(step, now, task.data)
    ctx.status = steps.status(step)
    deadline = runtime.task_deadline(step.workflow, task.task_id, form.timers)
    ctx.due = due_date_of(deadline) if deadline is not None else None
    choice = form.choice(payload.get("action"))
    if not choice.available(ctx):
        raise InvalidTaskData(f"当前不能执行“{choice.label_zh}”", field="action")
    effect: Effect = choice.apply(validate(choice, payload, ctx), ctx)
    if ctx.status == "paused" and any(
        activity in steps.pack.mediation_outcomes for activity, _ in effect.events
    ):
        # An outcome ends the appraisal pause on its own date (contract/EVENTS.md).
        step.drafts.append(Draft("pause_ended", {"reason": "调解已有结果"}, now))
    step.drafts.extend(Draft(a, d, now) for a, d in effect.events)
    step.facts.update({k: v for k, v in effect.facts.items() if v is not None})
    # What the person's choice sets off (a case closed because the clerk registered it)
    # is the person's act; only what a lapse sets off is the system's.
    chosen = StepContext(stamp=now)
    with step_context(chosen):
        runtime.complete(step.workflow, task.task_id, effect.data, now)
    lapsed = StepContext(stamp=now)
    with step_context(lapsed):
        runtime.settle(step.workflow, now)
    step.drafts.extend(stamped(chosen, now, system=False) + stamped(lapsed, now))
    step.reminders.extend(chosen.reminders + lapsed.reminders)
    reckon_again(steps, step)


def authorize(roles: frozenset[str], org: str, case: StoredCase, actor: Actor) -> None:
    if actor.role not in roles:
        who = "、".join(ROLE_NAMES.get(r, r) for r in sorted(roles))
        raise NotPermitted(f"此任务须由{who}办理")
    owner = case.court_org if org == "court" else case.mediator_org
    if owner is not None and actor.org != owner:
        raise NotPermitted(f"此任务由{owner}办理，您所在单位无权办理")


def check_assignee(case: StoredCase, task_id: str, actor: Actor) -> None:
    """A task a supervisor assigned is done by that person only, not by others of the org."""
    found = assignee(case.facts, task_id)
    if found is not None and found.get("username") != actor.id:
        name = found.get("name") or found.get("username")
        raise AssignedToOther(f"此任务已指派给{name}办理，您不能办理")
