"""Timer sweep: Engine.fire_due(now) over 100,000 open cases, with none due and with 1,000 due.

    .venv/bin/python bench/bench_timer_sweep.py [--quick] [--open N] [--due M] [--keep DIR]

Fixture (SQLite WAL file in a temporary directory, the SqlCaseStore schema):
  * N background open cases (default 100,000), all with deadlines after the sweep instants.
    Opening 100k cases through the engine takes minutes, so a few dozen *template* cases are
    opened through the engine (in memory) at 40 opening days in 2026-02..2026-03 and at four
    stages of the pre-filing path (intake, referred, mediating, paused), and each template is
    cloned under new case ids into the SQL tables with the store's own row mapping: same
    workflow document, same facts, same timers (case id changed), events re-chained (hashes
    recomputed for the new id). Every clone is therefore a real, consistent case.
  * M due cases (default 1,000) opened and stepped *through the engine* on 2025-09-01 at the
    same four stages, so their deadlines (2025-09-04 …) are in the past at the sweep instant.

Measured:
  1. none due: fire_due(now) with `now` just before the earliest deadline in the store, repeated;
     also the store's due_cases() query alone.                      Target: < 20 ms.
  2. M due: one fire_due(now, limit=M) at 2025-12-31, with a fresh Engine (a timer worker
     after a restart: every case is deserialized) and with the Engine that opened the cases
     (warm cache); the two runs use two copies of the same database file.
"""

from __future__ import annotations

import argparse
import gc
import shutil
import sqlite3
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import engine_fixtures as fx
from sqlalchemy import insert

from engine.domain.events import GENESIS, chain
from engine.ports import Timer
from storage.memory import MemoryCaseStore
from storage.sql import (
    SqlCaseStore,
    _case_values,
    _event_values,
    _timer_values,
    cases_t,
    events_t,
    timers_t,
)

# How far along the pre-filing path each fixture case is (number of PATH steps done), plus a
# paused mediation (start, then pause until a date) which arms the pause-end timer.
STAGES = ("intake", "referred", "mediating", "paused")
STAGE_STEPS = {"intake": 0, "referred": 2, "mediating": 6, "paused": 6}
SWEEP_DUE = datetime(2025, 12, 31, 2, 0, tzinfo=UTC)


def advance(engine: Any, clock: fx.FakeClock, case_id: str, stage: str) -> None:
    fx.open_case(engine, case_id)
    for k in range(STAGE_STEPS[stage]):
        fx.do_step(engine, case_id, k)
    if stage == "paused":
        until = (clock.t + timedelta(days=9)).date().isoformat()
        engine.complete(
            case_id=case_id,
            task_id="mediate",
            actor=fx.MEDIATOR,
            payload={"action": "pause", "reason": "质量鉴定", "until": until},
        )


def templates(days: int) -> list[tuple[Any, list[Any], list[Timer]]]:
    """Template cases (row, events, timers) opened through the engine, in memory."""
    store = MemoryCaseStore()
    clock = fx.FakeClock(datetime(2026, 2, 2, 1, 0, tzinfo=UTC))
    engine = fx.make_engine(store, clock)
    out = []
    for d in range(days):
        clock.t = datetime(2026, 2, 2, 1, 0, tzinfo=UTC) + timedelta(days=d)
        for stage in STAGES:
            case_id = f"tpl-{d}-{stage}"
            advance(engine, clock, case_id, stage)
            out.append((store.get(case_id), store.events(case_id), store.timers(case_id)))
    return out


def insert_clones(store: SqlCaseStore, tpls: list, n: int, batch: int = 5000) -> None:
    rows: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    timers: list[dict[str, Any]] = []

    def flush() -> None:
        with store.engine.begin() as conn:
            conn.execute(insert(cases_t), rows)
            if events:
                conn.execute(insert(events_t), events)
            if timers:
                conn.execute(insert(timers_t), timers)
        rows.clear(), events.clear(), timers.clear()

    for i in range(n):
        case, evs, tms = tpls[i % len(tpls)]
        case_id = f"bg-{i:06d}"
        sealed = chain(
            case_id, GENESIS, 1, [(e.activity, e.at, e.data, e.actor, e.role, e.org) for e in evs]
        )
        rows.append(
            _case_values(
                replace(case, id=case_id, last_hash=sealed[-1].hash if sealed else GENESIS)
            )
        )
        events.extend(_event_values(e) for e in sealed)
        timers.extend(_timer_values(replace(t, case_id=case_id)) for t in tms)
        if len(rows) >= batch:
            flush()
    if rows:
        flush()


def open_due(engine: Any, clock: fx.FakeClock, m: int) -> None:
    clock.t = fx.T0
    for i in range(m):
        advance(engine, clock, f"due-{i:05d}", STAGES[i % len(STAGES)])


def counts(path: Path) -> dict[str, Any]:
    with sqlite3.connect(str(path)) as conn:
        q = conn.execute
        return {
            "cases": q("SELECT count(*) FROM cases").fetchone()[0],
            "open": q("SELECT count(*) FROM cases WHERE status != 'closed'").fetchone()[0],
            "events": q("SELECT count(*) FROM events").fetchone()[0],
            "timers": q("SELECT count(*) FROM timers").fetchone()[0],
            "min_due": q("SELECT min(due_ts) FROM timers").fetchone()[0],
            "bytes": path.stat().st_size,
        }


