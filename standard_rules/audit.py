"""The conformance checker: every case of an event log against the rule pack's checks.

Pure and fast: it works on parsed events and day ordinals, so the engine's property tests, the API
and the command line all call the same function, on a million events as on one case.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from operator import attrgetter

from standard_rules.deadlines import Reckoning, reckon_fields
from standard_rules.errors import CalendarError
from standard_rules.eventlog import Event, InputError, parse_date, parse_datetime, shanghai_day
from standard_rules.legal_calendar import LegalCalendar
from standard_rules.pack import Check, Period, Rule, RulePack
from standard_rules.timezone import SHANGHAI

KIND_ZH = {
    "late": "逾期",
    "missing": "缺失",
    "order": "顺序错误",
    "invalid": "无效",
    "early": "过早",
    "stalled": "停滞",
}
# The version of contract/EVENTS.md this checker implements (`suitiao audit --format json`).
# v1 logs are read as before: v2 only added vocabulary and checks.
CONTRACT_VERSION = "2"


@dataclass(frozen=True, slots=True)
class Evidence:
    activity: str
    at: str
    line: int
    file: str


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule broken in one case."""

    case: str
    rule: str
    kind: str  # late | missing | order | invalid | early | stalled
    message: str
    due: date | None = None
    at: str | None = None  # the offending event's time (late, order, invalid)
    evidence: tuple[Evidence, ...] = ()
    explanation: str = ""  # how the due date was reckoned
    message_en: str = ""
    org: str = ""  # the case's organisation (case_org), for reports by organisation

    def sort_key(self) -> tuple[str, str, str, str]:
        return (self.case, self.rule, self.due.isoformat() if self.due else "", self.at or "")


def _filed(f: Finding, org: str) -> Finding:
    """The finding filed under `org` (dataclasses.replace, without its cost: every step
    re-audits its case)."""
    return Finding(
        f.case, f.rule, f.kind, f.message, f.due, f.at, f.evidence, f.explanation, f.message_en, org
    )


@dataclass
class AuditResult:
    cases: int
    events: int
    as_of: datetime
    rule_pack: str
    findings: list[Finding] = field(default_factory=list)
    input_errors: list[InputError] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return 1 if self.findings or self.input_errors else 0


LAPSE_ACTIVITIES = frozenset(
    {"mediation_timed_out", "consent_refused", "referral_declined", "confirmation_withdrawn"}
)


def _is_lapse(event: Event) -> bool:
    """An event the lapse of a period causes: a timeout, or a refusal, decline or withdrawal that
    the system recorded (role `system`, EVENTS.md; the engine also marks them `deemed`)."""
    if event.activity == "mediation_timed_out":
        return True
    return event.activity in LAPSE_ACTIVITIES and (
        event.role == "system" or event.data.get("deemed") is True
    )


def _evidence(*events: Event) -> tuple[Evidence, ...]:
    return tuple(Evidence(e.activity, e.at, e.line, e.source) for e in events)


