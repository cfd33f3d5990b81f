"""Every path of every top-level process, driven through the Engine on a memory store.

Each path asserts the exact sequence of event activities, the due dates the engine shows at the
waits that matter, the final status and outcome, and the audit of the case's own event log:
no finding at all, or exactly the late finding of a person who acted late on purpose.

All expected dates are reckoned by hand from contract/EVENTS.md and the State Council's 2025
schedule (RULES.md §5.1): rest days 1 Jan; 28 Jan–4 Feb; 4–6 Apr; 1–5 May; 31 May–2 Jun;
1–8 Oct; 调休 working days Sun 26 Jan, Sat 8 Feb, Sun 27 Apr, Sun 28 Sep, Sat 11 Oct.

Every path runs twice: with the engine's workflow cache, and "reloaded", where a fresh Engine
over the same store takes every next step; the reloaded run must then write the very same log,
hash for hash, as a cached run.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from engine.domain.errors import (
    CaseExists,
    ConcurrentUpdate,
    DomainError,
    InvalidTaskData,
    NotPermitted,
    TaskNotFound,
    TransitionNotAllowed,
)
from engine.domain.events import verify_chain
from engine.ports import StepWrite
from engine.services import Actor, Engine
from standard_rules.pack import default_pack
from storage.memory import MemoryCaseStore
from tests.workflows.conftest import (
    CLERK,
    COURT,
    CPC,
    JUDGE,
    MEDIATOR,
    OTHER_COURT,
    OTHER_CPC,
    Driver,
    end_of,
    last_instant,
    sh,
)

PRE = "pre_filing_referral"
POST = "post_filing_referral"
COMPLAINT = "complaint_mediation"
SUPPORT = "supported_lawsuit"

FRONT = [
    "dispute_received",
    "consent_given",
    "referred",
    "referral_received",
    "referral_accepted",
    "parties_notified",
    "mediation_started",
]
POST_FRONT = [
    "dispute_received",
    "case_registered",
    "consent_given",
    "referred",
    "referral_received",
    "referral_accepted",
    "parties_notified",
    "mediation_started",
]
COMPLAINT_FRONT = [
    "complaint_received",
    "complaint_accepted",
    "mediation_started",
    "parties_notified",
]

Path = Callable[[Driver], None]
PATHS: dict[str, Path] = {}
OUTCOMES: dict[str, str] = {}  # the outcome each path must close with


def path(outcome: str) -> Callable[[Path], Path]:
    def register(fn: Path) -> Path:
        name = fn.__name__.removeprefix("path_")
        PATHS[name], OUTCOMES[name] = fn, outcome
        return fn

    return register


# -- shared steps and checks ----------------------------------------------------------------------


def closed(
    d: Driver,
    outcome: str,
    activities: list[str],
    findings: list[tuple[str, str, date | None]] | None = None,
) -> None:
    """The case is closed with `outcome` after exactly `activities`; its audit, taken well after
    every period has run out, has exactly `findings` (rule, kind, due) and none by default."""
    view = d.view
    assert d.activities() == activities, d.mode
    assert view.status == "closed"
    assert view.outcome == outcome
    assert view.tasks == ()
    assert view.next_due is None
    assert d.store.timers(d.case_id) == []
    closing = d.events()[-1]
    assert closing.activity == "case_closed"
    assert dict(closing.data) == {"outcome": outcome}
    # Closed in the name of whoever decided it (contract v2): the person whose event of the same
    # instant led to it, or the system when a lapse did.
    deciding = [e for e in d.events()[:-1] if e.at == closing.at and e.role != "system"]
    assert closing.role == (deciding[-1].role if deciding else "system")
    assert closing.actor == (deciding[-1].actor if deciding else "system")
    assert view.closed_at == closing.at
    assert verify_chain(d.events()) == []
    as_of = d.clock.current + timedelta(days=120)
    found = sorted((f.rule, f.kind, f.due) for f in d.findings(as_of))
    assert found == sorted(findings or []), d.mode


def role_of(d: Driver, activity: str, occurrence: int = -1) -> str | None:
    return d.event(activity, occurrence).role


def pre_front(d: Driver) -> None:
    """Pre-filing case opened Mon 3 Mar 2025 09:00; received Tue 4 Mar; mediation started."""
    d.open(PRE, CLERK, facts={"claim_amount": 5000, "channel": "offline"})
    assert d.view.status == "intake"
    assert d.view.court_org == COURT
    assert d.view.mediator_org is None
    assert dict(d.event("dispute_received").data) == {"claim_amount": 5000, "channel": "offline"}
    assert d.due("record_consent") == "2025-03-10"  # R01 consent window cal(7) from 3 Mar
    d.do(CLERK, "record_consent", action="consent")
    assert dict(d.event("consent_given").data) == {"party": "both"}
    d.do(CLERK, "refer", action="refer", mediator_org=CPC)
    assert dict(d.event("referred").data) == {"mode": "pre_filing", "mediator_org": CPC}
    assert d.view.status == "assigned"
    assert d.view.mediator_org == CPC
    assert d.task("sign_for_referral").org == CPC
    assert d.due("sign_for_referral") == "2025-03-06"  # wd(3) from Mon 3 Mar
    d.at(sh(2025, 3, 4, 10))
    d.do(MEDIATOR, "sign_for_referral", action="sign")
    assert d.view.status == "received"
    assert d.due("accept_referral") == "2025-03-07"  # R06 wd(3) from Tue 4 Mar
    d.do(MEDIATOR, "accept_referral", action="accept")
    assert d.due("notify_parties") == "2025-04-03"  # R16 cal(30) from 4 Mar: Thu 3 Apr
    d.do(MEDIATOR, "notify_parties", action="notify", session_at="3月6日14:00", place="调解室")
    d.do(MEDIATOR, "mediate", action="start")
    assert d.view.status == "mediating"
    assert d.due("mediate") == "2025-04-03"
    assert d.timer_dues() == [end_of("2025-04-03")]


def agree_pre(d: Driver, when: Any = None, **extra: Any) -> None:
    d.at(when or sh(2025, 3, 10, 9))
    d.do(MEDIATOR, "mediate", action="agree", amount="3000.50", **extra)
    assert d.view.status == "agreed"
    assert d.activities()[-2:] == ["agreement_signed", "agreement_filed"]


def apply_and_accept(d: Driver) -> None:
    """Agreement effective Fri 7 Mar; joint application Wed 12 Mar; accepted Thu 13 Mar."""
    d.at(sh(2025, 3, 7, 16))
    d.do(MEDIATOR, "mediate", action="agree", amount=3000, effective_on="2025-03-07")
    assert dict(d.event("agreement_signed").data) == {"amount": 3000, "effective_on": "2025-03-07"}
    # R40 cal(30) from 7 Mar: Sun 6 Apr, a 清明 rest day → Mon 7 Apr.
    assert d.due("agreement_follow_up") == "2025-04-07"
    d.at(sh(2025, 3, 12, 9))
    d.do(MEDIATOR, "agreement_follow_up", action="apply", joint=True)
    assert d.view.status == "confirming"
    assert dict(d.event("confirmation_applied").data) == {"joint": True}
    assert d.task("decide_acceptance").org == COURT
    assert d.due("decide_acceptance") == "2025-03-17"  # R44 cal(3): Sat 15 Mar → Mon 17 Mar
    d.at(sh(2025, 3, 13, 9))
    d.do(JUDGE, "decide_acceptance", action="accept")
    assert d.due("rule_on_confirmation") == "2025-04-14"  # R48 cal(30): Sat 12 Apr → Mon 14 Apr
    d.at(sh(2025, 3, 20, 9))


CONFIRM = [*FRONT, "agreement_signed", "agreement_filed", "confirmation_applied"]

# -- path A: pre-filing referral (委派调解) -------------------------------------------------------


@path("settled_performed")
def path_pre_settled_performed(d: Driver) -> None:
    pre_front(d)
    agree_pre(d)
    assert dict(d.event("agreement_signed").data) == {
        "amount": 3000.5,
        "effective_on": "2025-03-10",
    }
    assert d.due("agreement_follow_up") == "2025-04-09"  # R40 cal(30) from Mon 10 Mar
    d.do(MEDIATOR, "agreement_follow_up", action="performed")
    assert dict(d.event("performed").data) == {"voluntary": True}
    closed(
        d,
        "settled_performed",
        [*FRONT, "agreement_signed", "agreement_filed", "performed", "case_closed"],
    )
    assert role_of(d, "agreement_signed") == "mediator"
    assert d.event("agreement_signed").org == CPC
    assert d.event("referred").actor == CLERK.id


@path("confirmed")
def path_pre_confirmed(d: Driver) -> None:
    pre_front(d)
    apply_and_accept(d)
    d.do(JUDGE, "rule_on_confirmation", action="valid")
    assert dict(d.event("confirmation_ruled").data) == {"result": "valid"}
    assert role_of(d, "confirmation_ruled") == "judge"
    closed(d, "confirmed", [*CONFIRM, "confirmation_accepted", "confirmation_ruled", "case_closed"])


@path("confirmation_rejected")
def path_pre_confirmation_rejected(d: Driver) -> None:
    pre_front(d)
    apply_and_accept(d)
    d.do(JUDGE, "rule_on_confirmation", action="rejected", reason="违反自愿原则")
    assert dict(d.event("confirmation_ruled").data) == {
        "result": "rejected",
        "reason": "违反自愿原则",
    }
    closed(
        d,
        "confirmation_rejected",
        [*CONFIRM, "confirmation_accepted", "confirmation_ruled", "case_closed"],
    )


@path("confirmation_withdrawn")
def path_pre_confirmation_withdrawn(d: Driver) -> None:
    pre_front(d)
    apply_and_accept(d)
    d.do(JUDGE, "rule_on_confirmation", action="withdrawn")
    closed(
        d,
        "confirmation_withdrawn",
        [*CONFIRM, "confirmation_accepted", "confirmation_withdrawn", "case_closed"],
    )


@path("confirmation_not_accepted")
def path_pre_confirmation_not_accepted(d: Driver) -> None:
    pre_front(d)
    d.at(sh(2025, 3, 10, 9))
    d.do(MEDIATOR, "mediate", action="agree", amount=800)
    d.at(sh(2025, 3, 11, 9))
    d.do(MEDIATOR, "agreement_follow_up", action="apply", joint=True)
    assert d.due("decide_acceptance") == "2025-03-14"  # R44 cal(3) from Tue 11 Mar: Fri 14 Mar
    d.at(sh(2025, 3, 14, 17))
    d.do(JUDGE, "decide_acceptance", action="not_accept", reason="不属于本院管辖")
    closed(
        d,
        "confirmation_not_accepted",
        [
            *FRONT,
            "agreement_signed",
            "agreement_filed",
            "confirmation_applied",
            "confirmation_not_accepted",
            "case_closed",
        ],
    )


@path("settled_unconfirmed")
def path_pre_settled_unconfirmed(d: Driver) -> None:
    pre_front(d)
    agree_pre(d)
    assert d.timer_dues() == [end_of("2025-04-09")]  # R40 window from Mon 10 Mar
    # A deadline runs to the end of its day: a sweep at its last microsecond fires nothing.
    assert d.fire(last_instant("2025-04-09")) == 0
    assert d.ready() == ["agreement_follow_up"]
    assert d.fire(sh(2025, 4, 10, 0)) == 1
    closing = d.event("case_closed")
    assert closing.at_text == "2025-04-10T00:00:00+08:00"
    closed(
        d,
        "settled_unconfirmed",
        [*FRONT, "agreement_signed", "agreement_filed", "case_closed"],
    )


@path("filed")
def path_pre_failed_filed(d: Driver) -> None:
    pre_front(d)
    d.at(sh(2025, 3, 20, 15))
    d.do(MEDIATOR, "mediate", action="fail", reason="双方分歧过大")
    assert d.view.status == "returned"
    assert dict(d.event("result_reported").data) == {"outcome": "mediation_failed"}
    assert role_of(d, "result_reported") == "mediator"
    assert d.task("register_case").org == COURT
    assert d.due("register_case") == "2025-03-27"  # R37 cal(7) from Thu 20 Mar
    d.at(sh(2025, 3, 21, 9))
    d.do(CLERK, "register_case", action="register")
    closed(
        d,
        "filed",
        [*FRONT, "mediation_failed", "result_reported", "case_registered", "case_closed"],
    )


def timed_out_pre(d: Driver) -> None:
    pre_front(d)
    assert d.fire(last_instant("2025-04-03")) == 0
    assert d.ready() == ["mediate"]
    assert d.fire(sh(2025, 4, 4, 0)) == 1
    assert d.activities()[-2:] == ["mediation_timed_out", "result_reported"]
    timed_out = d.event("mediation_timed_out")
    assert timed_out.at_text == "2025-04-04T00:00:00+08:00"
    assert timed_out.role == "system"
    report = d.event("result_reported")
    assert report.at == timed_out.at
    assert dict(report.data) == {"outcome": "mediation_timed_out"}
    assert d.view.status == "returned"
    # R37 cal(7) from the lapse, recorded at 00:00 on Fri 4 Apr: Fri 11 Apr.
    assert d.due("register_case") == "2025-04-11"
    d.at(sh(2025, 4, 7, 9))


@path("filed")
def path_pre_timed_out_filed(d: Driver) -> None:
    timed_out_pre(d)
    d.do(CLERK, "register_case", action="register")
    closed(
        d,
        "filed",
        [*FRONT, "mediation_timed_out", "result_reported", "case_registered", "case_closed"],
    )


@path("not_filed")
def path_pre_timed_out_not_pursued(d: Driver) -> None:
    timed_out_pre(d)
    d.do(CLERK, "register_case", action="not_pursued", reason="当事人表示不再起诉")
    declined = d.event("filing_declined")
    assert (declined.role, dict(declined.data)) == ("court_clerk", {"reason": "当事人表示不再起诉"})
    closed(
        d,
        "not_filed",
        [*FRONT, "mediation_timed_out", "result_reported", "filing_declined", "case_closed"],
    )


@path("not_filed")
def path_pre_failed_not_filed(d: Driver) -> None:
    pre_front(d)
    d.do(MEDIATOR, "mediate", action="fail", reason="分歧大")
    d.do(CLERK, "register_case", action="not_pursued", reason="消费者放弃起诉")
    closed(
        d,
        "not_filed",
        [*FRONT, "mediation_failed", "result_reported", "filing_declined", "case_closed"],
    )


@path("withdrawn")
def path_pre_withdrawn(d: Driver) -> None:
    pre_front(d)
    d.at(sh(2025, 3, 12, 10))
    d.do(MEDIATOR, "mediate", action="withdraw", reason="申请人撤回")
    assert dict(d.event("mediation_withdrawn").data) == {"reason": "申请人撤回"}
    assert dict(d.event("result_reported").data) == {"outcome": "mediation_withdrawn"}
    closed(d, "withdrawn", [*FRONT, "mediation_withdrawn", "result_reported", "case_closed"])


@path("filed")
def path_pre_refused_filed(d: Driver) -> None:
    d.open(PRE, CLERK)
    d.do(CLERK, "record_consent", action="refuse", party="business")
    assert dict(d.event("consent_refused").data) == {"party": "business"}
    assert role_of(d, "consent_refused") == "court_clerk"
    assert d.view.status == "returned"
    assert d.due("register_case") == "2025-03-10"
    d.do(CLERK, "register_case", action="register")
    closed(d, "filed", ["dispute_received", "consent_refused", "case_registered", "case_closed"])


@path("refused")
def path_pre_refused_not_pursued(d: Driver) -> None:
    d.open(PRE, CLERK)
    d.do(CLERK, "record_consent", action="refuse", party="consumer")
    d.at(sh(2025, 3, 5, 9))
    d.do(CLERK, "register_case", action="not_pursued", reason="不再起诉")
    closed(d, "refused", ["dispute_received", "consent_refused", "filing_declined", "case_closed"])


@path("refused")
def path_pre_consent_lapse(d: Driver) -> None:
    d.open(PRE, CLERK)
    assert d.timer_dues() == [end_of("2025-03-10")]
    assert d.fire(last_instant("2025-03-10")) == 0
    assert d.fire(sh(2025, 3, 11, 0)) == 1
    refused = d.event("consent_refused")
    assert refused.at_text == "2025-03-11T00:00:00+08:00"
    assert refused.role == "system"
    assert refused.actor == "system"
    assert dict(refused.data) == {"party": "none", "deemed": True}
    assert d.ready() == ["register_case"]
    d.at(sh(2025, 3, 11, 9))
    d.do(CLERK, "register_case", action="not_pursued", reason="不再起诉")
    closed(d, "refused", ["dispute_received", "consent_refused", "filing_declined", "case_closed"])


def refer_again_and_finish(d: Driver, prefix: list[str]) -> None:
    """Re-designation after a decline: the new mediator signs, accepts, mediates and settles."""
    assert d.ready() == ["refer"]
    assert d.view.status == "intake"
    d.do(CLERK, "refer", action="refer", mediator_org=CPC)
    d.do(MEDIATOR, "sign_for_referral", action="sign")
    d.do(MEDIATOR, "accept_referral", action="accept")
    d.do(MEDIATOR, "notify_parties", action="notify")
    d.do(MEDIATOR, "mediate", action="start")
    d.do(MEDIATOR, "mediate", action="agree", amount=1200)
    d.do(MEDIATOR, "agreement_follow_up", action="performed", voluntary=True)
    closed(
        d,
        "settled_performed",
        [
            *prefix,
            "referred",
            "referral_received",
            "referral_accepted",
            "parties_notified",
            "mediation_started",
            "agreement_signed",
            "agreement_filed",
            "performed",
            "case_closed",
        ],
    )


@path("settled_performed")
def path_pre_declined_at_sign(d: Driver) -> None:
    d.open(PRE, CLERK)
    d.do(CLERK, "record_consent", action="consent")
    d.do(CLERK, "refer", action="refer", mediator_org=CPC)
    d.at(sh(2025, 3, 4, 10))
    d.do(MEDIATOR, "sign_for_referral", action="decline", reason="案件不属于本会受理范围")
    declined = d.event("referral_declined")
    assert dict(declined.data) == {"reason": "案件不属于本会受理范围"}
    assert declined.role == "mediator"
    refer_again_and_finish(
        d, ["dispute_received", "consent_given", "referred", "referral_declined"]
    )


@path("settled_performed")
def path_pre_declined_at_accept(d: Driver) -> None:
    d.open(PRE, CLERK)
    d.do(CLERK, "record_consent", action="consent")
    d.do(CLERK, "refer", action="refer", mediator_org=CPC)
    d.at(sh(2025, 3, 4, 10))
    d.do(MEDIATOR, "sign_for_referral", action="sign")
    d.at(sh(2025, 3, 5, 10))
    d.do(MEDIATOR, "accept_referral", action="decline", reason="调解员需回避")
    assert role_of(d, "referral_declined") == "mediator"
    refer_again_and_finish(
        d,
        ["dispute_received", "consent_given", "referred", "referral_received", "referral_declined"],
    )


@path("settled_performed")
def path_pre_silent_at_sign(d: Driver) -> None:
    d.open(PRE, CLERK)
    d.do(CLERK, "record_consent", action="consent")
    d.do(CLERK, "refer", action="refer", mediator_org=CPC)
    assert d.fire(last_instant("2025-03-06")) == 0
    assert d.fire(sh(2025, 3, 7, 8)) == 1
    declined = d.event("referral_declined")
    assert declined.at_text == "2025-03-07T00:00:00+08:00"
    assert declined.role == "system"
    assert dict(declined.data) == {"reason": "逾期未确认", "deemed": True}
    refer_again_and_finish(
        d, ["dispute_received", "consent_given", "referred", "referral_declined"]
    )


@path("settled_performed")
def path_pre_silent_at_accept(d: Driver) -> None:
    d.open(PRE, CLERK)
    d.do(CLERK, "record_consent", action="consent")
    d.do(CLERK, "refer", action="refer", mediator_org=CPC)
    d.at(sh(2025, 3, 4, 10))
    d.do(MEDIATOR, "sign_for_referral", action="sign")
    assert d.fire(last_instant("2025-03-07")) == 0
    assert d.fire(sh(2025, 3, 8, 0)) == 1  # R06 wd(3) from Tue 4 Mar ran out Fri 7 Mar
    declined = d.event("referral_declined")
    assert declined.at_text == "2025-03-08T00:00:00+08:00"
    assert declined.role == "system"
    assert dict(declined.data) == {"reason": "逾期未确认", "deemed": True}
    d.at(sh(2025, 3, 10, 9))
    refer_again_and_finish(
        d,
        ["dispute_received", "consent_given", "referred", "referral_received", "referral_declined"],
    )


@path("filed")
def path_pre_pause_and_resume(d: Driver) -> None:
    pre_front(d)
    d.at(sh(2025, 3, 10, 9))
    d.do(MEDIATOR, "mediate", action="pause", reason="产品质量鉴定", until="2025-03-20")
    assert d.view.status == "paused"
    assert dict(d.event("pause_started").data) == {"reason": "产品质量鉴定", "until": "2025-03-20"}
    assert d.timer_dues() == [end_of("2025-03-19")]  # the declared day the pause ends
    d.at(sh(2025, 3, 17, 15))
    d.do(MEDIATOR, "mediate", action="resume")
    resumed = d.event("pause_ended")
    assert resumed.at_text == "2025-03-17T15:00:00+08:00"
    assert resumed.role == "mediator", "the mediator resumed the clock, not the system"
    assert d.view.status == "mediating"
    # 4 Mar + 30 + 7 paused days (10 → 17 Mar) = Thu 10 Apr, a working day.
    assert d.due("mediate") == "2025-04-10"
    assert d.timer_dues() == [end_of("2025-04-10")]
    assert d.fire(last_instant("2025-04-10")) == 0
    assert d.fire(sh(2025, 4, 11, 0)) == 1
    assert d.event("mediation_timed_out").at_text == "2025-04-11T00:00:00+08:00"
    d.at(sh(2025, 4, 11, 9))
    d.do(CLERK, "register_case", action="register")
    closed(
        d,
        "filed",
        [
            *FRONT,
            "pause_started",
            "pause_ended",
            "mediation_timed_out",
            "result_reported",
            "case_registered",
            "case_closed",
        ],
    )


@path("not_filed")
def path_pre_pause_ends_by_itself(d: Driver) -> None:
    pre_front(d)
    d.at(sh(2025, 3, 10, 9))
    d.do(MEDIATOR, "mediate", action="pause", reason="价格评估", until="2025-03-20")
    # The pause ends as the declared day of resumption begins: 10 paused days (10 → 20 Mar).
    assert d.fire(last_instant("2025-03-19")) == 0
    assert d.view.status == "paused"
    assert d.fire(sh(2025, 3, 20, 8)) == 1
    ended = d.event("pause_ended")
    assert ended.at_text == "2025-03-20T00:00:00+08:00"
    assert ended.role == "system"
    assert dict(ended.data) == {"auto": True}
    assert d.view.status == "mediating"
    # 4 Mar + 30 + 10 paused days (10 → 20 Mar) = Sun 13 Apr → 顺延 to Mon 14 Apr.
    assert d.due("mediate") == "2025-04-14"
    assert d.fire(last_instant("2025-04-14")) == 0
    assert d.fire(sh(2025, 4, 15, 0)) == 1
    assert d.event("mediation_timed_out").at_text == "2025-04-15T00:00:00+08:00"
    d.at(sh(2025, 4, 15, 9))
    d.do(CLERK, "register_case", action="not_pursued", reason="不再起诉")
    closed(
        d,
        "not_filed",
        [
            *FRONT,
            "pause_started",
            "pause_ended",
            "mediation_timed_out",
            "result_reported",
            "filing_declined",
            "case_closed",
        ],
    )


@path("filed")
def path_pre_extension(d: Driver) -> None:
    pre_front(d)
    d.at(sh(2025, 3, 31, 9))
    d.do(MEDIATOR, "mediate", action="extend", until="2025-04-20")
    assert dict(d.event("extension_agreed").data) == {"until": "2025-04-20"}
    # An agreed date is taken as given: Sun 20 Apr, no 顺延.
    assert d.due("mediate") == "2025-04-20"
    assert d.timer_dues() == [end_of("2025-04-20")]
    assert d.fire(sh(2025, 4, 4, 0)) == 0  # the original end (3 Apr) no longer applies
    assert d.fire(last_instant("2025-04-20")) == 0
    assert d.fire(sh(2025, 4, 21, 0)) == 1
    assert d.event("mediation_timed_out").at_text == "2025-04-21T00:00:00+08:00"
    d.at(sh(2025, 4, 21, 9))
    d.do(CLERK, "register_case", action="register")
    closed(
        d,
        "filed",
        [
            *FRONT,
            "extension_agreed",
            "mediation_timed_out",
            "result_reported",
            "case_registered",
            "case_closed",
        ],
    )


@path("settled_performed")
def path_pre_acceptance_after_r06_is_refused(d: Driver) -> None:
    """The mediator tries to accept on Mon 10 Mar, after R06's 3 working days ran out on Fri
    7 Mar and before any sweep: the lapse takes effect first (deemed decline, at its own
    instant, by the system), the acceptance is refused, and the court designates again."""
    d.open(PRE, CLERK)
    d.do(CLERK, "record_consent", action="consent")
    d.do(CLERK, "refer", action="refer", mediator_org=CPC)
    d.at(sh(2025, 3, 4, 10))
    d.do(MEDIATOR, "sign_for_referral", action="sign")
    d.at(sh(2025, 3, 10, 9))
    d.attempt(TaskNotFound, MEDIATOR, "accept_referral", action="accept")
    declined = d.event("referral_declined")
    assert declined.at_text == "2025-03-08T00:00:00+08:00"
    assert declined.role == "system"
    assert dict(declined.data) == {"reason": "逾期未确认", "deemed": True}
    refer_again_and_finish(
        d,
        ["dispute_received", "consent_given", "referred", "referral_received", "referral_declined"],
    )


@path("filed")
def path_pre_agreement_after_r16_is_refused(d: Driver) -> None:
    """An agreement tried on Fri 4 Apr, after R16's period ended Thu 3 Apr, no sweep run yet."""
    pre_front(d)
    d.at(sh(2025, 4, 4, 10))
    d.attempt(TaskNotFound, MEDIATOR, "mediate", action="agree", amount=900)
    timed_out = d.event("mediation_timed_out")
    assert timed_out.at_text == "2025-04-04T00:00:00+08:00"
    assert timed_out.role == "system"
    assert role_of(d, "result_reported") == "system"
    assert d.ready() == ["register_case"]
    d.do(CLERK, "register_case", action="register")
    closed(
        d,
        "filed",
        [*FRONT, "mediation_timed_out", "result_reported", "case_registered", "case_closed"],
    )


