"""A burst of due timers: N cases whose deadlines all fall at the end of the Spring Festival
holiday of 2027, drained by one worker on SQLite and by two worker processes on PostgreSQL.

    .venv/bin/python bench/bench_timer_burst.py [--timers 10000] [--db sqlite postgres]

One pre_filing_referral case is opened through the engine on Thursday 2027-02-04, the last
working day before the holiday (a provisional year: its dates follow the calendar's rule for
years without a published notice); its one armed timer is the R01 consent window, reckoned
over the holiday. The case is copied N-1 times with the demo's bulk path (api/demo_clone.py:
new 案号, re-chained events, the same timer), so every timer is due at the same instant. The
sweep runs the day after that instant. Workers are bench_workers.py's: spawned processes with
a cold cache (a worker after a restart), `Engine.fire_due(now, limit)` until nothing is due,
timed from a barrier. Checked afterwards: one consent_refused per case, nothing left due.
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import engine_fixtures as fx  # puts the repository on sys.path
from bench_workers import (
    MAINTENANCE_DSN,
    SPAWN,
    Db,
    create_pg_database,
    drain_worker,
    drop_pg_database,
    run_processes,
)

from api.demo_clone import Template, copy_case, court_pairs
from storage.bulk import insert_cases
from storage.sql import SqlCaseStore

OPENED = datetime(2027, 2, 4, 1, 0, tzinfo=UTC)  # Thursday 09:00 in Shanghai


def fill(url: str, n: int) -> datetime:
    """n cases with one timer each, all due at one instant; returns the sweep instant."""
    store = SqlCaseStore(Db("x", url).engine)  # Db creates the schema
    engine = fx.make_engine(store, fx.FakeClock(OPENED))
    fx.open_case(engine, "burst-template")
    case = store.get("burst-template")
    assert case is not None and case.next_due is not None
    template = Template(case, store.events(case.id), store.timers(case.id))
    pairs, rng = court_pairs(90), random.Random(7)
    batch = []
    for k in range(1, n):
        batch.append(copy_case(template, k, pairs[k % len(pairs)], rng))
        if len(batch) == 2000:
            insert_cases(store, batch)
            batch = []
    insert_cases(store, batch)
    store.engine.dispose()
    return case.next_due + timedelta(days=1)


def drain(kind: str, url: str, n: int, workers: int, limit: int) -> None:
    began = time.perf_counter()
    now = fill(url, n)
    filled = time.perf_counter() - began
    db = Db(kind, url)
    db.analyze()
    due = db.scalar("SELECT count(*) FROM cases WHERE next_due_ts < :t", t=now.timestamp())
    at = datetime.fromtimestamp(db.scalar("SELECT min(next_due_ts) FROM cases"), UTC)
    barrier = SPAWN.Barrier(workers + 1)
    out = run_processes(
        [(drain_worker, (url, now.timestamp(), limit, barrier, 10_000, 3600.0))] * workers,
        barrier,
    )
    wall = max(o["end"] for o in out) - min(o["start"] for o in out)
    stepped = sum(o["stepped"] for o in out)
    refused = db.scalar("SELECT count(*) FROM events WHERE activity = 'consent_refused'")
    left = db.scalar("SELECT count(*) FROM cases WHERE next_due_ts < :t", t=now.timestamp())
    twice = db.scalar(
        "SELECT count(*) FROM (SELECT case_id FROM events WHERE activity = 'consent_refused'"
        " GROUP BY case_id HAVING count(*) > 1) d"
    )
    db.dispose()
    cpu = sum(o["cpu"] for o in out)
    print(
        f"| {kind} | {workers} | {due:,} due at {at:%Y-%m-%d %H:%M} UTC, swept {now:%Y-%m-%d} "
        f"| {stepped:,} | {wall:.1f} | {stepped / wall:,.0f} | {cpu:.1f} "
        f"| {refused:,} consent_refused, {twice} twice, {left} left due | fill {filled:.0f} s |",
        flush=True,
    )


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--timers", type=int, default=10_000)
    parser.add_argument("--limit", type=int, default=500, help="fire_due limit per call")
    parser.add_argument("--db", nargs="+", choices=["sqlite", "postgres"], default=["sqlite"])
    parser.add_argument("--pg", default=MAINTENANCE_DSN)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f}, {os.cpu_count()} cores")
    print("| db | workers | timers | cases stepped | wall s | cases/s | worker CPU s | checks | |")
    print("| --- " * 9 + "|")
    for kind in args.db:
        if kind == "sqlite":
            with tempfile.TemporaryDirectory() as tmp:
                url = fx.sqlite_url(Path(tmp) / "burst.db")
                drain("sqlite", url, args.timers, 1, args.limit)
        else:
            name, url = create_pg_database(args.pg)
            try:
                drain("postgresql", url, args.timers, 2, args.limit)
            finally:
                drop_pg_database(args.pg, name)


if __name__ == "__main__":
    sys.exit(main())
