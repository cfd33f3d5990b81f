"""Loading a year's official holiday schedule into a running system.

Until the State Council publishes a year's 放假安排, every due date reaching into that year is
provisional (contract/EVENTS.md). Loading the notice installs the schedule file where every
process reads it and reckons again every open timer that falls in or after that year, so the
timers, the due dates shown and the inbox rows follow the official calendar.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

from api.bootstrap import build_engine
from api.settings import Settings
from engine.services import Rearmed
from standard_rules.legal_calendar import LegalCalendar
from standard_rules.schedules import YearSchedule, load_schedule_file, official_schedules
from standard_rules.timezone import SHANGHAI


@dataclass(frozen=True)
class Loaded:
    schedule: YearSchedule
    installed: Path | None  # where the file now lives (None on a dry run)
    moved: list[Rearmed]


def installed_dir(settings: Settings) -> Path:
    """Where loaded schedules are kept: read by every process of this installation."""
    return settings.state_dir / "calendars"


def load_schedule(settings: Settings, path: Path, *, dry_run: bool = False) -> Loaded:
    """Check the file, install it (unless `dry_run`) and re-arm what it moves."""
    schedule = load_schedule_file(path)  # a malformed file stops here, naming file and field
    schedules = official_schedules(settings.calendar_dirs)
    schedules[schedule.year] = schedule
    # The installation's engine (signed writes, kept process versions), under the new calendar.
    engine = build_engine(settings, calendar=LegalCalendar(schedules))
    # Dates before the year cannot depend on its schedule: only timers due in it or later.
    since = datetime.combine(date(schedule.year, 1, 1), time(0, 0), SHANGHAI)
    installed = None
    if not dry_run:
        target = installed_dir(settings)
        target.mkdir(parents=True, exist_ok=True)
        installed = target / f"cn-{schedule.year}.toml"
        shutil.copyfile(path, installed)
    return Loaded(schedule, installed, engine.rearm_from(since, dry_run=dry_run))
