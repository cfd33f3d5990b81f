"""Realistic cases (api/demo facts) driven to each document's point, with what was rendered there.

Each case is played on a fixed clock; at the step a document belongs to, every format of it is
rendered with that day as its date, so the output is the same on every run (golden files).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from api.documents import render
from api.documents.fields import collect
from api.documents.template import load_template
from engine.bpmn.specs import SpecLibrary
from standard_rules.legal_calendar import default_calendar
from standard_rules.pack import default_pack
from storage.sql import SqlCaseStore
from tests.workflows.conftest import CLERK, CPC, JUDGE, MEDIATOR, Driver, sh

PRE_ID = "(2025)浙1082民诉前调0001号"
POST_ID = "(2025)浙1082民初0090号"
COMPLAINT_ID = "LH-TS-2025-0007"
FACTS: dict[str, Any] = {
    "claim_amount": 1299,
    "consumer": {
        "name": "张伟",
        "phone": "13857601234",
        "address": "浙江省临海市古城街道崇和路18号",
        "id_number": "332601199001011234",
    },
    "business": {
        "name": "临海某家电有限公司",
        "phone": "0576-85123456",
        "credit_code": "91331082MA2ABCDE1X",
        "legal_rep": "李强",
        "address": "浙江省临海市大洋街道东方大道100号",
    },
    "summary": "商品质量纠纷",
    "channel": "offline",
    "materials": "起诉状1份、购物发票复印件1份、商品照片6张、微信聊天记录截图4页",
}
AGREEMENT_TERMS = {
    "terms": "乙方为甲方办理退货，甲方将所购空调器返还乙方",
    "performance_method": "银行转账至甲方本人账户",
    "performance_deadline": "2025-03-14",
}
COURT_CONTACT = {"handler": "王书记员", "handler_phone": "0576-85000000"}


@dataclass
class Rendered:
    case_id: str
    kind: str
    expected: dict[str, str]  # written by hand: values the text must show
    required: dict[str, str]  # every required field of the template, as the case fills it
    pdf: bytes
    docx: bytes


@dataclass
class Played:
    driver: Driver
    documents: dict[str, Rendered] = field(default_factory=dict)

    def render_now(
        self, kind: str, expect: dict[str, str], extra: dict[str, str] | None = None
    ) -> None:
        day = self.driver.clock.current.date()
        engine, case_id = self.driver.engine, self.driver.case_id
        view, events = engine.case(case_id), engine.events(case_id)
        values = collect(view, events, engine.pack, engine.calendar, day, extra)
        required = {f: values[f] for f in load_template(kind).required}
        self.documents[kind] = Rendered(
            case_id,
            kind,
            expect,
            required,
            render(engine, case_id, kind, "pdf", extra, issued_on=day),
            render(engine, case_id, kind, "docx", extra, issued_on=day),
        )


def _driver(path: Path, name: str) -> Driver:
    store = SqlCaseStore.from_url(f"sqlite:///{path / name}")
    return Driver(
        SpecLibrary(), default_pack(), default_calendar(), store=store, start=sh(2025, 3, 3, 9)
    )


def pre_filing_agreement(tmp: Path) -> Played:
    """委派 → 签收 → 通知 → 调解协议 → 司法确认申请."""
    p = Played(_driver(tmp, "pre.db"))
    d = p.driver
    d.open("pre_filing_referral", CLERK, case_id=PRE_ID, facts=FACTS)
    d.do(CLERK, "record_consent", action="consent")
    d.do(CLERK, "refer", action="refer", mediator_org=CPC)
    p.render_now(
        "assignment_letter",
        {"referred_on": "2025年3月3日", "period_days": "30", "issued_on": "二〇二五年三月三日",
         "case_id": "（2025）浙1082民诉前调0001号", "mediator_org": "临海市消费者权益保护委员会"},
        COURT_CONTACT,
    )  # fmt: skip
    d.at(sh(2025, 3, 4, 10))
    d.do(MEDIATOR, "sign_for_referral", action="sign")
    d.do(MEDIATOR, "accept_referral", action="accept")
    p.render_now("receipt", {"received_on": "2025年3月4日", "mediation_due": "2025年4月3日"})
    d.at(sh(2025, 3, 5, 9))
    d.do(
        MEDIATOR,
        "notify_parties",
        action="notify",
        session_at="2025年3月10日14时30分",
        place="临海市消保委调解室",
    )
    p.render_now(
        "mediation_notice", {"session_at": "2025年3月10日14时30分", "place": "临海市消保委调解室"}
    )
    d.at(sh(2025, 3, 10, 15))
    d.do(MEDIATOR, "mediate", action="start")
    d.do(MEDIATOR, "mediate", action="agree", amount=1000, **AGREEMENT_TERMS)
    p.render_now(
        "mediation_agreement",
        {"agreement_amount": "1000", "agreement_amount_upper": "壹仟元整",
         "terms": AGREEMENT_TERMS["terms"], "performance_deadline": "2025年3月14日",
         "agreed_on_words": "二〇二五年三月十日"},
    )  # fmt: skip
    p.render_now("result_reply", {"outcome_zh": "达成调解协议", "effective_on": "2025年3月10日"})
    d.at(sh(2025, 3, 12, 9))
    p.render_now(
        "confirmation_application",
        {"agreed_on": "2025年3月10日", "confirmation_court": "临海市人民法院"},
    )
    d.do(MEDIATOR, "agreement_follow_up", action="apply", joint=True)
    d.do(JUDGE, "decide_acceptance", action="accept")
    return p


def post_filing_failure(tmp: Path) -> Played:
    """委托（简易程序） → 调解不成 → 调解结果回复函."""
    p = Played(_driver(tmp, "post.db"))
    d = p.driver
    facts = {**FACTS, "consumer": {"name": "王芳", "phone": "13905761122"},
             "business": {"name": "台州某汽车销售服务有限公司"}, "summary": "服务合同纠纷",
             "claim_amount": 23800.5}  # fmt: skip
    d.open("post_filing_referral", CLERK, case_id=POST_ID, facts=facts)
    d.do(CLERK, "record_consent", action="consent")
    d.do(CLERK, "refer", action="refer", mediator_org=CPC, procedure="simple")
    p.render_now("entrustment_letter", {"procedure_zh": "简易程序", "period_days": "7",
                                        "claim_amount": "23800.50",
                                        "claim_amount_upper": "贰万叁仟捌佰元伍角"},
                 COURT_CONTACT)  # fmt: skip
    d.at(sh(2025, 3, 4, 9))
    d.do(MEDIATOR, "sign_for_referral", action="sign")
    d.do(MEDIATOR, "accept_referral", action="accept")
    d.do(
        MEDIATOR,
        "notify_parties",
        action="notify",
        session_at="2025年3月6日9时",
        place="线上调解室",
    )
    d.at(sh(2025, 3, 6, 11))
    d.do(MEDIATOR, "mediate", action="start")
    d.do(MEDIATOR, "mediate", action="fail", reason="经营者拒绝退还定金")
    p.render_now("result_reply", {"outcome_zh": "调解不成", "failure_reason": "经营者拒绝退还定金",
                                  "outcome_on": "2025年3月6日"})  # fmt: skip
    return p


def complaint_supported(tmp: Path) -> Played:
    """消保委受理投诉 → 调解不成 → 支持起诉."""
    p = Played(_driver(tmp, "complaint.db"))
    d = p.driver
    facts = {k: v for k, v in FACTS.items() if k not in ("channel", "materials")}
    facts["summary"] = "预付式消费退费纠纷"
    facts["business"] = {"name": "某健身俱乐部"}
    d.open("complaint_mediation", MEDIATOR, case_id=COMPLAINT_ID, facts=facts)
    d.do(MEDIATOR, "decide_complaint", action="accept")
    d.do(MEDIATOR, "start_mediation", action="start")
    d.do(
        MEDIATOR, "notify_parties", action="notify", session_at="2025年3月7日9时", place="电话调解"
    )
    d.at(sh(2025, 3, 20, 10))
    d.do(MEDIATOR, "mediate", action="fail", reason="经营者拒绝赔偿")
    d.do(MEDIATOR, "support_decision", action="support")
    court = {"court_org": "临海市人民法院"}
    p.render_now("support_statement", {"supported_on": "2025年3月20日", **court}, court)
    return p


PLAYS: dict[str, Callable[[Path], Played]] = {
    "pre_filing_agreement": pre_filing_agreement,
    "post_filing_failure": post_filing_failure,
    "complaint_supported": complaint_supported,
}
