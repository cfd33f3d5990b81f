"""standard_rules.deadlines.reckon on its own: the function the engine's timers and the audit share.

Expected dates are worked out by hand (2026: Mon 2 Mar, no March holiday; Qingming 4–6 Apr off;
cal(30) from 2 Mar ends Wed 1 Apr; 11 Apr is a Saturday), never by calling the code under test.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from standard_rules.deadlines import reckon
from standard_rules.legal_calendar import default_calendar
from standard_rules.pack import default_pack

PACK = default_pack()
CALENDAR = default_calendar()
R16 = PACK.rule("R16").period("mediation_pre_filing")
R06 = PACK.rule("R06").period("acceptance")


@dataclass
class E:
    activity: str
    on: str
    data: Mapping[str, Any] = field(default_factory=dict)

    @property
    def day(self) -> int:
        return date.fromisoformat(self.on).toordinal()


def test_plain_period() -> None:
    r = reckon(R16, CALENDAR, [E("referral_received", "2026-03-02")], 0)
    assert (r.due_date, r.paused, r.pause_days, r.extended_until, r.open_ended) == (
        date(2026, 4, 1),
        False,
        0,
        None,
        False,
    )
    assert r.satisfied_at is None and r.cancelled_at is None


def test_a_period_nothing_moves_is_never_paused() -> None:
    events = [E("referral_received", "2026-03-02"), E("referral_accepted", "2026-03-04")]
    r = reckon(R06, CALENDAR, events, 0)
    assert (r.due_date, r.satisfied_at, r.paused) == (date(2026, 3, 5), 1, False)
    declined = [E("referral_received", "2026-03-02"), E("referral_declined", "2026-03-04")]
    r = reckon(R06, CALENDAR, declined, 0)
    assert (r.satisfied_at, r.paused, r.cancelled_at) == (1, False, None)
    r = reckon(R16, CALENDAR, declined, 0)  # R16 is cancelled by the decline
    assert (r.satisfied_at, r.cancelled_at, r.paused) == (None, 1, False)


def test_an_open_pause_has_no_due_date_yet() -> None:
    events = [E("referral_received", "2026-03-02"), E("pause_started", "2026-03-10")]
    r = reckon(R16, CALENDAR, events, 0)
    assert (r.due, r.due_date, r.paused) == (None, None, True)


def test_a_pause_open_at_the_outcome_ends_on_its_date() -> None:
    # 03-10 .. 04-10 = 31 days: 04-01 + 31 = Sat 05-02 -> Wed 05-06 (劳动节 5/1-5/5 off, 2026).
    events = [
        E("referral_received", "2026-03-02"),
        E("pause_started", "2026-03-10"),
        E("agreement_signed", "2026-04-10"),
    ]
    r = reckon(R16, CALENDAR, events, 0)
    assert (r.satisfied_at, r.paused, r.pause_days) == (2, False, 31)
    assert r.due_date == date(2026, 5, 6)


def test_a_pause_after_an_extension_moves_the_agreed_date_without_shunyan() -> None:
    events = [
        E("referral_received", "2026-03-02"),
        E("extension_agreed", "2026-03-30", {"until": "2026-04-06"}),
        E("pause_started", "2026-04-01"),
        E("pause_ended", "2026-04-06"),
    ]
    r = reckon(R16, CALENDAR, events, 0)
    # agreed Mon 04-06 (a Qingming holiday, taken as given) + 5 paused days = Sat 04-11, kept
    assert (r.due_date, r.pause_days) == (date(2026, 4, 11), 5)
    assert r.extended_until == date(2026, 4, 11).toordinal()


def test_an_extension_without_until_lifts_the_deadline() -> None:
    events = [E("referral_received", "2026-03-02"), E("extension_agreed", "2026-03-30")]
    r = reckon(R16, CALENDAR, events, 0)
    assert (r.due, r.due_date, r.open_ended) == (None, None, True)


def test_flags_of_a_met_or_cancelled_period_that_nothing_moves() -> None:
    from dataclasses import replace

    # R06 as a local pack might write it: a decline cancels instead of answering.
    period = replace(R06, until=("referral_accepted",), cancelled_by=("referral_declined",))
    met = [E("referral_received", "2026-03-02"), E("referral_accepted", "2026-03-03")]
    r = reckon(period, CALENDAR, met, 0)
    assert (r.satisfied_at, r.paused, r.open_ended, r.pause_days) == (1, False, False, 0)
    gone = [E("referral_received", "2026-03-02"), E("referral_declined", "2026-03-03")]
    r = reckon(period, CALENDAR, gone, 0)
    assert (r.cancelled_at, r.satisfied_at, r.paused, r.open_ended) == (1, None, False, False)
    assert (r.pause_days, r.extended_until, r.due_date) == (0, None, date(2026, 3, 5))


def test_flags_of_an_open_period_that_nothing_moves() -> None:
    r = reckon(R06, CALENDAR, [E("referral_received", "2026-03-02")], 0)
    assert (r.due_date, r.satisfied_at, r.cancelled_at) == (date(2026, 3, 5), None, None)
    assert (r.paused, r.pause_days, r.open_ended, r.extended_until) == (False, 0, False, None)
