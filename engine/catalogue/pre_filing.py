"""委派调解 (path A of RULES.md §1.3): the court assigns a consumer dispute to the 消保委 before
registration, with the parties' consent; the mediation period is R16's.

After the mediation (`result_gw`):
  达成协议 → agreement_follow_up (performance or judicial confirmation, agreement.py)
  撤回 → closed: withdrawn
  调解不成 or the period lapsed → register_case: the clerk registers the case (closed: filed) or
  records that the party does not sue (closed: not_filed, or refused after a refused consent).
"""

from __future__ import annotations

from engine.catalogue.agreement import agreement_follow_up
from engine.catalogue.fields import REASON
from engine.catalogue.model import (
    CLERK,
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

MEDIATION_PERIOD = Period("R16", "mediation_pre_filing", "mediation_from")

REGISTER_CASE = Task(
    "register_case",
    "登记立案",
    "Register the case",
    "登记立案（R35/R37）",
    frozenset({CLERK}),
    org="court",
    lane="court_clerk",
    choices=(
        Choice(
            "register",
            "登记立案",
            "Register the case",
            events=("case_registered",),
            sets={"registration": "registered"},
        ),
        Choice(
            "not_pursued",
            "当事人不再起诉（不申请立案）",
            "The party does not sue",
            # The clerk records the party's decision: it is the clerk's event, not a lapse.
            events=("filing_declined",),
            fields=(REASON,),
            custom=True,  # registration: not_pursued_refused after a refused consent
        ),
    ),
)

PRE_FILING = ProcessDef(
    "pre_filing_referral",
    "委派调解（立案前）",
    "Pre-filing referral (委派)",
    "Path A of RULES.md §1.3: the court assigns a consumer dispute to the 消保委 before "
    "registration, with the parties' consent.",
    periods=(MEDIATION_PERIOD,),
    referral_mode="pre_filing",
    steps=(
        *referral_front(MEDIATION_PERIOD),
        UserTask(REGISTER_CASE),
        Watch("register_case", Period("R37", "register_case", "today()"), lane="court_clerk"),
        Gateway("register_gw", "立案？", lane="court_clerk"),
        Close("filed"),
        Close("refused"),
        Close("not_filed"),
        Close("withdrawn"),
        *agreement_follow_up(),
        Otherwise("consent_gw", "register_case", "不同意"),
        Flow("deem_refused", "register_case"),
        Flow("result_gw", "agreement_follow_up", when("mediation_result", "agreement"), "达成协议"),
        Flow("result_gw", "close_withdrawn", when("mediation_result", "withdrawn"), "撤回"),
        Otherwise("result_gw", "register_case", "调解不成/期限届满"),
        Chain("register_case", "register_gw"),
        Flow("register_gw", "close_filed", when("registration", "registered"), "已立案"),
        Flow("register_gw", "close_refused", when("registration", "not_pursued_refused"), "不起诉"),
        Otherwise("register_gw", "close_not_filed", "不再起诉"),
    ),
)
