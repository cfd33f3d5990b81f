"""The published-figures workbook (GET /ui/audit/statistics.xlsx) from the tallies kept at each
step (stat_figures), against what it cost before in the same run: compute_statistics over every
visible case's events and the findings.

Cases: `suitiao demo --cases N` (api/demo_clone.populate_at_scale: up to 200 played through the
engine, the rest copied in bulk across the registry's courts, each batch moving the tallies).
Timed as the province auditor, for the whole history and for one year; the tally rows are
counted too (they grow with days, organisations and distinct durations, not with cases).

    python bench/bench_figures.py --cases 10000 100000 [--requests 10] [--baseline-runs 2]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.app import create_app
from api.audit_events import audit_events
from api.demo import DemoClock, add_demo_users
from api.demo_clone import populate_at_scale
from api.settings import Settings
from bench.bench_scale import sign_in, timed
from engine.services import Engine, SystemClock
from standard_rules.eventlog import Event
from standard_rules.statistics import compute_statistics
from storage.figure_counts import stat_figures_t
from storage.finding_reads import FindingFilter, FindingReads
from storage.scoped import ScopedReads, Visibility
from storage.sql import SqlCaseStore


def p99(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


def run(cases: int, requests: int, baseline_runs: int, folder: Path) -> dict[str, float]:
    settings = Settings(
        database_url=f"sqlite:///{folder / f'figures-{cases}.db'}",
        secret_key="bench-" + "x" * 40,
        state_dir=folder,
    )
    app = create_app(settings, timers=False)
    add_demo_users(app.state.services.accounts)
    engine: Engine = app.state.engine
    store: SqlCaseStore = engine.store  # type: ignore[assignment]
    clock = DemoClock(SystemClock().now())
    engine.clock = clock
    began = time.perf_counter()
    populate_at_scale(engine, clock, cases=cases, days=365, seed=5, store=store)
    filled = time.perf_counter() - began
    engine.clock = SystemClock()
    client = TestClient(app)
    sign_in(client, "auditor")
    year = date.today().year
    period = {"start": f"{year}-01-01", "end": f"{year}-12-31"}

    def workbook(params: dict[str, str]) -> object:
        response = client.get("/ui/audit/statistics.xlsx", params=params)
        assert response.content[:2] == b"PK", response.text[:300]
        return response

    whole = timed(lambda: workbook({}), requests)
    one_year = timed(lambda: workbook(period), requests)
    scope = Visibility("all")
    reads = ScopedReads(store.engine)
    findings = FindingReads(store.engine)

    def baseline() -> None:  # the workbook as it was: every visible event, every finding
        by_case: dict[str, list[Event]] = {}
        for event in audit_events(reads.events(scope)):
            by_case.setdefault(event.case, []).append(event)
        today = datetime.now(UTC).date().toordinal()
        found, cursor = [], None
        while True:
            page = findings.page(scope, FindingFilter(as_of_day=today), after=cursor, limit=2000)
            found += page.findings
            if (cursor := page.next) is None:
                break
        ordered = (sorted(e, key=lambda x: (x.ts, x.seq)) for e in by_case.values())
        compute_statistics(ordered, found, ("org",))

    old = timed(baseline, baseline_runs)
    with store.engine.connect() as conn:
        rows = int(conn.execute(select(func.count()).select_from(stat_figures_t)).scalar() or 0)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    client.close()
    store.engine.dispose()
    return {
        "fill_per_s": cases / filled,
        "whole_p50": statistics.median(whole),
        "whole_p99": p99(whole),
        "year_p50": statistics.median(one_year),
        "year_p99": p99(one_year),
        "baseline_p50": statistics.median(old),
        "rows": rows,
        "rss_mb": rss,
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--requests", type=int, default=10)
    parser.add_argument("--baseline-runs", type=int, default=2)
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="suitiao-figures-"))
    print(f"load average {os.getloadavg()[0]:.1f}")
    print(
        "| cases | fill: cases/s | statistics.xlsx, all history p50 / p99 (ms) "
        "| statistics.xlsx, this year p50 / p99 (ms) "
        "| baseline: compute_statistics over every event (ms) | stat_figures rows | RSS (MB) |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for n in args.cases:
        r = run(n, args.requests, args.baseline_runs, folder)
        print(
            f"| {n:,} | {r['fill_per_s']:.0f} | {r['whole_p50']:.1f} / {r['whole_p99']:.1f} "
            f"| {r['year_p50']:.1f} / {r['year_p99']:.1f} | {r['baseline_p50']:.0f} "
            f"| {r['rows']:,.0f} | {r['rss_mb']:.0f} |",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
