"""Several worker processes on one database (issue 8): throughput, a burst of due timers, RSS.

    .venv/bin/python bench/bench_workers.py [--quick] [--skip-sqlite] [--pg DSN]

Everything runs on 127.0.0.1: a fresh PostgreSQL database (suitiao_bench_<random>, created with
psycopg on the maintenance DSN and dropped at the end, WITH (FORCE)) and SQLite WAL files in a
temporary directory. Every worker is a separate *spawned* process (multiprocessing "spawn": a
fresh interpreter, not a fork of this one, so its RSS is its own) with its own Engine, SqlCaseStore
and connection pool. Workers load and build everything (imports, rule pack, BPMN specs, their
cases) first, then meet at a barrier; the timed phase starts when the barrier opens.

1. Steps/s with 1, 2 and 4 worker processes. The same total work (N cases × the 8 user tasks of
   the pre-filing path, bench/engine_fixtures.py PATH, one Engine.complete per step) is split
   into disjoint sets of cases, one per worker. Each worker opens its own cases (untimed; its
   workflow cache is then warm, as for a worker that has been serving those cases) and steps
   them interleaved (step k of all its cases, then step k+1). Steps/s = all steps ÷ (last worker
   done − barrier open). Each run starts on an empty database (TRUNCATE + VACUUM ANALYZE on
   PostgreSQL, DELETE + WAL checkpoint on SQLite). The one-row INSERT + COMMIT latency is printed
   first: the durable-commit floor (fsync on, synchronous_commit on) every step pays.
2. A burst of due timers (default 10,000) drained by two worker processes. The cases are opened
   *through the engine* (pre_filing_referral at 2025-09-01, one second apart, by several opener
   processes in parallel): each has one armed timer, the R01 consent window, due at the end of
   2025-09-08 (Shanghai): all due at the same instant. At the sweep instant 2025-09-11 the
   consent lapses (consent_refused, a system event; the case goes to `returned` and arms a
   register_case_reminder due 2025-09-16, *not* due). Two fresh worker processes (cold cache, as
   a timer worker after a restart) call Engine.fire_due(now, limit=L) in a loop until a call
   returns 0 and no case is due any more. Verified afterwards: every case has exactly one
   consent_refused event, the number of system events is exactly one per case, no case or timer
   is due, no lease is left, and the workers' counts sum to the number of cases. Also on SQLite
   (default 5,000 cases; no SKIP LOCKED there, so a claim that loses the race ends a fire_due
   call early) and, unless --no-index-experiment, once more on PostgreSQL with one extra index
   cases(next_due_ts, id) created in the benchmark database only (an experiment: claim_due's
   ORDER BY next_due_ts, id LIMIT 1 otherwise reads and sorts every due row on each claim).
3. RSS of a worker with 100,000 open cases in the PostgreSQL database. Background cases are the
   clones of bench_timer_sweep.py (template cases opened through the engine in memory, cloned
   row by row with the store's own row mapping and re-chained events), plus 1,000 due cases
   opened and stepped through the engine on 2025-09-01 at four stages (bench_timer_sweep.advance)
   by opener processes. A fresh worker process sweeps S times with nothing due, then fires the
   due cases at 2025-12-31 (fire_due(limit=M) until nothing is due), then sweeps S times more.
   RSS (VmRSS), peak RSS (VmHWM) and the workflow cache size are read at each point (getrusage
   ru_maxrss is printed too, but in a spawned process it starts at the parent's peak). A second
   fresh worker then fills its workflow cache to capacity (2,048 open cases loaded the way a
   step loads them) to show the cache's full weight. Target: < 300 MB.

The machine may have few cores (os.cpu_count() is printed): with 4 workers on 2 cores the
workers and the PostgreSQL backends share 2 cores. CPU seconds of the worker processes are
reported next to wall times, and the machine's busy fraction over each timed phase
(from /proc/stat, all processes, so other tenants of a shared machine show up there).
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing as mp
import os
import queue as queue_mod
import resource
import secrets
import shutil
import signal
import statistics
import sys
import tempfile
import threading
import time
import traceback
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import engine_fixtures as fx
from sqlalchemy import text

from storage.sql import SqlCaseStore, create_schema, make_engine

MAINTENANCE_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres connect_timeout=5"
SWEEP_CONSENT = datetime(2025, 9, 11, 1, 0, tzinfo=UTC)  # R01 windows of 09-01 have lapsed
BARRIER_TIMEOUT = 300.0  # seconds a worker waits for the others to be ready
JOIN_TIMEOUT = 1800.0  # hard bound on any one worker process
SPAWN = mp.get_context("spawn")


# -- helpers shared by the parent and the workers ----------------------------------------------


def proc_status() -> dict[str, float]:
    """VmRSS and VmHWM of this process in MiB (Linux /proc)."""
    out: dict[str, float] = {}
    with open("/proc/self/status") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(rest.split()[0]) / 1024
    out["maxrss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def cpu_jiffies() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return sum(fields) - idle, sum(fields)


def busy_fraction(before: tuple[int, int], after: tuple[int, int]) -> float:
    total = after[1] - before[1]
    return (after[0] - before[0]) / total if total else 0.0


def pg_server_cpu() -> float:
    """CPU seconds of the local PostgreSQL server so far: every live `postgres` process, plus the
    postmaster's reaped children (backends that have exited). Other users of the same server
    count too."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        if comm != "postgres":
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
        try:
            with open(f"/proc/{fields[1]}/comm") as f:
                parent = f.read().strip()
        except OSError:
            parent = ""
        if parent != "postgres":  # the postmaster: add its waited-for children
            total += int(fields[13]) + int(fields[14])
    return total / tick


