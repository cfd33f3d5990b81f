"""The mission, as a property: whatever people do (or fail to do) and however the clock jumps,
every case's log passes the checks the engine controls, its lifecycle matches its BPMN state,
reloading changes nothing, and when the parties fall silent every case still ends compliant.

Actors: clerks, mediators and judges may do anything their task allows, at any time, and may
be late; parties (whose acts clerks and mediators record) may stop acting at any point. The
engine must never be late: the timers of R01, R06, R16/R17, R40 and the complaint horizon
move a case on when the parties are silent.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from engine.bpmn.specs import TOP_LEVEL, SpecLibrary
from engine.domain.errors import DomainError
from engine.domain.events import verify_chain
from engine.services import Actor, CaseView, Engine, TaskView
from standard_rules.audit import audit
from standard_rules.eventlog import event_from_record
from standard_rules.legal_calendar import LegalCalendar, default_calendar
from standard_rules.pack import RulePack, apply_override, default_pack
from standard_rules.schedules import load_schedule_file, official_schedules
from storage.memory import MemoryCaseStore
from tests.property.reference import mediation_due

ENGINE_RULES = {"R02", "R16", "R17", "R22", "R40", "T01"}
COURT, CPA, OTHER = "临海市人民法院", "临海市消保委", "天台县消保委"
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
PACKS = {
    "base": default_pack(),
    "local": apply_override(default_pack(), FIXTURES / "packs" / "local-agreement.toml"),
}
CALENDAR = default_calendar()
# The 2027 notice loaded mid-run (while 2027 is still ahead) re-arms what it moves.
NOTICE_2027 = load_schedule_file(FIXTURES / "calendars" / "cn-2027.toml")
OFFICIAL_2027 = LegalCalendar({**official_schedules(), 2027: NOTICE_2027})
SHANGHAI = timezone(timedelta(hours=8))
SPECS = SpecLibrary()

# Where a waiting task may stand in the lifecycle: the BPMN state and the lifecycle must agree.
TASK_STATUSES = {
    "record_consent": {"intake"},
    "refer": {"intake"},
    "sign_for_referral": {"assigned"},
    "accept_referral": {"received"},
    "notify_parties": {"mediating"},
    "mediate": {"mediating", "paused"},
    "agreement_follow_up": {"agreed"},
    "decide_acceptance": {"confirming"},
    "rule_on_confirmation": {"confirming"},
    "register_case": {"returned"},
    "court_review": {"agreed"},
    "resume_trial": {"returned"},
    "decide_complaint": {"intake"},
    "start_mediation": {"received"},
    "support_decision": {"reporting"},
    "decide_support": {"intake"},
}
# The choice an institution takes when it finally acts in the closing phase (parties silent).
CLOSING_CHOICE = {
    "refer": "refer",
    "sign_for_referral": "sign",
    "accept_referral": "accept",
    "notify_parties": "notify",
    "register_case": "register",
    "court_review": "mediation_document",
    "resume_trial": "resume",
    "decide_acceptance": "accept",
    "rule_on_confirmation": "valid",
    "decide_complaint": "accept",
    "start_mediation": "start",
    "support_decision": "support",
    "decide_support": "support",
}
PARTY_TASKS = {"record_consent", "mediate", "agreement_follow_up"}


class Clock:
    def __init__(self, now: datetime) -> None:
        self.instant = now

    def now(self) -> datetime:
        return self.instant


def actor_for(task: TaskView, *, wrong_org: bool = False) -> Actor:
    role = task.roles[0]
    org = task.org or (COURT if role in ("court_clerk", "judge") else CPA)
    return Actor(f"{role}-1", role, OTHER if wrong_org else org)


def payload_for(task: TaskView, choice: dict[str, Any], today: date, draw: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {"action": choice["id"]}
    for field in choice["fields"]:
        if not field["required"] and draw(st.booleans()):
            continue
        kind = field["kind"]
        if kind in ("text",):
            payload[field["name"]] = draw(st.sampled_from(["分歧较大", "质量鉴定", "其他"]))
        elif kind == "org":
            payload[field["name"]] = CPA
        elif kind == "choice":
            payload[field["name"]] = draw(st.sampled_from(field["choices"]))
        elif kind == "amount":
            payload[field["name"]] = draw(st.integers(0, 200_000))
        elif kind == "bool":
            payload[field["name"]] = draw(st.booleans())
        elif kind == "date":
            offset = draw(st.integers(-3, 40)) if field["future"] else draw(st.integers(-5, 1))
            payload[field["name"]] = (today + timedelta(days=offset)).isoformat()
    if task.bpmn_id == "refer" and "procedure" not in payload:
        payload["procedure"] = draw(st.sampled_from(["ordinary", "simple"]))
    return payload


def closing_payload(choice: dict[str, Any], today: date, rng: random.Random) -> dict[str, Any]:
    """A plausible form for an institution's closing step (required fields only)."""
    payload: dict[str, Any] = {"action": choice["id"]}
    for field in choice["fields"]:
        if not field["required"]:
            continue
        kind = field["kind"]
        if kind == "text":
            payload[field["name"]] = rng.choice(["分歧较大", "证据不足", "当事人放弃"])
        elif kind == "org":
            payload[field["name"]] = CPA
        elif kind == "choice":
            payload[field["name"]] = rng.choice(field["choices"])
        elif kind == "amount":
            payload[field["name"]] = rng.randint(1, 50_000)
        elif kind == "bool":
            payload[field["name"]] = True
        elif kind == "date":
            payload[field["name"]] = (today + timedelta(days=rng.randint(1, 20))).isoformat()
    return payload


