"""`suitiao demo`: realistic sample cases across every path, dated over the last months.

Cases are played forward on one simulated timeline: people act after realistic delays (a tenth
of them late), some parties fall silent so the engine's timers move their cases on, and the
clock stops at today, leaving a mix of open and closed cases for the inbox and the audit.
"""

from __future__ import annotations

import heapq
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from engine.domain.errors import DomainError
from engine.services import Actor, Engine, TaskView
from standard_rules.timezone import SHANGHAI
from storage.accounts import AccountExists, AccountStore

COURTS = ("临海市人民法院", "天台县人民法院")
CPAS = ("临海市消保委", "天台县消保委")
CPA_OF_COURT = dict(zip(COURTS, CPAS, strict=True))
PROCESSES = (
    ("pre_filing_referral", 0.45),
    ("post_filing_referral", 0.2),
    ("complaint_mediation", 0.3),
    ("supported_lawsuit", 0.05),
)
# How people choose at each task: (choice, weight); a missing choice is never taken.
CHOICES: dict[str, list[tuple[str, float]]] = {
    "record_consent": [("consent", 0.85), ("refuse", 0.15)],
    "refer": [("refer", 1.0)],
    "sign_for_referral": [("sign", 0.95), ("decline", 0.05)],
    "accept_referral": [("accept", 0.93), ("decline", 0.07)],
    "notify_parties": [("notify", 1.0)],
    "mediate": [
        ("start", 3.0),
        ("agree", 0.5),
        ("fail", 0.2),
        ("withdraw", 0.06),
        ("pause", 0.06),
        ("resume", 3.0),
        ("extend", 0.05),
    ],
    "agreement_follow_up": [("performed", 0.5), ("apply", 0.35)],
    "decide_acceptance": [("accept", 0.93), ("not_accept", 0.07)],
    "rule_on_confirmation": [("valid", 0.9), ("rejected", 0.05), ("withdrawn", 0.05)],
    "register_case": [("register", 0.8), ("not_pursued", 0.2)],
    "court_review": [("mediation_document", 0.8), ("suit_withdrawn", 0.2)],
    "resume_trial": [("resume", 1.0)],
    "decide_complaint": [("accept", 0.88), ("reject", 0.12)],
    "start_mediation": [("start", 1.0)],
    "support_decision": [("support", 0.4), ("close", 0.3), ("consumer_withdraws", 0.3)],
    "decide_support": [("support", 0.7), ("decline", 0.3)],
}
REASONS = ("双方分歧较大", "被申请人拒绝调解", "需质量鉴定", "不属于消费纠纷")
CONSUMERS = ("张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄强", "周婷", "吴杰")
BUSINESSES = (
    "临海某家电有限公司", "台州某汽车销售服务有限公司", "某健身俱乐部", "某装饰工程有限公司",
    "某教育培训学校", "某电商平台商家", "某美容美发店", "某旅行社",
)  # fmt: skip


@dataclass(order=True)
class _Next:
    at: datetime
    case_id: str


class DemoClock:
    def __init__(self, start: datetime) -> None:
        self.instant = start

    def now(self) -> datetime:
        return self.instant


def _payload(rng: random.Random, task: TaskView, choice: str, today: str) -> dict[str, Any]:
    day = datetime.fromisoformat(today).date()
    payload: dict[str, Any] = {"action": choice}
    if choice in ("refuse",):
        payload["party"] = rng.choice(["consumer", "business"])
    if choice in ("decline", "fail", "reject", "not_accept", "rejected", "not_pursued", "close"):
        payload["reason"] = rng.choice(REASONS)
    if choice == "refer":
        payload["mediator_org"] = CPA_OF_COURT.get(task.org or "", CPAS[0])
        payload["procedure"] = rng.choice(["ordinary", "ordinary", "simple"])
    if choice == "pause":
        payload.update(
            reason="商品质量鉴定", until=(day + timedelta(days=rng.randint(5, 20))).isoformat()
        )
    if choice == "extend":
        payload["until"] = (day + timedelta(days=rng.randint(10, 30))).isoformat()
    if choice == "agree":
        payload["amount"] = rng.choice([800, 1299, 2600, 4500, 6800, 12000, 23800])
        # the terms the 调解协议书 prints; no draw from rng, so the demo's cases stay the same
        payload.update(
            terms="经营者退还货款，消费者退回所购商品",
            performance_method="银行转账至消费者本人账户",
            performance_deadline=(day + timedelta(days=7)).isoformat(),
        )
    if choice == "apply":
        payload["joint"] = True
        # Used for complaint agreements (R41): the committee's own court, as the registry pairs
        # them. Still drawn, so the rest of the demo's random choices stay as they were.
        drawn = rng.choice(COURTS)
        payload["court"] = {cpa: court for court, cpa in CPA_OF_COURT.items()}.get(
            task.org or "", drawn
        )
    return payload


def _actor(task: TaskView) -> Actor:
    role = task.roles[0]
    return Actor(f"demo-{role}", role, task.org or "")


