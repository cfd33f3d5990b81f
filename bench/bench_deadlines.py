"""Due dates per second: LegalCalendar against chinese_calendar.find_workday, in the same run.

    python bench/bench_deadlines.py [--seed N]

Prints a markdown table (operation, calls/s, ratio vs the baseline). The baseline is
chinese-calendar's own find_workday (~700 µs a call), timed over about 2,000 calls only; the
table look-ups are timed over hundreds of thousands. Target: due_ordinal ≥ 500,000 calls/s.
Inputs are random (seeded) starts in 2025-01-01 .. 2026-06-30 and 1..120 days, so that every
answer stays inside the years chinese-calendar knows.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # runnable as a plain script from a checkout
    sys.path.insert(0, str(ROOT))

TARGET = 500_000


def best_rate(run: Callable[[], int], repeats: int) -> float:
    """Calls per second of the fastest of `repeats` runs (run() returns its number of calls)."""
    best = 0.0
    for _ in range(repeats):
        t0 = time.perf_counter()
        calls = run()
        elapsed = time.perf_counter() - t0
        best = max(best, calls / elapsed)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--ordinal-calls", type=int, default=300_000)
    parser.add_argument("--explained-calls", type=int, default=20_000)
    parser.add_argument("--baseline-calls", type=int, default=2_000)
    args = parser.parse_args()

    from chinese_calendar import find_workday

    from standard_rules.legal_calendar import LegalCalendar, Unit

    t0 = time.perf_counter()
    calendar = LegalCalendar()
    build_ms = (time.perf_counter() - t0) * 1000

    rng = random.Random(args.seed)
    first, last = date(2025, 1, 1), date(2026, 6, 30)
    width = (last - first).days

    def sample(n: int) -> list[tuple[date, int]]:
        return [
            (first + timedelta(days=rng.randrange(width + 1)), rng.randint(1, 120))
            for _ in range(n)
        ]

    ordinal_inputs = [(d.toordinal(), n) for d, n in sample(args.ordinal_calls)]
    explained_inputs = sample(args.explained_calls)
    baseline_inputs = sample(args.baseline_calls)

    def baseline() -> int:
        for start, days in baseline_inputs:
            find_workday(days, start)
        return len(baseline_inputs)

    def ordinal(unit: Unit) -> Callable[[], int]:
        due_ordinal = calendar.due_ordinal

        def run() -> int:
            for start, days in ordinal_inputs:
                due_ordinal(start, days, unit)
            return len(ordinal_inputs)

        return run

    def explained(unit: Unit) -> Callable[[], int]:
        def run() -> int:
            for start, days in explained_inputs:
                calendar.due(start, days, unit).explain_zh()
            return len(explained_inputs)

        return run

    base = best_rate(baseline, repeats=2)
    rows = [
        ("chinese_calendar.find_workday (baseline)", base),
        ("due_ordinal, cal(N)", best_rate(ordinal(Unit.CALENDAR), repeats=5)),
        ("due_ordinal, wd(N)", best_rate(ordinal(Unit.WORKING), repeats=5)),
        ("due + explain_zh, cal(N)", best_rate(explained(Unit.CALENDAR), repeats=3)),
        ("due + explain_zh, wd(N)", best_rate(explained(Unit.WORKING), repeats=3)),
    ]

    version = sys.version.split()[0]
    print(f"Python {version}; LegalCalendar built in {build_ms:.0f} ms; seed {args.seed}")
    print()
    print("| operation | calls/s | ratio vs baseline |")
    print("| --- | ---: | ---: |")
    for name, rate in rows:
        print(f"| {name} | {rate:,.0f} | {rate / base:,.0f}× |")
    slow = [name for name, rate in rows[1:3] if rate < TARGET]
    print()
    if slow:
        print(f"BELOW TARGET ({TARGET:,}/s): {', '.join(slow)}")
        return 1
    print(f"due_ordinal meets the target of {TARGET:,} calls/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
