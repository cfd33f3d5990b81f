"""The effects of completing a task: the catalogue (engine/catalogue) says who acts, which
choices, fields and events there are; this module validates a submission and computes its effect.

A choice's effect is, by default, its catalogue events with the form's fields as data plus the
routing variables it sets; the few that compute more (`custom=True` in the catalogue) are the
functions in APPLY. Every field is validated before the workflow is touched, and errors name the
field in Chinese with a stable code, so a refused action changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from engine import catalogue
from engine.catalogue.model import CLERK, JUDGE, MEDIATOR, Field, Task
from engine.catalogue.model import Choice as ChoiceDef
from engine.domain.errors import InvalidTaskData

__all__ = ["CLERK", "JUDGE", "MEDIATOR", "Field"]
MODE_OF_PROCESS = {p.id: p.referral_mode for p in catalogue.PROCESSES if p.referral_mode}


@dataclass
class Context:
    """What an action may look at: the day, the case and the workflow's variables."""

    today: date
    process_id: str
    status: str
    data: Mapping[str, Any]
    seen: frozenset[str]  # activities already in the case's log
    due: date | None = None  # the waiting task's legal deadline, if it has one

    @property
    def mode(self) -> str | None:
        return MODE_OF_PROCESS.get(self.process_id)

    @property
    def referred(self) -> bool:
        return self.mode is not None


@dataclass
class Effect:
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)  # workflow variables to set
    facts: dict[str, Any] = field(default_factory=dict)  # case row facts to set


Apply = Callable[[dict[str, Any], Context], Effect]


@dataclass(frozen=True)
class Choice:
    id: str
    label_zh: str
    apply: Apply
    fields: tuple[Field, ...] = ()
    available: Callable[[Context], bool] = lambda ctx: True
    label_en: str = ""
    events: tuple[str, ...] = ()  # the EVENTS.md activities it may write


@dataclass(frozen=True)
class TaskForm:
    bpmn_id: str
    title_zh: str
    roles: frozenset[str]
    choices: tuple[Choice, ...]
    org: str  # whose organisation acts: "court" or "mediator"
    timers: tuple[str, ...] = ()  # boundary timers whose due date is this task's deadline
    title_en: str = ""

    def choice(self, choice_id: object) -> Choice:
        for c in self.choices:
            if c.id == choice_id:
                return c
        known = "、".join(c.id for c in self.choices)
        raise InvalidTaskData(f"未知操作“{choice_id}”，可选：{known}", field="action")


# -- field validation ----------------------------------------------------------------------------


def _clean(f: Field, raw: object, ctx: Context) -> Any:
    label = f.label_zh
    if f.kind in ("text", "org"):
        if not isinstance(raw, str) or not raw.strip():
            raise InvalidTaskData(f"请填写{label}", field=f.name)
        limit = 200 if f.kind == "org" else 500  # an organisation fills a 200-char column
        if len(raw) > limit:
            raise InvalidTaskData(f"{label}不能超过{limit}字", field=f.name)
        return raw.strip()
    if f.kind == "choice":
        if raw not in f.choices:
            raise InvalidTaskData(f"{label}须为：{'、'.join(f.choices)}", field=f.name)
        return raw
    if f.kind == "bool":
        if not isinstance(raw, bool):
            raise InvalidTaskData(f"{label}须为是或否", field=f.name)
        return raw
    if f.kind == "amount":
        try:
            value = Decimal(str(raw))
        except (InvalidOperation, ValueError):
            raise InvalidTaskData(f"{label}须为金额（元）", field=f.name) from None
        if isinstance(raw, bool) or not value.is_finite() or value < 0:
            raise InvalidTaskData(f"{label}须为不小于0的金额（元）", field=f.name)
        if value > Decimal("1000000000") or value != value.quantize(Decimal("0.01")):
            raise InvalidTaskData(f"{label}须精确到分且不超过10亿元", field=f.name)
        return float(value) if value != value.to_integral() else int(value)
    if f.kind == "date":
        try:
            day = date.fromisoformat(str(raw))
        except ValueError:
            raise InvalidTaskData(f"{label}须为日期（YYYY-MM-DD）", field=f.name) from None
        if f.future and day < ctx.today:
            raise InvalidTaskData(f"{label}不能早于今天（{ctx.today}）", field=f.name)
        if not f.future and day > ctx.today:
            raise InvalidTaskData(f"{label}不能晚于今天（{ctx.today}）", field=f.name)
        return day.isoformat()
    raise InvalidTaskData(f"{label}类型未知", field=f.name)


