"""A worker that completes tasks and fires timers as fast as it can, printing an ACK line after
every step the store has committed. tests/integration/test_crash_safety.py kills it with SIGKILL
at random moments and restarts it.

    python -m tests.integration.crash_driver DATABASE_URL SEED
"""

from __future__ import annotations

import random
import sys
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from engine.domain.errors import DomainError
from engine.ports import CaseQuery
from engine.services import Actor, CaseView, Engine
from standard_rules.legal_calendar import default_calendar
from standard_rules.pack import default_pack
from storage.sql import SqlCaseStore, events_t

COURT, CPC = "临海市人民法院", "临海市消保委"
START = datetime(2025, 9, 1, 1, 0, tzinfo=UTC)


class SteppingClock:
    """Time moves two hours per stored event, so it never runs backwards across restarts."""

    def __init__(self, store: SqlCaseStore) -> None:
        with store.engine.connect() as conn:
            count = conn.execute(select(func.count()).select_from(events_t)).scalar() or 0
        self.instant = START + timedelta(hours=2 * int(count))

    def now(self) -> datetime:
        return self.instant


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main(url: str, seed: int) -> None:
    store = SqlCaseStore.from_url(url)
    clock = SteppingClock(store)
    engine = Engine(store, default_pack(), default_calendar(), clock=clock)
    rng = random.Random(seed)
    serial = store.count()
    while True:
        clock.instant += timedelta(hours=rng.randint(1, 30))
        if rng.random() < 0.1:
            if engine.fire_due(clock.instant):
                _say("SWEEP")
            continue
        open_cases = store.query(CaseQuery(open_only=True, limit=50))
        if len(open_cases) < 8 or rng.random() < 0.05:
            serial += 1
            case_id = f"K-{seed}-{serial}"
            view = _open(engine, rng, case_id)
            _say(f"ACK {view.id} {view.version}")
            continue
        case = rng.choice(open_cases)
        view = engine.case(case.id)
        if not view.tasks:
            continue
        task = rng.choice(view.tasks)
        choice = rng.choice(task.choices)
        payload = {
            "action": choice["id"],
            "reason": "理由",
            "mediator_org": CPC,
            "procedure": "simple",
            "amount": 1000,
            "joint": True,
            "party": "business",
            "until": (clock.instant + timedelta(days=9)).date().isoformat(),
        }
        actor = Actor(task.roles[0], task.roles[0], task.org or CPC)
        try:
            after = engine.complete(
                case_id=view.id, task_id=task.task_id, actor=actor, payload=payload
            )
        except DomainError:
            continue
        _say(f"ACK {after.id} {after.version}")


def _open(engine: Engine, rng: random.Random, case_id: str) -> CaseView:
    if rng.random() < 0.6:
        clerk = Actor("c", "court_clerk", COURT)
        return engine.open_case(process_id="pre_filing_referral", case_id=case_id, actor=clerk)
    mediator = Actor("m", "mediator", CPC)
    return engine.open_case(process_id="complaint_mediation", case_id=case_id, actor=mediator)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
