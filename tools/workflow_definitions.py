"""The handoff processes of RULES.md §1.3, authored for tools/bpmn_builder.py.

Run `python -m tools.build_workflows` to write workflows/*.bpmn. Every timer's due date comes from
the rule pack through `period_due(rule, period, start)`; no period is written here. Script tasks
only emit events and set routing variables; what a person may do is in engine/actions.py.
"""

from __future__ import annotations

from tools.bpmn_builder import Process

CLOSE = 'emit("case_closed", outcome="{outcome}")'


def _close(p: Process, outcome: str, name: str) -> str:
    task = p.script(f"close_{outcome}", f"结案：{name}", CLOSE.format(outcome=outcome))
    end = p.end(f"end_{outcome}", name)
    p.flow(task, end)
    return task


def _reminder(p: Process, task: str, rule: str, period: str, start: str, lane_end: str) -> None:
    """A non-interrupting timer at the due date of a duty: the engine notifies and escalates."""
    timer = p.timer(
        f"{task}_reminder",
        f"{rule} 到期提醒",
        task,
        f'period_due("{rule}", "{period}", {start})',
        interrupting=False,
    )
    script = p.script(f"{task}_remind", f"提醒：{rule}", f'remind("{rule}", "{task}")')
    end = p.end(f"{task}_reminded", "已提醒", lane=lane_end)
    p.chain(timer, script, end)


def _watch(p: Process, task: str, rule: str, period: str, start: str, lane_end: str) -> None:
    """A wait on a person that no lapse ends: a reminder at its due date, then an escalation
    to the organisation's supervisor every T03 interval until the person acts."""
    _reminder(p, task, rule, period, start, lane_end)
    timer = p.timer(
        f"{task}_escalation",
        f"{rule} 逾期督办",
        task,
        f'escalation_cycle("{rule}", "{period}", {start})',
        interrupting=False,
        cycle=True,
    )
    script = p.script(f"{task}_escalate", f"督办：{rule}", f'remind("{rule}", "{task}")')
    end = p.end(f"{task}_escalated", "已督办", lane=lane_end)
    p.chain(timer, script, end)


def mediation() -> Process:
    p = Process(
        "mediation",
        "调解（接受委派/委托或受理投诉之后）",
        "Called by the referral and complaint processes. The caller's boundary timer holds the "
        "mediation period (R16/R17, or the complaint horizon); pauses and extensions move it.",
    )
    p.start(lane="mediator")
    p.user("notify_parties", "通知调解时间地点，告知权利义务及司法确认（R13）", "mediator")
    p.user("mediate", "调解：记录调解、暂停、延期或结果", "mediator")
    p.gateway("mediate_gw", "调解结束？", lane="mediator")
    p.end("end_mediation", "调解终结", lane="mediator")
    p.chain("start", "notify_parties", "mediate", "mediate_gw")
    p.flow("mediate_gw", "end_mediation", 'mediation_result != ""', "已有结果")
    p.otherwise("mediate_gw", "mediate", "继续调解")
    return p