def validate(choice: Choice, payload: Mapping[str, Any], ctx: Context) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    for f in choice.fields:
        raw = payload.get(f.name)
        if raw is None or raw == "":
            if f.required:
                raise InvalidTaskData(f"请填写{f.label_zh}", field=f.name)
            continue
        cleaned[f.name] = _clean(f, raw, ctx)
    return cleaned


# -- the effects the catalogue's custom choices compute -------------------------------------


def _events(*items: tuple[str, dict[str, Any]], **data: Any) -> Effect:
    return Effect(events=list(items), data=data)


def _report(ctx: Context, outcome: str) -> list[tuple[str, dict[str, Any]]]:
    """R22: a referred case's mediation outcome goes back to the court in writing at once."""
    return [("result_reported", {"outcome": outcome})] if ctx.referred else []


def _refer(form: dict[str, Any], ctx: Context) -> Effect:
    data: dict[str, Any] = {"mode": ctx.mode, "mediator_org": form["mediator_org"]}
    if ctx.mode == "post_filing":
        if "procedure" not in form:
            raise InvalidTaskData("委托调解须选择审理程序（普通程序/简易程序）", field="procedure")
        data["procedure"] = form["procedure"]
    return Effect(
        events=[("referred", data)],
        data={"procedure": form.get("procedure", ctx.data.get("procedure", ""))},
        facts={"mediator_org": form["mediator_org"], "procedure": form.get("procedure")},
    )


def _accept_referral(_form: dict[str, Any], ctx: Context) -> Effect:
    effect = _events(("referral_accepted", {}))
    if ctx.data.get("channel") == "online":
        # R18: online, the mediation period runs from the mediator's platform acceptance.
        effect.data["mediation_from"] = ctx.today.isoformat()
    return effect


AGREEMENT_TERMS = ("terms", "performance_method", "performance_deadline")


def _agree(form: dict[str, Any], ctx: Context) -> Effect:
    effective = form.get("effective_on", ctx.today.isoformat())
    # An agreement cannot take effect before the mediation that produced it began (received
    # for a referral, accepted for a complaint); an earlier date would start R40's 30 days early.
    began = max(str(ctx.data.get(k) or "") for k in ("received_on", "accepted_on"))
    if began and effective < began:
        raise InvalidTaskData(f"协议生效日期不能早于调解开始（{began}）", field="effective_on")
    # The terms the 调解协议书 prints (what, how, by when) are recorded with the agreement.
    terms: dict[str, Any] = {k: form[k] for k in AGREEMENT_TERMS if k in form}
    events: list[tuple[str, dict[str, Any]]] = [
        ("agreement_signed", {"amount": form["amount"], "effective_on": effective, **terms})
    ]
    if ctx.mode == "pre_filing":
        events.append(("agreement_filed", {}))  # R32: filed with the court (备案)
    else:
        events += _report(ctx, "agreement_signed")
    return Effect(events=events, data={"effective_on": effective}, facts={"amount": form["amount"]})


def _apply_confirmation(form: dict[str, Any], ctx: Context) -> Effect:
    if form.get("joint") is not True:
        raise InvalidTaskData("司法确认须由双方当事人共同申请（R40）", field="joint")
    effect = _events(("confirmation_applied", {"joint": True}))
    if not ctx.referred:
        # A complaint agreement goes to a court the parties choose (R41); its judges decide.
        if not form.get("court"):
            raise InvalidTaskData("请填写受理司法确认申请的法院（R41）", field="court")
        effect.facts["court_org"] = form["court"]
    return effect


