"""The process catalogue: what DB33/T 2561-2022 says happens in each handoff process, in one place.

One module per process (mediation, pre_filing, post_filing, confirmation, complaint, supported;
referral and agreement hold the steps two processes share). Everything else is derived from it:
the BPMN files (tools/build_workflows.py), the task forms (engine/actions.py adds only the
effects it computes), the API's choice enums, the pages' labels, the reminders and the diagram's
timer periods; tests/unit/test_catalogue_drift.py fails when any of them disagrees.

Where to look: "what happens after 调解不成" is the `result_gw` default flow of each process
module (pre_filing.py: register_case; post_filing.py: resume_trial; complaint.py:
support_decision).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from engine.catalogue.complaint import COMPLAINT
from engine.catalogue.confirmation import JUDICIAL_CONFIRMATION
from engine.catalogue.mediation import MEDIATION
from engine.catalogue.model import (
    Call,
    Enforced,
    Field,
    Lapse,
    Period,
    ProcessDef,
    Task,
    UserTask,
    Watch,
)
from engine.catalogue.post_filing import POST_FILING
from engine.catalogue.pre_filing import PRE_FILING
from engine.catalogue.statuses import STATUSES
from engine.catalogue.supported import SUPPORTED_LAWSUIT
from engine.catalogue.values import VALUE_LABELS

if TYPE_CHECKING:
    from standard_rules.pack import RulePack

__all__ = [
    "BY_ID",
    "PERIOD_VARIANTS",
    "PROCESSES",
    "STATUSES",
    "TASKS",
    "VALUE_LABELS",
    "Enforced",
    "Timer",
    "display_name",
    "field_choices",
    "fields",
    "process",
    "task",
    "task_timers",
    "timer",
    "timers",
]

PROCESSES: tuple[ProcessDef, ...] = (
    MEDIATION,
    PRE_FILING,
    POST_FILING,
    JUDICIAL_CONFIRMATION,
    COMPLAINT,
    SUPPORTED_LAWSUIT,
)
BY_ID = {p.id: p for p in PROCESSES}
# The values a "{variable}" in a period name may take (R17's mediation_{procedure}).
PERIOD_VARIANTS = {"procedure": ("ordinary", "simple")}


def _tasks() -> dict[str, Task]:
    found: dict[str, Task] = {}
    for p in PROCESSES:
        for step in p.steps:
            if isinstance(step, UserTask):
                known = found.setdefault(step.task.id, step.task)
                if known is not step.task:
                    raise ValueError(f"task {step.task.id} is declared twice")
    return found


TASKS: dict[str, Task] = _tasks()


def process(process_id: str) -> ProcessDef:
    return BY_ID[process_id]


def task(bpmn_id: str) -> Task | None:
    return TASKS.get(bpmn_id)


@dataclass(frozen=True)
class Timer:
    """A boundary timer as the BPMN has it: its id, the element it guards, its period and who
    enforces the period."""

    id: str
    on: str
    period: Period
    enforced: Enforced
    escalation: bool = False  # the repeating escalation of a watched period


def timers(process_id: str) -> Iterator[Timer]:
    for step in process(process_id).steps:
        if isinstance(step, Lapse):
            yield Timer(step.id, step.on, step.period, Enforced.ENGINE)
        elif isinstance(step, Watch):
            yield Timer(f"{step.on}_reminder", step.on, step.period, step.enforced)
            if not step.remind_only:
                yield Timer(f"{step.on}_escalation", step.on, step.period, step.enforced, True)


def timer(process_ids: list[str], timer_id: str) -> Timer | None:
    """The first of these processes' timers called `timer_id` (a task's timers may sit in the
    process that calls it)."""
    for process_id in process_ids:
        if process_id not in BY_ID:
            continue
        for t in timers(process_id):
            if t.id == timer_id:
                return t
    return None


@cache
def task_timers(bpmn_id: str) -> tuple[str, ...]:
    """The boundary timers whose due date is the task's deadline: those on the task itself and,
    for a task of a called process, those on the activities calling it (escalations excluded:
    they repeat after the deadline)."""
    guarded = {bpmn_id}
    for p in PROCESSES:
        if any(isinstance(s, UserTask) and s.task.id == bpmn_id for s in p.steps):
            guarded |= {
                s.id for q in PROCESSES for s in q.steps if isinstance(s, Call) and s.called == p.id
            }
    found = (t.id for p in PROCESSES for t in timers(p.id) if t.on in guarded and not t.escalation)
    return tuple(dict.fromkeys(found))


def field_choices(name: str) -> tuple[str, ...]:
    """The values a choice field called `name` may take, the same at every task that asks."""
    values: tuple[str, ...] | None = None
    for t in TASKS.values():
        for c in t.choices:
            for f in c.fields:
                if f.name == name and f.kind == "choice":
                    if values is not None and values != f.choices:
                        raise ValueError(f"field {name} has different choices at {t.id}")
                    values = f.choices
    if values is None:
        raise KeyError(name)
    return values


def fields() -> Iterator[tuple[Task, Field]]:
    for t in TASKS.values():
        for c in t.choices:
            for f in c.fields:
                yield t, f


def display_name(process_id: str, pack: RulePack, en: bool = False) -> str:
    """The process's name with the periods of the pack in force (a local agreement's own
    numbers), e.g. 委派调解（立案前，R16 30日）."""
    p = process(process_id)
    parts = [_period_label(period, pack, en) for period in p.periods]
    parts = [part for part in parts if part]
    if not parts:
        return p.name_en if en else p.name_zh
    if en:
        return f"{p.name_en} ({', '.join(parts)})"
    name = p.name_zh
    if name.endswith("）"):
        return f"{name[:-1]}，{'，'.join(parts)}）"
    return f"{name}（{'，'.join(parts)}）"


def _period_label(period: Period, pack: RulePack, en: bool) -> str:
    if period.rule not in pack.rules:
        return ""
    rule = pack.rules[period.rule]
    texts: list[str] = []
    variants = period.names(PERIOD_VARIANTS)
    for name in variants:
        try:
            found = rule.period(name)
        except KeyError:
            continue
        if found.days is None:
            continue
        working = found.unit.value == "working"
        if en:
            text = f"{found.days} {'working ' if working else ''}days"
        else:
            text = f"{found.days}{'个工作日' if working else '日'}"
        if len(variants) > 1:
            value = name.removeprefix(period.period.split("{", 1)[0])
            zh, english = VALUE_LABELS.get(value, (value, value))
            text = f"{english} {text}" if en else f"{zh}{text}"
        texts.append(text)
    if not texts:
        return ""
    return f"{period.rule} {'/'.join(texts)}"
