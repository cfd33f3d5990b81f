"""A case walked to mediation through the engine, for tests whose subject needs one whatever
the demo's random draw left open on the day they run."""

from __future__ import annotations

from engine.services import Actor, Engine

ANSWERS = {
    "record_consent": {"action": "consent"},
    "sign_for_referral": {"action": "sign"},
    "accept_referral": {"action": "accept"},
}


def mediating_case(engine: Engine, case_id: str, court: str, committee: str) -> str:
    """A pre-filing referral of `court`, accepted by `committee`: its R16 period has started."""
    if engine.store.get(case_id) is None:
        engine.open_case(
            process_id="pre_filing_referral",
            case_id=case_id,
            actor=Actor("setup", "court_clerk", court),
            facts={"consumer": {"name": "李娜"}, "claim_amount": 800},
        )
    answers = {
        **ANSWERS,
        "refer": {"action": "refer", "mediator_org": committee, "procedure": "ordinary"},
    }
    for _ in range(len(answers)):
        task = engine.case(case_id).tasks[0]
        if task.bpmn_id not in answers:
            break
        who = Actor("setup", task.roles[0], task.org or "")
        engine.complete(
            case_id=case_id, task_id=task.task_id, actor=who, payload=answers[task.bpmn_id]
        )
    return case_id
