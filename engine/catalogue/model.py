"""The vocabulary the catalogue is written in: tasks, choices, fields, periods and flows.

A process is an ordered list of steps (nodes and flows) in the order tools/build_workflows feeds
them to tools/bpmn_builder.Process, so the catalogue alone decides the BPMN files. Each period on
a task says who enforces it: the engine (a timer lapses the task) or a person (the engine only
reminds at the due date and then escalates to the supervisor every T03 interval).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

CLERK, JUDGE, MEDIATOR, PARTY = "court_clerk", "judge", "mediator", "party"


@dataclass(frozen=True)
class Field:
    name: str
    label_zh: str
    kind: str  # text | date | amount | bool | org | choice
    required: bool = True
    choices: tuple[str, ...] = ()
    future: bool = False  # a date that must not be in the past (e.g. an agreed new end date)
    label_en: str = ""


@dataclass(frozen=True)
class Choice:
    """One thing a person may do at a task: the events it writes (contract/EVENTS.md names) and
    the routing variables it sets, which the gateways after the task test."""

    id: str
    label_zh: str
    label_en: str
    events: tuple[str, ...]
    fields: tuple[Field, ...] = ()
    sets: Mapping[str, str] = field(default_factory=dict)  # workflow variables set to these values
    dated: tuple[str, ...] = ()  # workflow variables set to today's date (YYYY-MM-DD)
    data: Mapping[str, object] = field(
        default_factory=dict
    )  # fixed event data, before the form's fields
    custom: bool = False  # engine/actions.py computes the effect (APPLY[task.choice])
    when: str = "always"  # engine/actions.py AVAILABLE: when a person may choose it


@dataclass(frozen=True)
class Task:
    """A BPMN user task and its form: who acts (roles of the court or the mediator
    organisation), what the diagram calls it (`step_zh`) and what the inbox calls it."""

    id: str
    title_zh: str
    title_en: str
    step_zh: str
    roles: frozenset[str]
    org: str  # whose organisation acts: "court" or "mediator"
    lane: str
    choices: tuple[Choice, ...]


class Enforced(StrEnum):
    ENGINE = "engine"  # an interrupting timer: the lapse itself moves the case on
    PERSON = "person"  # reminder at the due date, escalation every T03 interval after it
    REMINDER = "reminder"  # reminder at the due date only


@dataclass(frozen=True)
class Period:
    """A rule pack period (`rule`.`period`) counted from `start` (a workflow variable holding
    the date of the pack's start event, or a BPMN expression). `period` may name a workflow
    variable in braces: "mediation_{procedure}"."""

    rule: str
    period: str
    start: str

    def period_expression(self) -> str:
        if "{" not in self.period:
            return f'"{self.period}"'
        head, rest = self.period.split("{", 1)
        variable, tail = rest.split("}", 1)
        parts = [f'"{head}"' if head else "", variable, f'"{tail}"' if tail else ""]
        return " + ".join(p for p in parts if p)

    def due_expression(self) -> str:
        return f'period_due("{self.rule}", {self.period_expression()}, {self.start})'

    def names(self, variants: Mapping[str, tuple[str, ...]]) -> tuple[str, ...]:
        """Every period name this may be, given the values each variable may take."""
        if "{" not in self.period:
            return (self.period,)
        head, rest = self.period.split("{", 1)
        variable, tail = rest.split("}", 1)
        return tuple(f"{head}{value}{tail}" for value in variants[variable])


# -- the steps of a process, in authoring order ----------------------------------------------


@dataclass(frozen=True)
class Start:
    lane: str


@dataclass(frozen=True)
class UserTask:
    task: Task


@dataclass(frozen=True)
class Script:
    id: str
    name: str
    code: str
    lane: str = "system"


@dataclass(frozen=True)
class Gateway:
    id: str
    name: str
    lane: str


@dataclass(frozen=True)
class Call:
    id: str
    name: str
    called: str
    lane: str = "mediator"


@dataclass(frozen=True)
class End:
    id: str
    name: str
    lane: str = "system"


@dataclass(frozen=True)
class Lapse:
    """An interrupting timer on a task or call activity: the engine enforces the period."""

    id: str
    name: str
    on: str
    period: Period


@dataclass(frozen=True)
class Watch:
    """A person enforces the period: a reminder at the due date and, unless `remind_only`, an
    escalation every T03 interval until someone acts. Ids: {on}_reminder, {on}_escalation."""

    on: str
    period: Period
    lane: str
    remind_only: bool = False

    @property
    def enforced(self) -> Enforced:
        return Enforced.REMINDER if self.remind_only else Enforced.PERSON


@dataclass(frozen=True)
class Close:
    """A script task that closes the case with `outcome` (named by the rule pack) and its end."""

    outcome: str


@dataclass(frozen=True)
class Flow:
    source: str
    target: str
    condition: str = ""
    label: str = ""


@dataclass(frozen=True)
class Otherwise:
    """The gateway's default flow: taken when no condition holds."""

    gateway: str
    target: str
    label: str = "其他"


@dataclass(frozen=True)
class Chain:
    ids: tuple[str, ...]

    def __init__(self, *ids: str) -> None:
        object.__setattr__(self, "ids", ids)


Step = (
    Start
    | UserTask
    | Script
    | Gateway
    | Call
    | End
    | Lapse
    | Watch
    | Close
    | Flow
    | Otherwise
    | Chain
)


def when(variable: str, value: str) -> str:
    """The condition of a flow taken when a choice set `variable` to `value`."""
    return f'{variable} == "{value}"'


@dataclass(frozen=True)
class ProcessDef:
    id: str
    name_zh: str  # without periods: the pack supplies them (display_name)
    name_en: str
    documentation: str
    steps: tuple[Step, ...]
    periods: tuple[Period, ...] = ()  # named in the display name, e.g. R16 30日
    selectable: bool = True  # a case may be opened on it (not a called sub-process)
    referral_mode: str | None = None  # the `referred` event's mode (EVENTS.md), for referrals
