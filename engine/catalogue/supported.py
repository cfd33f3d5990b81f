"""支持起诉 (path D on its own): a consumer asks the 消保委 to support a lawsuit."""

from __future__ import annotations

from engine.catalogue.fields import REASON
from engine.catalogue.model import (
    MEDIATOR,
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

DECIDE_SUPPORT = Task(
    "decide_support",
    "决定是否支持起诉",
    "Support a lawsuit?",
    "决定是否支持起诉（R58/R59）",
    frozenset({MEDIATOR}),
    org="mediator",
    lane="mediator",
    choices=(
        Choice(
            "support",
            "支持起诉",
            "Support the lawsuit",
            events=("suit_supported",),
            sets={"support": "supported"},
        ),
        Choice(
            "decline",
            "不予支持",
            "Decline",
            events=("support_declined",),
            fields=(REASON,),
            sets={"support": "declined"},
        ),
    ),
)

SUPPORTED_LAWSUIT = ProcessDef(
    "supported_lawsuit",
    "支持起诉",
    "Supported lawsuit",
    "Path D on its own: a consumer asks the 消保委 to support a lawsuit.",
    steps=(
        Start(lane="mediator"),
        UserTask(DECIDE_SUPPORT),
        Watch("decide_support", Period("R62", "decide_complaint", "complaint_on"), lane="mediator"),
        Gateway("support_gw", "支持？", lane="mediator"),
        Close("supported_suit"),
        Close("support_declined"),
        Chain("start", "decide_support", "support_gw"),
        Flow("support_gw", "close_supported_suit", when("support", "supported"), "支持"),
        Otherwise("support_gw", "close_support_declined", "不予支持"),
    ),
)
