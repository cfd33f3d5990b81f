"""The use cases: open a case, list tasks, complete a task, fire due timers.

Each call is one step and one transaction: the workflow document, the case row (compare-and-swap
on its version), the new hash-chained events and the case's timers are saved together or not at
all. Recently used workflows stay deserialized in memory, checked against the row's version, so a
step costs the engine and one write, not a parse of the whole document.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any
from uuid import uuid4

from engine.actions import CLERK, JUDGE, MEDIATOR, Context, Effect, form_for, validate
from engine.bpmn import runtime
from engine.bpmn.sandbox import script_engine
from engine.bpmn.serializer import make_serializer
from engine.bpmn.specs import TOP_LEVEL, SpecLibrary
from engine.domain.errors import (
    CaseExists,
    CaseNotFound,
    DomainError,
    InvalidTaskData,
    NotPermitted,
    TaskNotFound,
    TransitionNotAllowed,
)
from engine.domain.events import CaseEvent, chain
from engine.domain.lifecycle import apply as lifecycle_apply
from engine.moving_deadlines import adjustable, rearm
from engine.ports import CaseStore, Clock, StoredCase, Timer
from engine.script_api import (
    Draft,
    Reminder,
    StepContext,
    due_date_of,
    script_functions,
    shanghai_date,
    step_context,
)
from engine.views import CaseView, TaskView, case_view, task_record
from standard_rules.legal_calendar import LegalCalendar
from standard_rules.pack import RulePack

log = logging.getLogger("suitiao.engine")
INITIAL_DATA = {
    "consent": "", "receipt": "", "acceptance": "", "mediation_result": "", "registration": "",
    "follow_up": "", "court_acceptance": "", "ruling": "", "review": "", "intake": "",
    "support": "", "procedure": "", "effective_on": "", "referred_on": "", "received_on": "",
    "accepted_on": "", "applied_on": "", "mediation_from": "", "channel": "",
}  # fmt: skip
OPENING_EVENTS = {
    "pre_filing_referral": ("dispute_received",),
    "post_filing_referral": ("dispute_received", "case_registered"),
    "complaint_mediation": ("complaint_received",),
    "supported_lawsuit": ("complaint_received",),
}


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass(frozen=True)
class Rearmed:
    """A timer a new holiday schedule moved."""

    case_id: str
    timer: str  # the BPMN id of the timer
    old: datetime
    new: datetime


@dataclass
class Migration:
    """What `migrate_cases` moved and what it left on the old version, with why."""

    from_version: str
    to_version: str
    moved: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (case, tasks not in target)


@dataclass(frozen=True)
class Actor:
    id: str
    role: str  # court_clerk | mediator | judge | party | system | auditor | admin
    org: str


SYSTEM = Actor("system", "system", "")


@dataclass
class _Step:
    """A step under way: the loaded case, its live workflow and what the step produced."""

    stored: StoredCase
    workflow: Any
    status: str
    history: list[CaseEvent]
    drafts: list[Draft] = field(default_factory=list)
    reminders: list[Reminder] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)


class Engine:
    def __init__(
        self,
        store: CaseStore,
        pack: RulePack,
        calendar: LegalCalendar,
        specs: SpecLibrary | None = None,
        clock: Clock | None = None,
        cache_size: int = 2048,
    ) -> None:
        self.store = store
        self.pack = pack
        self.calendar = calendar
        self.specs = specs or SpecLibrary()
        self.clock: Clock = clock or SystemClock()
        self.functions = script_functions(pack, calendar)
        self.script_engine = script_engine(self.functions)
        self.serializer = make_serializer(self.specs, self.script_engine)
        # case id -> (version, live workflow, event history) of recently stepped cases
        self._cache: OrderedDict[str, tuple[int, Any, list[CaseEvent]]] = OrderedDict()
        self._cache_size = cache_size
        self.worker = f"worker-{uuid4().hex[:12]}"
        self.failed_fires = 0  # cases a sweep could not step (logged), since start

    # -- reading -------------------------------------------------------------------------------

    def case(self, case_id: str) -> CaseView:
        stored = self.store.get(case_id)
        if stored is None:
            raise CaseNotFound(f"案件 {case_id} 不存在")
        return case_view(stored)

    def events(self, case_id: str) -> list[CaseEvent]:
        return self.store.events(case_id)

    def finished_steps(self, case_id: str) -> frozenset[str]:
        """BPMN ids of the steps the case has completed (closed cases too)."""
        stored = self.store.get(case_id)
        if stored is None:
            raise CaseNotFound(f"案件 {case_id} 不存在")
        return frozenset(runtime.finished(self.serializer.deserialize_json(stored.workflow)))

    def tasks(self, case_id: str) -> list[TaskView]:
        return list(self.case(case_id).tasks)

    # -- opening -------------------------------------------------------------------------------

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
        if process_id not in TOP_LEVEL:
            raise InvalidTaskData(
                f"未知流程“{process_id}”，可选：{'、'.join(TOP_LEVEL)}", field="process_id"
            )
        if not case_id or len(case_id) > 100:
            raise InvalidTaskData("案号不能为空且不超过100字", field="case_id")
        facts = dict(facts or {})
        court_side = process_id in ("pre_filing_referral", "post_filing_referral")
        if court_side and actor.role not in (CLERK, "system", "admin"):
            raise NotPermitted("只有法院立案/诉调对接人员可以登记诉调对接案件")
        if not court_side and actor.role not in (MEDIATOR, "system", "admin"):
            raise NotPermitted("只有消保委调解人员可以登记投诉")
        if court_side:
            court_org = court_org or actor.org
        else:
            mediator_org = mediator_org or actor.org
        if self.store.get(case_id) is not None:
            raise CaseExists(f"案件 {case_id} 已存在")
        now = self.clock.now()
        today = shanghai_date(now).isoformat()
        data = dict(INITIAL_DATA)
        data.update(filed_on=today, complaint_on=today, channel=str(facts.get("channel") or ""))
        opening: dict[str, Any] = {}
        if "claim_amount" in facts:
            opening["claim_amount"] = facts["claim_amount"]
        if court_side and "channel" in facts:
            opening["channel"] = facts["channel"]
        drafts = [
            Draft(activity, dict(opening) if i == 0 else {}, now)
            for i, activity in enumerate(OPENING_EVENTS[process_id])
        ]
        context = StepContext(stamp=now)
        entry = self.specs.get(process_id)
        with step_context(context):
            workflow = runtime.start(entry, data, self.script_engine, now)
        stored = StoredCase(
            id=case_id,
            process_id=process_id,
            status="intake",
            version=0,
            opened_at=now,
            updated_at=now,
            workflow=b"",
            court_org=court_org,
            mediator_org=mediator_org,
            facts=facts,
        )
        step = _Step(stored, workflow, "intake", [], drafts + _stamped(context, now))
        step.reminders.extend(context.reminders)
        new = self._finish(step, actor, now)
        self.store.insert(new[0], new[1], new[2])
        self._remember(new[0], workflow, new[1])
        return case_view(new[0])

    # -- completing a task ---------------------------------------------------------------------

    def complete(
        self,
        *,
        case_id: str,
        task_id: str,
        actor: Actor,
        payload: Mapping[str, Any],
        expected_version: int | None = None,
    ) -> CaseView:
        now = self.clock.now()
        step = self._load(case_id)
        try:
            if expected_version is not None and expected_version != step.stored.version:
                from engine.domain.errors import ConcurrentUpdate

                raise ConcurrentUpdate(
                    f"案件已被他人更新（当前版本 {step.stored.version}），请刷新后重试"
                )
            # A deadline that passed before this step (the worker has not swept yet) takes
            # effect first, at its own instant and in the system's name, as it would have.
            caught_up = self._catch_up(step, now)
            # The task list saved with the case names the waiting tasks; a bpmn id is accepted
            # too, for scripts and people who know the step but not its instance id.
            listed = step.stored.facts.get("tasks", [])
            if caught_up:
                listed = [
                    task_record(t, step.workflow, self._provisional)
                    for t in runtime.ready_tasks(step.workflow)
                ]
            wanted = next(
                (t["task_id"] for t in listed if task_id in (t["task_id"], t["bpmn_id"])), None
            )
            task = runtime.ready_task(step.workflow, wanted) if wanted else None
            if task is None and caught_up:
                new = self._finish(step, SYSTEM, now)
                self.store.update(new[0], step.stored.version, new[1], new[2])
                raise TaskNotFound(
                    f"期限已届满，系统已按规定处理；案件 {case_id} 已没有待办任务 {task_id}"
                )
            if task is None:
                raise TaskNotFound(f"案件 {case_id} 当前没有待办任务 {task_id}")
            form = form_for(task.bpmn_id)
            self._authorize(form.roles, form.org, step.stored, actor)
            ctx = self._context(step, now, task.data)
            ctx.status = self._status(step)
            deadline = runtime.task_deadline(step.workflow, task.task_id, form.timers)
            ctx.due = due_date_of(deadline) if deadline is not None else None
            choice = form.choice(payload.get("action"))
            if not choice.available(ctx):
                raise InvalidTaskData(f"当前不能执行“{choice.label_zh}”", field="action")
            effect: Effect = choice.apply(validate(choice, payload, ctx), ctx)
            if ctx.status == "paused" and any(
                activity in self.pack.mediation_outcomes for activity, _ in effect.events
            ):
                # An outcome ends the appraisal pause on its own date (contract/EVENTS.md).
                step.drafts.append(Draft("pause_ended", {"reason": "调解已有结果"}, now))
            step.drafts.extend(Draft(a, d, now) for a, d in effect.events)
            step.facts.update({k: v for k, v in effect.facts.items() if v is not None})
            # What the person's choice sets off (a case closed because the clerk registered it)
            # is the person's act; only what a lapse sets off is the system's.
            chosen = StepContext(stamp=now)
            with step_context(chosen):
                runtime.complete(step.workflow, task.task_id, effect.data, now)
            lapsed = StepContext(stamp=now)
            with step_context(lapsed):
                runtime.settle(step.workflow, now)
            step.drafts.extend(_stamped(chosen, now, system=False) + _stamped(lapsed, now))
            step.reminders.extend(chosen.reminders + lapsed.reminders)
            rearm(
                self.pack, self.calendar, step.workflow, step.history, step.drafts, self.clock.now()
            )
            new = self._finish(step, actor, now)
            self.store.update(new[0], step.stored.version, new[1], new[2])
        except BaseException:
            self._forget(case_id)
            raise
        self._remember(new[0], step.workflow, step.history + new[1])
        return case_view(new[0])

    # -- timers --------------------------------------------------------------------------------

    def fire_due(self, now: datetime | None = None, limit: int = 500) -> int:
        """Fire every timer due by `now`, each at its own deadline, in deadline order across
        all cases (a worker back from downtime replays the missed days as they happened).

        Several workers may sweep one database: each leases the earliest due case nobody else
        holds. Returns the number of cases stepped (after at most `limit` steps).
        """
        now = now or self.clock.now()
        steps = 0
        stepped: set[str] = set()
        skipped: set[str] = set()
        while steps < limit:
            claim = self.store.claim_due(now, self.worker, 60.0, frozenset(skipped))
            if claim is None:
                break
            case_id, next_other = claim
            # Only up to the next case's deadline: then that case's turn comes first.
            until = min(now, next_other) if next_other is not None else now
            try:
                fired = self._fire_case(case_id, until)
            except DomainError as exc:  # stepped meanwhile by another worker, or closed
                self.failed_fires += 1
                log.warning("timers of case %s not fired: %s", case_id, exc)
                fired = False
            except Exception:
                # One unreadable case must not stop every other deadline: log it, pass it over
                # in this sweep (it stays due, so `suitiao verify` and the next sweep see it).
                self.failed_fires += 1
                log.exception("timers of case %s could not be fired", case_id)
                fired = False
            finally:
                self.store.release(case_id, self.worker)
            if fired:
                steps += 1
                stepped.add(case_id)
            else:
                skipped.add(case_id)
        return len(stepped)

    # -- a new holiday schedule ---------------------------------------------------------------

    def rearm_from(self, since: datetime, *, dry_run: bool = False) -> list[Rearmed]:
        """Reckon again every timer of the open cases with a timer due at or after `since`
        under this engine's calendar (contract/EVENTS.md: when a year's schedule is loaded,
        every date computed while it was provisional is computed again), and save the cases
        whose deadlines moved. Returns what moved; `dry_run` saves nothing."""
        now = self.clock.now()
        moved: list[Rearmed] = []
        for case_id in self.store.cases_with_timers_from(since):
            try:
                step = self._load(case_id)
            except TransitionNotAllowed:  # closed meanwhile
                continue
            before = {t.task_id: t for t in runtime.armed_timers(step.workflow)}
            runtime.reevaluate_timers(step.workflow, lambda at: step_context(StepContext(stamp=at)))
            rearm(self.pack, self.calendar, step.workflow, step.history, [], now)
            changes = [
                Rearmed(case_id, t.bpmn_id, before[t.task_id].due_at, t.due_at)
                for t in runtime.armed_timers(step.workflow)
                if t.task_id in before and before[t.task_id].due_at != t.due_at
            ]
            moved += changes
            if not changes or dry_run:
                continue  # the changed workflow is dropped: _load took it out of the cache
            new = self._finish(step, SYSTEM, now)
            self.store.update(new[0], step.stored.version, new[1], new[2])
            self._remember(new[0], step.workflow, step.history)
        return moved

    # -- process versions ----------------------------------------------------------------------

    def migrate_cases(
        self, from_version: str, to_version: str, *, dry_run: bool = False
    ) -> Migration:
        """Move the open cases running on one deployed version of the processes to another,
        where every task they wait on exists in both (as Camunda and spiff-arena do); the
        others stay where they are, each with the reason."""
        target = self.specs.deployed(to_version)
        report = Migration(from_version, to_version)
        now = self.clock.now()
        refs = [entry.ref for entry in self.specs.deployed(from_version).values()]
        for case_id in self.store.open_cases_on(refs):
            try:
                step = self._load(case_id)
            except TransitionNotAllowed:
                continue
            entry = target[step.stored.process_id]
            problems = runtime.migration_problems(step.workflow, self.serializer.registry, entry)
            if problems:
                report.refused.append((case_id, "、".join(problems)))
                continue
            report.moved.append(case_id)
            if dry_run:
                continue
            runtime.migrate(step.workflow, self.serializer.registry, entry)
            rearm(self.pack, self.calendar, step.workflow, step.history, [], now)
            new = self._finish(step, SYSTEM, now)
            self.store.update(new[0], step.stored.version, new[1], new[2])
            self._remember(new[0], step.workflow, step.history)
        return report

    def _fire_case(self, case_id: str, until: datetime) -> bool:
        step = self._load(case_id)
        try:
            if not self._catch_up(step, until):
                return False
            new = self._finish(step, SYSTEM, until)
            self.store.update(new[0], step.stored.version, new[1], new[2])
        except BaseException:
            self._forget(case_id)
            raise
        self._remember(new[0], step.workflow, step.history + new[1])
        return True

    def _catch_up(self, step: _Step, until: datetime) -> bool:
        """Fire the case's timers due by `until`, one by one, each at its own deadline."""
        fired = False
        for _ in range(100):  # a case has a handful of timers; the bound guards a bug
            due = [t for t in runtime.armed_timers(step.workflow) if t.due_at <= until]
            if not due:
                break
            timer = due[0]
            if (
                self._status(step) == "paused"
                and adjustable(self.pack, step.workflow, timer) is not None
            ):
                # The declared end of an appraisal pause: the period runs again from here.
                step.drafts.append(Draft("pause_ended", {"auto": True}, timer.due_at, system=True))
                rearm(
                    self.pack,
                    self.calendar,
                    step.workflow,
                    step.history,
                    step.drafts,
                    self.clock.now(),
                )
                fired = True
                continue
            context = StepContext(stamp=timer.due_at)
            with step_context(context):
                runtime.step(step.workflow, timer.due_at)
            step.drafts.extend(_stamped(context, timer.due_at))
            step.reminders.extend(context.reminders)
            rearm(
                self.pack, self.calendar, step.workflow, step.history, step.drafts, self.clock.now()
            )
            fired = True
        return fired

    def _provisional(self, due: date) -> bool:
        """A due date in a year with no official schedule yet is provisional (EVENTS.md)."""
        return not self.calendar.is_official(due.year)

    def _status(self, step: _Step) -> str:
        status = step.stored.status
        for draft in sorted(step.drafts, key=lambda d: d.at or step.stored.updated_at):
            status = lifecycle_apply(status, draft.activity)
        return status

    # -- internals -----------------------------------------------------------------------------

    def _load(self, case_id: str) -> _Step:
        stored = self.store.get(case_id)
        if stored is None:
            raise CaseNotFound(f"案件 {case_id} 不存在")
        if stored.status == "closed":
            raise TransitionNotAllowed(f"案件 {case_id} 已结案")
        # Take the live workflow out of the cache: two concurrent steps of one case must never
        # share (and both mutate) one object. The loser of the version check re-reads the row.
        cached = self._cache.pop(case_id, None)
        if cached is not None and cached[0] == stored.version:
            workflow, history = cached[1], list(cached[2])
        else:
            workflow = self.serializer.deserialize_json(stored.workflow)
            history = self.store.events(case_id)
        return _Step(stored, workflow, stored.status, history)

    def _remember(self, stored: StoredCase, workflow: Any, history: list[CaseEvent]) -> None:
        if stored.status == "closed":
            self._cache.pop(stored.id, None)
            return
        self._cache[stored.id] = (stored.version, workflow, history)
        self._cache.move_to_end(stored.id)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    def _forget(self, case_id: str) -> None:
        self._cache.pop(case_id, None)

    def _authorize(self, roles: frozenset[str], org: str, case: StoredCase, actor: Actor) -> None:
        if actor.role not in roles:
            names = {CLERK: "法院立案/诉调对接人员", JUDGE: "法官", MEDIATOR: "调解员"}
            who = "、".join(names.get(r, r) for r in sorted(roles))
            raise NotPermitted(f"此任务须由{who}办理")
        owner = case.court_org if org == "court" else case.mediator_org
        if owner is not None and actor.org != owner:
            raise NotPermitted(f"此任务由{owner}办理，您所在单位无权办理")

    def _context(self, step: _Step, now: datetime, data: Mapping[str, Any]) -> Context:
        seen = frozenset(e.activity for e in step.history) | {d.activity for d in step.drafts}
        return Context(
            today=shanghai_date(now),
            process_id=step.stored.process_id,
            status=step.status,
            data=data,
            seen=frozenset(seen),
        )

    def _finish(
        self, step: _Step, actor: Actor, now: datetime
    ) -> tuple[StoredCase, list[CaseEvent], list[Timer]]:
        """Check the lifecycle, seal the events, snapshot tasks and timers: the step's writes."""
        stored = step.stored
        status = stored.status
        outcome = stored.outcome
        closed_at = stored.closed_at
        drafts = sorted(step.drafts, key=lambda d: d.at or now)
        for draft in drafts:
            status = lifecycle_apply(status, draft.activity)
            if draft.activity == "case_closed":
                outcome = draft.data.get("outcome")
                closed_at = draft.at or now
        sealed = chain(
            stored.id,
            stored.last_hash,
            stored.last_seq + 1,
            [
                (
                    d.activity,
                    d.at or now,
                    d.data,
                    *self._who(d, actor),
                )
                for d in drafts
            ],
        )
        timers = [
            Timer(stored.id, t.task_id, t.bpmn_id, t.due_at)
            for t in runtime.armed_timers(step.workflow)
        ]
        facts = dict(stored.facts)
        facts.update(step.facts)
        facts["tasks"] = [
            task_record(t, step.workflow, self._provisional)
            for t in runtime.ready_tasks(step.workflow)
        ]
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
        )
        if status == "closed":
            timers = []
            new.next_due = None
        return new, sealed, timers

    def _adjustable(self, step: _Step, timer: runtime.ArmedTimer) -> bool:
        return adjustable(self.pack, step.workflow, timer) is not None

    def _rearm(self, step: _Step) -> None:
        rearm(self.pack, self.calendar, step.workflow, step.history, step.drafts, self.clock.now())

    def view(self, stored: StoredCase) -> CaseView:
        """The case as callers see it, from its stored row (no workflow is loaded)."""
        return case_view(stored)

    def _who(self, draft: Draft, actor: Actor) -> tuple[str | None, str | None, str | None]:
        if actor.role == "system" or draft.system:
            return ("system", "system", None)
        return (actor.id, actor.role, actor.org or None)


def _stamped(context: StepContext, at: datetime, *, system: bool = True) -> list[Draft]:
    return [Draft(d.activity, d.data, d.at or at, system=system) for d in context.drafts]


__all__ = [
    "SYSTEM",
    "Actor",
    "CaseView",
    "Engine",
    "Migration",
    "Rearmed",
    "SystemClock",
    "TaskView",
]