@path("settled_unconfirmed")
def path_pre_application_after_r40_is_refused(d: Driver) -> None:
    """A joint application tried on Thu 10 Apr, after R40's 30 days from Mon 10 Mar (due Wed
    9 Apr): the window's lapse closes the case first, as settled but unconfirmed."""
    pre_front(d)
    agree_pre(d)
    d.at(sh(2025, 4, 10, 9))
    d.attempt(TaskNotFound, MEDIATOR, "agreement_follow_up", action="apply", joint=True)
    assert d.event("case_closed").at_text == "2025-04-10T00:00:00+08:00"
    closed(
        d,
        "settled_unconfirmed",
        [*FRONT, "agreement_signed", "agreement_filed", "case_closed"],
    )


@path("confirmed")
def path_pre_late_court_decisions(d: Driver) -> None:
    """The court's own duties only remind: a judge deciding late is recorded, and the audit
    finds R44 (acceptance due Mon 17 Mar, decided Tue 18) and R48 (ruling due Thu 17 Apr,
    ruled Fri 18) late."""
    pre_front(d)
    d.at(sh(2025, 3, 7, 16))
    d.do(MEDIATOR, "mediate", action="agree", amount=3000)
    d.at(sh(2025, 3, 12, 9))
    d.do(MEDIATOR, "agreement_follow_up", action="apply", joint=True)
    assert d.due("decide_acceptance") == "2025-03-17"
    d.at(sh(2025, 3, 18, 9))
    d.do(JUDGE, "decide_acceptance", action="accept")
    assert d.due("rule_on_confirmation") == "2025-04-17"  # R48 cal(30) from Tue 18 Mar
    d.at(sh(2025, 4, 18, 9))
    d.do(JUDGE, "rule_on_confirmation", action="valid")
    reminders = [(r["rule"], datetime.fromisoformat(r["at"])) for r in d.view.facts["reminders"]]
    assert reminders == [("R44", end_of("2025-03-17")), ("R48", end_of("2025-04-17"))]
    closed(
        d,
        "confirmed",
        [*CONFIRM, "confirmation_accepted", "confirmation_ruled", "case_closed"],
        findings=[("R44", "late", date(2025, 3, 17)), ("R48", "late", date(2025, 4, 17))],
    )


