"""Recently stepped workflows kept deserialized, so a step does not parse the whole document.

An entry is only used when the stored row still has the version it was cached at; a step takes
its entry out (two concurrent steps of one case must never share, and both mutate, one object)
and puts it back only after its commit succeeded.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from engine.domain.events import CaseEvent
from engine.ports import StoredCase


class WorkflowCache:
    def __init__(self, size: int) -> None:
        self.size = size
        # case id -> (version, live workflow, event history)
        self.entries: OrderedDict[str, tuple[int, Any, list[CaseEvent]]] = OrderedDict()

    def take(self, case_id: str, version: int) -> tuple[Any, list[CaseEvent]] | None:
        """The live workflow and history of the case at `version`, removed from the cache."""
        cached = self.entries.pop(case_id, None)
        if cached is None or cached[0] != version:
            return None
        return cached[1], list(cached[2])

    def keep(self, stored: StoredCase, workflow: Any, history: list[CaseEvent]) -> None:
        if stored.status == "closed":
            self.entries.pop(stored.id, None)
            return
        self.entries[stored.id] = (stored.version, workflow, history)
        self.entries.move_to_end(stored.id)
        while len(self.entries) > self.size:
            self.entries.popitem(last=False)

    def forget(self, case_id: str) -> None:
        self.entries.pop(case_id, None)

    def __len__(self) -> int:
        return len(self.entries)
