"""调解: the mediation itself, called by the referral and complaint processes.

The caller's boundary timer on its `mediation` call activity holds the mediation period (R16/R17,
or the complaint horizon); pauses and extensions move it. The mediation ends when `mediate`
records a result: agreement, failure (调解不成) or withdrawal; the caller's result gateway
decides what follows.
"""

from __future__ import annotations

from engine.catalogue.fields import REASON, REASON_OPTIONAL
from engine.catalogue.model import (
    MEDIATOR,
    Chain,
    Choice,
    End,
    Field,
    Flow,
    Gateway,
    Otherwise,
    ProcessDef,
    Start,
    Task,
    UserTask,
)

NOTIFY_PARTIES = Task(
    "notify_parties",
    "通知当事人并告知权利义务",
    "Notify the parties",
    "通知调解时间地点，告知权利义务及司法确认（R13）",
    frozenset({MEDIATOR}),
    org="mediator",
    lane="mediator",
    choices=(
        Choice(
            "notify",
            "已通知调解时间地点并告知权利义务、司法确认",
            "Parties notified of time, place, rights and confirmation",
            events=("parties_notified",),
            fields=(
                Field(
                    "session_at", "调解时间", "text", required=False, label_en="Time of the session"
                ),
                Field("place", "调解地点", "text", required=False, label_en="Place"),
                # How the 调解通知 was served: recorded on the event (issue 7).
                Field(
                    "channel",
                    "送达方式",
                    "choice",
                    required=False,
                    choices=("in_person", "post", "sms", "email", "phone", "online"),
                    label_en="Served by",
                ),
            ),
        ),
    ),
)

MEDIATE = Task(
    "mediate",
    "调解",
    "Mediate",
    "调解：记录调解、暂停、延期或结果",
    frozenset({MEDIATOR}),
    org="mediator",
    lane="mediator",
    choices=(
        Choice(
            "start",
            "开始调解",
            "Start mediation",
            events=("mediation_started",),
            when="not_started",
        ),
        Choice(
            "pause",
            "鉴定/评估，暂停计算调解期限",
            "Appraisal: pause the period",
            events=("pause_started",),
            fields=(
                REASON,
                Field("until", "预计恢复日期", "date", future=True, label_en="Until"),
            ),
            when="not_paused",
        ),
        Choice(
            "resume",
            "鉴定/评估结束，恢复计算",
            "Appraisal over: resume the period",
            events=("pause_ended",),
            when="paused",
        ),
        Choice(
            "extend",
            "双方同意延长调解期限",
            "Both parties agree to extend",
            events=("extension_agreed",),
            fields=(Field("until", "延长至", "date", future=True, label_en="Until"),),
            custom=True,
            when="not_paused",
        ),
        Choice(
            "agree",
            "达成调解协议",
            "Agreement reached",
            events=("agreement_signed", "agreement_filed", "result_reported"),
            fields=(
                Field("amount", "协议金额（元）", "amount", label_en="Agreed amount (yuan)"),
                Field(
                    "effective_on", "协议生效日期", "date", required=False, label_en="Effective on"
                ),
                Field("terms", "协议内容", "text", required=False, label_en="Terms"),
                Field(
                    "performance_method",
                    "履行方式",
                    "text",
                    required=False,
                    label_en="Manner of performance",
                ),
                Field(
                    "performance_deadline",
                    "履行期限",
                    "date",
                    required=False,
                    future=True,
                    label_en="Perform by",
                ),
            ),
            sets={"mediation_result": "agreement"},
            custom=True,
            when="not_paused",
        ),
        Choice(
            "fail",
            "调解不成",
            "Mediation failed",
            events=("mediation_failed", "result_reported"),
            fields=(REASON,),
            sets={"mediation_result": "failed"},
            custom=True,
        ),
        Choice(
            "withdraw",
            "申请人撤回调解",
            "Applicant withdraws",
            events=("mediation_withdrawn", "result_reported"),
            fields=(REASON_OPTIONAL,),
            sets={"mediation_result": "withdrawn"},
            custom=True,
        ),
    ),
)

MEDIATION = ProcessDef(
    "mediation",
    "调解（接受委派/委托或受理投诉之后）",
    "Mediation",
    "Called by the referral and complaint processes. The caller's boundary timer holds the "
    "mediation period (R16/R17, or the complaint horizon); pauses and extensions move it.",
    steps=(
        Start(lane="mediator"),
        UserTask(NOTIFY_PARTIES),
        UserTask(MEDIATE),
        Gateway("mediate_gw", "调解结束？", lane="mediator"),
        End("end_mediation", "调解终结", lane="mediator"),
        Chain("start", "notify_parties", "mediate", "mediate_gw"),
        Flow("mediate_gw", "end_mediation", 'mediation_result != ""', "已有结果"),
        Otherwise("mediate_gw", "mediate", "继续调解"),
    ),
    selectable=False,
)
