"""The legal calendar: working days, and due dates as contract/EVENTS.md reckons them.

- cal(N): the start day is not counted (民诉法 第85条); the due date is start + N, moved to the next
  working day when it is a rest day.
- wd(N): the Nth working day strictly after the start date; 调休 working weekends count.

Every answer is a table look-up over day ordinals (a table built once per process), because the
audit and the timer worker reckon millions of due dates; chinese-calendar's own `find_workday`
takes about 700 µs a call and moves a rest-day start first, which is not our rule.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path

from standard_rules.errors import CalendarError
from standard_rules.schedules import (
    HOLIDAY_ZH,
    MAKE_UP,
    YearSchedule,
    official_schedules,
    provisional_schedule,
)
from standard_rules.versions import CalendarVersion, calendar_version


class Unit(StrEnum):
    CALENDAR = "calendar"
    WORKING = "working"


@dataclass(frozen=True, slots=True)
class SkippedDay:
    day: date
    reason_zh: str
    reason_en: str


@dataclass(frozen=True, slots=True)
class DueDate:
    """A due date with everything needed to explain it to a clerk or an auditor."""

    start: date
    days: int
    unit: Unit
    due: date
    provisional: bool
    skipped: tuple[SkippedDay, ...]
    calendar: str
    nominal: date | None = None  # cal(N) before the move to a working day

    def explain_zh(self) -> str:
        if self.unit is Unit.CALENDAR:
            text = f"自{self.start}起{self.days}日（起算日不计入），期间届满日为{self.nominal}"
            if self.nominal != self.due:
                moved = "、".join(f"{s.day}（{s.reason_zh}）" for s in self.skipped)
                text += f"，因{moved}为休息日，顺延至{self.due}"
        else:
            text = f"自{self.start}起第{self.days}个工作日为{self.due}"
            if self.skipped:
                rest = "、".join(f"{s.day}（{s.reason_zh}）" for s in self.skipped)
                text += f"，其间不计休息日：{rest}"
        text += f"；依据：{self.calendar}"
        if self.provisional:
            text += "（暂定：所涉年份国务院放假安排尚未载入）"
        return text

    def explain_en(self) -> str:
        if self.unit is Unit.CALENDAR:
            text = (
                f"{self.days} days from {self.start} (start day not counted) end on {self.nominal}"
            )
            if self.nominal != self.due:
                moved = ", ".join(f"{s.day} ({s.reason_en})" for s in self.skipped)
                text += f"; {moved} being rest days, the period runs to {self.due}"
        else:
            text = f"working day {self.days} after {self.start} is {self.due}"
            if self.skipped:
                rest = ", ".join(f"{s.day} ({s.reason_en})" for s in self.skipped)
                text += f"; rest days not counted: {rest}"
        text += f"; calendar: {self.calendar}"
        if self.provisional:
            text += " (provisional: no official schedule loaded for a year in the span)"
        return text


# lunardate (the lunar holidays of provisional years) covers 1900–2099.
MIN_YEAR, MAX_YEAR = 1900, 2099
_FIRST_ORDINAL = date(MIN_YEAR, 1, 1).toordinal()
_LAST_ORDINAL = date(MAX_YEAR, 12, 31).toordinal()

WEEKEND_ZH, WEEKEND_EN = "周末", "weekend"
HOLIDAY_EN = {zh: en for en, zh in HOLIDAY_ZH.items()}


class LegalCalendar:
    """Working days over a span of years, official where a schedule is loaded, else provisional."""

    def __init__(
        self,
        schedules: Mapping[int, YearSchedule] | None = None,
        *,
        first_year: int = 2000,
        last_year: int = 2040,
    ) -> None:
        self._official: dict[int, YearSchedule] = dict(
            official_schedules() if schedules is None else schedules
        )
        self._provisional: dict[int, YearSchedule] = {}
        self._version: CalendarVersion | None = None
        self._build(first_year, last_year)

    # -- building the tables ---------------------------------------------------------------

    def _schedule(self, year: int) -> YearSchedule:
        official = self._official.get(year)
        if official is not None:
            return official
        # Cached: an explanation asks for the reason of every skipped day of its span.
        provisional = self._provisional.get(year)
        if provisional is None:
            provisional = self._provisional[year] = provisional_schedule(year)
        return provisional

    def _build(self, first_year: int, last_year: int) -> None:
        # Explained due dates by (start, days, unit); a loaded schedule can change any of them.
        self._explained: dict[tuple[int, int, Unit], DueDate] = {}
        self.first_year, self.last_year = first_year, last_year
        self.base = date(first_year, 1, 1).toordinal()
        self.end = date(last_year, 12, 31).toordinal()  # inclusive
        size = self.end - self.base + 1
        self._years = {y: self._schedule(y) for y in range(first_year, last_year + 1)}
        working = bytearray(size)
        for i in range(size):
            day = date.fromordinal(self.base + i)
            sched = self._years[day.year]
            if day in sched.workdays:
                working[i] = 1
            elif day in sched.holidays or day.weekday() >= 5:
                working[i] = 0
            else:
                working[i] = 1
        self._working = working
        # Ordinals of working days, and for each day the count of working days on or before it:
        # wd(N) from d is then workdays[count[d] + N - 1] with no search.
        self._workdays = array("l", (self.base + i for i in range(size) if working[i]))
        count = array("l", bytes(8 * size))
        running = 0
        for i in range(size):
            running += working[i]
            count[i] = running
        self._count = count
        next_work = array("l", bytes(8 * size))
        upcoming = self.end + 1  # past the table: _ensure() extends before it is read
        for i in range(size - 1, -1, -1):
            if working[i]:
                upcoming = self.base + i
            next_work[i] = upcoming
        self._next_work = next_work
        # Provisional years as a prefix count, so "is any day in [a, b] provisional" is O(1).
        prov = array("l", bytes(8 * (size + 1)))
        running = 0
        for i in range(size):
            running += 0 if self._years[date.fromordinal(self.base + i).year].official else 1
            prov[i + 1] = running
        self._prov = prov

    def _ensure(self, lo: int, hi: int) -> None:
        """Grow the tables when a question reaches past them (rare: a date far from today).

        The lunar holidays of a provisional year are known for 1900–2099 only; a question
        reaching outside those years is a CalendarError, not a crash deep in lunardate.
        """
        if lo >= self.base and (hi + 400 <= self.end or (self.end == _LAST_ORDINAL >= hi)):
            return
        if lo < _FIRST_ORDINAL or hi > _LAST_ORDINAL:
            raise CalendarError(
                f"a period from or to a date outside {MIN_YEAR}–{MAX_YEAR} cannot be reckoned"
            )
        first = min(self.first_year, date.fromordinal(lo).year)
        last = max(self.last_year, date.fromordinal(min(hi + 800, _LAST_ORDINAL)).year)
        self._build(first, last)

    def load(self, schedule: YearSchedule) -> None:
        """Load a year's official schedule: its due dates are then no longer provisional."""
        self._official[schedule.year] = schedule
        self._version = None
        self._build(self.first_year, self.last_year)

    @property
    def version(self) -> CalendarVersion:
        """What the event log and the case row name as the calendar that reckoned a date."""
        if self._version is None:
            self._version = calendar_version(self._official)
        return self._version

    # -- questions about single days ---------------------------------------------------------

    def is_working(self, day: date) -> bool:
        o = day.toordinal()
        self._ensure(o, o)
        return bool(self._working[o - self.base])

    def is_official(self, year: int) -> bool:
        return year in self._official

    def rest_reason(self, day: date) -> tuple[str, str]:
        """Why a day is a rest day (中文, English); empty strings for a working day."""
        sched = self._schedule(day.year)
        if day in sched.workdays:
            return "", ""
        if day in sched.holidays:
            name = sched.holidays[day]
            if name.endswith(MAKE_UP):  # a provisional year's 补假 (放假办法 第六条)
                holiday = name.removesuffix(MAKE_UP)
                return name, f"{HOLIDAY_EN.get(holiday, holiday)} make-up rest day"
            return f"{name}假期", f"{HOLIDAY_EN.get(name, name)} holiday"
        if day.weekday() >= 5:
            return WEEKEND_ZH, WEEKEND_EN
        return "", ""

    def schedule(self, year: int) -> YearSchedule:
        return self._schedule(year)

    # -- due dates on ordinals (the hot path) -----------------------------------------------

    def cal_due_ordinal(self, start: int, days: int) -> int:
        nominal = start + days
        if nominal < self.base or nominal > self.end - 400:
            self._ensure(min(start, nominal), nominal)
        due: int = self._next_work[nominal - self.base]
        if due > self.end:
            raise CalendarError(f"a period ending after {MAX_YEAR} cannot be reckoned")
        return due

    def wd_due_ordinal(self, start: int, days: int) -> int:
        if start < self.base or start + 2 * days + 30 > self.end - 400:
            # Nth working day lies within 2N + 30 days (holiday blocks are at most ~10 days).
            self._ensure(start, min(start + 2 * days + 30, max(start, _LAST_ORDINAL)))
        index = self._count[start - self.base] + days - 1
        if index >= len(self._workdays):
            raise CalendarError(f"a period ending after {MAX_YEAR} cannot be reckoned")
        due: int = self._workdays[index]
        return due

    def due_ordinal(self, start: int, days: int, unit: Unit) -> int:
        if days < 1 and unit is Unit.WORKING:
            raise CalendarError(f"a working-day period needs at least 1 day, got {days}")
        if days < 0:
            raise CalendarError(f"a period cannot be negative, got {days}")
        if unit is Unit.WORKING:
            return self.wd_due_ordinal(start, days)
        return self.cal_due_ordinal(start, days)

    def roll_forward_ordinal(self, day: int) -> int:
        """The day itself if it is a working day, else the next working day (the 顺延)."""
        self._ensure(day, day)
        return self._next_work[day - self.base]

    def provisional_span(self, first: int, last: int) -> bool:
        self._ensure(first, last)
        return self._prov[last - self.base + 1] - self._prov[first - self.base] > 0

    # -- due dates with explanation ------------------------------------------------------------

    def due(self, start: date, days: int, unit: Unit | str) -> DueDate:
        unit = Unit(unit)
        # Remembered: every step re-audits its case, and the cases opened on one day share
        # their periods' start days (the explanation names each skipped day's reason).
        key = (start.toordinal(), days, unit)
        found = self._explained.get(key)
        if found is None:
            if len(self._explained) >= 20_000:
                self._explained.clear()
            found = self._explained[key] = self._explain(start, days, unit)
        return found

    def _explain(self, start: date, days: int, unit: Unit) -> DueDate:
        s = start.toordinal()
        d = self.due_ordinal(s, days, unit)
        nominal = s + days if unit is Unit.CALENDAR else None
        first_skip = nominal if nominal is not None else s + 1
        # The days whose status decides the answer: start+1 .. due, and for cal(0) the start day
        # itself (whether it is a working day is what the due date rests on).
        first_day = s if nominal == s else s + 1
        skipped = []
        for o in range(first_skip, d):
            if not self._working[o - self.base]:
                day = date.fromordinal(o)
                zh, en = self.rest_reason(day)
                skipped.append(SkippedDay(day, zh, en))
        return DueDate(
            start=start,
            days=days,
            unit=unit,
            due=date.fromordinal(d),
            provisional=self.provisional_span(first_day, d),
            skipped=tuple(skipped),
            calendar=self.describe(range(start.year, date.fromordinal(d).year + 1)),
            nominal=date.fromordinal(nominal) if nominal is not None else None,
        )

    def describe(self, years: Iterable[int]) -> str:
        parts = []
        for year in years:
            if self.is_official(year):
                parts.append(f"cn-{year} (State Council schedule)")
            else:
                parts.append(f"cn-{year} (provisional: statutory holidays only)")
        return "; ".join(parts)


_default: LegalCalendar | None = None


def default_calendar(extra_dirs: Iterable[Path] = ()) -> LegalCalendar:
    """The process-wide calendar (the package's schedules and $SUITIAO_CALENDAR_DIR's), or,
    given `extra_dirs`, a calendar with those schedules too. The latter never replaces the
    process-wide one: a deployment's or a test's directories would otherwise leak into every
    later caller that asked for the default."""
    global _default
    extra = list(extra_dirs)
    if extra:
        return LegalCalendar(official_schedules(extra))
    if _default is None:
        _default = LegalCalendar(official_schedules([]))
    return _default
