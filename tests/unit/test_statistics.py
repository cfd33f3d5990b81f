"""The published figures (RULES.md §4) from hand-made cases whose answers are known."""

from __future__ import annotations

from datetime import date
from typing import Any

from standard_rules.audit import audit, group_cases
from standard_rules.eventlog import Event, event_from_record
from standard_rules.legal_calendar import default_calendar
from standard_rules.pack import default_pack
from standard_rules.statistics import METRICS, compute_statistics

PACK = default_pack()


def log(
    *cases: list[tuple[str, str, dict[str, Any]]], org: str = "临海市人民法院", prefix: str = "C"
) -> list[Event]:
    events: list[Event] = []
    for n, steps in enumerate(cases, start=1):
        for activity, day, data in steps:
            record = {
                "case": f"{prefix}{n}",
                "activity": activity,
                "at": f"{day}T10:00:00+08:00",
                "org": org,
                "data": data,
            }
            item = event_from_record(record, PACK.contract_activities, len(events), 0, "t")
            assert isinstance(item, Event), item
            events.append(item)
    return events


def pre_filing(year: int, outcome: str, amount: int, extra: list[Any] | None = None) -> list[Any]:
    steps: list[Any] = [
        ("dispute_received", f"{year}-03-02", {"claim_amount": 5000}),
        ("consent_given", f"{year}-03-02", {"party": "both"}),
        ("referred", f"{year}-03-03", {"mode": "pre_filing"}),
        ("referral_received", f"{year}-03-04", {}),
        ("referral_accepted", f"{year}-03-04", {}),
        ("agreement_signed", f"{year}-03-10", {"amount": amount}),
        ("agreement_filed", f"{year}-03-10", {}),
    ]
    steps += extra or []
    steps.append(("case_closed", f"{year}-03-22", {"outcome": outcome}))
    return steps


def registered(year: int) -> list[Any]:
    return [
        ("dispute_received", f"{year}-05-06", {}),
        ("consent_refused", f"{year}-05-06", {"party": "business"}),
        ("case_registered", f"{year}-05-08", {}),
        ("case_closed", f"{year}-05-09", {"outcome": "refused"}),
    ]


def stats_of(events: list[Event], **kwargs: Any) -> Any:
    findings = audit(events, PACK, default_calendar()).findings
    return compute_statistics(group_cases(events).values(), findings, **kwargs)


def test_figures_per_year() -> None:
    confirmed = [
        ("confirmation_applied", "2026-03-12", {"joint": True}),
        ("confirmation_accepted", "2026-03-13", {}),
        ("confirmation_ruled", "2026-03-20", {"result": "valid"}),
    ]
    enforced = [*confirmed, ("enforcement_applied", "2026-03-21", {})]
    events = log(
        pre_filing(2026, "settled_performed", 1000, [("performed", "2026-03-15", {})]),
        pre_filing(2026, "confirmed", 2000, confirmed),
        pre_filing(2026, "enforcement", 4000, enforced),
        registered(2025),
        registered(2025),
        registered(2026),
    )
    stats = stats_of(events, by=["year"])
    rows = {r.key: r.values for r in stats.rows}
    v = rows[("2026",)]
    assert v["pre_filing_resolved"] == 2  # enforcement is not a resolution
    assert v["pre_filing_amount"] == 3000
    assert v["confirmed"] == 2 and v["confirmed_amount"] == 6000
    assert v["voluntary_rate"] == round(100 * 2 / 3, 2)
    assert v["success_rate"] == 100.0
    assert v["referrals_received"] == 3
    assert v["median_days"] == 20
    assert v["registered"] == 1 and v["registered_last_year"] == 2
    assert v["registered_yoy_fall"] == 50.0
    assert rows[("2025",)]["registered"] == 2
    assert stats.total.values["referrals_received"] == 3


def test_window_org_and_definitions() -> None:
    events = log(pre_filing(2026, "settled_unconfirmed", 700), org="天台县人民法院")
    events += log(registered(2026), org="", prefix="D")
    stats = stats_of(events, by=["org"], start=date(2026, 1, 1), end=date(2026, 12, 31))
    keys = [r.key for r in stats.rows]
    assert ("天台县人民法院",) in keys and ("（未注明机构）",) in keys
    outside = stats_of(events, start=date(2027, 1, 1), end=date(2027, 12, 31))
    assert outside.total.values["pre_filing_resolved"] == 0
    assert all(m.definition and m.confidence == "low" for m in METRICS)


def test_overdue_counts_per_rule() -> None:
    late = pre_filing(2026, "settled_unconfirmed", 700)
    late[4] = ("referral_accepted", "2026-03-20", {})  # R06: 3 working days
    stats = stats_of(log(late), by=["month"])
    assert stats.rules == ["R06"]
    assert stats.total.overdue == {"R06": 1}