def backend_cpu(store: SqlCaseStore) -> tuple[int, float] | None:
    """(pid, CPU seconds) of the PostgreSQL backend serving this worker's pooled connection.

    A single-threaded worker holds one connection at a time, so its pool keeps one connection
    and one backend; the caller compares the pid before and after."""
    if store.engine.dialect.name != "postgresql":
        return None
    with store.engine.connect() as conn:
        pid = int(conn.execute(text("SELECT pg_backend_pid()")).scalar() or 0)
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return pid, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def backend_delta(before: Any, after: Any) -> float | None:
    if before is None or after is None or before[0] != after[0]:
        return None
    return float(after[1] - before[1])


def worker_store(url: str) -> SqlCaseStore:
    """A store on a schema the parent created (no migration run per worker)."""
    return SqlCaseStore(make_engine(url))


def _run_guarded(q: Any, fn: Any, *args: Any) -> None:
    try:
        q.put(fn(*args))
    except BaseException:  # reported to the parent, which fails the benchmark
        q.put({"error": traceback.format_exc()})


def run_processes(targets: list[tuple[Any, tuple]], barrier: Any | None = None) -> list[dict]:
    """Start one spawned process per (function, args), collect one result dict from each.

    With a barrier (parties = processes + 1) the parent waits on it too and returns the machine
    CPU busy fraction from the barrier to the last result under key "_busy" of the first
    result."""
    q = SPAWN.Queue()
    procs = [SPAWN.Process(target=_run_guarded, args=(q, fn, *args)) for fn, args in targets]
    for p in procs:
        p.start()
    busy0 = None
    if barrier is not None:
        # a worker that fails before the barrier breaks it; its error arrives on the queue
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=BARRIER_TIMEOUT)
        busy0, pg0 = cpu_jiffies(), pg_server_cpu()
    results: list[dict] = []
    deadline = time.monotonic() + JOIN_TIMEOUT
    while len(results) < len(procs) and time.monotonic() < deadline:
        try:
            results.append(q.get(timeout=5))
        except queue_mod.Empty:
            if not any(p.is_alive() for p in procs) and q.empty():
                break
    busy1 = cpu_jiffies()
    for p in procs:
        p.join(timeout=30)
        if p.is_alive():
            p.kill()
    if busy0 is not None:
        # the workers' backends exit as the workers do: let the postmaster reap them so that
        # their CPU shows in its children's total rather than vanishing with the zombie
        time.sleep(0.5)
    pg1 = pg_server_cpu()
    errors = [r["error"] for r in results if "error" in r]
    if errors or len(results) < len(procs):
        raise RuntimeError(
            f"{len(procs) - len(results)} worker(s) lost; errors:\n" + "\n".join(errors)
        )
    if busy0 is not None and results:
        results[0]["_busy"] = busy_fraction(busy0, busy1)
        results[0]["_pgcpu"] = pg1 - pg0
    return results


# -- worker bodies (run in spawned processes) --------------------------------------------------


def step_worker(url: str, prefix: str, n: int, barrier: Any) -> dict:
    """Open n cases (untimed), then complete the 8 steps of each, interleaved (timed)."""
    fx.shared()
    store = worker_store(url)
    engine = fx.make_engine(store, fx.FakeClock(fx.T0))
    ids = [f"{prefix}-{i:05d}" for i in range(n)]
    for case_id in ids:
        fx.open_case(engine, case_id)
    be0 = backend_cpu(store)
    barrier.wait(timeout=BARRIER_TIMEOUT)
    lat: list[float] = []
    cpu: list[float] = []
    start, c_start = time.monotonic(), time.process_time()
    for k in range(len(fx.PATH)):
        for case_id in ids:
            t0, c0 = time.monotonic(), time.process_time()
            fx.do_step(engine, case_id, k)
            lat.append(time.monotonic() - t0)
            cpu.append(time.process_time() - c0)
    end, c_end = time.monotonic(), time.process_time()
    backend = backend_delta(be0, backend_cpu(store))
    closed = sum(engine.case(c).status == "closed" for c in ids)
    store.engine.dispose()
    return {
        "start": start, "end": end, "cpu": c_end - c_start, "steps": len(lat),
        "lat": lat, "cpu_lat": cpu, "closed": closed, "n": n, "backend": backend,
    }  # fmt: skip