def _referral_front(p: Process, deadline: str) -> None:
    """consent → refer → sign for → accept → mediation, with the lapses the rules allow."""
    p.start(lane="court_clerk")
    p.user("record_consent", "记录当事人是否同意调解（R01/R02）", "court_clerk")
    p.timer(
        "consent_lapse",
        "R01 同意期限届满",
        "record_consent",
        'period_due("R01", "consent_window", filed_on)',
    )
    p.script(
        "deem_refused",
        "视为不同意调解",
        'emit("consent_refused", party="none", deemed=True)\nconsent = "refused"',
    )
    p.gateway("consent_gw", "是否同意？", lane="court_clerk")
    p.user("refer", "委派/委托调解组织（R02）", "court_clerk")
    _watch(p, "refer", "R05", "designate_mediator", "today()", "court_clerk")
    p.user("sign_for_referral", "签收委派/委托材料（期限起算）", "mediator")
    p.timer(
        "receipt_lapse",
        "R06 逾期未确认",
        "sign_for_referral",
        'period_due("R06", "confirm_receipt", referred_on)',
    )
    p.user("accept_referral", "确认是否接受委派/委托（R06）", "mediator")
    p.timer(
        "acceptance_lapse",
        "R06 逾期未确认接受",
        "accept_referral",
        'period_due("R06", "acceptance", received_on)',
    )
    p.timer("acceptance_deadline", "调解期限届满", "accept_referral", deadline)
    p.script(
        "deem_declined",
        "视为不接受，重新指定（R06）",
        'emit("referral_declined", reason="逾期未确认", deemed=True)',
    )
    p.gateway("referral_gw", "是否接受？", lane="mediator")
    p.call("mediation", "调解", "mediation")
    p.timer("mediation_deadline", "调解期限届满", "mediation", deadline)
    p.script(
        "time_out",
        "调解期限届满，书面报告法院（R22）",
        'emit("mediation_timed_out")\n'
        'emit("result_reported", outcome="mediation_timed_out")\n'
        'mediation_result = "timed_out"',
    )
    p.gateway("result_gw", "调解结果", lane="mediator")
    p.chain("start", "record_consent", "consent_gw")
    p.flow("consent_gw", "refer", 'consent == "given"', "同意")
    p.chain("consent_lapse", "deem_refused")
    p.chain("refer", "sign_for_referral")
    p.flow("sign_for_referral", "referral_gw")
    p.flow("referral_gw", "accept_referral", 'receipt == "received"', "已签收")
    p.otherwise("referral_gw", "refer", "不接受：重新指定")
    p.chain("receipt_lapse", "deem_declined")
    p.chain("acceptance_lapse", "deem_declined")
    p.flow("deem_declined", "refer")
    p.gateway("accept_gw", "接受？", lane="mediator")
    p.chain("accept_referral", "accept_gw")
    p.flow("accept_gw", "mediation", 'acceptance == "accepted"', "接受")
    p.otherwise("accept_gw", "refer", "不接受：重新指定")
    p.chain("acceptance_deadline", "time_out")
    p.chain("mediation_deadline", "time_out")
    p.chain("mediation", "result_gw")
    p.flow("time_out", "result_gw")


def _agreement_follow_up(p: Process) -> None:
    """After an agreement: voluntary performance, or a joint application within R40's 30 days."""
    p.user("agreement_follow_up", "协议履行或申请司法确认（R40）", "party")
    p.timer(
        "confirmation_window_lapse",
        "R40 司法确认申请期限届满",
        "agreement_follow_up",
        'period_due("R40", "apply_for_confirmation", effective_on)',
    )
    p.gateway("follow_up_gw", "履行或申请确认", lane="party")
    p.call("judicial_confirmation", "司法确认", "judicial_confirmation", lane="judge")
    p.end("end_confirmation", "司法确认程序结束", lane="judge")
    _close(p, "settled_performed", "达成协议并履行")
    _close(p, "settled_unconfirmed", "协议未申请司法确认")
    p.chain("agreement_follow_up", "follow_up_gw")
    p.flow("follow_up_gw", "close_settled_performed", 'follow_up == "performed"', "已履行")
    p.flow("follow_up_gw", "judicial_confirmation", 'follow_up == "applied"', "申请确认")
    p.otherwise("follow_up_gw", "close_settled_unconfirmed")
    p.chain("judicial_confirmation", "end_confirmation")
    p.chain("confirmation_window_lapse", "close_settled_unconfirmed")


