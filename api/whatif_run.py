"""Running "what if": on log files (parsed once, streamed when the cases are contiguous) and on
the live database's open cases (their armed timers). Shared by `suitiao whatif` and the page."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from api.audit_events import audit_events
from api.log_input import Progress, log_format, read_logs
from engine.domain.events import CaseEvent
from standard_rules.pack import RulePack, apply_override
from standard_rules.schedules import official_schedules
from standard_rules.whatif import (
    Comparer,
    Scenario,
    TimerChange,
    WhatIfResult,
    proposed_calendar,
    proposed_pack,
    timer_changes,
    whatif,
    whatif_streamed,
)


def proposal(
    base: Scenario,
    pack: Path | None = None,
    local: Sequence[Path] = (),
    calendars: Sequence[Path] = (),
    calendar_dirs: Sequence[Path] = (),
) -> Scenario:
    """The proposed scenario: base pack or a proposed one, local agreements on top, and today's
    schedules with the proposed years replaced (the base calendar object when none is given)."""
    proposed: RulePack = base.pack if pack is None else proposed_pack(base.pack, pack)
    for path in local:
        proposed = apply_override(proposed, path)
    if not calendars:
        return Scenario(proposed, base.calendar, base.calendar_label)
    calendar, label = proposed_calendar(official_schedules(calendar_dirs), calendars)
    return Scenario(proposed, calendar, label)


def run_logs(
    paths: Sequence[Path],
    old: Scenario,
    new: Scenario,
    as_of: datetime | None,
    stream: IO[str] | None = None,
) -> WhatIfResult:
    """Both audits in one reading of the logs; read again and grouped only if a case comes back."""
    formats = [log_format(path) for path in paths]
    total = sum(path.stat().st_size for path in paths)
    progress = Progress(total, "比较 what if", stream)
    try:
        result = whatif_streamed(read_logs(paths, formats, old.pack, progress), old, new, as_of)
        if result is not None:
            return result
        progress = Progress(total, "比较 what if (按案件归组 grouping)", stream)
        items = list(read_logs(paths, formats, old.pack, progress))
        return whatif(items, old, new, as_of)
    finally:
        progress.close()


@dataclass
class TimerReport:
    """The armed timers of open cases that would move, and how many cases were looked at."""

    old: str
    new: str
    cases: int = 0
    timers: int = 0
    changes: list[TimerChange] = field(default_factory=list)


def run_timers(
    armed: Iterator[tuple[str, Sequence[Any], Sequence[CaseEvent]]], old: Scenario, new: Scenario
) -> TimerReport:
    """armed: storage.armed.armed_cases(...). Every period in days is compared (timers wait for
    periods the audit does not check too, e.g. R06's confirmation window)."""
    comparer = Comparer(old, new, checked_only=False)
    report = TimerReport(old.label, new.label)
    for _case_id, timers, events in armed:
        report.cases += 1
        report.timers += len(timers)
        report.changes += timer_changes(
            comparer, list(audit_events(events)), [(t.name, t.due_at) for t in timers]
        )
    report.changes.sort(key=lambda c: (c.armed, c.case, c.timer))
    return report
