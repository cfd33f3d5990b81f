"""The published figures (statistics.py) as additive tallies per case, and the figures again
from the summed tallies: what a read model keeps at each step so the figures never read events.

A case's tallies are a pure function of its events; a step takes the case's old tallies out of
the sums and puts its new ones in. Every figure of compute_statistics is rebuilt exactly:

- counts and amounts by organisation and day (the day of the event that defines them);
- the median days to outcome from a histogram (closing day, days taken) -> cases, bounded by
  days x distinct durations, not by cases;
- the number of cases with an event in the window, from (event day, days since the case's
  previous event day, 0 for its first) -> cases: a case counts once, at its first event day in
  the window, the one whose previous event day lies before the window (or that has none). A
  reader finds those rows by gap length: a gap of g days counts only on the window's first g
  days, so what it reads is bounded by the distinct gaps, not by the cases;
- the latest event day (the default window) from each case's last event day.

Amounts are summed as floats, as compute_statistics does: equal for whole yuan (the demo's, and
what courts publish); sums of fractional amounts may differ in the last bit with the order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from standard_rules.audit import case_org
from standard_rules.eventlog import Event
from standard_rules.statistics import (
    MEDIATION_OUTCOMES,
    METRIC_KEYS,
    NO_ORG,
    PERIODS,
    RESOLVED,
    Grouping,
    Row,
    Statistics,
    _amount,
    _shift_year,
    _window,
    _year_back,
    period_label,
)

# Tallies that make a group appear (compute_statistics opens a group for each of them).
COUNTS = (
    "referrals_received",
    "entrusted_accepted",
    "supported_suits",
    "confirmation_not_accepted",
    "confirmed",
    "confirmation_rejected",
    "registered",
    "pre_filing_resolved",
    "agreed_closed",
    "voluntary",
    "outcomes",
    "agreements",
    "closed_days",  # bucket: days from the first event to the close
)
AMOUNTS = ("confirmed_amount", "pre_filing_amount")
# bucket: days since the case's previous event day (0: none, its first). A case counts once in a
# window: at its first event day in it, the one whose previous event day lies before the window.
ACTIVE = "active"
LAST = "last"  # the case's last event day
PLAIN = (
    "pre_filing_resolved",
    "pre_filing_amount",
    "confirmed",
    "confirmed_amount",
    "confirmation_rejected",
    "confirmation_not_accepted",
    "supported_suits",
    "referrals_received",
    "entrusted_accepted",
    "registered",
)

TallyKey = tuple[str, int, str, int]  # (case organisation, day, tally, bucket)


def case_tallies(events: Sequence[Event]) -> dict[TallyKey, float]:
    """One case's tallies; `events` in case order (ts, seq), as compute_statistics takes them."""
    out: dict[TallyKey, float] = {}
    if not events:
        return out
    org = case_org(events)

    def add(day: int, tally: str, amount: float = 1.0, bucket: int = 0) -> None:
        key = (org, day, tally, bucket)
        out[key] = out.get(key, 0.0) + amount

    previous: int | None = None
    for event in events:
        if previous is None or event.day > previous:
            add(event.day, ACTIVE, bucket=0 if previous is None else event.day - previous)
            previous = event.day
    add(events[-1].day, LAST)
    mode: object = None
    last_amount = 0.0
    agreed = enforced = involuntary = False
    for event in events:
        activity, day, data = event.activity, event.day, event.data
        if activity == "referred":
            mode = data.get("mode")
        elif activity == "agreement_signed":
            agreed = True
            last_amount = _amount(data.get("amount"))
        elif activity == "enforcement_applied":
            enforced = True
        elif activity == "performed" and data.get("voluntary") is False:
            involuntary = True
        elif activity == "referral_received":
            add(day, "referrals_received")
        elif activity == "referral_accepted" and mode == "post_filing":
            add(day, "entrusted_accepted")
        elif activity == "suit_supported":
            add(day, "supported_suits")
        elif activity == "confirmation_not_accepted":
            add(day, "confirmation_not_accepted")
        elif activity == "confirmation_ruled":
            if data.get("result") == "valid":
                add(day, "confirmed")
                add(day, "confirmed_amount", last_amount)
            elif data.get("result") == "rejected":
                add(day, "confirmation_rejected")
        elif activity == "case_registered":
            add(day, "registered")
        elif activity == "case_closed":
            add(day, "closed_days", bucket=day - events[0].day)
            if agreed:
                add(day, "agreed_closed")
                if not enforced and not involuntary:
                    add(day, "voluntary")
            if mode == "pre_filing" and data.get("outcome") in RESOLVED:
                add(day, "pre_filing_resolved")
                add(day, "pre_filing_amount", last_amount)
        if activity in MEDIATION_OUTCOMES:
            add(day, "outcomes")
            if activity == "agreement_signed":
                add(day, "agreements")
    return out


@dataclass
class _Group:
    values: dict[str, float]
    days: dict[int, int]  # days to outcome -> cases

    def row(self, key: tuple[str, ...], last_year: int | None) -> Row:
        v = self.values
        shown: dict[str, float | None] = {k: v.get(k, 0.0) for k in PLAIN}
        agreed, outcomes = v.get("agreed_closed", 0.0), v.get("outcomes", 0.0)
        shown["voluntary_rate"] = (
            round(100.0 * v.get("voluntary", 0.0) / agreed, 2) if agreed else None
        )
        shown["success_rate"] = (
            round(100.0 * v.get("agreements", 0.0) / outcomes, 2) if outcomes else None
        )
        shown["median_days"] = _median(self.days)
        shown["registered_last_year"] = None if last_year is None else float(last_year)
        shown["registered_yoy_fall"] = (
            round(100.0 * (last_year - v.get("registered", 0.0)) / last_year, 2)
            if last_year
            else None
        )
        return Row(key, {k: shown.get(k) for k in METRIC_KEYS}, {})


