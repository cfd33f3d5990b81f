"""Which notifications a case calls for now: reminders before each task's legal deadline, and an
escalation to the organisation's supervisor when the engine's deadline timer fired (remind()).

Pure functions of the case view, the calendar, the config and the time; the outbox's unique key
makes planning the same notification again harmless.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta

from api.notify.config import Contact, NotifyConfig
from engine import catalogue
from engine.ports import StoredCase
from engine.script_api import Reminder
from engine.services import CaseView, TaskView
from engine.use_cases.stepping import MessagePlanner
from engine.views import case_view
from standard_rules.legal_calendar import LegalCalendar
from standard_rules.timezone import SHANGHAI
from storage.outbox import Notification

CALLED = ("mediation", "judicial_confirmation")  # where a task of a called process has its timers


def working_days_before(calendar: LegalCalendar, due: date, n: int) -> date:
    """The nth working day before `due` (the legal calendar's working days, 调休 included)."""
    day, left = due, n
    while left:
        day -= timedelta(days=1)
        if calendar.is_working(day):
            left -= 1
    return day


def _addresses(contact: Contact, org: str, channels: tuple[str, ...]) -> Iterator[tuple[str, str]]:
    """(channel, recipient) for each configured channel the contact can be reached on."""
    for channel in channels:
        if channel == "in_app":
            yield channel, org
        elif channel == "email" and contact.email:
            yield channel, contact.email
        elif channel == "sms" and contact.phone:
            yield channel, contact.phone


def _reminder(
    view: CaseView, task: TaskView, config: NotifyConfig, calendar: LegalCalendar, now: datetime
) -> list[Notification]:
    if task.due is None or task.org is None:
        return []
    due = date.fromisoformat(task.due)
    if now.astimezone(SHANGHAI).date() > due:
        return []  # overdue: the escalation takes over
    # Only the reminder closest to the deadline among those due: after downtime nobody needs
    # the 3-day and the 1-day reminder at once.
    for n in sorted(config.working_days_before):
        send = datetime.combine(working_days_before(calendar, due, n), config.send_at, SHANGHAI)
        if send <= now:
            break
    else:
        return []
    org = config.contacts(task.org)
    subject = f"【诉调提醒】{view.id}「{task.title_zh}」将于{due.month}月{due.day}日到期"
    rule = _rule_of(view.process_id, task.bpmn_id)
    body = (
        f"{task.org}：\n案件 {view.id} 的待办事项「{task.title_zh}」须于{due.isoformat()}前办理"
        f"（{rule + '，' if rule else ''}还有{n}个工作日）。请及时处理。\n—— 诉调对接系统"
    )
    return [
        Notification(
            key=f"reminder|{view.id}|{task.task_id}|{due.isoformat()}|{n}|{channel}|{to}",
            case_id=view.id,
            kind="reminder",
            channel=channel,
            recipient=to,
            payload={"subject": subject, "body": body, "task": task.bpmn_id, "due": task.due},
            due_at=send,
        )
        for channel, to in _addresses(org.staff, task.org, org.channels)
    ]


def _rule_of(process_id: str, bpmn_id: str) -> str:
    """The rule whose period is the task's deadline, as the catalogue's timers name it."""
    for timer_id in catalogue.task_timers(bpmn_id):
        timer = catalogue.timer([process_id, *CALLED], timer_id)
        if timer is not None:
            return timer.period.rule
    return ""


def _escalations(view: CaseView, config: NotifyConfig) -> list[Notification]:
    planned = []
    for fired in view.facts.get("reminders", []):
        form = catalogue.task(fired["task"])  # who acts and what the task is called
        org = None
        if form is not None:
            org = view.court_org if form.org == "court" else view.mediator_org
        if form is None or org is None:
            continue
        contacts = config.contacts(org)
        supervisor = contacts.supervisor or Contact()
        at = datetime.fromisoformat(fired["at"])
        day = at.astimezone(SHANGHAI).date()
        subject = f"【逾期督办】{view.id}「{form.title_zh}」已逾期"
        body = (
            f"{supervisor.name or org + '负责人'}：\n案件 {view.id} 的「{form.title_zh}」"
            f"（{fired['rule']}）期限已于{day.isoformat()}届满，{org}尚未办理。请督促及时处理。"
            "\n—— 诉调对接系统"
        )
        recipients = _addresses(supervisor, f"{org}/负责人", contacts.channels)
        planned += [
            Notification(
                key=f"escalation|{view.id}|{fired['rule']}|{fired['task']}|{fired['at']}"
                f"|{channel}|{to}",
                case_id=view.id,
                kind="escalation",
                channel=channel,
                recipient=to,
                payload={"subject": subject, "body": body, "rule": fired["rule"]},
                due_at=at,
            )
            for channel, to in recipients
        ]
    return planned


def plan(
    view: CaseView, config: NotifyConfig, calendar: LegalCalendar, now: datetime
) -> list[Notification]:
    """Every notification of the case that is due by `now`."""
    planned = [n for t in view.tasks for n in _reminder(view, t, config, calendar, now)]
    return planned + [n for n in _escalations(view, config) if n.due_at <= now]


def step_escalations(config: NotifyConfig) -> MessagePlanner:
    """The escalations a step's own lapses call for, to be queued in the step's transaction:
    a deadline that fired is escalated even if the process dies before the next scheduling
    round, which then finds them queued already (same keys) and adds nothing."""

    def planned(stored: StoredCase, fired: Sequence[Reminder]) -> list[Notification]:
        if not fired:
            return []
        view = case_view(stored)
        lapses = [{"rule": r.rule, "task": r.task, "at": r.at.isoformat()} for r in fired]
        return _escalations(replace(view, facts={**view.facts, "reminders": lapses}), config)

    return planned
