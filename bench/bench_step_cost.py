"""What the findings read model and the statistics counters cost a durable step, measured in
the same run: bench_engine's warm Suitiao variant (N cases through the 8 user tasks of
pre_filing_referral, interleaved, SQLite WAL) with the step writing its findings and counters,
against the same with those writes switched off (as the step was before; the one-row read
of the old counter key stays in both), and with all but the published figures' tallies
(stat_figures). Rounds alternate; medians of wall and CPU steps/s.

    .venv/bin/python bench/bench_step_cost.py [--cases 150] [--rounds 3]
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import engine_fixtures as fx

import storage.sql


def _off(*_args: Any, **_kwargs: Any) -> None:
    return None


MODES = ("none", "no figures", "all")  # which read-model writes the step makes


def run(n: int, tmp: Path, tag: str, mode: str) -> tuple[float, float]:
    names = ("write_findings", "move_counts", "move_due", "move_counters", "move_figures")
    saved = {name: getattr(storage.sql, name) for name in names}
    off = names if mode == "none" else ("move_figures",) if mode != "all" else ()
    for name in off:
        setattr(storage.sql, name, _off)
    try:
        engine = fx.sql_engine(tmp / f"{tag}.db", fx.FakeClock(fx.T0), cache_size=2048)
        ids = [f"{tag}-{i}" for i in range(n)]
        for case_id in ids:
            fx.open_case(engine, case_id)
        gc.collect()
        wall0, cpu0 = time.perf_counter(), time.process_time()
        for k in range(len(fx.PATH)):
            for case_id in ids:
                fx.do_step(engine, case_id, k)
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        engine.store.engine.dispose()
    finally:
        for name, function in saved.items():
            setattr(storage.sql, name, function)
    steps = n * len(fx.PATH)
    return steps / wall, steps / cpu


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=150)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    rates: dict[str, list[tuple[float, float]]] = {m: [] for m in MODES}
    with tempfile.TemporaryDirectory(prefix="suitiao-step-cost-") as d:
        for r in range(args.rounds):
            for mode in reversed(MODES) if r % 2 else MODES:
                rates[mode].append(run(args.cases, Path(d), f"r{r}{mode}", mode))
    print(f"load average {os.getloadavg()[0]:.1f}; {args.cases} cases x {len(fx.PATH)} steps")
    print("| step writes | steps/s (wall, median) | steps/s (CPU, median) |")
    print("| --- | --- | --- |")
    labels = {
        "none": "before: no findings, no counters",
        "no figures": "findings and counters, no figure tallies",
        "all": "findings, counters and figure tallies",
    }
    cpu = {m: statistics.median(c for _, c in rates[m]) for m in MODES}
    for mode in MODES:
        wall = statistics.median(w for w, _ in rates[mode])
        print(f"| {labels[mode]} | {wall:.0f} | {cpu[mode]:.0f} |")
    print(
        f"CPU steps/s with / without: {cpu['all'] / cpu['none']:.2f} (target: no more than 15 %"
        f" fewer); the figure tallies alone: {cpu['all'] / cpu['no figures']:.2f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
