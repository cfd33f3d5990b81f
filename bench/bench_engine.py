"""Durable engine steps per second on SQLite (WAL), against two baselines measured in the same run.

    .venv/bin/python bench/bench_engine.py [--quick] [--cases N] [--rounds R] [--profile warm|cold]

Workload: N cases of workflows/pre_filing_referral.bpmn, each driven through the same 8 user
tasks (consent → refer → sign → accept → notify → start → agree → performed; the last step closes
the case). Cases are interleaved: step 1 of every case, then step 2 of every case, and so on, so
a step never finds its case's pages hot just because the previous call touched them. A step is
one Engine.complete call (authorize, validate, step the BPMN, seal events, write case row +
events + timers in one transaction).

Variants, all on the same tasks with the same task data (captured from the engine):
  (a)  SpiffWorkflow alone, in memory: task.data.update / task.run / refresh_timers /
       do_engine_steps; no storage, no events.
  (b)  the plain durable approach: SQLite WAL (synchronous=NORMAL), a table (id, json); per step
       SELECT, deserialize with the stock BpmnWorkflowSerializer (spec embedded), complete,
       serialize, UPDATE, COMMIT.
  warm Suitiao, SqlCaseStore on a SQLite WAL file, Engine with its workflow cache (N ≤ cache).
  cold Suitiao, same store, Engine(cache_size=0): every step deserializes its workflow.

Each round runs the four variants on fresh databases (in a temporary directory); steps/s is the
median over rounds, latencies are pooled over rounds. Targets (issue): warm ≥ 2× (b) and
p99 < 20 ms.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import pstats
import sqlite3
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import engine_fixtures as fx

VARIANTS = ("a", "b", "warm", "cold")
LABELS = {
    "a": "(a) SpiffWorkflow alone, in memory",
    "b": "(b) plain durable: stock serializer, SQLite WAL",
    "warm": "Suitiao, SQLite WAL, warm cache",
    "cold": "Suitiao, SQLite WAL, cache_size=0",
}


class Result:
    def __init__(self) -> None:
        self.rates: list[float] = []
        self.latencies: list[float] = []
        self.cpu_rates: list[float] = []
        self.cpu_latencies: list[float] = []
        self.by_step: dict[int, list[float]] = defaultdict(list)
        self.open_rates: list[float] = []
        self.doc_bytes = 0

    def add(
        self, wall: float, lat: list[tuple[int, float, float]], opens: int, open_wall: float
    ) -> None:
        self.rates.append(len(lat) / wall)
        self.cpu_rates.append(len(lat) / sum(c for _, _, c in lat))
        self.open_rates.append(opens / open_wall if open_wall else 0.0)
        for k, seconds, cpu in lat:
            self.latencies.append(seconds)
            self.cpu_latencies.append(cpu)
            self.by_step[k].append(cpu)


def _drive(step: Any, case_ids: list[str]) -> tuple[float, list[tuple[int, float, float]]]:
    """Interleaved: step k of every case, then step k+1.

    Returns (wall seconds, [(step index, wall seconds, CPU seconds of this process)])."""
    lat: list[tuple[int, float, float]] = []
    clock, cpu = time.perf_counter, time.process_time
    t_start = clock()
    for k in range(len(fx.PATH)):
        for case_id in case_ids:
            t0, c0 = clock(), cpu()
            step(case_id, k)
            lat.append((k, clock() - t0, cpu() - c0))
    return clock() - t_start, lat


def run_spiff(cap: fx.Capture, n: int, tag: str) -> tuple[float, list, int, float]:
    script_engine = fx.make_engine(fx.MemoryCaseStore(), fx.FakeClock(fx.T0)).script_engine
    t0 = time.perf_counter()
    workflows = {
        f"{tag}-{i}": fx.spiff_start(script_engine, cap.start_data, fx.T0) for i in range(n)
    }
    open_wall = time.perf_counter() - t0

    def step(case_id: str, k: int) -> None:
        bpmn_id, data = cap.steps[k]
        fx.spiff_step(workflows[case_id], bpmn_id, data, fx.T0)

    wall, lat = _drive(step, list(workflows))
    assert all(w.is_completed() for w in workflows.values())
    return wall, lat, n, open_wall


def run_plain(cap: fx.Capture, n: int, tag: str, tmp: Path) -> tuple[float, list, int, float, int]:
    script_engine = fx.make_engine(fx.MemoryCaseStore(), fx.FakeClock(fx.T0)).script_engine
    db = fx.PlainDurable(tmp / f"plain-{tag}.db", script_engine)
    ids = [f"{tag}-{i}" for i in range(n)]
    t0 = time.perf_counter()
    for case_id in ids:
        db.open(case_id, cap.start_data, fx.T0)
    open_wall = time.perf_counter() - t0
    size_open = db.document_size()

    def step(case_id: str, k: int) -> None:
        bpmn_id, data = cap.steps[k]
        db.step(case_id, bpmn_id, data, fx.T0)

    wall, lat = _drive(step, ids)
    db.close()
    return wall, lat, n, open_wall, size_open


def run_suitiao(
    n: int, tag: str, tmp: Path, cache_size: int
) -> tuple[float, list, int, float, int]:
    path = tmp / f"suitiao-{tag}.db"
    engine = fx.sql_engine(path, fx.FakeClock(fx.T0), cache_size=cache_size)
    ids = [f"{tag}-{i}" for i in range(n)]
    t0 = time.perf_counter()
    for case_id in ids:
        fx.open_case(engine, case_id)
    open_wall = time.perf_counter() - t0
    with sqlite3.connect(str(path)) as conn:
        size_open = int(conn.execute("SELECT avg(length(workflow)) FROM cases").fetchone()[0])

    def step(case_id: str, k: int) -> None:
        fx.do_step(engine, case_id, k)

    wall, lat = _drive(step, ids)
    assert engine.case(ids[-1]).status == "closed"
    engine.store.engine.dispose()
    return wall, lat, n, open_wall, size_open


def run_variant(name: str, cap: fx.Capture, n: int, tag: str, tmp: Path) -> tuple:
    gc.collect()
    if name == "a":
        return (*run_spiff(cap, n, tag), 0)
    if name == "b":
        return run_plain(cap, n, tag, tmp)
    return run_suitiao(n, tag, tmp, 2048 if name == "warm" else 0)


def profile(variant: str, n: int, top: int) -> None:
    with tempfile.TemporaryDirectory(prefix="suitiao-bench-") as d:
        tmp = Path(d)
        engine = fx.sql_engine(tmp / "p.db", fx.FakeClock(fx.T0), 2048 if variant == "warm" else 0)
        ids = [f"p-{i}" for i in range(n)]
        for case_id in ids:
            fx.open_case(engine, case_id)
        prof = cProfile.Profile()
        prof.enable()
        wall, lat = _drive(lambda c, k: fx.do_step(engine, c, k), ids)
        prof.disable()
        print(
            f"\n## cProfile, Suitiao {variant}, {len(lat)} steps ({len(lat) / wall:.0f} steps/s "
            "under the profiler)\n"
        )
        stats = pstats.Stats(prof)
        stats.sort_stats("cumulative").print_stats(top)
        stats.sort_stats("tottime").print_stats(top)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="40 cases, 1 round")
    parser.add_argument("--cases", type=int, default=250)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", choices=("warm", "cold"), help="profile instead of timing")
    parser.add_argument("--top", type=int, default=35)
    args = parser.parse_args()
    if args.quick:
        args.cases, args.rounds = 40, 1
    n, rounds = args.cases, args.rounds
    if args.cases > 2048:
        print("note: more cases than the engine's cache (2048): 'warm' is partly cold")

    fx.shared()
    cap = fx.capture_path()
    if args.profile:
        profile(args.profile, n, args.top)
        return 0

    results = {v: Result() for v in VARIANTS}
    t_all = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="suitiao-bench-") as d:
        tmp = Path(d)
        # one unrecorded warm-up pass (imports, lru caches, SQLite page cache of the schema)
        for v in VARIANTS:
            run_variant(v, cap, 5, f"w{v}", tmp)
        for r in range(rounds):
            order = VARIANTS[r % 4 :] + VARIANTS[: r % 4]  # rotate so drift hits all alike
            for v in order:
                wall, lat, opens, open_wall, size = run_variant(v, cap, n, f"r{r}{v}", tmp)
                results[v].add(wall, lat, opens, open_wall)
                results[v].doc_bytes = size
    total = time.perf_counter() - t_all

    steps = n * len(fx.PATH)
    print(
        f"# Engine steps: {n} cases × {len(fx.PATH)} steps = {steps} steps per variant "
        f"per round, {rounds} round(s), {total:.0f} s in all\n"
    )
    med = {v: fx.median(results[v].rates) for v in VARIANTS}
    cmed = {v: fx.median(results[v].cpu_rates) for v in VARIANTS}
    print("Wall clock (what a caller waits; inflated when the machine is shared):\n")
    print(
        "| variant | steps/s (median) | range over rounds | p50 ms | p95 ms | p99 ms | max ms "
        "| × (b) | × (a) |"
    )
    print("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for v in VARIANTS:
        res = results[v]
        lat = res.latencies
        print(
            f"| {LABELS[v]} | {med[v]:.0f} | {min(res.rates):.0f}–{max(res.rates):.0f} "
            f"| {fx.ms(fx.percentile(lat, 50))} | {fx.ms(fx.percentile(lat, 95))} "
            f"| {fx.ms(fx.percentile(lat, 99))} | {fx.ms(max(lat))} "
            f"| {med[v] / med['b']:.2f} | {med[v] / med['a']:.2f} |"
        )
    print(
        "\nCPU time of this process per step (steps/s = steps ÷ CPU seconds; what an idle "
        "core would do, I/O waits excluded):\n"
    )
    print("| variant | steps/CPU-s (median) | range | p50 ms | p95 ms | p99 ms | × (b) | × (a) |")
    print("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |")
    for v in VARIANTS:
        res = results[v]
        lat = res.cpu_latencies
        print(
            f"| {LABELS[v]} | {cmed[v]:.0f} | {min(res.cpu_rates):.0f}–{max(res.cpu_rates):.0f} "
            f"| {fx.ms(fx.percentile(lat, 50))} | {fx.ms(fx.percentile(lat, 95))} "
            f"| {fx.ms(fx.percentile(lat, 99))} "
            f"| {cmed[v] / cmed['b']:.2f} | {cmed[v] / cmed['a']:.2f} |"
        )

    print("\n| target | measured (wall) | met | measured (CPU) | met |")
    print("| --- | --- | --- | --- | --- |")
    for v, required in (("warm", ""), ("cold", " (not required)")):
        r_w, r_c = med[v] / med["b"], cmed[v] / cmed["b"]
        p_w = fx.percentile(results[v].latencies, 99)
        p_c = fx.percentile(results[v].cpu_latencies, 99)
        print(
            f"| {v} ≥ 2× (b){required} | {r_w:.2f}× ({med[v]:.0f} vs {med['b']:.0f}/s) "
            f"| {'yes' if r_w >= 2 else 'NO'} | {r_c:.2f}× ({cmed[v]:.0f} vs {cmed['b']:.0f}/s) "
            f"| {'yes' if r_c >= 2 else 'NO'} |"
        )
        print(
            f"| {v} p99 < 20 ms{required} | {fx.ms(p_w)} ms | {'yes' if p_w < 0.020 else 'NO'} "
            f"| {fx.ms(p_c)} ms | {'yes' if p_c < 0.020 else 'NO'} |"
        )

    print("\nMedian CPU ms per step kind:\n")
    print("| step | " + " | ".join(VARIANTS) + " |")
    print("| --- |" + " ---: |" * len(VARIANTS))
    for k, name in enumerate(fx.STEP_NAMES):
        cells = " | ".join(fx.ms(fx.median(results[v].by_step[k])) for v in VARIANTS)
        print(f"| {name} | {cells} |")

    print("\nOpening cases (not counted as steps) and stored workflow size at opening:\n")
    print("| variant | opens/s (median) | document bytes |")
    print("| --- | ---: | ---: |")
    for v in VARIANTS:
        size = results[v].doc_bytes
        print(f"| {v} | {fx.median(results[v].open_rates):.0f} | {size or '—'} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