class Checker:
    """Checks cases against one pack and one calendar; build once, call per case."""

    def __init__(self, pack: RulePack, calendar: LegalCalendar) -> None:
        self.pack = pack
        self.calendar = calendar
        self.deadline_rules: list[tuple[Rule, list[Period]]] = []
        self.precedes: list[Rule] = []
        self.reported: list[Rule] = []
        self.supported: list[Rule] = []
        self.stalled: list[tuple[Rule, Period]] = []
        # lapse activity -> the periods whose lapse it records (R01, R06, R16/R17, R48, R63)
        self.lapses: dict[str, list[tuple[Rule, Period]]] = {}
        for rule in pack.rules.values():
            check = rule.check
            if check is None:
                continue
            if check.type == "deadline":
                periods = [
                    p
                    for p in rule.periods
                    if p.days is not None and (not check.periods or p.name in check.periods)
                ]
                self.deadline_rules.append((rule, periods))
            elif check.type == "precedes":
                self.precedes.append(rule)
            elif check.type == "reported_before_close":
                self.reported.append(rule)
            elif check.type == "outcome_supported":
                self.supported.append(rule)
            elif check.type == "stalled":
                self.stalled.extend((rule, p) for p in rule.periods if p.days is not None)
        for rule in pack.rules.values():
            for period in rule.periods:
                if period.lapse and period.days is not None:
                    self.lapses.setdefault(period.lapse, []).append((rule, period))
        self.triggers = frozenset(
            s for _, ps in self.deadline_rules for p in ps for s in (p.start, p.online_from) if s
        )
        self.mediation_outcomes = pack.mediation_outcomes
        # (rule, period, check) in pack order, so findings come out in the same order always.
        self._plan: list[tuple[Rule, Period, Check]] = [
            (rule, period, rule.check)
            for rule, periods in self.deadline_rules
            for period in periods
            if rule.check is not None
        ]
        # Memos for one audit: a period's due date from a start day, and whether a period
        # applies to a case in a given mode / procedure / channel (a handful of combinations).
        self._due: dict[tuple[int, int], int] = {}
        self._applies: dict[tuple[int, str | None, str | None, str | None], bool] = {}
        self._dates: dict[str, int | None] = {}

    # -- one case ----------------------------------------------------------------------------

    def check_case(self, events: Sequence[Event], as_of_day: int) -> list[Finding]:
        """Findings for one case; `events` in case order (by time, ties by file order)."""
        at: dict[str, list[int]] = {}
        for index, event in enumerate(events):
            indices = at.get(event.activity)
            if indices is None:
                at[event.activity] = [index]
            else:
                indices.append(index)
        findings: list[Finding] = []
        conditions: dict[int, dict[str, str | None]] = {}
        online = _online(events, at)
        for slot, (rule, period, check) in enumerate(self._plan):
            triggers = at.get(period.start_for(online))
            if triggers is None:
                continue
            for trigger in triggers:
                if period.when and not self._period_applies(
                    slot, period, events, at, trigger, conditions
                ):
                    continue
                self._deadline(slot, rule, period, check, events, trigger, as_of_day, at, findings)
        if self.precedes:
            for rule in self.precedes:
                self._precedes(rule, events, at, findings)
        if "case_closed" in at:  # both of these look at how a case was closed
            for rule in self.reported:
                self._reported(rule, events, at, findings)
            for rule in self.supported:
                self._supported(rule, events, at, findings)
        elif self.stalled:
            self._stalled(events, at, as_of_day, findings)
        for code, periods in self.lapses.items():
            for index in at.get(code, ()):
                if _is_lapse(events[index]):
                    self._early(periods, events, at, index, online, conditions, findings)
        if findings:
            org = case_org(events)
            if org:
                findings = [_filed(f, org) for f in findings]
        return findings

    def _period_applies(
        self,
        slot: int,
        period: Period,
        events: Sequence[Event],
        at: Mapping[str, list[int]],
        trigger: int,
        conditions: dict[int, dict[str, str | None]],
    ) -> bool:
        """period.applies() to the case as known at events[trigger] (case_conditions)."""
        known = conditions.get(trigger)
        if known is None:
            known = conditions[trigger] = _conditions(events, at, trigger)
        key = (slot, known["mode"], known["procedure"], known["channel"])
        try:
            answer = self._applies.get(key)
        except TypeError:  # a data value that is not text (a list, say): nothing to remember
            return period.applies(known)
        if answer is None:
            answer = self._applies[key] = period.applies(known)
        return answer

    def _start_day(self, period: Period, event: Event) -> int | None:
        """The day in the start event's data that a period counts from (start_day), if any."""
        value = event.data.get(period.from_field or "")
        if type(value) is not str:
            return parse_date(value)
        try:
            return self._dates[value]
        except KeyError:
            day = parse_date(value)
            if len(self._dates) < 100_000:
                self._dates[value] = day
            return day

    def _deadline(
        self,
        slot: int,
        rule: Rule,
        period: Period,
        check: Check,
        events: Sequence[Event],
        trigger: int,
        as_of_day: int,
        at: Mapping[str, list[int]],
        findings: list[Finding],
    ) -> None:
        if period.adjust or period.days is None:
            result = reckon_fields(period, self.calendar, events, trigger)
        else:
            # reckon() for a period that nothing moves: the first event that ends it, and the due
            # date from the start day (remembered: a log has a few hundred distinct days).
            start = self._start_day(period, events[trigger]) if period.from_field else None
            if start is None:
                start = events[trigger].day
            due_key = (slot, start)
            due_day = self._due.get(due_key)
            if due_day is None:
                due_day = self._due[due_key] = self.calendar.due_ordinal(
                    start, period.days, period.unit
                )
            until, cancelled_by = period.until, period.cancelled_by
            result = (due_day, start, None, False, None, 0, False, None)
            for index in range(trigger + 1, len(events)):
                activity = events[index].activity
                if activity in until:
                    result = (due_day, start, index, False, None, 0, False, None)
                    break
                if activity in cancelled_by:
                    result = (due_day, start, None, False, None, 0, False, index)
                    break
        due, satisfied_at, cancelled_at = result[0], result[2], result[7]
        if satisfied_at is not None:
            done = events[satisfied_at]
            # A lapse is recorded when the due date has ended, at 00:00 of the day after: only
            # one dated later than that day is late.
            if due is not None and done.day > due + (1 if _is_lapse(done) else 0):
                findings.append(
                    self._late(rule, period, events[trigger], done, due, Reckoning(*result))
                )
            if check.require_field and done.data.get(check.require_field) != check.require_value:
                start_event = events[trigger]
                findings.append(
                    Finding(
                        case=done.case,
                        rule=rule.id,
                        kind="invalid",
                        at=done.at,
                        evidence=_evidence(start_event, done),
                        message=f"{rule.title_zh}：{done.activity} 的 {check.require_field} "
                        f"应为 {check.require_value!r}，"
                        f"实为 {done.data.get(check.require_field)!r}",
                        message_en=f"{rule.id}: {done.activity}.{check.require_field} must be "
                        f"{check.require_value!r}, was {done.data.get(check.require_field)!r}",
                    )
                )
            return
        if not check.missing or due is None or cancelled_at is not None:
            return
        closes = at.get("case_closed")
        if closes and any(c > trigger and events[c].day <= due for c in closes):
            return  # the case ended inside the period: nothing was left owing
        if as_of_day > due:
            findings.append(self._missing(rule, period, events[trigger], due, Reckoning(*result)))

    def _early(
        self,
        periods: Sequence[tuple[Rule, Period]],
        events: Sequence[Event],
        at: Mapping[str, list[int]],
        lapse: int,
        online: bool,
        conditions: dict[int, dict[str, str | None]],
        findings: list[Finding],
    ) -> None:
        """`early`: events[lapse] records the lapse of a period before that period had ended.

        The period it belongs to is the one it ends: of the periods whose lapse it records, the
        latest start before it (after a re-referral, the new receipt) whose reckoning, pauses and
        extensions included, is closed by this very event.
        """
        done = events[lapse]
        for rule, period in periods:
            starts = [i for i in at.get(period.start_for(online), ()) if i < lapse]
            for trigger in reversed(starts):
                if period.when:
                    known = conditions.get(trigger)
                    if known is None:
                        known = conditions[trigger] = _conditions(events, at, trigger)
                    if not period.applies(known):
                        continue
                result = reckon_fields(period, self.calendar, events, trigger)
                if lapse not in (result[2], result[7]):
                    continue
                due = result[0]
                if due is None or done.day <= due:
                    finding = self._early_finding(rule, period, events[trigger], done, due)
                    if due is not None:
                        explained = self._explain(
                            period, result[1], due, result[5], result[4] is not None
                        )
                        finding = replace(finding, explanation=explained)
                    findings.append(finding)
                return

    def _early_finding(
        self, rule: Rule, period: Period, start: Event, done: Event, due: int | None
    ) -> Finding:
        if due is None:
            ends_zh, ends_en = "期限已因暂停或无期限延长而未届满", "had no due date running"
            due_date = None
        else:
            due_date = date.fromordinal(due)
            ends_zh = f"至 {due_date} 24:00 方届满"
            ends_en = f"ran to the end of {due_date}"
        return Finding(
            case=done.case,
            rule=rule.id,
            kind="early",
            due=due_date,
            at=done.at,
            evidence=_evidence(start, done),
            message=f"{rule.title_zh}：{period.describe()}自 {start.activity}（{start.date}）起算，"
            f"{ends_zh}，期满才可记录的 {done.activity} 却于 {done.at} 记录",
            message_en=f"{rule.title_en}: {period.describe()} from {start.activity} on "
            f"{start.date} {ends_en}; the lapse {done.activity} was recorded early, at {done.at}",
        )

    def _stalled(
        self,
        events: Sequence[Event],
        at: Mapping[str, list[int]],
        as_of_day: int,
        findings: list[Finding],
    ) -> None:
        """T02: an open case that is not paused shows some event in the last N days."""
        starts = at.get("pause_started")
        if starts:
            ends = [
                i
                for code in ("pause_ended", *self.mediation_outcomes)
                for i in at.get(code, ())
                if i > starts[-1]
            ]
            if not ends:
                return  # paused (an appraisal under way): waiting is not stalling
        last = events[-1]
        for rule, period in self.stalled:
            assert period.days is not None  # noqa: S101 (only day periods are kept)
            due = last.day + period.days
            if as_of_day <= due:
                continue
            due_date = date.fromordinal(due)
            findings.append(
                Finding(
                    case=last.case,
                    rule=rule.id,
                    kind="stalled",
                    due=due_date,
                    evidence=_evidence(last),
                    explanation=f"最后事件 {last.activity}（{last.date}）后{period.days}个日历日"
                    "（服务检查，非法定期限）",
                    message=f"{rule.title_zh}：未结案且未暂停，最后事件 {last.activity}"
                    f"（{last.date}）后至 {due_date} 仍无任何事件",
                    message_en=f"{rule.title_en}: open and not paused, no event since "
                    f"{last.activity} on {last.date} (quiet past {due_date})",
                )
            )

    def _explain(self, period: Period, start: int, due: int, pause_days: int, fixed: bool) -> str:
        if period.days is None:
            return ""
        text = self.calendar.due(date.fromordinal(start), period.days, period.unit).explain_zh()
        if pause_days:
            text += f"；鉴定评估等暂停{pause_days}日不计入"
        if fixed:
            text += f"；双方同意延长至{date.fromordinal(due)}"
        return text

    def _late(
        self, rule: Rule, period: Period, start: Event, done: Event, due: int, result: Reckoning
    ) -> Finding:
        due_date = date.fromordinal(due)
        return Finding(
            case=done.case,
            rule=rule.id,
            kind="late",
            due=due_date,
            at=done.at,
            evidence=_evidence(start, done),
            explanation=self._explain(
                period, result.start, due, result.pause_days, result.extended_until is not None
            ),
            message=f"{rule.title_zh}：{period.describe()}自 {start.activity}（{start.date}）起算，"
            f"应于 {due_date} 前完成，{done.activity} 于 {done.date} 才发生",
            message_en=f"{rule.title_en}: {period.describe()} from {start.activity} on "
            f"{start.date} was due {due_date}; {done.activity} came on {done.date}",
        )

    def _missing(
        self, rule: Rule, period: Period, start: Event, due: int, result: Reckoning
    ) -> Finding:
        due_date = date.fromordinal(due)
        wanted = " / ".join(period.until)
        return Finding(
            case=start.case,
            rule=rule.id,
            kind="missing",
            due=due_date,
            evidence=_evidence(start),
            explanation=self._explain(
                period, result.start, due, result.pause_days, result.extended_until is not None
            ),
            message=f"{rule.title_zh}：{period.describe()}自 {start.activity}（{start.date}）起算，"
            f"{due_date} 已届满，未见 {wanted}",
            message_en=f"{rule.title_en}: {period.describe()} from {start.activity} on "
            f"{start.date} ended {due_date} with no {wanted}",
        )

    def _precedes(
        self,
        rule: Rule,
        events: Sequence[Event],
        at: Mapping[str, list[int]],
        findings: list[Finding],
    ) -> None:
        check = rule.check
        assert check is not None  # noqa: S101
        for index in at.get(check.activity, ()):
            # each list of indices is in ascending order: its first is the earliest
            earlier = [
                code for code in check.requires if (seen := at.get(code)) and seen[0] < index
            ]
            if not earlier:
                event = events[index]
                findings.append(
                    Finding(
                        case=event.case,
                        rule=rule.id,
                        kind="order",
                        at=event.at,
                        evidence=_evidence(event),
                        message=f"{rule.title_zh}：{event.activity}（{event.date}）之前未见 "
                        f"{' / '.join(check.requires)}",
                        message_en=f"{rule.title_en}: no {' / '.join(check.requires)} before "
                        f"{event.activity} on {event.date}",
                    )
                )

    def _reported(
        self,
        rule: Rule,
        events: Sequence[Event],
        at: Mapping[str, list[int]],
        findings: list[Finding],
    ) -> None:
        check = rule.check
        assert check is not None  # noqa: S101
        if "referred" not in at or "case_closed" not in at:
            return
        outcomes = sorted(i for code in self.mediation_outcomes for i in at.get(code, ()))
        if not outcomes:
            return
        for close in at["case_closed"]:
            before = [i for i in outcomes if i < close]
            if not before:
                continue
            last = before[-1]
            outcome = events[last]
            accepted = set(check.report)
            if (
                outcome.activity == "agreement_signed"
                and _conditions(events, at, last)["mode"] == "pre_filing"
            ):
                accepted |= set(check.pre_filing_agreement)
            if any(last < i < close for code in accepted for i in at.get(code, ())):
                continue
            closing = events[close]
            findings.append(
                Finding(
                    case=closing.case,
                    rule=rule.id,
                    kind="missing",
                    at=closing.at,
                    evidence=_evidence(outcome, closing),
                    message=f"{rule.title_zh}：{outcome.activity}（{outcome.date}）后未书面报告法院"
                    f"（{' / '.join(sorted(accepted))}）即结案",
                    message_en=f"{rule.title_en}: closed after {outcome.activity} on "
                    f"{outcome.date} without {' / '.join(sorted(accepted))}",
                )
            )
            return

    def _supported(
        self,
        rule: Rule,
        events: Sequence[Event],
        at: Mapping[str, list[int]],
        findings: list[Finding],
    ) -> None:
        for close in at.get("case_closed", ()):
            event = events[close]
            code = event.data.get("outcome")
            outcome = self.pack.outcomes.get(code) if isinstance(code, str) else None
            problem = ""
            if outcome is None:
                problem = f"结案结果 {code!r} 不是已知结果代码"
            else:
                # each list of indices is in ascending order: its first is the earliest
                missing = [
                    a for a in outcome.requires if not (seen := at.get(a)) or seen[0] >= close
                ]
                if missing:
                    problem = f"结案结果 {code} 缺少在先事件 {' / '.join(missing)}"
                elif outcome.where:
                    last = max(i for i in at[outcome.requires[-1]] if i < close)
                    data = events[last].data
                    wrong = {k: v for k, v in outcome.where.items() if data.get(k) != v}
                    if wrong:
                        key, value = next(iter(wrong.items()))
                        problem = (
                            f"结案结果 {code} 要求 {outcome.requires[-1]} 的 {key} 为 {value!r}，"
                            f"实为 {data.get(key)!r}"
                        )
            if problem:
                findings.append(
                    Finding(
                        case=event.case,
                        rule=rule.id,
                        kind="invalid",
                        at=event.at,
                        evidence=_evidence(event),
                        message=f"{rule.title_zh}：{problem}",
                        message_en=f"{rule.title_en}: outcome {code!r} is not supported by an "
                        "earlier event",
                    )
                )


