"""Who a waiting task is assigned to, kept with the case's facts.

A supervisor may name one person of the acting organisation for a waiting task; only that person
may then complete it. There is no contract event for an assignment (contract/EVENTS.md records
what happens to the dispute, not who of an organisation does it), so the case keeps it in its
facts, as it keeps re-arms (`facts["rearmed"]`):

- `facts["assigned"]`: task instance id -> the current assignee, only for tasks still waiting
  (each step drops the others, so the task a completion creates starts unassigned);
- `facts["assignments"]`: the history (who assigned whom to which task, when), latest last.

Both live in the case row, so the waiting-task read model and `suitiao reindex`, which derive
their rows from the case, keep the assignee without a table of their own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, MutableMapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from standard_rules.timezone import SHANGHAI

ASSIGNED = "assigned"
HISTORY = "assignments"
HISTORY_KEPT = 100  # a case sees a handful; the bound keeps a row from growing without end


@dataclass(frozen=True)
class Person:
    """Someone a task is assigned to, or who assigns it: login, display name, role, organisation."""

    username: str
    name: str
    role: str
    org: str


def assignee(facts: Mapping[str, Any], task_id: str) -> Mapping[str, Any] | None:
    """The current assignee of a waiting task ({"username", "name", …}), or None."""
    found = facts.get(ASSIGNED)
    if not isinstance(found, Mapping):
        return None
    entry = found.get(task_id)
    return entry if isinstance(entry, Mapping) else None


def assignee_login(facts: Mapping[str, Any], task_id: str) -> str | None:
    entry = assignee(facts, task_id)
    return str(entry["username"]) if entry and entry.get("username") else None


def keep_waiting(facts: MutableMapping[str, Any], waiting: Iterable[str]) -> None:
    """Drop the assignments of tasks no longer waiting (a step completed or cancelled them)."""
    found = facts.get(ASSIGNED)
    if not isinstance(found, Mapping):
        return
    ids = set(waiting)
    facts[ASSIGNED] = {k: v for k, v in found.items() if k in ids}


def note(
    facts: MutableMapping[str, Any],
    earlier: Mapping[str, Any],
    task: Mapping[str, Any],
    to: Person | None,
    by: Person,
    at: datetime,
) -> None:
    """Assign `task` (a saved task record) to `to`, or clear it (None), and record who did it."""
    when = at.astimezone(SHANGHAI).isoformat()
    current = dict(earlier.get(ASSIGNED) or {})
    if to is None:
        current.pop(task["task_id"], None)
    else:
        current[task["task_id"]] = {
            "username": to.username,
            "name": to.name,
            "by": by.username,
            "at": when,
        }
    facts[ASSIGNED] = current
    entry = {
        "at": when,
        "task_id": task["task_id"],
        "bpmn_id": task["bpmn_id"],
        "title_zh": task.get("title_zh", ""),
        "to": to.username if to else None,
        "to_name": to.name if to else None,
        "by": by.username,
        "by_name": by.name,
    }
    facts[HISTORY] = [*list(earlier.get(HISTORY) or []), entry][-HISTORY_KEPT:]
