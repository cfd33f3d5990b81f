"""Yearly rest-day schedules: official (State Council notices) and provisional (the statute alone).

An official schedule lists the statutory holidays as actually arranged (with 调休 rest days) and the
weekend days made working days. Years 2004–2026 come from the chinese-calendar package; a year
published later is added as a TOML file (see data/calendars/README.md) the day its notice is out.
A year with neither is reckoned from 《全国年节及纪念日放假办法》 alone and marked provisional.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from standard_rules.errors import PackError

BUILTIN_CALENDAR_DIR = Path(__file__).parent / "data" / "calendars"
CALENDAR_DIR_ENV = "SUITIAO_CALENDAR_DIR"

# chinese-calendar names its holidays in English; the explanation a clerk reads is Chinese.
HOLIDAY_ZH = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


@dataclass(frozen=True)
class YearSchedule:
    """The rest days and 调休 working days of one year, with where they come from."""

    year: int
    holidays: Mapping[date, str]  # statutory rest day -> holiday name (中文)
    workdays: Mapping[date, str] = field(default_factory=dict)  # weekend made working -> holiday
    source: str = ""
    official: bool = True


def _official_from_package() -> dict[int, YearSchedule]:
    from chinese_calendar import constants

    by_year: dict[int, tuple[dict[date, str], dict[date, str]]] = {}
    for day, name in constants.holidays.items():
        by_year.setdefault(day.year, ({}, {}))[0][day] = HOLIDAY_ZH.get(name, name)
    for day, name in constants.workdays.items():
        by_year.setdefault(day.year, ({}, {}))[1][day] = HOLIDAY_ZH.get(name, name)
    return {
        year: YearSchedule(
            year=year,
            holidays=hol,
            workdays=work,
            source=f"国务院办公厅{year}年部分节假日安排的通知（chinese-calendar 1.11.0）",
        )
        for year, (hol, work) in by_year.items()
    }


def _parse_day(raw: object, where: str) -> date:
    # A TOML date-time is a datetime, which never equals a date: it would match no day at all.
    if isinstance(raw, date) and not isinstance(raw, datetime):
        return raw
    if isinstance(raw, str):
        try:
            return date.fromisoformat(raw)
        except ValueError:
            pass
    raise PackError(f"{where}: {raw!r} is not a date (YYYY-MM-DD)")


def _days(entry: Mapping[str, Any], where: str) -> list[date]:
    if "dates" in entry:
        raw = entry["dates"]
        if not isinstance(raw, list):
            raise PackError(f"{where}.dates must be a list of dates (YYYY-MM-DD)")
        return [_parse_day(d, f"{where}.dates") for d in raw]
    if "from" in entry and "to" in entry:
        first, last = (
            _parse_day(entry["from"], f"{where}.from"),
            _parse_day(entry["to"], f"{where}.to"),
        )
        if last < first:
            raise PackError(f"{where}: 'to' {last} is before 'from' {first}")
        return [first + timedelta(days=i) for i in range((last - first).days + 1)]
    if "date" in entry:
        return [_parse_day(entry["date"], f"{where}.date")]
    raise PackError(f"{where}: needs 'dates', 'date', or 'from' and 'to'")


def _entries(doc: Mapping[str, Any], key: str, path: Path) -> list[Mapping[str, Any]]:
    entries = doc.get(key, [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise PackError(f"{path}: field '{key}' must be an array of tables ([[{key}]])")
    return entries


def load_schedule_file(path: Path) -> YearSchedule:
    """Read one administrator-maintained schedule; every error names the file and the field."""
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise PackError(f"{path}: cannot read schedule: {exc}") from exc
    year = doc.get("year")
    if not isinstance(year, int) or isinstance(year, bool) or not 1 <= year <= 9999:
        raise PackError(f"{path}: field 'year' must be an integer")
    source = doc.get("source")
    if not isinstance(source, str) or not source.strip():
        raise PackError(f"{path}: field 'source' must name the State Council notice")
    holidays: dict[date, str] = {}
    holiday_field: dict[date, str] = {}
    for i, entry in enumerate(_entries(doc, "holiday", path)):
        where = f"{path}: holiday[{i}]"
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip():
            raise PackError(f"{where}.name must be a string")
        for day in _days(entry, where):
            if day.year != year:
                raise PackError(f"{where}: {day} is not in year {year}")
            holidays[day] = name
            holiday_field[day] = f"holiday[{i}]"
    workdays: dict[date, str] = {}
    for i, entry in enumerate(_entries(doc, "workday", path)):
        where = f"{path}: workday[{i}]"
        name = entry.get("name", "调休")
        for day in _days(entry, where):
            if day.year != year:
                raise PackError(f"{where}: {day} is not in year {year}")
            if day.weekday() < 5:
                raise PackError(f"{where}: {day} is a weekday; only weekend days are made working")
            if day in holidays:
                raise PackError(
                    f"{where}: {day} is listed both as workday and as {holiday_field[day]}"
                )
            workdays[day] = str(name)
    return YearSchedule(year, holidays, workdays, source=source, official=True)


def provisional_schedule(year: int) -> YearSchedule:
    """The statutory holidays on their own dates, without 调休: used until the notice is loaded."""
    from chinese_calendar import get_solar_terms
    from lunardate import LunarDate

    def lunar(month: int, day: int) -> date:
        solar: date = LunarDate(year, month, day).to_solar_date()
        return solar

    holidays: dict[date, str] = {date(year, 1, 1): "元旦"}
    new_year = lunar(1, 1)
    # 2024 revision (from 2025): 除夕 to 初三, and 1–2 May; before 2025: 初一 to 初三, and 1 May.
    spring = range(-1, 3) if year >= 2025 else range(3)
    for offset in spring:
        day = new_year + timedelta(days=offset)
        if day.year == year:
            holidays[day] = "春节"
    qingming = [
        d for d, name in get_solar_terms(date(year, 4, 1), date(year, 4, 10)) if name == "清明"
    ]
    for day in qingming:
        holidays[day] = "清明节"
    holidays[date(year, 5, 1)] = "劳动节"
    if year >= 2025:
        holidays[date(year, 5, 2)] = "劳动节"
    holidays[lunar(5, 5)] = "端午节"
    holidays[lunar(8, 15)] = "中秋节"
    for d in (1, 2, 3):
        holidays[date(year, 10, d)] = "国庆节"
    holidays |= make_up_days(holidays)
    rules = "2024年修订" if year >= 2025 else "2013年修订"
    return YearSchedule(
        year,
        holidays,
        {},
        source=f"《全国年节及纪念日放假办法》（{rules}）第六条补假推算，未含调休（暂定）",
        official=False,
    )


MAKE_UP = "补假"


def make_up_days(holidays: Mapping[date, str]) -> dict[date, str]:
    """The 补假 of 《全国年节及纪念日放假办法》 第六条 (Art. 6, in the 2013 and the 2024 revision
    alike): "全体公民放假的假日，如果适逢星期六、星期日，应当在工作日补假。部分公民放假的假日，
    如果适逢星期六、星期日，则不补假。"

    `holidays` are the holidays of all citizens (Art. 2) on their own dates; the holidays of some
    citizens (Art. 3: 妇女节, 青年节 …) are never rest days for the calendar and get no 补假. The
    statute does not say which working day: the State Council's notices in practice give the
    working days right after the holiday, so each weekend day of a block of consecutive holidays
    is made up on the next working day after the block (after the previous make-up day). The
    调休 swaps a notice adds are unknown until it is published and are not guessed.
    """
    made_up: dict[date, str] = {}
    one = timedelta(days=1)
    for day in sorted(holidays):  # in date order: an earlier holiday takes the earlier day
        if day.weekday() < 5:
            continue
        # The next working day after the holiday block and after the block's earlier make-ups:
        # walking on past rest days, holidays and days already given skips the block itself.
        cursor = day + one
        while cursor.weekday() >= 5 or cursor in holidays or cursor in made_up:
            cursor += one
        if cursor.year == day.year:
            made_up[cursor] = f"{holidays[day]}{MAKE_UP}"
    return made_up


def calendar_dirs(extra: Iterable[Path] = ()) -> list[Path]:
    dirs = [BUILTIN_CALENDAR_DIR]
    env = os.environ.get(CALENDAR_DIR_ENV)
    if env:
        dirs.extend(Path(p) for p in env.split(os.pathsep) if p)
    dirs.extend(extra)
    return dirs


def official_schedules(extra_dirs: Iterable[Path] = ()) -> dict[int, YearSchedule]:
    """Package schedules, overridden year by year by any schedule files found (later dirs win)."""
    schedules = _official_from_package()
    for directory in calendar_dirs(extra_dirs):
        if not directory.is_dir():
            continue
        for path in sorted(directory.glob("*.toml")):
            schedule = load_schedule_file(path)
            schedules[schedule.year] = schedule
    return schedules