def open_worker(url: str, ids: list[str], stage: str | None, spacing_s: float) -> dict:
    """Open cases through the engine at fx.T0 + i × spacing (stage None: just opened; else a
    bench_timer_sweep stage)."""
    fx.shared()
    store = worker_store(url)
    clock = fx.FakeClock(fx.T0)
    engine = fx.make_engine(store, clock, cache_size=0)
    advance = None
    if stage is not None:
        import bench_timer_sweep as ts

        advance = ts.advance
    start, c0 = time.monotonic(), time.process_time()
    for i, case_id in enumerate(ids):
        clock.t = fx.T0 + timedelta(seconds=spacing_s * i)
        if advance is None:
            fx.open_case(engine, case_id)
        else:
            advance(engine, clock, case_id, stage or "intake")
    end = time.monotonic()
    store.engine.dispose()
    return {"start": start, "end": end, "cpu": time.process_time() - c0, "n": len(ids)}


def due_count(store: SqlCaseStore, now: datetime) -> int:
    with store.engine.connect() as conn:
        return int(
            conn.execute(
                text("SELECT count(*) FROM cases WHERE next_due_ts < :t"), {"t": now.timestamp()}
            ).scalar()
            or 0
        )


def drain_worker(
    url: str, now_ts: float, limit: int, barrier: Any, max_calls: int, max_seconds: float
) -> dict:
    """Call fire_due(now, limit) until a call returns 0 and nothing is due (bounded)."""
    fx.shared()
    now = datetime.fromtimestamp(now_ts, UTC)
    store = worker_store(url)
    engine = fx.make_engine(store, fx.FakeClock(now))
    with store.engine.connect() as conn:  # open the pool's first connection before timing
        conn.execute(text("SELECT 1"))
    be0 = backend_cpu(store)
    barrier.wait(timeout=BARRIER_TIMEOUT)
    start, c0 = time.monotonic(), time.process_time()
    calls: list[tuple[int, float]] = []
    empty_but_due = 0
    stepped = 0
    for _ in range(max_calls):
        if time.monotonic() - start > max_seconds:
            break
        t0 = time.monotonic()
        n = engine.fire_due(now, limit=limit)
        calls.append((n, time.monotonic() - t0))
        stepped += n
        if n == 0:
            if due_count(store, now) == 0:
                break
            empty_but_due += 1  # the others hold the rest, or a claim lost a race: retry
            time.sleep(0.005)
    end = time.monotonic()
    backend = backend_delta(be0, backend_cpu(store))
    out = {
        "backend": backend, "worker": engine.worker, "start": start, "end": end,
        "cpu": time.process_time() - c0,
        "stepped": stepped, "calls": len(calls), "empty_but_due": empty_but_due,
        "short": sum(1 for n, _ in calls[:-1] if 0 < n < limit),
        "rss": proc_status(), "cache": len(engine._cache),
    }  # fmt: skip
    store.engine.dispose()
    return out


def rss_worker(url: str, none_ts: float, due_ts: float, sweeps: int, fire_limit: int) -> dict:
    """A timer worker's memory on a big database: idle sweeps, a firing burst, idle again."""
    marks: list[tuple[str, dict[str, float], int]] = [("process started, modules imported",
                                                        proc_status(), 0)]  # fmt: skip
    fx.shared()
    store = worker_store(url)
    engine = fx.make_engine(store, fx.FakeClock(datetime.fromtimestamp(none_ts, UTC)))
    marks.append(("Engine + SqlCaseStore built", proc_status(), len(engine._cache)))
    none_now = datetime.fromtimestamp(none_ts, UTC)
    due_now = datetime.fromtimestamp(due_ts, UTC)
    idle: list[float] = []
    idle_cpu: list[float] = []
    idle_stepped = 0
    for _ in range(sweeps):
        t0, c0 = time.perf_counter(), time.process_time()
        idle_stepped += engine.fire_due(none_now)
        idle.append(time.perf_counter() - t0)
        idle_cpu.append(time.process_time() - c0)
    marks.append((f"after {sweeps} sweeps, nothing due", proc_status(), len(engine._cache)))
    fired, calls = 0, 0
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(50):  # bounded: a case may need a few calls (one deadline at a time)
        n = engine.fire_due(due_now, limit=fire_limit)
        fired += n
        calls += 1
        if n == 0:
            break
    fire_wall, fire_cpu = time.perf_counter() - t0, time.process_time() - c0
    marks.append((f"after firing the due cases ({fired:,} case-steps)", proc_status(),
                  len(engine._cache)))  # fmt: skip
    for _ in range(sweeps):
        engine.fire_due(due_now)
    marks.append((f"after {sweeps} more sweeps, nothing due", proc_status(), len(engine._cache)))
    store.engine.dispose()
    return {
        "marks": marks, "idle": idle, "idle_cpu": idle_cpu, "idle_stepped": idle_stepped,
        "fired": fired, "calls": calls, "fire_wall": fire_wall, "fire_cpu": fire_cpu,
        "cache_size": engine._cache_size,
    }  # fmt: skip


