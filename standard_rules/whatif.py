"""What if: the same events audited under today's rules and under proposed ones, compared.

A proposal is a rule pack (a revised standard, or today's pack with a local agreement applied) and
a legal calendar (today's, or one with a newly published year's schedule). Each case is checked
by two Checkers built once; the log is read and grouped once, so the comparison costs one parse
and two checks, not two audits. Reported case by case: due dates that move (old, new, and why:
the period whose parameters changed, or the days whose status changed), findings that appear or
disappear, and totals by organisation and rule.
"""

from __future__ import annotations

import gc
import hashlib
import tomllib
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from standard_rules.audit import Checker, Finding, case_org, group_cases
from standard_rules.deadlines import case_conditions, reckon_fields, start_day
from standard_rules.errors import CalendarError, PackError
from standard_rules.eventlog import Event, InputError, parse_datetime, shanghai_day
from standard_rules.legal_calendar import LegalCalendar
from standard_rules.pack import Period, RulePack, load_pack
from standard_rules.schedules import YearSchedule, load_schedule_file
from standard_rules.timezone import SHANGHAI

_FAR = date.max.toordinal()
# Activities after a trigger that can move an adjusting period's due date.
_MOVERS = frozenset({"pause_started", "pause_ended", "extension_agreed"})


@contextmanager
def _collector_paused() -> Iterator[None]:
    """As in audit(): no cycles are built, so collections walking a million live events are
    pure cost; the previous state is restored."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _unreckonable(events: Sequence[Event], exc: CalendarError) -> InputError:
    """A case whose dates the calendar cannot reckon spoils itself only, as in audit()."""
    culprit = events[-1]
    if len(events) > 1 and events[1].day - events[0].day > events[-1].day - events[-2].day:
        culprit = events[0]
    return InputError(
        culprit.source, culprit.line, f"case {culprit.case!r} could not be audited: {exc}"
    )


@dataclass(frozen=True)
class Scenario:
    """One side of the comparison: a pack, a calendar, and how to name them to a reader."""

    pack: RulePack
    calendar: LegalCalendar
    calendar_label: str = ""  # e.g. the proposed schedule's notice; the official years are added

    @property
    def label(self) -> str:
        cal = self.calendar
        official = [y for y in range(cal.first_year, cal.last_year + 1) if cal.is_official(y)]
        years = _spans(official) or "无"
        text = f"{self.pack.stamp} · 日历 calendar: 国务院放假安排 {years}，其余年份暂定"
        return text + (f" · {self.calendar_label}" if self.calendar_label else "")


def _spans(years: Sequence[int]) -> str:
    """2004, 2005, …, 2026, 2027 → "2004–2027"; gaps make several spans."""
    spans: list[list[int]] = []
    for year in years:
        if spans and spans[-1][1] == year - 1:
            spans[-1][1] = year
        else:
            spans.append([year, year])
    return "、".join(f"{a}–{b}" if a != b else str(a) for a, b in spans)


@dataclass(frozen=True, slots=True)
class DueChange:
    """One period of one case whose due date differs between the two scenarios."""

    case: str
    org: str
    rule: str
    period: str
    start_activity: str
    start_at: str
    old_due: date | None  # None: the period does not apply (or is lifted) in that scenario
    new_due: date | None
    reason_zh: str
    reason_en: str
    done_at: str | None = None  # the event that ended the period (met or cancelled), if any
    old_reckoning: str = ""  # how each due date is reckoned (DueDate.explain_zh)
    new_reckoning: str = ""

    @property
    def shift(self) -> int | None:
        """Days later (positive) or earlier (negative); None when one side has no due date."""
        if self.old_due is None or self.new_due is None:
            return None
        return (self.new_due - self.old_due).days


@dataclass(frozen=True, slots=True)
class Total:
    org: str
    rule: str
    old_findings: int = 0
    new_findings: int = 0
    appeared: int = 0
    disappeared: int = 0
    earlier: int = 0
    later: int = 0


@dataclass
class WhatIfResult:
    cases: int
    events: int
    as_of: datetime
    old: str  # Scenario.label of each side
    new: str
    old_findings: list[Finding] = field(default_factory=list)
    new_findings: list[Finding] = field(default_factory=list)
    appeared: list[Finding] = field(default_factory=list)
    disappeared: list[Finding] = field(default_factory=list)
    due_changes: list[DueChange] = field(default_factory=list)
    input_errors: list[InputError] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.appeared or self.disappeared or self.due_changes)

    def totals(self) -> list[Total]:
        """Counts by (organisation, rule), sorted; only pairs where something is counted."""
        counts: dict[tuple[str, str], Counter[str]] = {}

        def add(org: str, rule: str, what: str) -> None:
            counts.setdefault((org, rule), Counter())[what] += 1

        for f in self.old_findings:
            add(f.org, f.rule, "old_findings")
        for f in self.new_findings:
            add(f.org, f.rule, "new_findings")
        for f in self.appeared:
            add(f.org, f.rule, "appeared")
        for f in self.disappeared:
            add(f.org, f.rule, "disappeared")
        for d in self.due_changes:
            if d.shift is not None:
                add(d.org, d.rule, "later" if d.shift > 0 else "earlier")
        return [Total(org, rule, **dict(c)) for (org, rule), c in sorted(counts.items())]


def finding_key(f: Finding) -> tuple[object, ...]:
    """What makes two findings "the same" across scenarios: the case, rule, kind and evidence.

    The due date is left out on purpose: a late finding whose due date moved but that is still
    late is the same breach, and the move is reported among the due-date changes.
    """
    return (
        f.case,
        f.rule,
        f.kind,
        f.at,
        tuple((e.activity, e.at, e.line, e.file) for e in f.evidence),
    )


def diff_findings(
    old: Sequence[Finding], new: Sequence[Finding]
) -> tuple[list[Finding], list[Finding]]:
    """(appeared, disappeared): findings only under the new, only under the old scenario."""
    old_count = Counter(finding_key(f) for f in old)
    new_count = Counter(finding_key(f) for f in new)
    appeared, disappeared = [], []
    seen: Counter[tuple[object, ...]] = Counter()
    for f in new:
        key = finding_key(f)
        seen[key] += 1
        if seen[key] > old_count[key]:
            appeared.append(f)
    seen.clear()
    for f in old:
        key = finding_key(f)
        seen[key] += 1
        if seen[key] > new_count[key]:
            disappeared.append(f)
    return appeared, disappeared


# -- why a due date moved --------------------------------------------------------------------


def _period_signature(p: Period) -> tuple[object, ...]:
    return (
        p.days,
        p.unit,
        p.start,
        p.until,
        p.cancelled_by,
        p.from_field,
        tuple(sorted(p.when.items())),
        p.adjust,
    )


def changed_days(old: LegalCalendar, new: LegalCalendar) -> dict[int, tuple[str, str]]:
    """Day ordinals whose working status differs, with the reason (中文, English) for each.

    Only the years whose schedules differ are walked: a new year's schedule touches one year.
    """
    first = min(old.first_year, new.first_year)
    last = max(old.last_year, new.last_year)
    found: dict[int, tuple[str, str]] = {}
    for year in range(first, last + 1):
        a, b = old.schedule(year), new.schedule(year)
        if (a.holidays, a.workdays, a.official) == (b.holidays, b.workdays, b.official):
            continue
        day = date(year, 1, 1)
        while day.year == year:
            was, now = old.is_working(day), new.is_working(day)
            if was != now:
                if now:
                    zh = f"{day} 由休息日（{old.rest_reason(day)[0]}）改为工作日"
                    en = f"{day} is now a working day (was {old.rest_reason(day)[1]})"
                else:
                    zh = f"{day} 由工作日改为休息日（{new.rest_reason(day)[0]}）"
                    en = f"{day} is now a rest day ({new.rest_reason(day)[1]})"
                found[day.toordinal()] = (zh, en)
            day = date.fromordinal(day.toordinal() + 1)
    return found


class _Pair:
    """One (rule, period) present in both packs whose due dates may differ."""

    __slots__ = ("new", "old", "param_en", "param_zh", "rule")

    def __init__(self, rule: str, old: Period, new: Period) -> None:
        self.rule, self.old, self.new = rule, old, new
        self.param_zh = self.param_en = ""
        if _period_signature(old) != _period_signature(new):
            self.param_zh = f"{rule} {new.name}：{old.describe()} 改为 {new.describe()}"
            self.param_en = f"{rule} {new.name}: {old.describe()} became {new.describe()}"
            if new.overridden_by:
                self.param_zh += f"（本地协议：{new.overridden_by}）"
                self.param_en += f" (local agreement: {new.overridden_by})"


def _deadline_periods(pack: RulePack, checked_only: bool) -> dict[tuple[str, str], Period]:
    """The periods in days, by (rule, period); with checked_only those the audit holds cases to."""
    found: dict[tuple[str, str], Period] = {}
    for rule in pack.rules.values():
        check = rule.check
        if checked_only and (check is None or check.type != "deadline"):
            continue
        for p in rule.periods:
            if p.days is None:
                continue
            if checked_only and check is not None and check.periods and p.name not in check.periods:
                continue
            found[(rule.id, p.name)] = p
    return found


class Comparer:
    """Both scenarios' checkers and the due-date comparison; build once, call per case."""

    def __init__(self, old: Scenario, new: Scenario, *, checked_only: bool = True) -> None:
        self.old, self.new = old, new
        self.old_checker = Checker(old.pack, old.calendar)
        self.new_checker = Checker(new.pack, new.calendar)
        self.same_calendar = old.calendar is new.calendar
        self.days = {} if self.same_calendar else changed_days(old.calendar, new.calendar)
        old_periods = _deadline_periods(old.pack, checked_only)
        new_periods = _deadline_periods(new.pack, checked_only)
        self.pairs = [
            _Pair(key[0], old_periods[key], p)
            for key, p in new_periods.items()
            if key in old_periods
            and (
                _period_signature(old_periods[key]) != _period_signature(p)
                or (not self.same_calendar and self.days)
            )
        ]
        self.starts = frozenset(p.new.start for p in self.pairs) | frozenset(
            p.old.start for p in self.pairs
        )
        self._due: dict[tuple[int, int, str, bool], int] = {}

    # -- per case ------------------------------------------------------------------------------

    def findings(
        self, events: Sequence[Event], as_of_day: int
    ) -> tuple[list[Finding], list[Finding]]:
        return (
            self.old_checker.check_case(events, as_of_day),
            self.new_checker.check_case(events, as_of_day),
        )

    def due_changes(self, events: Sequence[Event]) -> list[DueChange]:
        if not self.pairs:
            return []
        triggers: dict[str, list[int]] = {}
        movers = False
        for index, event in enumerate(events):
            if event.activity in self.starts:
                triggers.setdefault(event.activity, []).append(index)
            elif event.activity in _MOVERS:
                movers = True
        if not triggers:
            return []
        changes: list[DueChange] = []
        conditions: dict[int, dict[str, str | None]] = {}
        org: str | None = None
        for pair in self.pairs:
            old, new = pair.old, pair.new
            if old.start != new.start:
                continue  # a period that now starts elsewhere: its findings tell the story
            for trigger in triggers.get(new.start, ()):
                if old.when or new.when:
                    known = conditions.get(trigger)
                    if known is None:
                        known = conditions[trigger] = case_conditions(events, trigger)
                    old_applies, new_applies = old.applies(known), new.applies(known)
                else:
                    old_applies = new_applies = True
                if not (old_applies or new_applies):
                    continue
                old_due = self._due_of(old, self.old.calendar, events, trigger, movers, True)
                new_due = self._due_of(new, self.new.calendar, events, trigger, movers, False)
                old_due = old_due if old_applies else None
                new_due = new_due if new_applies else None
                if old_due == new_due:
                    continue
                if org is None:
                    org = case_org(events)
                changes.append(self._change(pair, events, trigger, old_due, new_due, org))
        return changes

    def _due_of(
        self,
        period: Period,
        calendar: LegalCalendar,
        events: Sequence[Event],
        trigger: int,
        movers: bool,
        old_side: bool,
    ) -> int | None:
        assert period.days is not None  # noqa: S101 (only day periods are paired)
        if period.adjust and movers:
            return reckon_fields(period, calendar, events, trigger)[0]
        start = start_day(period, events[trigger])
        key = (start, period.days, period.unit.value, old_side)
        due = self._due.get(key)
        if due is None:
            due = self._due[key] = calendar.due_ordinal(start, period.days, period.unit)
        return due

    def _change(
        self,
        pair: _Pair,
        events: Sequence[Event],
        trigger: int,
        old_due: int | None,
        new_due: int | None,
        org: str,
    ) -> DueChange:
        start_event = events[trigger]
        zh: list[str] = []
        en: list[str] = []
        if old_due is None or new_due is None:
            if old_due is None:
                zh.append(f"{pair.rule} {pair.new.name} 在新规则下适用于本案")
                en.append(f"{pair.rule} {pair.new.name} now applies to the case")
            else:
                zh.append(f"{pair.rule} {pair.new.name} 在新规则下不再适用于本案")
                en.append(f"{pair.rule} {pair.new.name} no longer applies to the case")
        if pair.param_zh:
            zh.append(pair.param_zh)
            en.append(pair.param_en)
        if self.days:
            first = start_day(pair.new, start_event)
            last = max(d for d in (old_due, new_due) if d is not None)
            for ordinal in range(first, last + 1):
                reason = self.days.get(ordinal)
                if reason is not None:
                    zh.append(reason[0])
                    en.append(reason[1])
        new_period = pair.new
        done_at: str | None = None
        for index in range(trigger + 1, len(events)):
            activity = events[index].activity
            if activity in new_period.until or activity in new_period.cancelled_by:
                done_at = events[index].at
                break
        return DueChange(
            case=start_event.case,
            org=org,
            rule=pair.rule,
            period=new_period.name,
            start_activity=start_event.activity,
            start_at=start_event.at,
            old_due=None if old_due is None else date.fromordinal(old_due),
            new_due=None if new_due is None else date.fromordinal(new_due),
            reason_zh="；".join(zh) or "期限的计算方式改变",
            reason_en="; ".join(en) or "the reckoning changed",
            done_at=done_at,
            old_reckoning=_explain(pair.old, self.old.calendar, start_event, old_due),
            new_reckoning=_explain(pair.new, self.new.calendar, start_event, new_due),
        )


