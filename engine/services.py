"""`Engine`: the engine's use cases behind one object, for callers (api/, tests, benchmarks).

The logic lives in engine/use_cases/, one module per use case, around one unit of work
(engine/ports.py): each call is one step and one transaction, the workflow document, the case
row (compare-and-swap on its version), the new hash-chained events, the case's timers, the
waiting-task rows, the step's outbox messages and the request's idempotency key together or not
at all. This facade only wires the use cases to one shared Stepper (ports, rules, cache).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from engine.assignment import Person
from engine.bpmn.specs import SpecLibrary
from engine.domain.events import CaseEvent
from engine.ports import CaseStore, Clock, StoredCase, UnitOfWork
from engine.use_cases import queries
from engine.use_cases.assign_task import assign_task
from engine.use_cases.complete_task import complete_task
from engine.use_cases.fire_timers import FireTimers
from engine.use_cases.migrate import Migration, migrate_cases
from engine.use_cases.open_case import INITIAL_DATA, open_case
from engine.use_cases.rearm import Rearmed, rearm_from
from engine.use_cases.stepping import (
    SYSTEM,
    Actor,
    MessagePlanner,
    Step,
    Stepper,
    SystemClock,
)
from engine.views import CaseView, TaskView
from standard_rules.legal_calendar import LegalCalendar
from standard_rules.pack import RulePack


class Engine:
    def __init__(
        self,
        store: CaseStore,
        pack: RulePack,
        calendar: LegalCalendar,
        specs: SpecLibrary | None = None,
        clock: Clock | None = None,
        cache_size: int = 2048,
        *,
        uow: UnitOfWork | None = None,
        messages: MessagePlanner | None = None,
    ) -> None:
        self.steps = Stepper(
            store,
            pack,
            calendar,
            specs or SpecLibrary(),
            clock or SystemClock(),
            uow=uow,
            cache_size=cache_size,
            messages=messages,
        )
        self._timers = FireTimers(self.steps)

    # -- what callers read ---------------------------------------------------------------------

    @property
    def store(self) -> CaseStore:
        return self.steps.store

    @property
    def pack(self) -> RulePack:
        return self.steps.pack

    @property
    def calendar(self) -> LegalCalendar:
        return self.steps.calendar

    @property
    def specs(self) -> SpecLibrary:
        return self.steps.specs

    @property
    def serializer(self) -> Any:
        return self.steps.serializer

    @property
    def script_engine(self) -> Any:
        return self.steps.script_engine

    @property
    def clock(self) -> Clock:
        return self.steps.clock

    @clock.setter
    def clock(self, clock: Clock) -> None:  # tests and the demo move time
        self.steps.clock = clock

    @property
    def worker(self) -> str:
        return self._timers.worker

    @property
    def failed_fires(self) -> int:
        return self._timers.failed

    # -- the use cases -------------------------------------------------------------------------

    def case(self, case_id: str) -> CaseView:
        return queries.case(self.store, case_id)

    def events(self, case_id: str) -> list[CaseEvent]:
        return queries.events(self.store, case_id)

    def finished_steps(self, case_id: str) -> frozenset[str]:
        """BPMN ids of the steps the case has completed (closed cases too)."""
        return queries.finished_steps(self.store, self.steps.serializer, case_id)

    def tasks(self, case_id: str) -> list[TaskView]:
        return queries.tasks(self.store, case_id)

    def open_cases(self, limit: int, offset: int = 0) -> list[CaseView]:
        return queries.open_cases(self.store, limit, offset)

    def view(self, stored: StoredCase) -> CaseView:
        """The case as callers see it, from its stored row (no workflow is loaded)."""
        return queries.view(stored)

    def open_case(
        self,
        *,
        process_id: str,
        case_id: str,
        actor: Actor,
        facts: Mapping[str, Any] | None = None,
        court_org: str | None = None,
        mediator_org: str | None = None,
    ) -> CaseView:
        return open_case(
            self.steps,
            process_id=process_id,
            case_id=case_id,
            actor=actor,
            facts=facts,
            court_org=court_org,
            mediator_org=mediator_org,
        )

    def complete(
        self,
        *,
        case_id: str,
        task_id: str,
        actor: Actor,
        payload: Mapping[str, Any],
        expected_version: int | None = None,
    ) -> CaseView:
        return complete_task(
            self.steps,
            case_id=case_id,
            task_id=task_id,
            actor=actor,
            payload=payload,
            expected_version=expected_version,
        )

    def assign(
        self,
        *,
        case_id: str,
        task_id: str,
        to: Person | None,
        by: Person,
        expected_version: int | None = None,
    ) -> CaseView:
        """Assign a waiting task to one person of the acting organisation (None: clear it)."""
        return assign_task(
            self.steps,
            case_id=case_id,
            task_id=task_id,
            to=to,
            by=by,
            expected_version=expected_version,
        )

    def fire_due(self, now: datetime | None = None, limit: int = 500) -> int:
        return self._timers(now, limit)

    def rearm_from(self, since: datetime, *, dry_run: bool = False) -> list[Rearmed]:
        return rearm_from(self.steps, since, dry_run=dry_run)

    def migrate_cases(
        self, from_version: str, to_version: str, *, dry_run: bool = False
    ) -> Migration:
        return migrate_cases(self.steps, from_version, to_version, dry_run=dry_run)

    # -- the workflow cache, for benchmarks and tests that measure it ---------------------------

    @property
    def _cache(self) -> OrderedDict[str, tuple[int, Any, list[CaseEvent]]]:
        return self.steps.cache.entries

    @property
    def _cache_size(self) -> int:
        return self.steps.cache.size

    def _load(self, case_id: str) -> Step:
        return self.steps.load(case_id)

    def _remember(self, stored: StoredCase, workflow: Any, history: list[CaseEvent]) -> None:
        self.steps.cache.keep(stored, workflow, history)


__all__ = [
    "INITIAL_DATA",
    "SYSTEM",
    "Actor",
    "CaseView",
    "Engine",
    "Migration",
    "Person",
    "Rearmed",
    "SystemClock",
    "TaskView",
]
