"""The pages' words in Simplified Chinese (the default) and English.

The language is chosen by `?lang=en` / `?lang=zh` (kept in a cookie). The engine's own labels
(task titles, choices, field names, error messages) are Chinese; the English page shows the
translation below where there is one and the Chinese otherwise.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from engine import catalogue

if TYPE_CHECKING:
    from standard_rules.pack import RulePack

LANGS = ("zh", "en")
DEFAULT = "zh"

TEXT: dict[str, tuple[str, str]] = {
    # frame
    "app": ("诉调对接", "Court–mediation handoff"),
    "skip": ("跳到正文", "Skip to content"),
    "nav.inbox": ("待办", "Inbox"),
    "nav.cases": ("案件", "Cases"),
    "nav.new": ("登记案件", "New case"),
    "nav.audit": ("审计与统计", "Audit & statistics"),
    "nav.signout": ("退出", "Sign out"),
    "lang.switch": ("English", "中文"),
    "lang.switch.label": ("切换为英文页面", "切换为中文"),
    "footer": (
        "依据 DB33/T 2561-2022《消费纠纷诉调对接服务规范》；期限按国务院放假安排计算。",
        "Per DB33/T 2561-2022; deadlines follow the State Council's holiday schedule.",
    ),
    # sign-in
    "login.title": ("登录", "Sign in"),
    "login.username": ("用户名", "User name"),
    "login.password": ("密码", "Password"),
    "login.submit": ("登录", "Sign in"),
    "login.failed": ("用户名或密码不正确", "Wrong user name or password"),
    "login.expired": ("登录已过期，请重新登录", "Your session expired; please sign in again"),
    "login.expired.kept": (
        "为保护案件信息，15分钟无操作后需重新登录。您刚才填写的内容未提交，已在本浏览器中保留："
        "登录后回到原页面即可看到，核对后再提交。",
        "For the cases' safety a session ends after 15 minutes without activity. What you typed "
        "was not submitted and is kept in this browser: sign in to return to the page, check it "
        "and submit again.",
    ),
    "login.demo": (
        "示例账号（仅限演示）：clerk / clerk-demo，mediator / mediator-demo，judge / judge-demo，"
        "auditor / auditor-demo，主管 court-head / court-head-demo、cpa-head / cpa-head-demo",
        "Demo accounts (demo only): clerk / clerk-demo, mediator / mediator-demo, "
        "judge / judge-demo, auditor / auditor-demo, "
        "supervisors court-head / court-head-demo, cpa-head / cpa-head-demo",
    ),
    # inbox and case list
    "inbox.title": ("我的待办", "My tasks"),
    "inbox.all": ("本单位案件的全部待办", "All waiting tasks of my organisation's cases"),
    "inbox.next": ("下一页", "Next page"),
    "inbox.empty": ("没有符合条件的待办。", "No task matches."),
    "inbox.count": ("共 {n} 项", "{n} in all"),
    "cases.title": ("案件查询", "Cases"),
    "cases.empty": ("没有符合条件的案件。", "No case matches."),
    "filter.legend": ("筛选", "Filters"),
    "filter.q": ("案号或当事人", "Case no. or party"),
    # The search index matches whole words and their beginnings (storage/case_terms.py).
    "filter.q.hint": (
        "可输入完整案号（全角、半角括号均可），或案号从年份、法院代字、类型代字或序号起的"
        "开头（如“2026”“浙1082”“民诉前调123”“123号”）、当事人姓名或名称的开头、"
        "手机尾号4位；案号或名称中间的几个字查不到。",
        "A whole case number (either bracket width), or its beginning from the year, court,"
        " case type or serial (“2026”, “浙1082”, “民诉前调123”, “123号”), the beginning"
        " of a party's name, or a phone's last 4 digits; text from the middle of a number"
        " or name is not found.",
    ),
    "filter.court": ("法院", "Court"),
    "filter.cpa": ("消保委", "Consumer council"),
    "filter.process": ("路径", "Path"),
    "filter.status": ("状态", "Status"),
    "filter.due": ("期限", "Due"),
    "filter.scope": ("范围", "Scope"),
    "filter.any": ("全部", "Any"),
    "filter.apply": ("筛选", "Apply"),
    "filter.reset": ("清除", "Clear"),
    "due.overdue": ("已逾期", "Overdue"),
    "due.today": ("今日到期", "Due today"),
    "due.week": ("本周到期", "Due this week"),
    "scope.mine": ("需要我办理的", "Mine to act on"),
    "scope.all": ("本单位全部", "All of my organisation's"),
    "col.case": ("案号", "Case no."),
    "col.process": ("路径", "Path"),
    "col.task": ("待办", "Task"),
    "col.who": ("办理单位", "Who acts"),
    "col.due": ("法定期限", "Legal due date"),
    "col.left": ("剩余", "Time left"),
    "col.status": ("状态", "Status"),
    "col.parties": ("当事人", "Parties"),
    "col.opened": ("登记日期", "Opened"),
    "col.outcome": ("结果", "Outcome"),
    # days left
    "left.days": ("剩余{n}日", "{n} days left"),
    "left.one": ("剩余1日", "1 day left"),
    "left.today": ("今日到期", "Due today"),
    "left.overdue": ("已逾期{n}日", "{n} days overdue"),
    "left.working": ("（{n}个工作日）", " ({n} working days)"),
    "left.none": ("无法定期限", "No legal deadline"),
    "left.provisional": (
        "（暂定：该年度放假安排尚未公布，公布后重新计算）",
        " (provisional: that year's holiday schedule is not yet published; recomputed when it is)",
    ),
    # case page
    "case.title": ("案件", "Case"),
    "case.parties": ("当事人", "Parties"),
    "case.consumer": ("消费者", "Consumer"),
    "case.business": ("经营者", "Business"),
    "case.name": ("姓名/名称", "Name"),
    "case.phone": ("电话", "Phone"),
    "case.id_number": ("身份证号", "ID number"),
    "case.claim": ("请求金额（元）", "Claim (yuan)"),
    "case.amount": ("协议金额（元）", "Agreed amount (yuan)"),
    "case.summary": ("纠纷概要", "Summary"),
    "case.channel": ("渠道", "Channel"),
    "case.court": ("法院", "Court"),
    "case.cpa": ("调解组织", "Mediation organisation"),
    "case.status": ("状态", "Status"),
    "case.outcome": ("结案结果", "Outcome"),
    "case.masked": (
        "您的角色只能看到打码的身份证号和电话号码。",
        "Your role sees ID and phone numbers masked.",
    ),
    "case.diagram": ("流程图", "Process diagram"),
    "case.diagram.current": ("当前步骤（高亮）：", "Current step (highlighted): "),
    "case.diagram.none": ("无（已结案）", "none (closed)"),
    "case.diagram.done": ("已完成的步骤（绿色）", "Finished steps (green)"),
    "case.diagram.sub": ("子流程：", "Sub-process: "),
    "case.tasks": ("现在可以办理", "What you can do now"),
    "case.tasks.none": (
        "目前没有需要您办理的事项。",
        "There is nothing for you to do on this case now.",
    ),
    "case.tasks.others": ("等待其他人办理：", "Waiting for others: "),
    "assign.title": ("任务指派", "Task assignment"),
    "assign.current": ("办理人", "Assigned to"),
    "assign.nobody": ("未指派（本单位相应人员均可办理）", "Nobody (anyone of the organisation)"),
    "assign.person": ("指派给", "Assign to"),
    "assign.submit": ("指派", "Assign"),
    "assign.clear": ("取消指派", "Clear the assignment"),
    "assign.history": ("指派记录", "Assignments"),
    "assign.at": ("时间", "When"),
    "assign.task": ("任务", "Task"),
    "assign.to": ("办理人", "Assigned to"),
    "assign.by": ("指派人", "By"),
    "assign.cleared": ("（取消指派）", "(cleared)"),
    "scope.assigned": ("指派给我的", "Assigned to me"),
    "inbox.assigned": ("指派：", "Assigned: "),
    "case.timeline": ("时间线与期限", "Timeline and deadlines"),
    "case.documents": ("文书", "Documents"),
    "inbox.notices": ("提醒与督办", "Reminders and escalations"),
    "case.documents.none": ("尚未生成文书。", "No document produced yet."),
    "case.documents.kind": ("文书种类", "Document"),
    "case.documents.format": ("格式", "Format"),
    "case.documents.materials": ("移送材料（案件数据中没有时填写）", "Materials handed over"),
    "case.documents.cause": ("案由（案件数据中没有时填写）", "Cause of action"),
    "case.documents.court_org": ("受文法院（案件数据中没有时填写）", "Court addressed"),
    "case.documents.handler": ("承办人", "Officer in charge"),
    "case.documents.handler_phone": ("承办人联系电话", "Officer's telephone"),
    "case.documents.hash": ("校验码", "Hash"),
    "audit.pack": ("规则包版本：", "Rule pack: "),
    "audit.filter": ("期间与机构", "Period and organisation"),
    "audit.start": ("起始日期", "From"),
    "audit.end": ("截止日期", "To"),
    "audit.apply": ("筛选", "Apply"),
    "audit.clear": ("清除筛选", "Clear"),
    "case.attachments": ("案件材料", "Files"),
    "case.attachments.none": ("尚未上传材料。", "No file attached yet."),
    "case.attachments.kind": ("材料类别", "Kind"),
    "case.attachments.file": (
        "文件（PDF、JPEG或PNG，不超过10MB）",
        "File (PDF, JPEG or PNG, up to 10 MB)",
    ),
    "case.attachments.upload": ("上传", "Upload"),
    "case.facts": ("更正案件信息", "Correct the case's facts"),
    "case.facts.hint": (
        "每次更正都记入时间线（更正人、时间、原值与新值）；依赖某项信息的步骤完成后，该项不能再更正。",
        "Each correction is on the timeline (who, when, old and new); a fact is settled once "
        "the step relying on it is done.",
    ),
    "case.facts.save": ("保存更正", "Save corrections"),
    "case.corrected": ("更正案件信息", "Case facts corrected"),
    "case.print.title": ("消费纠纷诉调对接案件情况表", "Court–mediation handoff: case sheet"),
    "case.print.stamp": ("打印时间：", "Printed "),
    "admin.title": ("系统管理", "Administration"),
    "nav.admin": ("系统管理", "Administration"),
    "admin.users": ("用户", "Users"),
    "admin.name": ("姓名", "Name"),
    "admin.login": ("用户名", "Login"),
    "admin.role": ("角色", "Role"),
    "admin.org": ("机构", "Organisation"),
    "admin.active": ("可登录", "Active"),
    "admin.hint": ("新增用户、重置密码请在服务器上使用命令 ", "Add users or reset passwords with "),
    "admin.hint2": (
        "（见使用说明）。管理员不查看案件。",
        " on the server. Administrators see no cases.",
    ),
    "case.documents.produce": ("生成并下载", "Produce and download"),
    "case.deadlines": ("期限", "Deadlines"),
    "case.submit": ("提交", "Submit"),
    "case.saved": ("已办理。", "Done."),
    "case.errors": ("请更正以下问题：", "Please correct the following:"),
    "case.optional": ("（选填）", " (optional)"),
    "case.due": ("法定期限", "Legal due date"),
    "case.why": ("计算方法", "How it was reckoned"),
    "case.pack": ("规则包", "Rule pack"),
    "case.calendar": ("日历", "Calendar"),
    "case.by": ("办理人", "By"),
    "case.system": ("系统", "System"),
    "case.yes": ("是", "Yes"),
    "dl.met": ("已按期完成", "Met on time"),
    "dl.late": ("逾期完成", "Met late"),
    "dl.cancelled": ("义务已终止", "Obligation ended"),
    "dl.paused": ("暂停计算中", "Paused"),
    "dl.pack": ("；规则包 ", "; rule pack "),
    "dl.pack.then": ("；计算时规则包 ", "; reckoned under rule pack "),
    "dl.pack.now": ("（此处按现行规则包 ", " (shown under today's "),
    "dl.pack.end": (" 重算）", ")"),
    "dl.open_ended": ("双方同意延长，无固定期限", "Extended without an end date"),
    "dl.closed": ("已结案", "Case closed"),
    # new case
    "new.title": ("登记案件", "Register a case"),
    "new.process": ("路径", "Path"),
    "new.case_id": ("案号", "Case number"),
    "new.consumer": ("消费者姓名", "Consumer's name"),
    "new.phone": ("消费者电话", "Consumer's phone"),
    "new.business": ("经营者名称", "Business name"),
    "new.claim": ("请求金额（元）", "Claim (yuan)"),
    "new.channel": ("收件渠道", "Channel"),
    "new.summary": ("纠纷概要", "Summary"),
    "new.cause": ("案由", "Cause of action"),
    "new.id_number": ("消费者公民身份号码", "Consumer's ID number"),
    "new.address": ("消费者住所", "Consumer's address"),
    "new.credit_code": ("经营者统一社会信用代码", "Business credit code"),
    "new.legal_rep": ("经营者法定代表人", "Business legal representative"),
    "new.business_address": ("经营者住所", "Business address"),
    "new.business_phone": ("经营者联系电话", "Business phone"),
    "case.address": ("住所", "Address"),
    "case.credit_code": ("统一社会信用代码", "Credit code"),
    "case.legal_rep": ("法定代表人", "Legal representative"),
    "case.cause": ("案由", "Cause of action"),
    "new.submit": ("登记", "Register"),
    "channel.offline": ("线下", "Offline"),
    "channel.online": ("线上", "Online"),
    # audit dashboard
    "audit.title": ("审计与统计", "Audit and statistics"),
    "audit.summary": (
        "{cases} 件案件，{events} 条事件；发现问题 {findings} 项（截至 {as_of}）",
        "{cases} cases, {events} events; {findings} findings (as of {as_of})",
    ),
    "audit.by_rule": ("问题 · 按规则", "Findings by rule"),
    "audit.by_org": ("问题 · 按机构", "Findings by organisation"),
    "audit.findings": ("问题清单", "Findings"),
    "audit.stats": ("统计", "Statistics"),
    "audit.download": ("下载 Excel", "Download Excel"),
    "audit.download.audit": ("审计报告（Excel）", "Audit report (Excel)"),
    "audit.download.stats": ("统计报表（Excel）", "Statistics (Excel)"),
    "audit.none": ("没有发现问题。", "No findings."),
    "audit.nodata": ("无数据", "No data"),
    "audit.rule": ("规则", "Rule"),
    "audit.kind": ("类型", "Kind"),
    "audit.org": ("机构", "Organisation"),
    "audit.message": ("说明", "Description"),
    "audit.count": ("件数", "Count"),
    "audit.metric": ("指标", "Figure"),
    "audit.total": ("合计", "Total"),
    "audit.more": (
        "仅显示前 {n} 项；完整清单请下载 Excel。",
        "First {n} shown; download Excel for all.",
    ),
    "audit.stats.missing": (
        "统计模块尚未就绪，仅显示审计结果。",
        "The statistics module is not ready; only the audit is shown.",
    ),
    "audit.definitions": ("口径", "Definitions"),
    "rollup.title": ("省市县分级统计（同比）", "Cases by city and county, year on year"),
    "rollup.period": (
        "{start} 至 {end} 立案的案件，对比上年同期 {last_start} 至 {last_end}",
        "Cases opened {start} to {end}, against {last_start} to {last_end} a year earlier",
    ),
    "rollup.city": ("按市", "By city"),
    "rollup.county": ("按县（市、区）", "By county"),
    "rollup.area": ("地区", "Area"),
    "rollup.cases": ("本期", "This period"),
    "rollup.last_year": ("上年同期", "A year earlier"),
    "rollup.change": ("同比", "Change"),
    "rollup.none": ("本期与上年同期均无案件。", "No cases in either period."),
    # errors
    "error.title": ("出错了", "Something went wrong"),
    "error.404": (
        "案件不存在，或不属于您的单位。",
        "No such case, or it does not belong to your organisation.",
    ),
    "error.403": ("您的角色无权查看此页面。", "Your role may not see this page."),
    "error.csrf": (
        "表单已过期，请返回后重新提交。",
        "The form expired; please go back and submit it again.",
    ),
    "error.back": ("返回待办", "Back to the inbox"),
}

# Process names (with the pack's periods: Translator.process), statuses and the labels of the
# tasks, choices, fields and field values are the catalogue's (engine/catalogue).
PROCESS: dict[str, tuple[str, str]] = {
    p.id: (p.name_zh, p.name_en) for p in catalogue.PROCESSES if p.selectable
}
STATUS: dict[str, tuple[str, str]] = catalogue.STATUSES
ROLE: dict[str, tuple[str, str]] = {
    "court_clerk": ("法院立案/诉调对接", "Court clerk"),
    "judge": ("法官", "Judge"),
    "mediator": ("消保委调解员", "Mediator"),
    "auditor": ("审计员", "Auditor"),
    "supervisor": ("督办负责人（院领导/消保委负责人）", "Supervisor"),
    "admin": ("管理员", "Administrator"),
    "system": ("系统", "System"),
    "party": ("当事人", "Party"),
}
CHOICE_VALUE: dict[str, tuple[str, str]] = {
    **catalogue.VALUE_LABELS,
    "none": ("未表态", "No answer"),
    "offline": ("线下", "Offline"),
    "pre_filing": ("委派（立案前）", "Pre-filing (委派)"),
    "post_filing": ("委托（立案后）", "Post-filing (委托)"),
    "valid": ("有效", "Valid"),
    "rejected": ("驳回", "Rejected"),
    "platform": ("在线平台送达", "Online platform"),
}
# The names of event data keys (contract/EVENTS.md) on the timeline.
DATA_KEY: dict[str, tuple[str, str]] = {
    "amount": ("金额（元）", "Amount (yuan)"),
    "claim_amount": ("请求金额（元）", "Claim (yuan)"),
    "effective_on": ("生效日期", "Effective on"),
    "mode": ("方式", "Mode"),
    "procedure": ("程序", "Procedure"),
    "mediator_org": ("调解组织", "Mediation organisation"),
    "party": ("当事人", "Party"),
    "channel": ("渠道", "Channel"),
    "reason": ("理由", "Reason"),
    "until": ("至", "Until"),
    "outcome": ("结果", "Outcome"),
    "result": ("结果", "Result"),
    "joint": ("共同申请", "Joint"),
    "voluntary": ("自动履行", "Voluntary"),
    "session_at": ("调解时间", "Session"),
    "place": ("地点", "Place"),
    "terms": ("协议内容", "Terms"),
    "performance_method": ("履行方式", "Performance"),
    "performance_deadline": ("履行期限", "Perform by"),
    "court": ("法院", "Court"),
    "deemed": ("依期限视为", "Deemed by lapse"),
}
TASK_EN: dict[str, str] = {t.id: t.title_en for t in catalogue.TASKS.values()}
CHOICE_EN: dict[str, str] = {
    f"{t.id}.{c.id}": c.label_en for t in catalogue.TASKS.values() for c in t.choices
}
FIELD_EN: dict[str, str] = {f.name: f.label_en for _, f in catalogue.fields() if f.label_en}


class Translator:
    def __init__(self, lang: str, pack: RulePack | None = None) -> None:
        self.lang = lang if lang in LANGS else DEFAULT
        self.en = self.lang == "en"
        self.pack = pack

    def __call__(self, key: str, **values: object) -> str:
        pair = TEXT.get(key)
        text = key if pair is None else pair[1 if self.en else 0]
        return text.format(**values) if values else text

    def pick(self, table: dict[str, tuple[str, str]], key: str | None) -> str:
        if key is None:
            return ""
        pair = table.get(key)
        return key if pair is None else pair[1 if self.en else 0]

    def process(self, key: str | None) -> str:
        """The process's name with the periods of the pack in force (R16 30日, or a local
        agreement's own number)."""
        if key is None or key not in catalogue.BY_ID:
            return self.pick(PROCESS, key)
        return catalogue.display_name(key, self.pack or _pack(), self.en)

    def status(self, key: str | None) -> str:
        return self.pick(STATUS, key)

    def role(self, key: str | None) -> str:
        return self.pick(ROLE, key)

    def value(self, key: object) -> str:
        if isinstance(key, bool):
            return ("Yes" if key else "No") if self.en else ("是" if key else "否")
        code = str(key)
        if code in CHOICE_VALUE:
            return self.pick(CHOICE_VALUE, code)
        # an outcome or an activity named in event data (result_reported, case_closed)
        named = _pack_names().get(code)
        if named is not None:
            return named[1 if self.en else 0]
        return code

    def data_key(self, key: str) -> str:
        return self.pick(DATA_KEY, key)

    def task(self, bpmn_id: str, title_zh: str) -> str:
        return TASK_EN.get(bpmn_id, title_zh) if self.en else title_zh

    def choice(self, bpmn_id: str, choice_id: str, label_zh: str) -> str:
        return CHOICE_EN.get(f"{bpmn_id}.{choice_id}", label_zh) if self.en else label_zh

    def field(self, name: str, label_zh: str) -> str:
        return FIELD_EN.get(name, label_zh) if self.en else label_zh


@cache
def _pack() -> RulePack:
    from standard_rules.pack import default_pack

    return default_pack()


@cache
def _pack_names() -> dict[str, tuple[str, str]]:
    """Outcome and activity codes of the rule pack with their 中文 and English names."""
    pack = _pack()
    names = {code: (a.zh, a.en) for code, a in pack.activities.items()}
    names.update({code: (o.zh, o.en) for code, o in pack.outcomes.items()})
    return names