# -- path B: post-filing referral (委托调解) ------------------------------------------------------


def post_front(d: Driver, procedure: str) -> None:
    """Registered case opened Mon 3 Mar 2025; received Tue 4 Mar; mediation started."""
    d.open(POST, CLERK, case_id="(2025)浙1082民初88号", facts={"claim_amount": 12000})
    assert d.activities() == ["dispute_received", "case_registered"]
    assert dict(d.event("dispute_received").data) == {"claim_amount": 12000}
    d.do(CLERK, "record_consent", action="consent")
    d.do(CLERK, "refer", action="refer", mediator_org=CPC, procedure=procedure)
    assert dict(d.event("referred").data) == {
        "mode": "post_filing",
        "mediator_org": CPC,
        "procedure": procedure,
    }
    d.at(sh(2025, 3, 4, 10))
    d.do(MEDIATOR, "sign_for_referral", action="sign")
    d.do(MEDIATOR, "accept_referral", action="accept")
    d.do(MEDIATOR, "notify_parties", action="notify")
    d.do(MEDIATOR, "mediate", action="start")


@path("trial_resumed")
def path_post_ordinary_timed_out(d: Driver) -> None:
    post_front(d, "ordinary")
    assert d.due("mediate") == "2025-03-19"  # R17 cal(15) from Tue 4 Mar
    assert d.fire(last_instant("2025-03-19")) == 0
    assert d.fire(sh(2025, 3, 20, 0)) == 1
    assert d.event("mediation_timed_out").at_text == "2025-03-20T00:00:00+08:00"
    assert d.view.status == "returned"
    assert d.task("resume_trial").org == COURT
    d.at(sh(2025, 3, 20, 9))
    d.do(JUDGE, "resume_trial", action="resume")
    assert role_of(d, "trial_resumed") == "judge"
    closed(
        d,
        "trial_resumed",
        [*POST_FRONT, "mediation_timed_out", "result_reported", "trial_resumed", "case_closed"],
    )