def _explain(period: Period, calendar: LegalCalendar, start: Event, due: int | None) -> str:
    """The reckoning as the audit explains it; a pause or an agreed extension is named."""
    if due is None or period.days is None:
        return ""
    plain = calendar.due(date.fromordinal(start_day(period, start)), period.days, period.unit)
    text = plain.explain_zh()
    if plain.due.toordinal() != due:
        text += f"；因暂停或约定延长，期限为{date.fromordinal(due)}"
    return text


# -- armed timers of open cases ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TimerChange:
    """An armed timer of an open case that would fire at another time under the proposal."""

    case: str
    org: str
    timer: str  # the BPMN timer event's id
    armed: datetime  # when it fires today
    would_fire: datetime | None  # when it would fire; None: the period would no longer apply
    change: DueChange

    @property
    def shift(self) -> int | None:
        return self.change.shift


def timer_changes(
    comparer: Comparer, events: Sequence[Event], timers: Sequence[tuple[str, datetime]]
) -> list[TimerChange]:
    """The timers (BPMN id, due time) of one open case whose period's due date would move.

    A timer is matched to a still-open period by its date: the engine arms each one at the end
    of the period's due day (24:00 Asia/Shanghai, the first instant of the next day), so an
    armed timer ending the old due date of a period
    that has neither been met nor cancelled is that period's timer (or a reminder at the same
    moment, which moves with it). It would fire the same number of days earlier or later.
    """
    if not timers:
        return []
    moves = [d for d in comparer.due_changes(events) if d.done_at is None and d.old_due]
    found: list[TimerChange] = []
    for name, when in timers:
        armed = when.astimezone(SHANGHAI)  # the due day is a Shanghai day; show it there too
        day = (armed - timedelta(microseconds=1)).date()  # 24:00 ends the day before
        for move in moves:
            if move.old_due != day:
                continue
            shift = move.shift
            would = None if shift is None else armed + timedelta(days=shift)
            found.append(TimerChange(move.case, move.org, name, armed, would, move))
            break
    return found