def pre_filing_referral() -> Process:
    p = Process(
        "pre_filing_referral",
        "委派调解（立案前，R16 30日）",
        "Path A of RULES.md §1.3: the court assigns a consumer dispute to the 消保委 before "
        "registration, with the parties' consent.",
    )
    _referral_front(p, 'period_due("R16", "mediation_pre_filing", mediation_from)')
    p.user("register_case", "登记立案（R35/R37）", "court_clerk")
    _watch(p, "register_case", "R37", "register_case", "today()", "court_clerk")
    p.gateway("register_gw", "立案？", lane="court_clerk")
    _close(p, "filed", "登记立案")
    _close(p, "refused", "当事人拒绝调解")
    _close(p, "not_filed", "当事人不再起诉")
    _close(p, "withdrawn", "撤回调解")
    _agreement_follow_up(p)
    p.otherwise("consent_gw", "register_case", "不同意")
    p.flow("deem_refused", "register_case")
    p.flow("result_gw", "agreement_follow_up", 'mediation_result == "agreement"', "达成协议")
    p.flow("result_gw", "close_withdrawn", 'mediation_result == "withdrawn"', "撤回")
    p.otherwise("result_gw", "register_case", "调解不成/期限届满")
    p.chain("register_case", "register_gw")
    p.flow("register_gw", "close_filed", 'registration == "registered"', "已立案")
    p.flow("register_gw", "close_refused", 'registration == "not_pursued_refused"', "不起诉")
    p.otherwise("register_gw", "close_not_filed", "不再起诉")
    return p


def post_filing_referral() -> Process:
    p = Process(
        "post_filing_referral",
        "委托调解（立案后，R17 普通程序15日/简易程序7日）",
        "Path B of RULES.md §1.3: a registered case is entrusted to the 消保委; the period is "
        "not counted in the trial period.",
    )
    _referral_front(p, 'period_due("R17", "mediation_" + procedure, mediation_from)')
    p.user("court_review", "审查协议：出具调解书或准许撤诉（R34）", "judge")
    _watch(p, "court_review", "T03", "court_review", "today()", "judge")
    p.gateway("review_gw", "审查结果", lane="judge")
    p.user("resume_trial", "恢复审理（R36）", "judge")
    _watch(p, "resume_trial", "T03", "resume_trial", "today()", "judge")
    _close(p, "mediation_document", "出具调解书")
    _close(p, "suit_withdrawn", "撤诉")
    _close(p, "trial_resumed", "恢复审理")
    p.otherwise("consent_gw", "resume_trial", "不同意")
    p.flow("deem_refused", "resume_trial")
    p.flow("result_gw", "court_review", 'mediation_result == "agreement"', "达成协议")
    p.otherwise("result_gw", "resume_trial", "调解不成/期限届满/撤回")
    p.chain("court_review", "review_gw")
    p.flow("review_gw", "close_suit_withdrawn", 'review == "suit_withdrawn"', "撤诉")
    p.otherwise("review_gw", "close_mediation_document", "调解书")
    p.chain("resume_trial", "close_trial_resumed")
    return p


def judicial_confirmation() -> Process:
    p = Process(
        "judicial_confirmation",
        "司法确认（R40–R52）",
        "Path C: a joint application within 30 days of the agreement taking effect; the court "
        "decides acceptance (R44, 3 days) and rules (R48, 30 days).",
    )
    p.start(lane="judge")
    p.user("decide_acceptance", "决定是否受理司法确认申请（R44）", "judge")
    _watch(p, "decide_acceptance", "R44", "decide_acceptance", "applied_on", "judge")
    p.gateway("acceptance_gw", "受理？", lane="judge")
    p.user("rule_on_confirmation", "审查并裁定（R48/R50）", "judge")
    _watch(p, "rule_on_confirmation", "R48", "rule_on_confirmation", "accepted_on", "judge")
    p.gateway("ruling_gw", "裁定结果", lane="judge")
    _close(p, "confirmation_not_accepted", "不予受理")
    _close(p, "confirmed", "确认协议有效")
    _close(p, "confirmation_rejected", "驳回申请")
    _close(p, "confirmation_withdrawn", "撤回申请")
    p.chain("start", "decide_acceptance", "acceptance_gw")
    p.flow("acceptance_gw", "rule_on_confirmation", 'court_acceptance == "accepted"', "受理")
    p.otherwise("acceptance_gw", "close_confirmation_not_accepted", "不予受理")
    p.chain("rule_on_confirmation", "ruling_gw")
    p.flow("ruling_gw", "close_confirmed", 'ruling == "valid"', "有效")
    p.flow("ruling_gw", "close_confirmation_rejected", 'ruling == "rejected"', "驳回")
    p.otherwise("ruling_gw", "close_confirmation_withdrawn", "撤回")
    return p


