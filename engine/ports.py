"""What the engine needs from the outside world, as technology-free protocols.

storage/ implements CaseStore and UnitOfWork on SQL (SQLite, PostgreSQL) and in memory;
api/bootstrap.py picks one. A step of the engine is one `UnitOfWork.commit` of a `StepWrite`: the
workflow document, the case row, the new events, the case's timers, the waiting-task rows, the
outbox messages and the request's idempotency key are written together or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from engine.domain.events import GENESIS, CaseEvent


@dataclass
class StoredCase:
    """A case as stored: its row, its serialized workflow and where its event chain ends."""

    id: str
    process_id: str
    status: str
    version: int
    opened_at: datetime
    updated_at: datetime
    workflow: bytes  # serialized BPMN instance (spec by reference)
    court_org: str | None = None
    mediator_org: str | None = None
    outcome: str | None = None
    closed_at: datetime | None = None
    facts: dict[str, Any] = field(default_factory=dict)
    last_seq: int = 0
    last_hash: str = GENESIS
    next_due: datetime | None = None
    process_ref: str | None = None  # `process@version` of the BPMN the case runs on
    # The rule pack and calendar its deadlines were last reckoned under (standard_rules/versions)
    pack_version: str | None = None
    calendar_version: str | None = None


@dataclass(frozen=True, slots=True)
class Timer:
    """An armed BPMN timer, indexed so the worker finds due cases without loading any workflow."""

    case_id: str
    task_id: str
    name: str  # the timer event's BPMN id
    due_at: datetime


@dataclass(frozen=True, slots=True)
class CaseQuery:
    org: str | None = None  # cases handed to or from this organisation
    status: str | None = None
    process_id: str | None = None
    open_only: bool = False
    limit: int = 100
    offset: int = 0


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """A notification a step sends: queued with the step, delivered later by the outbox
    dispatcher; `key` makes it the same notification however often it is planned."""

    key: str
    case_id: str
    kind: str  # reminder | escalation
    channel: str  # email | sms | in_app
    recipient: str
    payload: dict[str, Any]
    due_at: datetime


@dataclass(frozen=True)
class StepWrite:
    """Everything one engine step writes, to be committed as one transaction."""

    case: StoredCase
    expected_version: int | None  # the version the step read; None: a new case
    events: Sequence[CaseEvent]
    timers: Sequence[Timer]
    messages: Sequence[OutboxMessage] = ()
    # The case's events before this step, as the step read them at `expected_version` (the
    # version check makes them the stored ones): the store audits them with the new ones
    # without reading them again. None: the store reads them.
    history: Sequence[CaseEvent] | None = None


class UnitOfWork(Protocol):
    """The one way the engine writes: a step is committed whole or not at all."""

    def commit(self, step: StepWrite) -> None:
        """Write, in one transaction, the case row (a new case: CaseExists if the id is taken;
        else a compare-and-swap on `expected_version`: ConcurrentUpdate and nothing written),
        its new events, its timers and waiting-task rows (replaced), the step's outbox
        messages (a key already queued is skipped) and the idempotency key of the request
        under way, if any (storage/idempotency.py: `within_step`)."""
        ...


class CaseStore(UnitOfWork, Protocol):
    """The cases: what the engine reads, leases for the timer sweep, and the unit of work."""

    def get(self, case_id: str) -> StoredCase | None: ...

    def events(self, case_id: str) -> list[CaseEvent]: ...

    def all_events(self) -> Iterable[CaseEvent]:
        """Every event, cases in id order, events in order (for export)."""
        ...

    def timers(self, case_id: str) -> list[Timer]: ...

    def due_cases(self, now: datetime, limit: int) -> list[tuple[str, datetime]]:
        """(case id, earliest due) of cases with a timer due by now, earliest first."""
        ...

    def open_cases_on(self, refs: Sequence[str]) -> list[str]:
        """Ids of the open cases running on any of these `process@version` (in id order)."""
        ...

    def open_cases_by_process_ref(self) -> dict[str, int]:
        """How many open cases run on each `process@version`."""
        ...

    def cases_with_timers_from(self, instant: datetime) -> list[str]:
        """Ids of the cases with a timer due at or after `instant` (in id order)."""
        ...

    def next_due(self) -> datetime | None: ...

    def claim_due(
        self, now: datetime, worker: str, lease_seconds: float, exclude: frozenset[str]
    ) -> tuple[str, datetime | None] | None:
        """Lease the case with the earliest timer due before `now` that no other worker holds
        (PostgreSQL: FOR UPDATE SKIP LOCKED). Returns (case id, the earliest due time among
        the other due cases) or None when nothing is due."""
        ...

    def release(self, case_id: str, worker: str) -> None: ...

    def query(self, query: CaseQuery) -> list[StoredCase]: ...

    def count(self) -> int: ...


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, tz-aware UTC."""
        ...


class ProcessArchive(Protocol):
    """Every deployed version of the process files, by version (engine/bpmn/specs.py)."""

    def keep(self, version: str, files: dict[str, bytes], at: datetime) -> None:
        """Store a version's files unless that version is stored already."""
        ...

    def files(self, version: str) -> dict[str, bytes]:
        """A stored version's files (empty when the version is unknown)."""
        ...

    def versions(self) -> list[tuple[str, datetime]]:
        """Every stored version with when it was first deployed, oldest first."""
        ...