@path("trial_resumed")
def path_post_simple_timed_out_over_national_day(d: Driver) -> None:
    d.at(sh(2025, 9, 24, 9))
    d.open(POST, CLERK, case_id="(2025)浙1082民初901号")
    # R01 cal(7) from Wed 24 Sep: Wed 1 Oct is National Day → first working day Thu 9 Oct.
    assert d.due("record_consent") == "2025-10-09"
    d.do(CLERK, "record_consent", action="consent")
    d.do(CLERK, "refer", action="refer", mediator_org=CPC, procedure="simple")
    # wd(3) from Wed 24 Sep: Thu 25, Fri 26, Sun 28 Sep (a 调休 working day).
    assert d.due("sign_for_referral") == "2025-09-28"
    d.at(sh(2025, 9, 26, 10))
    d.do(MEDIATOR, "sign_for_referral", action="sign")
    # R06 wd(3) from Fri 26 Sep: Sun 28, Mon 29, Tue 30 Sep.
    assert d.due("accept_referral") == "2025-09-30"
    d.at(sh(2025, 9, 28, 10))
    d.do(MEDIATOR, "accept_referral", action="accept")
    d.do(MEDIATOR, "notify_parties", action="notify")
    d.do(MEDIATOR, "mediate", action="start")
    # R17 cal(7) from Fri 26 Sep: Fri 3 Oct, a holiday → Thu 9 Oct.
    assert d.due("mediate") == "2025-10-09"
    assert d.fire(sh(2025, 10, 4, 0)) == 0
    assert d.fire(last_instant("2025-10-09")) == 0
    assert d.fire(sh(2025, 10, 10, 0)) == 1
    assert d.event("mediation_timed_out").at_text == "2025-10-10T00:00:00+08:00"
    d.at(sh(2025, 10, 10, 9))
    d.do(CLERK, "resume_trial", action="resume")
    assert role_of(d, "trial_resumed") == "court_clerk"
    closed(
        d,
        "trial_resumed",
        [*POST_FRONT, "mediation_timed_out", "result_reported", "trial_resumed", "case_closed"],
    )


