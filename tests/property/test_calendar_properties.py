"""Properties of the legal calendar against a naive day-by-day reference written here.

The reference asks chinese_calendar.is_workday for the official years (2004–2026) and, for a year
without a notice, applies weekends plus the statutory holidays on their own dates (2024 revision:
元旦, 除夕–初三, 清明, 1–2 May, 端午, 中秋, 1–3 Oct), the lunar ones taken from lunardate, and the
补假 of Art. 6 (a holiday on a weekend is made up on the next free working day).
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

import chinese_calendar
from hypothesis import given
from hypothesis import strategies as st
from lunardate import LunarDate

from standard_rules.legal_calendar import LegalCalendar, Unit

CAL = LegalCalendar()
FIRST_OFFICIAL, LAST_OFFICIAL = 2004, 2026
ONE = timedelta(days=1)

starts = st.dates(min_value=date(2004, 1, 1), max_value=date(2030, 12, 31))
calendar_days = st.integers(min_value=0, max_value=400)
working_days = st.integers(min_value=1, max_value=400)
units = st.sampled_from([Unit.CALENDAR, Unit.WORKING])


@cache
def statutory_holidays(year: int) -> frozenset[date]:
    assert year >= 2025, "the reference only knows the 2024 revision"
    new_year = LunarDate(year, 1, 1).to_solar_date()
    days = {date(year, 1, 1), date(year, 5, 1), date(year, 5, 2)}
    days |= {new_year + timedelta(days=k) for k in (-1, 0, 1, 2)}
    days |= {LunarDate(year, 5, 5).to_solar_date(), LunarDate(year, 8, 15).to_solar_date()}
    days |= {date(year, 10, d) for d in (1, 2, 3)}
    terms = chinese_calendar.get_solar_terms(date(year, 4, 1), date(year, 4, 10))
    days |= {d for d, name in terms if name == "清明"}
    return frozenset(days)


@cache
def make_up_days(year: int) -> frozenset[date]:
    """放假办法 第六条: a statutory holiday on a Saturday or Sunday is owed a working day; walking
    the year day by day, each weekday that is no holiday pays one owed day."""
    holidays = statutory_holidays(year)
    owed, paid = 0, set()
    day = date(year, 1, 1)
    while day.year == year:
        if day in holidays:
            owed += day.weekday() >= 5
        elif day.weekday() < 5 and owed:
            paid.add(day)
            owed -= 1
        day += ONE
    return frozenset(paid)


@cache
def ref_working(day: date) -> bool:
    if FIRST_OFFICIAL <= day.year <= LAST_OFFICIAL:
        return bool(chinese_calendar.is_workday(day))
    return (
        day.weekday() < 5
        and day not in statutory_holidays(day.year)
        and day not in make_up_days(day.year)
    )


def ref_cal(start: date, days: int) -> date:
    due = start + timedelta(days=days)
    while not ref_working(due):
        due += ONE
    return due


def ref_wd(start: date, days: int) -> date:
    day, counted = start, 0
    while counted < days:
        day += ONE
        counted += ref_working(day)
    return day


def reference(start: date, days: int, unit: Unit) -> date:
    return ref_cal(start, days) if unit is Unit.CALENDAR else ref_wd(start, days)


def legal_days(unit: Unit) -> st.SearchStrategy[int]:
    return calendar_days if unit is Unit.CALENDAR else working_days


@given(starts, working_days)
def test_working_period_ends_on_a_working_day(start: date, days: int) -> None:
    due = CAL.due(start, days, Unit.WORKING).due
    assert ref_working(due)
    assert CAL.is_working(due)


@given(starts, working_days)
def test_wd_spans_exactly_n_working_days(start: date, days: int) -> None:
    due = CAL.due(start, days, Unit.WORKING).due
    span = [start + timedelta(days=k) for k in range(1, (due - start).days + 1)]
    assert sum(ref_working(d) for d in span) == days
    assert ref_working(due)  # so the Nth working day is the due date itself, not a rest day after
    assert due == ref_wd(start, days)


@given(starts, calendar_days)
def test_cal_due_is_the_first_working_day_on_or_after_start_plus_n(start: date, days: int) -> None:
    result = CAL.due(start, days, Unit.CALENDAR)
    nominal = start + timedelta(days=days)
    assert result.nominal == nominal
    assert result.due >= nominal
    assert ref_working(result.due)
    assert all(
        not ref_working(nominal + timedelta(days=k)) for k in range((result.due - nominal).days)
    )
    assert result.due == ref_cal(start, days)


@given(st.data(), starts, st.integers(min_value=0, max_value=60), units)
def test_a_later_start_never_gives_an_earlier_due_date(
    data: st.DataObject, start: date, later_by: int, unit: Unit
) -> None:
    days = data.draw(legal_days(unit))
    later = start + timedelta(days=later_by)
    assert CAL.due(later, days, unit).due >= CAL.due(start, days, unit).due


@given(st.data(), starts, st.integers(min_value=0, max_value=60), units)
def test_more_days_never_give_an_earlier_due_date(
    data: st.DataObject, start: date, more: int, unit: Unit
) -> None:
    days = data.draw(legal_days(unit))
    assert CAL.due(start, days + more, unit).due >= CAL.due(start, days, unit).due


@given(st.data(), starts, units)
def test_provisional_iff_the_span_touches_a_year_without_a_notice(
    data: st.DataObject, start: date, unit: Unit
) -> None:
    days = data.draw(legal_days(unit))
    result = CAL.due(start, days, unit)
    # The days the answer rests on: start+1 .. due; for cal(0), whether the start day itself is
    # a working day decides the answer, so the span starts on the start day.
    first = start if unit is Unit.CALENDAR and days == 0 else start + ONE
    years = range(first.year, result.due.year + 1)
    expected = any(y > LAST_OFFICIAL or y < FIRST_OFFICIAL for y in years)
    assert result.provisional is expected
    assert (result.due.year > LAST_OFFICIAL) <= result.provisional


@given(st.data(), starts, units)
def test_ordinal_api_agrees_with_date_api(data: st.DataObject, start: date, unit: Unit) -> None:
    days = data.draw(legal_days(unit))
    result = CAL.due(start, days, unit)
    assert CAL.due_ordinal(start.toordinal(), days, unit) == result.due.toordinal()
    assert result.due == reference(start, days, unit)
    if unit is Unit.CALENDAR:
        nominal = start.toordinal() + days
        assert CAL.roll_forward_ordinal(nominal) == result.due.toordinal()


@given(st.data(), starts, units)
def test_skipped_are_exactly_the_rest_days_passed_over(
    data: st.DataObject, start: date, unit: Unit
) -> None:
    days = data.draw(legal_days(unit))
    result = CAL.due(start, days, unit)
    first = start + timedelta(days=days) if unit is Unit.CALENDAR else start + ONE
    passed = [first + timedelta(days=k) for k in range((result.due - first).days)]
    assert [s.day for s in result.skipped] == [d for d in passed if not ref_working(d)]
    assert all(s.reason_zh and s.reason_en for s in result.skipped)
    for s in result.skipped:
        assert str(s.day) in result.explain_zh()
        assert str(s.day) in result.explain_en()
