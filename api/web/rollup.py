"""The dashboard's 省市县 table: cases per city and per county in a period, against the same
period a year earlier (同比), within what the caller may see.

The same figures as /stats (services.orgs.roll_up over the per-day counters, never the case
rows), shaped for a table. Without a chosen period it is this year to date against the same days
of last year.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from api.http.deps import Services
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


def roll_up_table(
    svc: Services, scope: Visibility, start: date | None, end: date | None, today: date
) -> RollUp:
    end = end or today
    start = start or date(end.year, 1, 1)
    before = (year_earlier(start), year_earlier(end))
    counters = svc.reads.findings
    now = svc.orgs.roll_up(counters.opened_by_org(scope, (start.toordinal(), end.toordinal())))
    days_before = (before[0].toordinal(), before[1].toordinal())
    then = svc.orgs.roll_up(counters.opened_by_org(scope, days_before))

    def lines(level: str) -> list[Line]:
        names = sorted(set(now[level]) | set(then[level]))
        return [Line(n, now[level].get(n, 0), then[level].get(n, 0)) for n in names]

    return RollUp((start, end), before, lines("city"), lines("county"))
