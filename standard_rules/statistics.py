"""The figures the courts and 消保委 publish, computed from case event logs (RULES.md §4).

Pure: callers hand in the cases (each a sequence of events in case order) and the audit's
findings; nothing here reads files. No source defines these figures: the definitions below are
RULES.md §4's proposals, each written into the report with its confidence (low, as RULES.md
says). Every occurrence is counted in the period of the event that defines it (a confirmation on
the day of its ruling, a resolved case on the day it closed, ...), under the case's organisation
(audit.case_org: the first organisation its events name, else the mediator it was referred to).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from statistics import median
from typing import Literal

from standard_rules.audit import Finding, case_org
from standard_rules.eventlog import Event

Grouping = Literal["org", "month", "quarter", "year"]
PERIODS: tuple[Grouping, ...] = ("month", "quarter", "year")
NO_ORG = "（未注明机构）"
RESOLVED = frozenset({"settled_performed", "settled_unconfirmed", "confirmed"})
MEDIATION_OUTCOMES = (
    "agreement_signed",
    "mediation_failed",
    "mediation_withdrawn",
    "mediation_timed_out",
)


@dataclass(frozen=True, slots=True)
class Metric:
    key: str
    zh: str
    en: str
    unit: str  # "件", "元", "%", "日"
    definition: str
    confidence: str
    reported: str = ""  # what has been published (RULES.md §4)


METRICS: tuple[Metric, ...] = (
    Metric(
        "pre_filing_resolved",
        "诉前引导化解件数",
        "cases resolved before filing",
        "件",
        "法院立案前委派调解（referred, mode=pre_filing）且以 settled_performed、"
        "settled_unconfirmed 或 confirmed 结案的案件数；计入结案（case_closed）之日所在期间。",
        "low",
        "临海至2022年底 915 件、345万元 [N1]",
    ),
    Metric(
        "pre_filing_amount",
        "诉前引导化解金额",
        "amount resolved before filing",
        "元",
        "上述案件最后一次 agreement_signed 的 amount 之和（元）。",
        "low",
    ),
    Metric(
        "confirmed",
        "司法确认件数",
        "judicial confirmations",
        "件",
        "confirmation_ruled 且 result=valid 的次数；计入裁定之日所在期间。驳回与不予受理另列。",
        "low",
        "临海至2022年底 487 件、235.61万元 [N1]",
    ),
    Metric(
        "confirmed_amount",
        "司法确认金额",
        "amount confirmed",
        "元",
        "确认有效的协议金额（裁定前最后一次 agreement_signed 的 amount）之和（元）。",
        "low",
    ),
    Metric(
        "confirmation_rejected",
        "司法确认驳回件数",
        "confirmations rejected",
        "件",
        "confirmation_ruled 且 result=rejected 的次数。",
        "low",
    ),
    Metric(
        "confirmation_not_accepted",
        "司法确认不予受理件数",
        "confirmations not accepted",
        "件",
        "confirmation_not_accepted 的次数。",
        "low",
    ),
    Metric(
        "voluntary_rate",
        "自动履行率",
        "voluntary performance rate",
        "%",
        "已结案且达成协议（有 agreement_signed）的案件中，未申请强制执行（无 enforcement_applied）"
        "且无 performed.voluntary=false 者所占比例；计入结案之日所在期间。",
        "low",
        "临海（司法确认协议）100% [N3]",
    ),
    Metric(
        "supported_suits",
        "支持起诉件数",
        "supported lawsuits",
        "件",
        "suit_supported 的次数；计入其发生之日所在期间。",
        "low",
        "临海 3 件 [N1]",
    ),
    Metric(
        "referrals_received",
        "收到委派委托件数",
        "referrals received",
        "件",
        "调解组织签收委派/委托材料（referral_received）的次数。",
        "low",
    ),
    Metric(
        "entrusted_accepted",
        "受托调解件数",
        "post-filing referrals accepted",
        "件",
        "立案后委托调解（referred, mode=post_filing）中调解组织确认接受"
        "（referral_accepted）的次数。",
        "low",
        "临海 3 件 [N1]",
    ),
    Metric(
        "success_rate",
        "调解成功率",
        "mediation success rate",
        "%",
        "调解结果（agreement_signed / mediation_failed / mediation_withdrawn / "
        "mediation_timed_out）中达成协议所占比例；每个调解结果计入其发生之日所在期间。",
        "low",
    ),
    Metric(
        "median_days",
        "结案用时中位数",
        "median days to outcome",
        "日",
        "已结案案件自首个事件（收到纠纷或投诉）之日至结案之日的自然日数的中位数。",
        "low",
    ),
    Metric(
        "registered",
        "进入诉讼环节件数",
        "disputes entering litigation",
        "件",
        "法院登记立案（case_registered）的消费纠纷案件数；计入立案之日所在期间。"
        "诉前调确/诉前调书案件是否排除（R55）由日志的 case_registered 决定。",
        "low",
    ),
    Metric(
        "registered_last_year",
        "上年同期进入诉讼环节件数",
        "same period a year earlier",
        "件",
        "同一机构在上一年同期登记立案的件数（按月、季、年分组时为上一年同月、同季、同年；"
        "不按期间分组时为统计区间前移一年）。",
        "low",
    ),
    Metric(
        "registered_yoy_fall",
        "进入诉讼环节同比下降",
        "year-on-year fall in disputes entering litigation",
        "%",
        "（上年同期件数 − 本期件数）÷ 上年同期件数 × 100；正数为下降，负数为上升；"
        "上年同期为 0 时不计算。",
        "low",
        "临海 −72.17%（期间未说明）[N1]",
    ),
)
METRIC_KEYS = tuple(m.key for m in METRICS)
OVERDUE_DEFINITION = (
    "逾期件数：审计发现的 late（逾期）与 missing（期限届满未见）问题数，按规则列示；"
    "计入期限届满日（due）所在期间，无期限者计入事件发生之日。"
)


@dataclass
class Row:
    """One group: its key (organisation and/or period) and its figures."""

    key: tuple[str, ...]
    values: dict[str, float | None] = field(default_factory=dict)
    overdue: dict[str, int] = field(default_factory=dict)


@dataclass
class Statistics:
    by: tuple[Grouping, ...]
    start: date | None
    end: date | None
    cases: int
    rows: list[Row]
    rules: list[str]  # the rules with overdue findings, in order
    total: Row  # the figures over all groups (rates and medians recomputed, not averaged)
    metrics: tuple[Metric, ...] = METRICS
    overdue_definition: str = OVERDUE_DEFINITION
    note: str = (
        "口径说明：以上定义为 RULES.md §4 的建议口径，任何公开来源均未给出正式统计口径，置信度低；"
        "各数据依日志中的事件计算，日志未记录的事项不计入。"
    )


def period_label(day: int, grouping: Grouping) -> str:
    d = date.fromordinal(day)
    if grouping == "year":
        return f"{d.year}"
    if grouping == "quarter":
        return f"{d.year}-Q{(d.month - 1) // 3 + 1}"
    return f"{d.year}-{d.month:02d}"


def _year_back(label: str) -> str:
    year, _, rest = label.partition("-")
    return f"{int(year) - 1}" + (f"-{rest}" if rest else "")


class _Acc:
    __slots__ = (
        "agreed_closed",
        "agreements",
        "counts",
        "days",
        "outcomes",
        "overdue",
        "voluntary",
    )

    def __init__(self) -> None:
        self.counts: dict[str, float] = dict.fromkeys(
            (
                "pre_filing_resolved",
                "pre_filing_amount",
                "confirmed",
                "confirmed_amount",
                "confirmation_rejected",
                "confirmation_not_accepted",
                "supported_suits",
                "referrals_received",
                "entrusted_accepted",
                "registered",
            ),
            0.0,
        )
        self.agreed_closed = 0
        self.voluntary = 0
        self.outcomes = 0
        self.agreements = 0
        self.days: list[int] = []
        self.overdue: dict[str, int] = {}

    def row(self, key: tuple[str, ...], last_year: int | None) -> Row:
        values: dict[str, float | None] = dict(self.counts)
        values["voluntary_rate"] = (
            round(100.0 * self.voluntary / self.agreed_closed, 2) if self.agreed_closed else None
        )
        values["success_rate"] = (
            round(100.0 * self.agreements / self.outcomes, 2) if self.outcomes else None
        )
        values["median_days"] = float(median(self.days)) if self.days else None
        values["registered_last_year"] = None if last_year is None else float(last_year)
        values["registered_yoy_fall"] = (
            round(100.0 * (last_year - self.counts["registered"]) / last_year, 2)
            if last_year
            else None
        )
        return Row(key, {k: values.get(k) for k in METRIC_KEYS}, dict(self.overdue))


def _amount(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0.0
    try:
        amount = float(value)
    except OverflowError:  # an int of hundreds of digits: no sum of yuan to speak of
        return 0.0
    return amount if math.isfinite(amount) else 0.0


def compute_statistics(
    cases: Iterable[Sequence[Event]],
    findings: Iterable[Finding],
    by: Sequence[Grouping] = (),
    start: date | None = None,
    end: date | None = None,
) -> Statistics:
    """Figures per group of `by` (organisation and/or one period kind) within [start, end]."""
    grouping = tuple(dict.fromkeys(by))
    period = next((g for g in grouping if g in PERIODS), None)
    by_org = "org" in grouping
    lo = start.toordinal() if start else None
    hi = end.toordinal() if end else None
    groups: dict[tuple[str, ...], _Acc] = {}
    registrations: list[tuple[str, int]] = []  # (org, day), over the whole log, for last year
    total = _Acc()
    latest = 0
    case_count = 0

    def accs(org: str, day: int) -> tuple[_Acc, ...] | None:
        if (lo is not None and day < lo) or (hi is not None and day > hi):
            return None
        key: list[str] = []
        if by_org:
            key.append(org or NO_ORG)
        if period is not None:
            key.append(period_label(day, period))
        acc = groups.get(tuple(key))
        if acc is None:
            acc = groups[tuple(key)] = _Acc()
        return (acc, total)

    def add(org: str, day: int, metric: str, amount: float = 1.0) -> None:
        found = accs(org, day)
        if found:
            for acc in found:
                acc.counts[metric] = acc.counts.get(metric, 0.0) + amount

    for events in cases:
        if not events:
            continue
        org = case_org(events)
        latest = max(latest, events[-1].day)
        seen_in_window = False
        mode: object = None
        last_amount = 0.0
        agreed = False
        enforced = False
        involuntary = False
        for event in events:
            activity, day, data = event.activity, event.day, event.data
            if (lo is None or day >= lo) and (hi is None or day <= hi):
                seen_in_window = True
            if activity == "referred":
                mode = data.get("mode")
            elif activity == "agreement_signed":
                agreed = True
                last_amount = _amount(data.get("amount"))
            elif activity == "enforcement_applied":
                enforced = True
            elif activity == "performed" and data.get("voluntary") is False:
                involuntary = True
            elif activity == "referral_received":
                add(org, day, "referrals_received")
            elif activity == "referral_accepted" and mode == "post_filing":
                add(org, day, "entrusted_accepted")
            elif activity == "suit_supported":
                add(org, day, "supported_suits")
            elif activity == "confirmation_not_accepted":
                add(org, day, "confirmation_not_accepted")
            elif activity == "confirmation_ruled":
                if data.get("result") == "valid":
                    add(org, day, "confirmed")
                    add(org, day, "confirmed_amount", last_amount)
                elif data.get("result") == "rejected":
                    add(org, day, "confirmation_rejected")
            elif activity == "case_registered":
                registrations.append((org, day))
                add(org, day, "registered")
            elif activity == "case_closed":
                found = accs(org, day)
                if found:
                    outcome = data.get("outcome")
                    for acc in found:
                        acc.days.append(day - events[0].day)
                        if agreed:
                            acc.agreed_closed += 1
                            if not enforced and not involuntary:
                                acc.voluntary += 1
                        if mode == "pre_filing" and outcome in RESOLVED:
                            acc.counts["pre_filing_resolved"] += 1
                            acc.counts["pre_filing_amount"] += last_amount
            if activity in MEDIATION_OUTCOMES:
                found = accs(org, day)
                if found:
                    for acc in found:
                        acc.outcomes += 1
                        if activity == "agreement_signed":
                            acc.agreements += 1
        if seen_in_window:
            case_count += 1

    overdue_rules: set[str] = set()
    for f in findings:
        if f.kind not in ("late", "missing"):
            continue
        when = f.due.toordinal() if f.due else None
        if when is None and f.at:
            when = _day_of(f.at)
        if when is None:
            continue
        found = accs(f.org, when)
        if found:
            overdue_rules.add(f.rule)
            for acc in found:
                acc.overdue[f.rule] = acc.overdue.get(f.rule, 0) + 1

    # Registrations a year earlier, for the year-on-year figure.
    def last_year_count(key: tuple[str, ...]) -> int:
        org = key[0] if by_org and key else None
        if period is not None:
            label = _year_back(key[-1])
            return sum(
                1
                for o, d in registrations
                if period_label(d, period) == label and (org is None or (o or NO_ORG) == org)
            )
        window_lo, window_hi = _window(lo, hi, latest)
        back_lo, back_hi = _shift_year(window_lo), _shift_year(window_hi)
        return sum(
            1
            for o, d in registrations
            if back_lo <= d <= back_hi and (org is None or (o or NO_ORG) == org)
        )

    rows = [acc.row(key, last_year_count(key)) for key, acc in sorted(groups.items())]
    # A total over several periods has no single year-earlier figure.
    total_last = None if period is not None else last_year_count(())
    return Statistics(
        by=grouping,
        start=start,
        end=end,
        cases=case_count,
        rows=rows,
        rules=sorted(overdue_rules),
        total=total.row(("合计 total",), total_last),
    )


def _window(lo: int | None, hi: int | None, latest: int) -> tuple[int, int]:
    """The statistics window; without dates, the calendar year of the latest event."""
    if lo is not None and hi is not None:
        return lo, hi
    if hi is None:
        hi = max(latest, 1)  # latest is 0 when there is no event at all
    if lo is None:
        lo = date(date.fromordinal(hi).year, 1, 1).toordinal()
    return lo, hi


def _shift_year(day: int) -> int:
    d = date.fromordinal(day)
    if d.year == 1:  # no date a year earlier: an ordinal before 0001-01-01 still compares
        return day - 365
    try:
        return d.replace(year=d.year - 1).toordinal()
    except ValueError:  # 29 February
        return d.replace(year=d.year - 1, day=28).toordinal()


def _day_of(at: str) -> int | None:
    from standard_rules.eventlog import parse_timestamp, shanghai_day

    ts = parse_timestamp(at)
    return None if ts is None else shanghai_day(ts)


def metric(key: str) -> Metric:
    return next(m for m in METRICS if m.key == key)


def as_mapping(stats: Statistics) -> Mapping[str, object]:
    """The statistics as plain data (for JSON)."""
    return {
        "by": list(stats.by),
        "from": stats.start.isoformat() if stats.start else None,
        "to": stats.end.isoformat() if stats.end else None,
        "cases": stats.cases,
        "definitions": [
            {
                "key": m.key,
                "zh": m.zh,
                "en": m.en,
                "unit": m.unit,
                "definition": m.definition,
                "confidence": m.confidence,
                "reported": m.reported,
            }
            for m in stats.metrics
        ],
        "overdue_definition": stats.overdue_definition,
        "note": stats.note,
        "groups": [
            {"key": list(r.key), "values": r.values, "overdue": r.overdue} for r in stats.rows
        ],
        "total": {"values": stats.total.values, "overdue": stats.total.overdue},
    }
