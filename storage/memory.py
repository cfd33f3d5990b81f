"""The in-memory twin of the SQL store: same contract, used by property tests and demos.

It copies on the way in and out, so a caller holding a StoredCase cannot change what is stored
without going through update(), exactly as with a database.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from copy import deepcopy
from datetime import UTC, datetime, timedelta

from engine.domain.errors import CaseExists, ConcurrentUpdate
from engine.domain.events import CaseEvent
from engine.ports import CaseQuery, OutboxMessage, StepWrite, StoredCase, Timer


class MemoryCaseStore:
    def __init__(self) -> None:
        self._cases: dict[str, StoredCase] = {}
        self._events: dict[str, list[CaseEvent]] = {}
        self._timers: dict[str, list[Timer]] = {}
        self._lock = threading.RLock()
        self._leases: dict[str, tuple[str, datetime]] = {}
        self.outbox: dict[str, OutboxMessage] = {}  # the messages steps queued, by key

    def get(self, case_id: str) -> StoredCase | None:
        case = self._cases.get(case_id)
        return deepcopy(case) if case is not None else None

    def insert(
        self, case: StoredCase, events: Sequence[CaseEvent], timers: Sequence[Timer]
    ) -> None:
        self.commit(StepWrite(case, None, events, timers))

    def update(
        self,
        case: StoredCase,
        expected_version: int,
        events: Sequence[CaseEvent],
        timers: Sequence[Timer],
    ) -> None:
        self.commit(StepWrite(case, expected_version, events, timers))

    def commit(self, step: StepWrite) -> None:
        """The unit of work: every check first, then every write, under one lock."""
        case = step.case
        with self._lock:
            if step.expected_version is None:
                if case.id in self._cases or _seq_clash((), step.events):
                    raise CaseExists(f"案件 {case.id} 已存在")
                self._events[case.id] = []
            else:
                current = self._cases.get(case.id)
                if (
                    current is None
                    or current.version != step.expected_version
                    or _seq_clash(self._events[case.id], step.events)
                ):  # as the SQL store's unique (case_id, seq): a racing writer's events
                    raise ConcurrentUpdate(f"案件 {case.id} 已被他人更新，请刷新后重试")
            self._cases[case.id] = deepcopy(case)
            self._events[case.id].extend(step.events)
            self._timers[case.id] = list(step.timers)
            for message in step.messages:  # a key already queued is skipped, as in SQL
                self.outbox.setdefault(message.key, message)

    def events(self, case_id: str) -> list[CaseEvent]:
        return list(self._events.get(case_id, ()))

    def all_events(self) -> Iterable[CaseEvent]:
        for case_id in sorted(self._events):
            yield from self._events[case_id]

    def timers(self, case_id: str) -> list[Timer]:
        return list(self._timers.get(case_id, ()))

    def open_cases_on(self, refs: Sequence[str]) -> list[str]:
        wanted = set(refs)
        return sorted(
            c.id for c in self._cases.values() if c.status != "closed" and c.process_ref in wanted
        )

    def open_cases_by_process_ref(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for c in self._cases.values():
            if c.status != "closed" and c.process_ref:
                counts[c.process_ref] = counts.get(c.process_ref, 0) + 1
        return counts

    def cases_with_timers_from(self, instant: datetime) -> list[str]:
        return sorted(c for c, ts in self._timers.items() if any(t.due_at >= instant for t in ts))

    def due_cases(self, now: datetime, limit: int) -> list[tuple[str, datetime]]:
        due = []
        for case_id, timers in self._timers.items():
            earliest = min((t.due_at for t in timers), default=None)
            if earliest is not None and earliest <= now:
                due.append((case_id, earliest))
        due.sort(key=lambda item: (item[1], item[0]))
        return due[:limit]

    def claim_due(
        self, now: datetime, worker: str, lease_seconds: float, exclude: frozenset[str]
    ) -> tuple[str, datetime | None] | None:
        with self._lock:
            due = [
                (case_id, when)
                for case_id, when in self.due_cases(now, len(self._timers))
                if case_id not in exclude
            ]
            for case_id, _ in due:
                holder = self._leases.get(case_id)
                if holder is None or holder[1] <= now or holder[0] == worker:
                    self._leases[case_id] = (worker, now + timedelta(seconds=lease_seconds))
                    others = [when for other, when in due if other != case_id]
                    return case_id, min(others, default=None)
            return None

    def release(self, case_id: str, worker: str) -> None:
        with self._lock:
            if self._leases.get(case_id, ("", now_utc()))[0] == worker:
                del self._leases[case_id]

    def next_due(self) -> datetime | None:
        return min((t.due_at for ts in self._timers.values() for t in ts), default=None)

    def query(self, query: CaseQuery) -> list[StoredCase]:
        found = []
        for case in sorted(self._cases.values(), key=lambda c: c.id):
            if query.org is not None and query.org not in (case.court_org, case.mediator_org):
                continue
            if query.status is not None and case.status != query.status:
                continue
            if query.process_id is not None and case.process_id != query.process_id:
                continue
            if query.open_only and case.status == "closed":
                continue
            found.append(case)
        return [deepcopy(c) for c in found[query.offset : query.offset + query.limit]]

    def count(self) -> int:
        return len(self._cases)


def _seq_clash(stored: Sequence[CaseEvent], new: Sequence[CaseEvent]) -> bool:
    """True when a new event repeats the seq of a stored one or of another new one."""
    seen = {e.seq for e in stored}
    for event in new:
        if event.seq in seen:
            return True
        seen.add(event.seq)
    return False


def now_utc() -> datetime:
    return datetime.now(UTC)