@path("trial_resumed")
def path_post_simple_timed_out(d: Driver) -> None:
    post_front(d, "simple")
    assert d.due("mediate") == "2025-03-11"  # R17 cal(7) from Tue 4 Mar
    assert d.fire(last_instant("2025-03-11")) == 0
    assert d.fire(sh(2025, 3, 12, 0)) == 1
    assert d.event("mediation_timed_out").at_text == "2025-03-12T00:00:00+08:00"
    d.at(sh(2025, 3, 12, 9))
    d.do(JUDGE, "resume_trial", action="resume")
    closed(
        d,
        "trial_resumed",
        [*POST_FRONT, "mediation_timed_out", "result_reported", "trial_resumed", "case_closed"],
    )


def post_agreement(d: Driver) -> None:
    post_front(d, "ordinary")
    d.at(sh(2025, 3, 14, 10))
    d.do(MEDIATOR, "mediate", action="agree", amount=10000)
    assert d.activities()[-2:] == ["agreement_signed", "result_reported"]
    assert dict(d.event("result_reported").data) == {"outcome": "agreement_signed"}
    assert d.ready() == ["court_review"]
    assert d.task("court_review").org == COURT
    d.at(sh(2025, 3, 17, 10))


@path("mediation_document")
def path_post_mediation_document(d: Driver) -> None:
    post_agreement(d)
    d.do(JUDGE, "court_review", action="mediation_document")
    closed(
        d,
        "mediation_document",
        [
            *POST_FRONT,
            "agreement_signed",
            "result_reported",
            "mediation_document_issued",
            "case_closed",
        ],
    )


@path("suit_withdrawn")
def path_post_suit_withdrawn(d: Driver) -> None:
    post_agreement(d)
    d.do(JUDGE, "court_review", action="suit_withdrawn")
    closed(
        d,
        "suit_withdrawn",
        [*POST_FRONT, "agreement_signed", "result_reported", "suit_withdrawn", "case_closed"],
    )


@path("trial_resumed")
def path_post_failed(d: Driver) -> None:
    post_front(d, "simple")
    d.at(sh(2025, 3, 7, 10))
    d.do(MEDIATOR, "mediate", action="fail", reason="被告拒绝调解")
    d.do(JUDGE, "resume_trial", action="resume")
    closed(
        d,
        "trial_resumed",
        [*POST_FRONT, "mediation_failed", "result_reported", "trial_resumed", "case_closed"],
    )


@path("trial_resumed")
def path_post_withdrawn(d: Driver) -> None:
    post_front(d, "ordinary")
    d.do(MEDIATOR, "mediate", action="withdraw")
    d.do(JUDGE, "resume_trial", action="resume")
    closed(
        d,
        "trial_resumed",
        [*POST_FRONT, "mediation_withdrawn", "result_reported", "trial_resumed", "case_closed"],
    )


@path("trial_resumed")
def path_post_refused(d: Driver) -> None:
    d.open(POST, CLERK, case_id="(2025)浙1082民初89号")
    d.do(CLERK, "record_consent", action="refuse", party="both")
    d.do(JUDGE, "resume_trial", action="resume")
    closed(
        d,
        "trial_resumed",
        ["dispute_received", "case_registered", "consent_refused", "trial_resumed", "case_closed"],
    )


@path("trial_resumed")
def path_post_failure_after_r17_is_refused(d: Driver) -> None:
    """A failure tried on Thu 20 Mar, after R17's 15 days ended Wed 19 Mar, no sweep run yet."""
    post_front(d, "ordinary")
    d.at(sh(2025, 3, 20, 10))
    d.attempt(TaskNotFound, MEDIATOR, "mediate", action="fail", reason="联系不上被告")
    assert d.event("mediation_timed_out").at_text == "2025-03-20T00:00:00+08:00"
    d.do(JUDGE, "resume_trial", action="resume")
    closed(
        d,
        "trial_resumed",
        [*POST_FRONT, "mediation_timed_out", "result_reported", "trial_resumed", "case_closed"],
    )


# -- path E (and C, D): the 消保委's own complaint mediation --------------------------------------


def complaint_front(d: Driver) -> None:
    """Complaint Mon 3 Mar; accepted Tue 4 Mar; mediation started and parties notified Thu 6."""
    d.open(COMPLAINT, MEDIATOR, case_id="LH-TS-2025-0001", facts={"claim_amount": 2600})
    assert d.activities() == ["complaint_received"]
    assert dict(d.event("complaint_received").data) == {"claim_amount": 2600}
    assert d.view.mediator_org == CPC
    assert d.view.court_org is None
    assert d.due("decide_complaint") == "2025-03-10"  # R62 wd(5) from Mon 3 Mar
    d.at(sh(2025, 3, 4, 10))
    d.do(MEDIATOR, "decide_complaint", action="accept")
    assert d.due("start_mediation") == "2025-03-18"  # R63 wd(10) from Tue 4 Mar
    d.at(sh(2025, 3, 6, 10))
    d.do(MEDIATOR, "start_mediation", action="start")
    # 45 working days from Tue 4 Mar (engine policy, R63 horizon): Fri 9 May 2025.
    assert d.due("notify_parties") == "2025-05-09"
    d.do(MEDIATOR, "notify_parties", action="notify")
    assert d.due("mediate") == "2025-05-09"
    assert d.view.status == "mediating"


@path("intake_rejected")
def path_complaint_rejected(d: Driver) -> None:
    d.open(COMPLAINT, MEDIATOR, case_id="LH-TS-2025-0002")
    d.at(sh(2025, 3, 5, 10))
    d.do(MEDIATOR, "decide_complaint", action="reject", reason="已由法院受理")
    assert dict(d.event("complaint_rejected").data) == {"reason": "已由法院受理"}
    closed(d, "intake_rejected", ["complaint_received", "complaint_rejected", "case_closed"])


@path("settled_performed")
def path_complaint_settled_performed(d: Driver) -> None:
    complaint_front(d)
    d.at(sh(2025, 3, 12, 10))
    d.do(MEDIATOR, "mediate", action="agree", amount="2000")
    # Not referred by a court: no filing with, and no report to, a court.
    assert d.activities()[-1] == "agreement_signed"
    d.do(MEDIATOR, "agreement_follow_up", action="performed", voluntary=False)
    assert dict(d.event("performed").data) == {"voluntary": False}
    closed(
        d,
        "settled_performed",
        [*COMPLAINT_FRONT, "agreement_signed", "performed", "case_closed"],
    )


