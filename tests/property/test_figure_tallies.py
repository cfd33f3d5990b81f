"""The published figures rebuilt from per-case tallies equal compute_statistics over the events,
for any cases, findings, grouping and window (standard_rules/figure_tallies.py): counts and
amounts by day, the median from its histogram, the cases seen in a window from (event day,
previous event day), the year-earlier registrations and the default window."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from standard_rules.audit import Finding
from standard_rules.eventlog import Event, event_from_record
from standard_rules.figure_tallies import TallyKey, case_tallies, statistics_from_tallies
from standard_rules.pack import default_pack
from standard_rules.statistics import Grouping, compute_statistics

PACK = default_pack()
FIRST = date(2025, 1, 1)
ORGS = ["临海市人民法院", "天台县人民法院", ""]
ACTIVITY_DATA: dict[str, Any] = {
    "dispute_received": st.just({}),
    "referred": st.fixed_dictionaries({"mode": st.sampled_from(["pre_filing", "post_filing"])}),
    "referral_received": st.just({}),
    "referral_accepted": st.just({}),
    "agreement_signed": st.fixed_dictionaries({"amount": st.integers(0, 50_000)}),
    "mediation_failed": st.just({}),
    "mediation_withdrawn": st.just({}),
    "performed": st.fixed_dictionaries({"voluntary": st.booleans()}),
    "enforcement_applied": st.just({}),
    "suit_supported": st.just({}),
    "confirmation_not_accepted": st.just({}),
    "confirmation_ruled": st.fixed_dictionaries(
        {"result": st.sampled_from(["valid", "rejected", "other"])}
    ),
    "case_registered": st.just({}),
    "case_closed": st.fixed_dictionaries(
        {"outcome": st.sampled_from(["settled_performed", "confirmed", "refused"])}
    ),
}


@st.composite
def cases(draw: st.DrawFn) -> list[list[Event]]:
    found: list[list[Event]] = []
    for n in range(draw(st.integers(0, 8))):
        org = draw(st.sampled_from(ORGS))
        day = draw(st.integers(0, 900))
        events: list[Event] = []
        for _ in range(draw(st.integers(1, 9))):
            day += draw(st.sampled_from([0, 0, 1, 3, 30, 200]))
            activity = draw(st.sampled_from(sorted(ACTIVITY_DATA)))
            record = {
                "case": f"C{n}",
                "activity": activity,
                "at": f"{FIRST + timedelta(days=day)}T10:00:00+08:00",
                "org": org,
                "data": draw(ACTIVITY_DATA[activity]),
            }
            item = event_from_record(record, PACK.contract_activities, len(events), 0, "t")
            assert isinstance(item, Event), item
            events.append(item)
        found.append(events)
    return found


@st.composite
def findings(draw: st.DrawFn) -> list[Finding]:
    return [
        Finding(
            case="C0",
            rule=draw(st.sampled_from(["R06", "R16", "R40"])),
            kind=draw(st.sampled_from(["late", "missing", "order"])),
            message="",
            due=FIRST + timedelta(days=draw(st.integers(0, 1200))),
            org=draw(st.sampled_from(ORGS)),
        )
        for _ in range(draw(st.integers(0, 6)))
    ]


windows = st.one_of(st.none(), st.integers(0, 1300).map(lambda d: FIRST + timedelta(days=d)))


@settings(max_examples=300, deadline=None)
@given(
    cases(),
    findings(),
    st.sampled_from([(), ("org",), ("org", "month"), ("quarter",), ("year",)]),
    windows,
    windows,
)
def test_figures_from_tallies_equal_those_from_the_events(
    logs: list[list[Event]],
    found: list[Finding],
    by: tuple[Grouping, ...],
    start: date | None,
    end: date | None,
) -> None:
    if start and end and start > end:
        start, end = end, start
    sums: dict[TallyKey, float] = {}
    for events in logs:
        for key, value in case_tallies(events).items():
            sums[key] = sums.get(key, 0.0) + value
    overdue: dict[tuple[str, int, str], int] = {}
    for f in found:
        if f.kind in ("late", "missing") and f.due:
            key = (f.org, f.due.toordinal(), f.rule)
            overdue[key] = overdue.get(key, 0) + 1
    got = statistics_from_tallies(
        sums.items(), [(*k, n) for k, n in overdue.items()], by, start, end
    )
    assert got == compute_statistics(logs, found, by, start, end)
