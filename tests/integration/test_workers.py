"""Several timer workers on one database: each due timer fires exactly once, and the work is
shared (each worker leases the earliest due case nobody else holds)."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta, timezone

from engine.ports import CaseStore
from engine.services import Actor, Engine
from standard_rules.legal_calendar import default_calendar
from standard_rules.pack import default_pack

SH = timezone(timedelta(hours=8))
CLERK = Actor("clerk", "court_clerk", "临海市人民法院")


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at.astimezone(UTC)


def test_two_workers_share_the_due_timers_without_duplicates(store: CaseStore) -> None:
    clock = Clock(datetime(2026, 3, 2, 9, 0, tzinfo=SH))
    opener = Engine(store, default_pack(), default_calendar(), clock=clock)
    cases = [f"W-{n:03d}" for n in range(60)]
    for n, case_id in enumerate(cases):
        clock.at += timedelta(minutes=n % 7)
        opener.open_case(process_id="pre_filing_referral", case_id=case_id, actor=CLERK)
    clock.at += timedelta(days=10)  # every consent window (R01, 7 days) has lapsed

    workers = [Engine(store, default_pack(), default_calendar(), clock=clock) for _ in range(2)]
    done: list[int] = [0, 0]
    errors: list[BaseException] = []

    def sweep(index: int) -> None:
        try:
            done[index] = workers[index].fire_due(limit=1000)
        except BaseException as exc:  # surfaced below: a thread's failure must fail the test
            errors.append(exc)

    threads = [threading.Thread(target=sweep, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert sum(done) == len(cases)
    for case_id in cases:
        counts = Counter(e.activity for e in store.events(case_id))
        assert counts["consent_refused"] == 1, (case_id, counts)
    assert workers[0].fire_due() == 0 and workers[1].fire_due() == 0