# -- whole logs --------------------------------------------------------------------------------


class _Collector:
    def __init__(self, comparer: Comparer) -> None:
        self.comparer = comparer
        self.old: list[Finding] = []
        self.new: list[Finding] = []
        self.moves: list[DueChange] = []
        self.errors: list[InputError] = []

    def case(self, events: Sequence[Event], as_of_day: int) -> None:
        try:
            old, new = self.comparer.findings(events, as_of_day)
            moves = self.comparer.due_changes(events)
        except CalendarError as exc:
            self.errors.append(_unreckonable(events, exc))
            return
        self.old.extend(old)
        self.new.extend(new)
        self.moves.extend(moves)

    def result(
        self, cases: int, events: int, as_of: datetime, errors: list[InputError]
    ) -> WhatIfResult:
        as_of_day = shanghai_day(as_of.timestamp())

        def due_now(found: list[Finding]) -> list[Finding]:
            # Checked as of the end of time when the audit time was not yet known (streamed):
            # a `missing` finding exists exactly when the audit day is past its due date.
            kept = [
                f
                for f in found
                if not (
                    f.kind == "missing" and f.due is not None and f.due.toordinal() >= as_of_day
                )
            ]
            kept.sort(key=Finding.sort_key)
            return kept

        old, new = due_now(self.old), due_now(self.new)
        appeared, disappeared = diff_findings(old, new)
        self.moves.sort(key=lambda d: (d.case, d.rule, d.period, d.start_at))
        return WhatIfResult(
            cases=cases,
            events=events,
            as_of=as_of,
            old=self.comparer.old.label,
            new=self.comparer.new.label,
            old_findings=old,
            new_findings=new,
            appeared=appeared,
            disappeared=disappeared,
            due_changes=self.moves,
            input_errors=errors + self.errors,
        )


