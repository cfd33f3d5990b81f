"""委托调解 (path B of RULES.md §1.3): a registered case is entrusted to the 消保委; the period
(R17: 15 days ordinary, 7 days simple procedure) is not counted in the trial period.

After the mediation (`result_gw`):
  达成协议 → court_review: the judge issues a mediation document or allows the suit's withdrawal
  调解不成, the period lapsed or withdrawn → resume_trial: the court resumes the trial.
"""

from __future__ import annotations

from engine.catalogue.model import (
    CLERK,
    JUDGE,
    Chain,
    Choice,
    Close,
    Flow,
    Gateway,
    Otherwise,
    Period,
    ProcessDef,
    Task,
    UserTask,
    Watch,
    when,
)
from engine.catalogue.referral import referral_front

MEDIATION_PERIOD = Period("R17", "mediation_{procedure}", "mediation_from")

COURT_REVIEW = Task(
    "court_review",
    "审查调解协议",
    "Review the agreement",
    "审查协议：出具调解书或准许撤诉（R34）",
    frozenset({JUDGE}),
    org="court",
    lane="judge",
    choices=(
        Choice(
            "mediation_document",
            "出具调解书",
            "Issue a mediation document",
            events=("mediation_document_issued",),
            sets={"review": "mediation_document"},
        ),
        Choice(
            "suit_withdrawn",
            "原告撤诉",
            "Plaintiff withdraws",
            events=("suit_withdrawn",),
            sets={"review": "suit_withdrawn"},
        ),
    ),
)

RESUME_TRIAL = Task(
    "resume_trial",
    "恢复审理",
    "Resume the trial",
    "恢复审理（R36）",
    frozenset({JUDGE, CLERK}),
    org="court",
    lane="judge",
    choices=(Choice("resume", "恢复审理", "Resume the trial", events=("trial_resumed",)),),
)

POST_FILING = ProcessDef(
    "post_filing_referral",
    "委托调解（立案后）",
    "Post-filing referral (委托)",
    "Path B of RULES.md §1.3: a registered case is entrusted to the 消保委; the period is "
    "not counted in the trial period.",
    periods=(MEDIATION_PERIOD,),
    referral_mode="post_filing",
    steps=(
        *referral_front(MEDIATION_PERIOD),
        UserTask(COURT_REVIEW),
        Watch("court_review", Period("T03", "court_review", "today()"), lane="judge"),
        Gateway("review_gw", "审查结果", lane="judge"),
        UserTask(RESUME_TRIAL),
        Watch("resume_trial", Period("T03", "resume_trial", "today()"), lane="judge"),
        Close("mediation_document"),
        Close("suit_withdrawn"),
        Close("trial_resumed"),
        Otherwise("consent_gw", "resume_trial", "不同意"),
        Flow("deem_refused", "resume_trial"),
        Flow("result_gw", "court_review", when("mediation_result", "agreement"), "达成协议"),
        Otherwise("result_gw", "resume_trial", "调解不成/期限届满/撤回"),
        Chain("court_review", "review_gw"),
        Flow("review_gw", "close_suit_withdrawn", when("review", "suit_withdrawn"), "撤诉"),
        Otherwise("review_gw", "close_mediation_document", "调解书"),
        Chain("resume_trial", "close_trial_resumed"),
    ),
)
