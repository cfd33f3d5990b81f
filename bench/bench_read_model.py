"""What the waiting-task read model costs a step: durable steps/s with it and without it.

    .venv/bin/python bench/bench_read_model.py [--cases N] [--rounds R] [--db sqlite postgres]

Workload as bench_anchors.py: N cases of the pre-filing path (bench/engine_fixtures.py), all 8
steps each, interleaved across cases, warm workflow cache, anchors on (as served). "without"
is the same store with `SqlCaseStore.write_read_model` off (a flag for benchmarks only): no
task rows deleted and written in the step's transaction, which is what a step cost before
0010_task_rows. The two variants alternate within each round; medians over rounds. Target
(issue 12): the read model costs at most 15 % of the steps/s.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import engine_fixtures as fx  # puts the repository on sys.path

from storage.integrity import Anchors
from storage.sql import SqlCaseStore

MAINTENANCE_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"


def url_for(kind: str, folder: Path, name: str) -> str:
    if kind == "sqlite":
        return fx.sqlite_url(folder / f"{name}.db")
    import psycopg
    from psycopg import sql

    db = f"suitiao_bench_rm_{name}"
    with psycopg.connect(MAINTENANCE_DSN, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(db)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db)))
    return f"postgresql://postgres@127.0.0.1:5432/{db}"


def run(url: str, cases: int, read_model: bool) -> tuple[float, float]:
    """(steps per wall second, steps per CPU second of this process)."""
    clock = fx.FakeClock(fx.T0)
    store = SqlCaseStore.from_url(url, Anchors("bench-secret-" + "x" * 40))
    store.write_read_model = read_model
    engine = fx.make_engine(store, clock)
    ids = [f"B-{n:05d}" for n in range(cases)]
    for case_id in ids:
        fx.open_case(engine, case_id)
    steps = 0
    started, started_cpu = time.perf_counter(), time.process_time()
    for k in range(len(fx.PATH)):
        for case_id in ids:
            fx.do_step(engine, case_id, k)
            steps += 1
    rate = steps / (time.perf_counter() - started)
    cpu_rate = steps / (time.process_time() - started_cpu)
    store.engine.dispose()
    return rate, cpu_rate


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--db", nargs="+", choices=["sqlite", "postgres"], default=["sqlite"])
    args = parser.parse_args()
    for kind in args.db:
        without, with_rows = [], []
        cpu: dict[bool, list[float]] = {False: [], True: []}
        for r in range(args.rounds):
            with tempfile.TemporaryDirectory() as tmp:
                # Alternate which variant goes first, so a load spike does not favour one.
                order = (False, True) if r % 2 == 0 else (True, False)
                for read_model in order:
                    url = url_for(kind, Path(tmp), f"r{r}{int(read_model)}")
                    rate, cpu_rate = run(url, args.cases, read_model)
                    (with_rows if read_model else without).append(rate)
                    cpu[read_model].append(cpu_rate)
        w, wo = statistics.median(with_rows), statistics.median(without)
        for label, rates in (("without", without), ("with", with_rows)):
            listed = ", ".join(f"{x:.0f}" for x in rates)
            median = statistics.median(rates)
            print(f"{kind}: steps/s {label} read model {median:6.0f}  (rounds: {listed})")
        print(f"{kind}: with / without {w / wo:.2f} (drop {100 * (1 - w / wo):.0f} %)", flush=True)
        c, co = statistics.median(cpu[True]), statistics.median(cpu[False])
        # SQLite runs in this process, so its CPU counts; PostgreSQL's server CPU does not.
        print(
            f"{kind}: steps per CPU second of this process: without {co:.0f}, with {c:.0f}, "
            f"ratio {c / co:.2f} (drop {100 * (1 - c / co):.0f} %)",
            flush=True,
        )


if __name__ == "__main__":
    main()
