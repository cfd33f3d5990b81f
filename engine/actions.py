"""What a person may do at each BPMN user task: who, which choices, which fields, which events.

The BPMN says where a case stands; this table says what completing a task means in the words of
contract/EVENTS.md. Every field is validated before the workflow is touched, and errors name the
field in Chinese with a stable code, so a refused action changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from engine.domain.errors import InvalidTaskData

CLERK, JUDGE, MEDIATOR = "court_clerk", "judge", "mediator"
MODE_OF_PROCESS = {"pre_filing_referral": "pre_filing", "post_filing_referral": "post_filing"}


@dataclass(frozen=True)
class Field:
    name: str
    label_zh: str
    kind: str  # text | date | amount | bool | org | choice
    required: bool = True
    choices: tuple[str, ...] = ()
    future: bool = False  # a date that must not be in the past (e.g. an agreed new end date)


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


@dataclass(frozen=True)
class TaskForm:
    bpmn_id: str
    title_zh: str
    roles: frozenset[str]
    choices: tuple[Choice, ...]
    org: str  # whose organisation acts: "court" or "mediator"
    timers: tuple[str, ...] = ()  # boundary timers whose due date is this task's deadline

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


# -- the choices ----------------------------------------------------------------------------------

REASON = Field("reason", "理由", "text")
REASON_OPTIONAL = Field("reason", "理由", "text", required=False)


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
        data={
            "referred_on": ctx.today.isoformat(),
            "procedure": form.get("procedure", ctx.data.get("procedure", "")),
            "receipt": "",
            "acceptance": "",
            "mediation_result": "",
        },
        facts={"mediator_org": form["mediator_org"], "procedure": form.get("procedure")},
    )


def _accept_referral(_form: dict[str, Any], ctx: Context) -> Effect:
    effect = _events(("referral_accepted", {}), acceptance="accepted")
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
    return Effect(
        events=events,
        data={"mediation_result": "agreement", "effective_on": effective},
        facts={"amount": form["amount"]},
    )


def _apply_confirmation(form: dict[str, Any], ctx: Context) -> Effect:
    if form.get("joint") is not True:
        raise InvalidTaskData("司法确认须由双方当事人共同申请（R40）", field="joint")
    effect = _events(
        ("confirmation_applied", {"joint": True}),
        follow_up="applied",
        applied_on=ctx.today.isoformat(),
    )
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


def _not_paused(ctx: Context) -> bool:
    return ctx.status != "paused"


FORMS: dict[str, TaskForm] = {}


def _form(form: TaskForm) -> None:
    FORMS[form.bpmn_id] = form


_form(
    TaskForm(
        "record_consent",
        "记录当事人是否同意调解",
        frozenset({CLERK}),
        (
            Choice(
                "consent",
                "双方同意调解",
                lambda f, c: _events(("consent_given", {"party": "both"}), consent="given"),
            ),
            Choice(
                "refuse",
                "当事人不同意调解",
                lambda f, c: _events(("consent_refused", {"party": f["party"]}), consent="refused"),
                (
                    Field(
                        "party", "不同意的一方", "choice", choices=("consumer", "business", "both")
                    ),
                ),
            ),
        ),
        org="court",
        timers=("consent_lapse",),
    )
)

_form(
    TaskForm(
        "refer",
        "委派/委托调解组织",
        frozenset({CLERK}),
        (
            Choice(
                "refer",
                "委派/委托",
                _refer,
                (
                    Field("mediator_org", "调解组织", "org"),
                    Field(
                        "procedure",
                        "审理程序",
                        "choice",
                        required=False,
                        choices=("ordinary", "simple"),
                    ),
                ),
            ),
        ),
        org="court",
        timers=("refer_reminder",),
    )
)

_form(
    TaskForm(
        "sign_for_referral",
        "签收委派/委托材料",
        frozenset({MEDIATOR}),
        (
            Choice(
                "sign",
                "签收材料（调解期限自今日起算）",
                lambda f, c: _events(
                    ("referral_received", {}),
                    receipt="received",
                    received_on=c.today.isoformat(),
                    mediation_from=c.today.isoformat(),
                ),
            ),
            Choice(
                "decline",
                "不予接受",
                lambda f, c: _events(
                    ("referral_declined", {"reason": f["reason"]}), receipt="declined"
                ),
                (REASON,),
            ),
        ),
        org="mediator",
        timers=("receipt_lapse",),
    )
)

_form(
    TaskForm(
        "accept_referral",
        "确认是否接受委派/委托",
        frozenset({MEDIATOR}),
        (
            Choice(
                "accept",
                "接受",
                _accept_referral,
            ),
            Choice(
                "decline",
                "不予接受（说明理由）",
                lambda f, c: _events(
                    ("referral_declined", {"reason": f["reason"]}), acceptance="declined"
                ),
                (REASON,),
            ),
        ),
        org="mediator",
        timers=("acceptance_lapse", "acceptance_deadline"),
    )
)

_form(
    TaskForm(
        "notify_parties",
        "通知当事人并告知权利义务",
        frozenset({MEDIATOR}),
        (
            Choice(
                "notify",
                "已通知调解时间地点并告知权利义务、司法确认",
                lambda f, c: _events(("parties_notified", dict(f))),
                (
                    Field("session_at", "调解时间", "text", required=False),
                    Field("place", "调解地点", "text", required=False),
                    # How the 调解通知 was served: recorded on the event (issue 7).
                    Field(
                        "channel",
                        "送达方式",
                        "choice",
                        required=False,
                        choices=("in_person", "post", "sms", "email", "phone", "online"),
                    ),
                ),
            ),
        ),
        org="mediator",
        timers=("mediation_deadline", "start_horizon"),
    )
)

_form(
    TaskForm(
        "mediate",
        "调解",
        frozenset({MEDIATOR}),
        (
            Choice(
                "start",
                "开始调解",
                lambda f, c: _events(("mediation_started", {})),
                available=lambda c: "mediation_started" not in c.seen and _not_paused(c),
            ),
            Choice(
                "pause",
                "鉴定/评估，暂停计算调解期限",
                lambda f, c: _events(
                    ("pause_started", {"reason": f["reason"], "until": f["until"]})
                ),
                (REASON, Field("until", "预计恢复日期", "date", future=True)),
                available=_not_paused,
            ),
            Choice(
                "resume",
                "鉴定/评估结束，恢复计算",
                lambda f, c: _events(("pause_ended", {})),
                available=lambda c: c.status == "paused",
            ),
            Choice(
                "extend",
                "双方同意延长调解期限",
                _extend,
                (Field("until", "延长至", "date", future=True),),
                available=_not_paused,
            ),
            Choice(
                "agree",
                "达成调解协议",
                _agree,
                (
                    Field("amount", "协议金额（元）", "amount"),
                    Field("effective_on", "协议生效日期", "date", required=False),
                    Field("terms", "协议内容", "text", required=False),
                    Field("performance_method", "履行方式", "text", required=False),
                    Field("performance_deadline", "履行期限", "date", required=False, future=True),
                ),
                available=_not_paused,
            ),
            Choice(
                "fail",
                "调解不成",
                lambda f, c: Effect(
                    events=[
                        ("mediation_failed", {"reason": f["reason"]}),
                        *_report(c, "mediation_failed"),
                    ],
                    data={"mediation_result": "failed"},
                ),
                (REASON,),
            ),
            Choice(
                "withdraw",
                "申请人撤回调解",
                lambda f, c: Effect(
                    events=[
                        ("mediation_withdrawn", dict(f)),
                        *_report(c, "mediation_withdrawn"),
                    ],
                    data={"mediation_result": "withdrawn"},
                ),
                (REASON_OPTIONAL,),
            ),
        ),
        org="mediator",
        timers=("mediation_deadline",),
    )
)

_form(
    TaskForm(
        "agreement_follow_up",
        "协议履行或申请司法确认",
        frozenset({MEDIATOR}),
        (
            Choice(
                "performed",
                "协议已履行完毕",
                lambda f, c: _events(
                    ("performed", {"voluntary": f.get("voluntary", True)}), follow_up="performed"
                ),
                (Field("voluntary", "自动履行", "bool", required=False),),
            ),
            Choice(
                "apply",
                "双方共同申请司法确认",
                _apply_confirmation,
                (
                    Field("joint", "双方共同申请", "bool"),
                    Field("court", "受理法院（投诉调解案件）", "org", required=False),
                ),
            ),
        ),
        org="mediator",
        timers=("confirmation_window_lapse",),
    )
)

_form(
    TaskForm(
        "decide_acceptance",
        "决定是否受理司法确认申请",
        frozenset({JUDGE}),
        (
            Choice(
                "accept",
                "受理",
                lambda f, c: _events(
                    ("confirmation_accepted", {}),
                    court_acceptance="accepted",
                    accepted_on=c.today.isoformat(),
                ),
            ),
            Choice(
                "not_accept",
                "不予受理",
                lambda f, c: _events(
                    ("confirmation_not_accepted", {"reason": f["reason"]}),
                    court_acceptance="rejected",
                ),
                (REASON,),
            ),
        ),
        org="court",
        timers=("decide_acceptance_reminder",),
    )
)

_form(
    TaskForm(
        "rule_on_confirmation",
        "审查并裁定",
        frozenset({JUDGE}),
        (
            Choice(
                "valid",
                "裁定调解协议有效",
                lambda f, c: _events(("confirmation_ruled", {"result": "valid"}), ruling="valid"),
            ),
            Choice(
                "rejected",
                "裁定驳回申请",
                lambda f, c: _events(
                    ("confirmation_ruled", {"result": "rejected", "reason": f["reason"]}),
                    ruling="rejected",
                ),
                (REASON,),
            ),
            Choice(
                "withdrawn",
                "申请人撤回（或按撤回处理）",
                lambda f, c: _events(("confirmation_withdrawn", {}), ruling="withdrawn"),
            ),
        ),
        org="court",
        timers=("rule_on_confirmation_reminder",),
    )
)

_form(
    TaskForm(
        "register_case",
        "登记立案",
        frozenset({CLERK}),
        (
            Choice(
                "register",
                "登记立案",
                lambda f, c: _events(("case_registered", {}), registration="registered"),
            ),
            Choice(
                "not_pursued",
                "当事人不再起诉（不申请立案）",
                # The clerk records the party's decision: it is the clerk's event, not a lapse.
                lambda f, c: _events(
                    ("filing_declined", {"reason": f["reason"]}),
                    registration="not_pursued_refused"
                    if c.data.get("consent") == "refused"
                    else "not_pursued",
                ),
                (REASON,),
            ),
        ),
        org="court",
        timers=("register_case_reminder",),
    )
)

_form(
    TaskForm(
        "court_review",
        "审查调解协议",
        frozenset({JUDGE}),
        (
            Choice(
                "mediation_document",
                "出具调解书",
                lambda f, c: _events(
                    ("mediation_document_issued", {}), review="mediation_document"
                ),
            ),
            Choice(
                "suit_withdrawn",
                "原告撤诉",
                lambda f, c: _events(("suit_withdrawn", {}), review="suit_withdrawn"),
            ),
        ),
        org="court",
        timers=("court_review_reminder",),
    )
)

_form(
    TaskForm(
        "resume_trial",
        "恢复审理",
        frozenset({JUDGE, CLERK}),
        (Choice("resume", "恢复审理", lambda f, c: _events(("trial_resumed", {}))),),
        org="court",
        timers=("resume_trial_reminder",),
    )
)

_form(
    TaskForm(
        "decide_complaint",
        "决定是否受理投诉",
        frozenset({MEDIATOR}),
        (
            Choice(
                "accept",
                "受理",
                lambda f, c: _events(
                    ("complaint_accepted", {}), intake="accepted", accepted_on=c.today.isoformat()
                ),
            ),
            Choice(
                "reject",
                "不予受理",
                lambda f, c: _events(
                    ("complaint_rejected", {"reason": f["reason"]}), intake="rejected"
                ),
                (REASON,),
            ),
        ),
        org="mediator",
        timers=("decide_complaint_reminder",),
    )
)

_form(
    TaskForm(
        "start_mediation",
        "开始调解",
        frozenset({MEDIATOR}),
        (Choice("start", "开始调解", lambda f, c: _events(("mediation_started", {}))),),
        org="mediator",
        timers=("start_mediation_reminder", "start_horizon"),
    )
)

_form(
    TaskForm(
        "support_decision",
        "调解不成后的处理",
        frozenset({MEDIATOR}),
        (
            Choice(
                "support",
                "支持消费者起诉",
                lambda f, c: _events(("suit_supported", {}), support="supported"),
            ),
            Choice(
                "close",
                "不支持起诉，结案",
                lambda f, c: _events(
                    ("support_declined", {"reason": f["reason"]}), support="declined"
                ),
                (REASON,),
            ),
            Choice(
                "consumer_withdraws",
                "消费者不再主张",
                lambda f, c: _events(("mediation_withdrawn", dict(f)), support="withdrawn"),
                (REASON_OPTIONAL,),
            ),
        ),
        org="mediator",
        timers=("support_decision_reminder",),
    )
)

_form(
    TaskForm(
        "decide_support",
        "决定是否支持起诉",
        frozenset({MEDIATOR}),
        (
            Choice(
                "support",
                "支持起诉",
                lambda f, c: _events(("suit_supported", {}), support="supported"),
            ),
            Choice(
                "decline",
                "不予支持",
                lambda f, c: _events(
                    ("support_declined", {"reason": f["reason"]}), support="declined"
                ),
                (REASON,),
            ),
        ),
        org="mediator",
        timers=("decide_support_reminder",),
    )
)


def form_for(bpmn_id: str) -> TaskForm:
    try:
        return FORMS[bpmn_id]
    except KeyError:
        raise InvalidTaskData(f"任务“{bpmn_id}”没有可用的操作", field="task") from None
