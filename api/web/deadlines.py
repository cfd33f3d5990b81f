"""Days left the legal way, and the deadlines each event of a case started, with explanations.

A due date is the end of that day in Asia/Shanghai (contract/EVENTS.md). Days left are calendar
days to it; for a period counted in working days the working days left are counted too, under
the same calendar the engine and the auditor use. Nothing here decides a deadline: the engine's
due date (TaskView.due) is shown as it is, and the timeline re-reckons the rule pack's periods
with standard_rules.deadlines.reckon, as the audit does.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from api.audit_events import audit_events
from api.web.i18n import Translator
from engine import catalogue
from engine.domain.events import CaseEvent
from engine.reckoning import RECKONED
from standard_rules.deadlines import case_conditions, reckon
from standard_rules.eventlog import Event
from standard_rules.legal_calendar import LegalCalendar, Unit
from standard_rules.pack import Period, Rule, RulePack
from standard_rules.timezone import SHANGHAI
from standard_rules.versions import pack_version

SUBPROCESSES = ("mediation", "judicial_confirmation")


def today_shanghai(now: datetime | None = None) -> date:
    return (now or datetime.now(SHANGHAI)).astimezone(SHANGHAI).date()


@dataclass(frozen=True)
class DaysLeft:
    due: date | None
    days: int | None  # calendar days from today to the due date (negative: overdue)
    working: int | None  # working days left, for a period counted in working days
    text: str
    state: str  # ok | soon | today | overdue | none
    provisional: bool = False  # reckoned over a year whose holiday schedule is not loaded

    @property
    def overdue(self) -> bool:
        return self.state == "overdue"


def working_days_between(calendar: LegalCalendar, today: date, due: date) -> int:
    """Working days after today up to and including the due date."""
    count = 0
    for ordinal in range(today.toordinal() + 1, due.toordinal() + 1):
        if calendar.is_working(date.fromordinal(ordinal)):
            count += 1
    return count


def days_left(
    due: date | None,
    today: date,
    t: Translator,
    calendar: LegalCalendar,
    unit: Unit | None,
    provisional: bool = False,
) -> DaysLeft:
    left = _days_left(due, today, t, calendar, unit)
    if provisional and due is not None:
        return replace(left, text=left.text + t("left.provisional"), provisional=True)
    return left


def _days_left(
    due: date | None, today: date, t: Translator, calendar: LegalCalendar, unit: Unit | None
) -> DaysLeft:
    if due is None:
        return DaysLeft(None, None, None, t("left.none"), "none")
    days = (due - today).days
    if days < 0:
        return DaysLeft(due, days, None, t("left.overdue", n=-days), "overdue")
    if days == 0:
        return DaysLeft(due, 0, None, t("left.today"), "today")
    working = working_days_between(calendar, today, due) if unit is Unit.WORKING else None
    text = t("left.one") if days == 1 else t("left.days", n=days)
    if working is not None:
        text += t("left.working", n=working)
    return DaysLeft(due, days, working, text, "soon" if days <= 3 else "ok")


def task_period(pack: RulePack, process_id: str, bpmn_id: str) -> list[tuple[Rule, Period]]:
    """The rule periods behind a task's boundary timers (its legal deadline), in timer order, as
    the catalogue declares them."""
    found: list[tuple[Rule, Period]] = []
    for timer_id in catalogue.task_timers(bpmn_id):
        timer = catalogue.timer([process_id, *SUBPROCESSES], timer_id)
        if timer is None or timer.period.rule not in pack.rules:
            continue
        rule = pack.rules[timer.period.rule]
        try:
            found.append((rule, rule.period(timer.period.period)))
        except KeyError:
            continue
    return found


def to_events(events: Sequence[CaseEvent]) -> list[Event]:
    return list(audit_events(events))


@dataclass(frozen=True)
class Deadline:
    rule: str
    title: str
    period: str  # 30日 / 3个工作日
    due: date | None
    state: str  # met | late | cancelled | paused | open_ended | open | overdue | closed
    status_text: str
    explanation: str
    unit: Unit
    # The rule pack version that reckoned it (the event's data.reckoned, else the case row's) and
    # today's: the explanation is today's pack's, and the page says so when they differ.
    pack: str | None = None
    pack_now: str = ""


CALENDAR_ZH = (
    (re.compile(r"cn-(\d{4}) \(State Council schedule\)"), r"国务院办公厅\1年部分节假日安排"),
    (
        re.compile(r"cn-(\d{4}) \(provisional: statutory holidays only\)"),
        r"\1年仅按法定节假日计算（当年放假安排尚未载入）",
    ),
)


def calendar_names_zh(text: str) -> str:
    """The calendar an explanation cites, named in Chinese (the rule pack names it by code)."""
    for pattern, name in CALENDAR_ZH:
        text = pattern.sub(name, text)
    return text


def period_text(period: Period, t: Translator) -> str:
    """A period as a reader says it: 30日 / 3个工作日 (not the pack's cal(30) / wd(3))."""
    if period.days is not None:
        working = period.unit is Unit.WORKING
        if t.en:
            return f"{period.days} {'working ' if working else ''}days"
        return f"{period.days}{'个工作日' if working else '日'}"
    if period.months is not None:
        return f"{period.months} months" if t.en else f"{period.months}个月"
    return f"{period.years} years" if t.en else f"{period.years}年"


def explain(
    calendar: LegalCalendar,
    period: Period,
    start: date,
    due: date | None,
    pause_days: int,
    extended: bool,
    t: Translator,
) -> str:
    if period.days is None:
        return ""
    base = calendar.due(start, period.days, period.unit)
    text = base.explain_en() if t.en else calendar_names_zh(base.explain_zh())
    if pause_days:
        text += (
            f"; {pause_days} days of appraisal pause not counted"
            if t.en
            else f"；鉴定评估等暂停{pause_days}日不计入"
        )
    if extended and due is not None:
        text += f"; extended by the parties to {due}" if t.en else f"；双方同意延长至{due}"
    return text


def _recorded_pack(event: Event, case_pack: str | None) -> str | None:
    stamp = event.data.get(RECKONED)
    if isinstance(stamp, dict) and isinstance(stamp.get("pack"), str):
        return str(stamp["pack"])
    return case_pack


def timeline_deadlines(
    events: Sequence[Event],
    pack: RulePack,
    calendar: LegalCalendar,
    today: date,
    closed: bool,
    t: Translator,
    case_pack: str | None = None,
) -> dict[int, list[Deadline]]:
    """For each event (by index) the periods it started, with their state and explanation, which
    names the rule pack version that reckoned it (`case_pack`: the case row's, for events that
    carry none)."""
    names = pack.activities
    current = pack_version(pack).id
    found: dict[int, list[Deadline]] = {}
    # R18: an online dispute's mediation periods count from the acceptance (as the audit does)
    online = any(
        e.activity == "dispute_received" and e.data.get("channel") == "online" for e in events
    )
    for index, event in enumerate(events):
        for rule in pack.rules.values():
            for period in rule.periods:
                if period.start_for(online) != event.activity or period.days is None:
                    continue
                if period.when and not period.applies(case_conditions(events, index)):
                    continue
                r = reckon(period, calendar, events, index)
                due = r.due_date
                if r.satisfied_at is not None:
                    done = events[r.satisfied_at]
                    late = r.due is not None and done.day > r.due
                    what = names[done.activity].en if t.en else names[done.activity].zh
                    state = "late" if late else "met"
                    status = f"{t('dl.' + state)}：{what}（{done.date}）"
                elif r.cancelled_at is not None:
                    state, status = "cancelled", t("dl.cancelled")
                elif r.paused:
                    state, status = "paused", t("dl.paused")
                elif r.open_ended:
                    state, status = "open_ended", t("dl.open_ended")
                elif closed:
                    state, status = "closed", t("dl.closed")
                else:
                    left = days_left(due, today, t, calendar, period.unit)
                    state = "overdue" if left.overdue else "open"
                    status = left.text
                title = rule.title_en if t.en else rule.title_zh
                found.setdefault(index, []).append(
                    Deadline(
                        rule=rule.id,
                        title=title,
                        period=period_text(period, t),
                        due=due,
                        state=state,
                        status_text=status,
                        explanation=explain(
                            calendar,
                            period,
                            date.fromordinal(r.start),
                            due,
                            r.pause_days,
                            r.extended_until is not None,
                            t,
                        ),
                        pack=_recorded_pack(event, case_pack) or current,
                        pack_now=current,
                        unit=period.unit,
                    )
                )
    return found
