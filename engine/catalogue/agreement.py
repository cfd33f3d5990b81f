"""After an agreement (referral before filing, or complaint): voluntary performance, or a joint
application for judicial confirmation within R40's 30 days; silence past them closes the case
as settled without confirmation."""

from __future__ import annotations

from engine.catalogue.model import (
    MEDIATOR,
    Call,
    Chain,
    Choice,
    Close,
    End,
    Field,
    Flow,
    Gateway,
    Lapse,
    Otherwise,
    Period,
    Step,
    Task,
    UserTask,
    when,
)

AGREEMENT_FOLLOW_UP = Task(
    "agreement_follow_up",
    "协议履行或申请司法确认",
    "Performance or judicial confirmation",
    "协议履行或申请司法确认（R40）",
    frozenset({MEDIATOR}),
    org="mediator",
    lane="party",
    choices=(
        Choice(
            "performed",
            "协议已履行完毕",
            "Agreement performed",
            events=("performed",),
            fields=(
                Field(
                    "voluntary",
                    "自动履行",
                    "bool",
                    required=False,
                    label_en="Performed voluntarily",
                ),
            ),
            data={"voluntary": True},
            sets={"follow_up": "performed"},
        ),
        Choice(
            "apply",
            "双方共同申请司法确认",
            "Joint application for judicial confirmation",
            events=("confirmation_applied",),
            fields=(
                Field("joint", "双方共同申请", "bool", label_en="Both parties apply together"),
                Field(
                    "court",
                    "受理法院（投诉调解案件）",
                    "org",
                    required=False,
                    label_en="Court (complaint cases)",
                ),
            ),
            sets={"follow_up": "applied"},
            dated=("applied_on",),
            custom=True,
        ),
    ),
)


def agreement_follow_up() -> tuple[Step, ...]:
    return (
        UserTask(AGREEMENT_FOLLOW_UP),
        Lapse(
            "confirmation_window_lapse",
            "R40 司法确认申请期限届满",
            "agreement_follow_up",
            Period("R40", "apply_for_confirmation", "effective_on"),
        ),
        Gateway("follow_up_gw", "履行或申请确认", lane="party"),
        Call("judicial_confirmation", "司法确认", "judicial_confirmation", lane="judge"),
        End("end_confirmation", "司法确认程序结束", lane="judge"),
        Close("settled_performed"),
        Close("settled_unconfirmed"),
        Chain("agreement_follow_up", "follow_up_gw"),
        Flow("follow_up_gw", "close_settled_performed", when("follow_up", "performed"), "已履行"),
        Flow("follow_up_gw", "judicial_confirmation", when("follow_up", "applied"), "申请确认"),
        Otherwise("follow_up_gw", "close_settled_unconfirmed"),
        Chain("judicial_confirmation", "end_confirmation"),
        Chain("confirmation_window_lapse", "close_settled_unconfirmed"),
    )
