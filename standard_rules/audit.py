"""The conformance checker: every case of an event log against the rule pack's checks.

Pure and fast: it works on parsed events and day ordinals, so the engine's property tests, the API
and the command line all call the same function, on a million events as on one case.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from standard_rules.deadlines import case_conditions, reckon
from standard_rules.eventlog import Event, InputError, shanghai_day
from standard_rules.legal_calendar import LegalCalendar
from standard_rules.pack import Period, Rule, RulePack

SHANGHAI = timezone(timedelta(hours=8))
KIND_ZH = {"late": "逾期", "missing": "缺失", "order": "顺序错误", "invalid": "无效"}


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
    kind: str  # late | missing | order | invalid
    message: str
    due: date | None = None
    at: str | None = None  # the offending event's time (late, order, invalid)
    evidence: tuple[Evidence, ...] = ()
    explanation: str = ""  # how the due date was reckoned
    message_en: str = ""

    def sort_key(self) -> tuple[str, str, str, str]:
        return (self.case, self.rule, self.due.isoformat() if self.due else "", self.at or "")


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
        for rule in pack.rules.values():
            check = rule.check
            if check is None:
                continue
            if check.type == "deadline":
                periods = [p for p in rule.periods if p.days is not None]
                self.deadline_rules.append((rule, periods))
            elif check.type == "precedes":
                self.precedes.append(rule)
            elif check.type == "reported_before_close":
                self.reported.append(rule)
            elif check.type == "outcome_supported":
                self.supported.append(rule)
        self.triggers = frozenset(p.start for _, ps in self.deadline_rules for p in ps)
        self.mediation_outcomes = pack.mediation_outcomes

    # -- one case ----------------------------------------------------------------------------

    def check_case(self, events: Sequence[Event], as_of_day: int) -> list[Finding]:
        """Findings for one case; `events` in case order (by time, ties by file order)."""
        at: dict[str, list[int]] = {}
        for index, event in enumerate(events):
            at.setdefault(event.activity, []).append(index)
        findings: list[Finding] = []
        for rule, periods in self.deadline_rules:
            for period in periods:
                for trigger in at.get(period.start, ()):
                    self._deadline(rule, period, events, trigger, as_of_day, at, findings)
        for rule in self.precedes:
            self._precedes(rule, events, at, findings)
        for rule in self.reported:
            self._reported(rule, events, at, findings)
        for rule in self.supported:
            self._supported(rule, events, at, findings)
        return findings

    def _deadline(
        self,
        rule: Rule,
        period: Period,
        events: Sequence[Event],
        trigger: int,
        as_of_day: int,
        at: Mapping[str, list[int]],
        findings: list[Finding],
    ) -> None:
        if period.when and not period.applies(case_conditions(events, trigger)):
            return
        check = rule.check
        assert check is not None  # noqa: S101 - deadline_rules only holds checked rules
        result = reckon(period, self.calendar, events, trigger)
        start_event = events[trigger]
        if result.satisfied_at is not None:
            done = events[result.satisfied_at]
            if result.due is not None and done.day > result.due:
                findings.append(self._late(rule, period, start_event, done, result.due, result))
            if check.require_field and done.data.get(check.require_field) != check.require_value:
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
        if not check.missing or result.due is None or result.cancelled_at is not None:
            return
        closes = at.get("case_closed")
        if closes and any(c > trigger and events[c].day <= result.due for c in closes):
            return  # the case ended inside the period: nothing was left owing
        if as_of_day > result.due:
            findings.append(self._missing(rule, period, start_event, result.due, result))

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
        self, rule: Rule, period: Period, start: Event, done: Event, due: int, result: object
    ) -> Finding:
        from standard_rules.deadlines import Reckoning

        assert isinstance(result, Reckoning)  # noqa: S101
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
        self, rule: Rule, period: Period, start: Event, due: int, result: object
    ) -> Finding:
        from standard_rules.deadlines import Reckoning

        assert isinstance(result, Reckoning)  # noqa: S101
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
            earlier = [i for code in check.requires for i in at.get(code, ()) if i < index]
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
            conditions = case_conditions(events, last)
            if outcome.activity == "agreement_signed" and conditions["mode"] == "pre_filing":
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
                missing = [a for a in outcome.requires if not any(i < close for i in at.get(a, ()))]
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
        bucket.sort(key=lambda e: (e.ts, e.seq))
    return cases


def audit(
    events: Iterable[Event | InputError],
    pack: RulePack,
    calendar: LegalCalendar,
    as_of: datetime | None = None,
) -> AuditResult:
    """Audit a whole log. `as_of` defaults to the latest event (contract/CLI.md)."""
    errors: list[InputError] = []
    good: list[Event] = []
    for item in events:
        if isinstance(item, InputError):
            errors.append(item)
        else:
            good.append(item)
    cases = group_cases(good)
    if as_of is None:
        latest = max(good, key=lambda e: e.ts, default=None)
        as_of = (
            datetime.fromisoformat(latest.at)
            if latest is not None
            else datetime.now(SHANGHAI).replace(microsecond=0)
        )
    as_of_day = shanghai_day(as_of.timestamp())
    checker = Checker(pack, calendar)
    findings: list[Finding] = []
    for case_events in cases.values():
        findings.extend(checker.check_case(case_events, as_of_day))
    findings.sort(key=Finding.sort_key)
    return AuditResult(
        cases=len(cases),
        events=len(good),
        as_of=as_of,
        rule_pack=pack.stamp,
        findings=findings,
        input_errors=errors,
    )