@path("confirmed")
def path_complaint_confirmed(d: Driver) -> None:
    complaint_front(d)
    d.do(MEDIATOR, "mediate", action="agree", amount=2600)
    # R40 cal(30) from Thu 6 Mar: Sat 5 Apr, a 清明 rest day → Mon 7 Apr.
    assert d.due("agreement_follow_up") == "2025-04-07"
    d.at(sh(2025, 3, 7, 10))
    # A complaint agreement names the court the parties apply to (R41); its judges decide.
    d.attempt(InvalidTaskData, MEDIATOR, "agreement_follow_up", action="apply", joint=True)
    d.do(MEDIATOR, "agreement_follow_up", action="apply", joint=True, court=COURT)
    refused(
        d,
        NotPermitted,
        Actor("judge-x", "judge", OTHER_COURT),
        "decide_acceptance",
        action="accept",
    )
    assert d.due("decide_acceptance") == "2025-03-10"  # R44 cal(3) from Fri 7 Mar
    d.at(sh(2025, 3, 10, 9))
    d.do(JUDGE, "decide_acceptance", action="accept")
    assert d.due("rule_on_confirmation") == "2025-04-09"  # R48 cal(30) from Mon 10 Mar
    d.at(sh(2025, 3, 25, 9))
    d.do(JUDGE, "rule_on_confirmation", action="valid")
    closed(
        d,
        "confirmed",
        [
            *COMPLAINT_FRONT,
            "agreement_signed",
            "confirmation_applied",
            "confirmation_accepted",
            "confirmation_ruled",
            "case_closed",
        ],
    )


@path("supported_suit")
def path_complaint_supported_suit(d: Driver) -> None:
    complaint_front(d)
    d.at(sh(2025, 3, 20, 10))
    d.do(MEDIATOR, "mediate", action="fail", reason="经营者拒绝赔偿")
    assert d.view.status == "reporting"
    assert d.ready() == ["support_decision"]
    d.do(MEDIATOR, "support_decision", action="support")
    closed(
        d,
        "supported_suit",
        [*COMPLAINT_FRONT, "mediation_failed", "suit_supported", "case_closed"],
    )


@path("withdrawn")
def path_complaint_consumer_withdraws(d: Driver) -> None:
    complaint_front(d)
    d.at(sh(2025, 3, 20, 10))
    d.do(MEDIATOR, "mediate", action="fail", reason="经营者拒绝赔偿")
    d.do(MEDIATOR, "support_decision", action="consumer_withdraws", reason="消费者放弃")
    closed(
        d,
        "withdrawn",
        [*COMPLAINT_FRONT, "mediation_failed", "mediation_withdrawn", "case_closed"],
    )


@path("support_declined")
def path_complaint_timed_out(d: Driver) -> None:
    complaint_front(d)
    assert d.fire(last_instant("2025-05-09")) == 0
    assert d.fire(sh(2025, 5, 10, 0)) == 1
    timed_out = d.event("mediation_timed_out")
    assert timed_out.at_text == "2025-05-10T00:00:00+08:00"
    assert timed_out.role == "system"
    assert d.ready() == ["support_decision"]
    d.at(sh(2025, 5, 12, 9))
    d.do(MEDIATOR, "support_decision", action="close", reason="经营者已注销，不宜起诉")
    assert role_of(d, "support_declined") == "mediator"
    closed(
        d,
        "support_declined",
        [*COMPLAINT_FRONT, "mediation_timed_out", "support_declined", "case_closed"],
    )


@path("settled_performed")
def path_complaint_late_intake_and_start(d: Driver) -> None:
    """The 消保委 decides on Tue 11 Mar (R62 due Mon 10 Mar) and starts mediating on Wed 26 Mar
    (R63 wd(10) from Tue 11 Mar: due Tue 25 Mar): both recorded, both found late."""
    d.open(COMPLAINT, MEDIATOR, case_id="LH-TS-2025-0003")
    d.at(sh(2025, 3, 11, 10))
    d.do(MEDIATOR, "decide_complaint", action="accept")
    assert d.due("start_mediation") == "2025-03-25"
    d.at(sh(2025, 3, 26, 10))
    d.do(MEDIATOR, "start_mediation", action="start")
    d.do(MEDIATOR, "notify_parties", action="notify")
    d.do(MEDIATOR, "mediate", action="agree", amount=150)
    d.do(MEDIATOR, "agreement_follow_up", action="performed")
    closed(
        d,
        "settled_performed",
        [*COMPLAINT_FRONT, "agreement_signed", "performed", "case_closed"],
        findings=[("R62", "late", date(2025, 3, 10)), ("R63", "late", date(2025, 3, 25))],
    )


# -- path D on its own: supported lawsuit ---------------------------------------------------------


@path("supported_suit")
def path_support_granted(d: Driver) -> None:
    d.open(SUPPORT, MEDIATOR, case_id="LH-ZC-2025-0001")
    assert d.due("decide_support") == "2025-03-10"
    d.at(sh(2025, 3, 6, 10))
    d.do(MEDIATOR, "decide_support", action="support")
    closed(d, "supported_suit", ["complaint_received", "suit_supported", "case_closed"])


@path("support_declined")
def path_support_declined(d: Driver) -> None:
    d.open(SUPPORT, MEDIATOR, case_id="LH-ZC-2025-0002")
    d.do(MEDIATOR, "decide_support", action="decline", reason="证据不足")
    closed(d, "support_declined", ["complaint_received", "support_declined", "case_closed"])


# -- running every path, cached and reloaded ------------------------------------------------------


@pytest.mark.parametrize("name", list(PATHS))
def test_path(name: str, d: Driver, make_driver: Any) -> None:
    PATHS[name](d)
    assert d.view.outcome == OUTCOMES[name]
    if d.reload:
        twin: Driver = make_driver(reload=False)
        PATHS[name](twin)
        assert d.log() == twin.log(), "a reloaded run wrote another log than a cached run"


def test_every_top_level_process_and_outcome_is_driven() -> None:
    prefixes = {name.split("_")[0] for name in PATHS}
    assert prefixes == {"pre", "post", "complaint", "support"}
    # `enforcement` (R52) no process reaches yet; `timed_out` closes no engine case since
    # contract v2: after a timeout a person decides (filing_declined / support_declined).
    assert set(default_pack().outcomes) - set(OUTCOMES.values()) == {"enforcement", "timed_out"}
    assert set(OUTCOMES.values()) <= set(default_pack().outcomes)


# -- refused actions change nothing ---------------------------------------------------------------


def refused(
    d: Driver,
    error: type[DomainError],
    actor: Actor,
    bpmn_id: str,
    *,
    field: str | None = None,
    expected_version: int | None = None,
    task_id: str | None = None,
    **payload: Any,
) -> DomainError:
    """Try a step that must be refused; nothing of the case may change."""
    before = d.view
    events = d.log()
    timers = d.store.timers(d.case_id)
    if task_id is None:
        task_id = d.task(bpmn_id).task_id
    with pytest.raises(error) as info:
        d.engine.complete(
            case_id=d.case_id,
            task_id=task_id,
            actor=actor,
            payload=payload,
            expected_version=expected_version,
        )
    if field is not None:
        assert info.value.field == field, info.value.message
    assert info.value.message  # a message in Chinese for the person acting
    after = d.view
    assert after.version == before.version
    assert after == before
    assert d.log() == events
    assert d.store.timers(d.case_id) == timers
    return info.value


