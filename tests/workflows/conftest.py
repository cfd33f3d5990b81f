"""Driving the engine through whole cases: a fake clock, actors, and a driver that can reload.

The driver completes tasks by their BPMN id, moves the clock, fires due timers and audits the
case's event log. In "reloaded" mode every step is followed by a fresh Engine over the same store
(empty workflow cache): it must see the same case, the same ready tasks and the same armed timers
from the stored document alone, and it carries out the next step.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest

from engine.bpmn import runtime
from engine.bpmn.specs import SpecLibrary
from engine.domain.errors import DomainError
from engine.domain.events import CaseEvent
from engine.ports import CaseStore
from engine.reckoning import RECKONED, period_activities
from engine.services import Actor, CaseView, Engine, TaskView
from standard_rules.audit import Finding, audit
from standard_rules.eventlog import Event, event_from_record
from standard_rules.legal_calendar import LegalCalendar, default_calendar
from standard_rules.pack import RulePack, default_pack
from standard_rules.versions import pack_version
from storage.memory import MemoryCaseStore

SH = timezone(timedelta(hours=8))

COURT = "临海市人民法院"
CPC = "临海市消保委"
OTHER_COURT = "椒江区人民法院"
OTHER_CPC = "台州市消保委"

CLERK = Actor("clerk-01", "court_clerk", COURT)
MEDIATOR = Actor("med-007", "mediator", CPC)
JUDGE = Actor("judge-03", "judge", COURT)

# Rules no engine-run case may break unless a person acted late on purpose.
GUARDED = frozenset({"R02", "R16", "R17", "R22", "R40", "T01"})


def sh(
    year: int, month: int, day: int, hour: int = 9, minute: int = 0, second: int = 0
) -> datetime:
    """An instant in Asia/Shanghai."""
    return datetime(year, month, day, hour, minute, second, tzinfo=SH)


def end_of(day: str) -> datetime:
    """24:00 (Asia/Shanghai) of an ISO date, i.e. 00:00 of the next day: the instant a deadline
    on that day expires and a lapse is recorded."""
    d = date.fromisoformat(day) + timedelta(days=1)
    return datetime(d.year, d.month, d.day, tzinfo=SH)


def last_instant(day: str) -> datetime:
    """23:59:59.999999 of an ISO date in Asia/Shanghai: still within the due date."""
    return end_of(day) - timedelta(microseconds=1)


class FakeClock:
    def __init__(self, start: datetime) -> None:
        self.current = start

    def now(self) -> datetime:
        return self.current.astimezone(UTC)

    def set(self, at: datetime) -> None:
        self.current = at


def audit_events(events: list[CaseEvent], as_of: datetime, pack: RulePack) -> list[Finding]:
    """Export the log as EVENTS.md lines (through JSON, as a file would carry it) and audit it."""
    parsed: list[Event] = []
    for line, event in enumerate(events, start=1):
        record = json.loads(json.dumps(event.record(), ensure_ascii=False))
        item = event_from_record(record, pack.contract_activities, line, line, "engine")
        assert not isinstance(item, str), f"line {line}: {item}"
        parsed.append(item)
    return audit(parsed, pack, default_calendar(), as_of).findings


class Driver:
    def __init__(
        self,
        specs: SpecLibrary,
        pack: RulePack,
        calendar: LegalCalendar,
        *,
        reload: bool = False,
        store: CaseStore | None = None,
        start: datetime | None = None,
    ) -> None:
        self.specs, self.pack, self.calendar = specs, pack, calendar
        self.reload = reload
        self.store: CaseStore = store if store is not None else MemoryCaseStore()
        self.clock = FakeClock(start or sh(2025, 3, 3, 9))
        self.engine = self._engine()
        self.case_id = ""
        self.last: CaseView | None = None
        self.steps = 0

    @property
    def mode(self) -> str:
        return "reloaded" if self.reload else "cached"

    def _engine(self) -> Engine:
        return Engine(self.store, self.pack, self.calendar, specs=self.specs, clock=self.clock)

    # -- acting ----------------------------------------------------------------------------------

    def open(
        self,
        process_id: str,
        actor: Actor,
        case_id: str = "(2025)浙1082民诉前调1号",
        **kwargs: Any,
    ) -> CaseView:
        self.case_id = case_id
        self.last = self.engine.open_case(
            process_id=process_id, case_id=case_id, actor=actor, **kwargs
        )
        self._checkpoint()
        return self.last

    def at(self, when: datetime) -> None:
        self.clock.set(when)

    def task(self, bpmn_id: str) -> TaskView:
        found = [t for t in self.view.tasks if t.bpmn_id == bpmn_id]
        assert len(found) == 1, f"{bpmn_id} not ready ({self.ready()}) [{self.mode}]"
        return found[0]

    def do(self, actor: Actor, bpmn_id: str, **payload: Any) -> CaseView:
        task = self.task(bpmn_id)
        self.last = self.engine.complete(
            case_id=self.case_id, task_id=task.task_id, actor=actor, payload=payload
        )
        self._checkpoint()
        return self.last

    def attempt(
        self, error: type[DomainError], actor: Actor, bpmn_id: str, **payload: Any
    ) -> DomainError:
        """A step the engine refuses; whatever the engine saved meanwhile is checked as a step."""
        task = self.task(bpmn_id)
        with pytest.raises(error) as info:
            self.engine.complete(
                case_id=self.case_id, task_id=task.task_id, actor=actor, payload=payload
            )
        self.last = self.view
        self._checkpoint()
        return info.value

    def fire(self, when: datetime) -> int:
        """Move the clock to `when` and run the timer sweep."""
        self.clock.set(when)
        stepped = self.engine.fire_due()
        self.last = self.view
        self._checkpoint()
        return stepped

    # -- reading ---------------------------------------------------------------------------------

    @property
    def view(self) -> CaseView:
        return self.engine.case(self.case_id)

    def ready(self) -> list[str]:
        return [t.bpmn_id for t in self.view.tasks]

    def due(self, bpmn_id: str) -> str | None:
        return self.task(bpmn_id).due

    def events(self) -> list[CaseEvent]:
        return self.store.events(self.case_id)

    def activities(self) -> list[str]:
        return [e.activity for e in self.events()]

    def event(self, activity: str, occurrence: int = -1) -> CaseEvent:
        """The event, its `reckoned` stamp checked here once and left out, so a path states
        only the data the path is about."""
        found = [e for e in self.events() if e.activity == activity]
        assert found, f"no {activity} in {self.activities()}"
        return self.unstamped(found[occurrence])

    def unstamped(self, event: CaseEvent) -> CaseEvent:
        """`event` without `data.reckoned`, after checking it is there exactly when the event
        starts or moves a period, naming this engine's pack and calendar."""
        data = dict(event.data)
        stamp = data.pop(RECKONED, None)
        if event.activity in period_activities(self.pack):
            expected = {"pack": pack_version(self.pack).id, "calendar": self.calendar.version.id}
            assert stamp == expected, f"{event.activity}: reckoned {stamp!r}, not {expected}"
        else:
            assert stamp is None, f"{event.activity} starts no period but is stamped {stamp!r}"
        return replace(event, data=data)

    def timer_dues(self) -> list[datetime]:
        return sorted(t.due_at for t in self.store.timers(self.case_id))

    def log(self) -> list[tuple[dict[str, Any], str]]:
        return [(e.record(), e.hash) for e in self.events()]

    def findings(self, as_of: datetime | None = None) -> list[Finding]:
        return audit_events(self.events(), as_of or self.clock.current, self.pack)

    def guarded(self, as_of: datetime | None = None) -> list[tuple[str, str]]:
        return [(f.rule, f.kind) for f in self.findings(as_of) if f.rule in GUARDED]

    # -- the reload round trip -------------------------------------------------------------------

    def _checkpoint(self) -> None:
        self.steps += 1
        last = self.last
        if last is not None and last.status != "closed":
            # Every wait ends or escalates: an open case always has an armed timer.
            assert self.store.timers(self.case_id), f"step {self.steps}: open with no timer"
        if not self.reload:
            return
        before = self.last
        assert before is not None
        fresh = self._engine()
        assert not fresh._cache, "a fresh engine starts with an empty workflow cache"
        seen = fresh.case(self.case_id)
        assert seen == before, f"step {self.steps}: a fresh engine sees another case"
        stored = self.store.get(self.case_id)
        assert stored is not None
        if stored.status != "closed":
            workflow = fresh.serializer.deserialize_json(stored.workflow)
            ready = [(t.task_id, t.bpmn_id) for t in runtime.ready_tasks(workflow)]
            assert sorted(ready) == sorted((t.task_id, t.bpmn_id) for t in before.tasks), (
                f"step {self.steps}: the stored workflow waits on other tasks than the case shows"
            )
            armed = sorted((t.task_id, t.due_at) for t in runtime.armed_timers(workflow))
            indexed = sorted((t.task_id, t.due_at) for t in self.store.timers(self.case_id))
            assert armed == indexed, f"step {self.steps}: timer index differs from the workflow"
        else:
            assert self.store.timers(self.case_id) == []
        self.engine = fresh


@pytest.fixture(scope="session")
def specs() -> SpecLibrary:
    return SpecLibrary()


@pytest.fixture(scope="session")
def pack() -> RulePack:
    return default_pack()


@pytest.fixture(scope="session")
def calendar() -> LegalCalendar:
    return default_calendar()


@pytest.fixture
def make_driver(specs: SpecLibrary, pack: RulePack, calendar: LegalCalendar) -> Iterator[Any]:
    def make(reload: bool = False, **kwargs: Any) -> Driver:
        return Driver(specs, pack, calendar, reload=reload, **kwargs)

    yield make


@pytest.fixture(params=["cached", "reloaded"])
def d(request: pytest.FixtureRequest, make_driver: Any) -> Driver:
    """A driver on a memory store, with the workflow cache or reloading after every step."""
    driver: Driver = make_driver(reload=request.param == "reloaded")
    return driver