def fill_worker(url: str, ids: list[str]) -> dict:
    """RSS with the workflow cache filled by len(ids) open cases (a realistic load path: the
    engine's own _load + _remember, as fire_due/complete do for each case they touch)."""
    fx.shared()
    store = worker_store(url)
    engine = fx.make_engine(store, fx.FakeClock(fx.T0))
    before = proc_status()
    for case_id in ids:
        step = engine._load(case_id)
        engine._remember(step.stored, step.workflow, step.history)
    after = proc_status()
    store.engine.dispose()
    return {"before": before, "after": after, "cache": len(engine._cache)}


# -- the parent -------------------------------------------------------------------------------


class Db:
    """A benchmark database: PostgreSQL (fresh database) or a SQLite file."""

    def __init__(self, kind: str, url: str) -> None:
        self.kind, self.url = kind, url
        self.engine = make_engine(url)
        create_schema(self.engine)

    def reset(self) -> None:
        with self.engine.begin() as conn:
            if self.kind == "postgresql":
                conn.execute(text("TRUNCATE TABLE events, timers, timer_leases, cases"))
            else:
                conn.execute(text("DELETE FROM events"))
                conn.execute(text("DELETE FROM timers"))
                conn.execute(text("DELETE FROM timer_leases"))
                conn.execute(text("DELETE FROM cases"))
        if self.kind == "postgresql":
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.execute(text("VACUUM ANALYZE"))
        else:
            with self.engine.connect() as conn:
                conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))

    def analyze(self) -> None:
        if self.kind == "postgresql":
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.execute(text("VACUUM ANALYZE"))

    def scalar(self, sql: str, **params: Any) -> Any:
        with self.engine.connect() as conn:
            return conn.execute(text(sql), params).scalar()

    def dispose(self) -> None:
        self.engine.dispose()


def open_in_parallel(db: Db, ids: list[str], openers: int, stages: list[str | None]) -> float:
    """Open ids through the engine in `openers` processes (ids[i] at stage stages[i % len])."""
    groups: dict[tuple[int, str | None], list[str]] = {}
    for i, case_id in enumerate(ids):
        groups.setdefault((i % openers, stages[i % len(stages)]), []).append(case_id)
    # spacing: one second apart in the order each opener opens them
    targets = [(open_worker, (db.url, g, stage, 1.0)) for (_, stage), g in groups.items()]
    t0 = time.monotonic()
    for start in range(0, len(targets), openers):
        run_processes(targets[start : start + openers])
    return time.monotonic() - t0


