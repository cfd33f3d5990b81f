"""What the waiting-task read model costs a step: durable steps/s with it and without it.

    .venv/bin/python bench/bench_read_model.py [--cases N] [--rounds R] [--db sqlite postgres]

Workload as bench_anchors.py: N cases of the pre-filing path (bench/engine_fixtures.py), all 8
steps each, interleaved across cases, warm workflow cache, anchors on (as served). "without"
is the same store with `SqlCaseStore.write_read_model` off (a flag for benchmarks only): no
waiting-task rows, search terms, findings or counters written in the step's transaction.

Paired: both stores (two databases) live in one process and each step of each case runs on
one and then the other, the order alternating, each step timed on its own. This machine's
speed drifts by a quarter from one minute to the next; run one after the other, the variants
measured the drift as much as the read model. Medians over rounds. Target (issue 12): the
read model costs at most 15 % of the steps/s.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

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


def _engine(url: str, read_model: bool) -> tuple[Any, SqlCaseStore]:
    store = SqlCaseStore.from_url(url, Anchors("bench-secret-" + "x" * 40))
    store.write_read_model = read_model
    return fx.make_engine(store, fx.FakeClock(fx.T0)), store


def run(urls: dict[bool, str], cases: int) -> dict[bool, tuple[float, float]]:
    """Per variant (read model on or off): (steps per second, steps per CPU second)."""
    engines = {read_model: _engine(url, read_model) for read_model, url in urls.items()}
    ids = [f"B-{n:05d}" for n in range(cases)]
    for case_id in ids:
        for engine, _store in engines.values():
            fx.open_case(engine, case_id)
    wall = dict.fromkeys(engines, 0.0)
    cpu = dict.fromkeys(engines, 0.0)
    for k in range(len(fx.PATH)):
        for n, case_id in enumerate(ids):
            for read_model in (False, True) if n % 2 == 0 else (True, False):
                engine = engines[read_model][0]
                started, started_cpu = time.perf_counter(), time.process_time()
                fx.do_step(engine, case_id, k)
                wall[read_model] += time.perf_counter() - started
                cpu[read_model] += time.process_time() - started_cpu
    for _, store in engines.values():
        store.engine.dispose()
    steps = cases * len(fx.PATH)
    return {rm: (steps / wall[rm], steps / cpu[rm]) for rm in engines}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--db", nargs="+", choices=["sqlite", "postgres"], default=["sqlite"])
    args = parser.parse_args()
    for kind in args.db:
        rates: dict[bool, list[float]] = {False: [], True: []}
        cpu: dict[bool, list[float]] = {False: [], True: []}
        ratios: list[float] = []
        for r in range(args.rounds):
            with tempfile.TemporaryDirectory() as tmp:
                urls = {rm: url_for(kind, Path(tmp), f"r{r}{int(rm)}") for rm in (False, True)}
                measured = run(urls, args.cases)
            for rm, (rate, cpu_rate) in measured.items():
                rates[rm].append(rate)
                cpu[rm].append(cpu_rate)
            ratios.append(measured[True][0] / measured[False][0])
        for label, rm in (("without", False), ("with", True)):
            listed = ", ".join(f"{x:.0f}" for x in rates[rm])
            median = statistics.median(rates[rm])
            print(f"{kind}: steps/s {label} read model {median:6.0f}  (rounds: {listed})")
        ratio = statistics.median(ratios)
        listed = ", ".join(f"{x:.3f}" for x in ratios)
        print(
            f"{kind}: with / without {ratio:.3f} (drop {100 * (1 - ratio):.1f} %; rounds: {listed})"
        )
        c, co = statistics.median(cpu[True]), statistics.median(cpu[False])
        # SQLite runs in this process, so its CPU counts; PostgreSQL's server CPU does not.
        print(
            f"{kind}: steps per CPU second of this process: without {co:.0f}, with {c:.0f}, "
            f"ratio {c / co:.2f} (drop {100 * (1 - c / co):.0f} %)",
            flush=True,
        )


if __name__ == "__main__":
    main()
