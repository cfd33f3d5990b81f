"""What every use case shares: who acts, a step under way, and its load → seal → commit cycle.

A step loads the case (from the workflow cache when the row's version still matches), changes
its live workflow, then `commit` seals the new events onto the hash chain, snapshots the waiting
tasks and armed timers into the row, and hands all of it, with the step's outbox messages, to
the unit of work as one write.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any

from engine import assignment, reckoning
from engine.actions import Context
from engine.bpmn import runtime
from engine.bpmn.sandbox import script_engine
from engine.bpmn.serializer import make_serializer
from engine.bpmn.specs import SpecLibrary
from engine.domain.errors import CaseNotFound, TransitionNotAllowed
from engine.domain.events import CaseEvent, chain
from engine.domain.lifecycle import apply as lifecycle_apply
from engine.ports import CaseStore, Clock, OutboxMessage, StepWrite, StoredCase, Timer, UnitOfWork
from engine.script_api import Draft, Reminder, StepContext, script_functions, shanghai_date
from engine.use_cases.workflow_cache import WorkflowCache
from engine.views import task_record
from standard_rules.legal_calendar import LegalCalendar
from standard_rules.pack import RulePack


@dataclass(frozen=True)
class Actor:
    id: str
    role: str  # court_clerk | mediator | judge | party | system | auditor | admin
    org: str


SYSTEM = Actor("system", "system", "")


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


# The notifications a step sends, from the case as the step leaves it and the reminders its
# timers fired (api/bootstrap.py wires the escalation planner); queued in the step's transaction.
MessagePlanner = Callable[[StoredCase, Sequence[Reminder]], Sequence[OutboxMessage]]


@dataclass
class Step:
    """A step under way: the loaded case, its live workflow and what the step produced."""

    stored: StoredCase
    workflow: Any
    status: str
    history: list[CaseEvent]
    drafts: list[Draft] = field(default_factory=list)
    reminders: list[Reminder] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)


class Stepper:
    """The ports, rules and process specs every use case works with, and the step cycle."""

    def __init__(
        self,
        store: CaseStore,
        pack: RulePack,
        calendar: LegalCalendar,
        specs: SpecLibrary,
        clock: Clock,
        *,
        uow: UnitOfWork | None = None,
        cache_size: int = 2048,
        messages: MessagePlanner | None = None,
    ) -> None:
        self.store = store
        self.uow: UnitOfWork = uow or store
        self.pack = pack
        self.calendar = calendar
        self.specs = specs
        self.clock = clock
        self.functions = script_functions(pack, calendar)
        self.script_engine = script_engine(self.functions)
        self.serializer = make_serializer(self.specs, self.script_engine)
        self.cache = WorkflowCache(cache_size)
        self.messages = messages

    def load(self, case_id: str) -> Step:
        stored = self.store.get(case_id)
        if stored is None:
            raise CaseNotFound(f"案件 {case_id} 不存在")
        if stored.status == "closed":
            raise TransitionNotAllowed(f"案件 {case_id} 已结案")
        # The loser of a version race re-reads the row; see workflow_cache.py.
        cached = self.cache.take(case_id, stored.version)
        if cached is not None:
            workflow, history = cached
        else:
            workflow = self.serializer.deserialize_json(stored.workflow)
            history = self.store.events(case_id)
        return Step(stored, workflow, stored.status, history)

    def commit(self, step: Step, actor: Actor, now: datetime, *, new: bool = False) -> StoredCase:
        """Seal the step and write it as one unit of work; the live workflow is cached again
        only once the write succeeded."""
        case, events, timers = self.seal(step, actor, now)
        messages = self.messages(case, step.reminders) if self.messages else ()
        expected = None if new else step.stored.version
        self.uow.commit(StepWrite(case, expected, events, timers, tuple(messages), step.history))
        self.cache.keep(case, step.workflow, step.history + events)
        return case

    def seal(
        self, step: Step, actor: Actor, now: datetime
    ) -> tuple[StoredCase, list[CaseEvent], list[Timer]]:
        """Check the lifecycle, seal the events, snapshot tasks and timers: the step's writes."""
        stored = step.stored
        status = stored.status
        outcome = stored.outcome
        closed_at = stored.closed_at
        drafts = reckoning.mark(
            sorted(step.drafts, key=lambda d: d.at or now), self.pack, self.calendar
        )
        for draft in drafts:
            status = lifecycle_apply(status, draft.activity)
            if draft.activity == "case_closed":
                outcome = draft.data.get("outcome")
                closed_at = draft.at or now
        sealed = chain(
            stored.id,
            stored.last_hash,
            stored.last_seq + 1,
            [(d.activity, d.at or now, d.data, *self.who(d, actor)) for d in drafts],
        )
        timers = [
            Timer(stored.id, t.task_id, t.bpmn_id, t.due_at)
            for t in runtime.armed_timers(step.workflow)
        ]
        facts = dict(stored.facts)
        facts.update(step.facts)
        facts["tasks"] = [
            task_record(
                t,
                step.workflow,
                self.provisional,
                replace(task_context(step, now, t.data), status=status),
            )
            for t in runtime.ready_tasks(step.workflow)
        ]
        # An assignment is of one task instance: the tasks this step ends take theirs along.
        assignment.keep_waiting(facts, (t["task_id"] for t in facts["tasks"]))
        if step.reminders:
            facts.setdefault("reminders", [])
            facts["reminders"] = (
                facts["reminders"]
                + [{"rule": r.rule, "task": r.task, "at": r.at.isoformat()} for r in step.reminders]
            )[-50:]
        new = replace(
            stored,
            status=status,
            version=stored.version + 1,
            updated_at=now,
            workflow=self.serializer.serialize_json(step.workflow).encode(),
            mediator_org=step.facts.get("mediator_org", stored.mediator_org),
            court_org=step.facts.get("court_org", stored.court_org),
            outcome=outcome,
            closed_at=closed_at,
            facts=facts,
            last_seq=sealed[-1].seq if sealed else stored.last_seq,
            last_hash=sealed[-1].hash if sealed else stored.last_hash,
            next_due=min((t.due_at for t in timers), default=None),
            process_ref=self.specs.ref_of(step.workflow.spec),
            pack_version=reckoning.pack_id(self.pack),
            calendar_version=self.calendar.version.id,
        )
        if status == "closed":
            timers = []
            new.next_due = None
        return new, sealed, timers

    def status(self, step: Step) -> str:
        """The case's status with the step's events so far applied."""
        status = step.stored.status
        for draft in sorted(step.drafts, key=lambda d: d.at or step.stored.updated_at):
            status = lifecycle_apply(status, draft.activity)
        return status

    def provisional(self, due: date) -> bool:
        """A due date in a year with no official schedule yet is provisional (EVENTS.md)."""
        return not self.calendar.is_official(due.year)

    @staticmethod
    def who(draft: Draft, actor: Actor) -> tuple[str | None, str | None, str | None]:
        if actor.role == "system" or draft.system:
            return ("system", "system", None)
        return (actor.id, actor.role, actor.org or None)


def stamped(context: StepContext, at: datetime, *, system: bool = True) -> list[Draft]:
    """The events a step's BPMN code emitted, each at its own instant or the step's."""
    return [Draft(d.activity, d.data, d.at or at, system=system) for d in context.drafts]


def task_context(step: Step, now: datetime, data: Mapping[str, Any]) -> Context:
    """What a task's choices may look at: the day, the case's status and what it has seen."""
    seen = frozenset(e.activity for e in step.history) | {d.activity for d in step.drafts}
    return Context(
        today=shanghai_date(now),
        process_id=step.stored.process_id,
        status=step.status,
        data=data,
        seen=frozenset(seen),
    )