def _extend(form: dict[str, Any], ctx: Context) -> Effect:
    # Parties may agree to extend the period (TYTJ Art. 27), not to cut it short.
    if ctx.due is not None and date.fromisoformat(form["until"]) <= ctx.due:
        raise InvalidTaskData(f"延长后的期限须晚于当前期限（{ctx.due}）", field="until")
    return _events(("extension_agreed", {"until": form["until"]}))


def _fail(form: dict[str, Any], ctx: Context) -> Effect:
    return _events(
        ("mediation_failed", {"reason": form["reason"]}), *_report(ctx, "mediation_failed")
    )


def _withdraw(form: dict[str, Any], ctx: Context) -> Effect:
    return _events(("mediation_withdrawn", dict(form)), *_report(ctx, "mediation_withdrawn"))


def _not_pursued(form: dict[str, Any], ctx: Context) -> Effect:
    refused = ctx.data.get("consent") == "refused"
    return _events(
        ("filing_declined", {"reason": form["reason"]}),
        registration="not_pursued_refused" if refused else "not_pursued",
    )


APPLY: dict[str, Apply] = {
    "refer.refer": _refer,
    "accept_referral.accept": _accept_referral,
    "mediate.extend": _extend,
    "mediate.agree": _agree,
    "mediate.fail": _fail,
    "mediate.withdraw": _withdraw,
    "agreement_follow_up.apply": _apply_confirmation,
    "register_case.not_pursued": _not_pursued,
}


def _not_paused(ctx: Context) -> bool:
    return ctx.status != "paused"


AVAILABLE: dict[str, Callable[[Context], bool]] = {
    "always": lambda ctx: True,
    "not_paused": _not_paused,
    "paused": lambda ctx: ctx.status == "paused",
    "not_started": lambda ctx: "mediation_started" not in ctx.seen and _not_paused(ctx),
}


def _effect_of(task_id: str, spec: ChoiceDef) -> Apply:
    """The catalogue's effect of a choice: its routing variables and dates, then either the
    custom function's effect or its single event with the fixed data and the form's fields."""
    custom = APPLY.get(f"{task_id}.{spec.id}")
    if spec.custom != (custom is not None):
        raise ValueError(f"{task_id}.{spec.id}: custom={spec.custom} but APPLY disagrees")
    if custom is None and len(spec.events) != 1:
        raise ValueError(f"{task_id}.{spec.id}: several events need a custom effect")

    def apply(form: dict[str, Any], ctx: Context) -> Effect:
        if custom is not None:
            effect = custom(form, ctx)
        else:
            effect = Effect(events=[(spec.events[0], {**spec.data, **form})])
        routing: dict[str, Any] = dict(spec.sets)
        routing.update(dict.fromkeys(spec.dated, ctx.today.isoformat()))
        effect.data = {**routing, **effect.data}
        return effect

    return apply


def _form(task: Task) -> TaskForm:
    return TaskForm(
        task.id,
        task.title_zh,
        task.roles,
        tuple(
            Choice(
                c.id,
                c.label_zh,
                _effect_of(task.id, c),
                c.fields,
                AVAILABLE[c.when],
                label_en=c.label_en,
                events=c.events,
            )
            for c in task.choices
        ),
        org=task.org,
        timers=catalogue.task_timers(task.id),
        title_en=task.title_en,
    )


FORMS: dict[str, TaskForm] = {task.id: _form(task) for task in catalogue.TASKS.values()}


def available_choices(form: TaskForm, ctx: Context) -> tuple[Choice, ...]:
    """The choices a person may make now: one list for the pages and the HTTP API."""
    return tuple(c for c in form.choices if c.available(ctx))


def form_for(bpmn_id: str) -> TaskForm:
    try:
        return FORMS[bpmn_id]
    except KeyError:
        raise InvalidTaskData(f"任务“{bpmn_id}”没有可用的操作", field="task") from None