def case_org(events: Sequence[Event]) -> str:
    """The organisation a case is reported under: the first `org` its events name (the court or
    the 消保委 that received it), else the mediator organisation it was referred to, else ""."""
    for event in events:
        if event.org:
            return event.org
    for event in events:
        if event.activity == "referred":
            named = event.data.get("mediator_org")
            if isinstance(named, str) and named:
                return named
    return ""


def _online(events: Sequence[Event], at: Mapping[str, list[int]]) -> bool:
    """Whether the dispute came in online (R18): then mediation counts from the acceptance."""
    return any(events[i].data.get("channel") == "online" for i in at.get("dispute_received", ()))


def _conditions(
    events: Sequence[Event], at: Mapping[str, list[int]], before: int
) -> dict[str, str | None]:
    """case_conditions(events, before), read through the case's index of activities."""
    found: dict[str, str | None] = {"mode": None, "procedure": None, "channel": None}
    for index in at.get("referred", ()):
        if index > before:
            break
        data = events[index].data
        found["mode"] = data.get("mode")
        found["procedure"] = data.get("procedure")
    for index in at.get("dispute_received", ()):
        if index > before:
            break
        channel = events[index].data.get("channel")
        if channel:
            found["channel"] = channel
    return found


_TIME = attrgetter("ts")
_TIME_THEN_FILE_ORDER = attrgetter("ts", "seq")


