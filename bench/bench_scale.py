"""The read side at province size: a clerk's first page of tasks and of the inbox, with N cases.

Cases are written straight into SQLite through the store (rows as a step saves them: case row,
its waiting tasks in `facts`, and the read-model rows), spread over 90 courts and their
committees, a tenth of them open. Measured in the same run:

- new: GET /tasks?limit=50 and the web inbox, served from the task read model (one indexed page);
- baseline: what the same list cost before (every open case of the court read and its view
  rebuilt: ScopedReads.open_cases + Engine.view), here timed directly, not over HTTP.

    python bench/bench_scale.py --cases 10000 100000 [--requests 50]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fastapi.testclient import TestClient

from api.app import create_app
from api.demo import add_demo_users
from api.settings import Settings
from engine.ports import StoredCase
from storage.scoped import ScopedReads, Visibility
from storage.sql import SqlCaseStore

COURTS = [f"第{n:02d}基层人民法院" for n in range(1, 91)]
COURTS[0] = "临海市人民法院"  # the demo clerk's court
TASKS = [
    ("record_consent", "记录当事人是否同意调解", ["court_clerk"], "court"),
    ("register_case", "登记立案", ["court_clerk"], "court"),
    ("mediate", "调解", ["mediator"], "mediator"),
]


def fill(store: SqlCaseStore, cases: int) -> None:
    start = datetime(2026, 1, 5, 9, tzinfo=UTC)
    for n in range(cases):
        court = COURTS[n % len(COURTS)]
        opened = start + timedelta(minutes=n)
        is_open = n % 10 == 0
        bpmn_id, title, roles, side = TASKS[(n // 10) % len(TASKS)]
        due = (date(2026, 1, 5) + timedelta(days=n % 400)).isoformat()
        tasks = (
            [
                {
                    "task_id": f"{n:08d}-0000-0000-0000-000000000000",
                    "bpmn_id": bpmn_id,
                    "title_zh": title,
                    "roles": roles,
                    "org": side,
                    "due": due,
                    "provisional": False,
                }
            ]
            if is_open
            else []
        )
        store.insert(
            StoredCase(
                id=f"(2026)浙{n % 900:04d}民诉前调{n:07d}号",
                process_id="pre_filing_referral",
                status="returned" if is_open else "closed",
                version=1,
                opened_at=opened,
                updated_at=opened,
                workflow=b"{}",
                court_org=court,
                mediator_org=court.replace("人民法院", "消保委"),
                outcome=None if is_open else "filed",
                closed_at=None if is_open else opened,
                facts={"tasks": tasks, "consumer": {"name": f"消费者{n}"}},
            ),
            [],
            [],
        )


def timed(call: object, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        began = time.perf_counter()
        call()  # type: ignore[operator]
        samples.append((time.perf_counter() - began) * 1000)
    return samples


def p99(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


def run(cases: int, requests: int) -> dict[str, float]:
    folder = Path(tempfile.mkdtemp(prefix="suitiao-scale-"))
    settings = Settings(
        database_url=f"sqlite:///{folder / 'scale.db'}",
        secret_key="bench-" + "x" * 40,
        state_dir=folder,
    )
    app = create_app(settings, timers=False)
    add_demo_users(app.state.services.accounts)
    store: SqlCaseStore = app.state.engine.store
    began = time.perf_counter()
    fill(store, cases)
    filled = time.perf_counter() - began
    client = TestClient(app)
    token = client.post("/auth/token", data={"username": "clerk", "password": "clerk-demo"}).json()[
        "access_token"
    ]
    headers = {"Authorization": f"Bearer {token}"}
    api = timed(lambda: client.get("/tasks", params={"limit": 50}, headers=headers), requests)
    web = client.post  # sign in for the pages
    page = client.get("/ui/login").text
    csrf = page.split('name="csrf_token" value="')[1].split('"')[0]
    web(
        "/ui/login",
        data={"username": "clerk", "password": "clerk-demo", "csrf_token": csrf},
        follow_redirects=False,
    )
    inbox = timed(lambda: client.get("/ui/inbox"), requests)
    reads = ScopedReads(store.engine)
    engine = app.state.engine
    scope = Visibility("court", COURTS[0])

    def baseline() -> None:
        views = [engine.view(row) for row in reads.open_cases(scope)]
        rows = [(t.due or "", v.id) for v in views for t in v.tasks]
        rows.sort()

    old = timed(baseline, max(3, requests // 5))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    client.close()
    return {
        "cases": cases,
        "fill_s": filled,
        "tasks_p50": statistics.median(api),
        "tasks_p99": p99(api),
        "inbox_p50": statistics.median(inbox),
        "inbox_p99": p99(inbox),
        "baseline_p50": statistics.median(old),
        "rss_mb": rss,
    }


def measure_audit(
    client: TestClient, requests: int = 20, year: int | None = None
) -> dict[str, float]:
    """The province auditor's read side, from the findings read model and the counters:
    the first page of GET /audit (50 findings), GET /stats for a year (with 同比) and the
    dashboard page /ui/audit; p50 and p99 in ms. Signs in as the demo auditor (token and page
    session) on the client given; bench/bench_audit_scale.py runs it with a baseline."""
    year = year or datetime.now(UTC).year
    token = client.post(
        "/auth/token", data={"username": "auditor", "password": "auditor-demo"}
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    login = client.get("/ui/login").text
    csrf = login.split('name="csrf_token" value="')[1].split('"')[0]
    client.post(
        "/ui/login",
        data={"username": "auditor", "password": "auditor-demo", "csrf_token": csrf},
        follow_redirects=False,
    )
    period = {"from": f"{year}-01-01", "to": f"{year}-12-31"}

    def ok(response: Any) -> None:
        assert response.status_code == 200, response.text[:300]

    audit = timed(lambda: ok(client.get("/audit", params={"limit": 50}, headers=headers)), requests)
    stats = timed(lambda: ok(client.get("/stats", params=period, headers=headers)), requests)
    dashboard = timed(lambda: ok(client.get("/ui/audit")), requests)
    return {
        "audit_p50": statistics.median(audit),
        "audit_p99": p99(audit),
        "stats_p50": statistics.median(stats),
        "stats_p99": p99(stats),
        "dashboard_p50": statistics.median(dashboard),
        "dashboard_p99": p99(dashboard),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--quick", action="store_true", help="2,000 and 10,000 cases")
    args = parser.parse_args(argv)
    sizes = [2_000, 10_000] if args.quick else args.cases
    print(f"load average {os.getloadavg()[0]:.1f}")
    print(
        "| cases | open | GET /tasks p50 / p99 (ms) | inbox p50 / p99 (ms) "
        "| baseline: load every open case (ms) | RSS (MB) |"
    )
    print("| --- | --- | --- | --- | --- | --- |")
    for n in sizes:
        r = run(n, args.requests)
        print(
            f"| {n:,} | {n // 10:,} | {r['tasks_p50']:.1f} / {r['tasks_p99']:.1f} "
            f"| {r['inbox_p50']:.1f} / {r['inbox_p99']:.1f} | {r['baseline_p50']:.1f} "
            f"| {r['rss_mb']:.0f} |",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
