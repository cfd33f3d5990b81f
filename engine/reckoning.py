"""Which rule pack and calendar reckoned a case's deadlines, written where a reader finds it.

- The event log: every event that starts a period or moves one (a pause, an agreed extension)
  carries `data.reckoned = {"pack": …, "calendar": …}`, the versions that reckoned the due dates
  it sets off. contract/EVENTS.md keeps unknown data keys and the audit ignores them, so no
  activity and no existing key changes.
- The case row: `pack_version` and `calendar_version` of its latest step.
- A holiday notice that re-arms a case (`suitiao calendar load`) has no contract event; the case's
  facts keep a short list of those re-arms (when, under which calendar, which timers moved), and
  the row's `calendar_version` names the new calendar.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, MutableMapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from engine.script_api import Draft
from standard_rules.legal_calendar import LegalCalendar
from standard_rules.pack import RulePack
from standard_rules.timezone import SHANGHAI
from standard_rules.versions import PackVersion, pack_version

RECKONED = "reckoned"  # the data key
REARMS_KEPT = 20
# The pack's adjustments (Period.adjust) and the activities that carry them out.
ADJUSTING = {"pause": ("pause_started", "pause_ended"), "extension": ("extension_agreed",)}

_packs: dict[int, tuple[RulePack, PackVersion, frozenset[str]]] = {}


def _of(pack: RulePack) -> tuple[PackVersion, frozenset[str]]:
    """The pack's version and period activities, once per pack object (a pack is immutable)."""
    known = _packs.get(id(pack))
    if known is None or known[0] is not pack:
        known = _packs[id(pack)] = (pack, pack_version(pack), period_activities(pack))
    return known[1], known[2]


def period_activities(pack: RulePack) -> frozenset[str]:
    """Every activity that starts a period of the pack, or moves one that is running."""
    found: set[str] = set()
    for rule in pack.rules.values():
        for period in rule.periods:
            found.add(period.start)
            if period.online_from:
                found.add(period.online_from)
            for adjustment in period.adjust:
                found.update(ADJUSTING.get(adjustment, ()))
    # "*" (T02: any event restarts the 60 days of a stalled case) is a service check the engine
    # arms no timer for, not an activity
    return frozenset(found - {"*"})


def pack_id(pack: RulePack) -> str:
    """The case row's `pack_version`: the pack this step reckons under."""
    return _of(pack)[0].id


def mark(drafts: Iterable[Draft], pack: RulePack, calendar: LegalCalendar) -> list[Draft]:
    """The drafts, those that start or move a period stamped with the versions reckoning it."""
    version, activities = _of(pack)
    stamp = {"pack": version.id, "calendar": calendar.version.id}
    return [
        replace(d, data={**d.data, RECKONED: dict(stamp)})
        if d.activity in activities and RECKONED not in d.data
        else d
        for d in drafts
    ]


def note_rearm(
    facts: MutableMapping[str, Any],
    earlier: Mapping[str, Any],
    calendar: LegalCalendar,
    at: datetime,
    moved: Iterable[tuple[str, datetime, datetime]],
) -> None:
    """Keep a re-arm by a holiday notice with the case (`facts["rearmed"]`, latest last)."""
    entry = {
        "at": at.astimezone(SHANGHAI).isoformat(),
        "calendar": calendar.version.id,
        "timers": [
            {
                "timer": timer,
                "old": old.astimezone(SHANGHAI).isoformat(),
                "new": new.astimezone(SHANGHAI).isoformat(),
            }
            for timer, old, new in moved
        ],
    }
    kept = list(earlier.get("rearmed", []))
    facts["rearmed"] = [*kept, entry][-REARMS_KEPT:]