def log_findings(engine: Engine, case_id: str, now: datetime) -> list[tuple[str, str, str]]:
    records = [e.record() for e in engine.events(case_id)]
    events = [
        event_from_record(r, engine.pack.contract_activities, i, i + 1, case_id)
        for i, r in enumerate(records)
    ]
    result = audit(events, engine.pack, engine.calendar, now)
    return [(f.rule, f.kind, str(f.due)) for f in result.findings]


def mediation_days(pack: RulePack, view: CaseView) -> int | None:
    if view.process_id == "pre_filing_referral":
        return pack.rule("R16").period("mediation_pre_filing").days
    procedure = view.facts.get("procedure")
    if view.process_id == "post_filing_referral" and procedure:
        return pack.rule("R17").period(f"mediation_{procedure}").days
    return None


class HandoffCases(RuleBasedStateMachine):
    cases = Bundle("cases")

    @initialize(
        start=st.datetimes(datetime(2025, 1, 1), datetime(2026, 12, 24)),
        pack=st.sampled_from(sorted(PACKS)),
        seed=st.integers(0, 2**32 - 1),
    )
    def setup(self, start: datetime, pack: str, seed: int) -> None:
        self.clock = Clock(start.replace(tzinfo=SHANGHAI))
        self.store = MemoryCaseStore()
        self.pack = PACKS[pack]
        self._engines(CALENDAR)
        self.opened: list[str] = []
        self.serial = 0
        self.random = random.Random(seed)  # the institutions' closing choices
        self.loaded = False

    def _engines(self, calendar: LegalCalendar) -> None:
        self.engine = Engine(self.store, self.pack, calendar, specs=SPECS, clock=self.clock)
        self.fresh = Engine(
            self.store, self.pack, calendar, specs=SPECS, clock=self.clock, cache_size=0
        )

    @rule(
        target=cases,
        process=st.sampled_from(TOP_LEVEL),
        amount=st.integers(1, 100_000),
        online=st.booleans(),
    )
    def open_case(self, process: str, amount: int, online: bool) -> str:
        self.serial += 1
        case_id = f"P-{self.serial:04d}"
        court_side = process in ("pre_filing_referral", "post_filing_referral")
        actor = Actor("c", "court_clerk", COURT) if court_side else Actor("m", "mediator", CPA)
        facts: dict[str, Any] = {"claim_amount": amount}
        if court_side:
            facts["channel"] = "online" if online else "offline"
        self.engine.open_case(process_id=process, case_id=case_id, actor=actor, facts=facts)
        self.opened.append(case_id)
        return case_id

    @rule(case_id=cases, data=st.data(), wrong_org=st.booleans())
    def act(self, case_id: str, data: Any, wrong_org: bool) -> None:
        view = self.engine.case(case_id)
        if not view.tasks:
            return
        task = data.draw(st.sampled_from(view.tasks))
        choice = data.draw(st.sampled_from(task.choices))
        today = self.clock.now().astimezone(timezone(timedelta(hours=8))).date()
        payload = payload_for(task, choice, today, data.draw)
        before = (view.version, len(self.engine.events(case_id)))
        try:
            self.engine.complete(
                case_id=case_id,
                task_id=task.task_id,
                actor=actor_for(task, wrong_org=wrong_org and task.org is not None),
                payload=payload,
            )
        except DomainError:
            after = self.engine.case(case_id)
            # A refused action changes nothing of its own; a deadline that had passed unswept
            # takes effect (the system's events, at their own instants) before the refusal.
            added = self.engine.events(case_id)[before[1] :]
            if added:
                assert all(e.role == "system" for e in added), [e.record() for e in added]
                assert all(e.at <= self.clock.now() for e in added)
            else:
                assert (after.version, len(self.engine.events(case_id))) == before

    @rule(days=st.integers(0, 45), hours=st.integers(0, 23))
    def advance(self, days: int, hours: int) -> None:
        self.clock.instant += timedelta(days=days, hours=hours)
        self.engine.fire_due(self.clock.now())

    @rule(days=st.integers(0, 20), seconds=st.integers(0, 86_399))
    def drift(self, days: int, seconds: int) -> None:
        """Time passes and no worker sweeps: a person's next step must catch up first."""
        self.clock.instant += timedelta(days=days, seconds=seconds)

    @precondition(
        lambda self: (
            hasattr(self, "loaded")
            and not self.loaded
            and self.clock.now() < datetime(2027, 1, 1, tzinfo=SHANGHAI)
        )
    )
    @rule()
    def publish_2027_schedule(self) -> None:
        """The State Council's notice arrives before the year: every open timer is re-armed."""
        self.loaded = True
        self._engines(OFFICIAL_2027)
        self.engine.rearm_from(datetime(2027, 1, 1, tzinfo=SHANGHAI))

    # -- invariants -------------------------------------------------------------------------

    @invariant()
    def engine_is_never_late_and_lifecycle_matches_bpmn(self) -> None:
        if not hasattr(self, "engine"):
            return
        for case_id in self.opened:
            self._check_case(case_id)

    def _check_case(self, case_id: str) -> CaseView:
        view = self.engine.case(case_id)
        broken = [
            f for f in log_findings(self.engine, case_id, self.clock.now()) if f[0] in ENGINE_RULES
        ]
        assert not broken, (case_id, broken, [e.record() for e in self.engine.events(case_id)])
        assert verify_chain(self.engine.events(case_id)) == []
        if view.status == "closed":
            assert not view.tasks and view.outcome is not None
        else:
            assert view.tasks, f"{case_id} is open ({view.status}) with nothing to do"
            # Every wait ends or escalates: no open case without an armed timer.
            assert self.store.timers(case_id), f"{case_id} is open with no timer"
        self._check_mediation_due(view)
        for task in view.tasks:
            assert view.status in TASK_STATUSES[task.bpmn_id], (case_id, task.bpmn_id, view)
        # Reloading from storage (no cache) sees exactly the same case.
        fresh = self.fresh
        if view.status != "closed":
            stored = self.store.get(case_id)
            assert stored is not None
            workflow = fresh.serializer.deserialize_json(stored.workflow)
            assert fresh.serializer.serialize_json(workflow) == stored.workflow.decode()
        assert fresh.case(case_id) == view
        return view

    def _check_mediation_due(self, view: CaseView) -> None:
        """The engine's mediation deadline is the one reckoned independently from the log."""
        days = mediation_days(self.pack, view)
        waiting = [t for t in view.tasks if t.bpmn_id == "mediate"]
        if days is None or view.status != "mediating" or not waiting:
            return
        expected = mediation_due(self.engine.events(view.id), days, self.engine.calendar.is_working)
        shown = waiting[0].due
        assert shown == (expected.isoformat() if expected else None), (view.id, shown, expected)

    def teardown(self) -> None:
        """Parties fall silent; institutions do their duty, late; every case must end."""
        if not hasattr(self, "engine"):
            return
        for round_ in range(30):
            open_cases = [c for c in self.opened if self.engine.case(c).status != "closed"]
            if not open_cases:
                break
            self.clock.instant += timedelta(days=20)
            self.engine.fire_due(self.clock.now())
            for case_id in open_cases:
                # Any allowed choice at first; the plain one later, so every history ends.
                self._institutions_act(case_id, varied=round_ < 8)
        for case_id in self.opened:
            view = self._check_case(case_id)
            assert view.status == "closed", (case_id, view.status, view.tasks)

    def _institutions_act(self, case_id: str, *, varied: bool) -> None:
        for _ in range(10):
            view = self.engine.case(case_id)
            waiting = [
                t
                for t in view.tasks
                if t.bpmn_id in CLOSING_CHOICE and t.bpmn_id not in PARTY_TASKS
            ]
            if not waiting:
                return
            task = waiting[0]
            choice = CLOSING_CHOICE[task.bpmn_id]
            if varied:
                choice = self.random.choice([c["id"] for c in task.choices])
            spec = next(c for c in task.choices if c["id"] == choice)
            today = self.clock.now().astimezone(SHANGHAI).date()
            payload = closing_payload(spec, today, self.random)
            if task.bpmn_id == "refer":
                payload.update(mediator_org=CPA, procedure="simple")
            try:
                self.engine.complete(
                    case_id=case_id, task_id=task.task_id, actor=actor_for(task), payload=payload
                )
            except DomainError:
                if not varied:
                    raise


# Each example runs dozens of durable engine steps: a third of the profile's examples keeps the
# ci profile near two minutes while `deep` still explores thousands of histories.
HandoffCases.TestCase.settings = settings(
    settings.default,
    max_examples=max(10, settings.default.max_examples // 3),
    stateful_step_count=40,
)
TestHandoffCases = HandoffCases.TestCase
