"""Turning engine views into what the templates show: inbox rows, case parties, task forms."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from api.http.masking import FULL_VIEW, mask
from api.web.deadlines import DaysLeft, days_left, task_period
from api.web.i18n import Translator
from engine.actions import FORMS, Context
from engine.services import CaseView, TaskView
from standard_rules.legal_calendar import LegalCalendar
from standard_rules.pack import RulePack
from storage.accounts import Account


def may_act(task: TaskView, account: Account) -> bool:
    """The caller's role and organisation act on the task, and no supervisor assigned it to
    someone else."""
    return (
        account.role in task.roles
        and (task.org is None or task.org == account.org)
        and (task.assignee is None or task.assignee == account.id)
    )


@dataclass
class InboxRow:
    case: CaseView
    task: TaskView
    title: str
    left: DaysLeft
    mine: bool
    parties: str


def parties_line(facts: Mapping[str, Any]) -> str:
    names = []
    for key in ("consumer", "business"):
        party = facts.get(key)
        if isinstance(party, Mapping) and party.get("name"):
            names.append(str(party["name"]))
    return " / ".join(names)


def inbox_rows(
    cases: Iterable[CaseView],
    account: Account,
    pack: RulePack,
    calendar: LegalCalendar,
    today: date,
    t: Translator,
    mine_only: bool,
    only: set[tuple[str, str]] | None = None,
) -> list[InboxRow]:
    """Rows of the given cases' tasks (only the (case, task) pairs in `only`, if given)."""
    rows: list[InboxRow] = []
    seen: set[str] = set()
    for view in cases:
        if view.id in seen:
            continue
        seen.add(view.id)
        for task in view.tasks:
            if only is not None and (view.id, task.task_id) not in only:
                continue
            mine = may_act(task, account)
            if mine_only and not mine:
                continue
            periods = task_period(pack, view.process_id, task.bpmn_id)
            unit = periods[0][1].unit if periods else None
            due = date.fromisoformat(task.due) if task.due else None
            rows.append(
                InboxRow(
                    case=view,
                    task=task,
                    title=t.task(task.bpmn_id, task.title_zh),
                    left=days_left(due, today, t, calendar, unit, task.due_provisional),
                    mine=mine,
                    parties=parties_line(view.facts),
                )
            )
    rows.sort(key=lambda r: (r.left.due is None, r.left.due or date.max, r.case.id))
    return rows


def week_end(today: date) -> date:
    return today + timedelta(days=6 - today.weekday())


def due_range(due: str, today: date) -> tuple[date | None, date | None]:
    """The due dates a filter keeps (inclusive): overdue, today, or this week."""
    if due == "overdue":
        return None, today - timedelta(days=1)
    if due == "today":
        return today, today
    if due == "week":
        return today - timedelta(days=today.weekday()), week_end(today)
    return None, None


# -- parties ------------------------------------------------------------------------------------


@dataclass
class Party:
    label: str
    rows: list[tuple[str, str]]


def parties(view: CaseView, account: Account, t: Translator) -> tuple[list[Party], bool]:
    """The parties as the caller's role may see them; True when numbers were masked."""
    facts = mask(dict(view.facts), account.role)
    masked = account.role not in FULL_VIEW
    found: list[Party] = []
    for key, label in (("consumer", "case.consumer"), ("business", "case.business")):
        party = facts.get(key)
        if not isinstance(party, Mapping):
            continue
        rows = []
        for fkey, flabel in (
            ("name", "case.name"),
            ("phone", "case.phone"),
            ("id_number", "case.id_number"),
            ("credit_code", "case.credit_code"),
            ("legal_rep", "case.legal_rep"),
            ("address", "case.address"),
        ):
            if party.get(fkey):
                rows.append((t(flabel), str(party[fkey])))
        found.append(Party(t(label), rows))
    return found, masked


# -- task forms ---------------------------------------------------------------------------------


@dataclass
class FormField:
    name: str
    label: str
    kind: str
    required: bool
    options: list[tuple[str, str]] = field(default_factory=list)
    value: str = ""
    error: str = ""
    future: bool = False


@dataclass
class FormChoice:
    id: str
    label: str
    fields: list[FormField]
    error: str = ""
    open: bool = False


