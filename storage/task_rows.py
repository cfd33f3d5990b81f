"""The waiting-task read model: rows derived from a case as the step saves it.

A case row carries its waiting tasks (facts["tasks"], with due dates, roles and the acting
side); the store writes one task row per entry in the same transaction as the case, so the
inbox and `GET /tasks` are indexed, paginated queries whatever the number of cases.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from engine.assignment import assignee_login
from engine.ports import StoredCase
from storage.tables import TaskRowRecord

task_rows_t = TaskRowRecord.__table__  # type: ignore[attr-defined]
NO_DUE = date.max.toordinal()  # tasks without a due date sort after every dated one


def task_rows(case: StoredCase) -> list[dict[str, Any]]:
    """The read-model rows of a case as stored (none once it is closed)."""
    if case.status == "closed":
        return []
    search = " ".join([case.id, *party_names(case.facts)]).lower()
    rows = []
    for task in case.facts.get("tasks", []):
        due = task.get("due")
        side = task.get("org")
        rows.append(
            {
                "case_id": case.id,
                "task_id": task["task_id"],
                "bpmn_id": task["bpmn_id"],
                "process_id": case.process_id,
                "status": case.status,
                "court_org": case.court_org,
                "mediator_org": case.mediator_org,
                "acting_org": case.court_org if side == "court" else case.mediator_org,
                "roles": "," + ",".join(task.get("roles", [])) + ",",
                "title_zh": str(task.get("title_zh", ""))[:200],
                "due": due,
                "due_sort": date.fromisoformat(due).toordinal() if due else NO_DUE,
                "provisional": bool(task.get("provisional")),
                "search": search,
                # from the case's facts, so a rebuilt row (suitiao reindex) keeps it
                "assignee": assignee_login(case.facts, task["task_id"]),
            }
        )
    return rows


def party_names(facts: Mapping[str, Any]) -> list[str]:
    names = []
    for key in ("consumer", "business"):
        party = facts.get(key)
        if isinstance(party, Mapping) and party.get("name"):
            names.append(str(party["name"]))
    return names