def bench_steps(db: Db, total_cases: int, rounds: int, workers: tuple[int, ...]) -> dict:
    res: dict[int, dict[str, list[float]]] = {}
    for r in range(rounds):
        order = workers if r % 2 == 0 else tuple(reversed(workers))
        for w in order:
            db.reset()
            per = [total_cases // w + (1 if i < total_cases % w else 0) for i in range(w)]
            barrier = SPAWN.Barrier(w + 1)
            out = run_processes(
                [(step_worker, (db.url, f"r{r}w{w}p{i}", per[i], barrier)) for i in range(w)],
                barrier,
            )
            steps = sum(o["steps"] for o in out)
            closed = sum(o["closed"] for o in out)
            assert steps == total_cases * len(fx.PATH), steps
            assert closed == total_cases, closed
            wall = max(o["end"] for o in out) - min(o["start"] for o in out)
            cpu = sum(o["cpu"] for o in out)
            d = res.setdefault(
                w, {"rate": [], "cpu_ms": [], "lat": [], "busy": [], "wall": [], "pg_ms": []}
            )
            d["pg_ms"].append(out[0]["_pgcpu"] / steps * 1000)
            bes = [o["backend"] for o in out]
            if all(b is not None for b in bes):
                d.setdefault("be_ms", []).append(sum(bes) / steps * 1000)
            d["rate"].append(steps / wall)
            d["wall"].append(wall)
            d["cpu_ms"].append(cpu / steps * 1000)
            d["busy"].append(out[0]["_busy"])
            for o in out:
                d["lat"].extend(o["lat"])
    return res


def print_steps(kind: str, res: dict, total_cases: int, rounds: int, cores: int) -> None:
    steps = total_cases * len(fx.PATH)
    print(
        f"\n### {kind}: {total_cases} cases × {len(fx.PATH)} steps = {steps:,} Engine.complete "
        f"per run, split over the workers; {rounds} round(s), median shown\n"
    )
    print(
        "| worker processes | steps/s (all workers) | range | × 1 worker | p50 ms | p99 ms "
        "| worker CPU ms/step | own backends CPU ms/step | PG server CPU ms/step ² "
        "| machine busy |"
    )
    print("| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    base = statistics.median(res[1]["rate"])
    for w in sorted(res):
        d = res[w]
        rate = statistics.median(d["rate"])
        note = f" ({cores} cores)" if w > cores else ""
        pg = kind.startswith("PostgreSQL")
        pg_ms = f"{statistics.median(d['pg_ms']):.2f}" if pg else "—"
        be_ms = f"{statistics.median(d['be_ms']):.2f}" if pg and d.get("be_ms") else "—"
        print(
            f"| {w}{note} | {rate:.0f} | {min(d['rate']):.0f}–{max(d['rate']):.0f} "
            f"| {rate / base:.2f} | {fx.ms(fx.percentile(d['lat'], 50))} "
            f"| {fx.ms(fx.percentile(d['lat'], 99))} | {statistics.median(d['cpu_ms']):.2f} "
            f"| {be_ms} | {pg_ms} "
            f"| {statistics.median(d['busy']) * 100:.0f}% |"
        )


EXTRA_INDEX = "CREATE INDEX bench_cases_due_id ON cases (next_due_ts, id)"


FOOTNOTE_SERVER = (
    "² CPU of every `postgres` process of the local server over the timed phase (live "
    "processes plus the postmaster's reaped children): includes the WAL writer and checkpointer, "
    'and any other client of the same server; "own backends" is just the workers\' connections.'
)


def commit_latency(db: Db, n: int = 200) -> tuple[float, float]:
    """(median, p99) seconds of one-row INSERT + COMMIT round trips: the durable-commit floor."""
    with db.engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS bench_commit (i integer)"))
    out = []
    with db.engine.connect() as conn:
        for i in range(n):
            t0 = time.perf_counter()
            conn.execute(text("INSERT INTO bench_commit (i) VALUES (:i)"), {"i": i})
            conn.commit()
            out.append(time.perf_counter() - t0)
    with db.engine.begin() as conn:
        conn.execute(text("DROP TABLE bench_commit"))
    return statistics.median(out), fx.percentile(out, 99)


def bench_drain(
    db: Db, n: int, openers: int, limit: int, max_seconds: float, extra_index: bool = False
) -> dict:
    db.reset()
    with db.engine.begin() as conn:
        conn.execute(text("DROP INDEX IF EXISTS bench_cases_due_id"))
        if extra_index:
            conn.execute(text(EXTRA_INDEX))
    ids = [f"due-{i:05d}" for i in range(n)]
    t_open = open_in_parallel(db, ids, openers, [None])
    db.analyze()
    now = SWEEP_CONSENT
    before = {
        "cases": db.scalar("SELECT count(*) FROM cases"),
        "due": db.scalar("SELECT count(*) FROM cases WHERE next_due_ts < :t", t=now.timestamp()),
        "min_due": db.scalar("SELECT min(next_due_ts) FROM cases"),
        "max_due": db.scalar("SELECT max(next_due_ts) FROM cases"),
        "events": db.scalar("SELECT count(*) FROM events"),
        "system": db.scalar("SELECT count(*) FROM events WHERE role = 'system'"),
    }
    assert before["cases"] == n and before["due"] == n, before
    barrier = SPAWN.Barrier(3)
    out = run_processes(
        [(drain_worker, (db.url, now.timestamp(), limit, barrier, 10_000, max_seconds))] * 2,
        barrier,
    )
    wall = max(o["end"] for o in out) - min(o["start"] for o in out)
    check = {
        "consent_refused": db.scalar(
            "SELECT count(*) FROM events WHERE activity = 'consent_refused'"
        ),
        "cases_with_dup": db.scalar(
            "SELECT count(*) FROM (SELECT case_id FROM events WHERE activity = 'consent_refused'"
            " GROUP BY case_id HAVING count(*) > 1) d"
        ),
        "cases_without": db.scalar(
            "SELECT count(*) FROM cases c WHERE NOT EXISTS (SELECT 1 FROM events e "
            "WHERE e.case_id = c.id AND e.activity = 'consent_refused')"
        ),
        "system_new": db.scalar("SELECT count(*) FROM events WHERE role = 'system'")
        - before["system"],
        "events_new": db.scalar("SELECT count(*) FROM events") - before["events"],
        "due_cases_left": db.scalar(
            "SELECT count(*) FROM cases WHERE next_due_ts < :t", t=now.timestamp()
        ),
        "due_timers_left": db.scalar(
            "SELECT count(*) FROM timers WHERE due_ts < :t", t=now.timestamp()
        ),
        "leases_left": db.scalar("SELECT count(*) FROM timer_leases"),
        "returned": db.scalar("SELECT count(*) FROM cases WHERE status = 'returned'"),
        "version_2": db.scalar("SELECT count(*) FROM cases WHERE version = 2"),
    }
    if extra_index:
        with db.engine.begin() as conn:
            conn.execute(text("DROP INDEX IF EXISTS bench_cases_due_id"))
    return {"n": n, "t_open": t_open, "before": before, "out": out, "wall": wall, "check": check}


def print_drain(kind: str, d: dict, openers: int, limit: int) -> bool:
    n, c, out = d["n"], d["check"], d["out"]
    b = d["before"]
    same = b["min_due"] == b["max_due"]
    print(
        f"\n### {kind}: {n:,} consent timers due at once, two worker processes\n\n"
        f"{n:,} pre_filing_referral cases opened through the engine by {openers} opener "
        f"processes in {d['t_open']:.1f} s ({n / d['t_open']:.0f} opens/s); their timers are "
        f"due at {datetime.fromtimestamp(b['min_due'], UTC):%Y-%m-%d %H:%M:%S} UTC"
        f"{' (all the same instant)' if same else ''}; sweep instant "
        f"{SWEEP_CONSENT:%Y-%m-%d %H:%M} UTC; fire_due(now, limit={limit}) per call.\n"
    )
    print(
        "| worker | cases stepped | fire_due calls | calls ending early (0 < n < limit) ³ "
        "| calls returning 0 while cases were due ³ "
        "| wall s | CPU s | CPU ms/case | peak RSS (VmHWM) MiB |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for i, o in enumerate(out):
        print(
            f"| {i + 1} ({o['worker']}) | {o['stepped']:,} | {o['calls']} | {o['short']} "
            f"| {o['empty_but_due']} "
            f"| {o['end'] - o['start']:.1f} | {o['cpu']:.1f} "
            f"| {o['cpu'] / max(1, o['stepped']) * 1000:.2f} | {o['rss']['VmHWM']:.0f} |"
        )
    total = sum(o["stepped"] for o in out)
    print(
        f"| **both** | **{total:,}** | {sum(o['calls'] for o in out)} "
        f"| {sum(o['short'] for o in out)} "
        f"| {sum(o['empty_but_due'] for o in out)} | **{d['wall']:.1f}** "
        f"| {sum(o['cpu'] for o in out):.1f} | | |"
    )
    bes = [o["backend"] for o in out]
    backends = f"{sum(bes):.1f}" if all(b is not None for b in bes) else "n/a"
    server = (
        f"; the workers' PostgreSQL backends {backends} CPU s, the whole server ² "
        f"{out[0]['_pgcpu']:.1f} s = {out[0]['_pgcpu'] / n * 1000:.1f} ms/case"
        if kind.startswith("PostgreSQL")
        else ""
    )
    checks = [
        ("drain time (barrier → last worker done)", f"{d['wall']:.1f} s "
         f"({n / d['wall']:.0f} cases/s; machine busy {out[0]['_busy'] * 100:.0f}%{server})",
         True),
        ("cases stepped, sum of both workers", f"{total:,} (expected {n:,})", total == n),
        ("consent_refused events", f"{c['consent_refused']:,} (expected {n:,})",
         c["consent_refused"] == n),
        ("cases with more than one consent_refused (duplicates)", f"{c['cases_with_dup']}",
         c["cases_with_dup"] == 0),
        ("cases with no consent_refused", f"{c['cases_without']}", c["cases_without"] == 0),
        ("system events written", f"{c['system_new']:,} (expected {n:,}, one per case); "
         f"all events written {c['events_new']:,}", c["system_new"] == n),
        ("cases at version 2 (opened, fired once)", f"{c['version_2']:,}", c["version_2"] == n),
        ("cases now `returned`", f"{c['returned']:,}", c["returned"] == n),
        ("leftovers: cases / timers still due, leases held",
         f"{c['due_cases_left']} / {c['due_timers_left']} / {c['leases_left']}",
         c["due_cases_left"] == 0 and c["due_timers_left"] == 0 and c["leases_left"] == 0),
    ]  # fmt: skip
    if kind.startswith("PostgreSQL"):
        print("\n" + FOOTNOTE_SERVER)
    print(
        "\n³ A fire_due call ends early (fewer than `limit` steps while cases are still due) "
        "when claim_due returns None after losing a race: the case it picked was leased by the "
        "other worker between its read and its lease upsert (SQLite has no SKIP LOCKED; on "
        "PostgreSQL the window is the pick query's run time, since a claim only locks the row "
        "until its commit). A call returning 0 while cases are due is the same, or the last "
        "cases being held by the other worker. The loop here just calls again."
    )
    print("\n| check | result | ok |\n| --- | --- | --- |")
    for name, value, ok in checks:
        print(f"| {name} | {value} | {'yes' if ok else '**NO**'} |")
    return all(ok for _, _, ok in checks)


def bench_rss(db: Db, n_open: int, n_due: int, days: int, openers: int, sweeps: int,
              fill: int) -> dict:  # fmt: skip
    import bench_timer_sweep as ts

    db.reset()
    t0 = time.monotonic()
    tpls = ts.templates(days)
    t_tpl = time.monotonic() - t0
    store = SqlCaseStore(db.engine)
    t0 = time.monotonic()
    ts.insert_clones(store, tpls, n_open)
    t_clone = time.monotonic() - t0
    ids = [f"due-{i:05d}" for i in range(n_due)]
    t_due = open_in_parallel(db, ids, openers, list(ts.STAGES))
    db.analyze()
    info = {
        "cases": db.scalar("SELECT count(*) FROM cases"),
        "open": db.scalar("SELECT count(*) FROM cases WHERE status != 'closed'"),
        "events": db.scalar("SELECT count(*) FROM events"),
        "timers": db.scalar("SELECT count(*) FROM timers"),
        "min_due": db.scalar("SELECT min(due_ts) FROM timers"),
        "due": db.scalar(
            "SELECT count(*) FROM cases WHERE next_due_ts < :t", t=ts.SWEEP_DUE.timestamp()
        ),
        "bytes": db.scalar("SELECT pg_database_size(current_database())")
        if db.kind == "postgresql"
        else 0,
    }
    none_ts = info["min_due"] - 1
    (out,) = run_processes([(rss_worker, (db.url, none_ts, ts.SWEEP_DUE.timestamp(), sweeps,
                                          n_due))])  # fmt: skip
    filled = None
    if fill:
        with db.engine.connect() as conn:
            bg = [
                r[0]
                for r in conn.execute(
                    text(
                        "SELECT id FROM cases WHERE status != 'closed' AND id LIKE 'bg-%' "
                        "ORDER BY id LIMIT :n"
                    ),
                    {"n": fill},
                )
            ]
        (filled,) = run_processes([(fill_worker, (db.url, bg))])
    left = db.scalar(
        "SELECT count(*) FROM cases WHERE next_due_ts < :t", t=ts.SWEEP_DUE.timestamp()
    )
    return {
        "info": info, "out": out, "filled": filled, "t_tpl": t_tpl, "n_tpl": len(tpls),
        "t_clone": t_clone, "t_due": t_due, "n_open": n_open, "n_due": n_due, "left": left,
        "sweeps": sweeps, "due_at": ts.SWEEP_DUE,
    }  # fmt: skip


def print_rss(d: dict, openers: int) -> bool:
    info, out = d["info"], d["out"]
    print(
        f"\n### PostgreSQL: RSS of a timer worker with {info['open']:,} open cases\n\n"
        f"Database: {info['cases']:,} cases ({info['open']:,} open), {info['events']:,} events, "
        f"{info['timers']:,} timers, {info['bytes'] / 2**20:.0f} MiB. Fixture: {d['n_tpl']} "
        f"template cases through the engine in memory ({d['t_tpl']:.1f} s), {d['n_open']:,} "
        f"clones inserted ({d['t_clone']:.1f} s), {d['n_due']:,} due cases opened and stepped "
        f"through the engine by {openers} opener processes ({d['t_due']:.1f} s); "
        f"{info['due']:,} cases due at {d['due_at']:%Y-%m-%d %H:%M} UTC.\n"
    )
    print("| point | VmRSS MiB | peak (VmHWM) MiB | ru_maxrss MiB ¹ | cached workflows |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for label, st, cache in out["marks"]:
        print(f"| {label} | {st['VmRSS']:.0f} | {st['VmHWM']:.0f} | {st['maxrss']:.0f} | {cache} |")
    print(
        "\n¹ getrusage ru_maxrss survives fork+exec on Linux: in a spawned process it starts at "
        "the spawning parent's peak, so VmHWM (this image's own peak) is the figure to read."
    )
    marks = out["marks"]
    peak = max(st["VmHWM"] for _, st, _ in marks)
    idle = out["idle"]
    fired_cache = marks[3][2]
    delta = marks[3][1]["VmRSS"] - marks[2][1]["VmRSS"]
    print(
        f"\nIdle sweeps: fire_due(now) with nothing due, ×{d['sweeps']}: median "
        f"{fx.ms(statistics.median(idle))} ms wall, {fx.ms(statistics.median(out['idle_cpu']))} "
        f"ms CPU, max {fx.ms(max(idle))} ms; {out['idle_stepped']} stepped. Firing: "
        f"{out['fired']:,} case-steps in {out['calls']} call(s), {out['fire_wall']:.1f} s wall, "
        f"{out['fire_cpu']:.1f} s CPU; {d['left']} cases left due. Firing added "
        f"{delta:.0f} MiB of RSS for {fired_cache} cached workflows (cases that closed on "
        f"firing leave the cache)"
        + (f", ≈ {delta * 1024 / fired_cache:.0f} KiB each." if fired_cache else ".")
    )
    filled = d["filled"]
    ok = peak < 300
    if filled:
        per = (
            (filled["after"]["VmRSS"] - filled["before"]["VmRSS"]) * 1024 / max(1, filled["cache"])
        )
        peak_fill = filled["after"]["VmHWM"]
        print(
            f"\nCache at capacity (a second fresh worker loads {filled['cache']:,} open background "
            f"cases into its workflow cache, the engine's cache_size = {out['cache_size']}): "
            f"VmRSS {filled['before']['VmRSS']:.0f} → {filled['after']['VmRSS']:.0f} MiB, "
            f"peak {peak_fill:.0f} MiB, ≈ {per:.0f} KiB per cached workflow."
        )
        ok = ok and peak_fill < 300
        peak = max(peak, peak_fill)
    print("\n| target | measured peak RSS | met |\n| --- | --- | --- |")
    print(f"| worker RSS < 300 MB with {info['open']:,} open cases | {peak:.0f} MiB | "
          f"{'yes' if ok else '**NO**'} |")  # fmt: skip
    return ok


def create_pg_database(dsn: str) -> tuple[str, str]:
    import psycopg
    from psycopg import sql

    name = f"suitiao_bench_{secrets.token_hex(5)}"
    with psycopg.connect(dsn, autocommit=True) as admin:
        host = admin.info.host
        assert host in ("127.0.0.1", "localhost", "::1"), f"not a local server: {host}"
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        info = admin.info
        settings = {
            s: admin.execute(sql.SQL("SHOW {}").format(sql.Identifier(s))).fetchone()[0]
            for s in ("server_version", "fsync", "synchronous_commit", "shared_buffers")
        }
        url = f"postgresql://{info.user}@{info.host}:{info.port}/{name}"
    print("PostgreSQL " + ", ".join(f"{k}={v}" for k, v in settings.items()) + f"; database {name}")
    return name, url


def drop_pg_database(dsn: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(dsn, autocommit=True) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, under ~2 minutes")
    parser.add_argument("--pg", default=MAINTENANCE_DSN, help="maintenance DSN (127.0.0.1)")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--only", choices=("steps", "drain", "rss"), action="append")
    parser.add_argument("--cases", type=int, default=240, help="cases for the steps/s runs")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--timers", type=int, default=10_000)
    parser.add_argument("--sqlite-timers", type=int, default=5_000)
    parser.add_argument(
        "--index-experiment",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="drain again with an extra index cases(next_due_ts, id) (default: on, off --quick)",
    )
    parser.add_argument("--limit", type=int, default=500, help="fire_due limit per call")
    parser.add_argument("--openers", type=int, default=4)
    parser.add_argument("--open", type=int, default=100_000, help="open cases for the RSS run")
    parser.add_argument("--due", type=int, default=1_000)
    parser.add_argument("--days", type=int, default=40)
    parser.add_argument("--sweeps", type=int, default=200)
    parser.add_argument("--fill", type=int, default=2048, help="cases for the full-cache RSS")
    args = parser.parse_args()
    if args.quick:
        args.cases, args.rounds, args.timers, args.sqlite_timers = 32, 1, 1_000, 500
        args.open, args.due, args.days, args.sweeps, args.fill = 5_000, 100, 10, 30, 300
    if args.index_experiment is None:
        args.index_experiment = not args.quick
    parts = set(args.only or ("steps", "drain", "rss"))
    cores = os.cpu_count() or 1
    t_all = time.monotonic()
    print(
        f"# Workers on one database{' (--quick)' if args.quick else ''}\n\n"
        f"Machine: {cores} CPU cores (os.cpu_count), load average "
        f"{'/'.join(f'{x:.2f}' for x in os.getloadavg())} at start; Python "
        f"{sys.version.split()[0]}; workers are spawned processes."
    )
    # a timeout's SIGTERM unwinds through the finally below, which drops the database
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    name, url = create_pg_database(args.pg)
    tmpdir = tempfile.mkdtemp(prefix="suitiao-workers-")
    ok = True
    try:
        pg = Db("postgresql", url)
        sq = None if args.skip_sqlite else Db("sqlite", fx.sqlite_url(Path(tmpdir) / "w.db"))
        if "steps" in parts:
            print("\n## 1. Steps per second with 1, 2 and 4 worker processes")
            workers = (1, 2, 4)
            for db in (pg, sq):
                if db is not None:
                    med, p99 = commit_latency(db)
                    print(
                        f"\n{db.kind}: one-row INSERT + COMMIT from this process, median "
                        f"{fx.ms(med)} ms, p99 {fx.ms(p99)} ms (the durable-commit floor)."
                    )
            res = bench_steps(pg, args.cases, args.rounds, workers)
            print_steps("PostgreSQL", res, args.cases, args.rounds, cores)
            print("\n" + FOOTNOTE_SERVER)
            if sq is not None:
                res = bench_steps(sq, args.cases, args.rounds, workers)
                print_steps("SQLite WAL (one writer at a time)", res, args.cases, args.rounds,
                            cores)  # fmt: skip
        if "drain" in parts:
            print("\n## 2. Timers due at once, drained by two worker processes")
            d = bench_drain(pg, args.timers, args.openers, args.limit, 900)
            ok &= print_drain("PostgreSQL", d, args.openers, args.limit)
            if args.index_experiment:
                d = bench_drain(pg, args.timers, args.openers, args.limit, 900, extra_index=True)
                ok &= print_drain(
                    "PostgreSQL + experimental index cases(next_due_ts, id) (not the shipped "
                    "schema)",
                    d,
                    args.openers,
                    args.limit,
                )
            if sq is not None and args.sqlite_timers:
                d = bench_drain(sq, args.sqlite_timers, 2, args.limit, 900)
                ok &= print_drain("SQLite WAL", d, 2, args.limit)
        if "rss" in parts:
            print("\n## 3. Worker RSS with many open cases")
            d = bench_rss(pg, args.open, args.due, args.days, args.openers, args.sweeps, args.fill)
            ok &= print_rss(d, args.openers)
        pg.dispose()
        if sq is not None:
            sq.dispose()
    finally:
        drop_pg_database(args.pg, name)
        shutil.rmtree(tmpdir, ignore_errors=True)
    print(f"\n{time.monotonic() - t_all:.0f} s in all; database {name} dropped.")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