def group_cases(events: Iterable[Event]) -> dict[str, list[Event]]:
    """Events by case, each case in order of time, ties in file order."""
    cases: dict[str, list[Event]] = {}
    for event in events:
        bucket = cases.get(event.case)
        if bucket is None:
            cases[event.case] = [event]
        else:
            bucket.append(event)
    for bucket in cases.values():
        if len(bucket) > 1:
            bucket.sort(key=_TIME_THEN_FILE_ORDER)
    return cases


def _unreckonable(events: Sequence[Event], exc: CalendarError) -> InputError:
    """An input error for a case whose dates cannot be reckoned, at its outlying event."""
    culprit = events[-1]
    if len(events) > 1 and events[1].day - events[0].day > events[-1].day - events[-2].day:
        culprit = events[0]
    return InputError(
        culprit.source, culprit.line, f"case {culprit.case!r} could not be audited: {exc}"
    )


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while the checker runs.

    The audit builds no reference cycles (everything it makes is freed by reference counting),
    but with a million events alive every collection it triggers walks all of them for
    nothing. Only the checker's own code runs inside; the previous state is restored.
    """
    enabled = gc.isenabled()
    if enabled:
        gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def audit(
    events: Iterable[Event | InputError],
    pack: RulePack,
    calendar: LegalCalendar,
    as_of: datetime | None = None,
) -> AuditResult:
    """Audit a whole log. `as_of` defaults to the latest event (contract/CLI.md)."""
    items = events if isinstance(events, list) else list(events)  # runs the caller's iterator
    errors: list[InputError] = []
    with _collector_paused():
        good: list[Event] = []
        for item in items:
            if isinstance(item, InputError):
                errors.append(item)
            else:
                good.append(item)
        cases = group_cases(good)
        if as_of is None:
            latest = max(good, key=_TIME, default=None)
            as_of = (
                (parse_datetime(latest.at) or datetime.fromisoformat(latest.at))
                if latest is not None
                else datetime.now(SHANGHAI).replace(microsecond=0)
            )
        as_of_day = shanghai_day(as_of.timestamp())
        checker = Checker(pack, calendar)
        findings: list[Finding] = []
        check_case = checker.check_case
        for case_events in cases.values():
            try:
                found = check_case(case_events, as_of_day)
            except CalendarError as exc:
                # A date the legal calendar cannot reckon (a year typed 2199, say) spoils its own
                # case only: reported like a bad line, and the other cases are still audited.
                errors.append(_unreckonable(case_events, exc))
                continue
            if found:
                findings.extend(found)
        findings.sort(key=Finding.sort_key)
    return AuditResult(
        cases=len(cases),
        events=len(good),
        as_of=as_of,
        rule_pack=pack.stamp,
        findings=findings,
        input_errors=errors,
    )


def audit_streamed(
    events: Iterable[Event | InputError],
    pack: RulePack,
    calendar: LegalCalendar,
    as_of: datetime | None = None,
) -> AuditResult | None:
    """audit() case by case as each case ends, for a log whose cases are contiguous.

    A log written case after case (as `suitiao export` and most case systems write it) is
    audited holding one case's events at a time: memory does not grow with the number of events.
    What does grow is small: a set of the finished cases' hashes (to notice a case coming back)
    and the findings. When a case comes back after another one began, the log is not contiguous
    and None is returned at once: the caller audits it again with audit(), which groups every
    event by case in memory. The result is the same as audit()'s on the same events.

    `as_of` defaults to the latest event, which is only known at the end: every case is checked
    as if the audit time were the end of time, and the `missing` findings whose due date has not
    passed at the real audit time are dropped at the end (a `missing` deadline finding is made
    exactly when the audit day is past its due date, so this gives the same findings).
    """
    checker = Checker(pack, calendar)
    check_case = checker.check_case
    far = date.max.toordinal()
    errors: list[InputError] = []
    unreckonable: list[InputError] = []
    findings: list[Finding] = []
    finished: set[int] = set()
    bucket: list[Event] = []
    current = ""
    cases = count = 0
    latest: Event | None = None
    latest_ts = float("-inf")

    def check(case_events: list[Event]) -> None:
        if len(case_events) > 1:
            case_events.sort(key=_TIME_THEN_FILE_ORDER)
        try:
            found = check_case(case_events, far)
        except CalendarError as exc:
            unreckonable.append(_unreckonable(case_events, exc))
            return
        if found:
            findings.extend(found)

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
                return None  # the case came back: not contiguous (or a hash collision)
            finished.add(key)
            cases += 1
            current, bucket = case, [item]
        if bucket:
            check(bucket)
        if as_of is None:
            as_of = (
                (parse_datetime(latest.at) or datetime.fromisoformat(latest.at))
                if latest is not None
                else datetime.now(SHANGHAI).replace(microsecond=0)
            )
        as_of_day = shanghai_day(as_of.timestamp())
        findings = [
            f
            for f in findings
            if not (
                f.kind in ("missing", "stalled")
                and f.due is not None
                and f.due.toordinal() >= as_of_day
            )
        ]
        findings.sort(key=Finding.sort_key)
    return AuditResult(
        cases=cases,
        events=count,
        as_of=as_of,
        rule_pack=pack.stamp,
        findings=findings,
        input_errors=errors + unreckonable,
    )
