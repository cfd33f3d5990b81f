"""The front of both court referral processes (委派 before filing, 委托 after): consent, referral,
receipt, acceptance and mediation, with the lapses the rules allow.

consent → refer → sign for the materials → accept → mediation (调解) → result gateway `result_gw`
(what follows each result is in pre_filing.py and post_filing.py).
"""

from __future__ import annotations

from engine.catalogue.fields import REASON
from engine.catalogue.mediation import MEDIATE, NOTIFY_PARTIES
from engine.catalogue.model import (
    CLERK,
    MEDIATOR,
    Call,
    Chain,
    Choice,
    Field,
    Flow,
    Gateway,
    Lapse,
    Otherwise,
    Period,
    Script,
    Start,
    Step,
    Task,
    UserTask,
    Watch,
    when,
)

PROCEDURES = ("ordinary", "simple")

RECORD_CONSENT = Task(
    "record_consent",
    "记录当事人是否同意调解",
    "Record whether the parties consent to mediation",
    "记录当事人是否同意调解（R01/R02）",
    frozenset({CLERK}),
    org="court",
    lane="court_clerk",
    choices=(
        Choice(
            "consent",
            "双方同意调解",
            "Both parties consent",
            events=("consent_given",),
            data={"party": "both"},
            sets={"consent": "given"},
        ),
        Choice(
            "refuse",
            "当事人不同意调解",
            "A party refuses",
            events=("consent_refused",),
            fields=(
                Field(
                    "party",
                    "不同意的一方",
                    "choice",
                    choices=("consumer", "business", "both"),
                    label_en="Party who refuses",
                ),
            ),
            sets={"consent": "refused"},
        ),
    ),
)

REFER = Task(
    "refer",
    "委派/委托调解组织",
    "Refer to a mediation organisation",
    "委派/委托调解组织（R02）",
    frozenset({CLERK}),
    org="court",
    lane="court_clerk",
    choices=(
        Choice(
            "refer",
            "委派/委托",
            "Refer",
            events=("referred",),
            fields=(
                Field("mediator_org", "调解组织", "org", label_en="Mediation organisation"),
                Field(
                    "procedure",
                    "审理程序",
                    "choice",
                    required=False,
                    choices=PROCEDURES,
                    label_en="Procedure",
                ),
            ),
            sets={"receipt": "", "acceptance": "", "mediation_result": ""},
            dated=("referred_on",),
            custom=True,
        ),
    ),
)

SIGN_FOR_REFERRAL = Task(
    "sign_for_referral",
    "签收委派/委托材料",
    "Sign for the referral materials",
    "签收委派/委托材料（期限起算）",
    frozenset({MEDIATOR}),
    org="mediator",
    lane="mediator",
    choices=(
        Choice(
            "sign",
            "签收材料（调解期限自今日起算）",
            "Sign for the materials (the mediation period starts today)",
            events=("referral_received",),
            sets={"receipt": "received"},
            dated=("received_on", "mediation_from"),
        ),
        Choice(
            "decline",
            "不予接受",
            "Decline",
            events=("referral_declined",),
            fields=(REASON,),
            sets={"receipt": "declined"},
        ),
    ),
)

ACCEPT_REFERRAL = Task(
    "accept_referral",
    "确认是否接受委派/委托",
    "Accept or decline the referral",
    "确认是否接受委派/委托（R06）",
    frozenset({MEDIATOR}),
    org="mediator",
    lane="mediator",
    choices=(
        Choice(
            "accept",
            "接受",
            "Accept",
            events=("referral_accepted",),
            sets={"acceptance": "accepted"},
            custom=True,  # R18: online, the mediation period runs from this acceptance
        ),
        Choice(
            "decline",
            "不予接受（说明理由）",
            "Decline (give reasons)",
            events=("referral_declined",),
            fields=(REASON,),
            sets={"acceptance": "declined"},
        ),
    ),
)

TASKS = (RECORD_CONSENT, REFER, SIGN_FOR_REFERRAL, ACCEPT_REFERRAL, NOTIFY_PARTIES, MEDIATE)


def referral_front(deadline: Period) -> tuple[Step, ...]:
    """The steps up to `result_gw`; `deadline` is the mediation period (R16 or R17), which the
    engine enforces on acceptance and on the mediation itself."""
    return (
        Start(lane="court_clerk"),
        UserTask(RECORD_CONSENT),
        Lapse(
            "consent_lapse",
            "R01 同意期限届满",
            "record_consent",
            Period("R01", "consent_window", "filed_on"),
        ),
        Script(
            "deem_refused",
            "视为不同意调解",
            'emit("consent_refused", party="none", deemed=True)\nconsent = "refused"',
        ),
        Gateway("consent_gw", "是否同意？", lane="court_clerk"),
        UserTask(REFER),
        # R05 counts from the dispute's receipt (filed_on), not from the consent that readies
        # this task: the inbox and the pack must name the same due date.
        Watch("refer", Period("R05", "designate_mediator", "filed_on"), lane="court_clerk"),
        UserTask(SIGN_FOR_REFERRAL),
        Lapse(
            "receipt_lapse",
            "R06 逾期未确认",
            "sign_for_referral",
            Period("R06", "confirm_receipt", "referred_on"),
        ),
        UserTask(ACCEPT_REFERRAL),
        Lapse(
            "acceptance_lapse",
            "R06 逾期未确认接受",
            "accept_referral",
            Period("R06", "acceptance", "received_on"),
        ),
        Lapse("acceptance_deadline", "调解期限届满", "accept_referral", deadline),
        Script(
            "deem_declined",
            "视为不接受，重新指定（R06）",
            'emit("referral_declined", reason="逾期未确认", deemed=True)',
        ),
        Gateway("referral_gw", "是否接受？", lane="mediator"),
        Call("mediation", "调解", "mediation"),
        Lapse("mediation_deadline", "调解期限届满", "mediation", deadline),
        Script(
            "time_out",
            "调解期限届满，书面报告法院（R22）",
            'emit("mediation_timed_out")\n'
            'emit("result_reported", outcome="mediation_timed_out")\n'
            'mediation_result = "timed_out"',
        ),
        Gateway("result_gw", "调解结果", lane="mediator"),
        Chain("start", "record_consent", "consent_gw"),
        Flow("consent_gw", "refer", when("consent", "given"), "同意"),
        Chain("consent_lapse", "deem_refused"),
        Chain("refer", "sign_for_referral"),
        Flow("sign_for_referral", "referral_gw"),
        Flow("referral_gw", "accept_referral", when("receipt", "received"), "已签收"),
        Otherwise("referral_gw", "refer", "不接受：重新指定"),
        Chain("receipt_lapse", "deem_declined"),
        Chain("acceptance_lapse", "deem_declined"),
        Flow("deem_declined", "refer"),
        Gateway("accept_gw", "接受？", lane="mediator"),
        Chain("accept_referral", "accept_gw"),
        Flow("accept_gw", "mediation", when("acceptance", "accepted"), "接受"),
        Otherwise("accept_gw", "refer", "不接受：重新指定"),
        Chain("acceptance_deadline", "time_out"),
        Chain("mediation_deadline", "time_out"),
        Chain("mediation", "result_gw"),
        Flow("time_out", "result_gw"),
    )