def timed(fn: Any, repeats: int) -> list[float]:
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 open cases, 200 due")
    parser.add_argument("--open", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=1_000)
    parser.add_argument("--days", type=int, default=40, help="template opening days")
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--keep", type=Path, help="build the databases here and keep them")
    args = parser.parse_args()
    if args.quick:
        args.open, args.due, args.days, args.repeats = 10_000, 200, 10, 20
    fx.shared()

    tmpdir = None
    if args.keep:
        base = args.keep
        base.mkdir(parents=True, exist_ok=True)
    else:
        tmpdir = tempfile.TemporaryDirectory(prefix="suitiao-sweep-")
        base = Path(tmpdir.name)
    try:
        return run(args, base)
    finally:
        if tmpdir is not None:
            tmpdir.cleanup()


def run(args: argparse.Namespace, base: Path) -> int:
    t0 = time.perf_counter()
    tpls = templates(args.days)
    t_tpl = time.perf_counter() - t0
    path = base / "sweep-cold.db"
    for p in base.glob("sweep-*.db*"):
        p.unlink()
    store = SqlCaseStore.from_url(fx.sqlite_url(path))
    t0 = time.perf_counter()
    insert_clones(store, tpls, args.open)
    t_bg = time.perf_counter() - t0
    with sqlite3.connect(str(path)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.engine.dispose()
    warm_path = base / "sweep-warm.db"
    shutil.copyfile(path, warm_path)

    print(f"# Timer sweep: {args.open:,} open background cases, {args.due:,} due\n")
    print(
        f"Fixture: {len(tpls)} template cases through the engine in {t_tpl:.1f} s; "
        f"{args.open:,} clones inserted in {t_bg:.1f} s.\n"
    )

    results: dict[str, dict[str, float]] = {}
    for variant, db in (("cold", path), ("warm", warm_path)):
        clock = fx.FakeClock(fx.T0)
        opener = fx.sql_engine(db, clock)
        t0 = time.perf_counter()
        open_due(opener, clock, args.due)
        t_open = time.perf_counter() - t0
        info = counts(db)
        worker = opener if variant == "warm" else fx.sql_engine(db, fx.FakeClock(SWEEP_DUE))
        res: dict[str, float] = {"open_s": t_open, **info}

        # 1. none due: just before the earliest deadline in the store
        none_now = datetime.fromtimestamp(info["min_due"], UTC) - timedelta(seconds=1)
        assert worker.store.due_cases(none_now, 500) == []
        worker.fire_due(none_now)  # warm the connection pool and statement cache
        gc.collect()
        fire_none = timed(lambda w=worker, t=none_now: w.fire_due(t), args.repeats)
        query_none = timed(lambda w=worker, t=none_now: w.store.due_cases(t, 500), args.repeats)
        res["none_p50"], res["none_max"] = fx.median(fire_none), max(fire_none)
        res["none_p99"] = fx.percentile(fire_none, 99)
        res["query_p50"] = fx.median(query_none)

        # 2. M due, one sweep
        due_now = worker.store.due_cases(SWEEP_DUE, args.due * 2)
        gc.collect()
        c0, w0 = time.process_time(), time.perf_counter()
        stepped = worker.fire_due(SWEEP_DUE, limit=args.due)
        wall, cpu = time.perf_counter() - w0, time.process_time() - c0
        after = counts(db)
        res.update(
            due_found=len(due_now),
            stepped=stepped,
            wall=wall,
            cpu=cpu,
            events_written=after["events"] - info["events"],
            closed=info["open"] - after["open"],
        )
        # and the sweep after: whatever the firings armed next is later, so nothing is due
        again = timed(lambda w=worker: w.fire_due(SWEEP_DUE), 5)
        res["again_p50"] = fx.median(again)
        res["again_stepped"] = worker.fire_due(SWEEP_DUE)
        results[variant] = res
        for e in {id(opener): opener, id(worker): worker}.values():
            e.store.engine.dispose()

    c = results["cold"]
    print(
        f"Database: {c['cases']:,} cases ({c['open']:,} open), {c['events']:,} events, "
        f"{c['timers']:,} timers, {c['bytes'] / 2**20:.0f} MiB. The {args.due:,} due cases "
        f"were opened through the engine in {c['open_s']:.1f} s "
        f"({args.due / c['open_s']:.0f} cases/s incl. their steps).\n"
    )
    print("| sweep | engine | median ms | p99 ms | max ms | target | met |")
    print("| --- | --- | ---: | ---: | ---: | --- | --- |")
    for v in ("cold", "warm"):
        r = results[v]
        print(
            f"| none due, fire_due(now) ×{args.repeats} | {v} | {fx.ms(r['none_p50'])} "
            f"| {fx.ms(r['none_p99'])} | {fx.ms(r['none_max'])} | < 20 ms "
            f"| {'yes' if r['none_p99'] < 0.020 else 'NO'} |"
        )
    print(f"| none due, store.due_cases() alone | cold | {fx.ms(c['query_p50'])} | | | | |")
    print()
    print(
        f"| sweep of {args.due:,} due | engine | due found | cases stepped | wall s | CPU s "
        "| per case ms (wall) | per case ms (CPU) | events written | closed | next sweep ms |"
    )
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for v, label in (
        ("cold", "fresh Engine (worker after restart)"),
        ("warm", "the opening Engine (cache warm)"),
    ):
        r = results[v]
        n = max(1, r["stepped"])
        print(
            f"| fire_due(now, limit={args.due}) | {label} | {r['due_found']:.0f} "
            f"| {r['stepped']:.0f} | {r['wall']:.2f} | {r['cpu']:.2f} "
            f"| {r['wall'] / n * 1000:.2f} | {r['cpu'] / n * 1000:.2f} "
            f"| {r['events_written']:.0f} | {r['closed']:.0f} | {fx.ms(r['again_p50'])} "
            f"({r['again_stepped']:.0f} stepped) |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
