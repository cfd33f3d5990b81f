"""What the integrity anchors cost: durable steps with and without them, and `verify` speed.

    .venv/bin/python bench/bench_anchors.py [--cases N] [--rounds R]

Workload: N cases of the pre-filing path (bench/engine_fixtures.py), all 8 steps each, steps
interleaved across cases, on SQLite WAL in a temporary directory; warm workflow cache. "plain"
is SqlCaseStore without anchors (as before), "anchored" writes the HMAC chain head (and, when a
case opens, the signed case count) in each step's transaction. Then `storage.verify.verify`
walks the anchored database. Medians over rounds; the two variants alternate within a round.
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
from storage.verify import Report, verify


def run(folder: Path, cases: int, anchored: bool) -> tuple[float, float | None]:
    clock = fx.FakeClock(fx.T0)
    anchors = Anchors("bench-secret-" + "x" * 40) if anchored else None
    store = SqlCaseStore.from_url(fx.sqlite_url(folder / f"{anchored}.db"), anchors)
    engine = fx.make_engine(store, clock)
    ids = [f"B-{n:05d}" for n in range(cases)]
    for case_id in ids:
        fx.open_case(engine, case_id)
    steps = 0
    started = time.perf_counter()
    for k in range(len(fx.PATH)):
        for case_id in ids:
            fx.do_step(engine, case_id, k)
            steps += 1
    rate = steps / (time.perf_counter() - started)
    verify_rate = None
    if anchored:
        report = Report()
        started = time.perf_counter()
        problems = list(verify(store.engine, anchors, report))
        verify_rate = report.checked / (time.perf_counter() - started)
        assert not problems, problems[:3]
    store.engine.dispose()
    return rate, verify_rate


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    plain, anchored, verified = [], [], []
    for _ in range(args.rounds):
        with tempfile.TemporaryDirectory() as tmp:
            plain.append(run(Path(tmp), args.cases, False)[0])
            rate, per_second = run(Path(tmp), args.cases, True)
            anchored.append(rate)
            verified.append(per_second or 0.0)
    p, a = statistics.median(plain), statistics.median(anchored)
    print(f"steps/s plain    {p:8.0f}  (rounds: {', '.join(f'{r:.0f}' for r in plain)})")
    print(f"steps/s anchored {a:8.0f}  (rounds: {', '.join(f'{r:.0f}' for r in anchored)})")
    print(f"anchored / plain {a / p:8.2f}")
    checked = statistics.median(verified)
    print(f"verify cases/s   {checked:8.0f}  ({args.cases} cases, 9 events each)")


if __name__ == "__main__":
    main()