def _median(histogram: Mapping[int, int]) -> float | None:
    """statistics.median of the durations the histogram counts, without listing them."""
    n = sum(histogram.values())
    if not n:
        return None
    wanted = {(n - 1) // 2, n // 2}
    found: dict[int, int] = {}
    seen = 0
    for value, count in sorted(histogram.items()):
        for position in wanted:
            if seen <= position < seen + count:
                found[position] = value
        seen += count
    low, high = found[(n - 1) // 2], found[n // 2]
    return float(low) if n % 2 else float((low + high) / 2)


def statistics_from_tallies(
    tallies: Iterable[tuple[TallyKey, float]],
    overdue: Iterable[tuple[str, int, str, int]],
    by: Sequence[Grouping] = (),
    start: date | None = None,
    end: date | None = None,
    *,
    cases_seen: int | None = None,
    registrations: Iterable[tuple[str, int, float]] | None = None,
    latest: int | None = None,
) -> Statistics:
    """compute_statistics from summed tallies (every organisation in scope; the window's days,
    or every day) and the overdue findings (organisation, day, rule, count) of kinds late and
    missing. What a caller has read apart replaces what the tallies would say: `cases_seen`
    (the cases with an event in the window: the `active` tallies of its days whose previous
    event day lies before it), `registrations` (organisation, day, count: those the
    year-earlier figure needs) and `latest` (the last event day: the default window's end)."""
    grouping = tuple(dict.fromkeys(by))
    period = next((g for g in grouping if g in PERIODS), None)
    by_org = "org" in grouping
    lo = start.toordinal() if start else None
    hi = end.toordinal() if end else None

    def inside(day: int) -> bool:
        return (lo is None or day >= lo) and (hi is None or day <= hi)

    def key_of(org: str, day: int) -> tuple[str, ...]:
        key: list[str] = []
        if by_org:
            key.append(org or NO_ORG)
        if period is not None:
            key.append(period_label(day, period))
        return tuple(key)

    groups: dict[tuple[str, ...], _Group] = {}
    total = _Group({}, {})
    registered: dict[tuple[str, int], float] = {}
    for org, day, n in registrations or ():
        registered[(org, day)] = registered.get((org, day), 0.0) + n
    last_day = 0
    cases = 0.0

    def accumulate(key: tuple[str, ...], tally: str, bucket: int, value: float) -> None:
        for group in (groups.setdefault(key, _Group({}, {})), total):
            if tally == "closed_days":
                group.days[bucket] = group.days.get(bucket, 0) + round(value)
            group.values[tally] = group.values.get(tally, 0.0) + value

    for (org, day, tally, bucket), value in tallies:
        if not value:
            continue
        if tally == LAST:
            last_day = max(last_day, day)
        elif tally == ACTIVE:
            if inside(day) and (bucket == 0 or (lo is not None and day - bucket < lo)):
                cases += value
        else:
            if tally == "registered" and registrations is None:
                registered[(org, day)] = registered.get((org, day), 0.0) + value
            if inside(day) and (tally in COUNTS or tally in AMOUNTS):
                if tally in AMOUNTS:
                    # An amount alone opens no group: its count tally of the same event does.
                    key = key_of(org, day)
                    for group in (groups.setdefault(key, _Group({}, {})), total):
                        group.values[tally] = group.values.get(tally, 0.0) + value
                else:
                    accumulate(key_of(org, day), tally, bucket, value)
    overdue_rules: set[str] = set()
    overdue_counts: dict[tuple[str, ...], dict[str, int]] = {}
    total_overdue: dict[str, int] = {}
    for org, day, rule, count in overdue:
        if not count or not inside(day):
            continue
        key = key_of(org, day)
        groups.setdefault(key, _Group({}, {}))
        overdue_rules.add(rule)
        for table in (overdue_counts.setdefault(key, {}), total_overdue):
            table[rule] = table.get(rule, 0) + count
    groups = {k: g for k, g in groups.items() if _opened(g) or k in overdue_counts}

    def last_year_count(key: tuple[str, ...]) -> int:
        org = key[0] if by_org and key else None
        if period is not None:
            label = _year_back(key[-1])
            return round(
                sum(
                    n
                    for (o, d), n in registered.items()
                    if period_label(d, period) == label and (org is None or (o or NO_ORG) == org)
                )
            )
        back_lo, back_hi = year_earlier(start, end, last_day if latest is None else latest)
        return round(
            sum(
                n
                for (o, d), n in registered.items()
                if back_lo <= d <= back_hi and (org is None or (o or NO_ORG) == org)
            )
        )

    rows = []
    for key, group in sorted(groups.items()):
        row = group.row(key, last_year_count(key))
        row.overdue.update(sorted(overdue_counts.get(key, {}).items()))
        rows.append(row)
    total_row = total.row(("合计 total",), None if period is not None else last_year_count(()))
    total_row.overdue.update(sorted(total_overdue.items()))
    return Statistics(
        by=grouping,
        start=start,
        end=end,
        cases=round(cases) if cases_seen is None else cases_seen,
        rows=rows,
        rules=sorted(overdue_rules),
        total=total_row,
    )


def year_earlier(start: date | None, end: date | None, latest: int) -> tuple[int, int]:
    """The days (ordinals) of the year-earlier figure without period grouping: the window, or
    the calendar year of the latest event up to it, a year back."""
    lo, hi = _window(start.toordinal() if start else None, end.toordinal() if end else None, latest)
    return _shift_year(lo), _shift_year(hi)


def _opened(group: _Group) -> bool:
    return any(group.values.get(t) for t in COUNTS)
