"""Loading a year's official holiday schedule into a running system.

Until the State Council publishes a year's 放假安排, every due date reaching into that year is
provisional (contract/EVENTS.md). Loading the notice installs the schedule file where every
process reads it and reckons again every open timer that falls in or after that year, so the
timers, the due dates shown and the inbox rows follow the official calendar; then it re-audits
the findings read model of every case whose periods may reach into the year.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

from api.bootstrap import build_cases, build_engine
from api.settings import Settings
from engine.services import Rearmed
from standard_rules.legal_calendar import LegalCalendar
from standard_rules.schedules import YearSchedule, load_schedule_file, official_schedules
from standard_rules.timezone import SHANGHAI
from storage.findings import FindingAuditor


@dataclass(frozen=True)
class Loaded:
    schedule: YearSchedule
    installed: Path | None  # where the file now lives (None on a dry run)
    moved: list[Rearmed]
    # The cases whose findings the schedule changes (re-audited; on a dry run, would be).
    refreshed: list[str] = field(default_factory=list)


def installed_dir(settings: Settings) -> Path:
    """Where loaded schedules are kept: read by every process of this installation."""
    return settings.state_dir / "calendars"


def load_schedule(settings: Settings, path: Path, *, dry_run: bool = False) -> Loaded:
    """Check the file, install it (unless `dry_run`) and re-arm what it moves."""
    schedule = load_schedule_file(path)  # a malformed file stops here, naming file and field
    schedules = official_schedules(settings.calendar_dirs)
    schedules[schedule.year] = schedule
    calendar = LegalCalendar(schedules)
    # The installation's engine (signed writes, kept process versions), under the new calendar.
    cases = build_cases(settings)
    engine = build_engine(settings, cases=cases, calendar=calendar)
    # Dates before the year cannot depend on its schedule: only timers due in it or later.
    since = datetime.combine(date(schedule.year, 1, 1), time(0, 0), SHANGHAI)
    installed = None
    if not dry_run:
        target = installed_dir(settings)
        target.mkdir(parents=True, exist_ok=True)
        installed = target / f"cn-{schedule.year}.toml"
        shutil.copyfile(path, installed)
    moved = engine.rearm_from(since, dry_run=dry_run)
    # The findings read model of every case whose periods may reach into the year, re-audited
    # under the new calendar, batch by batch: a re-armed case takes no new event, and a case
    # without a timer takes no step at all, so neither would be re-audited by itself.
    auditor = FindingAuditor(cases.auditor.pack, calendar)
    refreshed = cases.refresh_findings_from(since.date(), auditor, repair=not dry_run)
    return Loaded(schedule, installed, moved, refreshed)