def _latest(latest: Event | None) -> datetime:
    if latest is None:
        return datetime.now(SHANGHAI).replace(microsecond=0)
    return parse_datetime(latest.at) or datetime.fromisoformat(latest.at)


def whatif(
    events: Iterable[Event | InputError],
    old: Scenario,
    new: Scenario,
    as_of: datetime | None = None,
) -> WhatIfResult:
    """Compare a whole log under two scenarios, grouping its cases in memory (as audit() does)."""
    items = events if isinstance(events, list) else list(events)
    errors = [i for i in items if isinstance(i, InputError)]
    with _collector_paused():
        good = [i for i in items if type(i) is Event]
        cases = group_cases(good)
        if as_of is None:
            as_of = _latest(max(good, key=lambda e: e.ts, default=None))
        as_of_day = shanghai_day(as_of.timestamp())
        collector = _Collector(Comparer(old, new))
        for case_events in cases.values():
            collector.case(case_events, as_of_day)
        return collector.result(len(cases), len(good), as_of, errors)


def whatif_streamed(
    events: Iterable[Event | InputError],
    old: Scenario,
    new: Scenario,
    as_of: datetime | None = None,
) -> WhatIfResult | None:
    """whatif() case by case for a log whose cases are contiguous (audit_streamed's contract):
    None as soon as a case comes back, and the caller runs whatif() on the log again."""
    collector = _Collector(Comparer(old, new))
    as_of_day = _FAR if as_of is None else shanghai_day(as_of.timestamp())
    errors: list[InputError] = []
    finished: set[int] = set()
    bucket: list[Event] = []
    current = ""
    cases = count = 0
    latest: Event | None = None
    latest_ts = float("-inf")

    def check(case_events: list[Event]) -> None:
        if len(case_events) > 1:
            case_events.sort(key=lambda e: (e.ts, e.seq))
        collector.case(case_events, as_of_day)

    with _collector_paused():
        for item in events:
            if type(item) is not Event:
                if isinstance(item, InputError):
                    errors.append(item)
                continue
            count += 1
            if item.ts > latest_ts:
                latest_ts, latest = item.ts, item
            case = item.case
            if case is current or case == current:
                bucket.append(item)
                continue
            if bucket:
                check(bucket)
            key = hash(case)
            if key in finished:
                return None
            finished.add(key)
            cases += 1
            current, bucket = case, [item]
        if bucket:
            check(bucket)
        return collector.result(cases, count, as_of or _latest(latest), errors)


