"""The administrator's schedule files, and the provisional schedule of a year without a notice."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from lunardate import LunarDate

from standard_rules import legal_calendar, schedules
from standard_rules.errors import PackError
from standard_rules.legal_calendar import LegalCalendar, Unit
from standard_rules.schedules import (
    CALENDAR_DIR_ENV,
    YearSchedule,
    load_schedule_file,
    official_schedules,
    provisional_schedule,
)

# A made-up 2027 notice (the real one is not published yet): 元旦 1–3 Jan (Fri–Sun); 春节 5–11 Feb
# (Fri–Thu) with work on Sat 20 Feb; 国庆 1–7 Oct (Fri–Thu) with work on Sat 9 Oct.
HYPOTHETICAL_2027 = """\
year = 2027
source = "国务院办公厅关于2027年部分节假日安排的通知（测试用虚构）"

[[holiday]]
name = "元旦"
dates = ["2027-01-01", "2027-01-02", "2027-01-03"]

[[holiday]]
name = "春节"
from = 2027-02-05
to = 2027-02-11

[[holiday]]
name = "国庆节"
from = "2027-10-01"
to = "2027-10-07"

[[workday]]
date = "2027-02-20"
name = "春节"

[[workday]]
date = 2027-10-09
"""


@pytest.fixture(autouse=True)
def _no_calendar_dir_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CALENDAR_DIR_ENV, raising=False)


def write(directory: Path, name: str, text: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def days(first: str, last: str) -> list[date]:
    a, b = date.fromisoformat(first), date.fromisoformat(last)
    return [a + timedelta(days=i) for i in range((b - a).days + 1)]


# -- reading a file ------------------------------------------------------------


def test_load_schedule_file(tmp_path: Path) -> None:
    schedule = load_schedule_file(write(tmp_path, "cn-2027.toml", HYPOTHETICAL_2027))
    assert schedule.year == 2027
    assert schedule.official is True
    assert schedule.source.startswith("国务院办公厅关于2027年")
    expected = dict.fromkeys(days("2027-01-01", "2027-01-03"), "元旦")
    expected |= dict.fromkeys(days("2027-02-05", "2027-02-11"), "春节")
    expected |= dict.fromkeys(days("2027-10-01", "2027-10-07"), "国庆节")
    assert dict(schedule.holidays) == expected
    assert dict(schedule.workdays) == {date(2027, 2, 20): "春节", date(2027, 10, 9): "调休"}
    assert all(type(d) is date for d in (*schedule.holidays, *schedule.workdays))


def test_official_schedules_picks_up_extra_dirs(tmp_path: Path) -> None:
    write(tmp_path, "cn-2027.toml", HYPOTHETICAL_2027)
    write(tmp_path, "notes.txt", "not a schedule")
    found = official_schedules([tmp_path])
    assert found[2027].holidays[date(2027, 2, 11)] == "春节"
    assert set(range(2004, 2028)) <= set(found)
    assert found[2026].holidays[date(2026, 10, 7)] == "国庆节"  # the package years stay
    assert 2027 not in official_schedules()


def test_official_schedules_reads_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "a", "cn-2027.toml", HYPOTHETICAL_2027)
    write(tmp_path / "b", "other.toml", HYPOTHETICAL_2027.replace("测试用虚构", "第二份"))
    monkeypatch.setenv(CALENDAR_DIR_ENV, f"{tmp_path / 'a'}:{tmp_path / 'b'}")
    assert "第二份" in official_schedules()[2027].source  # later directories win
    write(tmp_path / "c", "x.toml", HYPOTHETICAL_2027.replace("测试用虚构", "第三份"))
    assert "第三份" in official_schedules([tmp_path / "c"])[2027].source  # extra_dirs come last


def test_a_2027_file_makes_2027_official_and_changes_due_dates(tmp_path: Path) -> None:
    write(tmp_path, "cn-2027.toml", HYPOTHETICAL_2027)
    before = LegalCalendar()
    after = LegalCalendar(official_schedules([tmp_path]))

    # 春节: provisional 除夕–初三 (5–8 Feb) and 补假 9–10 Feb → Thu 11 Feb; the notice's 5–11 Feb
    # → Fri 12 Feb.
    p, o = (
        before.due(date(2027, 2, 4), 1, Unit.CALENDAR),
        after.due(date(2027, 2, 4), 1, "calendar"),
    )
    assert (p.due, p.provisional) == (date(2027, 2, 11), True)
    assert (o.due, o.provisional) == (date(2027, 2, 12), False)
    assert o.calendar == "cn-2027 (State Council schedule)"
    assert [s.reason_zh for s in o.skipped] == ["春节假期"] * 7

    # The 调休 Saturday 20 Feb counts as a working day only once the notice is loaded.
    assert before.due(date(2027, 2, 19), 1, Unit.WORKING).due == date(2027, 2, 22)
    assert after.due(date(2027, 2, 19), 1, Unit.WORKING).due == date(2027, 2, 20)

    # Across the year end: same date, but now final, and the calendar names both official years.
    crossing = after.due(date(2026, 12, 31), 1, Unit.CALENDAR)
    assert (crossing.due, crossing.provisional) == (date(2027, 1, 4), False)
    assert crossing.calendar == "cn-2026 (State Council schedule); cn-2027 (State Council schedule)"
    assert "暂定" not in crossing.explain_zh()

    # 2028 is still provisional.
    assert after.due(date(2027, 12, 31), 1, Unit.CALENDAR).provisional is True


def test_legal_calendar_load(tmp_path: Path) -> None:
    calendar = LegalCalendar()
    start = date(2027, 9, 30).toordinal()
    # provisional: 国庆 1–3 Oct (Fri–Sun), its weekend made up on Mon 4 and Tue 5 Oct
    assert calendar.due_ordinal(start, 1, Unit.WORKING) == date(2027, 10, 6).toordinal()
    assert not calendar.is_official(2027)
    calendar.load(load_schedule_file(write(tmp_path, "cn-2027.toml", HYPOTHETICAL_2027)))
    assert calendar.is_official(2027)
    assert calendar.due_ordinal(start, 1, Unit.WORKING) == date(2027, 10, 8).toordinal()
    assert calendar.due_ordinal(start, 2, Unit.WORKING) == date(2027, 10, 9).toordinal()
    assert calendar.due(date(2027, 9, 30), 2, Unit.WORKING).provisional is False
    assert calendar.schedule(2027).source.endswith("（测试用虚构）")


def test_default_calendar_with_a_calendar_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(legal_calendar, "_default", None)  # restored after the test
    write(tmp_path, "cn-2027.toml", HYPOTHETICAL_2027)
    assert legal_calendar.default_calendar([tmp_path]).is_official(2027)


# -- malformed files -----------------------------------------------------------

HEAD = 'year = 2027\nsource = "通知"\n'
SPRING = '[[holiday]]\nname = "春节"\n'
NEW_YEAR = '[[holiday]]\nname = "元旦"\n'

MALFORMED = [
    ("bad-toml", "year = \nsource = 'x'\n", "line 1"),
    ("missing-year", 'source = "通知"\n', "'year'"),
    ("year-as-text", 'year = "2027"\nsource = "通知"\n', "'year'"),
    ("year-as-boolean", 'year = true\nsource = "通知"\n', "'year'"),
    ("missing-source", "year = 2027\n", "'source'"),
    ("blank-source", 'year = 2027\nsource = " "\n', "'source'"),
    (
        "weekday-workday",
        HEAD + '[[workday]]\ndate = "2027-02-22"\n',
        "workday[0]: 2027-02-22 is a weekday",
    ),
    (
        "holiday-other-year",
        HEAD + NEW_YEAR + 'dates = ["2027-01-01", "2028-01-01"]\n',
        "holiday[0]: 2028-01-01 is not in year 2027",
    ),
    (
        "workday-other-year",
        HEAD + '[[workday]]\ndate = "2026-12-26"\n',
        "workday[0]: 2026-12-26 is not in year 2027",
    ),
    (
        "both-holiday-and-workday",
        HEAD + SPRING + 'dates = ["2027-02-06"]\n[[workday]]\ndate = "2027-02-06"\n',
        "workday[0]: 2027-02-06 is listed both as workday and as holiday[0]",
    ),
    (
        "from-after-to",
        HEAD + SPRING + 'from = "2027-02-11"\nto = "2027-02-05"\n',
        "holiday[0]: 'to' 2027-02-05 is before 'from' 2027-02-11",
    ),
    (
        "bad-date",
        HEAD + SPRING + 'dates = ["2027-02-30"]\n',
        "holiday[0].dates: '2027-02-30' is not a date",
    ),
    ("bad-from", HEAD + SPRING + 'from = "Feb 5"\nto = "2027-02-11"\n', "holiday[0].from"),
    ("date-time", HEAD + NEW_YEAR + "dates = [2027-01-01T00:00:00]\n", "holiday[0].dates"),
    (
        "dates-not-a-list",
        HEAD + NEW_YEAR + 'dates = "2027-01-01"\n',
        "holiday[0].dates must be a list",
    ),
    ("no-name", HEAD + '[[holiday]]\ndates = ["2027-01-01"]\n', "holiday[0].name"),
    ("no-dates", HEAD + NEW_YEAR, "holiday[0]: needs 'dates'"),
    (
        "second-entry",
        HEAD + NEW_YEAR + 'dates = ["2027-01-01"]\n' + SPRING + 'from = "2027-02-05"\n',
        "holiday[1]: needs",
    ),
    ("holiday-not-tables", HEAD + 'holiday = "元旦"\n', "field 'holiday'"),
    ("workday-not-tables", HEAD + "workday = [1]\n", "field 'workday'"),
]


@pytest.mark.parametrize(
    ("text", "message"), [m[1:] for m in MALFORMED], ids=[m[0] for m in MALFORMED]
)
def test_malformed_file_names_the_file_and_the_field(
    tmp_path: Path, text: str, message: str
) -> None:
    path = write(tmp_path, "cn-2027.toml", text)
    with pytest.raises(PackError) as caught:
        load_schedule_file(path)
    assert str(path) in str(caught.value)
    assert message in str(caught.value)


def test_undecodable_file(tmp_path: Path) -> None:
    path = tmp_path / "cn-2027.toml"
    path.write_bytes(b'year = 2027\nsource = "\xff\xfe"\n')
    with pytest.raises(PackError, match="cannot read schedule"):
        load_schedule_file(path)


def test_a_malformed_file_in_the_calendar_dir_is_not_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, "cn-2027.toml", "year = 2027\n")
    monkeypatch.setenv(CALENDAR_DIR_ENV, str(tmp_path))
    with pytest.raises(PackError, match="'source'") as caught:
        official_schedules()
    assert str(path) in str(caught.value)


# -- the provisional schedule --------------------------------------------------


def test_provisional_2027_follows_the_2024_revision() -> None:
    schedule = provisional_schedule(2027)
    assert schedule.official is False
    assert schedule.workdays == {}
    assert "2024年修订" in schedule.source
    assert "暂定" in schedule.source
    assert dict(schedule.holidays) == {
        date(2027, 1, 1): "元旦",
        date(2027, 2, 5): "春节",  # 除夕
        date(2027, 2, 6): "春节",  # 初一
        date(2027, 2, 7): "春节",
        date(2027, 2, 8): "春节",  # 初三
        date(2027, 4, 5): "清明节",
        date(2027, 5, 1): "劳动节",
        date(2027, 5, 2): "劳动节",
        date(2027, 6, 9): "端午节",
        date(2027, 9, 15): "中秋节",
        date(2027, 10, 1): "国庆节",
        date(2027, 10, 2): "国庆节",
        date(2027, 10, 3): "国庆节",
        # 补假 (第六条): 6–7 Feb, 1–2 May and 2–3 Oct fall on a Saturday or Sunday
        date(2027, 2, 9): "春节补假",
        date(2027, 2, 10): "春节补假",
        date(2027, 5, 3): "劳动节补假",
        date(2027, 5, 4): "劳动节补假",
        date(2027, 10, 4): "国庆节补假",
        date(2027, 10, 5): "国庆节补假",
    }


@pytest.mark.parametrize(
    ("year", "spring", "qingming", "duanwu", "zhongqiu", "made_up"),
    [
        # 2013 rules: 春节 初一–初三 (no 除夕), 劳动节 1 May only.
        (
            2024,
            ["2024-02-10", "2024-02-11", "2024-02-12"],
            "2024-04-04",
            "2024-06-10",
            "2024-09-17",
            {"2024-02-13": "春节补假", "2024-02-14": "春节补假"},  # 10–11 Feb: Sat, Sun
        ),
        (
            2003,
            ["2003-02-01", "2003-02-02", "2003-02-03"],
            "2003-04-05",
            "2003-06-04",
            "2003-09-11",
            # 1–2 Feb and 清明 5 Apr fall on a weekend
            {"2003-02-04": "春节补假", "2003-02-05": "春节补假", "2003-04-07": "清明节补假"},
        ),
    ],
)
def test_provisional_before_2025_follows_the_2013_rules(
    year: int,
    spring: list[str],
    qingming: str,
    duanwu: str,
    zhongqiu: str,
    made_up: dict[str, str],
) -> None:
    schedule = provisional_schedule(year)
    assert "2013年修订" in schedule.source
    expected = {date(year, 1, 1): "元旦"}
    expected |= {date.fromisoformat(d): "春节" for d in spring}
    expected |= {
        date.fromisoformat(qingming): "清明节",
        date(year, 5, 1): "劳动节",
        date.fromisoformat(duanwu): "端午节",
        date.fromisoformat(zhongqiu): "中秋节",
    }
    expected |= {date(year, 10, d): "国庆节" for d in (1, 2, 3)}
    expected |= {date.fromisoformat(d): name for d, name in made_up.items()}
    assert dict(schedule.holidays) == expected


@pytest.mark.parametrize("year", range(2027, 2041))
def test_provisional_lunar_holidays_agree_with_lunardate(year: int) -> None:
    holidays = provisional_schedule(year).holidays
    spring = sorted(d for d, name in holidays.items() if name == "春节")
    assert len(spring) == 4
    assert spring == [spring[0] + timedelta(days=i) for i in range(4)]
    eve = LunarDate.from_solar_date(spring[0].year, spring[0].month, spring[0].day)
    assert (eve.month, eve.is_leap_month) == (12, False)  # 除夕: the last day of the 12th month
    first = LunarDate.from_solar_date(spring[1].year, spring[1].month, spring[1].day)
    assert (first.year, first.month, first.day) == (year, 1, 1)
    for name, month, day in (("端午节", 5, 5), ("中秋节", 8, 15)):
        on = [d for d, n in holidays.items() if n == name]
        if not on:  # 中秋 on 1–3 Oct (2028, 2031, 2039) is inside 国庆节
            solar = LunarDate(year, month, day).to_solar_date()
            assert solar.month == 10 and solar.day <= 3
            continue
        lunar = LunarDate.from_solar_date(on[0].year, on[0].month, on[0].day)
        assert (lunar.month, lunar.day, lunar.is_leap_month) == (month, day, False)
    assert next(d for d, n in holidays.items() if n == "清明节") in (
        date(year, 4, 4),
        date(year, 4, 5),
        date(year, 4, 6),
    )
    assert sorted(d for d, n in holidays.items() if n == "劳动节") == [
        date(year, 5, 1),
        date(year, 5, 2),
    ]


def test_year_schedule_type() -> None:
    assert isinstance(schedules.provisional_schedule(2030), YearSchedule)


def test_the_readme_example_loads_and_gives_the_due_date_it_promises(tmp_path: Path) -> None:
    readme = schedules.BUILTIN_CALENDAR_DIR / "README.md"
    text = readme.read_text(encoding="utf-8")
    example = text.split("```toml\n", 1)[1].split("```", 1)[0]
    schedule = load_schedule_file(write(tmp_path, "cn-2030.toml", example))
    assert schedule.year == 2030
    assert len(schedule.workdays) == 5
    calendar = LegalCalendar(official_schedules([tmp_path]))
    result = calendar.due(date(2030, 9, 30), 1, Unit.WORKING)
    assert (result.due, result.provisional) == (date(2030, 10, 8), False)
    assert '"due":"2030-10-08"' in text
    assert not list(schedules.BUILTIN_CALENDAR_DIR.glob("cn-2030*"))  # an example, not data


# -- 补假 in provisional years (放假办法 第六条) ----------------------------------------


def test_2027_holidays_on_a_weekend_are_made_up_on_the_next_working_days() -> None:
    # 2027 by hand: 元旦 Fri 1 Jan; 除夕 Fri 5 Feb, 初一 Sat 6, 初二 Sun 7, 初三 Mon 8 Feb;
    # 清明 Mon 5 Apr; 劳动节 Sat 1, Sun 2 May; 端午 Wed 9 Jun; 中秋 Wed 15 Sep;
    # 国庆 Fri 1, Sat 2, Sun 3 Oct. Six holiday days fall on a weekend, so six 补假.
    holidays = provisional_schedule(2027).holidays
    on_weekend = sorted(d for d, n in holidays.items() if d.weekday() >= 5)
    assert on_weekend == [
        date(2027, 2, 6),
        date(2027, 2, 7),
        date(2027, 5, 1),
        date(2027, 5, 2),
        date(2027, 10, 2),
        date(2027, 10, 3),
    ]
    made_up = sorted(d for d, n in holidays.items() if n.endswith("补假"))
    assert made_up == [
        date(2027, 2, 9),
        date(2027, 2, 10),
        date(2027, 5, 3),
        date(2027, 5, 4),
        date(2027, 10, 4),
        date(2027, 10, 5),
    ]
    assert all(d.weekday() < 5 for d in made_up)


def test_holidays_of_some_citizens_get_no_make_up_day() -> None:
    # 妇女节 8 Mar 2026 and 建军节 1 Aug 2027 are Sundays; 儿童节 1 Jun 2030 a Saturday: Art. 3
    # holidays are no rest days for the calendar and Art. 6 gives them no 补假.
    assert date(2026, 3, 9) not in provisional_schedule(2026).holidays
    assert date(2027, 8, 2) not in provisional_schedule(2027).holidays
    assert date(2030, 6, 3) not in provisional_schedule(2030).holidays


def test_a_saturday_holiday_is_made_up_on_monday_not_sunday() -> None:
    # A Sunday: 清明 2026 (Sun 5 Apr) → Mon 6 Apr. A weekday holiday owes nothing: 元旦 2031 is a
    # Wednesday. A Saturday: 劳动节 2027 (Sat 1 May) → Mon 3 May, never the Sunday.
    assert provisional_schedule(2026).holidays[date(2026, 4, 6)] == "清明节补假"
    assert date(2031, 1, 2) not in provisional_schedule(2031).holidays
    assert provisional_schedule(2027).holidays[date(2027, 5, 3)] == "劳动节补假"


def _rest_days(schedule: YearSchedule) -> set[date]:
    day, rest = date(schedule.year, 1, 1), set()
    while day.year == schedule.year:
        if day in schedule.holidays or (day.weekday() >= 5 and day not in schedule.workdays):
            rest.add(day)
        day += timedelta(days=1)
    return rest


@pytest.mark.parametrize(("year", "before", "after"), [(2026, 15, 12), (2021, 20, 14)])
def test_make_up_days_bring_a_provisional_year_closer_to_its_notice(
    year: int, before: int, after: int
) -> None:
    """Days on which the provisional reckoning and the notice disagree (rest vs working), without
    and with 补假: fewer with it, but not none (the notice's 调休 swaps stay unknown)."""
    official = _rest_days(official_schedules()[year])
    provisional = provisional_schedule(year)
    statutory = {d: n for d, n in provisional.holidays.items() if not n.endswith("补假")}
    without = _rest_days(YearSchedule(year, statutory, {}, official=False))
    with_make_up = _rest_days(provisional)
    assert len(official ^ without) == before
    assert len(official ^ with_make_up) == after
    assert 0 < after < before
    # every make-up day is a rest day in the notice too
    assert {d for d, n in provisional.holidays.items() if n.endswith("补假")} <= official
