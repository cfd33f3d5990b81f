"""司法确认 (path C, R40–R52): a joint application within 30 days of the agreement taking effect;
the court decides acceptance (R44, 3 days) and rules (R48, 30 days)."""

from __future__ import annotations

from engine.catalogue.fields import REASON
from engine.catalogue.model import (
    JUDGE,
    Chain,
    Choice,
    Close,
    Flow,
    Gateway,
    Otherwise,
    Period,
    ProcessDef,
    Start,
    Task,
    UserTask,
    Watch,
    when,
)

DECIDE_ACCEPTANCE = Task(
    "decide_acceptance",
    "决定是否受理司法确认申请",
    "Accept the application for confirmation?",
    "决定是否受理司法确认申请（R44）",
    frozenset({JUDGE}),
    org="court",
    lane="judge",
    choices=(
        Choice(
            "accept",
            "受理",
            "Accept",
            events=("confirmation_accepted",),
            sets={"court_acceptance": "accepted"},
            dated=("accepted_on",),
        ),
        Choice(
            "not_accept",
            "不予受理",
            "Do not accept",
            events=("confirmation_not_accepted",),
            fields=(REASON,),
            sets={"court_acceptance": "rejected"},
        ),
    ),
)

RULE_ON_CONFIRMATION = Task(
    "rule_on_confirmation",
    "审查并裁定",
    "Review and rule",
    "审查并裁定（R48/R50）",
    frozenset({JUDGE}),
    org="court",
    lane="judge",
    choices=(
        Choice(
            "valid",
            "裁定调解协议有效",
            "Agreement valid",
            events=("confirmation_ruled",),
            data={"result": "valid"},
            sets={"ruling": "valid"},
        ),
        Choice(
            "rejected",
            "裁定驳回申请",
            "Reject the application",
            events=("confirmation_ruled",),
            fields=(REASON,),
            data={"result": "rejected"},
            sets={"ruling": "rejected"},
        ),
        Choice(
            "withdrawn",
            "申请人撤回（或按撤回处理）",
            "Withdrawn (or deemed withdrawn)",
            events=("confirmation_withdrawn",),
            sets={"ruling": "withdrawn"},
        ),
    ),
)

JUDICIAL_CONFIRMATION = ProcessDef(
    "judicial_confirmation",
    "司法确认",
    "Judicial confirmation",
    "Path C: a joint application within 30 days of the agreement taking effect; the court "
    "decides acceptance (R44, 3 days) and rules (R48, 30 days).",
    periods=(
        Period("R44", "decide_acceptance", "applied_on"),
        Period("R48", "rule_on_confirmation", "accepted_on"),
    ),
    selectable=False,
    steps=(
        Start(lane="judge"),
        UserTask(DECIDE_ACCEPTANCE),
        Watch("decide_acceptance", Period("R44", "decide_acceptance", "applied_on"), lane="judge"),
        Gateway("acceptance_gw", "受理？", lane="judge"),
        UserTask(RULE_ON_CONFIRMATION),
        Watch(
            "rule_on_confirmation",
            Period("R48", "rule_on_confirmation", "accepted_on"),
            lane="judge",
        ),
        Gateway("ruling_gw", "裁定结果", lane="judge"),
        Close("confirmation_not_accepted"),
        Close("confirmed"),
        Close("confirmation_rejected"),
        Close("confirmation_withdrawn"),
        Chain("start", "decide_acceptance", "acceptance_gw"),
        Flow(
            "acceptance_gw",
            "rule_on_confirmation",
            when("court_acceptance", "accepted"),
            "受理",
        ),
        Otherwise("acceptance_gw", "close_confirmation_not_accepted", "不予受理"),
        Chain("rule_on_confirmation", "ruling_gw"),
        Flow("ruling_gw", "close_confirmed", when("ruling", "valid"), "有效"),
        Flow("ruling_gw", "close_confirmation_rejected", when("ruling", "rejected"), "驳回"),
        Otherwise("ruling_gw", "close_confirmation_withdrawn", "撤回"),
    ),
)
