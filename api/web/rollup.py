"""The dashboard's 省市县 table: cases per city and per county in a period, against the same
period a year earlier (同比), within what the caller may see.

The same figures as /stats (services.orgs.roll_up over services.reads.cases_by_org), shaped for
a table. Without a chosen period it is this year to date against the same days of last year.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from api.http.deps import Services
from standard_rules.timezone import SHANGHAI
from storage.scoped import Visibility


@dataclass(frozen=True)
class Line:
    name: str
    cases: int
    last_year: int

    @property
    def change(self) -> float | None:
        """同比: the relative change, None when last year had none to compare with."""
        return self.cases / self.last_year - 1 if self.last_year else None


@dataclass(frozen=True)
class RollUp:
    period: tuple[date, date]
    last_year: tuple[date, date]
    city: list[Line]
    county: list[Line]


def year_earlier(day: date) -> date:
    # 29 February a year earlier is the 28th
    return day.replace(year=day.year - 1, day=min(day.day, 28 if day.month == 2 else day.day))


def span(start: date, end: date) -> tuple[float, float]:
    """Shanghai calendar days [start, end] as timestamps [start of start, start of end + 1)."""
    first = datetime.combine(start, time(), SHANGHAI)
    after = datetime.combine(end + timedelta(days=1), time(), SHANGHAI)
    return first.timestamp(), after.timestamp()


def roll_up_table(
    svc: Services, scope: Visibility, start: date | None, end: date | None, today: date
) -> RollUp:
    end = end or today
    start = start or date(end.year, 1, 1)
    before = (year_earlier(start), year_earlier(end))
    now = svc.orgs.roll_up(svc.reads.cases_by_org(scope, span(start, end)))
    then = svc.orgs.roll_up(svc.reads.cases_by_org(scope, span(*before)))

    def lines(level: str) -> list[Line]:
        names = sorted(set(now[level]) | set(then[level]))
        return [Line(n, now[level].get(n, 0), then[level].get(n, 0)) for n in names]

    return RollUp((start, end), before, lines("city"), lines("county"))
