"""What callers see of a case: its row and its waiting tasks, with their legal due dates.

Built from the stored row alone (the task list is saved with each step), so listing cases and
inboxes never loads a workflow.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from engine.actions import FORMS, Context, available_choices
from engine.assignment import ASSIGNED, assignee
from engine.bpmn import runtime
from engine.ports import StoredCase
from engine.script_api import due_date_of


@dataclass(frozen=True)
class TaskView:
    case_id: str
    task_id: str
    bpmn_id: str
    title_zh: str
    roles: tuple[str, ...]
    org: str | None  # the organisation whose people may act
    due: str | None  # the legal due date (YYYY-MM-DD) of this wait, if any
    choices: tuple[dict[str, Any], ...] = ()
    # Reckoned over a year with no official holiday schedule yet: recomputed when it is loaded.
    due_provisional: bool = False
    # The one person a supervisor assigned it to (engine/assignment.py): login and display name.
    assignee: str | None = None
    assignee_name: str | None = None


@dataclass(frozen=True)
class CaseView:
    id: str
    process_id: str
    status: str
    version: int
    court_org: str | None
    mediator_org: str | None
    outcome: str | None
    facts: Mapping[str, Any]
    tasks: tuple[TaskView, ...]
    next_due: datetime | None
    opened_at: datetime
    closed_at: datetime | None
    # The rule pack and calendar its deadlines were last reckoned under (None: before 0014).
    pack_version: str | None = None
    calendar_version: str | None = None


def task_record(
    task: runtime.ReadyTask,
    workflow: Any,
    provisional: Callable[[date], bool],
    context: Context | None = None,
) -> dict[str, Any]:
    """The task as saved with the case: id, form, who acts, its legal due date, whether that
    date is provisional and (given the step's context) the choices a person may make now, the
    one list the pages and the HTTP API offer."""
    form = FORMS.get(task.bpmn_id)
    due: date | None = None
    if form is not None and form.timers:
        deadline = runtime.task_deadline(workflow, task.task_id, form.timers)
        if deadline is not None:
            due = due_date_of(deadline)
    record: dict[str, Any] = {
        "task_id": task.task_id,
        "bpmn_id": task.bpmn_id,
        "title_zh": form.title_zh if form else task.name,
        "roles": sorted(form.roles) if form else [],
        "org": form.org if form else None,
        "due": due.isoformat() if due else None,
        "provisional": bool(due and provisional(due)),
    }
    if form is not None and context is not None:
        record["choices"] = [c.id for c in available_choices(form, context)]
    return record


def _choices(record: Mapping[str, Any]) -> tuple[dict[str, Any], ...]:
    """The record's available choices; a row saved before they were recorded offers them all."""
    form = FORMS.get(record["bpmn_id"])
    if form is None:
        return ()
    allowed = record.get("choices")
    return tuple(
        {"id": c.id, "label_zh": c.label_zh, "fields": [f.__dict__ for f in c.fields]}
        for c in form.choices
        if allowed is None or c.id in allowed
    )


def case_view(stored: StoredCase) -> CaseView:
    """The case as callers see it, from its stored row (no workflow is loaded)."""
    tasks = tuple(
        TaskView(
            case_id=stored.id,
            task_id=t["task_id"],
            bpmn_id=t["bpmn_id"],
            title_zh=t["title_zh"],
            roles=tuple(t["roles"]),
            org=stored.court_org if t["org"] == "court" else stored.mediator_org,
            due=t["due"],
            due_provisional=bool(t.get("provisional")),
            choices=_choices(t),
            assignee=_assigned(stored, t["task_id"], "username"),
            assignee_name=_assigned(stored, t["task_id"], "name"),
        )
        for t in stored.facts.get("tasks", [])
    )
    return CaseView(
        id=stored.id,
        process_id=stored.process_id,
        status=stored.status,
        version=stored.version,
        court_org=stored.court_org,
        mediator_org=stored.mediator_org,
        outcome=stored.outcome,
        facts={k: v for k, v in stored.facts.items() if k not in ("tasks", ASSIGNED)},
        tasks=tasks,
        next_due=stored.next_due,
        opened_at=stored.opened_at,
        closed_at=stored.closed_at,
        pack_version=stored.pack_version,
        calendar_version=stored.calendar_version,
    )


def _assigned(stored: StoredCase, task_id: str, key: str) -> str | None:
    found = assignee(stored.facts, task_id)
    return str(found[key]) if found is not None and found.get(key) else None
