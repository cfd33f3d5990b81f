"""Due dates of cal(N) and wd(N) around every 2025 and 2026 holiday block and 调休 working day.

Every expected value below was worked out by hand from the State Council schedules, never by
calling the code under test:

2025 (国办发明电〔2024〕12号): 元旦 1 Jan (Wed); 春节 28 Jan (Tue) – 4 Feb (Tue), work on Sun 26 Jan
and Sat 8 Feb; 清明 4–6 Apr (Fri–Sun); 劳动节 1–5 May (Thu–Mon), work on Sun 27 Apr; 端午 31 May –
2 Jun (Sat–Mon); 国庆节·中秋节 1–8 Oct (Wed–Wed, 6 Oct being 中秋), work on Sun 28 Sep and
Sat 11 Oct.

2026 (国办发明电〔2025〕7号, as chinese-calendar 1.11.0 carries it): 元旦 1–3 Jan (Thu–Sat), work on
Sun 4 Jan; 春节 15–23 Feb (Sun–Mon), work on Sat 14 Feb and Sat 28 Feb; 清明 4–6 Apr (Sat–Mon);
劳动节 1–5 May (Fri–Tue), work on Sat 9 May; 端午 19–21 Jun (Fri–Sun); 中秋 25–27 Sep (Fri–Sun),
work on Sun 20 Sep; 国庆 1–7 Oct (Thu–Wed), work on Sat 10 Oct.

2027 has no notice yet: 元旦 1 Jan, 春节 除夕–初三 = 5–8 Feb (Fri–Mon), its Saturday and Sunday made
up on Tue 9 and Wed 10 Feb (补假, 放假办法 第六条), no 调休, everything provisional.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from chinese_calendar import constants, find_workday

from standard_rules.errors import CalendarError
from standard_rules.legal_calendar import DueDate, LegalCalendar, Unit


def D(text: str) -> date:
    return date.fromisoformat(text)


def span(first: str, last: str) -> list[date]:
    a, b = D(first), D(last)
    return [a + timedelta(days=i) for i in range((b - a).days + 1)]


@pytest.fixture(scope="module")
def cal() -> LegalCalendar:
    return LegalCalendar()


# -- the schedules themselves, written out literally ---------------------------

HOLIDAYS_2025 = [
    *span("2025-01-01", "2025-01-01"),
    *span("2025-01-28", "2025-02-04"),
    *span("2025-04-04", "2025-04-06"),
    *span("2025-05-01", "2025-05-05"),
    *span("2025-05-31", "2025-06-02"),
    *span("2025-10-01", "2025-10-08"),
]
WORKDAYS_2025 = [
    D("2025-01-26"),
    D("2025-02-08"),
    D("2025-04-27"),
    D("2025-09-28"),
    D("2025-10-11"),
]
HOLIDAYS_2026 = [
    *span("2026-01-01", "2026-01-03"),
    *span("2026-02-15", "2026-02-23"),
    *span("2026-04-04", "2026-04-06"),
    *span("2026-05-01", "2026-05-05"),
    *span("2026-06-19", "2026-06-21"),
    *span("2026-09-25", "2026-09-27"),
    *span("2026-10-01", "2026-10-07"),
]
WORKDAYS_2026 = [
    D("2026-01-04"),
    D("2026-02-14"),
    D("2026-02-28"),
    D("2026-05-09"),
    D("2026-09-20"),
    D("2026-10-10"),
]


@pytest.mark.parametrize(
    ("year", "holidays", "workdays"),
    [(2025, HOLIDAYS_2025, WORKDAYS_2025), (2026, HOLIDAYS_2026, WORKDAYS_2026)],
)
def test_literal_schedules_match_the_package_data(
    year: int, holidays: list[date], workdays: list[date]
) -> None:
    # Guards the literal tables of this file against a typo, and the package against a data change.
    assert sorted(d for d in constants.holidays if d.year == year) == holidays
    assert sorted(d for d in constants.workdays if d.year == year) == workdays


@pytest.mark.parametrize("year", [2025, 2026])
def test_every_day_of_the_year_is_classified_as_the_notice_says(
    cal: LegalCalendar, year: int
) -> None:
    holidays = set(HOLIDAYS_2025 if year == 2025 else HOLIDAYS_2026)
    workdays = set(WORKDAYS_2025 if year == 2025 else WORKDAYS_2026)
    day = date(year, 1, 1)
    while day.year == year:
        expected = day in workdays or (day not in holidays and day.weekday() < 5)
        assert cal.is_working(day) is expected, day
        day += timedelta(days=1)


# -- due dates -----------------------------------------------------------------

C, W = "calendar", "working"

CASES_2025 = [
    # 元旦 1 Jan (Wed)
    ("2024-12-30", C, 2, "2025-01-02"),
    ("2024-12-31", C, 1, "2025-01-02"),
    ("2024-12-31", W, 1, "2025-01-02"),
    ("2024-12-31", W, 2, "2025-01-03"),
    ("2024-12-31", W, 3, "2025-01-06"),
    ("2025-01-01", C, 0, "2025-01-02"),
    ("2025-01-01", W, 1, "2025-01-02"),
    ("2025-01-01", C, 3, "2025-01-06"),
    # 春节 28 Jan – 4 Feb; work Sun 26 Jan, Sat 8 Feb
    ("2025-01-24", W, 1, "2025-01-26"),
    ("2025-01-24", W, 2, "2025-01-27"),
    ("2025-01-24", W, 3, "2025-02-05"),
    ("2025-01-25", W, 1, "2025-01-26"),
    ("2025-01-25", C, 0, "2025-01-26"),
    ("2025-01-25", C, 1, "2025-01-26"),
    ("2025-01-26", C, 0, "2025-01-26"),
    ("2025-01-26", W, 1, "2025-01-27"),
    ("2025-01-26", W, 2, "2025-02-05"),
    ("2025-01-27", C, 1, "2025-02-05"),
    ("2025-01-27", W, 1, "2025-02-05"),
    ("2025-01-27", W, 3, "2025-02-07"),
    ("2025-01-27", W, 4, "2025-02-08"),
    ("2025-01-27", W, 5, "2025-02-10"),
    ("2025-01-28", C, 0, "2025-02-05"),
    ("2025-01-28", C, 7, "2025-02-05"),
    ("2025-01-28", C, 8, "2025-02-05"),
    ("2025-01-28", C, 11, "2025-02-08"),
    ("2025-01-28", W, 1, "2025-02-05"),
    ("2025-02-01", W, 1, "2025-02-05"),
    ("2025-02-01", C, 3, "2025-02-05"),
    ("2025-02-01", C, 7, "2025-02-08"),
    ("2025-02-01", C, 8, "2025-02-10"),
    ("2025-02-04", W, 4, "2025-02-08"),
    ("2025-02-07", W, 1, "2025-02-08"),
    ("2025-02-07", C, 1, "2025-02-08"),
    ("2025-02-08", C, 0, "2025-02-08"),
    ("2025-02-08", W, 1, "2025-02-10"),
    # 清明 4–6 Apr (Fri–Sun)
    ("2025-04-02", C, 2, "2025-04-07"),
    ("2025-04-03", C, 1, "2025-04-07"),
    ("2025-04-03", W, 1, "2025-04-07"),
    ("2025-04-04", C, 0, "2025-04-07"),
    ("2025-04-04", W, 1, "2025-04-07"),
    ("2025-04-04", W, 2, "2025-04-08"),
    ("2025-04-05", C, 1, "2025-04-07"),
    # 劳动节 1–5 May (Thu–Mon); work Sun 27 Apr
    ("2025-04-24", C, 3, "2025-04-27"),
    ("2025-04-25", W, 1, "2025-04-27"),
    ("2025-04-25", W, 2, "2025-04-28"),
    ("2025-04-26", W, 1, "2025-04-27"),
    ("2025-04-26", C, 1, "2025-04-27"),
    ("2025-04-27", C, 0, "2025-04-27"),
    ("2025-04-27", W, 1, "2025-04-28"),
    ("2025-04-30", C, 1, "2025-05-06"),
    ("2025-04-30", W, 1, "2025-05-06"),
    ("2025-04-30", W, 4, "2025-05-09"),
    ("2025-04-30", W, 5, "2025-05-12"),
    ("2025-05-01", C, 0, "2025-05-06"),
    ("2025-05-01", C, 4, "2025-05-06"),
    ("2025-05-01", C, 5, "2025-05-06"),
    ("2025-05-03", W, 1, "2025-05-06"),
    ("2025-05-03", C, 1, "2025-05-06"),
    # 端午 31 May – 2 Jun (Sat–Mon)
    ("2025-05-29", W, 2, "2025-06-03"),
    ("2025-05-30", C, 1, "2025-06-03"),
    ("2025-05-30", W, 1, "2025-06-03"),
    ("2025-05-31", C, 0, "2025-06-03"),
    ("2025-05-31", W, 1, "2025-06-03"),
    ("2025-06-01", C, 1, "2025-06-03"),
    ("2025-06-01", W, 2, "2025-06-04"),
    # 国庆节·中秋节 1–8 Oct (Wed–Wed); work Sun 28 Sep, Sat 11 Oct
    ("2025-09-26", W, 1, "2025-09-28"),
    ("2025-09-26", W, 2, "2025-09-29"),
    ("2025-09-26", W, 3, "2025-09-30"),
    ("2025-09-26", W, 4, "2025-10-09"),
    ("2025-09-26", W, 5, "2025-10-10"),
    ("2025-09-26", W, 6, "2025-10-11"),
    ("2025-09-26", W, 7, "2025-10-13"),
    ("2025-09-27", C, 0, "2025-09-28"),
    ("2025-09-27", C, 1, "2025-09-28"),
    ("2025-09-27", W, 1, "2025-09-28"),
    ("2025-09-28", W, 1, "2025-09-29"),
    ("2025-09-28", W, 3, "2025-10-09"),
    ("2025-09-30", C, 1, "2025-10-09"),
    ("2025-09-30", C, 8, "2025-10-09"),
    ("2025-09-30", C, 9, "2025-10-09"),
    ("2025-09-30", C, 11, "2025-10-11"),
    ("2025-09-30", C, 12, "2025-10-13"),
    ("2025-09-30", W, 1, "2025-10-09"),
    ("2025-09-30", W, 3, "2025-10-11"),
    ("2025-10-01", C, 0, "2025-10-09"),
    ("2025-10-01", C, 10, "2025-10-11"),
    ("2025-10-01", W, 1, "2025-10-09"),
    ("2025-10-04", W, 1, "2025-10-09"),
    ("2025-10-06", C, 1, "2025-10-09"),
    ("2025-10-06", W, 2, "2025-10-10"),
    ("2025-10-10", C, 1, "2025-10-11"),
    ("2025-10-10", W, 1, "2025-10-11"),
    ("2025-10-11", W, 1, "2025-10-13"),
]

CASES_2026 = [
    # 元旦 1–3 Jan (Thu–Sat); work Sun 4 Jan
    ("2025-12-30", W, 2, "2026-01-04"),
    ("2025-12-31", C, 1, "2026-01-04"),
    ("2025-12-31", W, 1, "2026-01-04"),
    ("2025-12-31", W, 2, "2026-01-05"),
    ("2026-01-01", C, 0, "2026-01-04"),
    ("2026-01-01", C, 3, "2026-01-04"),
    ("2026-01-01", C, 4, "2026-01-05"),
    ("2026-01-01", W, 1, "2026-01-04"),
    ("2026-01-03", C, 0, "2026-01-04"),
    ("2026-01-03", W, 1, "2026-01-04"),
    ("2026-01-04", C, 0, "2026-01-04"),
    ("2026-01-04", W, 1, "2026-01-05"),
    # 春节 15–23 Feb (Sun–Mon); work Sat 14 Feb, Sat 28 Feb
    ("2026-02-12", W, 3, "2026-02-24"),
    ("2026-02-13", C, 1, "2026-02-14"),
    ("2026-02-13", C, 2, "2026-02-24"),
    ("2026-02-13", W, 1, "2026-02-14"),
    ("2026-02-13", W, 2, "2026-02-24"),
    ("2026-02-14", C, 0, "2026-02-14"),
    ("2026-02-14", C, 1, "2026-02-24"),
    ("2026-02-14", W, 1, "2026-02-24"),
    ("2026-02-15", C, 0, "2026-02-24"),
    ("2026-02-15", W, 1, "2026-02-24"),
    ("2026-02-17", C, 6, "2026-02-24"),
    ("2026-02-17", C, 7, "2026-02-24"),
    ("2026-02-17", C, 11, "2026-02-28"),
    ("2026-02-17", C, 12, "2026-03-02"),
    ("2026-02-24", W, 4, "2026-02-28"),
    ("2026-02-24", W, 5, "2026-03-02"),
    ("2026-02-27", W, 1, "2026-02-28"),
    ("2026-02-28", C, 1, "2026-03-02"),
    ("2026-02-28", W, 1, "2026-03-02"),
    # 清明 4–6 Apr (Sat–Mon)
    ("2026-04-03", C, 1, "2026-04-07"),
    ("2026-04-03", W, 1, "2026-04-07"),
    ("2026-04-04", C, 0, "2026-04-07"),
    ("2026-04-04", W, 1, "2026-04-07"),
    ("2026-04-05", C, 1, "2026-04-07"),
    ("2026-04-05", W, 2, "2026-04-08"),
    # 劳动节 1–5 May (Fri–Tue); work Sat 9 May
    ("2026-04-30", C, 1, "2026-05-06"),
    ("2026-04-30", W, 1, "2026-05-06"),
    ("2026-04-30", W, 4, "2026-05-09"),
    ("2026-04-30", W, 5, "2026-05-11"),
    ("2026-05-01", C, 0, "2026-05-06"),
    ("2026-05-01", C, 8, "2026-05-09"),
    ("2026-05-01", C, 9, "2026-05-11"),
    ("2026-05-03", C, 2, "2026-05-06"),
    ("2026-05-03", W, 1, "2026-05-06"),
    ("2026-05-08", C, 1, "2026-05-09"),
    ("2026-05-08", W, 1, "2026-05-09"),
    ("2026-05-09", C, 0, "2026-05-09"),
    ("2026-05-09", W, 1, "2026-05-11"),
    # 端午 19–21 Jun (Fri–Sun)
    ("2026-06-18", C, 1, "2026-06-22"),
    ("2026-06-18", W, 1, "2026-06-22"),
    ("2026-06-19", C, 0, "2026-06-22"),
    ("2026-06-19", W, 1, "2026-06-22"),
    ("2026-06-20", C, 1, "2026-06-22"),
    ("2026-06-20", W, 3, "2026-06-24"),
    # 中秋 25–27 Sep (Fri–Sun); work Sun 20 Sep
    ("2026-09-18", W, 1, "2026-09-20"),
    ("2026-09-18", W, 2, "2026-09-21"),
    ("2026-09-19", C, 0, "2026-09-20"),
    ("2026-09-19", C, 1, "2026-09-20"),
    ("2026-09-19", W, 1, "2026-09-20"),
    ("2026-09-20", W, 1, "2026-09-21"),
    ("2026-09-23", W, 2, "2026-09-28"),
    ("2026-09-24", C, 1, "2026-09-28"),
    ("2026-09-24", W, 1, "2026-09-28"),
    ("2026-09-25", C, 0, "2026-09-28"),
    ("2026-09-25", W, 1, "2026-09-28"),
    ("2026-09-26", C, 1, "2026-09-28"),
    # 国庆 1–7 Oct (Thu–Wed); work Sat 10 Oct
    ("2026-09-28", W, 3, "2026-10-08"),
    ("2026-09-30", C, 1, "2026-10-08"),
    ("2026-09-30", C, 7, "2026-10-08"),
    ("2026-09-30", C, 10, "2026-10-10"),
    ("2026-09-30", C, 11, "2026-10-12"),
    ("2026-09-30", W, 1, "2026-10-08"),
    ("2026-09-30", W, 3, "2026-10-10"),
    ("2026-09-30", W, 4, "2026-10-12"),
    ("2026-10-01", C, 0, "2026-10-08"),
    ("2026-10-01", W, 1, "2026-10-08"),
    ("2026-10-04", C, 3, "2026-10-08"),
    ("2026-10-04", W, 2, "2026-10-09"),
    ("2026-10-09", W, 1, "2026-10-10"),
    ("2026-10-10", C, 0, "2026-10-10"),
    ("2026-10-10", W, 1, "2026-10-12"),
]

CASES_MONTH_ENDS_AND_LEAP_DAYS = [
    ("2026-01-31", C, 30, "2026-03-02"),  # Jan 31 + 30 = Mar 2 (Mon)
    ("2025-01-31", C, 30, "2025-03-03"),  # = Mar 2 (Sun) → Mon
    ("2024-01-31", C, 30, "2024-03-01"),  # leap year: = Mar 1 (Fri)
    ("2025-02-28", C, 1, "2025-03-03"),  # Mar 1 (Sat) → Mon
    ("2025-11-30", C, 31, "2025-12-31"),
    ("2026-08-31", C, 30, "2026-09-30"),
    ("2024-02-28", C, 1, "2024-02-29"),
    ("2024-02-29", C, 1, "2024-03-01"),
    ("2024-02-29", C, 365, "2025-02-28"),
    ("2024-02-29", W, 1, "2024-03-01"),
]

CASES_REST_DAY_STARTS = [
    # cal(0) on a rest day moves to the next working day; on a working day it is the day itself.
    ("2026-03-07", C, 0, "2026-03-09"),
    ("2026-03-08", C, 0, "2026-03-09"),
    ("2026-03-09", C, 0, "2026-03-09"),
    # wd counts strictly after the start, even when the start is a rest day.
    ("2026-03-07", W, 1, "2026-03-09"),
    ("2026-03-08", W, 1, "2026-03-09"),
    ("2026-03-08", W, 5, "2026-03-13"),
    ("2025-10-04", W, 1, "2025-10-09"),
    ("2026-02-21", W, 1, "2026-02-24"),
]

ALL_OFFICIAL = CASES_2025 + CASES_2026 + CASES_MONTH_ENDS_AND_LEAP_DAYS + CASES_REST_DAY_STARTS


def _id(case: tuple[str, str, int, str]) -> str:
    start, unit, days, due = case
    return f"{start}-{'cal' if unit == C else 'wd'}{days}-{due}"


@pytest.mark.parametrize(("start", "unit", "days", "due"), ALL_OFFICIAL, ids=map(_id, ALL_OFFICIAL))
def test_due_date_official_years(
    cal: LegalCalendar, start: str, unit: str, days: int, due: str
) -> None:
    result = cal.due(D(start), days, unit)
    assert result.due == D(due)
    assert result.provisional is False
    assert result.unit is Unit(unit)
    assert result.start == D(start)
    assert result.days == days
    assert cal.due_ordinal(D(start).toordinal(), days, Unit(unit)) == D(due).toordinal()


@pytest.mark.parametrize(("start", "unit", "days", "due"), ALL_OFFICIAL, ids=map(_id, ALL_OFFICIAL))
def test_skipped_days_are_exactly_the_rest_days_passed_over(
    cal: LegalCalendar, start: str, unit: str, days: int, due: str
) -> None:
    # wd: every rest day strictly between start and due; cal: the rest days from the nominal last
    # day up to (not including) the due date it was moved to. Rest = the literal tables above.
    rest = set(HOLIDAYS_2025 + HOLIDAYS_2026)
    work = set(WORKDAYS_2025 + WORKDAYS_2026)
    first = D(start) + timedelta(days=days if unit == C else 1)
    expected = [
        d
        for d in (first + timedelta(days=i) for i in range((D(due) - first).days))
        if d in rest or (d.weekday() >= 5 and d not in work)
    ]
    assert [s.day for s in cal.due(D(start), days, unit).skipped] == expected


def test_wd_from_a_rest_day_differs_from_chinese_calendar_find_workday(cal: LegalCalendar) -> None:
    # chinese-calendar first moves a rest-day start to Monday, then counts: Tuesday. Our rule
    # (EVENTS.md) counts working days strictly after the start: Monday.
    assert find_workday(1, D("2026-03-07")) == D("2026-03-10")
    assert cal.due(D("2026-03-07"), 1, Unit.WORKING).due == D("2026-03-09")


# -- provisional years ---------------------------------------------------------

BOTH = "cn-2026 (State Council schedule); cn-2027 (provisional: statutory holidays only)"
ONLY_2027 = "cn-2027 (provisional: statutory holidays only)"

CASES_PROVISIONAL = [
    # start, unit, days, due, provisional, calendar
    ("2026-12-31", C, 1, "2027-01-04", True, BOTH),  # 1 Jan 元旦, 2–3 Jan weekend
    ("2026-12-30", W, 2, "2027-01-04", True, BOTH),
    ("2026-12-01", C, 60, "2027-02-01", True, BOTH),  # 30 Jan (Sat) → Mon 1 Feb
    ("2026-12-25", W, 3, "2026-12-30", False, "cn-2026 (State Council schedule)"),
    ("2026-12-31", C, 0, "2026-12-31", False, "cn-2026 (State Council schedule)"),
    ("2027-03-01", C, 0, "2027-03-01", True, ONLY_2027),  # a working day only provisionally
    ("2027-02-04", C, 1, "2027-02-11", True, ONLY_2027),  # 春节 5–8 Feb, 补假 9–10 Feb
    ("2027-02-04", W, 1, "2027-02-11", True, ONLY_2027),
    ("2027-02-28", C, 1, "2027-03-01", True, ONLY_2027),  # no 29 Feb in 2027
    ("2028-02-28", C, 1, "2028-02-29", True, "cn-2028 (provisional: statutory holidays only)"),
    ("2028-02-29", C, 1, "2028-03-01", True, "cn-2028 (provisional: statutory holidays only)"),
    ("2028-02-25", W, 2, "2028-02-29", True, "cn-2028 (provisional: statutory holidays only)"),
    ("2026-09-30", W, 320, None, True, None),  # checked below: reaches 2028, names three years
]


@pytest.mark.parametrize(
    ("start", "unit", "days", "due", "provisional", "calendar"),
    [c for c in CASES_PROVISIONAL if c[3] is not None],
    ids=[f"{c[0]}-{c[1]}{c[2]}" for c in CASES_PROVISIONAL if c[3] is not None],
)
def test_provisional_years(
    cal: LegalCalendar,
    start: str,
    unit: str,
    days: int,
    due: str,
    provisional: bool,
    calendar: str,
) -> None:
    result = cal.due(D(start), days, unit)
    assert result.due == D(due)
    assert result.provisional is provisional
    assert result.calendar == calendar
    assert ("暂定" in result.explain_zh()) is provisional
    assert ("provisional: no official schedule" in result.explain_en()) is provisional


def test_long_period_names_every_year_of_the_span(cal: LegalCalendar) -> None:
    result = cal.due(D("2026-09-30"), 320, Unit.WORKING)
    assert result.due.year == 2028
    assert result.provisional is True
    assert result.calendar == (
        "cn-2026 (State Council schedule); cn-2027 (provisional: statutory holidays only); "
        "cn-2028 (provisional: statutory holidays only)"
    )


def test_provisional_2027_skips_name_the_holiday_before_the_weekend(cal: LegalCalendar) -> None:
    result = cal.due(D("2027-02-04"), 1, Unit.CALENDAR)
    assert [(s.day, s.reason_zh) for s in result.skipped] == [
        (D("2027-02-05"), "春节假期"),
        (D("2027-02-06"), "春节假期"),
        (D("2027-02-07"), "春节假期"),
        (D("2027-02-08"), "春节假期"),
        (D("2027-02-09"), "春节补假"),
        (D("2027-02-10"), "春节补假"),
    ]


# -- explanations --------------------------------------------------------------


def test_explanation_national_day_cal(cal: LegalCalendar) -> None:
    result = cal.due(D("2026-09-30"), 1, Unit.CALENDAR)
    assert result.nominal == D("2026-10-01")
    assert [s.day for s in result.skipped] == span("2026-10-01", "2026-10-07")
    assert {(s.reason_zh, s.reason_en) for s in result.skipped} == {
        ("国庆节假期", "National Day holiday")
    }
    zh, en = result.explain_zh(), result.explain_en()
    for day in span("2026-10-01", "2026-10-07"):
        assert f"{day}（国庆节假期）" in zh
        assert f"{day} (National Day holiday)" in en
    assert "顺延至2026-10-08" in zh
    assert "the period runs to 2026-10-08" in en
    assert "期间届满日为2026-10-01" in zh
    assert "起算日不计入" in zh
    assert "cn-2026 (State Council schedule)" in zh


def test_explanation_mid_autumn_inside_national_day_2025(cal: LegalCalendar) -> None:
    result = cal.due(D("2025-10-05"), 1, Unit.CALENDAR)
    assert result.due == D("2025-10-09")
    assert [(s.day, s.reason_zh, s.reason_en) for s in result.skipped] == [
        (D("2025-10-06"), "中秋节假期", "Mid-autumn Festival holiday"),
        (D("2025-10-07"), "国庆节假期", "National Day holiday"),
        (D("2025-10-08"), "国庆节假期", "National Day holiday"),
    ]
    assert "2025-10-06（中秋节假期）、2025-10-07（国庆节假期）、2025-10-08（国庆节假期）" in (
        result.explain_zh()
    )


def test_explanation_weekend_cal(cal: LegalCalendar) -> None:
    result = cal.due(D("2026-03-06"), 1, Unit.CALENDAR)
    assert result.due == D("2026-03-09")
    assert [(s.day, s.reason_zh, s.reason_en) for s in result.skipped] == [
        (D("2026-03-07"), "周末", "weekend"),
        (D("2026-03-08"), "周末", "weekend"),
    ]
    assert "2026-03-07（周末）、2026-03-08（周末）为休息日，顺延至2026-03-09" in result.explain_zh()
    assert "2026-03-07 (weekend), 2026-03-08 (weekend) being rest days" in result.explain_en()


def test_explanation_cal_without_move_mentions_no_rest_day(cal: LegalCalendar) -> None:
    # 6 Mar (Fri) + 5 = 11 Mar (Wed): the weekend inside the period is counted, nothing is moved.
    result = cal.due(D("2026-03-06"), 5, Unit.CALENDAR)
    assert result.due == D("2026-03-11")
    assert result.skipped == ()
    assert "顺延" not in result.explain_zh()
    assert "周末" not in result.explain_zh()
    assert "rest days" not in result.explain_en()


def test_explanation_working_days_mid_autumn_2026(cal: LegalCalendar) -> None:
    result = cal.due(D("2026-09-23"), 2, Unit.WORKING)
    assert result.due == D("2026-09-28")
    assert result.nominal is None
    assert [(s.day, s.reason_zh) for s in result.skipped] == [
        (D("2026-09-25"), "中秋节假期"),
        (D("2026-09-26"), "中秋节假期"),
        (D("2026-09-27"), "中秋节假期"),
    ]
    zh = result.explain_zh()
    assert zh.startswith("自2026-09-23起第2个工作日为2026-09-28")
    assert "其间不计休息日：2026-09-25（中秋节假期）、2026-09-26（中秋节假期）" in zh
    assert "2026-09-27 (Mid-autumn Festival holiday)" in result.explain_en()


def test_explanation_working_days_weekend_and_new_year(cal: LegalCalendar) -> None:
    # From 31 Dec 2025: 1–3 Jan 元旦 (3 Jan a Saturday: the holiday is the reason), 4 Jan (Sun)
    # is a 调休 working day and is counted, not skipped.
    result = cal.due(D("2025-12-31"), 2, Unit.WORKING)
    assert result.due == D("2026-01-05")
    assert [(s.day, s.reason_zh, s.reason_en) for s in result.skipped] == [
        (D("2026-01-01"), "元旦假期", "New Year's Day holiday"),
        (D("2026-01-02"), "元旦假期", "New Year's Day holiday"),
        (D("2026-01-03"), "元旦假期", "New Year's Day holiday"),
    ]
    assert result.calendar == "cn-2025 (State Council schedule); cn-2026 (State Council schedule)"


def test_working_weekend_is_not_skipped(cal: LegalCalendar) -> None:
    result = cal.due(D("2026-02-13"), 2, Unit.WORKING)
    assert result.due == D("2026-02-24")
    assert [s.day for s in result.skipped] == span("2026-02-15", "2026-02-23")
    assert D("2026-02-14") not in [s.day for s in result.skipped]
    assert all(s.reason_zh == "春节假期" for s in result.skipped)


def test_rest_reason(cal: LegalCalendar) -> None:
    assert cal.rest_reason(D("2026-03-07")) == ("周末", "weekend")
    assert cal.rest_reason(D("2026-02-14")) == ("", "")  # 调休 Saturday
    assert cal.rest_reason(D("2026-03-09")) == ("", "")
    assert cal.rest_reason(D("2026-04-04")) == ("清明节假期", "Tomb-sweeping Day holiday")
    assert cal.rest_reason(D("2026-05-02")) == ("劳动节假期", "Labour Day holiday")
    assert cal.rest_reason(D("2026-06-19")) == ("端午节假期", "Dragon Boat Festival holiday")


# -- bad questions -------------------------------------------------------------


def test_negative_and_zero_working_days_are_refused(cal: LegalCalendar) -> None:
    with pytest.raises(CalendarError, match="negative"):
        cal.due(D("2026-03-09"), -1, Unit.CALENDAR)
    with pytest.raises(CalendarError, match="at least 1"):
        cal.due(D("2026-03-09"), 0, Unit.WORKING)
    with pytest.raises(ValueError, match="weeks"):
        cal.due(D("2026-03-09"), 1, "weeks")


@pytest.mark.parametrize(
    ("start", "unit", "days"),
    [("2099-12-20", C, 30), ("2026-01-01", W, 100_000), ("1899-12-30", C, 1), ("0001-01-01", W, 1)],
)
def test_dates_beyond_the_lunar_tables_are_a_calendar_error(
    start: str, unit: str, days: int
) -> None:
    calendar = LegalCalendar()
    with pytest.raises(CalendarError, match="cannot be reckoned"):
        calendar.due(D(start), days, unit)


def test_far_dates_inside_the_supported_range(cal: LegalCalendar) -> None:
    # 1900 and 2099 are reckoned provisionally (weekends; 2099-12-20 is a Sunday).
    late = cal.due(D("2099-12-20"), 3, Unit.WORKING)
    assert late.due == D("2099-12-23")
    assert late.provisional is True
    assert cal.due(D("1900-01-05"), 1, Unit.CALENDAR).due == D("1900-01-08")  # Sat → Mon


def test_due_date_is_a_frozen_value(cal: LegalCalendar) -> None:
    result = cal.due(D("2026-09-28"), 3, "working")
    assert isinstance(result, DueDate)
    with pytest.raises(AttributeError):
        result.due = D("2026-10-09")  # type: ignore[misc]
