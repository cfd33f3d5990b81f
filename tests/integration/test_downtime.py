"""Downtime: the timer worker is stopped while 40 days of deadlines pass. On start every due timer
fires exactly once, in deadline order across all cases, each at its own deadline, and the cases
land where the standard says."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from engine.domain.events import CaseEvent, verify_chain
from engine.ports import CaseStore, StepWrite
from engine.services import Actor, Engine
from standard_rules.audit import audit
from standard_rules.eventlog import event_from_record
from standard_rules.legal_calendar import default_calendar
from standard_rules.pack import default_pack

SH = timezone(timedelta(hours=8))
COURT, CPC = "临海市人民法院", "临海市消保委"
CLERK = Actor("clerk", "court_clerk", COURT)
MEDIATOR = Actor("med", "mediator", CPC)
PACK = default_pack()
TIMER_EVENTS = {
    "consent_refused", "referral_declined", "mediation_timed_out", "pause_ended", "case_closed",
    "result_reported",
}  # fmt: skip


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at.astimezone(UTC)


class RecordingStore:
    """A real store that also remembers the order in which steps were written."""

    def __init__(self, inner: CaseStore) -> None:
        self.inner = inner
        self.written: list[CaseEvent] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def commit(self, step: StepWrite) -> None:
        self.inner.commit(step)
        self.written.extend(step.events)


def _do(engine: Engine, case_id: str, actor: Actor, bpmn_id: str, **payload: Any) -> None:
    engine.complete(case_id=case_id, task_id=bpmn_id, actor=actor, payload=payload)


def _populate(engine: Engine, clock: Clock) -> dict[str, str]:
    """Cases left waiting at different steps on 2025-09-22, before the National Day holiday."""
    expected: dict[str, str] = {}
    for n in range(6):
        case = f"S-{n}"
        engine.open_case(process_id="pre_filing_referral", case_id=case, actor=CLERK)
        expected[case] = "consent lapsed"  # R01: 7 days, then deemed refused → register
    for n in range(6):
        case = f"M-{n}"
        engine.open_case(process_id="pre_filing_referral", case_id=case, actor=CLERK)
        _do(engine, case, CLERK, "record_consent", action="consent")
        _do(engine, case, CLERK, "refer", action="refer", mediator_org=CPC)
        _do(engine, case, MEDIATOR, "sign_for_referral", action="sign")
        _do(engine, case, MEDIATOR, "accept_referral", action="accept")
        _do(engine, case, MEDIATOR, "notify_parties", action="notify")
        expected[case] = "timed out"
        if n % 2:
            _do(
                engine, case, MEDIATOR, "mediate", action="pause", reason="鉴定", until="2025-10-10"
            )
            expected[case] = "pause ended"
    for n in range(4):
        case = f"P-{n}"
        engine.open_case(process_id="post_filing_referral", case_id=case, actor=CLERK)
        _do(engine, case, CLERK, "record_consent", action="consent")
        _do(engine, case, CLERK, "refer", action="refer", mediator_org=CPC, procedure="simple")
        _do(engine, case, MEDIATOR, "sign_for_referral", action="sign")
        expected[case] = "deemed declined"  # R06: silent for 3 working days
        clock.at += timedelta(hours=1)
    return expected


def test_after_40_days_of_downtime_every_timer_fires_once_in_order(store: CaseStore) -> None:
    clock = Clock(datetime(2025, 9, 22, 9, 0, tzinfo=SH))
    recording = RecordingStore(store)
    engine = Engine(recording, PACK, default_calendar(), clock=clock)  # type: ignore[arg-type]
    expected = _populate(engine, clock)
    recording.written.clear()

    clock.at += timedelta(days=40)  # the worker was down from 22 Sep to 1 Nov
    restarted = Engine(recording, PACK, default_calendar(), clock=clock)  # type: ignore[arg-type]
    assert restarted.fire_due() > 0
    assert restarted.fire_due() == 0  # nothing left, nothing fires twice

    # Deadline order across all cases, and every event at its own deadline (24:00, i.e.
    # 00:00:00 +08:00 of the day after the due date).
    fired = [e for e in recording.written if e.role == "system"]
    assert fired, "the sweep fired nothing"
    instants = [e.at for e in fired]
    assert instants == sorted(instants)
    assert all(e.at.astimezone(SH).strftime("%H:%M:%S.%f") == "00:00:00.000000" for e in fired)
    assert {e.activity for e in fired} <= TIMER_EVENTS

    for case, story in expected.items():
        events = restarted.events(case)
        assert verify_chain(events) == []
        counts = Counter(e.activity for e in events)
        assert all(
            n == 1 for a, n in counts.items() if a in {"mediation_timed_out", "consent_refused"}
        )
        view = restarted.case(case)
        if story == "consent lapsed":
            assert [e.activity for e in events][-1] == "consent_refused"
            assert events[-1].at == datetime(2025, 9, 30, tzinfo=SH)
            assert [t.bpmn_id for t in view.tasks] == ["register_case"]
        elif story == "timed out":
            timeout = next(e for e in events if e.activity == "mediation_timed_out")
            # 30 days from Mon 22 Sep end on Wed 22 Oct (the holiday lies inside the period).
            assert timeout.at == datetime(2025, 10, 23, tzinfo=SH)
            assert [t.bpmn_id for t in view.tasks] == ["register_case"]
        elif story == "pause ended":
            # The declared end of the appraisal (10 Oct) ends the pause by itself; its 18 days
            # move the end to Sun 9 Nov, a rest day, so to Mon 10 Nov: past the restart.
            ended = [e for e in events if e.activity == "pause_ended"]
            assert len(ended) == 1 and ended[0].at == datetime(2025, 10, 10, tzinfo=SH)
            assert "mediation_timed_out" not in counts
            assert [(t.bpmn_id, t.due) for t in view.tasks] == [("mediate", "2025-11-10")]
        else:
            declined = [e for e in events if e.activity == "referral_declined"]
            assert len(declined) == 1 and declined[0].data.get("deemed") is True
            # 3 working days after Mon 22 Sep: Thu 25 Sep.
            assert declined[0].at == datetime(2025, 9, 26, tzinfo=SH)
            assert [t.bpmn_id for t in view.tasks] == ["refer"]
        records = [e.record() for e in events]
        parsed = [
            event_from_record(r, PACK.contract_activities, i, i, case)
            for i, r in enumerate(records)
        ]
        findings = audit(parsed, PACK, default_calendar(), clock.now()).findings  # type: ignore[arg-type]
        assert [f for f in findings if f.rule in {"R02", "R16", "R17", "R22", "R40", "T01"}] == []