def test_refused_actions_change_nothing(d: Driver) -> None:
    other_clerk = Actor("clerk-09", "court_clerk", OTHER_COURT)
    other_mediator = Actor("med-100", "mediator", OTHER_CPC)
    other_judge = Actor("judge-09", "judge", OTHER_COURT)
    party = Actor("p-1", "party", "")

    d.open(PRE, CLERK)
    refused(d, NotPermitted, JUDGE, "record_consent", action="consent")
    refused(d, NotPermitted, MEDIATOR, "record_consent", action="consent")
    refused(d, NotPermitted, party, "record_consent", action="consent")
    refused(d, NotPermitted, other_clerk, "record_consent", action="consent")
    refused(d, InvalidTaskData, CLERK, "record_consent", field="action", action="maybe")
    refused(d, InvalidTaskData, CLERK, "record_consent", field="action")
    refused(d, InvalidTaskData, CLERK, "record_consent", field="party", action="refuse")
    refused(d, InvalidTaskData, CLERK, "record_consent", field="party", action="refuse", party="x")
    refused(d, TaskNotFound, CLERK, "", task_id="no-such-task", action="consent")
    refused(d, TaskNotFound, CLERK, "", task_id="refer", action="refer", mediator_org=CPC)
    d.do(CLERK, "record_consent", action="consent")

    refused(d, InvalidTaskData, CLERK, "refer", field="mediator_org", action="refer")
    refused(
        d, InvalidTaskData, CLERK, "refer", field="mediator_org", action="refer", mediator_org=" "
    )
    refused(
        d,
        InvalidTaskData,
        CLERK,
        "refer",
        field="procedure",
        action="refer",
        mediator_org=CPC,
        procedure="summary",
    )
    d.do(CLERK, "refer", action="refer", mediator_org=CPC)

    refused(d, NotPermitted, other_mediator, "sign_for_referral", action="sign")
    refused(d, NotPermitted, CLERK, "sign_for_referral", action="sign")
    refused(d, InvalidTaskData, MEDIATOR, "sign_for_referral", field="reason", action="decline")
    d.at(sh(2025, 3, 4, 10))
    d.do(MEDIATOR, "sign_for_referral", action="sign")
    d.do(MEDIATOR, "accept_referral", action="accept")
    d.do(MEDIATOR, "notify_parties", action="notify")

    refused(d, InvalidTaskData, MEDIATOR, "mediate", field="action", action="resume")
    d.do(MEDIATOR, "mediate", action="start")
    refused(d, InvalidTaskData, MEDIATOR, "mediate", field="action", action="start")
    refused(d, InvalidTaskData, MEDIATOR, "mediate", field="amount", action="agree")
    for amount in (-5, "12.345", "十元", True, "NaN", "1000000000.01"):
        refused(
            d, InvalidTaskData, MEDIATOR, "mediate", field="amount", action="agree", amount=amount
        )
    tomorrow = "2025-03-05"
    refused(
        d,
        InvalidTaskData,
        MEDIATOR,
        "mediate",
        field="effective_on",
        action="agree",
        amount=100,
        effective_on=tomorrow,
    )
    refused(
        d,
        InvalidTaskData,
        MEDIATOR,
        "mediate",
        field="effective_on",
        action="agree",
        amount=100,
        effective_on="2025-13-01",
    )
    refused(d, InvalidTaskData, MEDIATOR, "mediate", field="reason", action="fail")
    refused(
        d,
        InvalidTaskData,
        MEDIATOR,
        "mediate",
        field="until",
        action="pause",
        reason="鉴定",
        until="2025-03-03",
    )
    refused(
        d, InvalidTaskData, MEDIATOR, "mediate", field="reason", action="pause", until="2025-03-20"
    )
    refused(d, InvalidTaskData, MEDIATOR, "mediate", field="until", action="extend")
    refused(
        d, InvalidTaskData, MEDIATOR, "mediate", field="until", action="extend", until="2025-03-01"
    )
    version = d.view.version
    refused(
        d,
        ConcurrentUpdate,
        MEDIATOR,
        "mediate",
        expected_version=version - 1,
        action="fail",
        reason="x",
    )
    d.do(MEDIATOR, "mediate", action="pause", reason="鉴定", until="2025-03-20")
    refused(d, InvalidTaskData, MEDIATOR, "mediate", field="action", action="agree", amount=1)
    refused(
        d, InvalidTaskData, MEDIATOR, "mediate", field="action", action="extend", until="2025-05-01"
    )
    d.do(MEDIATOR, "mediate", action="resume")
    d.at(sh(2025, 3, 7, 10))
    d.engine.complete(
        case_id=d.case_id,
        task_id=d.task("mediate").task_id,
        actor=MEDIATOR,
        payload={"action": "agree", "amount": 600},
        expected_version=d.view.version,
    )

    refused(d, InvalidTaskData, MEDIATOR, "agreement_follow_up", field="joint", action="apply")
    for joint in (False, "yes", 1):
        refused(
            d,
            InvalidTaskData,
            MEDIATOR,
            "agreement_follow_up",
            field="joint",
            action="apply",
            joint=joint,
        )
    refused(d, NotPermitted, JUDGE, "agreement_follow_up", action="apply", joint=True)
    refused(d, NotPermitted, other_mediator, "agreement_follow_up", action="performed")
    d.do(MEDIATOR, "agreement_follow_up", action="apply", joint=True)

    refused(d, NotPermitted, MEDIATOR, "decide_acceptance", action="accept")
    refused(d, NotPermitted, CLERK, "decide_acceptance", action="accept")
    refused(d, NotPermitted, other_judge, "decide_acceptance", action="accept")
    refused(d, InvalidTaskData, JUDGE, "decide_acceptance", field="reason", action="not_accept")
    d.do(JUDGE, "decide_acceptance", action="accept")
    last_task = d.task("rule_on_confirmation").task_id
    d.do(JUDGE, "rule_on_confirmation", action="valid")

    # A closed case takes no more steps, and the timer sweep leaves it alone.
    refused(d, TransitionNotAllowed, JUDGE, "", task_id=last_task, action="withdrawn")
    assert d.fire(sh(2026, 1, 1, 0)) == 0
    closed(
        d,
        "confirmed",
        [
            *FRONT,
            "pause_started",
            "pause_ended",
            "agreement_signed",
            "agreement_filed",
            "confirmation_applied",
            "confirmation_accepted",
            "confirmation_ruled",
            "case_closed",
        ],
    )


def test_post_filing_referral_needs_a_procedure(d: Driver) -> None:
    d.open(POST, CLERK, case_id="(2025)浙1082民初90号")
    d.do(CLERK, "record_consent", action="consent")
    refused(d, InvalidTaskData, CLERK, "refer", field="procedure", action="refer", mediator_org=CPC)
    d.do(CLERK, "refer", action="refer", mediator_org=CPC, procedure="simple")
    assert d.view.facts["procedure"] == "simple"


def test_a_party_not_filing_needs_a_reason(d: Driver) -> None:
    """Contract v2: the clerk's record of the party's decision is an event with its reason."""
    pre_front(d)
    d.do(MEDIATOR, "mediate", action="fail", reason="分歧大")
    refused(d, InvalidTaskData, CLERK, "register_case", field="reason", action="not_pursued")


def test_declining_support_needs_a_reason(d: Driver) -> None:
    complaint_front(d)
    d.do(MEDIATOR, "mediate", action="fail", reason="分歧大")
    refused(d, InvalidTaskData, MEDIATOR, "support_decision", field="reason", action="close")


def test_opening_is_refused_without_changing_the_store(make_driver: Any) -> None:
    d: Driver = make_driver()
    d.open(PRE, CLERK, case_id="A-1")
    count = d.store.count()
    attempts: list[tuple[type[DomainError], str | None, dict[str, Any]]] = [
        (NotPermitted, None, {"process_id": PRE, "case_id": "A-2", "actor": MEDIATOR}),
        (NotPermitted, None, {"process_id": POST, "case_id": "A-2", "actor": JUDGE}),
        (NotPermitted, None, {"process_id": COMPLAINT, "case_id": "A-2", "actor": CLERK}),
        (NotPermitted, None, {"process_id": SUPPORT, "case_id": "A-2", "actor": JUDGE}),
        (
            InvalidTaskData,
            "process_id",
            {"process_id": "mediation", "case_id": "A-2", "actor": CLERK},
        ),
        (InvalidTaskData, "case_id", {"process_id": PRE, "case_id": "", "actor": CLERK}),
        (InvalidTaskData, "case_id", {"process_id": PRE, "case_id": "X" * 101, "actor": CLERK}),
        (CaseExists, None, {"process_id": PRE, "case_id": "A-1", "actor": CLERK}),
        (CaseExists, None, {"process_id": COMPLAINT, "case_id": "A-1", "actor": MEDIATOR}),
    ]
    events = d.log()
    for error, field, kwargs in attempts:
        with pytest.raises(error) as info:
            d.engine.open_case(**kwargs)
        if field is not None:
            assert info.value.field == field
        assert d.store.count() == count
        assert d.log() == events
        assert d.store.get("A-2") is None


class FailingOnce(MemoryCaseStore):
    """A store whose next step of a stored case fails as if another worker had written first."""

    def __init__(self) -> None:
        super().__init__()
        self.fail_next = False

    def commit(self, step: StepWrite) -> None:
        if self.fail_next and step.expected_version is not None:
            self.fail_next = False
            raise ConcurrentUpdate("simulated race")
        super().commit(step)


