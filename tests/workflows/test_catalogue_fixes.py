"""The disagreements issue 14 found between the modules that restated the processes, each pinned
now that the catalogue (engine/catalogue) is the one source: R05's due date, R05 on online cases,
the choices the API and the pages offer, and the names of statuses and outcomes."""

from __future__ import annotations

from datetime import date

from api.audit_events import audit_events
from api.web.deadlines import timeline_deadlines
from api.web.i18n import STATUS, Translator
from engine import catalogue
from engine.actions import FORMS
from engine.domain import lifecycle
from standard_rules.legal_calendar import Unit
from tests.workflows.conftest import CLERK, CPC, MEDIATOR, Driver, sh
from tests.workflows.test_paths import PRE


def _online_case_referred_late(d: Driver) -> None:
    """Opened Mon 3 Mar 2025 online; the parties consent only on Fri 7 Mar."""
    d.open(PRE, CLERK, facts={"claim_amount": 800, "channel": "online"})
    d.at(sh(2025, 3, 7, 10))
    d.do(CLERK, "record_consent", action="consent")


def test_r05_counts_from_the_disputes_receipt_as_the_pack_does(d: Driver) -> None:
    """3 working days from Mon 3 Mar is Thu 6 Mar; from the consent (Fri 7 Mar) it would be
    Wed 12 Mar, the date the inbox showed before."""
    _online_case_referred_late(d)
    period = d.pack.rule("R05").period("designate_mediator")
    assert period.start == "dispute_received"
    start = d.event("dispute_received").at.astimezone(sh(2025, 1, 1).tzinfo).date()
    expected = d.calendar.due(start, 3, Unit.WORKING).due
    assert expected == date(2025, 3, 6)
    assert d.due("refer") == "2025-03-06"
    events = list(audit_events(d.events()))
    shown = timeline_deadlines(
        events, d.pack, d.calendar, date(2025, 3, 7), False, Translator("zh")
    )
    r05 = [
        x for found in shown.values() for x in found if x.rule == "R05" and x.period == "3个工作日"
    ]
    assert [x.due for x in r05][:1] == [date(2025, 3, 6)]


def test_r05_is_met_once_the_court_refers_an_online_case(d: Driver) -> None:
    """The engine records the designation as `referred`: R05 no longer stays overdue for ever."""
    _online_case_referred_late(d)
    d.do(CLERK, "refer", action="refer", mediator_org=CPC)
    events = list(audit_events(d.events()))
    today = date(2025, 6, 1)
    shown = timeline_deadlines(events, d.pack, d.calendar, today, False, Translator("zh"))
    r05 = [x for found in shown.values() for x in found if x.rule == "R05"]
    assert r05, "the online case's R05 periods are on its timeline"
    assert {x.state for x in r05} <= {"met", "late"}, [(x.state, x.status_text) for x in r05]


def test_the_api_offers_the_choices_the_page_offers(d: Driver) -> None:
    """Before mediation starts the mediator may start it; once started, not again; paused, only
    resume (and the outcomes); the task record the API reads holds that same list."""
    d.open(PRE, CLERK, facts={"claim_amount": 800, "channel": "offline"})
    d.do(CLERK, "record_consent", action="consent")
    d.do(CLERK, "refer", action="refer", mediator_org=CPC)
    d.do(MEDIATOR, "sign_for_referral", action="sign")
    d.do(MEDIATOR, "accept_referral", action="accept")
    d.do(MEDIATOR, "notify_parties", action="notify")
    offered = [c["id"] for c in d.task("mediate").choices]
    assert offered == ["start", "pause", "extend", "agree", "fail", "withdraw"]
    d.do(MEDIATOR, "mediate", action="start")
    assert "start" not in [c["id"] for c in d.task("mediate").choices]
    d.do(MEDIATOR, "mediate", action="pause", reason="鉴定", until="2025-03-20")
    offered = [c["id"] for c in d.task("mediate").choices]
    assert offered == ["resume", "fail", "withdraw"]
    assert set(offered) < {c.id for c in FORMS["mediate"].choices}


def test_statuses_and_outcomes_have_one_name_everywhere() -> None:
    assert set(catalogue.STATUSES) == set(lifecycle.STATUSES)
    assert {k: zh for k, (zh, _) in STATUS.items()} == lifecycle.STATUS_ZH
    t = Translator("zh")
    for status, (zh, _) in catalogue.STATUSES.items():
        assert t.status(status) == zh
