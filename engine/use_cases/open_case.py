"""Open a case: check who may register it, start its process, write the opening events."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.actions import CLERK, MEDIATOR
from engine.bpmn import runtime
from engine.bpmn.specs import TOP_LEVEL
from engine.domain.errors import CaseExists, InvalidTaskData, NotPermitted
from engine.ports import StoredCase
from engine.script_api import Draft, StepContext, shanghai_date, step_context
from engine.use_cases.stepping import Actor, Step, Stepper, stamped
from engine.views import CaseView, case_view

INITIAL_DATA = {
    "consent": "", "receipt": "", "acceptance": "", "mediation_result": "", "registration": "",
    "follow_up": "", "court_acceptance": "", "ruling": "", "review": "", "intake": "",
    "support": "", "procedure": "", "effective_on": "", "referred_on": "", "received_on": "",
    "accepted_on": "", "applied_on": "", "mediation_from": "", "channel": "",
}  # fmt: skip
OPENING_EVENTS = {
    "pre_filing_referral": ("dispute_received",),
    "post_filing_referral": ("dispute_received", "case_registered"),
    "complaint_mediation": ("complaint_received",),
    "supported_lawsuit": ("complaint_received",),
}
COURT_SIDE = ("pre_filing_referral", "post_filing_referral")


def open_case(
    steps: Stepper,
    *,
    process_id: str,
    case_id: str,
    actor: Actor,
    facts: Mapping[str, Any] | None = None,
    court_org: str | None = None,
    mediator_org: str | None = None,
) -> CaseView:
    if process_id not in TOP_LEVEL:
        raise InvalidTaskData(
            f"未知流程“{process_id}”，可选：{'、'.join(TOP_LEVEL)}", field="process_id"
        )
    if not case_id or len(case_id) > 100:
        raise InvalidTaskData("案号不能为空且不超过100字", field="case_id")
    facts = dict(facts or {})
    court_side = process_id in COURT_SIDE
    if court_side and actor.role not in (CLERK, "system", "admin"):
        raise NotPermitted("只有法院立案/诉调对接人员可以登记诉调对接案件")
    if not court_side and actor.role not in (MEDIATOR, "system", "admin"):
        raise NotPermitted("只有消保委调解人员可以登记投诉")
    if court_side:
        court_org = court_org or actor.org
    else:
        mediator_org = mediator_org or actor.org
    if steps.store.get(case_id) is not None:
        raise CaseExists(f"案件 {case_id} 已存在")
    now = steps.clock.now()
    today = shanghai_date(now).isoformat()
    data = dict(INITIAL_DATA)
    data.update(filed_on=today, complaint_on=today, channel=str(facts.get("channel") or ""))
    opening: dict[str, Any] = {}
    if "claim_amount" in facts:
        opening["claim_amount"] = facts["claim_amount"]
    if court_side and "channel" in facts:
        opening["channel"] = facts["channel"]
    drafts = [
        Draft(activity, dict(opening) if i == 0 else {}, now)
        for i, activity in enumerate(OPENING_EVENTS[process_id])
    ]
    context = StepContext(stamp=now)
    with step_context(context):
        workflow = runtime.start(steps.specs.get(process_id), data, steps.script_engine, now)
    stored = StoredCase(
        id=case_id,
        process_id=process_id,
        status="intake",
        version=0,
        opened_at=now,
        updated_at=now,
        workflow=b"",
        court_org=court_org,
        mediator_org=mediator_org,
        facts=facts,
    )
    step = Step(stored, workflow, "intake", [], drafts + stamped(context, now))
    step.reminders.extend(context.reminders)
    return case_view(steps.commit(step, actor, now, new=True))
