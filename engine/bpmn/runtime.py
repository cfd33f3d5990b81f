"""A typed facade over one SpiffWorkflow instance: start, list, complete, arm, step.

Callers get plain dataclasses, never SpiffWorkflow objects. Every entry point steps the workflow
the one safe way for 3.2.0: refresh_timers() before do_engine_steps(), under the engine clock.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from types import CodeType
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.bpmn.util.diff import diff_workflow
from SpiffWorkflow.util.task import TaskState

from engine.bpmn.clock import engine_clock
from engine.bpmn.sandbox import compile_checked
from engine.bpmn.specs import ProcessSpec


@dataclass(frozen=True, slots=True)
class ReadyTask:
    task_id: str
    bpmn_id: str
    name: str
    process_id: str  # the (sub)process the task belongs to
    data: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ArmedTimer:
    task_id: str
    bpmn_id: str
    name: str
    due_at: datetime  # UTC
    expression: str
    interrupting: bool


def start(entry: ProcessSpec, data: dict[str, Any], script_engine: Any, now: datetime) -> Any:
    workflow = BpmnWorkflow(entry.spec, entry.subprocess_specs, script_engine=script_engine)
    workflow.task_tree.data.update(data)
    step(workflow, now)
    return workflow


def step(workflow: Any, now: datetime) -> None:
    with engine_clock(now):
        workflow.refresh_timers()
        workflow.do_engine_steps()


def ready_tasks(workflow: Any) -> list[ReadyTask]:
    tasks = []
    for task in workflow.get_tasks(state=TaskState.READY, manual=True):
        spec = task.task_spec
        tasks.append(
            ReadyTask(
                str(task.id),
                spec.bpmn_id,
                spec.bpmn_name or spec.bpmn_id,
                task.workflow.spec.name,
                dict(task.data),
            )
        )
    return tasks


def ready_task(workflow: Any, task_id: str) -> ReadyTask | None:
    """One waiting user task by id, without walking the whole task tree."""
    try:
        task = workflow.get_task_from_id(UUID(task_id))
    except Exception:  # a malformed id, or SpiffWorkflow's TaskNotFoundException
        return None
    if task is None or task.state != TaskState.READY or not task.task_spec.manual:
        return None
    spec = task.task_spec
    return ReadyTask(
        str(task.id),
        spec.bpmn_id,
        spec.bpmn_name or spec.bpmn_id,
        task.workflow.spec.name,
        dict(task.data),
    )


def complete(workflow: Any, task_id: str, data: dict[str, Any], now: datetime) -> None:
    task = workflow.get_task_from_id(UUID(task_id))
    if task.state != TaskState.READY or not task.task_spec.manual:
        raise KeyError(f"task {task_id} is not waiting for a person")
    task.data.update(data)
    with engine_clock(now):
        task.run()
        # Finish what the person's step completes (a call activity ending cancels its boundary
        # timers); settle() then fires whatever is still due, in the system's name.
        workflow.do_engine_steps()


def settle(workflow: Any, now: datetime) -> None:
    """Fire the timers due by `now` and step on from them (after a person's step)."""
    step(workflow, now)


def armed_timers(workflow: Any) -> list[ArmedTimer]:
    """The timers the workflow waits on, earliest first (read without firing anything); a
    repeating timer (an escalation) by its next firing."""
    found = []
    # Every catching event registers with the top workflow's manager, subprocesses included.
    for task in workflow.event_manager.tasks.values():
        definition = task.task_spec.event_definition
        if not isinstance(definition, TimerEventDefinition):
            continue
        value = task.internal_data.get("event_value")
        if value is None or task.internal_data.get("event_fired"):
            continue
        if isinstance(definition, CycleTimerEventDefinition):
            if not isinstance(value, dict) or value.get("cycles") == 0:
                continue
            due = datetime.fromisoformat(value["next"]).astimezone(UTC)
        else:
            due = TimerEventDefinition.parse_time_or_duration(value).astimezone(UTC)
        spec = task.task_spec
        found.append(
            ArmedTimer(
                str(task.id),
                spec.bpmn_id,
                spec.bpmn_name or spec.bpmn_id,
                due,
                definition.expression,
                spec.cancel_activity if isinstance(spec, BoundaryEvent) else True,
            )
        )
    return sorted(found, key=lambda t: (t.due_at, t.bpmn_id))


def reevaluate_timers(
    workflow: Any, as_of: Callable[[datetime], AbstractContextManager[Any]]
) -> None:
    """Evaluate every armed timer's expression again, as of the instant it was armed (inside
    `as_of(that instant)`, so today() means the same day), and arm it with the result.

    For a new holiday schedule: the same expression now reckons over official dates. A repeating
    timer that has fired already keeps its rhythm; moved deadlines (pauses, extensions) are the
    caller's to re-apply.
    """
    for task in list(workflow.event_manager.tasks.values()):
        definition = task.task_spec.event_definition
        value = task.internal_data.get("event_value")
        armed = task.internal_data.get("armed_at")
        if (
            not isinstance(definition, TimerEventDefinition)
            or value is None
            or armed is None
            or task.internal_data.get("event_fired")
        ):
            continue
        armed_at = datetime.fromisoformat(armed)
        with as_of(armed_at), engine_clock(armed_at):
            fresh = workflow.script_engine.evaluate(task, definition.expression)
        if isinstance(definition, CycleTimerEventDefinition):
            if not isinstance(value, dict) or value.get("cycles") != -1:
                continue
            cycles, start, duration = TimerEventDefinition.parse_iso_recurring_interval(fresh)
            fresh = {
                "cycles": cycles,
                "next": start.isoformat(),
                "duration": duration.total_seconds(),
            }
        task._set_internal_data(event_value=fresh)


def migration_problems(workflow: Any, registry: Any, entry: ProcessSpec) -> list[str]:
    """Why a running workflow cannot move to another version of its process (empty: it can).

    It can when every task it waits on (a person's task, an armed timer, a call under way)
    still exists in the new version, in the top process and in each called process.
    """
    top, called = diff_workflow(registry, workflow, entry.spec, entry.subprocess_specs)
    problems = [f"{t.task_spec.bpmn_id or t.task_spec.name}" for t in _waiting(top.removed)]
    for sub_id, diff in called.items():
        sub = workflow.subprocesses[sub_id]
        if diff is None:
            problems.append(f"{sub.spec.name}（整个子流程）")
        else:
            problems += [f"{sub.spec.name}.{t.task_spec.bpmn_id}" for t in _waiting(diff.removed)]
    return problems


def migrate(workflow: Any, registry: Any, entry: ProcessSpec) -> None:
    """Move a workflow onto another version of its process (check migration_problems first).

    Every task keeps its state and data and takes the new version's definition of its step, as
    SpiffWorkflow's migrate_workflow does, but nothing is reset: a waiting person's task stays
    the same task and an armed timer keeps the deadline it was armed with. A step the new
    version adds is taken the next time the case gets there.
    """
    top, called = diff_workflow(registry, workflow, entry.spec, entry.subprocess_specs)
    _swap(top, workflow, entry.spec)
    for sub_id, diff in called.items():
        sub = workflow.subprocesses[sub_id]
        _swap(diff, sub, entry.subprocess_specs[sub.spec.name])
    workflow.subprocess_specs = entry.subprocess_specs


def _swap(diff: Any, workflow: Any, spec: Any) -> None:
    workflow.spec = spec
    for task in workflow.tasks.values():
        aligned = diff.alignment.get(task)
        if aligned is not None:
            task.task_spec = aligned


def _waiting(tasks: list[Any]) -> list[Any]:
    return [t for t in tasks if t.state & (TaskState.READY | TaskState.WAITING | TaskState.STARTED)]


def task_deadline(workflow: Any, task_id: str, timer_ids: tuple[str, ...]) -> datetime | None:
    """The earliest deadline among the named boundary timers that guard a waiting task, its
    enclosing call activities included; a reminder that already fired still counts (the task
    is then overdue)."""
    dues: list[datetime] = []
    task = workflow.get_task_from_id(UUID(task_id))
    while task is not None:
        for sibling in task.parent.children if task.parent is not None else ():
            value = sibling.internal_data.get("event_value")
            if (
                value is not None
                and sibling.task_spec.bpmn_id in timer_ids
                and sibling.state != TaskState.CANCELLED
                and isinstance(value, str)
            ):
                parsed = TimerEventDefinition.parse_time_or_duration(value)
                dues.append(parsed.astimezone(UTC))
        parent_id = task.workflow.parent_task_id
        task = workflow.get_task_from_id(parent_id) if parent_id is not None else None
    return min(dues, default=None)


def rearm(workflow: Any, task_id: str, due_at: datetime) -> None:
    """Move an armed timer (a pause or an agreed extension moved the deadline)."""
    task = workflow.get_task_from_id(UUID(task_id))
    task._set_internal_data(event_value=due_at.isoformat())


@lru_cache(maxsize=256)
def _period_call(expression: str) -> tuple[CodeType, CodeType] | None:
    """The rule and period arguments of a `period_due(rule, period, start)` timer expression."""
    tree = ast.parse(expression, mode="eval")
    call = tree.body
    if not (
        isinstance(call, ast.Call)
        and isinstance(call.func, ast.Name)
        and call.func.id == "period_due"
        and len(call.args) == 3
    ):
        return None
    rule, period = (compile_checked(ast.unparse(arg), "eval") for arg in call.args[:2])
    return rule, period


def period_reference(workflow: Any, task_id: str, expression: str) -> tuple[str, str] | None:
    """Which rule and period a timer waits for, read from its BPMN expression and task data."""
    codes = _period_call(expression)
    if codes is None:
        return None
    task = workflow.get_task_from_id(UUID(task_id))
    scope = {"__builtins__": {}, **task.data}
    rule, period = (eval(code, scope) for code in codes)  # noqa: S307 - checked, no builtins
    return str(rule), str(period)


def finished(workflow: Any) -> set[str]:
    """The BPMN ids of the steps this case has been through, in its process and the ones it
    called (the case page tints them on the diagram)."""
    return {
        task.task_spec.bpmn_id
        for task in workflow.get_tasks(state=TaskState.COMPLETED)
        if task.task_spec.bpmn_id
    }


def is_completed(workflow: Any) -> bool:
    return bool(workflow.is_completed())


def data(workflow: Any) -> dict[str, Any]:
    return dict(workflow.data)