def populate(
    engine: Engine,
    clock: DemoClock,
    cases: int,
    days: int,
    seed: int,
    opened_ids: list[str] | None = None,
) -> int:
    """Play `cases` cases over the last `days` days; returns how many were opened (their ids
    appended to `opened_ids`)."""
    rng = random.Random(seed)
    end = datetime.now(SHANGHAI).replace(microsecond=0)
    start = end - timedelta(days=days)
    clock.instant = start
    queue: list[_Next] = []
    silent: set[str] = set()
    for n in range(1, cases + 1):
        # Skewed towards recent weeks, so the inbox has live work and the archive has history.
        opened = end - timedelta(minutes=int(rng.triangular(60, days * 24 * 60, 60)))
        heapq.heappush(queue, _Next(opened, f"__open__{n}"))
    opened_count = 0
    while queue:
        item = heapq.heappop(queue)
        if item.at > end:
            break
        clock.instant = max(clock.instant, item.at)
        engine.fire_due(clock.instant)
        case_id = item.case_id
        if case_id.startswith("__open__"):
            case_id = _open(engine, rng, int(case_id.removeprefix("__open__")), item.at)
            opened_count += 1
            if opened_ids is not None:
                opened_ids.append(case_id)
            if rng.random() < 0.12:
                silent.add(case_id)  # these parties stop answering: the timers take over
        view = engine.case(case_id)
        if view.status == "closed" or not view.tasks:
            continue
        task = view.tasks[0]
        if case_id in silent and task.bpmn_id in (
            "record_consent",
            "mediate",
            "agreement_follow_up",
        ):
            heapq.heappush(queue, _Next(clock.instant + timedelta(days=15), case_id))
            continue
        names = {c["id"] for c in task.choices}
        options = [(c, w) for c, w in CHOICES.get(task.bpmn_id, []) if c in names]
        today = clock.instant.astimezone(SHANGHAI).date().isoformat()
        acted = False
        for choice in rng.choices([c for c, _ in options], [w for _, w in options], k=4):
            try:
                engine.complete(
                    case_id=case_id,
                    task_id=task.task_id,
                    actor=_actor(task),
                    payload=_payload(rng, task, choice, today),
                )
                acted = True
                break
            except DomainError:
                continue
        late = rng.random() < 0.15
        delay = timedelta(
            days=rng.randint(5, 15) if late else rng.randint(0, 3), hours=rng.randint(1, 8)
        )
        if acted or late:
            heapq.heappush(queue, _Next(clock.instant + delay, case_id))
        else:
            heapq.heappush(queue, _Next(clock.instant + timedelta(days=5), case_id))
    clock.instant = end
    engine.fire_due(end)
    return opened_count


def _open(engine: Engine, rng: random.Random, n: int, at: datetime) -> str:
    process = rng.choices([p for p, _ in PROCESSES], [w for _, w in PROCESSES])[0]
    court = rng.choice(COURTS)
    year = at.year
    facts = {
        "claim_amount": rng.choice([680, 1299, 3000, 5200, 8800, 15000, 36000]),
        "consumer": {
            "name": rng.choice(CONSUMERS),
            "phone": f"1{rng.randint(3, 9)}{rng.randint(0, 999999999):09d}",
        },
        "business": {"name": rng.choice(BUSINESSES)},
        "summary": rng.choice(
            ["商品质量纠纷", "预付式消费退费纠纷", "服务合同纠纷", "网络购物纠纷"]
        ),
    }
    if process in ("pre_filing_referral", "post_filing_referral"):
        kind = "民诉前调" if process == "pre_filing_referral" else "民初"
        code = "浙1082" if court == COURTS[0] else "浙1023"
        case_id = f"({year}){code}{kind}{n:04d}号"
        actor = Actor("demo-clerk", "court_clerk", court)
        facts["channel"] = rng.choice(["offline", "offline", "online"])
    else:
        cpa = CPA_OF_COURT[court]
        case_id = f"{'LH' if cpa == CPAS[0] else 'TT'}-TS-{year}-{n:04d}"
        actor = Actor("demo-mediator", "mediator", cpa)
    engine.open_case(process_id=process, case_id=case_id, actor=actor, facts=facts)
    return case_id


# One user per role for trying the API and the pages (README.md lists them). Demo only: the
# passwords are public, so a real deployment creates its own users with `suitiao user add`.
DEMO_USERS = (
    ("clerk", "clerk-demo", "court_clerk", COURTS[0], "org", "立案庭 王书记员"),
    ("judge", "judge-demo", "judge", COURTS[0], "org", "李法官"),
    ("mediator", "mediator-demo", "mediator", CPAS[0], "org", "陈调解员"),
    ("auditor", "auditor-demo", "auditor", "浙江省消保委", "province", "省消保委 审计员"),
    ("admin", "admin-demo", "admin", "浙江省消保委", "org", "系统管理员"),
    # the heads who assign their organisation's tasks to one person (api/assignments.py), and a
    # second mediator to assign to
    ("court-head", "court-head-demo", "supervisor", COURTS[0], "org", "赵院长"),
    ("cpa-head", "cpa-head-demo", "supervisor", CPAS[0], "org", "周秘书长"),
    ("mediator2", "mediator2-demo", "mediator", CPAS[0], "org", "孙调解员"),
)


def add_demo_users(accounts: AccountStore) -> list[str]:
    """Create the demo users that do not exist yet; returns the names created."""
    from api.security import hash_password

    created = []
    for username, password, role, org, scope, name in DEMO_USERS:
        if accounts.user(username) is not None:
            continue
        try:
            accounts.add_user(
                username=username,
                password_hash=hash_password(password),
                role=role,
                org=org,
                display_name=name,
                scope=scope,
            )
        except AccountExists:
            continue
        created.append(username)
    return created