def complaint_mediation() -> Process:
    p = Process(
        "complaint_mediation",
        "消保委投诉调解（R62 5个工作日受理，R63 10个工作日内调解）",
        "Path E: the 消保委's own complaint mediation, which may end in judicial confirmation "
        "(path C) or a supported lawsuit (path D).",
    )
    horizon = 'period_due("R63", "complaint_mediation_horizon", accepted_on)'
    p.start(lane="mediator")
    p.user("decide_complaint", "决定是否受理投诉（R62）", "mediator")
    _watch(p, "decide_complaint", "R62", "decide_complaint", "complaint_on", "mediator")
    p.gateway("complaint_gw", "受理？", lane="mediator")
    p.user("start_mediation", "开始调解（R63）", "mediator")
    _reminder(p, "start_mediation", "R63", "start_mediation", "accepted_on", "mediator")
    p.timer("start_horizon", "调解期限届满", "start_mediation", horizon)
    p.call("mediation", "调解", "mediation")
    p.timer("mediation_deadline", "调解期限届满", "mediation", horizon)
    p.script(
        "time_out", "调解期限届满", 'emit("mediation_timed_out")\nmediation_result = "timed_out"'
    )
    p.gateway("result_gw", "调解结果", lane="mediator")
    p.user("support_decision", "是否支持起诉（R57–R61）", "mediator")
    _watch(p, "support_decision", "T03", "support_decision", "today()", "mediator")
    p.gateway("support_gw", "支持起诉？", lane="mediator")
    _close(p, "intake_rejected", "不予受理")
    _close(p, "withdrawn", "撤回投诉")
    _close(p, "supported_suit", "支持起诉")
    _close(p, "support_declined", "不支持起诉")
    _agreement_follow_up(p)
    p.chain("start", "decide_complaint", "complaint_gw")
    p.flow("complaint_gw", "start_mediation", 'intake == "accepted"', "受理")
    p.otherwise("complaint_gw", "close_intake_rejected", "不予受理")
    p.chain("start_mediation", "mediation", "result_gw")
    p.chain("start_horizon", "time_out")
    p.chain("mediation_deadline", "time_out")
    p.flow("time_out", "result_gw")
    p.flow("result_gw", "agreement_follow_up", 'mediation_result == "agreement"', "达成协议")
    p.flow("result_gw", "close_withdrawn", 'mediation_result == "withdrawn"', "撤回")
    p.otherwise("result_gw", "support_decision", "调解不成/期限届满")
    p.chain("support_decision", "support_gw")
    p.flow("support_gw", "close_supported_suit", 'support == "supported"', "支持起诉")
    p.flow("support_gw", "close_support_declined", 'support == "declined"', "不支持起诉")
    p.otherwise("support_gw", "close_withdrawn", "消费者不再主张")
    return p


def supported_lawsuit() -> Process:
    p = Process(
        "supported_lawsuit",
        "支持起诉（R57–R61）",
        "Path D on its own: a consumer asks the 消保委 to support a lawsuit.",
    )
    p.start(lane="mediator")
    p.user("decide_support", "决定是否支持起诉（R58/R59）", "mediator")
    _watch(p, "decide_support", "R62", "decide_complaint", "complaint_on", "mediator")
    p.gateway("support_gw", "支持？", lane="mediator")
    _close(p, "supported_suit", "支持起诉")
    _close(p, "support_declined", "不予支持")
    p.chain("start", "decide_support", "support_gw")
    p.flow("support_gw", "close_supported_suit", 'support == "supported"', "支持")
    p.otherwise("support_gw", "close_support_declined", "不予支持")
    return p


PROCESSES = (
    mediation,
    pre_filing_referral,
    post_filing_referral,
    judicial_confirmation,
    complaint_mediation,
    supported_lawsuit,
)
