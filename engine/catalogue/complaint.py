"""消保委投诉调解 (path E): the 消保委's own complaint mediation (R62: decide within 5 working
days; R63: start within 10), which may end in judicial confirmation (path C) or a supported
lawsuit (path D).

After the mediation (`result_gw`):
  达成协议 → agreement_follow_up (agreement.py)
  撤回 → closed: withdrawn
  调解不成 or the horizon lapsed → support_decision: support the consumer's lawsuit, decline,
  or the consumer drops the claim.
"""

from __future__ import annotations

from engine.catalogue.agreement import agreement_follow_up
from engine.catalogue.fields import REASON, REASON_OPTIONAL
from engine.catalogue.model import (
    MEDIATOR,
    Call,
    Chain,
    Choice,
    Close,
    Flow,
    Gateway,
    Lapse,
    Otherwise,
    Period,
    ProcessDef,
    Script,
    Start,
    Task,
    UserTask,
    Watch,
    when,
)

HORIZON = Period("R63", "complaint_mediation_horizon", "accepted_on")

DECIDE_COMPLAINT = Task(
    "decide_complaint",
    "决定是否受理投诉",
    "Accept the complaint?",
    "决定是否受理投诉（R62）",
    frozenset({MEDIATOR}),
    org="mediator",
    lane="mediator",
    choices=(
        Choice(
            "accept",
            "受理",
            "Accept",
            events=("complaint_accepted",),
            sets={"intake": "accepted"},
            dated=("accepted_on",),
        ),
        Choice(
            "reject",
            "不予受理",
            "Reject",
            events=("complaint_rejected",),
            fields=(REASON,),
            sets={"intake": "rejected"},
        ),
    ),
)

START_MEDIATION = Task(
    "start_mediation",
    "开始调解",
    "Start mediation",
    "开始调解（R63）",
    frozenset({MEDIATOR}),
    org="mediator",
    lane="mediator",
    choices=(Choice("start", "开始调解", "Start mediation", events=("mediation_started",)),),
)

SUPPORT_DECISION = Task(
    "support_decision",
    "调解不成后的处理",
    "After failed mediation",
    "是否支持起诉（R57–R61）",
    frozenset({MEDIATOR}),
    org="mediator",
    lane="mediator",
    choices=(
        Choice(
            "support",
            "支持消费者起诉",
            "Support the consumer's lawsuit",
            events=("suit_supported",),
            sets={"support": "supported"},
        ),
        Choice(
            "close",
            "不支持起诉，结案",
            "Do not support the suit: close",
            events=("support_declined",),
            fields=(REASON,),
            sets={"support": "declined"},
        ),
        Choice(
            "consumer_withdraws",
            "消费者不再主张",
            "Consumer drops the claim",
            events=("mediation_withdrawn",),
            fields=(REASON_OPTIONAL,),
            sets={"support": "withdrawn"},
        ),
    ),
)

COMPLAINT = ProcessDef(
    "complaint_mediation",
    "消保委投诉调解",
    "Complaint mediation",
    "Path E: the 消保委's own complaint mediation, which may end in judicial confirmation "
    "(path C) or a supported lawsuit (path D).",
    periods=(
        Period("R62", "decide_complaint", "complaint_on"),
        Period("R63", "start_mediation", "accepted_on"),
    ),
    steps=(
        Start(lane="mediator"),
        UserTask(DECIDE_COMPLAINT),
        Watch(
            "decide_complaint", Period("R62", "decide_complaint", "complaint_on"), lane="mediator"
        ),
        Gateway("complaint_gw", "受理？", lane="mediator"),
        UserTask(START_MEDIATION),
        Watch(
            "start_mediation",
            Period("R63", "start_mediation", "accepted_on"),
            lane="mediator",
            remind_only=True,
        ),
        Lapse("start_horizon", "调解期限届满", "start_mediation", HORIZON),
        Call("mediation", "调解", "mediation"),
        Lapse("mediation_deadline", "调解期限届满", "mediation", HORIZON),
        Script(
            "time_out",
            "调解期限届满",
            'emit("mediation_timed_out")\nmediation_result = "timed_out"',
        ),
        Gateway("result_gw", "调解结果", lane="mediator"),
        UserTask(SUPPORT_DECISION),
        Watch("support_decision", Period("T03", "support_decision", "today()"), lane="mediator"),
        Gateway("support_gw", "支持起诉？", lane="mediator"),
        Close("intake_rejected"),
        Close("withdrawn"),
        Close("supported_suit"),
        Close("support_declined"),
        *agreement_follow_up(),
        Chain("start", "decide_complaint", "complaint_gw"),
        Flow("complaint_gw", "start_mediation", when("intake", "accepted"), "受理"),
        Otherwise("complaint_gw", "close_intake_rejected", "不予受理"),
        Chain("start_mediation", "mediation", "result_gw"),
        Chain("start_horizon", "time_out"),
        Chain("mediation_deadline", "time_out"),
        Flow("time_out", "result_gw"),
        Flow("result_gw", "agreement_follow_up", when("mediation_result", "agreement"), "达成协议"),
        Flow("result_gw", "close_withdrawn", when("mediation_result", "withdrawn"), "撤回"),
        Otherwise("result_gw", "support_decision", "调解不成/期限届满"),
        Chain("support_decision", "support_gw"),
        Flow("support_gw", "close_supported_suit", when("support", "supported"), "支持起诉"),
        Flow("support_gw", "close_support_declined", when("support", "declined"), "不支持起诉"),
        Otherwise("support_gw", "close_withdrawn", "消费者不再主张"),
    ),
)
