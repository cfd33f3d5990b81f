"""A supervisor assigns a waiting task to one person of the acting organisation, or clears it.

The engine checks what it alone knows: the task is waiting and the person has a role the task
takes and belongs to the organisation that acts on it. Who may assign (a supervisor of that
organisation or one above it) and whether the login exists and is active are the caller's to
check (api/http/assignments.py), as the engine knows neither accounts nor the registry.

An assignment is a step without events (there is no contract activity for it): the case row,
its waiting-task rows and its anchor are written as one unit of work, like a re-arm.
"""

from __future__ import annotations

from typing import Any

from engine import assignment
from engine.assignment import Person
from engine.domain.errors import ConcurrentUpdate, InvalidAssignee, TaskNotFound
from engine.use_cases.complete_task import ROLE_NAMES
from engine.use_cases.stepping import Actor, Stepper
from engine.views import CaseView, case_view


def assign_task(
    steps: Stepper,
    *,
    case_id: str,
    task_id: str,
    to: Person | None,
    by: Person,
    expected_version: int | None = None,
) -> CaseView:
    now = steps.clock.now()
    step = steps.load(case_id)
    try:
        stored = step.stored
        if expected_version is not None and expected_version != stored.version:
            raise ConcurrentUpdate(f"案件已被他人更新（当前版本 {stored.version}），请刷新后重试")
        task = waiting_task(stored.facts.get("tasks", []), case_id, task_id)
        if to is not None:
            acting = stored.court_org if task.get("org") == "court" else stored.mediator_org
            check_person(to, task, acting)
        current = assignment.assignee_login(stored.facts, task["task_id"])
        if current == (to.username if to is not None else None):
            return case_view(stored)  # already so: nothing to write, nothing to record
        assignment.note(step.facts, stored.facts, task, to, by, now)
        new = steps.commit(step, Actor(by.username, by.role, by.org), now)
    except BaseException:
        steps.cache.forget(case_id)
        raise
    return case_view(new)


def waiting_task(listed: list[dict[str, Any]], case_id: str, task_id: str) -> dict[str, Any]:
    """The saved record of a waiting task, by instance id or BPMN id."""
    found = next((t for t in listed if task_id in (t["task_id"], t["bpmn_id"])), None)
    if found is None:
        raise TaskNotFound(f"案件 {case_id} 当前没有待办任务 {task_id}")
    return found


def check_person(to: Person, task: dict[str, Any], acting: str | None) -> None:
    roles = task.get("roles", [])
    if to.role not in roles:
        who = "、".join(ROLE_NAMES.get(r, r) for r in sorted(roles))
        raise InvalidAssignee(
            f"{to.name}（{to.username}）不是{who}，不能办理此任务", field="username"
        )
    if acting is None:
        raise InvalidAssignee("此任务尚无办理单位，不能指派", field="username")
    if to.org != acting:
        raise InvalidAssignee(
            f"{to.name}（{to.username}）不属于{acting}，此任务由{acting}办理", field="username"
        )