# -- proposals read from files -------------------------------------------------------------------


def proposed_pack(base: RulePack, path: Path) -> RulePack:
    """A proposed pack: a directory laid out like standard_rules/data (a whole pack), or one TOML
    file of `[[rule]]` tables in the format of data/rules/*.toml, each replacing the base rule of
    the same id (or adding one). Errors name the file and the field, as load_pack's do."""
    if path.is_dir():
        return load_pack(path)
    from standard_rules import pack as packmod

    try:
        raw = path.read_bytes()
        doc: dict[str, Any] = tomllib.loads(raw.decode("utf-8"))
    except FileNotFoundError:
        raise PackError(f"{path}: file not found") from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise PackError(f"{path}: not valid TOML: {exc}") from exc
    entries = doc.get("rule")
    if (
        not isinstance(entries, list)
        or not entries
        or not all(isinstance(e, dict) for e in entries)
    ):
        raise PackError(f"{path}: field 'rule' must be one or more [[rule]] tables")
    section = str(doc.get("section", path.stem))
    rules = dict(base.rules)
    files: dict[str, Path] = {rule_id: Path("pack") for rule_id in rules}
    for i, entry in enumerate(entries):
        rule = packmod._rule(entry, f"{path}: rule[{i}]", section)
        rules[rule.id], files[rule.id] = rule, path
    digest = hashlib.sha256(base.digest.encode() + b"\0" + raw).hexdigest()
    version = doc.get("version", f"{base.version}+{path.stem}")
    pack = replace(
        base,
        name=str(doc.get("name", base.name)),
        version=str(version),
        digest=digest,
        rules=dict(sorted(rules.items(), key=lambda kv: (kv[0][0] != "R", kv[0]))),
    )
    packmod._validate(pack.rules, pack, files)
    return pack


def proposed_calendar(
    base: Mapping[int, YearSchedule], paths: Iterable[Path]
) -> tuple[LegalCalendar, str]:
    """Today's official schedules with each schedule file's year replaced; and a label."""
    schedules = dict(base)
    names = []
    for path in paths:
        schedule = load_schedule_file(path)
        schedules[schedule.year] = schedule
        names.append(f"cn-{schedule.year}: {schedule.source}")
    return LegalCalendar(schedules), "拟用 proposed " + "; ".join(names)
