"""Every wait on a person ends or escalates (issue 11, part 2), and the last second of a period.

A task that no lapse ends (register the case, resume the trial, decide on support …) gets a
reminder at its due date (a legal period where the law sets one, the pack's T03 engine policy
where it does not) and then an escalation to the supervisor every T03 interval, for as long as
nobody acts: the case is never left open with no armed timer, and the person still decides.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest

from engine.domain.errors import TaskNotFound
from engine.services import Actor
from standard_rules.pack import default_pack
from tests.workflows.conftest import (
    CLERK,
    COURT,
    MEDIATOR,
    Driver,
    end_of,
    last_instant,
    sh,
)
from tests.workflows.test_paths import (
    COMPLAINT,
    PRE,
    SUPPORT,
    agree_pre,
    apply_and_accept,
    complaint_front,
    post_agreement,
    post_front,
    pre_front,
    timed_out_pre,
)

EVERY = default_pack().rule("T03").period("escalate_every").days or 0


def to_register(d: Driver) -> None:
    timed_out_pre(d)


def to_refer_again(d: Driver) -> None:
    d.open(PRE, CLERK)
    d.do(CLERK, "record_consent", action="consent")
    d.do(CLERK, "refer", action="refer", mediator_org="临海市消保委")
    d.do(MEDIATOR, "sign_for_referral", action="decline", reason="不属本会受理范围")


def to_resume_trial(d: Driver) -> None:
    post_front(d, "ordinary")
    d.do(MEDIATOR, "mediate", action="fail", reason="分歧大")


def to_court_review(d: Driver) -> None:
    post_agreement(d)


def to_decide_acceptance(d: Driver) -> None:
    pre_front(d)
    d.at(sh(2025, 3, 7, 16))
    d.do(MEDIATOR, "mediate", action="agree", amount=3000, effective_on="2025-03-07")
    d.at(sh(2025, 3, 12, 9))
    d.do(MEDIATOR, "agreement_follow_up", action="apply", joint=True)


def to_rule_on_confirmation(d: Driver) -> None:
    pre_front(d)
    apply_and_accept(d)


def to_decide_complaint(d: Driver) -> None:
    d.open(COMPLAINT, MEDIATOR, case_id="LH-TS-2025-0009")


def to_support_decision(d: Driver) -> None:
    complaint_front(d)
    d.do(MEDIATOR, "mediate", action="fail", reason="分歧大")


def to_decide_support(d: Driver) -> None:
    d.open(SUPPORT, MEDIATOR, case_id="LH-ZC-2025-0009")


WAITS: dict[str, tuple[Callable[[Driver], None], str]] = {
    "register_case": (to_register, "R37"),
    "refer": (to_refer_again, "R05"),
    "resume_trial": (to_resume_trial, "T03"),
    "court_review": (to_court_review, "T03"),
    "decide_acceptance": (to_decide_acceptance, "R44"),
    "rule_on_confirmation": (to_rule_on_confirmation, "R48"),
    "decide_complaint": (to_decide_complaint, "R62"),
    "support_decision": (to_support_decision, "T03"),
    "decide_support": (to_decide_support, "R62"),
}


@pytest.mark.parametrize("task", sorted(WAITS))
def test_a_wait_nobody_ends_is_reminded_then_escalated_until_someone_acts(
    task: str, d: Driver
) -> None:
    reach, rule = WAITS[task]
    reach(d)
    assert d.ready() == [task]
    due = d.due(task)
    assert due is not None, f"{task} shows no due date"
    before = len(d.view.facts.get("reminders", []))
    deadline = end_of(due)
    # Nothing at the last instant of the due date; the reminder as it ends.
    d.fire(last_instant(due))
    assert len(d.view.facts.get("reminders", [])) == before
    d.fire(deadline)
    reminders = d.view.facts["reminders"]
    assert [(r["rule"], r["task"]) for r in reminders[before:]] == [(rule, task)]
    # Then every T03 interval: three escalations over three intervals, the wait still open.
    d.fire(deadline + timedelta(days=3 * EVERY))
    fired = d.view.facts["reminders"][before:]
    assert [datetime.fromisoformat(r["at"]) for r in fired] == [
        deadline + timedelta(days=n * EVERY) for n in range(4)
    ]
    assert d.ready() == [task], "the system never decides in the person's place"
    assert "case_closed" not in d.activities()
    # The next escalation is armed: the case is not left without a timer.
    assert deadline + timedelta(days=4 * EVERY) in d.timer_dues()


def test_escalations_stop_once_the_person_acts(d: Driver) -> None:
    to_register(d)
    due = d.due("register_case")
    assert due is not None
    d.fire(end_of(due) + timedelta(days=EVERY))
    d.at(end_of(due) + timedelta(days=EVERY, hours=9))
    d.do(CLERK, "register_case", action="register")
    assert d.view.status == "closed"
    assert d.store.timers(d.case_id) == []


def test_escalations_reach_the_supervisor_through_the_outbox_plan(d: Driver) -> None:
    from api.notify.config import NotifyConfig
    from api.notify.planner import plan

    to_resume_trial(d)
    due = d.due("resume_trial")
    assert due is not None
    d.fire(end_of(due) + timedelta(days=2 * EVERY))
    notes = plan(d.view, NotifyConfig(), d.calendar, d.clock.current)
    escalations = [n for n in notes if n.kind == "escalation"]
    # One at the deadline and one per interval after it, each a notification of its own.
    assert len({n.key.split("|")[4] for n in escalations}) == 3
    assert all(n.recipient.startswith(COURT) for n in escalations if n.channel == "in_app")


# -- the last second of every period a timer holds ------------------------------------------------

# (how to reach the wait, the task, the action that must still be accepted, and the due date)
LAST_SECOND: dict[str, tuple[Callable[[Driver], None], str, dict[str, object], str]] = {
    "R01 consent": (lambda d: d.open(PRE, CLERK), "record_consent", {"action": "consent"}, ""),
    "R06 receipt": (
        lambda d: (
            d.open(PRE, CLERK),
            d.do(CLERK, "record_consent", action="consent"),
            d.do(CLERK, "refer", action="refer", mediator_org="临海市消保委"),
        ),
        "sign_for_referral",
        {"action": "sign"},
        "",
    ),
    "R16 mediation": (pre_front, "mediate", {"action": "fail", "reason": "分歧大"}, ""),
    "R17 ordinary": (
        lambda d: post_front(d, "ordinary"),
        "mediate",
        {"action": "agree", "amount": 100},
        "",
    ),
    "R17 simple": (
        lambda d: post_front(d, "simple"),
        "mediate",
        {"action": "withdraw"},
        "",
    ),
    "R40 application": (
        lambda d: (pre_front(d), agree_pre(d)),
        "agreement_follow_up",
        {"action": "apply", "joint": True},
        "",
    ),
    "R06 acceptance": (
        lambda d: (
            d.open(PRE, CLERK),
            d.do(CLERK, "record_consent", action="consent"),
            d.do(CLERK, "refer", action="refer", mediator_org="临海市消保委"),
            d.do(MEDIATOR, "sign_for_referral", action="sign"),
        ),
        "accept_referral",
        {"action": "accept"},
        "",
    ),
}
MOMENTS = {
    "23:59:59": timedelta(seconds=-1),
    "23:59:59.999": timedelta(milliseconds=-1),
    "00:00:00": timedelta(0),
}


@pytest.mark.parametrize("moment", sorted(MOMENTS))
@pytest.mark.parametrize("period", sorted(LAST_SECOND))
def test_the_last_second_of_a_due_date_is_still_on_time(
    period: str, moment: str, d: Driver
) -> None:
    """An act at 23:59:59 or 23:59:59.999 on the due date is taken; at 00:00:00 the next day
    the lapse has happened, at that very instant, and the act is refused."""
    reach, task, payload, _ = LAST_SECOND[period]
    reach(d)
    due = d.due(task)
    assert due is not None
    when = end_of(due) + MOMENTS[moment]
    d.at(when)
    before = d.activities()
    if MOMENTS[moment] < timedelta(0):
        d.do(_actor(task), task, **payload)
        assert not any(e.role == "system" for e in d.events()[len(before) :])
        return
    with pytest.raises(TaskNotFound):
        d.engine.complete(
            case_id=d.case_id,
            task_id=d.task(task).task_id,
            actor=_actor(task),
            payload=payload,
        )
    lapsed = [e for e in d.events()[len(before) :] if e.role == "system"]
    assert lapsed, f"{period}: no lapse recorded at {when}"
    assert lapsed[0].at == end_of(due)


def _actor(task: str) -> Actor:
    return CLERK if task == "record_consent" else MEDIATOR