@dataclass
class TaskForm:
    task: TaskView
    title: str
    left: DaysLeft
    choices: list[FormChoice]
    explanation: str = ""
    rule: str = ""


# Fields the engine takes as optional that a later letter prints: on the pages they are asked
# for at the step that records them (调解通知书: time and place; 调解协议书: terms of performance).
NEEDED_BY_LETTERS: dict[tuple[str, str], tuple[str, ...]] = {
    ("notify_parties", "notify"): ("session_at", "place"),
    ("mediate", "agree"): ("performance_method", "performance_deadline"),
}


def missing_for_letters(bpmn_id: str, action: str, payload: Mapping[str, Any]) -> str | None:
    """The first field a later letter needs that the form left empty, if any."""
    for name in NEEDED_BY_LETTERS.get((bpmn_id, action), ()):
        if payload.get(name) in (None, ""):
            return name
    return None


def context_for(view: CaseView, seen: frozenset[str], today: date, task: TaskView) -> Context:
    """What a choice's `available` looks at, rebuilt from the case (the engine checks again)."""
    data = {
        "consent": "refused" if "consent_refused" in seen else "",
        "mediation_result": "timed_out" if "mediation_timed_out" in seen else "",
    }
    due = date.fromisoformat(task.due) if task.due else None
    return Context(
        today=today, process_id=view.process_id, status=view.status, data=data, seen=seen, due=due
    )


def task_forms(
    view: CaseView,
    account: Account,
    seen: frozenset[str],
    pack: RulePack,
    calendar: LegalCalendar,
    today: date,
    t: Translator,
    submitted: Mapping[str, str] | None = None,
    error: tuple[str, str, str] | None = None,  # (task_id, field or "", message)
) -> list[TaskForm]:
    forms: list[TaskForm] = []
    submitted = submitted or {}
    chosen = submitted.get("action", "")
    for task in view.tasks:
        if not may_act(task, account):
            continue
        spec = FORMS.get(task.bpmn_id)
        if spec is None:
            continue
        ctx = context_for(view, seen, today, task)
        periods = task_period(pack, view.process_id, task.bpmn_id)
        unit = periods[0][1].unit if periods else None
        due = date.fromisoformat(task.due) if task.due else None
        choices: list[FormChoice] = []
        offered = {c["id"] for c in task.choices}  # the engine's one list, as the API has it
        for choice in spec.choices:
            if choice.id not in offered or not choice.available(ctx):
                continue
            this = error is not None and error[0] == task.task_id and chosen == choice.id
            fields = []
            for f in choice.fields:
                options = [(v, t.value(v)) for v in f.choices]
                value = submitted.get(f.name, "") if this else ""
                fields.append(
                    FormField(
                        name=f.name,
                        label=t.field(f.name, f.label_zh),
                        kind=f.kind,
                        required=f.required
                        or f.name in NEEDED_BY_LETTERS.get((task.bpmn_id, choice.id), ()),
                        options=options,
                        value=value,
                        error=error[2] if this and error and error[1] == f.name else "",
                        future=f.future,
                    )
                )
            form_error = ""
            if this and error and not any(ff.error for ff in fields):
                form_error = error[2]
            choices.append(
                FormChoice(
                    id=choice.id,
                    label=t.choice(task.bpmn_id, choice.id, choice.label_zh),
                    fields=fields,
                    error=form_error,
                    open=this or len(spec.choices) == 1,
                )
            )
        rule = periods[0][0].id if periods else ""
        forms.append(
            TaskForm(
                task=task,
                title=t.task(task.bpmn_id, task.title_zh),
                left=days_left(due, today, t, calendar, unit, task.due_provisional),
                choices=choices,
                rule=rule,
            )
        )
    return forms


def payload_from_form(bpmn_id: str, action: str, form: Mapping[str, str]) -> dict[str, Any]:
    """The engine payload of a submitted form: text as typed, a ticked box as True."""
    payload: dict[str, Any] = {"action": action}
    spec = FORMS.get(bpmn_id)
    if spec is None:
        return payload
    for choice in spec.choices:
        if choice.id != action:
            continue
        for f in choice.fields:
            raw = form.get(f.name)
            if f.kind == "bool":
                if raw:
                    payload[f.name] = True
                continue
            if raw is not None and raw.strip() != "":
                payload[f.name] = raw.strip() if f.kind != "text" else raw
    return payload
