"""Reading a case: its view, tasks and events come from the stored row; no workflow is loaded."""

from __future__ import annotations

from typing import Any

from engine.bpmn import runtime
from engine.domain.errors import CaseNotFound
from engine.domain.events import CaseEvent
from engine.ports import CaseQuery, CaseStore, StoredCase
from engine.views import CaseView, TaskView, case_view


def case(store: CaseStore, case_id: str) -> CaseView:
    stored = store.get(case_id)
    if stored is None:
        raise CaseNotFound(f"案件 {case_id} 不存在")
    return case_view(stored)


def tasks(store: CaseStore, case_id: str) -> list[TaskView]:
    return list(case(store, case_id).tasks)


def events(store: CaseStore, case_id: str) -> list[CaseEvent]:
    return store.events(case_id)


def view(stored: StoredCase) -> CaseView:
    """The case as callers see it, from its stored row."""
    return case_view(stored)


def open_cases(store: CaseStore, limit: int, offset: int = 0) -> list[CaseView]:
    """A page of the open cases, in id order."""
    return [
        case_view(c) for c in store.query(CaseQuery(open_only=True, limit=limit, offset=offset))
    ]


def finished_steps(store: CaseStore, serializer: Any, case_id: str) -> frozenset[str]:
    """BPMN ids of the steps the case has completed (closed cases too), for the diagram."""
    stored = store.get(case_id)
    if stored is None:
        raise CaseNotFound(f"案件 {case_id} 不存在")
    return frozenset(runtime.finished(serializer.deserialize_json(stored.workflow)))
