"""The auditor's read side at province size: GET /audit (first page), GET /stats for a year and
the dashboard page, with N cases that carry real event histories, against a baseline in the
same run.

Cases: the demo's cases (api/demo.populate, every path, some people late) played once into a
scratch database, then copied N times through the store (SqlCaseStore.insert: the step's write,
findings audited and counters moved in its transaction), each copy under another of the
registry's courts and its committee and shifted to open on a day spread over the last year;
written a thousand cases per transaction with the rows a step writes (case, events, findings
audited case by case), the counters recounted once at the end (bench_step_cost.py measures what
the read model costs a real step).

- new: bench_scale.measure_audit over HTTP (TestClient), from the findings read model and the
  statistics counters;
- baseline: what GET /audit and GET /stats cost before this change, timed directly: every
  visible event read and re-audited (standard_rules.audit over the engine's events), plus the
  old GROUP BYs over the cases table for /stats.

    python bench/bench_audit_scale.py --cases 10000 100000 [--requests 20] [--baseline-runs 2]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fastapi.testclient import TestClient

from api.app import create_app
from api.audit_events import audit_events
from api.demo import DemoClock, add_demo_users, populate
from api.settings import Settings
from bench.bench_scale import measure_audit, timed
from engine.domain.events import CaseEvent, chain
from engine.ports import StoredCase
from engine.services import Engine, SystemClock
from standard_rules.audit import audit
from standard_rules.orgs import default_registry
from storage.scoped import ScopedReads, Visibility
from storage.sql import SqlCaseStore

Template = tuple[StoredCase, list[CaseEvent]]


def templates(folder: Path) -> list[Template]:
    """The demo's cases and events, played once."""
    settings = Settings(
        database_url=f"sqlite:///{folder / 'template.db'}",
        secret_key="bench-" + "x" * 40,
        state_dir=folder,
    )
    app = create_app(settings, timers=False)
    engine: Engine = app.state.engine
    clock = DemoClock(SystemClock().now())
    engine.clock = clock
    populate(engine, clock, cases=60, days=120, seed=5)
    store: SqlCaseStore = engine.store  # type: ignore[assignment]
    from engine.ports import CaseQuery

    found = []
    for case in store.query(CaseQuery(limit=1000)):
        found.append((case, store.events(case.id)))
    store.engine.dispose()
    return found


def pairs() -> list[tuple[str, str]]:
    registry = default_registry()
    out = []
    for court in registry.of_kind("court"):
        committees = registry.committees_for(court)
        if committees:
            out.append((court.short, committees[0].short))
    return out


def copy(template: Template, n: int, court: str, cpa: str, opened: datetime) -> Template:
    case, events = template
    shift = opened - case.opened_at
    names = {case.court_org: court, case.mediator_org: cpa}
    case_id = f"(2026)浙B{n:07d}民诉前调{n}号"

    def moved(value: object) -> object:
        return names.get(value, value) if isinstance(value, str) else value

    drafts = [
        (
            e.activity,
            e.at + shift,
            {k: moved(v) if k == "mediator_org" else v for k, v in e.data.items()},
            e.actor,
            e.role,
            moved(e.org),  # type: ignore[arg-type]
        )
        for e in events
    ]
    sealed = chain(case_id, "0" * 64, 1, drafts)
    stored = replace(
        case,
        id=case_id,
        court_org=court if case.court_org else None,
        mediator_org=cpa if case.mediator_org else None,
        opened_at=case.opened_at + shift,
        updated_at=case.updated_at + shift,
        closed_at=case.closed_at + shift if case.closed_at else None,
        next_due=None,
        last_seq=sealed[-1].seq if sealed else 0,
        last_hash=sealed[-1].hash if sealed else case.last_hash,
        facts={**case.facts, "tasks": []},
    )
    return stored, sealed


def fill(store: SqlCaseStore, models: list[Template], cases: int, batch: int = 1000) -> None:
    """N copies written a thousand cases per transaction, with the rows a step writes (case,
    events, findings from auditing each case); the counters are then recounted once."""
    from storage.findings import INSERT_FINDINGS, finding_rows
    from storage.sql import _INSERT_CASE, _INSERT_EVENTS, _case_values, _event_values

    where = pairs()
    now = datetime.now(UTC)
    for first in range(0, cases, batch):
        rows, events, findings = [], [], []
        for n in range(first, min(cases, first + batch)):
            court, cpa = where[n % len(where)]
            opened = now - timedelta(days=365) + timedelta(seconds=n * 365 * 86400 // cases)
            stored, sealed = copy(models[n % len(models)], n, court, cpa, opened)
            rows.append(_case_values(stored))
            events += [_event_values(e) for e in sealed]
            findings += finding_rows(stored, store.auditor.findings(sealed))
        with store.engine.begin() as conn:
            conn.execute(_INSERT_CASE, rows)
            conn.execute(_INSERT_EVENTS, events)
            if findings:
                conn.execute(INSERT_FINDINGS, findings)
    store.reindex_counters()


def run(
    cases: int, requests: int, baseline_runs: int, folder: Path, models: list[Template]
) -> dict[str, float]:
    settings = Settings(
        database_url=f"sqlite:///{folder / f'audit-{cases}.db'}",
        secret_key="bench-" + "x" * 40,
        state_dir=folder,
    )
    app = create_app(settings, timers=False)
    add_demo_users(app.state.services.accounts)
    engine: Engine = app.state.engine
    store: SqlCaseStore = engine.store  # type: ignore[assignment]
    began = time.perf_counter()
    fill(store, models, cases)
    filled = time.perf_counter() - began
    client = TestClient(app)
    new = measure_audit(client, requests)
    reads = ScopedReads(store.engine)
    scope = Visibility("all")

    def baseline() -> None:  # GET /audit and GET /stats as they were: re-audit everything
        items = list(audit_events(reads.events(scope)))
        audit(items, engine.pack, engine.calendar, datetime.now(UTC))
        reads.statistics(scope, datetime.now(UTC))
        reads.cases_by_org(scope)

    old = timed(baseline, baseline_runs)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    client.close()
    store.engine.dispose()
    return {
        "cases": cases,
        "fill_per_s": cases / filled,
        **new,
        "baseline_p50": statistics.median(old),
        "rss_mb": rss,
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--baseline-runs", type=int, default=2)
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="suitiao-audit-scale-"))
    models = templates(folder)
    print(f"load average {os.getloadavg()[0]:.1f}")
    print(
        "| cases | fill: cases/s (bulk, findings audited per case) "
        "| GET /audit first page p50 / p99 (ms) "
        "| GET /stats a year p50 / p99 (ms) | /ui/audit p50 / p99 (ms) "
        "| baseline: one re-audit of every event, as /audit and /stats each did (ms) | RSS (MB) |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for n in args.cases:
        r = run(n, args.requests, args.baseline_runs, folder, models)
        print(
            f"| {n:,} | {r['fill_per_s']:.0f} | {r['audit_p50']:.1f} / {r['audit_p99']:.1f} "
            f"| {r['stats_p50']:.1f} / {r['stats_p99']:.1f} "
            f"| {r['dashboard_p50']:.1f} / {r['dashboard_p99']:.1f} "
            f"| {r['baseline_p50']:.0f} | {r['rss_mb']:.0f} |",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
