"""Where a mediation period starts and how an open pause ends (issue 11, parts 4, 5 and 7).

Each scenario checks the engine's due date and timer against a due date reckoned here by hand
from the calendar (not by the engine's own moving-deadline code), and the audit of the engine's
log, so the engine and the auditor must agree.
"""

from __future__ import annotations

from datetime import date, timedelta

from standard_rules.legal_calendar import Unit
from tests.workflows.conftest import CLERK, CPC, MEDIATOR, Driver, end_of, last_instant, sh
from tests.workflows.test_paths import PRE, pre_front


def plain_due(d: Driver, start: date, days: int) -> date:
    """cal(days) from start with the 顺延 to a working day, straight from the calendar."""
    return d.calendar.due(start, days, Unit.CALENDAR).due


def rolled(d: Driver, day: date) -> date:
    while not d.calendar.is_working(day):
        day += timedelta(days=1)
    return day


def test_a_pause_open_when_the_outcome_is_recorded_ends_on_the_outcomes_date(d: Driver) -> None:
    pre_front(d)
    d.at(sh(2025, 3, 10, 9))
    d.do(MEDIATOR, "mediate", action="pause", reason="质量鉴定", until="2025-03-28")
    d.at(sh(2025, 3, 17, 15))
    d.do(MEDIATOR, "mediate", action="fail", reason="鉴定期间双方和解无望")
    ended, failed = d.event("pause_ended"), d.event("mediation_failed")
    assert ended.at == failed.at == sh(2025, 3, 17, 15)
    assert ended.role == "mediator"
    assert d.activities().index("pause_ended") < d.activities().index("mediation_failed")
    d.at(sh(2025, 3, 18, 9))
    d.do(CLERK, "register_case", action="register")
    assert d.findings(sh(2025, 12, 1)) == []


def test_online_mediation_counts_from_the_mediators_acceptance(d: Driver) -> None:
    """R18: signed for Tue 4 Mar, accepted on the platform Fri 7 Mar: 30 days from 7 Mar."""
    d.open(PRE, CLERK, facts={"claim_amount": 800, "channel": "online"})
    d.do(CLERK, "record_consent", action="consent")
    d.do(CLERK, "refer", action="refer", mediator_org=CPC)
    d.at(sh(2025, 3, 4, 10))
    d.do(MEDIATOR, "sign_for_referral", action="sign")
    d.at(sh(2025, 3, 7, 10))
    d.do(MEDIATOR, "accept_referral", action="accept")
    d.do(MEDIATOR, "notify_parties", action="notify")
    expected = plain_due(d, date(2025, 3, 7), 30)
    assert expected != plain_due(d, date(2025, 3, 4), 30)
    assert d.due("mediate") == expected.isoformat()
    # A pause re-arms the deadline: it must still count from the acceptance.
    d.at(sh(2025, 3, 10, 9))
    d.do(MEDIATOR, "mediate", action="pause", reason="评估", until="2025-03-31")
    d.at(sh(2025, 3, 14, 9))
    d.do(MEDIATOR, "mediate", action="resume")
    lengthened = rolled(d, date(2025, 3, 7) + timedelta(days=30 + 4))
    assert d.due("mediate") == lengthened.isoformat()
    assert d.fire(last_instant(lengthened.isoformat())) == 0
    assert d.fire(end_of(lengthened.isoformat())) == 1
    assert d.event("mediation_timed_out").at == end_of(lengthened.isoformat())
    d.at(end_of(lengthened.isoformat()) + timedelta(hours=9))
    d.do(CLERK, "register_case", action="register")
    assert [(f.rule, f.kind) for f in d.findings(sh(2025, 12, 1))] == []


def test_after_a_decline_and_a_new_referral_periods_count_from_the_new_receipt(
    d: Driver,
) -> None:
    d.open(PRE, CLERK)
    d.do(CLERK, "record_consent", action="consent")
    d.do(CLERK, "refer", action="refer", mediator_org=CPC)
    d.at(sh(2025, 3, 4, 10))
    d.do(MEDIATOR, "sign_for_referral", action="sign")
    d.at(sh(2025, 3, 5, 10))
    d.do(MEDIATOR, "accept_referral", action="decline", reason="利益冲突")
    d.at(sh(2025, 3, 11, 9))
    d.do(CLERK, "refer", action="refer", mediator_org=CPC)
    d.at(sh(2025, 3, 12, 10))
    d.do(MEDIATOR, "sign_for_referral", action="sign")
    d.do(MEDIATOR, "accept_referral", action="accept")
    d.do(MEDIATOR, "notify_parties", action="notify")
    assert d.due("mediate") == plain_due(d, date(2025, 3, 12), 30).isoformat()
    d.at(sh(2025, 3, 13, 9))
    d.do(MEDIATOR, "mediate", action="pause", reason="评估", until="2025-03-31")
    d.at(sh(2025, 3, 20, 9))
    d.do(MEDIATOR, "mediate", action="resume")
    # 12 Mar + 30 + 7 paused days, rolled to a working day: from the second receipt, not 4 Mar.
    lengthened = rolled(d, date(2025, 3, 12) + timedelta(days=37))
    assert d.due("mediate") == lengthened.isoformat()
    assert d.fire(end_of(lengthened.isoformat())) == 1
    d.at(end_of(lengthened.isoformat()) + timedelta(hours=9))
    d.do(CLERK, "register_case", action="register")
    assert [(f.rule, f.kind) for f in d.findings(sh(2025, 12, 1))] == []


def test_offline_mediation_counts_from_receipt_even_when_accepted_later(d: Driver) -> None:
    """Offline (the default), the period runs from the signed receipt (Tue 4 Mar), not from the
    acceptance two days later, also when a pause makes the engine reckon it again."""
    d.open(PRE, CLERK, facts={"channel": "offline"})
    d.do(CLERK, "record_consent", action="consent")
    d.do(CLERK, "refer", action="refer", mediator_org=CPC)
    d.at(sh(2025, 3, 4, 10))
    d.do(MEDIATOR, "sign_for_referral", action="sign")
    d.at(sh(2025, 3, 6, 10))
    d.do(MEDIATOR, "accept_referral", action="accept")
    d.do(MEDIATOR, "notify_parties", action="notify")
    d.at(sh(2025, 3, 10, 9))
    d.do(MEDIATOR, "mediate", action="pause", reason="评估", until="2025-03-31")
    d.at(sh(2025, 3, 14, 9))
    d.do(MEDIATOR, "mediate", action="resume")
    assert d.due("mediate") == rolled(d, date(2025, 3, 4) + timedelta(days=30 + 4)).isoformat()