def test_a_failed_write_leaves_no_trace_in_the_engine(make_driver: Any) -> None:
    store = FailingOnce()
    d: Driver = make_driver(store=store)
    pre_front(d)
    before = d.view
    store.fail_next = True
    with pytest.raises(ConcurrentUpdate):
        d.do(MEDIATOR, "mediate", action="fail", reason="分歧大")
    assert d.view == before
    assert d.activities() == FRONT
    # The same engine (its cache must not hold the half-done step) takes the step again.
    d.do(MEDIATOR, "mediate", action="fail", reason="分歧大")
    assert d.activities() == [*FRONT, "mediation_failed", "result_reported"]
    assert d.ready() == ["register_case"]


def test_two_engines_on_one_store(make_driver: Any) -> None:
    d: Driver = make_driver()
    pre_front(d)
    other = Engine(d.store, d.pack, d.calendar, specs=d.specs, clock=d.clock)
    seen = other.case(d.case_id)
    task = seen.tasks[0]
    d.do(MEDIATOR, "mediate", action="fail", reason="分歧大")
    # The other engine acts on what it saw: its version is stale and the task is gone.
    with pytest.raises(ConcurrentUpdate):
        other.complete(
            case_id=d.case_id,
            task_id=task.task_id,
            actor=MEDIATOR,
            payload={"action": "agree", "amount": 1},
            expected_version=seen.version,
        )
    with pytest.raises(TaskNotFound):
        other.complete(
            case_id=d.case_id,
            task_id=task.task_id,
            actor=MEDIATOR,
            payload={"action": "agree", "amount": 1},
        )
    assert d.activities() == [*FRONT, "mediation_failed", "result_reported"]
    other.complete(
        case_id=d.case_id,
        task_id=d.task("register_case").task_id,
        actor=CLERK,
        payload={"action": "register"},
    )
    closed(
        d,
        "filed",
        [*FRONT, "mediation_failed", "result_reported", "case_registered", "case_closed"],
    )


def test_the_sweep_fires_each_case_at_its_own_deadlines(make_driver: Any) -> None:
    """A sweep long after several deadlines steps every case, each event at its own instant."""
    d: Driver = make_driver()
    d.open(PRE, CLERK, case_id="B-1")  # consent lapses end of Mon 10 Mar
    d.open(PRE, CLERK, case_id="B-2")
    d.do(CLERK, "record_consent", action="consent")
    d.do(CLERK, "refer", action="refer", mediator_org=CPC)  # receipt lapses end of Thu 6 Mar
    d.open(COMPLAINT, MEDIATOR, case_id="B-3")  # nothing lapses: reminders only
    assert d.store.due_cases(sh(2025, 3, 6, 12), 10) == []
    assert d.engine.fire_due(sh(2025, 3, 12, 0)) >= 3  # one step per case at least
    first = d.store.events("B-1")
    assert [(e.activity, e.at_text) for e in first[1:]] == [
        ("consent_refused", "2025-03-11T00:00:00+08:00")
    ]
    second = d.store.events("B-2")
    assert [(e.activity, e.at_text) for e in second[3:]] == [
        ("referral_declined", "2025-03-07T00:00:00+08:00")
    ]
    assert [e.activity for e in d.store.events("B-3")] == ["complaint_received"]
    reminders = d.engine.case("B-3").facts["reminders"]
    assert [(r["rule"], r["task"], datetime.fromisoformat(r["at"])) for r in reminders] == [
        ("R62", "decide_complaint", end_of("2025-03-10"))
    ]
    assert d.engine.fire_due(sh(2025, 3, 12, 0)) == 0


def test_a_deadline_passed_before_a_persons_step_keeps_its_own_instant(make_driver: Any) -> None:
    """The mediator notifies the parties on Fri 4 Apr, after R16's period ended Thu 3 Apr, and no
    sweep has run: the time-out is applied first, as the system's, at 2025-04-04T00:00:00+08:00;
    the late notice is refused; the audit holds nothing late against the case."""
    d: Driver = make_driver()
    d.open(PRE, CLERK)
    d.do(CLERK, "record_consent", action="consent")
    d.do(CLERK, "refer", action="refer", mediator_org=CPC)
    d.at(sh(2025, 3, 4, 10))
    d.do(MEDIATOR, "sign_for_referral", action="sign")
    d.do(MEDIATOR, "accept_referral", action="accept")
    d.at(sh(2025, 4, 4, 10))
    error = d.attempt(TaskNotFound, MEDIATOR, "notify_parties", action="notify")
    assert "期限已届满" in error.message
    assert d.fire(sh(2025, 4, 4, 11)) == 0  # already applied
    timed_out = d.event("mediation_timed_out")
    assert timed_out.at_text == "2025-04-04T00:00:00+08:00"
    assert timed_out.role == "system"
    assert role_of(d, "result_reported") == "system"
    assert d.activities()[-3:] == ["referral_accepted", "mediation_timed_out", "result_reported"]
    assert [f.rule for f in d.findings(sh(2025, 4, 5))] == []


def test_a_pause_past_its_end_is_ended_by_the_system_first(d: Driver) -> None:
    """Resuming after the declared end of a pause: the pause already ended at its `until`."""
    pre_front(d)
    d.at(sh(2025, 3, 10, 9))
    d.do(MEDIATOR, "mediate", action="pause", reason="价格评估", until="2025-03-20")
    d.at(sh(2025, 3, 24, 9))
    with pytest.raises(InvalidTaskData) as info:
        d.do(MEDIATOR, "mediate", action="resume")
    assert info.value.field == "action"
    d.do(MEDIATOR, "mediate", action="fail", reason="鉴定后仍分歧")
    ended = d.event("pause_ended")
    assert ended.at_text == "2025-03-20T00:00:00+08:00"
    assert ended.role == "system"
    assert d.activities()[-4:] == [
        "pause_started",
        "pause_ended",
        "mediation_failed",
        "result_reported",
    ]


def test_an_unreadable_case_does_not_stop_the_sweep(make_driver: Any) -> None:
    from engine.ports import StoredCase, Timer

    d: Driver = make_driver()
    due = sh(2025, 3, 1, 0)
    broken = StoredCase(
        "BROKEN", PRE, "intake", 1, due, due, b"{not a workflow", court_org=COURT, next_due=due
    )
    d.store.insert(broken, [], [Timer("BROKEN", "00000000-0000-0000-0000-000000000000", "t", due)])
    d.open(PRE, CLERK, case_id="GOOD")  # consent lapses at the end of Mon 10 Mar
    d.engine.fire_due(sh(2025, 3, 12, 9))
    assert d.event("consent_refused").at_text == "2025-03-11T00:00:00+08:00"


def test_an_extension_cannot_shorten_the_period(make_driver: Any) -> None:
    d: Driver = make_driver()
    pre_front(d)  # due Thu 3 Apr
    with pytest.raises(InvalidTaskData) as info:
        d.do(MEDIATOR, "mediate", action="extend", until="2025-03-05")
    assert info.value.field == "until"


def test_an_agreement_cannot_take_effect_before_the_mediation(make_driver: Any) -> None:
    d: Driver = make_driver()
    pre_front(d)  # received Tue 4 Mar 2025
    with pytest.raises(InvalidTaskData) as info:
        d.do(MEDIATOR, "mediate", action="agree", amount=100, effective_on="2024-01-01")
    assert info.value.field == "effective_on"


def test_the_notice_records_how_it_was_served(make_driver: Any) -> None:
    """Issue 7: the event that a document was served records the channel."""
    d: Driver = make_driver()
    d.open(PRE, CLERK)
    d.do(CLERK, "record_consent", action="consent")
    d.do(CLERK, "refer", action="refer", mediator_org=CPC)
    d.do(MEDIATOR, "sign_for_referral", action="sign")
    d.do(MEDIATOR, "accept_referral", action="accept")
    error = d.attempt(InvalidTaskData, MEDIATOR, "notify_parties", action="notify", channel="fax")
    assert error.field == "channel"
    d.do(MEDIATOR, "notify_parties", action="notify", channel="post", place="临海市消保委调解室")
    assert dict(d.event("parties_notified").data) == {
        "channel": "post",
        "place": "临海市消保委调解室",
    }
